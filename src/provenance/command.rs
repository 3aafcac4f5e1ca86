//! The `provenance` subcommand: check 2 alone, an offline `gh attestation verify`, usable as the
//! sigstore-conformance client (`docs/cli_protocol.md` of sigstore/sigstore-conformance:
//! `--certificate-identity`/`--certificate-oidc-issuer` are accepted as aliases, `--key` verifies
//! managed-key bundles). Arguments → checked policy → `verify_provenance` → table or JSON.
//! Exit codes: 0 verified, 1 rejected; an `Err` (unusable input, usage error) is exit 2.

use std::io::Read;

use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};

use super::artifact::Artifact;
use super::bundle::{check_key_pem, split_bundles, BundleInput};
use super::policy::{PredicateRule, ProvenancePolicy, GITHUB_ACTIONS_ISSUER};
use super::trust::{RootInfo, TrustRoots};
use super::verify::VerifiedStatement;
use super::{verify_provenance, ProvenanceOutcome};
use crate::cli::read_input;
use crate::error::{Error, Location};
use crate::limits::{MAX_ARTIFACT_BYTES, MAX_BUNDLES};
use crate::report::doc::{Block, Cell, Doc, Tone};

/// JSON schema name of the command's output.
pub const SCHEMA: &str = "dstack-audit/provenance/v1";

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProvenanceFormat {
    Table,
    Json,
    Markdown,
}

/// `dstack-audit provenance`: verify Sigstore bundles for an artifact, offline.
#[derive(Args, Debug, Clone)]
pub struct ProvenanceArgs {
    /// Sigstore bundle, JSON or JSON Lines (repeatable; any one bundle that satisfies the policy is enough).
    #[arg(long, required = true)]
    pub bundle: Vec<String>,
    /// Trusted root (JSON, or JSONL with one root per line); repeatable. Replaces the embedded
    /// Sigstore public-good and GitHub roots.
    #[arg(long = "trusted-root")]
    pub trusted_root: Vec<String>,
    /// Exact certificate identity (SAN), as in the conformance protocol.
    #[arg(long, visible_alias = "certificate-identity")]
    pub identity: Option<String>,
    /// OIDC issuer (default https://token.actions.githubusercontent.com).
    #[arg(long, visible_alias = "certificate-oidc-issuer")]
    pub issuer: Option<String>,
    /// PEM public key: verify a managed-key bundle instead of a keyless one.
    #[arg(long)]
    pub key: Option<String>,
    /// Source repository URI, e.g. https://github.com/OWNER/REPO (Fulcio claim 1.3.6.1.4.1.57264.1.12).
    #[arg(long)]
    pub repository: Option<String>,
    /// Signer workflow URI, with or without @REF (claim .1.9), e.g.
    /// https://github.com/OWNER/REPO/.github/workflows/release.yml
    #[arg(long = "signer-workflow")]
    pub signer_workflow: Option<String>,
    /// Allowed source ref glob (claim .1.14; `*` within one path part); repeatable. Default: any
    /// ref except refs/pull/*.
    #[arg(long = "source-ref")]
    pub source_ref: Vec<String>,
    /// Accept builds on self-hosted runners (claim .1.11); rejected by default.
    #[arg(long = "allow-self-hosted-runner")]
    pub allow_self_hosted_runner: bool,
    /// Source repository identifier (claim .1.15).
    #[arg(long = "repository-id")]
    pub repository_id: Option<String>,
    /// Source repository owner identifier (claim .1.17).
    #[arg(long = "owner-id")]
    pub owner_id: Option<String>,
    /// Source commit (claim .1.13).
    #[arg(long = "source-commit")]
    pub source_commit: Option<String>,
    /// Accept any in-toto predicate type and plain message signatures (default: SLSA provenance v1 only).
    #[arg(long = "any-predicate")]
    pub any_predicate: bool,
    /// Container image by digest, REPO@sha256:HEX (the OCI manifest digest); instead of ARTIFACT.
    #[arg(long)]
    pub image: Option<String>,
    /// The artifact: a file, sha256:HEX or sha512:HEX.
    pub artifact: Option<String>,
    #[arg(long, value_enum, default_value_t = ProvenanceFormat::Table)]
    pub format: ProvenanceFormat,
}

/// Runs the command without colour. Returns (stdout, exit code 0 verified / 1 rejected).
pub fn run(args: &ProvenanceArgs) -> Result<(String, u8), Error> {
    run_with_color(args, false)
}

/// Runs the command; `color` for terminal tables.
pub fn run_with_color(args: &ProvenanceArgs, color: bool) -> Result<(String, u8), Error> {
    let (artifact, image) = artifact(args)?;
    let policy = policy(args)?;
    let mut bundles: Vec<BundleInput> = Vec::new();
    for path in &args.bundle {
        let f = read_input(path)?;
        bundles.extend(split_bundles(&f.name, &f.bytes)?);
        if bundles.len() > MAX_BUNDLES {
            return Err(Error::Usage(format!("more than {MAX_BUNDLES} bundles in all (MAX_BUNDLES)")));
        }
    }
    let roots = if args.trusted_root.is_empty() {
        TrustRoots::embedded().map_err(|e| e.in_input("the embedded Sigstore roots"))?
    } else {
        let files = args
            .trusted_root
            .iter()
            .map(|p| read_input(p).map(|f| (f.name, f.bytes)))
            .collect::<Result<Vec<_>, _>>()?;
        TrustRoots::from_files(&files)?
    };
    let outcome = verify_provenance(&bundles, &artifact, &roots, &policy);
    let view = ProvenanceView::new(&artifact, image.as_deref(), &policy, &roots.describe(), outcome);
    let code = if view.statement.is_some() { 0 } else { 1 };
    let text = match args.format {
        ProvenanceFormat::Json => crate::report::json::render(&view),
        ProvenanceFormat::Table => crate::report::table::render(&view.doc(), color),
        ProvenanceFormat::Markdown => crate::report::markdown::render(&view.doc()),
    };
    Ok((text, code))
}

/// The artifact from `--image` or the positional argument.
fn artifact(args: &ProvenanceArgs) -> Result<(Artifact, Option<String>), Error> {
    match (&args.image, &args.artifact) {
        (Some(_), Some(_)) => Err(Error::Usage("give either --image REPO@sha256:HEX or an ARTIFACT, not both".into())),
        (None, None) => Err(Error::Usage("give the artifact: a FILE, sha256:HEX, sha512:HEX or --image".into())),
        (Some(image), None) => {
            let bad = || {
                Error::Usage(format!(
                    "--image `{}`: expected REPO@sha256:HEX (a digest pin, not a tag)",
                    crate::error::describe(image)
                ))
            };
            let (repo, digest) = image.rsplit_once('@').ok_or_else(bad)?;
            if repo.is_empty() || !digest.starts_with("sha256:") {
                return Err(bad());
            }
            let a =
                Artifact::parse_digest(digest).ok_or_else(bad)?.map_err(|m| Error::Usage(format!("--image: {m}")))?;
            Ok((a, Some(repo.to_string())))
        }
        (None, Some(text)) => match Artifact::parse_digest(text) {
            Some(parsed) => Ok((parsed.map_err(Error::Usage)?, None)),
            None => Ok((Artifact::Bytes(read_artifact(text)?), None)),
        },
    }
}

fn read_artifact(path: &str) -> Result<Vec<u8>, Error> {
    let io = |e: std::io::Error| Error::Io { input: path.to_string(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_ARTIFACT_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > MAX_ARTIFACT_BYTES {
        return Err(Error::Input {
            input: path.to_string(),
            at: Location::Whole,
            expected: format!(
                "an artifact of at most {MAX_ARTIFACT_BYTES} bytes (MAX_ARTIFACT_BYTES); give larger ones as sha256:HEX"
            ),
            found: "a larger file".into(),
        });
    }
    Ok(bytes)
}

/// The checked policy from the flags.
fn policy(args: &ProvenanceArgs) -> Result<ProvenancePolicy, Error> {
    let issuer = args.issuer.clone().unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_string());
    let key = match &args.key {
        None => None,
        Some(path) => {
            let f = read_input(path)?;
            check_key_pem(&f.bytes).map_err(|m| Error::Input {
                input: f.name.clone(),
                at: Location::Whole,
                expected: "a PEM public key".into(),
                found: m,
            })?;
            Some(f.bytes)
        }
    };
    let policy = ProvenancePolicy {
        issuer: issuer.clone(),
        repository: args.repository.clone(),
        signer_workflow: args.signer_workflow.clone(),
        source_refs: args.source_ref.clone(),
        allow_self_hosted_runner: args.allow_self_hosted_runner,
        repository_id: args.repository_id.clone(),
        owner_id: args.owner_id.clone(),
        source_commit: args.source_commit.clone(),
        predicate: if args.any_predicate { PredicateRule::Any } else { PredicateRule::SlsaProvenanceV1 },
        identity: args.identity.clone().map(|san| (san, issuer)),
        key,
    };
    policy.validate().map_err(Error::Usage)?;
    Ok(policy)
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
                    code: Some(e.code()),
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

    /// The human rendering (table or Markdown).
    pub fn doc(&self) -> Doc {
        let title = match &self.statement {
            Some(_) => Cell::toned("Provenance: VERIFIED", Tone::Good),
            None => Cell::toned("Provenance: REJECTED", Tone::Bad),
        };
        let mut doc = Doc::new(title);
        let mut artifact = vec![("artifact".to_string(), Cell::plain(self.artifact.clone()))];
        if let Some(i) = &self.image {
            artifact.push(("image".into(), Cell::plain(i.clone())));
        }
        doc.section("Artifact", vec![Block::Pairs(artifact)]);
        if let Some(s) = &self.statement {
            doc.section("Accepted bundle", vec![Block::Pairs(statement_rows(s))]);
        }
        let rows = self
            .attempts
            .iter()
            .map(|a| {
                let tone = if a.status == "accepted" { Tone::Good } else { Tone::Bad };
                vec![
                    Cell::plain(a.source.clone()),
                    Cell::toned(a.status, tone),
                    Cell::plain(a.code.unwrap_or("")),
                    Cell::plain(a.message.clone().unwrap_or_default()),
                ]
            })
            .collect();
        let headers = ["bundle", "result", "code", "detail"].map(String::from).to_vec();
        doc.section("Bundles tried", vec![Block::Table { headers, rows }]);
        if !self.warnings.is_empty() {
            let text = self.warnings.iter().map(|w| format!("- {w}")).collect::<Vec<_>>().join("\n");
            doc.section("Warnings", vec![Block::Text(text)]);
        }
        doc.section("Policy", vec![Block::Pairs(policy_rows(&self.policy))]);
        let headers = ["trusted root", "kind", "sha256", "requires"].map(String::from).to_vec();
        let rows = self
            .trust_roots
            .iter()
            .map(|r| {
                vec![
                    Cell::plain(r.name.clone()),
                    Cell::plain(r.kind),
                    Cell::plain(r.sha256.clone()),
                    Cell::plain(r.requires),
                ]
            })
            .collect();
        doc.section("Trust roots", vec![Block::Table { headers, rows }]);
        doc
    }
}

fn statement_rows(s: &VerifiedStatement) -> Vec<(String, Cell)> {
    let mut rows = vec![
        ("bundle".to_string(), Cell::plain(format!("{} ({}, {})", s.source(), s.bundle_version(), s.content()))),
        ("trusted root".into(), Cell::plain(format!("{} ({})", s.root(), s.root_kind()))),
        ("verified".into(), Cell::plain(s.trust_domain())),
        ("log".into(), Cell::plain(s.log().to_string())),
        ("signing time".into(), Cell::plain(s.signing_time_text())),
    ];
    let optional = [
        ("issuer", s.issuer()),
        ("identity (SAN)", s.san()),
        ("repository", s.repository()),
        ("workflow", s.workflow()),
        ("ref", s.source_ref()),
        ("commit", s.source_commit()),
        ("run", s.run_url()),
        ("runner", s.runner()),
        ("trigger", s.trigger()),
        ("predicate type", s.predicate_type()),
        ("subject", s.subject_name()),
    ];
    rows.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), Cell::plain(v.to_string())))));
    rows
}

fn policy_rows(p: &PolicyView) -> Vec<(String, Cell)> {
    let mut rows = vec![("issuer".to_string(), Cell::plain(p.issuer.clone()))];
    let optional = [
        ("identity (exact SAN)", &p.identity),
        ("public key sha256", &p.key_sha256),
        ("repository", &p.repository),
        ("signer workflow", &p.signer_workflow),
        ("repository id", &p.repository_id),
        ("owner id", &p.owner_id),
        ("source commit", &p.source_commit),
    ];
    rows.extend(optional.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), Cell::plain(v.clone())))));
    let refs = if p.source_refs.is_empty() { "any except refs/pull/*".to_string() } else { p.source_refs.join(", ") };
    rows.push(("source refs".into(), Cell::plain(refs)));
    let runner = if p.allow_self_hosted_runner { "any (self-hosted allowed)" } else { "github-hosted" };
    rows.push(("runner".into(), Cell::plain(runner)));
    rows.push(("predicate type".into(), Cell::plain(p.predicate_type.clone())));
    rows
}
