//! `collateral.json` in dcap-qvl's QuoteCollateralV3 shape (the shape of the real files in
//! fixtures/tdx/dcap-qvl*): issuer chains as PEM, CRLs as lower-case hex DER, TCB Info and QE
//! Identity as the exact signed JSON text, their signatures as hex of raw r ‖ s over exactly
//! those bytes. No `pck_certificate_chain`: the PCK chain comes from the quote, as in Intel QVL.

use serde::Serialize;

use crate::error::Result;
use crate::keys;
use crate::pki::Pki;
use crate::tcb::{self, TcbInfoVariant};

#[derive(Serialize)]
struct CollateralJson {
    pck_crl_issuer_chain: String,
    root_ca_crl: String,
    pck_crl: String,
    tcb_info_issuer_chain: String,
    tcb_info: String,
    tcb_info_signature: String,
    qe_identity_issuer_chain: String,
    qe_identity: String,
    qe_identity_signature: String,
}

/// The collateral file text (pretty-printed like the real files, trailing newline).
pub fn collateral_json(pki: &Pki, variant: TcbInfoVariant) -> Result<String> {
    let tcb_info = tcb::tcb_info_text(variant)?;
    let qe_identity = tcb::qe_identity_text()?;
    let collateral = CollateralJson {
        pck_crl_issuer_chain: pki.pck_crl_issuer_chain()?,
        root_ca_crl: hex::encode(&pki.root_crl),
        pck_crl: hex::encode(&pki.pck_crl),
        tcb_info_issuer_chain: pki.tcb_issuer_chain()?,
        tcb_info_signature: hex::encode(keys::sign_raw(&pki.tcb_signing.key, tcb_info.as_bytes())?),
        tcb_info,
        qe_identity_issuer_chain: pki.tcb_issuer_chain()?,
        qe_identity_signature: hex::encode(keys::sign_raw(&pki.tcb_signing.key, qe_identity.as_bytes())?),
        qe_identity,
    };
    let mut text = serde_json::to_string_pretty(&collateral)?;
    text.push('\n');
    Ok(text)
}
