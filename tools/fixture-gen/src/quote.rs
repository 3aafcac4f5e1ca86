//! TDX quotes (v4 with a TD report 1.0 body, v5 with a TD report 1.5 body) laid out as in
//! Intel's `sgx_quote_4.h` / `sgx_quote_5.h` (research notes §1) and signed the way a real QE
//! signs them: the attestation key signs header ‖ body (v5: header ‖ body descriptor ‖ body),
//! the PCK leaf key signs the QE report, and the QE report's report_data binds the attestation
//! key: SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.

use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};

use crate::error::{msg, Result};
use crate::keys::{self, label_bytes};
use crate::tcb;

pub const QE_VENDOR_ID_INTEL: [u8; 16] =
    [0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07];
pub const TEE_TYPE_TDX: u32 = 0x81;
pub const ATT_KEY_TYPE_ECDSA_P256: u16 = 2;
/// TD attributes with only SEPT_VE_DISABLE (bit 28) set, as in every dstack quote.
pub const TD_ATTRIBUTES_DEFAULT: [u8; 8] = [0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00];
/// TD attributes with TUD.DEBUG (bit 0) also set.
pub const TD_ATTRIBUTES_DEBUG: [u8; 8] = [0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00];
pub const XFAM: [u8; 8] = [0xE7, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00];
/// QE auth data: the 32 bytes 0..31, as in every real quote.
pub const QE_AUTH_DATA: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31,
];
/// Offset (in a v4 quote) of the byte changed after signing in `bad-quote-signature`:
/// report_data[0] (body offset 520).
pub const TAMPERED_OFFSET_V4: usize = 568;
/// Certification data types (outer: QE report certification data; inner: PCK chain, PEM).
pub const CERT_DATA_QE_REPORT: u16 = 6;
pub const CERT_DATA_PCK_CHAIN: u16 = 5;

/// How the QE report binds the attestation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QeBinding {
    /// SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.
    Correct,
    /// SHA-256(attestation key ‖ bytes 32..63) ‖ 32 zero bytes: the QE report and its
    /// signature are valid, but the hash does not cover the auth data the quote carries.
    WrongHash,
}

/// What a scenario's quote looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSpec {
    pub tee_tcb_svn: [u8; 16],
    /// `Some` makes a v5 quote with a TD report 1.5 body (type 3) carrying tee_tcb_svn2.
    pub tee_tcb_svn2: Option<[u8; 16]>,
    pub td_attributes: [u8; 8],
    pub qe_isv_svn: u16,
    pub qe_binding: QeBinding,
    /// Flip bit 0 of the byte at this quote offset after everything is signed.
    pub tamper_offset: Option<usize>,
    /// A dstack deployment's measured values (MRCONFIGID, RTMR3); `None`: labelled filler.
    pub measured: Option<Measured>,
    /// report_data (e.g. an RA-TLS key binding); `None`: labelled filler.
    pub report_data: Option<[u8; 64]>,
}

/// Values a dstack CVM measures that a deployment fixture must carry in its quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub mr_config_id: [u8; 48],
    pub rtmr3: [u8; 48],
}

/// tee_tcb_svn as Intel lays it out: [0] module ISVSVN, [1] module major version, [2] late
/// microcode SVN, rest 0.
pub const fn tee_tcb_svn(module_svn: u8, module_major: u8, late_ucode: u8) -> [u8; 16] {
    [module_svn, module_major, late_ucode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// Keys and certificates a quote is signed with.
pub struct Signers<'a> {
    pub attestation_key: &'a SigningKey,
    pub pck_key: &'a SigningKey,
    /// leaf → PCK Platform CA → root, PEM.
    pub pck_chain_pem: &'a str,
    /// The PCK leaf's CPUSVN, copied into the QE report's cpu_svn.
    pub cpu_svn: [u8; 16],
}

/// Builds the quote bytes.
pub fn build_quote(spec: &QuoteSpec, signers: &Signers<'_>) -> Result<Vec<u8>> {
    let mut quote = header(if spec.tee_tcb_svn2.is_some() { 5 } else { 4 });
    let body = td_report_body(spec);
    if spec.tee_tcb_svn2.is_some() {
        quote.extend_from_slice(&3u16.to_le_bytes()); // body_type 3: TD report 1.5
        quote.extend_from_slice(&u32::try_from(body.len())?.to_le_bytes());
    }
    quote.extend_from_slice(&body);
    let signature_data = signature_data(spec, signers, &quote)?;
    quote.extend_from_slice(&u32::try_from(signature_data.len())?.to_le_bytes());
    quote.extend_from_slice(&signature_data);
    if let Some(offset) = spec.tamper_offset {
        let byte = quote.get_mut(offset).ok_or_else(|| msg(format!("tamper offset {offset} beyond the quote")))?;
        *byte ^= 0x01;
    }
    Ok(quote)
}

fn header(version: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(48);
    h.extend_from_slice(&version.to_le_bytes());
    h.extend_from_slice(&ATT_KEY_TYPE_ECDSA_P256.to_le_bytes());
    h.extend_from_slice(&TEE_TYPE_TDX.to_le_bytes());
    h.extend_from_slice(&[0u8; 4]); // reserved
    h.extend_from_slice(&QE_VENDOR_ID_INTEL);
    // user_data: the QE ID (16 bytes) then 4 zero bytes.
    h.extend_from_slice(&label_bytes::<16>("dstack-audit test QE id"));
    h.extend_from_slice(&[0u8; 4]);
    h
}

/// TD report 1.0 (584 bytes), plus tee_tcb_svn2 and mr_servicetd (zero) for TD report 1.5.
fn td_report_body(spec: &QuoteSpec) -> Vec<u8> {
    let mut b = Vec::with_capacity(648);
    b.extend_from_slice(&spec.tee_tcb_svn);
    b.extend_from_slice(&label_bytes::<48>("dstack-audit synthetic mr_seam"));
    b.extend_from_slice(&[0u8; 48]); // mr_signer_seam: Intel's module
    b.extend_from_slice(&[0u8; 8]); // seam_attributes
    b.extend_from_slice(&spec.td_attributes);
    b.extend_from_slice(&XFAM);
    b.extend_from_slice(&label_bytes::<48>("dstack-audit synthetic mr_td"));
    b.extend_from_slice(spec.measured.as_ref().map_or(&[0u8; 48], |m| &m.mr_config_id));
    b.extend_from_slice(&[0u8; 48]); // mr_owner
    b.extend_from_slice(&[0u8; 48]); // mr_owner_config
    for rtmr in ["rtmr0", "rtmr1", "rtmr2"] {
        b.extend_from_slice(&label_bytes::<48>(&format!("dstack-audit synthetic {rtmr}")));
    }
    match &spec.measured {
        Some(m) => b.extend_from_slice(&m.rtmr3),
        None => b.extend_from_slice(&label_bytes::<48>("dstack-audit synthetic rtmr3")),
    }
    match &spec.report_data {
        Some(d) => b.extend_from_slice(d),
        None => b.extend_from_slice(&label_bytes::<64>("dstack-audit synthetic report_data")),
    }
    if let Some(svn2) = spec.tee_tcb_svn2 {
        b.extend_from_slice(&svn2);
        b.extend_from_slice(&[0u8; 48]); // mr_servicetd
    }
    b
}

fn signature_data(spec: &QuoteSpec, signers: &Signers<'_>, signed: &[u8]) -> Result<Vec<u8>> {
    let attestation_public = keys::raw_public_key(signers.attestation_key)?;
    let qe_report = qe_report(spec, signers.cpu_svn, &attestation_public);
    let mut pck_chain = signers.pck_chain_pem.as_bytes().to_vec();
    pck_chain.push(0); // real quotes NUL-terminate the PEM blob

    let mut certification = Vec::new();
    certification.extend_from_slice(&qe_report);
    certification.extend_from_slice(&keys::sign_raw(signers.pck_key, &qe_report)?);
    certification.extend_from_slice(&u16::try_from(QE_AUTH_DATA.len())?.to_le_bytes());
    certification.extend_from_slice(&QE_AUTH_DATA);
    certification.extend_from_slice(&CERT_DATA_PCK_CHAIN.to_le_bytes());
    certification.extend_from_slice(&u32::try_from(pck_chain.len())?.to_le_bytes());
    certification.extend_from_slice(&pck_chain);

    let mut data = Vec::new();
    data.extend_from_slice(&keys::sign_raw(signers.attestation_key, signed)?);
    data.extend_from_slice(&attestation_public);
    data.extend_from_slice(&CERT_DATA_QE_REPORT.to_le_bytes());
    data.extend_from_slice(&u32::try_from(certification.len())?.to_le_bytes());
    data.extend_from_slice(&certification);
    Ok(data)
}

/// The 384-byte SGX report body of the test QE.
fn qe_report(spec: &QuoteSpec, cpu_svn: [u8; 16], attestation_public: &[u8; 64]) -> Vec<u8> {
    let mut r = Vec::with_capacity(384);
    r.extend_from_slice(&cpu_svn);
    r.extend_from_slice(&tcb::QE_MISCSELECT); // misc_select (u32 LE)
    r.extend_from_slice(&[0u8; 28]); // reserved1, isv_ext_prod_id
    r.extend_from_slice(&tcb::QE_REPORT_ATTRIBUTES);
    r.extend_from_slice(&label_bytes::<32>("dstack-audit test QE mrenclave"));
    r.extend_from_slice(&[0u8; 32]); // reserved2
    r.extend_from_slice(&tcb::qe_mrsigner());
    r.extend_from_slice(&[0u8; 96]); // reserved3, config_id
    r.extend_from_slice(&tcb::QE_ISV_PROD_ID.to_le_bytes());
    r.extend_from_slice(&spec.qe_isv_svn.to_le_bytes());
    r.extend_from_slice(&[0u8; 60]); // config_svn, reserved4, isv_family_id
    let mut hashed = Sha256::new();
    hashed.update(attestation_public);
    match spec.qe_binding {
        QeBinding::Correct => hashed.update(QE_AUTH_DATA),
        QeBinding::WrongHash => hashed.update(QE_AUTH_DATA.map(|b| b ^ 0x20)),
    }
    r.extend_from_slice(hashed.finalize().as_slice());
    r.extend_from_slice(&[0u8; 32]);
    r
}
