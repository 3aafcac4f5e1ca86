//! The reference's `launcher` section: which image is the launcher, and which signers are
//! acceptable for it (docs/reference-format.md). Two forms:
//! - v1: `launcher.provenance`, one Sigstore identity policy for a GitHub workflow;
//! - `launcher.signers`: a list of signers, each an object with one key naming its kind —
//!   `{"sigstore": {…}}` now; `key`, `gpg` and `notary` are reserved for the formats to come and
//!   refused until then (a reference that names a signer this build cannot check is unusable).
//!
//! Only the shape and values are checked here; `checks/launcher.rs` compares verified signatures
//! with these expectations.

use std::fmt;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ParseError;
use crate::provenance::{ProvenancePolicy, GITHUB_ACTIONS_ISSUER};

/// Signer kinds the reference format reserves for evidence formats not supported yet.
pub(crate) const RESERVED_SIGNER_KINDS: [&str; 3] = ["key", "gpg", "notary"];

/// Expected launcher image and its acceptable signers (used by check 2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LauncherExpect {
    /// The launcher's image repository (`ghcr.io/org/launcher`).
    pub image: String,
    /// v1: a Sigstore identity policy for the GitHub workflow that built the launcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceExpect>,
    /// The acceptable signers; any one of them signing the pinned digest is enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signers: Option<Vec<SignerExpect>>,
}

impl LauncherExpect {
    /// A launcher section naming only the image (no signer: check 2 is not checked).
    pub fn image_only(image: String) -> Self {
        LauncherExpect { image, provenance: None, signers: None }
    }

    /// The acceptable signers as (reference field, Sigstore policy), in the order written; empty
    /// when the section names none.
    pub fn sigstore_policies(&self) -> Vec<(String, ProvenancePolicy)> {
        let v1 = self.provenance.iter().map(|p| ("launcher.provenance".to_string(), p.policy()));
        let listed = self.signers.iter().flatten().enumerate().map(|(i, s)| match s {
            SignerExpect::Sigstore(s) => (format!("launcher.signers[{i}].sigstore"), s.policy()),
        });
        v1.chain(listed).collect()
    }
}

impl LauncherExpect {
    /// The rules serde cannot state: one form of signer list, never both, never empty, and each
    /// listed Sigstore signer names somebody (checked when the reference is parsed).
    pub fn validate(&self) -> Result<(), ParseError> {
        if self.provenance.is_some() && self.signers.is_some() {
            return Err(ParseError::field("launcher", "either `provenance` (reference v1) or `signers`", "both"));
        }
        if let Some(signers) = &self.signers {
            if signers.is_empty() {
                return Err(ParseError::field("launcher.signers", "at least one signer", "an empty list"));
            }
            for (i, SignerExpect::Sigstore(s)) in signers.iter().enumerate() {
                s.policy().validate().map_err(|why| {
                    ParseError::field(format!("launcher.signers[{i}].sigstore"), "a usable signer policy", why)
                })?;
            }
        }
        Ok(())
    }
}

/// v1 `launcher.provenance`: the identity policy for the launcher's build provenance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceExpect {
    pub issuer: Option<String>,
    pub repository: Option<String>,
    pub signer_workflow: Option<String>,
    pub source_ref: Option<Vec<String>>,
    pub source_commit: Option<String>,
    pub repository_id: Option<String>,
    pub owner_id: Option<String>,
    pub allow_self_hosted_runner: Option<bool>,
}

impl ProvenanceExpect {
    /// The Sigstore policy this section states.
    pub fn policy(&self) -> ProvenancePolicy {
        ProvenancePolicy {
            issuer: self.issuer.clone().unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_string()),
            repository: self.repository.clone(),
            signer_workflow: self.signer_workflow.clone(),
            source_refs: self.source_ref.clone().unwrap_or_default(),
            allow_self_hosted_runner: self.allow_self_hosted_runner.unwrap_or(false),
            repository_id: self.repository_id.clone(),
            owner_id: self.owner_id.clone(),
            source_commit: self.source_commit.clone(),
            ..ProvenancePolicy::default()
        }
    }
}

/// One acceptable signer of the launcher image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SignerExpect {
    /// A Sigstore keyless signer (Fulcio certificate), e.g. a GitHub workflow.
    #[serde(rename = "sigstore")]
    Sigstore(SigstoreSignerExpect),
}

/// `{"sigstore": {…}}`: the v1 identity policy's keys, plus `identity`, an exact certificate
/// identity (SAN) for signers that are not GitHub workflows (with `issuer`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigstoreSignerExpect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_workflow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_self_hosted_runner: Option<bool>,
}

impl SigstoreSignerExpect {
    /// The Sigstore policy this signer states.
    pub fn policy(&self) -> ProvenancePolicy {
        let issuer = self.issuer.clone().unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_string());
        ProvenancePolicy {
            identity: self.identity.clone().map(|san| (san, issuer.clone())),
            issuer,
            repository: self.repository.clone(),
            signer_workflow: self.signer_workflow.clone(),
            source_refs: self.source_ref.clone().unwrap_or_default(),
            allow_self_hosted_runner: self.allow_self_hosted_runner.unwrap_or(false),
            repository_id: self.repository_id.clone(),
            owner_id: self.owner_id.clone(),
            source_commit: self.source_commit.clone(),
            ..ProvenancePolicy::default()
        }
    }
}

impl<'de> Deserialize<'de> for SignerExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SignerVisitor)
    }
}

struct SignerVisitor;

impl<'de> Visitor<'de> for SignerVisitor {
    type Value = SignerExpect;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a signer: an object with one key naming its kind, {\"sigstore\": {…}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SignerExpect, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(A::Error::custom(
                "launcher.signers: expected a signer kind (`sigstore`) as the key, found an empty object",
            ));
        };
        let signer = match kind.as_str() {
            "sigstore" => SignerExpect::Sigstore(map.next_value()?),
            reserved if RESERVED_SIGNER_KINDS.contains(&reserved) => {
                return Err(A::Error::custom(format!(
                    "launcher.signers: signer kind `{reserved}` is not supported yet: expected `sigstore`"
                )))
            }
            other => {
                return Err(A::Error::custom(format!(
                    "launcher.signers: unknown signer kind `{other}`: expected `sigstore`"
                )))
            }
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(A::Error::custom(format!(
                "launcher.signers: expected one signer kind per entry, found `{kind}` and `{extra}`"
            )));
        }
        Ok(signer)
    }
}
