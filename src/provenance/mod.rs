//! Check 2's evidence: Sigstore bundles (GitHub artifact attestations) verified offline, then
//! appraised against an identity policy. SPEC §1 check 2; research/sigstore.md §2.
//!
//! Layers, each with its own types:
//! - `trust.rs`: the trusted roots (embedded public-good + GitHub roots pinned by SHA-256, or
//!   `--trusted-root` files) and the trust domain each implies;
//! - `artifact.rs`: what a bundle must be about (bytes, `sha256:`/`sha512:` digests);
//! - `bundle.rs`: `--bundle` files → bundles (JSON or JSONL, bounded), `--key` PEM keys;
//! - `statement.rs`: the in-toto statement of a DSSE payload and its subjects;
//! - `verify.rs`: one bundle → `VerifiedStatement` (signature, certificate chain, SCT, Rekor
//!   inclusion proof / checkpoint / SET, RFC 3161 timestamps, subject digest), built on
//!   sigstore-verify 0.15.1, whose types stay inside this module;
//! - `policy.rs`: `VerifiedStatement` vs `ProvenancePolicy` (issuer, repository, workflow, refs,
//!   runner, ids, commit, predicate type) — exact comparisons, no crypto;
//! - `command.rs`: the `provenance` command's run on a checked `ProvenanceConfig` (the binary
//!   parses the arguments and renders), its output as data.
//!
//! It leaves the compose file and the launcher image (`compose/`) and the check's findings
//! (`checks/launcher.rs`) to others.

pub(crate) mod artifact;
pub mod bundle;
pub mod command;
pub(crate) mod error;
pub(crate) mod policy;
mod statement;
pub(crate) mod trust;
pub(crate) mod verify;

pub use artifact::Artifact;
pub use bundle::{check_key_pem, split_bundles, BundleInput};
pub use error::{Claim, ProvenanceError, Step};
pub use policy::{appraise, PredicateRule, ProvenancePolicy, GITHUB_ACTIONS_ISSUER, SLSA_PROVENANCE_V1};
pub use trust::{RootInfo, TrustRoots, GITHUB_ROOT_SHA256, SIGSTORE_PUBLIC_GOOD_ROOT_SHA256};
pub use verify::{verify_bundle, verify_image_bundle, SignedDigest, VerifiedStatement};

use crate::limits::MAX_BUNDLES;

/// Every bundle tried and what became of it; the first accepted one satisfies the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceOutcome {
    /// (bundle source, verified-and-accepted statement or why not), in the order tried.
    pub attempts: Vec<(String, Result<VerifiedStatement, ProvenanceError>)>,
    /// Warnings about the accepted statement (e.g. no runner claim) and about the run.
    pub warnings: Vec<String>,
}

impl ProvenanceOutcome {
    /// The first bundle that verified and satisfied the policy.
    pub fn accepted(&self) -> Option<&VerifiedStatement> {
        self.attempts.iter().find_map(|(_, r)| r.as_ref().ok())
    }
}

/// Verifies each bundle and appraises it against `policy` until one is accepted; the later
/// bundles are not tried. The policy should have passed `ProvenancePolicy::validate`.
pub fn verify_provenance(
    bundles: &[BundleInput],
    artifact: &Artifact,
    roots: &TrustRoots,
    policy: &ProvenancePolicy,
) -> ProvenanceOutcome {
    let mut attempts = Vec::new();
    let mut warnings = Vec::new();
    if bundles.len() > MAX_BUNDLES {
        warnings.push(format!("only the first {MAX_BUNDLES} of {} bundles were tried (MAX_BUNDLES)", bundles.len()));
    }
    for input in bundles.iter().take(MAX_BUNDLES) {
        let result = verify_bundle(input, artifact, roots, policy.key.as_deref()).and_then(|s| {
            let found = appraise(&s, policy)?;
            warnings.extend(s.notes().iter().cloned());
            warnings.extend(found);
            Ok(s)
        });
        let accepted = result.is_ok();
        attempts.push((input.source.clone(), result));
        if accepted {
            break;
        }
    }
    if policy.predicate == PredicateRule::Any {
        warnings.push("any predicate type (and plain message signatures) accepted: --any-predicate".into());
    }
    ProvenanceOutcome { attempts, warnings }
}
