//! Signatures verified during one DCAP evaluation. The PCK Platform CA, the TCB Signing
//! certificate and the two CRLs recur across the quote's and the collateral's chains; each of
//! their signatures is computed once per evaluation instead of once per chain.
//!
//! The cache cannot be told that a signature is good: its only way in is a check that just
//! passed, and an entry is keyed by SHA-256 of the whole signed object's DER (to-be-signed bytes,
//! algorithm and signature value) and of the whole issuer certificate's DER. A hit therefore
//! stands for the very same check with the very same inputs; a certificate or CRL that differs in
//! any byte, its signature included, or that names another issuer, is checked afresh. Validity,
//! names, constraints and revocation are never cached: the chain rules run every time.

use std::collections::BTreeSet;

use crate::x509::{Certificate, Crl, X509Error};

/// The signature checks that passed in one evaluation. Start with `SignatureCache::default()`
/// and keep it no longer than one evaluation (`dcap::verify::verify_dcap` owns one per call).
#[derive(Debug, Default)]
pub(crate) struct SignatureCache {
    /// (SHA-256 of the signed object's DER, SHA-256 of the issuer certificate's DER).
    passed: BTreeSet<([u8; 32], [u8; 32])>,
}

impl SignatureCache {
    /// `Certificate::verify_signed_by`, computed unless this exact pair passed before.
    pub(crate) fn certificate(&mut self, cert: &Certificate, issuer: &Certificate) -> Result<(), X509Error> {
        self.check(cert.sha256(), issuer, || cert.verify_signed_by(issuer))
    }

    /// `Crl::verify_signed_by`, computed unless this exact pair passed before.
    pub(crate) fn crl(&mut self, crl: &Crl, issuer: &Certificate) -> Result<(), X509Error> {
        self.check(crl.sha256(), issuer, || crl.verify_signed_by(issuer))
    }

    /// How many distinct signatures passed so far.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.passed.len()
    }

    fn check(
        &mut self,
        object_sha256: [u8; 32],
        issuer: &Certificate,
        verify: impl FnOnce() -> Result<(), X509Error>,
    ) -> Result<(), X509Error> {
        let key = (object_sha256, issuer.sha256());
        if self.passed.contains(&key) {
            return Ok(());
        }
        verify()?;
        self.passed.insert(key);
        Ok(())
    }
}
