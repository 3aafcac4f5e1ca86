//! What the user typed: the clap types of every command, and nothing else. `config.rs` turns
//! them into a checked configuration; no file is read here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
#[cfg(feature = "fetch")]
use dstack_audit::limits::FETCH_TIMEOUT_SECS;

use super::render::Format;

#[derive(Parser, Debug)]
#[command(name = "dstack-audit", version, about = "Offline verifier for dstack (Intel TDX) attestations")]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Run the three checks (attestation, launcher provenance, workload pin) and print a report.
    Verify(VerifyArgs),
    /// Show the decoded quote, the event log with digest status and the app-compose summary.
    Inspect(ShowArgs),
    /// Show replayed RTMR0–3 next to the quoted ones, event by event.
    Replay(ShowArgs),
    /// Print SHA-256 of an app-compose file and the default app-id.
    ComposeHash(ComposeHashArgs),
    /// Check 2 alone: verify Sigstore bundles for an artifact offline, like `gh attestation verify`.
    Provenance(ProvenanceArgs),
    /// Reference files.
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Get evidence online and write it to files that `verify` checks offline.
    #[cfg(feature = "fetch")]
    #[command(subcommand)]
    Fetch(FetchCommand),
    /// Built without the `fetch` feature: `fetch` only says so (exit 2).
    #[cfg(not(feature = "fetch"))]
    #[command(hide = true)]
    Fetch {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
    /// Internal: runs a `--select` filter on standard input under resource limits.
    #[command(name = "__select", hide = true)]
    SelectChild {
        #[arg(allow_hyphen_values = true)]
        filter: String,
    },
}

#[cfg(feature = "fetch")]
#[derive(Subcommand, Debug)]
pub(super) enum FetchCommand {
    /// A quote and the app information from a dstack app (`http(s)://HOST` serving /quote and
    /// /info) or a guest agent (`unix:///var/run/dstack.sock`).
    Attestation(FetchAttestationArgs),
    /// The DCAP collateral for the quote in an attestation, from an Intel PCS-compatible
    /// service (PCCS), as QuoteCollateralV3 JSON for `verify --collateral`.
    Collateral(FetchCollateralArgs),
    /// The Sigstore bundles attached to an image in its OCI registry (referrers API, or the
    /// referrers tag schema), as JSONL for `verify --bundle`. Credentials, when needed, come from
    /// DSTACK_AUDIT_REGISTRY_TOKEN, or DSTACK_AUDIT_REGISTRY_USERNAME and _PASSWORD.
    Bundle(FetchBundleArgs),
}

#[cfg(feature = "fetch")]
#[derive(Args, Debug)]
pub(super) struct FetchBundleArgs {
    /// The image, pinned by digest: `ghcr.io/org/launcher@sha256:HEX`.
    pub(super) image: String,
    /// Write the bundles here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    /// Talk plain HTTP to the registry (a local test registry only).
    #[arg(long = "plain-http")]
    pub(super) plain_http: bool,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = FETCH_TIMEOUT_SECS)]
    pub(super) timeout: u64,
}

#[cfg(feature = "fetch")]
#[derive(Args, Debug)]
pub(super) struct FetchCollateralArgs {
    #[command(flatten)]
    pub(super) evidence: EvidenceArgs,
    /// Base URL of the PCS-compatible service, e.g. `https://api.trustedservices.intel.com` or a
    /// PCCS at `https://pccs.example:8081`.
    #[arg(long, value_name = "URL")]
    pub(super) pccs: String,
    /// Write the collateral here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = FETCH_TIMEOUT_SECS)]
    pub(super) timeout: u64,
}

#[cfg(feature = "fetch")]
#[derive(Args, Debug)]
pub(super) struct FetchAttestationArgs {
    /// `https://APP`, `http://APP` or `unix:///var/run/dstack.sock`.
    pub(super) url: String,
    /// A nonce (at most 64 bytes of hex) for the quote's report_data; check it with
    /// `verify --report-data`.
    #[arg(long = "report-data", value_name = "HEX")]
    pub(super) report_data: Option<String>,
    /// Write the attestation here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = FETCH_TIMEOUT_SECS)]
    pub(super) timeout: u64,
}

#[derive(Subcommand, Debug)]
pub(super) enum ReferenceCommand {
    /// Write a reference file from a known-good deployment (verified values only; each value's
    /// origin is recorded under `sources`). `verify` with it on the same inputs passes.
    Init(InitArgs),
}

/// Trust material and the evaluation time, shared by `verify` and `reference init`.
#[derive(Args, Debug)]
pub(super) struct TrustArgs {
    /// DCAP collateral (dcap-qvl QuoteCollateralV3 JSON); replaces collateral embedded in the attestation.
    #[arg(long)]
    pub(super) collateral: Option<String>,
    /// Trust this TDX root CA (PEM or DER) instead of the pinned Intel SGX Root CA. For test PKIs only:
    /// the report marks the result as checked against an UNTRUSTED TEST ROOT.
    #[arg(long = "tdx-root-ca")]
    pub(super) tdx_root_ca: Option<String>,
    /// Sigstore bundle(s) (JSON or JSONL) for the launcher image; any one may satisfy the policy.
    #[arg(long)]
    pub(super) bundle: Vec<String>,
    /// Sigstore trusted root(s) (JSON or JSONL) replacing the embedded public-good and GitHub roots.
    #[arg(long = "trusted-root")]
    pub(super) trusted_root: Vec<String>,
    /// Evaluation time (RFC 3339); default: now.
    #[arg(long)]
    pub(super) at: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct InitArgs {
    #[command(flatten)]
    pub(super) evidence: EvidenceArgs,
    #[command(flatten)]
    pub(super) trust: TrustArgs,
    /// The launcher's image repository, when no bundle identifies it.
    #[arg(long = "launcher-image", value_name = "REPOSITORY")]
    pub(super) launcher_image: Option<String>,
    /// Write the reference here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct EvidenceArgs {
    /// Attestation file (`-` for standard input); any shape listed in docs/evidence-shapes.md.
    pub(super) attestation: Option<String>,
    /// A TDX quote file (binary; hex with or without 0x; base64; a JSON byte array or string),
    /// instead of or beside the attestation.
    #[arg(long)]
    pub(super) quote: Option<String>,
    /// An event-log file (JSON array of entries, or an object with `event_log`).
    #[arg(long = "event-log")]
    pub(super) event_log: Option<String>,
    /// An app-compose file; its exact bytes are hashed.
    #[arg(long = "app-compose")]
    pub(super) app_compose: Option<String>,
    /// A jq filter mapping the attestation to {quote, event_log, app_compose, collateral}.
    #[arg(long)]
    pub(super) select: Option<String>,
    /// Which instance of a Phala Cloud `instances[]` listing to check (0-based).
    #[arg(long)]
    pub(super) instance: Option<usize>,
}

#[derive(Args, Debug)]
pub(super) struct VerifyArgs {
    #[command(flatten)]
    pub(super) evidence: EvidenceArgs,
    /// Reference values (schema dstack-audit/reference/v1). Without it nothing is compared.
    #[arg(long)]
    pub(super) reference: Option<String>,
    #[command(flatten)]
    pub(super) trust: TrustArgs,
    /// The nonce the quote's report_data must equal (at most 64 bytes of hex, zero-padded), as
    /// given to `fetch attestation --report-data`.
    #[arg(long = "report-data", value_name = "HEX")]
    pub(super) report_data: Option<String>,
    /// A local clone of the workload repository: check that the pinned commit and its entry
    /// script exist there, and print the script's blob id (runs `git`, offline).
    #[arg(long = "workload-repo", value_name = "DIR")]
    pub(super) workload_repo: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct ShowArgs {
    #[command(flatten)]
    pub(super) evidence: EvidenceArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}

#[derive(Args, Debug)]
pub(super) struct ComposeHashArgs {
    /// The app-compose file (`-` for standard input).
    pub(super) file: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}

/// `dstack-audit provenance`: verify Sigstore bundles for an artifact, offline.
#[derive(Args, Debug)]
pub(super) struct ProvenanceArgs {
    /// Sigstore bundle, JSON or JSON Lines (repeatable; any one bundle that satisfies the policy is enough).
    #[arg(long, required = true)]
    pub(super) bundle: Vec<String>,
    /// Trusted root (JSON, or JSONL with one root per line); repeatable. Replaces the embedded
    /// Sigstore public-good and GitHub roots.
    #[arg(long = "trusted-root")]
    pub(super) trusted_root: Vec<String>,
    /// Exact certificate identity (SAN), as in the conformance protocol.
    #[arg(long, visible_alias = "certificate-identity")]
    pub(super) identity: Option<String>,
    /// OIDC issuer (default https://token.actions.githubusercontent.com).
    #[arg(long, visible_alias = "certificate-oidc-issuer")]
    pub(super) issuer: Option<String>,
    /// PEM public key: verify a managed-key bundle instead of a keyless one.
    #[arg(long)]
    pub(super) key: Option<String>,
    /// Source repository URI, e.g. https://github.com/OWNER/REPO (Fulcio claim 1.3.6.1.4.1.57264.1.12).
    #[arg(long)]
    pub(super) repository: Option<String>,
    /// Signer workflow URI, with or without @REF (claim .1.9), e.g.
    /// https://github.com/OWNER/REPO/.github/workflows/release.yml
    #[arg(long = "signer-workflow")]
    pub(super) signer_workflow: Option<String>,
    /// Allowed source ref glob (claim .1.14; `*` within one path part); repeatable. Default: any
    /// ref except refs/pull/*.
    #[arg(long = "source-ref")]
    pub(super) source_ref: Vec<String>,
    /// Accept builds on self-hosted runners (claim .1.11); rejected by default.
    #[arg(long = "allow-self-hosted-runner")]
    pub(super) allow_self_hosted_runner: bool,
    /// Source repository identifier (claim .1.15).
    #[arg(long = "repository-id")]
    pub(super) repository_id: Option<String>,
    /// Source repository owner identifier (claim .1.17).
    #[arg(long = "owner-id")]
    pub(super) owner_id: Option<String>,
    /// Source commit (claim .1.13).
    #[arg(long = "source-commit")]
    pub(super) source_commit: Option<String>,
    /// Accept any in-toto predicate type and plain message signatures (default: SLSA provenance v1 only).
    #[arg(long = "any-predicate")]
    pub(super) any_predicate: bool,
    /// Container image by digest, REPO@sha256:HEX (the OCI manifest digest); instead of ARTIFACT.
    #[arg(long)]
    pub(super) image: Option<String>,
    /// The artifact: a file, sha256:HEX or sha512:HEX.
    pub(super) artifact: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}
