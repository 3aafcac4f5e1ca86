//! Arguments → a checked configuration, one variant per command, before any file is read:
//! contradictory or missing arguments, `--at`, `--report-data`, `--image` and digests, and the
//! provenance policy are refused here as usage errors (exit 2). Paths stay paths; `input.rs`
//! reads them afterwards.

use std::path::PathBuf;
#[cfg(feature = "fetch")]
use std::time::Duration;

use dstack_audit::clock::{parse_rfc3339, EvalTime};
use dstack_audit::error::Error;
use dstack_audit::provenance::{Artifact, PredicateRule, ProvenancePolicy, GITHUB_ACTIONS_ISSUER};

use super::args::{
    Cli, Command, ComposeHashArgs, EvidenceArgs, InitArgs, ProvenanceArgs, ReferenceCommand, ShowArgs, TrustArgs,
    VerifyArgs,
};
#[cfg(feature = "fetch")]
use super::args::{FetchAttestationArgs, FetchBundleArgs, FetchCollateralArgs, FetchCommand};
use super::render::Format;

/// One command, checked.
pub(super) enum Config {
    Verify(VerifyConfig),
    Inspect(ShowConfig),
    Replay(ShowConfig),
    ComposeHash(ComposeHashConfig),
    Provenance(ProvenanceRequest),
    ReferenceInit(InitConfig),
    #[cfg(feature = "fetch")]
    FetchAttestation(FetchAttestationConfig),
    #[cfg(feature = "fetch")]
    FetchCollateral(FetchCollateralConfig),
    #[cfg(feature = "fetch")]
    FetchBundle(FetchBundleConfig),
    /// The hidden `--select` child (`select_child.rs`).
    SelectChild(String),
}

/// The evidence files: at least an attestation or a quote, standard input at most once, and
/// `--select` only with an attestation.
pub(super) struct EvidencePaths {
    pub(super) attestation: Option<String>,
    pub(super) quote: Option<String>,
    pub(super) event_log: Option<String>,
    pub(super) app_compose: Option<String>,
    pub(super) select: Option<String>,
    pub(super) instance: Option<usize>,
}

/// The evaluation time: `--at`, or the one clock read (done when the files are read).
#[derive(Clone, Copy)]
pub(super) enum At {
    Given(EvalTime),
    Now,
}

/// Trust material and the evaluation time, shared by `verify` and `reference init`.
pub(super) struct TrustPaths {
    pub(super) collateral: Option<String>,
    pub(super) tdx_root_ca: Option<String>,
    pub(super) bundles: Vec<String>,
    pub(super) trusted_roots: Vec<String>,
    pub(super) at: At,
}

pub(super) struct VerifyConfig {
    pub(super) evidence: EvidencePaths,
    pub(super) reference: Option<String>,
    pub(super) trust: TrustPaths,
    /// `--report-data`, zero-padded to 64 bytes.
    pub(super) nonce: Option<[u8; 64]>,
    pub(super) workload_repo: Option<PathBuf>,
    pub(super) format: Format,
}

/// `inspect` and `replay`.
pub(super) struct ShowConfig {
    pub(super) evidence: EvidencePaths,
    pub(super) format: Format,
}

pub(super) struct ComposeHashConfig {
    pub(super) file: String,
    pub(super) format: Format,
}

pub(super) struct InitConfig {
    pub(super) evidence: EvidencePaths,
    pub(super) trust: TrustPaths,
    pub(super) launcher_image: Option<String>,
    pub(super) output: Option<PathBuf>,
}

/// `provenance`'s artifact: a digest given on the command line, or a file to hash.
pub(super) enum ArtifactSpec {
    Digest(Artifact),
    File(String),
}

/// `provenance`, checked: the policy without its `--key` (read with the other files, then the
/// policy is validated again with it).
pub(super) struct ProvenanceRequest {
    pub(super) artifact: ArtifactSpec,
    /// The repository of `--image REPO@sha256:HEX`.
    pub(super) image: Option<String>,
    pub(super) policy: ProvenancePolicy,
    pub(super) key: Option<String>,
    pub(super) bundles: Vec<String>,
    pub(super) trusted_roots: Vec<String>,
    pub(super) format: Format,
}

#[cfg(feature = "fetch")]
pub(super) struct FetchAttestationConfig {
    pub(super) url: String,
    /// `--report-data` as checked hex.
    pub(super) report_data: Option<String>,
    pub(super) output: Option<PathBuf>,
    pub(super) timeout: Duration,
}

#[cfg(feature = "fetch")]
pub(super) struct FetchCollateralConfig {
    pub(super) evidence: EvidencePaths,
    pub(super) pccs: String,
    pub(super) output: Option<PathBuf>,
    pub(super) timeout: Duration,
}

#[cfg(feature = "fetch")]
pub(super) struct FetchBundleConfig {
    pub(super) image: String,
    pub(super) output: Option<PathBuf>,
    pub(super) plain_http: bool,
    pub(super) timeout: Duration,
}

impl Config {
    /// Checks the arguments; reads nothing.
    pub(super) fn check(cli: Cli) -> Result<Config, Error> {
        Ok(match cli.command {
            Command::Verify(a) => Config::Verify(verify(a)?),
            Command::Inspect(a) => Config::Inspect(show(a)?),
            Command::Replay(a) => Config::Replay(show(a)?),
            Command::ComposeHash(ComposeHashArgs { file, format }) => {
                Config::ComposeHash(ComposeHashConfig { file, format })
            }
            Command::Provenance(a) => Config::Provenance(provenance(a)?),
            Command::Reference(ReferenceCommand::Init(a)) => Config::ReferenceInit(init(a)?),
            #[cfg(feature = "fetch")]
            Command::Fetch(FetchCommand::Attestation(a)) => Config::FetchAttestation(fetch_attestation(a)?),
            #[cfg(feature = "fetch")]
            Command::Fetch(FetchCommand::Collateral(a)) => Config::FetchCollateral(fetch_collateral(a)?),
            #[cfg(feature = "fetch")]
            Command::Fetch(FetchCommand::Bundle(a)) => Config::FetchBundle(fetch_bundle(a)),
            #[cfg(not(feature = "fetch"))]
            Command::Fetch { .. } => {
                return Err(Error::Usage(
                    "this build has no `fetch` command: it was built without the `fetch` feature".into(),
                ))
            }
            Command::SelectChild { filter } => Config::SelectChild(filter),
        })
    }
}

fn evidence(a: EvidenceArgs) -> Result<EvidencePaths, Error> {
    let given = [&a.attestation, &a.quote, &a.event_log, &a.app_compose];
    if given.iter().filter(|p| p.as_deref() == Some("-")).count() > 1 {
        return Err(Error::Usage("only one input can be read from standard input (`-`)".into()));
    }
    if a.attestation.is_none() && a.quote.is_none() {
        return Err(Error::Usage("give an attestation file (or `-`), or --quote FILE".into()));
    }
    if a.select.is_some() && a.attestation.is_none() {
        return Err(Error::Usage("--select needs an attestation file to apply to".into()));
    }
    Ok(EvidencePaths {
        attestation: a.attestation,
        quote: a.quote,
        event_log: a.event_log,
        app_compose: a.app_compose,
        select: a.select,
        instance: a.instance,
    })
}

fn trust(a: TrustArgs) -> Result<TrustPaths, Error> {
    let at = match &a.at {
        Some(t) => At::Given(parse_rfc3339(t, "--at").map_err(|e| Error::Usage(e.to_string()))?),
        None => At::Now,
    };
    Ok(TrustPaths {
        collateral: a.collateral,
        tdx_root_ca: a.tdx_root_ca,
        bundles: a.bundle,
        trusted_roots: a.trusted_root,
        at,
    })
}

fn verify(a: VerifyArgs) -> Result<VerifyConfig, Error> {
    let evidence = evidence(a.evidence)?;
    let nonce = match &a.report_data {
        None => None,
        Some(r) => Some(
            dstack_audit::reference::report_data(r.strip_prefix("0x").unwrap_or(r), "--report-data")
                .map_err(|e| Error::Usage(e.to_string()))?,
        ),
    };
    Ok(VerifyConfig {
        evidence,
        reference: a.reference,
        trust: trust(a.trust)?,
        nonce,
        workload_repo: a.workload_repo,
        format: a.format,
    })
}

fn show(a: ShowArgs) -> Result<ShowConfig, Error> {
    Ok(ShowConfig { evidence: evidence(a.evidence)?, format: a.format })
}

fn init(a: InitArgs) -> Result<InitConfig, Error> {
    Ok(InitConfig {
        evidence: evidence(a.evidence)?,
        trust: trust(a.trust)?,
        launcher_image: a.launcher_image,
        output: a.output,
    })
}

fn provenance(a: ProvenanceArgs) -> Result<ProvenanceRequest, Error> {
    let (artifact, image) = artifact(&a)?;
    let issuer = a.issuer.unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_string());
    let policy = ProvenancePolicy {
        issuer: issuer.clone(),
        repository: a.repository,
        signer_workflow: a.signer_workflow,
        source_refs: a.source_ref,
        allow_self_hosted_runner: a.allow_self_hosted_runner,
        repository_id: a.repository_id,
        owner_id: a.owner_id,
        source_commit: a.source_commit,
        predicate: if a.any_predicate { PredicateRule::Any } else { PredicateRule::SlsaProvenanceV1 },
        identity: a.identity.map(|san| (san, issuer)),
        key: None,
    };
    // With `--key` the policy is validated once the key file is read.
    if a.key.is_none() {
        policy.validate().map_err(Error::Usage)?;
    }
    Ok(ProvenanceRequest {
        artifact,
        image,
        policy,
        key: a.key,
        bundles: a.bundle,
        trusted_roots: a.trusted_root,
        format: a.format,
    })
}

/// The artifact from `--image` or the positional argument.
fn artifact(a: &ProvenanceArgs) -> Result<(ArtifactSpec, Option<String>), Error> {
    match (&a.image, &a.artifact) {
        (Some(_), Some(_)) => Err(Error::Usage("give either --image REPO@sha256:HEX or an ARTIFACT, not both".into())),
        (None, None) => Err(Error::Usage("give the artifact: a FILE, sha256:HEX, sha512:HEX or --image".into())),
        (Some(image), None) => {
            let bad = || {
                Error::Usage(format!(
                    "--image `{}`: expected REPO@sha256:HEX (a digest pin, not a tag)",
                    dstack_audit::error::describe(image)
                ))
            };
            let (repo, digest) = image.rsplit_once('@').ok_or_else(bad)?;
            if repo.is_empty() || !digest.starts_with("sha256:") {
                return Err(bad());
            }
            let parsed =
                Artifact::parse_digest(digest).ok_or_else(bad)?.map_err(|m| Error::Usage(format!("--image: {m}")))?;
            Ok((ArtifactSpec::Digest(parsed), Some(repo.to_string())))
        }
        (None, Some(text)) => match Artifact::parse_digest(text) {
            Some(parsed) => Ok((ArtifactSpec::Digest(parsed.map_err(Error::Usage)?), None)),
            None => Ok((ArtifactSpec::File(text.clone()), None)),
        },
    }
}

#[cfg(feature = "fetch")]
fn fetch_attestation(a: FetchAttestationArgs) -> Result<FetchAttestationConfig, Error> {
    let report_data = a.report_data.as_deref().map(dstack_audit::fetch::attestation::parse_report_data).transpose()?;
    Ok(FetchAttestationConfig { url: a.url, report_data, output: a.output, timeout: Duration::from_secs(a.timeout) })
}

#[cfg(feature = "fetch")]
fn fetch_collateral(a: FetchCollateralArgs) -> Result<FetchCollateralConfig, Error> {
    Ok(FetchCollateralConfig {
        evidence: evidence(a.evidence)?,
        pccs: a.pccs,
        output: a.output,
        timeout: Duration::from_secs(a.timeout),
    })
}

#[cfg(feature = "fetch")]
fn fetch_bundle(a: FetchBundleArgs) -> FetchBundleConfig {
    FetchBundleConfig {
        image: a.image,
        output: a.output,
        plain_http: a.plain_http,
        timeout: Duration::from_secs(a.timeout),
    }
}
