//! `fetch collateral --pccs URL`: the DCAP collateral for the quote in an attestation, from an
//! Intel PCS-compatible service, written as `QuoteCollateralV3` JSON (docs/dcap.md).
//!
//! The FMSPC and the PCK CA (platform or processor) come from the PCK certificate in the quote.
//! Requests (PCS v4): `/tdx/certification/v4/tcb?fmspc=…` (issuer chain in `TCB-Info-Issuer-Chain`),
//! `/tdx/certification/v4/qe/identity` (`SGX-Enclave-Identity-Issuer-Chain`),
//! `/sgx/certification/v4/pckcrl?ca=…&encoding=der` (`SGX-PCK-CRL-Issuer-Chain`) and
//! `/sgx/certification/v4/rootcacrl` (on a 404, Intel's published root CA CRL). The signed `tcbInfo` and `enclaveIdentity` values are kept
//! as their exact bytes in the response: re-serialising them would break their signatures.
//! Nothing is checked here beyond shape; `verify --collateral` checks every signature.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::http::{self, Limits, Response};
use super::ResponseRecord;
use crate::clock::EvalTime;
use crate::dcap::pck::parse_pck_extension;
use crate::error::Error;
use crate::tdx::quote::Quote;
use crate::x509::parse_pem_chain;

/// Where Intel publishes the SGX Root CA's CRL (DER), for services without `rootcacrl`.
pub const INTEL_ROOT_CA_CRL_URL: &str = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

/// PCK certification data type 5: a PEM chain (the only kind dstack quotes carry).
const PCK_CERT_CHAIN_PEM: u16 = 5;

/// What the quote says about where its collateral lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollateralKey {
    pub fmspc: [u8; 6],
    /// `platform` or `processor`: the CA that issued the PCK certificate.
    pub ca: &'static str,
}

/// Reads the FMSPC and the PCK CA from the quote's certification data.
pub fn collateral_key(quote: &Quote, input: &str) -> Result<CollateralKey, Error> {
    let sig = &quote.signature;
    let bad = |found: String| Error::Input {
        input: input.to_string(),
        at: crate::error::Location::Field("quote.certification_data".into()),
        expected: "a PCK certificate chain (certification data type 5) with the SGX extension".into(),
        found,
    };
    if sig.pck_cert_data_type != PCK_CERT_CHAIN_PEM {
        return Err(bad(format!("certification data type {}", sig.pck_cert_data_type)));
    }
    let certs = parse_pem_chain(&sig.pck_cert_data, "PCK certificate chain").map_err(|e| bad(e.to_string()))?;
    let leaf = certs.first().ok_or_else(|| bad("an empty chain".into()))?;
    let ext = parse_pck_extension(leaf).map_err(|e| bad(e.to_string()))?;
    let ca = if leaf.issuer().contains("Processor") { "processor" } else { "platform" };
    Ok(CollateralKey { fmspc: ext.fmspc, ca })
}

#[derive(Deserialize)]
struct TcbInfoBody<'a> {
    #[serde(borrow, rename = "tcbInfo")]
    tcb_info: &'a RawValue,
    signature: String,
}

#[derive(Deserialize)]
struct IdentityBody<'a> {
    #[serde(borrow, rename = "enclaveIdentity")]
    identity: &'a RawValue,
    signature: String,
}

/// Fetches the four collateral parts and assembles `QuoteCollateralV3` JSON.
pub fn fetch(pccs: &str, key: &CollateralKey, limits: Limits, at: EvalTime) -> Result<Value, Error> {
    let base = pccs.trim_end_matches('/');
    let fmspc = hex::encode_upper(key.fmspc);
    let tcb = http::get(&format!("{base}/tdx/certification/v4/tcb?fmspc={fmspc}"), limits)?;
    let qe = http::get(&format!("{base}/tdx/certification/v4/qe/identity"), limits)?;
    let pck_crl = http::get(&format!("{base}/sgx/certification/v4/pckcrl?ca={}&encoding=der", key.ca), limits)?;
    // A PCCS serves the root CA CRL; Intel's PCS does not, and Intel publishes it at a fixed URL.
    let root_crl = match http::get_optional(&format!("{base}/sgx/certification/v4/rootcacrl"), limits)? {
        Some(r) => r,
        None => http::get(INTEL_ROOT_CA_CRL_URL, limits)?,
    };

    let tcb_body: TcbInfoBody = parse_body(&tcb, "`{\"tcbInfo\": …, \"signature\": hex}`")?;
    let qe_body: IdentityBody = parse_body(&qe, "`{\"enclaveIdentity\": …, \"signature\": hex}`")?;
    for (r, sig) in [(&tcb, &tcb_body.signature), (&qe, &qe_body.signature)] {
        if sig.len() != 128 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(r.error(format!("expected a 64-byte hex signature, found {}", crate::error::describe(sig))));
        }
    }
    let responses = [&tcb, &qe, &pck_crl, &root_crl].map(ResponseRecord::of);
    Ok(json!({
        "pck_crl_issuer_chain": issuer_chain(&pck_crl, "SGX-PCK-CRL-Issuer-Chain")?,
        "root_ca_crl": hex::encode(crl_der(&root_crl)?),
        "pck_crl": hex::encode(crl_der(&pck_crl)?),
        "tcb_info_issuer_chain": issuer_chain(&tcb, "TCB-Info-Issuer-Chain")?,
        "tcb_info": tcb_body.tcb_info.get(),
        "tcb_info_signature": tcb_body.signature.to_ascii_lowercase(),
        "qe_identity_issuer_chain": issuer_chain(&qe, "SGX-Enclave-Identity-Issuer-Chain")?,
        "qe_identity": qe_body.identity.get(),
        "qe_identity_signature": qe_body.signature.to_ascii_lowercase(),
        "fetched": {
            "from": pccs,
            "at": at.to_string(),
            "fmspc": fmspc,
            "ca": key.ca,
            "responses": responses,
            "note": "fetched online; trusted only as far as `dstack-audit verify` establishes"
        }
    }))
}

fn parse_body<'a, T: Deserialize<'a>>(r: &'a Response, what: &str) -> Result<T, Error> {
    serde_json::from_slice(&r.body)
        .map_err(|e| r.error(format!("expected {what}, found {}", crate::error::json_message(&e))))
}

/// An issuer chain header: URL-encoded PEM (as PCS sends it), or plain PEM.
fn issuer_chain(r: &Response, header: &str) -> Result<String, Error> {
    let raw = r.header(header).ok_or_else(|| r.error(format!("expected a {header} header, found none")))?;
    let text = percent_decode(raw).ok_or_else(|| r.error(format!("{header}: malformed URL encoding")))?;
    let count = parse_pem_chain(text.as_bytes(), header).map_err(|e| r.error(format!("{header}: {e}")))?.len();
    if count < 2 {
        return Err(r.error(format!("{header}: expected an issuer and the root, found {count} certificate(s)")));
    }
    Ok(text)
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi.checked_mul(16)?.checked_add(lo)?).ok()?);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

/// A CRL body: DER, PEM, or hex text of the DER (PCCS sends the root CA CRL as hex).
fn crl_der(r: &Response) -> Result<Vec<u8>, Error> {
    let body = &r.body;
    if body.first() == Some(&0x30) {
        return Ok(body.clone());
    }
    let text =
        std::str::from_utf8(body).map_err(|_| r.error("expected a CRL (DER, PEM or hex), found binary data".into()))?;
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("-----BEGIN X509 CRL-----") {
        let b64: String = rest.split("-----END X509 CRL-----").next().unwrap_or_default().split_whitespace().collect();
        return der::pem::decode_vec(format!("-----BEGIN X509 CRL-----\n{b64}\n-----END X509 CRL-----\n").as_bytes())
            .map(|(_, der)| der)
            .map_err(|e| r.error(format!("expected a PEM CRL, found invalid PEM ({e})")));
    }
    hex::decode(text)
        .map_err(|_| r.error(format!("expected a CRL (DER, PEM or hex), found {}", crate::error::describe(text))))
}
