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
//! beyond the PKI rules (TCB status is `tcb`). Errors are in `error`; signatures that recur
//! across the chains of one evaluation are checked once through `cache`.

mod cache;
mod error;
#[cfg(test)]
mod tests;

pub(crate) use cache::SignatureCache;
pub(crate) use error::ChainError;

use crate::clock::UnixTime;
use crate::limits::{MAX_CERTS_IN_CHAIN, MAX_CRLS};
use crate::x509::{Certificate, Crl, OID_BASIC_CONSTRAINTS, OID_KEY_USAGE};

/// What one chain verification trusts and when it runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainOptions<'a> {
    /// The pinned trust anchor (the Intel SGX Root CA). The chain must end at it.
    pub root: &'a Certificate,
    /// CRLs to apply, any order; each certificate's CRL is picked by issuer name (DER), and a
    /// certificate without one fails. `None` skips revocation entirely (no collateral given):
    /// the result says so in `VerifiedChain::revocation_checked`, and callers must report it.
    pub crls: Option<&'a [&'a Crl]>,
    /// The evaluation time.
    pub now: UnixTime,
    /// The common name the leaf must carry (`Intel SGX PCK Certificate`, `Intel SGX TCB Signing`);
    /// `None` for chains whose leaf is itself a CA (the PCK CRL issuer chain).
    pub leaf_cn: Option<&'a str>,
}

/// The common name of a PCK leaf certificate.
pub(crate) const PCK_LEAF_CN: &str = "Intel SGX PCK Certificate";
/// The common name of the TCB Info / QE Identity signing certificate.
pub(crate) const TCB_SIGNING_CN: &str = "Intel SGX TCB Signing";

/// A chain that passed every check of `verify_chain`. Read-only: only `verify_chain` builds one.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    leaf: Certificate,
    intermediates: Vec<Certificate>,
    root_sha256: [u8; 32],
    earliest_expiry: UnixTime,
    latest_not_before: UnixTime,
    revocation_checked: bool,
    verified_at: UnixTime,
}

impl VerifiedChain {
    /// The leaf certificate (the PCK certificate, the TCB Signing certificate, or the PCK CRL's
    /// issuing CA).
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The certificates between the leaf and the root, leaf side first (the root excluded).
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// SHA-256 of the pinned root's DER.
    pub fn root_sha256(&self) -> [u8; 32] {
        self.root_sha256
    }

    /// The earliest of every certificate's notAfter (root included) and every used CRL's
    /// nextUpdate: the chain stays valid up to and including this second.
    pub fn earliest_expiry(&self) -> UnixTime {
        self.earliest_expiry
    }

    /// The latest of every certificate's notBefore and every used CRL's thisUpdate.
    pub fn latest_not_before(&self) -> UnixTime {
        self.latest_not_before
    }

    /// False when `ChainOptions::crls` was `None` (revocation not checked).
    pub fn revocation_checked(&self) -> bool {
        self.revocation_checked
    }

    /// The evaluation time (`ChainOptions::now`) this chain was verified at.
    pub fn verified_at(&self) -> UnixTime {
        self.verified_at
    }
}

/// Verifies `certs` (leaf first; the root may or may not be included) against `opts`, checking
/// every signature. (The pipeline calls `verify_chain_in` with its cache; the tests call this.)
#[cfg(test)]
pub(crate) fn verify_chain(certs: &[Certificate], opts: &ChainOptions) -> Result<VerifiedChain, ChainError> {
    verify_chain_in(certs, opts, &mut SignatureCache::default())
}

/// `verify_chain` within one evaluation: a signature that `cache` saw pass earlier in the same
/// evaluation (the very same signed object under the very same issuer) is not computed again.
pub(crate) fn verify_chain_in(
    certs: &[Certificate],
    opts: &ChainOptions,
    cache: &mut SignatureCache,
) -> Result<VerifiedChain, ChainError> {
    let below_root = anchor_at_root(certs, opts.root)?;
    let path: Vec<&Certificate> = below_root.iter().chain(std::iter::once(opts.root)).collect();
    check_signatures(&path, cache)?;
    check_validity(&path, opts.now)?;
    check_issuers(&path)?;
    check_critical_extensions(&path)?;
    let (leaf, intermediates) = below_root.split_first().ok_or(ChainError::Empty)?;
    if let Some(leaf_cn) = opts.leaf_cn {
        check_leaf_name(leaf, leaf_cn)?;
    }
    let crl_window = match opts.crls {
        Some(crls) => check_revocation(&path, crls, opts.now, cache)?,
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
        verified_at: opts.now,
    })
}

/// A validity window `[start, end]`, narrowed as certificates and CRLs are seen.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: UnixTime,
    end: UnixTime,
}

impl Default for Window {
    fn default() -> Self {
        Window { start: UnixTime::EPOCH, end: UnixTime::MAX }
    }
}

impl Window {
    fn narrow(self, start: UnixTime, end: UnixTime) -> Window {
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

/// Step 2: each certificate is signed by the next one (the last by the pinned root).
fn check_signatures(path: &[&Certificate], cache: &mut SignatureCache) -> Result<(), ChainError> {
    for pair in path.windows(2) {
        if let [cert, issuer] = pair {
            cache.certificate(cert, issuer).map_err(ChainError::from_x509)?;
        }
    }
    Ok(())
}

/// Step 3: notBefore <= now <= notAfter for every certificate, the root included (QVL checks
/// the root's expiry too).
fn check_validity(path: &[&Certificate], now: UnixTime) -> Result<(), ChainError> {
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
fn check_revocation(
    path: &[&Certificate],
    crls: &[&Crl],
    now: UnixTime,
    cache: &mut SignatureCache,
) -> Result<Window, ChainError> {
    if crls.len() > MAX_CRLS {
        return Err(ChainError::TooLong { what: "CRLs", count: crls.len(), max: MAX_CRLS });
    }
    let mut window = Window::default();
    for pair in path.windows(2) {
        if let [cert, issuer] = pair {
            let mut revoked = false;
            let mut found = false;
            for crl in crls.iter().filter(|crl| crl.issuer_der() == cert.issuer_der()) {
                let next_update = check_crl(crl, issuer, now, cache)?;
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
fn check_crl(
    crl: &Crl,
    issuer: &Certificate,
    now: UnixTime,
    cache: &mut SignatureCache,
) -> Result<UnixTime, ChainError> {
    if let Some(oid) = crl.critical_extensions().into_iter().next() {
        return Err(ChainError::CrlCriticalExtension { issuer: crl.issuer(), oid });
    }
    cache.crl(crl, issuer).map_err(|e| ChainError::CrlBadSignature { issuer: crl.issuer(), detail: e.reason() })?;
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
