//! The identity policy for a verified statement: who must have signed it and how.
//!
//! Only a `VerifiedStatement` (cryptographically verified by `verify.rs`) reaches `appraise`, and
//! this module checks no signatures. Comparisons are exact, byte for byte, with no case folding
//! (stricter than `gh attestation verify`, which uses EqualFold). The claims are Fulcio's
//! certificate extensions (sigstore/fulcio `docs/oid-info.md`, arc 1.3.6.1.4.1.57264.1;
//! research/sigstore.md §2.4): issuer `.1.8`, build signer URI `.1.9`, runner `.1.11`, source
//! repository `.1.12`, commit `.1.13`, ref `.1.14`, repository id `.1.15`, owner id `.1.17`.

use super::error::{Claim, ProvenanceError};
use super::verify::VerifiedStatement;
use crate::limits::MAX_POLICY_VALUE_BYTES;

/// The OIDC issuer of GitHub Actions, the default.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// SLSA provenance v1, the default required `predicateType`.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The runner-environment value of a GitHub-hosted runner.
pub(crate) const GITHUB_HOSTED: &str = "github-hosted";

/// Which statements are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredicateRule {
    /// A DSSE in-toto statement whose `predicateType` is SLSA provenance v1 (the default).
    SlsaProvenanceV1,
    /// Any in-toto statement, and plain message signatures (`--any-predicate`; what a generic
    /// Sigstore verifier such as the conformance suite expects). A weakening, shown in reports.
    Any,
}

/// Expectations about the signer, checked against verified certificate claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenancePolicy {
    /// OIDC issuer (`.1.8`); default GitHub Actions.
    pub issuer: String,
    /// Source repository URI (`.1.12`), e.g. `https://github.com/OWNER/REPO`.
    pub repository: Option<String>,
    /// Signer workflow URI, with or without `@ref`, compared with the build signer URI (`.1.9`),
    /// or with the SAN when the certificate has no `.1.9`.
    pub signer_workflow: Option<String>,
    /// Allowed source refs (`.1.14`) as globs where `*` matches within one `/`-separated part.
    /// Empty: any ref except `refs/pull/*`. `refs/pull/…` only when a glob starting with
    /// `refs/pull/` allows it.
    pub source_refs: Vec<String>,
    /// Accept `self-hosted` runners (`.1.11`); default false.
    pub allow_self_hosted_runner: bool,
    /// Source repository identifier (`.1.15`).
    pub repository_id: Option<String>,
    /// Source repository owner identifier (`.1.17`).
    pub owner_id: Option<String>,
    /// Source commit (`.1.13`).
    pub source_commit: Option<String>,
    /// Which statements are accepted.
    pub predicate: PredicateRule,
    /// Exact SAN and issuer (`--identity` / `--issuer`), as in the conformance protocol.
    pub identity: Option<(String, String)>,
    /// A PEM public key for managed-key bundles (`--key`).
    pub key: Option<Vec<u8>>,
}

impl Default for ProvenancePolicy {
    fn default() -> Self {
        ProvenancePolicy {
            issuer: GITHUB_ACTIONS_ISSUER.to_string(),
            repository: None,
            signer_workflow: None,
            source_refs: Vec::new(),
            allow_self_hosted_runner: false,
            repository_id: None,
            owner_id: None,
            source_commit: None,
            predicate: PredicateRule::SlsaProvenanceV1,
            identity: None,
            key: None,
        }
    }
}

impl ProvenancePolicy {
    /// Rejects contradictory or insufficient policies before anything runs.
    pub fn validate(&self) -> Result<(), String> {
        let certificate_rules = [
            ("repository", self.repository.is_some()),
            ("signer workflow", self.signer_workflow.is_some()),
            ("source ref", !self.source_refs.is_empty()),
            ("repository id", self.repository_id.is_some()),
            ("owner id", self.owner_id.is_some()),
            ("source commit", self.source_commit.is_some()),
            ("identity", self.identity.is_some()),
            ("self-hosted runners", self.allow_self_hosted_runner),
        ];
        if let Some(pem) = &self.key {
            super::bundle::check_key_pem(pem).map_err(|m| format!("public key: {m}"))?;
            if let Some((name, _)) = certificate_rules.iter().find(|(_, set)| *set) {
                return Err(format!(
                    "a public key (managed-key bundle) and a {name} rule contradict each other: \
                     managed-key bundles carry no certificate"
                ));
            }
            return Ok(());
        }
        if self.identity.is_some() && self.signer_workflow.is_some() {
            return Err("an exact identity and a signer workflow contradict each other: the identity (SAN) is the \
                        signer workflow; give one of them"
                .into());
        }
        if self.identity.is_none() && self.repository.is_none() && self.signer_workflow.is_none() {
            return Err("the policy names no signer: give a repository, a signer workflow, an exact identity, or a \
                        public key"
                .into());
        }
        check_value("issuer", &self.issuer, true)?;
        if let Some((san, issuer)) = &self.identity {
            check_value("identity", san, false)?;
            check_value("issuer", issuer, true)?;
        }
        if let Some(r) = &self.repository {
            check_value("repository", r, true)?;
            if r.ends_with('/') || r.ends_with(".git") {
                return Err(format!(
                    "repository `{r}`: expected the repository URI as Fulcio records it (https://github.com/OWNER/REPO)"
                ));
            }
        }
        if let Some(w) = &self.signer_workflow {
            check_value("signer workflow", w, true)?;
        }
        for g in &self.source_refs {
            check_value("source ref", g, false)?;
            if !g.starts_with("refs/") {
                return Err(format!("source ref `{g}`: expected a full ref glob such as `refs/tags/*`"));
            }
        }
        for (name, v) in [
            ("repository id", &self.repository_id),
            ("owner id", &self.owner_id),
            ("source commit", &self.source_commit),
        ] {
            if let Some(v) = v {
                check_value(name, v, false)?;
            }
        }
        Ok(())
    }

    /// True when the policy is the conformance-style exact identity.
    fn identity_mode(&self) -> bool {
        self.identity.is_some()
    }
}

fn check_value(name: &str, value: &str, url: bool) -> Result<(), String> {
    if value.is_empty() || value.len() > MAX_POLICY_VALUE_BYTES || value.chars().any(char::is_whitespace) {
        return Err(format!(
            "{name} `{}`: expected a non-empty value without spaces of at most {MAX_POLICY_VALUE_BYTES} bytes",
            crate::error::describe(value)
        ));
    }
    if url && !value.starts_with("https://") {
        return Err(format!("{name} `{value}`: expected an https:// URI"));
    }
    Ok(())
}

/// Compares a verified statement with the policy. Returns warnings on success.
pub fn appraise(s: &VerifiedStatement, p: &ProvenancePolicy) -> Result<Vec<String>, ProvenanceError> {
    let mut warnings = Vec::new();
    if p.key.is_none() {
        appraise_certificate(s, p, &mut warnings)?;
    }
    match (p.predicate, s.predicate_type()) {
        (PredicateRule::Any, _) => {}
        (PredicateRule::SlsaProvenanceV1, None) => {
            return Err(ProvenanceError::NotAnAttestation { content: s.content().to_string() });
        }
        (PredicateRule::SlsaProvenanceV1, Some(t)) if t != SLSA_PROVENANCE_V1 => {
            return Err(ProvenanceError::PredicateType { expected: SLSA_PROVENANCE_V1.into(), found: t.to_string() });
        }
        (PredicateRule::SlsaProvenanceV1, Some(_)) => {}
    }
    Ok(warnings)
}

fn appraise_certificate(
    s: &VerifiedStatement,
    p: &ProvenancePolicy,
    warnings: &mut Vec<String>,
) -> Result<(), ProvenanceError> {
    let issuer = p.identity.as_ref().map_or(p.issuer.as_str(), |(_, i)| i.as_str());
    exact(Claim::Issuer, issuer, s.issuer())?;
    if let Some((san, _)) = &p.identity {
        exact(Claim::San, san, s.san())?;
    }
    if let Some(w) = &p.signer_workflow {
        check_workflow(s, w)?;
    }
    if let Some(r) = &p.repository {
        exact(Claim::SourceRepository, r, s.repository())?;
    }
    check_source_ref(s, p)?;
    match s.runner() {
        None => warnings.push(format!(
            "the certificate has no {} claim ({}): the runner was not checked",
            Claim::Runner.name(),
            Claim::Runner.oid()
        )),
        Some(GITHUB_HOSTED) => {}
        Some(other) if p.allow_self_hosted_runner => {
            warnings.push(format!("the build ran on a `{other}` runner (allowed by the policy)"));
        }
        Some(other) => {
            return Err(ProvenanceError::Mismatch {
                claim: Claim::Runner,
                expected: format!("`{GITHUB_HOSTED}` (self-hosted runners are rejected unless allowed)"),
                found: other.to_string(),
            });
        }
    }
    if let Some(v) = &p.repository_id {
        exact(Claim::RepositoryId, v, s.repository_id())?;
    }
    if let Some(v) = &p.owner_id {
        exact(Claim::OwnerId, v, s.owner_id())?;
    }
    if let Some(v) = &p.source_commit {
        exact(Claim::SourceCommit, v, s.source_commit())?;
    }
    Ok(())
}

fn exact(claim: Claim, expected: &str, found: Option<&str>) -> Result<(), ProvenanceError> {
    match found {
        None => Err(ProvenanceError::ClaimMissing { claim, expected: format!("`{expected}`") }),
        Some(f) if f == expected => Ok(()),
        Some(f) => Err(ProvenanceError::Mismatch { claim, expected: format!("`{expected}`"), found: f.to_string() }),
    }
}

/// The signer workflow with `@ref` must equal `.1.9` (or the SAN); without, `.1.9` must be the
/// workflow followed by `@` and any ref.
fn check_workflow(s: &VerifiedStatement, expected: &str) -> Result<(), ProvenanceError> {
    let (claim, found) = match (s.workflow(), s.san()) {
        (Some(w), _) => (Claim::BuildSignerUri, Some(w)),
        (None, san) => (Claim::San, san),
    };
    let Some(found) = found else {
        return Err(ProvenanceError::ClaimMissing { claim, expected: format!("`{expected}`") });
    };
    let matches = if expected.contains('@') {
        found == expected
    } else {
        found.strip_prefix(expected).is_some_and(|rest| rest.starts_with('@'))
    };
    if matches {
        return Ok(());
    }
    let expected = if expected.contains('@') { format!("`{expected}`") } else { format!("`{expected}@<any ref>`") };
    Err(ProvenanceError::Mismatch { claim: Claim::BuildSignerUri, expected, found: found.to_string() })
}

const PULL_PREFIX: &str = "refs/pull/";

fn check_source_ref(s: &VerifiedStatement, p: &ProvenancePolicy) -> Result<(), ProvenanceError> {
    let allowed = if p.source_refs.is_empty() {
        "any ref except `refs/pull/*`".to_string()
    } else {
        p.source_refs.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" or ")
    };
    let Some(r) = s.source_ref() else {
        if p.source_refs.is_empty() && p.identity_mode() {
            return Ok(());
        }
        return Err(ProvenanceError::ClaimMissing { claim: Claim::SourceRef, expected: allowed });
    };
    let ok = if p.source_refs.is_empty() {
        !r.starts_with(PULL_PREFIX)
    } else {
        p.source_refs
            .iter()
            .any(|g| ref_glob_matches(g, r) && (!r.starts_with(PULL_PREFIX) || g.starts_with(PULL_PREFIX)))
    };
    if ok {
        return Ok(());
    }
    let expected = if r.starts_with(PULL_PREFIX) {
        format!("{allowed} (pull-request refs need a glob starting with `{PULL_PREFIX}`)")
    } else {
        allowed
    };
    Err(ProvenanceError::Mismatch { claim: Claim::SourceRef, expected, found: r.to_string() })
}

/// Matches a ref against a glob: both split at `/` into the same number of parts, and each part
/// matched with `*` standing for any run of characters inside that part.
pub(crate) fn ref_glob_matches(glob: &str, r: &str) -> bool {
    let globs: Vec<&str> = glob.split('/').collect();
    let parts: Vec<&str> = r.split('/').collect();
    globs.len() == parts.len() && globs.iter().zip(&parts).all(|(g, p)| part_matches(g, p))
}

fn part_matches(glob: &str, part: &str) -> bool {
    let pieces: Vec<&str> = glob.split('*').collect();
    let Some((first, rest)) = pieces.split_first() else { return glob == part };
    let Some((last, middle)) = rest.split_last() else { return glob == part };
    let Some(mut remaining) = part.strip_prefix(first) else { return false };
    for piece in middle {
        match remaining.find(piece) {
            Some(i) => remaining = remaining.get(i.saturating_add(piece.len())..).unwrap_or(""),
            None => return false,
        }
    }
    remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_globs_match_within_one_part() {
        assert!(ref_glob_matches("refs/tags/*", "refs/tags/v1.2.3"));
        assert!(!ref_glob_matches("refs/tags/*", "refs/tags/release/v1"));
        assert!(ref_glob_matches("refs/tags/*/*", "refs/tags/release/v1"));
        assert!(ref_glob_matches("refs/heads/main", "refs/heads/main"));
        assert!(!ref_glob_matches("refs/heads/main", "refs/heads/Main"));
        assert!(ref_glob_matches("refs/tags/v*.*", "refs/tags/v1.2"));
        assert!(!ref_glob_matches("refs/tags/v*.*", "refs/tags/v12"));
        assert!(ref_glob_matches("refs/tags/*-rc*", "refs/tags/1.0-rc2"));
        assert!(!ref_glob_matches("refs/tags/a*a", "refs/tags/a"));
        assert!(ref_glob_matches("refs/pull/*/merge", "refs/pull/31/merge"));
    }

    #[test]
    fn contradictory_policies_are_rejected() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sigstore/sigstore-conformance/managed-key-happy-path/key.pub"
        ))
        .unwrap();
        let bad_key = ProvenancePolicy { key: Some(b"pem".to_vec()), ..ProvenancePolicy::default() };
        assert!(bad_key.validate().unwrap_err().contains("public key"));
        let key = ProvenancePolicy {
            key: Some(pem),
            repository: Some("https://github.com/o/r".into()),
            ..ProvenancePolicy::default()
        };
        assert!(key.validate().unwrap_err().contains("contradict"));
        let both = ProvenancePolicy {
            identity: Some((
                "https://github.com/o/r/.github/workflows/a.yml@refs/heads/main".into(),
                "https://x".into(),
            )),
            signer_workflow: Some("https://github.com/o/r/.github/workflows/a.yml".into()),
            ..ProvenancePolicy::default()
        };
        assert!(both.validate().is_err());
        assert!(ProvenancePolicy::default().validate().unwrap_err().contains("names no signer"));
        let short = ProvenancePolicy { repository: Some("o/r".into()), ..ProvenancePolicy::default() };
        assert!(short.validate().is_err());
        let ok = ProvenancePolicy {
            repository: Some("https://github.com/o/r".into()),
            source_refs: vec!["refs/tags/*".into()],
            ..ProvenancePolicy::default()
        };
        ok.validate().unwrap();
    }
}
