//! DCAP quote verification, offline, as numbered steps after Intel's QVL
//! (`QuoteVerifier.cpp` 4.1.2.4.x, research §1.5, §2.3–2.5). Pure: the time and the trust anchor
//! are inputs; no network, no clock.
//!
//! 1. Collateral (when given): root CA CRL signed by the root and valid at `now`; PCK CRL issuer
//!    chain to the root and the PCK CRL signed by its issuer; TCB Signing chains to the root for
//!    TCB Info and QE Identity; their signatures over the exact signed JSON text; their validity
//!    windows. → `VerifiedCollateral`. Collateral without CRLs (dcap-qvl 0.1.5–0.2.x) skips the
//!    CRL steps, and every chain is then verified without revocation (`has_crls` says so).
//! 2. Quote: header (attestation key type, QE vendor), PCK chain from the quote's own
//!    certification data to the root (revocation with the verified CRLs when there are any), QE
//!    report signed by the PCK leaf, QE report data = SHA-256(attestation key ‖ QE auth data) ‖ 32
//!    zero bytes (all 64 bytes), quote signed by the attestation key. → `VerifiedQuote`.
//! 3. TCB: PCK SGX extension + quote + verified collateral → `tcb::evaluate_tcb`.
//!
//! Nothing here decides what is acceptable: statuses and advisories go to the appraisal.

use crate::finding_code::FindingCode;
use p256::ecdsa::VerifyingKey;
use sha2::{Digest, Sha256};

use super::chain::{
    verify_chain_in, ChainError, ChainOptions, SignatureCache, VerifiedChain, PCK_LEAF_CN, TCB_SIGNING_CN,
};
use super::collateral::{Collateral, CollateralCrls};
use super::pck::{parse_pck_extension, PckExtension};
use super::roots::TrustAnchor;
use super::tcb::{evaluate_tcb, TcbError, TcbEvaluation, TcbInputs};
use super::tcb_info::{parse_qe_identity, parse_tcb_info, QeIdentity, TcbInfo};
use crate::clock::UnixTime;
use crate::error::ParseError;
use crate::tdx::quote::{Header, Quote, TdReport, ATT_KEY_TYPE_ECDSA_P256};
use crate::x509::{parse_pem_chain, verify_ecdsa_p256_raw, Certificate, Crl};

/// Intel's QE vendor ID (header bytes 12..28).
pub const INTEL_QE_VENDOR_ID: [u8; 16] =
    [0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07];
/// Inner certification data type 5: PCK certificate chain in PEM.
pub const PCK_CERT_CHAIN_PEM: u16 = 5;

/// Why DCAP verification failed, with a stable code per step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DcapError {
    AttestationKeyType {
        found: u16,
    },
    QeVendor {
        found: [u8; 16],
    },
    PckCertDataType {
        found: u16,
    },
    PckChainParse(ParseError),
    PckChain(ChainError),
    PckExtension(ParseError),
    QeReportSignature,
    /// Hex of the expected and found QE report_data.
    QeReportBinding {
        expected: String,
        found: String,
    },
    AttestationKey,
    QuoteSignature,
    Collateral {
        field: &'static str,
        problem: ParseError,
    },
    RootCrlSignature(String),
    CollateralChain {
        what: &'static str,
        error: ChainError,
    },
    CrlWindow {
        what: &'static str,
        this_update: UnixTime,
        next_update: Option<UnixTime>,
        now: UnixTime,
    },
    JsonSignature {
        what: &'static str,
    },
    CollateralWindow {
        what: &'static str,
        issue_date: UnixTime,
        next_update: UnixTime,
        now: UnixTime,
    },
    Tcb(TcbError),
}

impl DcapError {
    /// Stable kebab-case code for the report.
    pub fn code(&self) -> FindingCode {
        match self {
            DcapError::AttestationKeyType { .. } => FindingCode::AttestationKeyTypeUnsupported,
            DcapError::QeVendor { .. } => FindingCode::QeVendorIdUnknown,
            DcapError::PckCertDataType { .. } => FindingCode::PckCertDataUnsupported,
            DcapError::PckChainParse(_) => FindingCode::PckChainMalformed,
            DcapError::PckChain(e) => e.code(),
            DcapError::PckExtension(_) => FindingCode::PckExtensionMalformed,
            DcapError::QeReportSignature => FindingCode::QeReportSignatureInvalid,
            DcapError::QeReportBinding { .. } => FindingCode::QeReportBindingMismatch,
            DcapError::AttestationKey => FindingCode::AttestationKeyInvalid,
            DcapError::QuoteSignature => FindingCode::QuoteSignatureInvalid,
            DcapError::Collateral { .. } => FindingCode::CollateralMalformed,
            DcapError::RootCrlSignature(_) => FindingCode::RootCrlSignatureInvalid,
            DcapError::CollateralChain { what: "PCK CRL", .. } => FindingCode::PckCrlChainInvalid,
            DcapError::CollateralChain { .. } => FindingCode::TcbSigningChainInvalid,
            DcapError::CrlWindow { next_update: Some(n), now, .. } if now > n => FindingCode::CrlExpired,
            DcapError::CrlWindow { .. } => FindingCode::CrlNotYetValid,
            DcapError::JsonSignature { what: "TCB Info" } => FindingCode::TcbInfoSignatureInvalid,
            DcapError::JsonSignature { .. } => FindingCode::QeIdentitySignatureInvalid,
            DcapError::CollateralWindow { next_update, now, .. } if now > next_update => FindingCode::CollateralExpired,
            DcapError::CollateralWindow { .. } => FindingCode::CollateralNotYetValid,
            DcapError::Tcb(e) => e.code(),
        }
    }
}

impl std::fmt::Display for DcapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DcapError::AttestationKeyType { found } => {
                write!(f, "attestation key type {found} is not supported (expected 2, ECDSA-256 with P-256)")
            }
            DcapError::QeVendor { found } => write!(
                f,
                "the quoting enclave is not Intel's: QE vendor ID {} (expected {})",
                hex::encode(found),
                hex::encode(INTEL_QE_VENDOR_ID)
            ),
            DcapError::PckCertDataType { found } => {
                write!(f, "PCK certification data type {found} cannot be verified offline (expected 5, a PEM chain)")
            }
            DcapError::PckChainParse(e) => write!(f, "the quote's PCK certificate chain cannot be read: {e}"),
            DcapError::PckChain(e) => write!(f, "PCK certificate chain: {e}"),
            DcapError::PckExtension(e) => write!(f, "the PCK certificate's SGX extension cannot be read: {e}"),
            DcapError::QeReportSignature => write!(f, "the QE report is not signed by the PCK certificate's key"),
            DcapError::QeReportBinding { .. } => write!(
                f,
                "the QE report does not bind the attestation key: its report_data is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes"
            ),
            DcapError::AttestationKey => write!(f, "the attestation key is not a valid P-256 point"),
            DcapError::QuoteSignature => write!(f, "the quote (header and TD report) is not signed by its attestation key"),
            // `collateral` is the whole document: the problem names its field itself.
            DcapError::Collateral { field: "collateral", problem } => write!(f, "{problem}"),
            DcapError::Collateral { field, problem } => write!(f, "collateral field `{field}`: {problem}"),
            DcapError::RootCrlSignature(e) => write!(f, "the root CA CRL is not signed by the trusted root: {e}"),
            DcapError::CollateralChain { what, error } => write!(f, "{what} issuer chain: {error}"),
            DcapError::CrlWindow { what, this_update, next_update, now } => write!(
                f,
                "the {what} is valid from {this_update} to {}, not at {now}",
                next_update.map(|t| t.to_string()).unwrap_or_else(|| "(no next update)".into()),
            ),
            DcapError::JsonSignature { what } => {
                write!(f, "the {what} signature does not verify over its exact JSON text with the TCB Signing key")
            }
            DcapError::CollateralWindow { what, issue_date, next_update, now } => {
                write!(f, "the {what} is valid from {issue_date} to {next_update}, not at {now}")
            }
            DcapError::Tcb(e) => write!(f, "{e}"),
        }
    }
}

/// The collateral's CRLs, verified: the root CA CRL signed by the root, the PCK CRL signed by the
/// leaf of its issuer chain, both valid at `now`.
#[derive(Debug, Clone)]
struct VerifiedCrls {
    root: Crl,
    pck: Crl,
    /// The PCK CRL issuer chain's (latest notBefore, earliest expiry).
    issuer_window: (UnixTime, UnixTime),
}

/// Collateral whose signatures, chains and windows were verified at `now`.
#[derive(Debug, Clone)]
pub struct VerifiedCollateral {
    /// `None` for collateral without CRLs (dcap-qvl 0.1.5–0.2.x): nothing can be checked for
    /// revocation, and the quote's `revocation_checked` says so.
    crls: Option<VerifiedCrls>,
    tcb_info: TcbInfo,
    qe_identity: QeIdentity,
    window: (UnixTime, UnixTime),
    ignored_pck_chain: bool,
}

impl VerifiedCollateral {
    pub fn tcb_info(&self) -> &TcbInfo {
        &self.tcb_info
    }

    pub fn qe_identity(&self) -> &QeIdentity {
        &self.qe_identity
    }

    /// False when the collateral carries no CRLs, so that no certificate's revocation (PCK leaf,
    /// PCK CA, TCB Signing) could be checked.
    pub fn has_crls(&self) -> bool {
        self.crls.is_some()
    }

    /// Latest issue date and earliest expiry over every piece of collateral and its chains.
    pub fn window(&self) -> (UnixTime, UnixTime) {
        self.window
    }

    /// True when the collateral carried a PCK chain of its own, which is not used (the quote's is).
    pub fn ignored_pck_chain(&self) -> bool {
        self.ignored_pck_chain
    }
}

/// A quote whose DCAP signature chain verified to the trust anchor at `now`. It owns what the
/// signature covers: the header and the TD report (MRTD, RTMR0–3, MRCONFIGID, report_data, TD
/// attributes, …), copied from the quote that verified. Only `verify_quote` builds one, so a
/// measurement read from it is authenticated.
#[derive(Debug, Clone)]
pub struct VerifiedQuote {
    header: Header,
    td_report: TdReport,
    pck_chain: VerifiedChain,
    pck: PckExtension,
    revocation_checked: bool,
}

impl VerifiedQuote {
    /// The signed quote header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The signed TD report (the quote body).
    pub fn td_report(&self) -> &TdReport {
        &self.td_report
    }

    /// True when revocation was checked against verified CRLs.
    pub fn revocation_checked(&self) -> bool {
        self.revocation_checked
    }

    pub fn pck_chain(&self) -> &VerifiedChain {
        &self.pck_chain
    }

    pub fn pck(&self) -> &PckExtension {
        &self.pck
    }
}

/// Everything DCAP established about one quote.
#[derive(Debug, Clone)]
pub struct DcapOutcome {
    /// `None` when no collateral was given.
    pub collateral: Option<Result<VerifiedCollateral, DcapError>>,
    pub quote: Result<VerifiedQuote, DcapError>,
    /// `None` when there is no verified quote and verified collateral to evaluate.
    pub tcb: Option<Result<TcbEvaluation, DcapError>>,
}

/// Runs every step. Failures are data in the outcome, never panics. One `SignatureCache` lives
/// for the call: a certificate or CRL that recurs across its chains is signature-checked once.
pub fn verify_dcap(quote: &Quote, collateral: Option<&Collateral>, anchor: &TrustAnchor, now: UnixTime) -> DcapOutcome {
    let mut cache = SignatureCache::default();
    let collateral = collateral.map(|c| verify_collateral_in(c, anchor, now, &mut cache));
    let crls = match &collateral {
        Some(Ok(c)) => c.crls.as_ref().map(|v| [&v.root, &v.pck]),
        _ => None,
    };
    let verified = verify_quote_in(quote, anchor, now, crls.as_ref().map(|c| c.as_slice()), &mut cache);
    let tcb = match (&verified, &collateral) {
        (Ok(vq), Some(Ok(vc))) => Some(evaluate(quote, vq, vc)),
        _ => None,
    };
    DcapOutcome { collateral, quote: verified, tcb }
}

/// Step 1: the collateral.
pub fn verify_collateral(c: &Collateral, anchor: &TrustAnchor, now: UnixTime) -> Result<VerifiedCollateral, DcapError> {
    verify_collateral_in(c, anchor, now, &mut SignatureCache::default())
}

fn verify_collateral_in(
    c: &Collateral,
    anchor: &TrustAnchor,
    now: UnixTime,
    cache: &mut SignatureCache,
) -> Result<VerifiedCollateral, DcapError> {
    let crls = c.crls.as_ref().map(|crls| verify_crls(crls, anchor, now, cache)).transpose()?;
    // The TCB Signing certificate is checked against the root CA CRL when there is one.
    let root_only = crls.as_ref().map(|v| [&v.root]);
    let revocation = root_only.as_ref().map(|r| r.as_slice());

    let tcb_chain = chain_of(&c.tcb_info_issuer_chain, "tcb_info_issuer_chain")?;
    let tcb_signer = verify_issuer_chain(&tcb_chain, anchor, revocation, now, Some(TCB_SIGNING_CN), "TCB Info", cache)?;
    check_json_signature(tcb_signer.leaf(), &c.tcb_info, &c.tcb_info_signature, "TCB Info")?;
    let qe_chain = chain_of(&c.qe_identity_issuer_chain, "qe_identity_issuer_chain")?;
    let qe_signer =
        verify_issuer_chain(&qe_chain, anchor, revocation, now, Some(TCB_SIGNING_CN), "QE Identity", cache)?;
    check_json_signature(qe_signer.leaf(), &c.qe_identity, &c.qe_identity_signature, "QE Identity")?;

    let tcb_info = parse_tcb_info(&c.tcb_info).map_err(|e| DcapError::Collateral { field: "tcb_info", problem: e })?;
    let qe_identity =
        parse_qe_identity(&c.qe_identity).map_err(|e| DcapError::Collateral { field: "qe_identity", problem: e })?;
    json_window("TCB Info", tcb_info.issue_date, tcb_info.next_update, now)?;
    json_window("QE Identity", qe_identity.issue_date, qe_identity.next_update, now)?;

    let mut issued = vec![
        tcb_info.issue_date,
        qe_identity.issue_date,
        tcb_signer.latest_not_before(),
        qe_signer.latest_not_before(),
    ];
    let mut expires = vec![
        Some(tcb_info.next_update),
        Some(qe_identity.next_update),
        Some(tcb_signer.earliest_expiry()),
        Some(qe_signer.earliest_expiry()),
    ];
    if let Some(v) = &crls {
        issued.extend([v.root.this_update(), v.pck.this_update(), v.issuer_window.0]);
        expires.extend([v.root.next_update(), v.pck.next_update(), Some(v.issuer_window.1)]);
    }
    let window = (
        issued.iter().copied().max().unwrap_or(UnixTime::EPOCH),
        expires.iter().flatten().copied().min().unwrap_or(UnixTime::MAX),
    );
    Ok(VerifiedCollateral {
        crls,
        tcb_info,
        qe_identity,
        window,
        ignored_pck_chain: c
            .pck_certificate_chain
            .as_deref()
            .is_some_and(|s| !s.trim_matches(char::from(0)).trim().is_empty()),
    })
}

/// Step 1a: the root CA CRL is signed by the root; the PCK CRL issuer chain verifies to the root
/// (against the root CA CRL) and its leaf signs the PCK CRL; both CRLs are valid at `now`.
fn verify_crls(
    c: &CollateralCrls,
    anchor: &TrustAnchor,
    now: UnixTime,
    cache: &mut SignatureCache,
) -> Result<VerifiedCrls, DcapError> {
    let root = Crl::from_der(&c.root_ca_crl).map_err(|e| DcapError::Collateral { field: "root_ca_crl", problem: e })?;
    cache.crl(&root, &anchor.cert).map_err(|e| DcapError::RootCrlSignature(e.to_string()))?;
    crl_window("root CA CRL", &root, now)?;

    let pck_issuers = chain_of(&c.pck_crl_issuer_chain, "pck_crl_issuer_chain")?;
    let pck = Crl::from_der(&c.pck_crl).map_err(|e| DcapError::Collateral { field: "pck_crl", problem: e })?;
    let issuer = verify_issuer_chain(&pck_issuers, anchor, Some(&[&root]), now, None, "PCK CRL", cache)?;
    cache
        .crl(&pck, issuer.leaf())
        .map_err(|e| DcapError::CollateralChain { what: "PCK CRL", error: ChainError::from_x509(e) })?;
    crl_window("PCK CRL", &pck, now)?;
    Ok(VerifiedCrls { root, pck, issuer_window: (issuer.latest_not_before(), issuer.earliest_expiry()) })
}

fn chain_of(pem: &str, field: &'static str) -> Result<Vec<Certificate>, DcapError> {
    parse_pem_chain(pem.as_bytes(), field).map_err(|e| DcapError::Collateral { field, problem: e })
}

fn verify_issuer_chain(
    certs: &[Certificate],
    anchor: &TrustAnchor,
    crls: Option<&[&Crl]>,
    now: UnixTime,
    leaf_cn: Option<&str>,
    what: &'static str,
    cache: &mut SignatureCache,
) -> Result<VerifiedChain, DcapError> {
    let opts = ChainOptions { root: &anchor.cert, crls, now, leaf_cn };
    verify_chain_in(certs, &opts, cache).map_err(|error| DcapError::CollateralChain { what, error })
}

fn check_json_signature(signer: &Certificate, text: &str, sig: &[u8; 64], what: &'static str) -> Result<(), DcapError> {
    let key = signer.verifying_key().map_err(|e| DcapError::Collateral { field: "issuer chain", problem: e })?;
    if verify_ecdsa_p256_raw(&key, text.as_bytes(), sig) {
        Ok(())
    } else {
        Err(DcapError::JsonSignature { what })
    }
}

fn crl_window(what: &'static str, crl: &Crl, now: UnixTime) -> Result<(), DcapError> {
    let ok = crl.this_update() <= now && crl.next_update().is_none_or(|n| now <= n);
    if ok {
        Ok(())
    } else {
        Err(DcapError::CrlWindow { what, this_update: crl.this_update(), next_update: crl.next_update(), now })
    }
}

fn json_window(
    what: &'static str,
    issue_date: UnixTime,
    next_update: UnixTime,
    now: UnixTime,
) -> Result<(), DcapError> {
    if issue_date <= now && now <= next_update {
        Ok(())
    } else {
        Err(DcapError::CollateralWindow { what, issue_date, next_update, now })
    }
}

/// Step 2: the quote's signature chain. `crls` are verified CRLs (root CA and PCK), or `None`.
pub fn verify_quote(
    quote: &Quote,
    anchor: &TrustAnchor,
    now: UnixTime,
    crls: Option<&[&Crl]>,
) -> Result<VerifiedQuote, DcapError> {
    verify_quote_in(quote, anchor, now, crls, &mut SignatureCache::default())
}

fn verify_quote_in(
    quote: &Quote,
    anchor: &TrustAnchor,
    now: UnixTime,
    crls: Option<&[&Crl]>,
    cache: &mut SignatureCache,
) -> Result<VerifiedQuote, DcapError> {
    if quote.header.att_key_type != ATT_KEY_TYPE_ECDSA_P256 {
        return Err(DcapError::AttestationKeyType { found: quote.header.att_key_type });
    }
    if quote.header.qe_vendor_id != INTEL_QE_VENDOR_ID {
        return Err(DcapError::QeVendor { found: quote.header.qe_vendor_id });
    }
    let sig = &quote.signature;
    if sig.pck_cert_data_type != PCK_CERT_CHAIN_PEM {
        return Err(DcapError::PckCertDataType { found: sig.pck_cert_data_type });
    }
    let certs = parse_pem_chain(&sig.pck_cert_data, "PCK certificate chain").map_err(DcapError::PckChainParse)?;
    let opts = ChainOptions { root: &anchor.cert, crls, now, leaf_cn: Some(PCK_LEAF_CN) };
    let pck_chain = verify_chain_in(&certs, &opts, cache).map_err(DcapError::PckChain)?;
    let pck_key = pck_chain.leaf().verifying_key().map_err(DcapError::PckExtension)?;
    if !verify_ecdsa_p256_raw(&pck_key, &sig.qe_report.raw, &sig.qe_report_signature) {
        return Err(DcapError::QeReportSignature);
    }
    let expected = qe_report_data(&sig.attestation_key, &sig.qe_auth_data);
    if expected != sig.qe_report.report_data {
        return Err(DcapError::QeReportBinding {
            expected: hex::encode(expected),
            found: hex::encode(sig.qe_report.report_data),
        });
    }
    let att_key = attestation_key(&sig.attestation_key)?;
    if !verify_ecdsa_p256_raw(&att_key, quote.signed_bytes(), &sig.quote_signature) {
        return Err(DcapError::QuoteSignature);
    }
    let pck = parse_pck_extension(pck_chain.leaf()).map_err(DcapError::PckExtension)?;
    Ok(VerifiedQuote {
        header: quote.header.clone(),
        td_report: quote.body.clone(),
        pck_chain,
        pck,
        revocation_checked: crls.is_some(),
    })
}

/// SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.
pub fn qe_report_data(attestation_key: &[u8; 64], qe_auth_data: &[u8]) -> [u8; 64] {
    let mut h = Sha256::new();
    h.update(attestation_key);
    h.update(qe_auth_data);
    let digest: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 64];
    out.iter_mut().zip(digest.iter()).for_each(|(d, s)| *d = *s);
    out
}

fn attestation_key(xy: &[u8; 64]) -> Result<VerifyingKey, DcapError> {
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(xy);
    VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| DcapError::AttestationKey)
}

/// Step 3: TCB status from the verified quote and collateral.
fn evaluate(quote: &Quote, vq: &VerifiedQuote, vc: &VerifiedCollateral) -> Result<TcbEvaluation, DcapError> {
    let b = &quote.body;
    let qe = &quote.signature.qe_report;
    let inputs = TcbInputs {
        quote_version: quote.header.version,
        td15: b.td15.is_some(),
        tee_tcb_svn: b.tee_tcb_svn,
        tee_tcb_svn2: b.td15.as_ref().map(|t| t.tee_tcb_svn2),
        mr_signer_seam: b.mr_signer_seam,
        seam_attributes: b.seam_attributes,
        pck_fmspc: vq.pck.fmspc,
        pck_pce_id: vq.pck.pce_id,
        pck_sgx_components: vq.pck.sgx_tcb_components,
        pck_pcesvn: vq.pck.pcesvn,
        qe_mr_signer: qe.mr_signer,
        qe_isv_prod_id: qe.isv_prod_id,
        qe_misc_select: qe.misc_select,
        qe_attributes: qe.attributes,
        qe_isv_svn: qe.isv_svn,
    };
    evaluate_tcb(&inputs, &vc.tcb_info, &vc.qe_identity).map_err(DcapError::Tcb)
}
