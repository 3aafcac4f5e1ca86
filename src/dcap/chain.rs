//! Certificate chain verification for Intel's DCAP PKI: the PCK chain of a quote (PCK
//! Certificate → PCK Platform/Processor CA → Intel SGX Root CA) and the TCB Signing chain of the
//! collateral (Intel SGX TCB Signing → Root).
//!
//! Implements the checks of Intel QVL's `PckCertVerifier`, `TCBSigningChain` and
//! `PckCrlVerifier` (research §1.5 item 4, §2.3), in this order: the chain ends at the pinned
//! root; every signature; every certificate's validity at `now`; CA flags, path length and key
//! usage of the issuers; no unknown critical extension; the leaf's common name; then, for every
//! certificate below the root, a current CRL of its issuer that the issuer signed and that does
//! not list it. Time and the root are inputs; this module reads no clock and decides no policy
//! beyond the PKI rules (TCB status is `tcb.rs`).

use std::fmt;

use crate::dcap::crl::Crl;
use crate::dcap::x509::{rfc3339, Certificate, Signed, X509Error, OID_BASIC_CONSTRAINTS, OID_KEY_USAGE};
use crate::limits::{MAX_CERTS_IN_CHAIN, MAX_CRLS};

/// A (certificate, issuer) pair whose signature was verified, by SHA-256 of their DER.
pub type SignedPair = ([u8; 32], [u8; 32]);

/// What one chain verification trusts and when it runs.
#[derive(Debug, Clone, Copy)]
pub struct ChainOptions<'a> {
    /// The pinned trust anchor (the Intel SGX Root CA). The chain must end at it.
    pub root: &'a Certificate,
    /// CRLs to apply, any order; each certificate's CRL is picked by issuer name (DER), and a
    /// certificate without one fails. `None` skips revocation entirely (no collateral given):
    /// the result says so in `VerifiedChain::revocation_checked`, and callers must report it.
    pub crls: Option<&'a [&'a Crl]>,
    /// Evaluation time, unix seconds.
    pub now: u64,
    /// The common name the leaf must carry (`Intel SGX PCK Certificate`, `Intel SGX TCB Signing`);
    /// `None` for chains whose leaf is itself a CA (the PCK CRL issuer chain).
    pub leaf_cn: Option<&'a str>,
    /// (certificate, issuer) pairs, by SHA-256 of their DER, whose signature was already verified
    /// in this evaluation (the PCK Platform CA and the TCB Signing certificate recur across the
    /// quote's and the collateral's chains). Their signature is not checked again; validity,
    /// names, constraints and revocation still are. Empty: check every signature.
    pub verified_pairs: &'a [SignedPair],
}

/// The common name of a PCK leaf certificate.
pub const PCK_LEAF_CN: &str = "Intel SGX PCK Certificate";
/// The common name of the TCB Info / QE Identity signing certificate.
pub const TCB_SIGNING_CN: &str = "Intel SGX TCB Signing";

/// A chain that passed every check of `verify_chain`. Only `verify_chain` can build one.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    pub leaf: Certificate,
    /// The certificates between the leaf and the root, leaf side first (the root excluded).
    pub intermediates: Vec<Certificate>,
    /// SHA-256 of the pinned root's DER.
    pub root_sha256: [u8; 32],
    /// The earliest of every certificate's notAfter (root included) and every used CRL's
    /// nextUpdate: the chain stays valid up to and including this second.
    pub earliest_expiry: u64,
    /// The latest of every certificate's notBefore and every used CRL's thisUpdate.
    pub latest_not_before: u64,
    /// False when `ChainOptions::crls` was `None` (revocation not checked).
    pub revocation_checked: bool,
    /// The (certificate, issuer) pairs, by SHA-256, whose signatures this chain established.
    pub signed_pairs: Vec<SignedPair>,
    /// The evaluation time the chain was verified at (private: only `verify_chain` builds this).
    verified_at: u64,
}

impl VerifiedChain {
    /// The evaluation time (`ChainOptions::now`) this chain was verified at.
    pub fn verified_at(&self) -> u64 {
        self.verified_at
    }
}

/// Why a chain is not acceptable. `Display` names the certificate, what was expected and what
/// was found, with times in RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// No certificate below the root was presented.
    Empty,
    /// More certificates than `MAX_CERTS_IN_CHAIN`, or more CRLs than `MAX_CRLS`.
    TooLong {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// The chain does not end at the pinned root.
    RootMismatch {
        expected: String,
        found: String,
    },
    /// A certificate names another issuer than the next certificate of the chain.
    IssuerMismatch {
        subject: String,
        expected: String,
        found: String,
    },
    /// A signature does not verify with the issuer's key.
    BadSignature {
        subject: String,
        issuer: String,
    },
    /// Not ecdsa-with-SHA256, or an unusable P-256 key.
    Unsupported {
        subject: String,
        detail: String,
    },
    Expired {
        subject: String,
        not_after: u64,
        now: u64,
    },
    NotYetValid {
        subject: String,
        not_before: u64,
        now: u64,
    },
    /// An issuing certificate lacks basicConstraints cA=TRUE.
    NotCa {
        subject: String,
    },
    /// An issuing certificate has more CA certificates below it than its pathLenConstraint.
    PathLen {
        subject: String,
        path_len: u8,
        below: usize,
    },
    /// An issuing certificate's keyUsage lacks the bit it needs (keyCertSign or cRLSign).
    KeyUsage {
        subject: String,
        missing: &'static str,
    },
    /// A certificate has a critical extension this verifier does not process (RFC 5280 §4.2).
    CriticalExtension {
        subject: String,
        oid: String,
    },
    LeafName {
        expected: String,
        found: String,
    },
    /// No CRL among the inputs is issued by this certificate's issuer.
    CrlMissing {
        issuer: String,
        subject: String,
    },
    CrlBadSignature {
        issuer: String,
        detail: String,
    },
    CrlExpired {
        issuer: String,
        next_update: u64,
        now: u64,
    },
    CrlNotYetValid {
        issuer: String,
        this_update: u64,
        now: u64,
    },
    /// The CRL has no nextUpdate, so its freshness cannot be judged.
    CrlNoNextUpdate {
        issuer: String,
    },
    /// The CRL has a critical extension this verifier does not process (RFC 5280 §5.2).
    CrlCriticalExtension {
        issuer: String,
        oid: String,
    },
    /// A CRL of the certificate's issuer lists its serial number.
    Revoked {
        subject: String,
        serial: String,
    },
}

impl ChainError {
    /// A failed single signature check as a chain error: a certificate's becomes
    /// `IssuerMismatch`, `BadSignature` or `Unsupported`; a CRL's becomes `CrlBadSignature`.
    pub fn from_x509(e: X509Error) -> ChainError {
        match e.object().clone() {
            Signed::Crl(issuer) => ChainError::CrlBadSignature { issuer, detail: e.reason() },
            Signed::Certificate(subject) => match e {
                X509Error::WrongIssuerName { expected, found, .. } => {
                    ChainError::IssuerMismatch { subject, expected, found }
                }
                X509Error::BadSignature { signer, .. } => ChainError::BadSignature { subject, issuer: signer },
                other @ (X509Error::UnsupportedAlgorithm { .. } | X509Error::BadKey { .. }) => {
                    ChainError::Unsupported { subject, detail: other.reason() }
                }
            },
        }
    }

    /// Stable kebab-case code for reports. The codes are the same for every chain (PCK, TCB
    /// Signing); callers that need to tell them apart prefix them.
    pub fn code(&self) -> &'static str {
        match self {
            ChainError::Empty => "chain-empty",
            ChainError::TooLong { .. } => "chain-too-long",
            ChainError::RootMismatch { .. } => "chain-root-mismatch",
            ChainError::IssuerMismatch { .. } => "chain-issuer-mismatch",
            ChainError::BadSignature { .. } => "chain-bad-signature",
            ChainError::Unsupported { .. } => "chain-unsupported-algorithm",
            ChainError::Expired { .. } => "chain-expired",
            ChainError::NotYetValid { .. } => "chain-not-yet-valid",
            ChainError::NotCa { .. } => "chain-not-ca",
            ChainError::PathLen { .. } => "chain-path-len-exceeded",
            ChainError::KeyUsage { .. } => "chain-key-usage",
            ChainError::CriticalExtension { .. } => "chain-unknown-critical-extension",
            ChainError::LeafName { .. } => "chain-leaf-name",
            ChainError::CrlMissing { .. } => "crl-missing",
            ChainError::CrlBadSignature { .. } => "crl-bad-signature",
            ChainError::CrlExpired { .. } => "crl-expired",
            ChainError::CrlNotYetValid { .. } => "crl-not-yet-valid",
            ChainError::CrlNoNextUpdate { .. } => "crl-no-next-update",
            ChainError::CrlCriticalExtension { .. } => "crl-unknown-critical-extension",
            ChainError::Revoked { .. } => "cert-revoked",
        }
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Empty => write!(f, "the chain holds no certificate below the trusted root"),
            ChainError::TooLong { what, count, max } => write!(f, "expected at most {max} {what}, found {count}"),
            ChainError::RootMismatch { expected, found } => {
                write!(f, "the chain does not end at the pinned root: expected {expected}, found {found}")
            }
            ChainError::IssuerMismatch { subject, expected, found } => {
                write!(f, "certificate `{subject}`: expected issuer `{expected}`, found issuer `{found}`")
            }
            ChainError::BadSignature { subject, issuer } => {
                write!(f, "certificate `{subject}`: the signature does not verify with the key of `{issuer}`")
            }
            ChainError::Unsupported { subject, detail } => write!(f, "certificate `{subject}`: {detail}"),
            ChainError::Expired { subject, not_after, now } => write!(
                f,
                "certificate `{subject}` has expired: valid until {}, evaluated at {}",
                rfc3339(*not_after),
                rfc3339(*now)
            ),
            ChainError::NotYetValid { subject, not_before, now } => write!(
                f,
                "certificate `{subject}` is not yet valid: valid from {}, evaluated at {}",
                rfc3339(*not_before),
                rfc3339(*now)
            ),
            ChainError::NotCa { subject } => {
                write!(f, "certificate `{subject}` issues certificates: expected basicConstraints cA=TRUE, found none")
            }
            ChainError::PathLen { subject, path_len, below } => write!(
                f,
                "certificate `{subject}`: expected at most {path_len} CA certificate(s) below it \
                 (pathLenConstraint), found {below}"
            ),
            ChainError::KeyUsage { subject, missing } => {
                write!(f, "certificate `{subject}`: expected keyUsage {missing}, found a keyUsage without it")
            }
            ChainError::CriticalExtension { subject, oid } => {
                write!(f, "certificate `{subject}`: unknown critical extension {oid}")
            }
            ChainError::LeafName { expected, found } => {
                write!(f, "leaf certificate: expected common name `{expected}`, found `{found}`")
            }
            ChainError::CrlMissing { issuer, subject } => {
                write!(f, "certificate `{subject}`: expected a CRL issued by `{issuer}`, found none")
            }
            ChainError::CrlBadSignature { issuer, detail } => write!(f, "CRL of `{issuer}`: {detail}"),
            ChainError::CrlExpired { issuer, next_update, now } => write!(
                f,
                "CRL of `{issuer}` has expired: next update was due {}, evaluated at {}",
                rfc3339(*next_update),
                rfc3339(*now)
            ),
            ChainError::CrlNotYetValid { issuer, this_update, now } => write!(
                f,
                "CRL of `{issuer}` is not yet valid: issued {}, evaluated at {}",
                rfc3339(*this_update),
                rfc3339(*now)
            ),
            ChainError::CrlNoNextUpdate { issuer } => {
                write!(f, "CRL of `{issuer}`: expected a nextUpdate time, found none")
            }
            ChainError::CrlCriticalExtension { issuer, oid } => {
                write!(f, "CRL of `{issuer}`: unknown critical extension {oid}")
            }
            ChainError::Revoked { subject, serial } => {
                write!(f, "certificate `{subject}` (serial {serial}) is revoked by its issuer's CRL")
            }
        }
    }
}

impl std::error::Error for ChainError {}

/// Verifies `certs` (leaf first; the root may or may not be included) against `opts`.
pub fn verify_chain(certs: &[Certificate], opts: &ChainOptions) -> Result<VerifiedChain, ChainError> {
    let below_root = anchor_at_root(certs, opts.root)?;
    let path: Vec<&Certificate> = below_root.iter().chain(std::iter::once(opts.root)).collect();
    let signed_pairs = check_signatures(&path, opts.verified_pairs)?;
    check_validity(&path, opts.now)?;
    check_issuers(&path)?;
    check_critical_extensions(&path)?;
    let (leaf, intermediates) = below_root.split_first().ok_or(ChainError::Empty)?;
    if let Some(leaf_cn) = opts.leaf_cn {
        check_leaf_name(leaf, leaf_cn)?;
    }
    let crl_window = match opts.crls {
        Some(crls) => check_revocation(&path, crls, opts.now)?,
        None => Window::default(),
    };
    let cert_window = path.iter().fold(Window::default(), |w, c| w.narrow(c.not_before(), c.not_after()));
    let window = cert_window.narrow(crl_window.start, crl_window.end);
    Ok(VerifiedChain {
        leaf: leaf.clone(),
        intermediates: intermediates.to_vec(),
        root_sha256: opts.root.sha256(),
        earliest_expiry: window.end,
        latest_not_before: window.start,
        revocation_checked: opts.crls.is_some(),
        signed_pairs,
        verified_at: opts.now,
    })
}

/// A validity window `[start, end]` in unix seconds, narrowed as certificates and CRLs are seen.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: u64,
    end: u64,
}

impl Default for Window {
    fn default() -> Self {
        Window { start: 0, end: u64::MAX }
    }
}

impl Window {
    fn narrow(self, start: u64, end: u64) -> Window {
        Window { start: self.start.max(start), end: self.end.min(end) }
    }
}

/// Step 1: the presented certificates below the pinned root. A presented root must be
/// byte-identical to the pinned one and come last; otherwise the last presented certificate must
/// name the pinned root as its issuer (its signature is checked in step 2).
fn anchor_at_root<'c>(certs: &'c [Certificate], root: &Certificate) -> Result<&'c [Certificate], ChainError> {
    if certs.len() > MAX_CERTS_IN_CHAIN {
        return Err(ChainError::TooLong { what: "certificates", count: certs.len(), max: MAX_CERTS_IN_CHAIN });
    }
    let expected = || format!("`{}` (SHA-256 {})", root.subject(), hex::encode(root.sha256()));
    let below = match certs.iter().position(|c| c == root) {
        Some(pos) if pos.saturating_add(1) == certs.len() => certs.get(..pos).unwrap_or_default(),
        Some(pos) => {
            return Err(ChainError::RootMismatch {
                expected: expected(),
                found: format!("{} certificate(s) after it", certs.len().saturating_sub(pos).saturating_sub(1)),
            })
        }
        None => {
            let last = certs.last().ok_or(ChainError::Empty)?;
            if last.issuer_der() == last.subject_der() {
                return Err(ChainError::RootMismatch {
                    expected: expected(),
                    found: format!(
                        "another self-issued root `{}` (SHA-256 {})",
                        last.subject(),
                        hex::encode(last.sha256())
                    ),
                });
            }
            if last.issuer_der() != root.subject_der() {
                return Err(ChainError::RootMismatch {
                    expected: expected(),
                    found: format!("a chain ending at `{}`, issued by `{}`", last.subject(), last.issuer()),
                });
            }
            certs
        }
    };
    if below.is_empty() {
        return Err(ChainError::Empty);
    }
    Ok(below)
}

/// Step 2: each certificate is signed by the next one (the last by the pinned root). Returns
/// the verified (certificate, issuer) pairs by SHA-256.
fn check_signatures(path: &[&Certificate], known: &[SignedPair]) -> Result<Vec<SignedPair>, ChainError> {
    let mut pairs = Vec::with_capacity(path.len());
    for pair in path.windows(2) {
        if let [cert, issuer] = pair {
            let key = (cert.sha256(), issuer.sha256());
            if !known.contains(&key) {
                cert.verify_signed_by(issuer).map_err(ChainError::from_x509)?;
            }
            pairs.push(key);
        }
    }
    Ok(pairs)
}

/// Step 3: notBefore <= now <= notAfter for every certificate, the root included (QVL checks
/// the root's expiry too).
fn check_validity(path: &[&Certificate], now: u64) -> Result<(), ChainError> {
    for cert in path {
        if now < cert.not_before() {
            return Err(ChainError::NotYetValid { subject: cert.subject(), not_before: cert.not_before(), now });
        }
        if now > cert.not_after() {
            return Err(ChainError::Expired { subject: cert.subject(), not_after: cert.not_after(), now });
        }
    }
    Ok(())
}

/// Step 4 (RFC 5280 §4.2.1.9, §4.2.1.3): every issuing certificate is a CA, allows the number
/// of CA certificates below it, and may sign certificates when it restricts key usage.
fn check_issuers(path: &[&Certificate]) -> Result<(), ChainError> {
    for (index, issuer) in path.iter().enumerate().skip(1) {
        if issuer.is_ca() != Some(true) {
            return Err(ChainError::NotCa { subject: issuer.subject() });
        }
        let below = index.saturating_sub(1);
        if let Some(path_len) = issuer.path_len() {
            if below > usize::from(path_len) {
                return Err(ChainError::PathLen { subject: issuer.subject(), path_len, below });
            }
        }
        if issuer.key_usage_cert_sign() == Some(false) {
            return Err(ChainError::KeyUsage { subject: issuer.subject(), missing: "keyCertSign" });
        }
    }
    Ok(())
}

/// Step 5: only basicConstraints and keyUsage may be critical.
fn check_critical_extensions(path: &[&Certificate]) -> Result<(), ChainError> {
    for cert in path {
        if let Some(oid) =
            cert.critical_extensions().into_iter().find(|oid| oid != OID_BASIC_CONSTRAINTS && oid != OID_KEY_USAGE)
        {
            return Err(ChainError::CriticalExtension { subject: cert.subject(), oid });
        }
    }
    Ok(())
}

/// Step 6: the leaf is the kind of certificate the caller expects.
fn check_leaf_name(leaf: &Certificate, leaf_cn: &str) -> Result<(), ChainError> {
    match leaf.subject_cn() {
        Some(cn) if cn == leaf_cn => Ok(()),
        Some(cn) => Err(ChainError::LeafName { expected: leaf_cn.to_string(), found: cn }),
        None => Err(ChainError::LeafName { expected: leaf_cn.to_string(), found: leaf.subject() }),
    }
}

/// Step 7: every certificate below the root is covered by a current CRL of its issuer, signed
/// by that issuer, that does not list it. When several CRLs of one issuer are given, all must
/// pass and any of them may revoke. Returns the window of the CRLs used.
fn check_revocation(path: &[&Certificate], crls: &[&Crl], now: u64) -> Result<Window, ChainError> {
    if crls.len() > MAX_CRLS {
        return Err(ChainError::TooLong { what: "CRLs", count: crls.len(), max: MAX_CRLS });
    }
    let mut window = Window::default();
    for pair in path.windows(2) {
        if let [cert, issuer] = pair {
            let mut revoked = false;
            let mut found = false;
            for crl in crls.iter().filter(|crl| crl.issuer_der() == cert.issuer_der()) {
                let next_update = check_crl(crl, issuer, now)?;
                window = window.narrow(crl.this_update(), next_update);
                revoked |= crl.is_revoked(cert);
                found = true;
            }
            if !found {
                return Err(ChainError::CrlMissing { issuer: cert.issuer(), subject: cert.subject() });
            }
            check_not_revoked(cert, revoked)?;
        }
    }
    Ok(window)
}

/// One CRL: no unknown critical extension, signed by `issuer` (which may sign CRLs), current at
/// `now`. Returns its nextUpdate.
fn check_crl(crl: &Crl, issuer: &Certificate, now: u64) -> Result<u64, ChainError> {
    if let Some(oid) = crl.critical_extensions().into_iter().next() {
        return Err(ChainError::CrlCriticalExtension { issuer: crl.issuer(), oid });
    }
    crl.verify_signed_by(issuer)
        .map_err(|e| ChainError::CrlBadSignature { issuer: crl.issuer(), detail: e.reason() })?;
    if issuer.key_usage_crl_sign() == Some(false) {
        return Err(ChainError::KeyUsage { subject: issuer.subject(), missing: "cRLSign" });
    }
    if now < crl.this_update() {
        return Err(ChainError::CrlNotYetValid { issuer: crl.issuer(), this_update: crl.this_update(), now });
    }
    let next_update = crl.next_update().ok_or_else(|| ChainError::CrlNoNextUpdate { issuer: crl.issuer() })?;
    if now > next_update {
        return Err(ChainError::CrlExpired { issuer: crl.issuer(), next_update, now });
    }
    Ok(next_update)
}

/// The verdict once the CRLs have been consulted.
fn check_not_revoked(cert: &Certificate, listed: bool) -> Result<(), ChainError> {
    if listed {
        return Err(ChainError::Revoked { subject: cert.subject(), serial: hex::encode_upper(cert.serial()) });
    }
    Ok(())
}

/// Helpers shared by the tests of this module: real chains and CRLs, and a throwaway CA that
/// re-signs real certificates and CRLs (Intel's keys are not available, so revocation and
/// constraint failures are built from real TBS bytes signed by a test key acting as the root).
#[cfg(test)]
pub(crate) mod test_ca {
    use der::{Decode, Encode};
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};

    use crate::dcap::crl::Crl;
    use crate::dcap::x509::{split_sequence, Certificate};

    pub fn key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    /// DER TLV with a definite length.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = content.len();
        let mut out = vec![tag];
        match len {
            0..=0x7f => out.push(len as u8),
            0x80..=0xff => out.extend_from_slice(&[0x81, len as u8]),
            _ => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    fn signed(tbs: &[u8], alg: &[u8], key: &SigningKey) -> Vec<u8> {
        let sig: Signature = key.sign(tbs);
        let mut bits = vec![0u8];
        bits.extend_from_slice(sig.to_der().as_bytes());
        tlv(0x30, &[tbs, alg, &tlv(0x03, &bits)].concat())
    }

    /// `cert` with its TBS edited by `edit`, signed by `signer`.
    pub fn resign(cert: &Certificate, signer: &SigningKey, edit: impl FnOnce(&mut Vec<u8>)) -> Certificate {
        let [tbs, alg, _] = split_sequence::<3>(cert.der(), "test").unwrap();
        let mut tbs = tbs.to_vec();
        edit(&mut tbs);
        Certificate::from_der(&signed(&tbs, alg, signer)).unwrap()
    }

    /// Replaces the subject key (an uncompressed P-256 point inside the TBS) by `new`'s.
    pub fn rekey(cert: &Certificate, new: &SigningKey) -> impl FnOnce(&mut Vec<u8>) {
        let old = cert.verifying_key().unwrap().to_sec1_point(false).as_bytes().to_vec();
        let new = new.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        move |tbs: &mut Vec<u8>| replace(tbs, &old, &new)
    }

    pub fn replace(bytes: &mut [u8], old: &[u8], new: &[u8]) {
        assert_eq!(old.len(), new.len());
        let at = bytes.windows(old.len()).position(|w| w == old).expect("pattern present");
        bytes[at..][..old.len()].copy_from_slice(new);
    }

    /// `crl` with `extra` serials added as revoked, signed by `signer`.
    pub fn resign_crl(crl: &Crl, signer: &SigningKey, extra: &[&[u8]]) -> Crl {
        let mut list = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl.der()).unwrap();
        let tbs = &mut list.tbs_cert_list;
        let entries = tbs.revoked_certificates.get_or_insert_with(Vec::new);
        for serial in extra {
            entries.push(x509_cert::crl::RevokedCert {
                serial_number: x509_cert::serial_number::SerialNumber::from_der(&tlv(0x02, serial)).unwrap(),
                revocation_date: tbs.this_update,
                crl_entry_extensions: None,
            });
        }
        let tbs_der = tbs.to_der().unwrap();
        let [_, alg, _] = split_sequence::<3>(crl.der(), "test").unwrap();
        Crl::from_der(&signed(&tbs_der, alg, signer)).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::test_ca::*;
    use super::*;
    use crate::dcap::crl::tests::{binary, collateral, collateral_crls};
    use crate::dcap::x509::parse_pem_chain;
    use crate::dcap::x509::tests::{quote_chain, root};

    /// (quote file, collateral whose CRLs apply, a time inside the collateral's window).
    /// Times: SOURCES.md "Expected outcomes" rows where the pair is listed; otherwise a time
    /// inside the collateral's CRL windows (noted).
    const CASES: &[(&str, &str, u64)] = &[
        ("tdx/dcap-qvl/tdx_quote", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 1
        ("tdx/dcap-qvl/tdx_quote_outdated", "tdx/dcap-qvl/tdx_quote_outdated_collateral.json", 1772323200), // row 3
        ("tdx/dcap-qvl/tdx-quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 4
        ("tdx/dcap-qvl/quote-from-tappd.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 5
        ("tdx/tee-solver/alice/quote.hex", "tdx/tee-solver/alice/quote_collateral.json", 1757894400), // row 6
        ("tdx/tee-solver/bob/quote.hex", "tdx/tee-solver/bob/quote_collateral.json", 1757894400), // row 7
        ("tdx/dcap-qvl/near_gas_test_quote_hex.txt", "tdx/dcap-qvl/near_gas_test_quote_collateral.json", 1757894400),
        ("tdx/go-tdx-guest/quote_v5_sample.dat", "tdx/dcap-qvl/tdx_quote_outdated_collateral.json", 1772323200), // row 8
        ("tdx/go-tdx-guest/quote_v5_sample.dat", "tdx/go-tdx-guest/assembled_collateral_v5_2026.json", 1771977600), // row 9
        (
            "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat",
            "tdx/go-tdx-guest/assembled_collateral_v4_2023.json",
            1688173200,
        ), // row 11
        (
            "tdx/dcap-rs/quote_tdx_00806f050000.dat",
            "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
            1740787200,
        ), // row 12
        (
            "tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat",
            "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
            1740787200,
        ), // row 13
        ("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex", "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json", 1792454400), // row 14
        ("tdx/dcap-qvl/tdx_quote", "tdx/derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json", 1792454400), // row 15
        // No own collateral: same PCK Platform CA, so the dcap-qvl CRLs apply (row 1's time).
        ("tdx/dstack/ra-tls_assets_tdx_quote", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
        ("tdx/dstack/sdk_simulator_quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
        ("dstack/dstack-simulator-2025-04/quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
        // fixtures/dstack: own collateral; times inside its PCK CRL window (2025-09-15,
        // 2026-03-01, 2026-09-01).
        (
            "dstack/tee-solver-phala-prod-0.5/quote.hex",
            "dstack/tee-solver-phala-prod-0.5/quote_collateral.json",
            1757894400,
        ),
        (
            "dstack/tee-solver-phala-prod-0.3/quote.hex",
            "dstack/tee-solver-phala-prod-0.3/quote_collateral.json",
            1757894400,
        ),
        ("dstack/near-mpc-dstack-0.5.4/quote.json", "dstack/near-mpc-dstack-0.5.4/collateral.json", 1772323200),
        ("dstack/near-mpc-dstack-dev-0.5.8/quote.json", "dstack/near-mpc-dstack-dev-0.5.8/collateral.json", 1788220800),
    ];

    fn pck_opts<'a>(root: &'a Certificate, crls: &'a [&'a Crl], now: u64) -> ChainOptions<'a> {
        ChainOptions { root, crls: Some(crls), now, leaf_cn: Some(PCK_LEAF_CN), verified_pairs: &[] }
    }

    /// The tdx_quote chain with its collateral's CRLs, at row 1's time.
    fn row1() -> (Vec<Certificate>, Crl, Crl) {
        let (root_crl, pck_crl) = collateral_crls("tdx/dcap-qvl/tdx_quote_collateral.json");
        (quote_chain("tdx/dcap-qvl/tdx_quote"), root_crl, pck_crl)
    }
    const ROW1_NOW: u64 = 1751328000;

    #[test]
    fn every_quote_pck_chain_verifies_to_the_intel_root() {
        let root = root();
        for (quote, coll, now) in CASES {
            let (root_crl, pck_crl) = collateral_crls(coll);
            let chain = quote_chain(quote);
            let v = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], *now))
                .unwrap_or_else(|e| panic!("{quote} with {coll}: {e}"));
            assert_eq!(hex::encode(v.root_sha256), "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
            assert_eq!(v.intermediates.len(), 1);
            assert_eq!(v.intermediates[0].subject_cn().as_deref(), Some("Intel SGX PCK Platform CA"));
            assert!(v.earliest_expiry >= *now && v.earliest_expiry <= pck_crl.next_update().unwrap());
            // The same chain without the root verifies too.
            verify_chain(&chain[..2], &pck_opts(&root, &[&pck_crl, &root_crl], *now)).unwrap();
        }
    }

    #[test]
    fn every_tcb_signing_chain_verifies() {
        let root = root();
        let mut files: Vec<(&str, u64)> = CASES.iter().map(|(_, c, t)| (*c, *t)).collect();
        files.dedup();
        for (coll, now) in files {
            let v = collateral(coll);
            let root_crl = Crl::from_der(&binary(&v["root_ca_crl"])).unwrap();
            for field in ["tcb_info_issuer_chain", "qe_identity_issuer_chain"] {
                let chain = parse_pem_chain(v[field].as_str().unwrap().as_bytes(), field).unwrap();
                let opts = ChainOptions {
                    root: &root,
                    crls: Some(&[&root_crl]),
                    now,
                    leaf_cn: Some(TCB_SIGNING_CN),
                    verified_pairs: &[],
                };
                let verified = verify_chain(&chain, &opts).unwrap_or_else(|e| panic!("{coll} {field}: {e}"));
                assert!(verified.intermediates.is_empty());
                // The PCK chain's leaf name is refused here.
                let opts = ChainOptions { leaf_cn: Some(PCK_LEAF_CN), ..opts };
                assert_eq!(verify_chain(&chain, &opts).unwrap_err().code(), "chain-leaf-name");
            }
        }
    }

    #[test]
    fn collateral_pck_chain_with_nul_terminator_verifies() {
        // NEAR's embedded collateral carries the PCK chain as a string ending in NUL.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let c = &v["tee_participant_info"]["Dstack"]["collateral"];
        let text = c["pck_certificate_chain"].as_str().unwrap();
        assert!(text.ends_with('\0'));
        let chain = parse_pem_chain(text.as_bytes(), "pck_certificate_chain").unwrap();
        let root_crl = Crl::from_der(&binary(&c["root_ca_crl"])).unwrap();
        let pck_crl = Crl::from_der(&binary(&c["pck_crl"])).unwrap();
        verify_chain(&chain, &pck_opts(&root(), &[&root_crl, &pck_crl], 1788220800)).unwrap();
    }

    #[test]
    fn window_spans_certificates_and_crls() {
        let (chain, root_crl, pck_crl) = row1();
        let v = verify_chain(&chain, &pck_opts(&root(), &[&root_crl, &pck_crl], ROW1_NOW)).unwrap();
        assert_eq!(rfc3339(v.earliest_expiry), "2025-07-19T10:00:35Z"); // PCK CRL nextUpdate
        assert_eq!(rfc3339(v.latest_not_before), "2025-06-19T10:00:35Z"); // PCK CRL thisUpdate
        assert!(v.revocation_checked);
        assert_eq!((v.leaf.clone(), v.verified_at()), (chain[0].clone(), ROW1_NOW));
    }

    #[test]
    fn without_crls_revocation_is_skipped_and_says_so() {
        let (chain, _, _) = row1();
        let root = root();
        let opts =
            ChainOptions { root: &root, crls: None, now: ROW1_NOW, leaf_cn: Some(PCK_LEAF_CN), verified_pairs: &[] };
        let v = verify_chain(&chain, &opts).unwrap();
        assert!(!v.revocation_checked);
        assert_eq!(rfc3339(v.earliest_expiry), "2032-02-06T23:25:51Z"); // the leaf's notAfter
        assert_eq!(rfc3339(v.latest_not_before), "2025-02-06T23:25:51Z");
        // `Some(&[])` is not the same: every certificate then lacks its CRL.
        let opts = ChainOptions { crls: Some(&[]), ..opts };
        assert_eq!(verify_chain(&chain, &opts).unwrap_err().code(), "crl-missing");
    }

    #[test]
    fn pck_crl_issuer_chain_has_no_leaf_name() {
        // The collateral's pck_crl_issuer_chain is Platform CA → Root: its leaf is a CA.
        let coll = collateral("tdx/dcap-qvl/tdx_quote_collateral.json");
        let (root_crl, pck_crl) = collateral_crls("tdx/dcap-qvl/tdx_quote_collateral.json");
        let chain = parse_pem_chain(coll["pck_crl_issuer_chain"].as_str().unwrap().as_bytes(), "x").unwrap();
        let root = root();
        let opts =
            ChainOptions { root: &root, crls: Some(&[&root_crl]), now: ROW1_NOW, leaf_cn: None, verified_pairs: &[] };
        let v = verify_chain(&chain, &opts).unwrap();
        pck_crl.verify_signed_by(&v.leaf).unwrap();
        // A CRL signature failure maps to crl-bad-signature.
        let err = root_crl.verify_signed_by(&v.leaf).unwrap_err();
        let err = ChainError::from_x509(err);
        assert_eq!(err.code(), "crl-bad-signature", "{err}");
        assert_eq!(
            err.to_string(),
            "CRL of `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`: expected issuer \
             `CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`, found issuer \
             `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`"
        );
    }

    #[test]
    fn flipped_signature_byte_is_bad_signature() {
        let (chain, root_crl, pck_crl) = row1();
        for i in 0..2 {
            let mut der = chain[i].der().to_vec();
            *der.last_mut().unwrap() ^= 0x01;
            let mut tampered = chain.clone();
            tampered[i] = Certificate::from_der(&der).unwrap();
            let err = verify_chain(&tampered, &pck_opts(&root(), &[&root_crl, &pck_crl], ROW1_NOW)).unwrap_err();
            assert!(
                matches!(&err, ChainError::BadSignature { subject, .. } if *subject == chain[i].subject()),
                "{err}"
            );
            assert_eq!(err.code(), "chain-bad-signature");
        }
    }

    #[test]
    fn time_outside_validity_is_expired_or_not_yet_valid() {
        let (chain, root_crl, pck_crl) = row1();
        let crls = [&root_crl, &pck_crl];
        let root = root();
        let after = chain[0].not_after() + 1;
        let err = verify_chain(&chain, &pck_opts(&root, &crls, after)).unwrap_err();
        assert_eq!(
            err,
            ChainError::Expired { subject: chain[0].subject(), not_after: chain[0].not_after(), now: after }
        );
        assert_eq!(
            err.to_string(),
            "certificate `CN=Intel SGX PCK Certificate, O=Intel Corporation, L=Santa Clara, ST=CA, C=US` has \
             expired: valid until 2032-02-06T23:25:51Z, evaluated at 2032-02-06T23:25:52Z"
        );
        verify_chain(&chain, &pck_opts(&root, &crls, after - 1)).unwrap_err(); // CRLs long expired by then
        let before = chain[0].not_before() - 1;
        let err = verify_chain(&chain, &pck_opts(&root, &crls, before)).unwrap_err();
        assert_eq!(err.code(), "chain-not-yet-valid");
        // Intermediates are judged too: the Platform CA expires 2033-05-21.
        let pca_after = chain[1].not_after() + 1;
        let opts = ChainOptions { leaf_cn: None, ..pck_opts(&root, &crls, pca_after) };
        let err = verify_chain(&chain[1..2], &opts);
        assert!(
            matches!(err, Err(ChainError::Expired { ref subject, .. }) if subject.contains("Platform CA")),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_root_is_root_mismatch() {
        let (chain, root_crl, pck_crl) = row1();
        let crls = [&root_crl, &pck_crl];
        // The Platform CA pinned as the "root": the presented chain goes on past it.
        let err = verify_chain(&chain, &pck_opts(&chain[1], &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "chain-root-mismatch", "{err}");
        // The TCB Signing cert pinned: the chain (without root) is issued by someone else.
        let tcb = parse_pem_chain(
            collateral("tdx/dcap-qvl/tdx_quote_collateral.json")["tcb_info_issuer_chain"].as_str().unwrap().as_bytes(),
            "t",
        )
        .unwrap();
        let err = verify_chain(&chain[..2], &pck_opts(&tcb[0], &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "chain-root-mismatch", "{err}");
        // Another self-signed root with the same name (like Intel's QVL sample root).
        let other = key(0x51);
        let fake_root = resign(&chain[2], &other, rekey(&chain[2], &other));
        assert_eq!(fake_root.subject_der(), chain[2].subject_der());
        let err = verify_chain(&chain, &pck_opts(&fake_root, &crls, ROW1_NOW)).unwrap_err();
        assert!(err.to_string().contains("another self-issued root"), "{err}");
        // Without the presented root, the same-name impostor fails on the signature.
        let err = verify_chain(&chain[..2], &pck_opts(&fake_root, &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "chain-bad-signature", "{err}");
        assert_eq!(verify_chain(&chain[2..], &pck_opts(&chain[2], &crls, ROW1_NOW)).unwrap_err(), ChainError::Empty);
        assert_eq!(verify_chain(&[], &pck_opts(&chain[2], &crls, ROW1_NOW)).unwrap_err(), ChainError::Empty);
    }

    #[test]
    fn crl_problems() {
        let (chain, root_crl, pck_crl) = row1();
        let root = root();
        // Missing: only the root CRL.
        let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl], ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "crl-missing");
        assert!(err.to_string().contains("expected a CRL issued by `CN=Intel SGX PCK Platform CA"), "{err}");
        let err = verify_chain(&chain, &pck_opts(&root, &[&pck_crl], ROW1_NOW)).unwrap_err();
        assert!(matches!(err, ChainError::CrlMissing { ref issuer, .. } if issuer.contains("Root CA")), "{err}");
        // Expired: one second after the PCK CRL's nextUpdate (SOURCES.md, row 1 edges).
        let next = pck_crl.next_update().unwrap();
        verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], next)).unwrap();
        let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], next + 1)).unwrap_err();
        assert_eq!(err, ChainError::CrlExpired { issuer: pck_crl.issuer(), next_update: next, now: next + 1 });
        assert!(err
            .to_string()
            .contains("next update was due 2025-07-19T10:00:35Z, evaluated at 2025-07-19T10:00:36Z"));
        // Not yet valid.
        let err =
            verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], pck_crl.this_update() - 1)).unwrap_err();
        assert_eq!(err.code(), "crl-not-yet-valid");
        // Tampered CRL signature.
        let mut der = pck_crl.der().to_vec();
        *der.last_mut().unwrap() ^= 0x01;
        let bad = Crl::from_der(&der).unwrap();
        let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &bad], ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "crl-bad-signature");
        // A good and a bad CRL of the same issuer: all must pass.
        let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl, &bad], ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "crl-bad-signature");
        let many: Vec<&Crl> = std::iter::repeat_n(&pck_crl, MAX_CRLS + 1).collect();
        assert_eq!(verify_chain(&chain, &pck_opts(&root, &many, ROW1_NOW)).unwrap_err().code(), "chain-too-long");
    }

    /// A copy of the Intel root under a test key, and the Platform CA re-signed by it; the
    /// real PCK leaf still verifies (the Platform CA's key is unchanged).
    fn test_root_chain() -> (TestRoot, Vec<Certificate>) {
        let (chain, _, _) = row1();
        let root_key = key(0x11);
        let fake_root = resign(&chain[2], &root_key, rekey(&chain[2], &root_key));
        let pca = resign(&chain[1], &root_key, |_| {});
        (TestRoot { root_key, root: fake_root }, vec![chain[0].clone(), pca])
    }

    struct TestRoot {
        root_key: p256::ecdsa::SigningKey,
        root: Certificate,
    }

    #[test]
    fn revoked_intermediate_and_leaf_are_refused() {
        let (_, root_crl, pck_crl) = row1();
        let (ca, chain) = test_root_chain();
        // Control: the test root's CRL without entries accepts the chain.
        let clean = resign_crl(&root_crl, &ca.root_key, &[]);
        verify_chain(&chain, &pck_opts(&ca.root, &[&clean, &pck_crl], ROW1_NOW)).unwrap();
        // The root CRL lists the Platform CA (serial 00956F5D…, with its sign byte).
        let listing = resign_crl(&root_crl, &ca.root_key, &[chain[1].serial()]);
        assert!(listing.is_revoked(&chain[1]));
        let err = verify_chain(&chain, &pck_opts(&ca.root, &[&listing, &pck_crl], ROW1_NOW)).unwrap_err();
        assert_eq!(
            err,
            ChainError::Revoked {
                subject: chain[1].subject(),
                serial: "00956F5DCDBD1BE1E94049C9D4F433CE01570BDE54".to_string()
            }
        );
        assert_eq!(err.code(), "cert-revoked");
        // The PCK leaf revoked by a re-keyed Platform CA's CRL.
        let pca_key = key(0x22);
        let pca = resign(&chain[1], &ca.root_key, rekey(&chain[1], &pca_key));
        let leaf = resign(&chain[0], &pca_key, |_| {});
        let pck_listing = resign_crl(&pck_crl, &pca_key, &[leaf.serial()]);
        let err = verify_chain(&[leaf.clone(), pca.clone()], &pck_opts(&ca.root, &[&clean, &pck_listing], ROW1_NOW))
            .unwrap_err();
        assert!(matches!(err, ChainError::Revoked { ref subject, .. } if subject.contains("PCK Certificate")), "{err}");
        let pck_clean = resign_crl(&pck_crl, &pca_key, &[]);
        verify_chain(&[leaf, pca], &pck_opts(&ca.root, &[&clean, &pck_clean], ROW1_NOW)).unwrap();
    }

    #[test]
    fn revocation_verdict_helper() {
        let (chain, _, _) = row1();
        assert!(check_not_revoked(&chain[0], false).is_ok());
        let err = check_not_revoked(&chain[0], true).unwrap_err();
        assert!(err.to_string().contains("serial 3C16ED54EACBB4CED072BE72630C85788CF46E36"), "{err}");
    }

    #[test]
    fn issuer_constraints_are_enforced() {
        let (_, root_crl, pck_crl) = row1();
        let (ca, chain) = test_root_chain();
        let clean = resign_crl(&root_crl, &ca.root_key, &[]);
        let crls = [&clean, &pck_crl];
        // basicConstraints pathlen 1 -> 0 on the root: one CA (the Platform CA) sits below it.
        const BC_PATHLEN_1: &[u8] = &[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01];
        let tight_root =
            resign(&ca.root, &ca.root_key, |tbs| replace(tbs, BC_PATHLEN_1, &[0x30, 6, 1, 1, 0xff, 2, 1, 0]));
        let err = verify_chain(&chain, &pck_opts(&tight_root, &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err, ChainError::PathLen { subject: tight_root.subject(), path_len: 0, below: 1 });
        // The Platform CA's basicConstraints turned into an unknown critical extension 2.5.29.99.
        let not_ca = resign(&chain[1], &ca.root_key, |tbs| replace(tbs, &[0x55, 0x1d, 0x13], &[0x55, 0x1d, 0x63]));
        let err = verify_chain(&[chain[0].clone(), not_ca], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err, ChainError::NotCa { subject: chain[1].subject() });
        // keyUsage keyCertSign|cRLSign (06) -> cRLSign only (02).
        let no_sign =
            resign(&chain[1], &ca.root_key, |tbs| replace(tbs, &[0x03, 0x02, 0x01, 0x06], &[0x03, 0x02, 0x01, 0x02]));
        let err = verify_chain(&[chain[0].clone(), no_sign], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err, ChainError::KeyUsage { subject: chain[1].subject(), missing: "keyCertSign" });
        // The leaf's critical basicConstraints renamed: an unknown critical extension.
        let pca_key = key(0x33);
        let pca = resign(&chain[1], &ca.root_key, rekey(&chain[1], &pca_key));
        let odd_leaf = resign(&chain[0], &pca_key, |tbs| replace(tbs, &[0x55, 0x1d, 0x13], &[0x55, 0x1d, 0x63]));
        let err = verify_chain(&[odd_leaf, pca], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
        assert_eq!(err.code(), "chain-unknown-critical-extension");
        assert!(err.to_string().ends_with("unknown critical extension 2.5.29.99"), "{err}");
    }

    #[test]
    fn codes_are_kebab_case_and_distinct() {
        let s = String::new;
        let all = [
            ChainError::Empty,
            ChainError::TooLong { what: "x", count: 1, max: 0 },
            ChainError::RootMismatch { expected: s(), found: s() },
            ChainError::IssuerMismatch { subject: s(), expected: s(), found: s() },
            ChainError::BadSignature { subject: s(), issuer: s() },
            ChainError::Unsupported { subject: s(), detail: s() },
            ChainError::Expired { subject: s(), not_after: 0, now: 0 },
            ChainError::NotYetValid { subject: s(), not_before: 0, now: 0 },
            ChainError::NotCa { subject: s() },
            ChainError::PathLen { subject: s(), path_len: 0, below: 0 },
            ChainError::KeyUsage { subject: s(), missing: "x" },
            ChainError::CriticalExtension { subject: s(), oid: s() },
            ChainError::LeafName { expected: s(), found: s() },
            ChainError::CrlMissing { issuer: s(), subject: s() },
            ChainError::CrlBadSignature { issuer: s(), detail: s() },
            ChainError::CrlExpired { issuer: s(), next_update: 0, now: 0 },
            ChainError::CrlNotYetValid { issuer: s(), this_update: 0, now: 0 },
            ChainError::CrlNoNextUpdate { issuer: s() },
            ChainError::CrlCriticalExtension { issuer: s(), oid: s() },
            ChainError::Revoked { subject: s(), serial: s() },
        ];
        let mut codes: Vec<&str> = all.iter().map(|e| e.code()).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
