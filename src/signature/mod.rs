//! Launcher-image signatures: the evidence of check 2. Each evidence format is one module that
//! turns input files into the same `VerifiedImageSignature` (the image digests it covers, who
//! signed, when, under which trust material) or a `Rejected` record saying why not. Sigstore
//! bundles (`sigstore.rs`, on `provenance/`) are the first format; cosign legacy signatures,
//! atomic OpenPGP signatures and Notary v1 metadata are meant to join as siblings, each adding an
//! input list to `SignatureInputs`, its trust material to `SignatureTrust`, a `Signer` variant and
//! a `SignerExpect` variant.
//!
//! `verify_all` is the authenticate stage's call: it verifies every input against the trust
//! material and decides nothing about which image is the launcher or which signer is acceptable
//! (`checks/launcher.rs` does, from `expect.rs`'s reference section).

pub(crate) mod expect;
mod sigstore;
mod verified;

pub use expect::{LauncherExpect, ProvenanceExpect, SignerExpect, SigstoreSignerExpect};
pub use verified::{
    CoveredImage, FormatRecord, FulcioIdentity, ImageDigest, Rejected, Rejection, SignatureFormat, Signer, SigningTime,
    TrustUsed, VerifiedImageSignature,
};

use crate::clock::EvalTime;
use crate::provenance::{BundleInput, TrustRoots};

/// Every launcher-image signature input, by format.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignatureInputs<'a> {
    /// Sigstore bundles (`--bundle`, split into one input per bundle).
    pub bundles: &'a [BundleInput],
}

/// The trust material each format verifies under.
#[derive(Debug, Clone, Copy)]
pub struct SignatureTrust<'a> {
    /// Sigstore trusted roots (embedded, or `--trusted-root`).
    pub sigstore: &'a TrustRoots,
}

/// What `verify_all` found: one result per signature input, in input order, and warnings about
/// the run (inputs beyond a limit).
#[derive(Debug, Clone)]
pub struct ImageSignatures {
    results: Vec<Result<VerifiedImageSignature, Rejected>>,
    warnings: Vec<String>,
    at: EvalTime,
}

impl ImageSignatures {
    /// Each input's verified signature, or why it was rejected, in input order.
    pub fn results(&self) -> &[Result<VerifiedImageSignature, Rejected>] {
        &self.results
    }
    /// True when no signature input was given.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// The evaluation time the verification used (for formats whose trust material expires).
    pub fn at(&self) -> EvalTime {
        self.at
    }
}

/// Verifies every signature input under the trust material. `at` is the evaluation time: formats
/// whose metadata or keys expire judge them at it; Sigstore takes every time it checks a
/// certificate at from the evidence (SET or RFC 3161), never from `at`.
pub fn verify_all(inputs: &SignatureInputs, trust: &SignatureTrust, at: EvalTime) -> ImageSignatures {
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    sigstore::verify_bundles(inputs.bundles, trust.sigstore, &mut results, &mut warnings);
    ImageSignatures { results, warnings, at }
}
