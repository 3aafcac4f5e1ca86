//! The `provenance` command's library side: check 2 alone on a checked configuration, an
//! offline `gh attestation verify`. The binary turns its arguments into a `ProvenanceConfig`
//! (artifact, policy, bundles, trusted roots; docs/provenance.md); `run` verifies and appraises
//! the bundles and returns the output as data, which `report::human::provenance_doc` and
//! `report::json` render. Exit codes: 0 verified, 1 rejected.

use sha2::{Digest, Sha256};

use super::artifact::Artifact;
use super::bundle::BundleInput;
use super::policy::{PredicateRule, ProvenancePolicy};
use super::trust::{RootInfo, TrustRoots};
use super::verify::VerifiedStatement;
use super::{verify_provenance, ProvenanceOutcome};
use crate::error::Error;
use crate::limits::MAX_BUNDLES;

/// JSON schema name of the command's output.
pub const SCHEMA: &str = "dstack-audit/provenance/v1";

/// What `provenance` checks, already checked: a validated policy and at most `MAX_BUNDLES`
/// bundles. Built only by `ProvenanceConfig::new`.
pub struct ProvenanceConfig {
    artifact: Artifact,
    image: Option<String>,
    policy: ProvenancePolicy,
    bundles: Vec<BundleInput>,
    roots: TrustRoots,
}

impl ProvenanceConfig {
    /// Rejects a contradictory or insufficient policy and too many bundles (usage errors, exit 2).
    /// `image` is the repository named by `--image`, shown beside the statement's subject.
    pub fn new(
        artifact: Artifact,
        image: Option<String>,
        policy: ProvenancePolicy,
        bundles: Vec<BundleInput>,
        roots: TrustRoots,
    ) -> Result<Self, Error> {
        policy.validate().map_err(Error::Usage)?;
        if bundles.len() > MAX_BUNDLES {
            return Err(Error::Usage(format!("more than {MAX_BUNDLES} bundles in all (MAX_BUNDLES)")));
        }
        Ok(ProvenanceConfig { artifact, image, policy, bundles, roots })
    }
}

/// Verifies the bundles against the artifact, the roots and the policy.
pub fn run(config: &ProvenanceConfig) -> ProvenanceView {
    let outcome = verify_provenance(&config.bundles, &config.artifact, &config.roots, &config.policy);
    ProvenanceView::new(&config.artifact, config.image.as_deref(), &config.policy, &config.roots.describe(), outcome)
}

/// The command's output as data (JSON schema `dstack-audit/provenance/v1`, docs/provenance.md).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProvenanceView {
    pub schema: &'static str,
    /// `verified` or `rejected`.
    pub verdict: &'static str,
    pub artifact: String,
    pub image: Option<String>,
    /// The accepted bundle's verified statement.
    pub statement: Option<VerifiedStatement>,
    pub attempts: Vec<AttemptView>,
    pub warnings: Vec<String>,
    pub policy: PolicyView,
    pub trust_roots: Vec<RootInfo>,
}

/// One bundle tried.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttemptView {
    pub source: String,
    /// `accepted` or `rejected`.
    pub status: &'static str,
    pub code: Option<&'static str>,
    pub message: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

/// The policy as it was applied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyView {
    pub issuer: String,
    pub identity: Option<String>,
    /// SHA-256 of the `--key` PEM file.
    pub key_sha256: Option<String>,
    pub repository: Option<String>,
    pub signer_workflow: Option<String>,
    pub source_refs: Vec<String>,
    pub allow_self_hosted_runner: bool,
    pub repository_id: Option<String>,
    pub owner_id: Option<String>,
    pub source_commit: Option<String>,
    /// `https://slsa.dev/provenance/v1` or `any`.
    pub predicate_type: String,
}

impl PolicyView {
    pub fn of(p: &ProvenancePolicy) -> Self {
        PolicyView {
            issuer: p.identity.as_ref().map_or_else(|| p.issuer.clone(), |(_, i)| i.clone()),
            identity: p.identity.as_ref().map(|(s, _)| s.clone()),
            key_sha256: p.key.as_ref().map(|k| hex::encode(Sha256::digest(k))),
            repository: p.repository.clone(),
            signer_workflow: p.signer_workflow.clone(),
            source_refs: p.source_refs.clone(),
            allow_self_hosted_runner: p.allow_self_hosted_runner,
            repository_id: p.repository_id.clone(),
            owner_id: p.owner_id.clone(),
            source_commit: p.source_commit.clone(),
            predicate_type: match p.predicate {
                PredicateRule::SlsaProvenanceV1 => super::SLSA_PROVENANCE_V1.to_string(),
                PredicateRule::Any => "any".to_string(),
            },
        }
    }
}

impl ProvenanceView {
    /// 0 when a bundle was accepted, 1 when every bundle was rejected.
    pub fn exit_code(&self) -> u8 {
        if self.statement.is_some() {
            0
        } else {
            1
        }
    }

    pub fn new(
        artifact: &Artifact,
        image: Option<&str>,
        policy: &ProvenancePolicy,
        roots: &[RootInfo],
        outcome: ProvenanceOutcome,
    ) -> Self {
        let statement = outcome.accepted().cloned();
        let mut warnings = outcome.warnings;
        if let (Some(repo), Some(s)) = (image, &statement) {
            if s.subject_name() != Some(repo) {
                warnings.push(format!(
                    "the statement's subject with this digest is named `{}`, the image repository is `{repo}` \
                     (names are not compared; the digest is)",
                    s.subject_name().unwrap_or("")
                ));
            }
        }
        let attempts = outcome
            .attempts
            .into_iter()
            .map(|(source, r)| match r {
                Ok(_) => {
                    AttemptView { source, status: "accepted", code: None, message: None, expected: None, actual: None }
                }
                Err(e) => AttemptView {
                    source,
                    status: "rejected",
                    code: Some(e.code().as_str()),
                    message: Some(e.to_string()),
                    expected: Some(e.expected()).filter(|s| !s.is_empty()),
                    actual: Some(e.actual()).filter(|s| !s.is_empty()),
                },
            })
            .collect();
        ProvenanceView {
            schema: SCHEMA,
            verdict: if statement.is_some() { "verified" } else { "rejected" },
            artifact: artifact.describe(),
            image: image.map(str::to_string),
            statement,
            attempts,
            warnings,
            policy: PolicyView::of(policy),
            trust_roots: roots.to_vec(),
        }
    }
}
