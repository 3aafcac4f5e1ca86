//! The command line: arguments → checked configuration → run → render → exit code.
//!
//! Exit codes: 0 pass, 1 fail, 3 incomplete, 2 when the input cannot be evaluated (unreadable,
//! malformed, usage error). All I/O and the one clock read happen here.

use std::io::{IsTerminal, Read, Write};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::clock::{parse_rfc3339, EvalTime};
use crate::compose::app_compose::AppCompose;
use crate::error::Error;
use crate::evidence::{InputFile, Sources};
use crate::limits::MAX_INPUT_BYTES;
use crate::reference::{parse_reference, Reference};
use crate::report::{doc::Doc, human, json, markdown, table};
use crate::views::{ComposeView, Inspection, ReplayView};

mod select_child;

/// Exit code for "cannot evaluate".
pub const EXIT_CANNOT_EVALUATE: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "dstack-audit", version, about = "Offline verifier for dstack (Intel TDX) attestations")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the three checks (attestation, launcher provenance, workload pin) and print a report.
    Verify(VerifyArgs),
    /// Show the decoded quote, the event log with digest status and the app-compose summary.
    Inspect(ShowArgs),
    /// Show replayed RTMR0–3 next to the quoted ones, event by event.
    Replay(ShowArgs),
    /// Print SHA-256 of an app-compose file and the default app-id.
    ComposeHash(ComposeHashArgs),
    /// Check 2 alone: verify Sigstore bundles for an artifact offline, like `gh attestation verify`.
    Provenance(crate::provenance::command::ProvenanceArgs),
    /// Reference files.
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Get evidence online and write it to files that `verify` checks offline.
    #[command(subcommand)]
    Fetch(FetchCommand),
    /// Internal: runs a `--select` filter on standard input under resource limits.
    #[command(name = "__select", hide = true)]
    SelectChild {
        #[arg(allow_hyphen_values = true)]
        filter: String,
    },
}

#[derive(Subcommand, Debug)]
enum FetchCommand {
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

#[derive(Args, Debug)]
struct FetchBundleArgs {
    /// The image, pinned by digest: `ghcr.io/org/launcher@sha256:HEX`.
    image: String,
    /// Write the bundles here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Talk plain HTTP to the registry (a local test registry only).
    #[arg(long = "plain-http")]
    plain_http: bool,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::limits::FETCH_TIMEOUT_SECS)]
    timeout: u64,
}

#[derive(Args, Debug)]
struct FetchCollateralArgs {
    #[command(flatten)]
    evidence: EvidenceArgs,
    /// Base URL of the PCS-compatible service, e.g. `https://api.trustedservices.intel.com` or a
    /// PCCS at `https://pccs.example:8081`.
    #[arg(long, value_name = "URL")]
    pccs: String,
    /// Write the collateral here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::limits::FETCH_TIMEOUT_SECS)]
    timeout: u64,
}

#[derive(Args, Debug)]
struct FetchAttestationArgs {
    /// `https://APP`, `http://APP` or `unix:///var/run/dstack.sock`.
    url: String,
    /// A nonce (at most 64 bytes of hex) for the quote's report_data; check it with
    /// `verify --report-data`.
    #[arg(long = "report-data", value_name = "HEX")]
    report_data: Option<String>,
    /// Write the attestation here (whole or not at all) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::limits::FETCH_TIMEOUT_SECS)]
    timeout: u64,
}

#[derive(Subcommand, Debug)]
enum ReferenceCommand {
    /// Write a reference file from a known-good deployment (verified values only; each value's
    /// origin is recorded under `sources`). `verify` with it on the same inputs passes.
    Init(InitArgs),
}

/// Trust material and the evaluation time, shared by `verify` and `reference init`.
#[derive(Args, Debug)]
struct TrustArgs {
    /// DCAP collateral (dcap-qvl QuoteCollateralV3 JSON); replaces collateral embedded in the attestation.
    #[arg(long)]
    collateral: Option<String>,
    /// Trust this TDX root CA (PEM or DER) instead of the pinned Intel SGX Root CA. For test PKIs only:
    /// the report marks the result as checked against an UNTRUSTED TEST ROOT.
    #[arg(long = "tdx-root-ca")]
    tdx_root_ca: Option<String>,
    /// Sigstore bundle(s) (JSON or JSONL) for the launcher image; any one may satisfy the policy.
    #[arg(long)]
    bundle: Vec<String>,
    /// Sigstore trusted root(s) (JSON or JSONL) replacing the embedded public-good and GitHub roots.
    #[arg(long = "trusted-root")]
    trusted_root: Vec<String>,
    /// Evaluation time (RFC 3339); default: now.
    #[arg(long)]
    at: Option<String>,
}

impl TrustArgs {
    /// Reads the files and the time (the one clock read when `--at` is absent).
    fn settings(&self, workload_repo: Option<std::path::PathBuf>) -> Result<crate::Settings, Error> {
        let at = match &self.at {
            Some(t) => parse_rfc3339(t, "--at").map_err(|e| Error::Usage(e.to_string()))?,
            None => now()?,
        };
        Ok(crate::Settings {
            at,
            tdx_root: self.tdx_root_ca.as_deref().map(read_input).transpose()?,
            collateral: self.collateral.as_deref().map(read_input).transpose()?,
            bundles: self.bundle.iter().map(|b| read_input(b)).collect::<Result<_, _>>()?,
            trusted_roots: self.trusted_root.iter().map(|b| read_input(b)).collect::<Result<_, _>>()?,
            workload_repo,
        })
    }
}

#[derive(Args, Debug)]
struct InitArgs {
    #[command(flatten)]
    evidence: EvidenceArgs,
    #[command(flatten)]
    trust: TrustArgs,
    /// The launcher's image repository, when no bundle identifies it.
    #[arg(long = "launcher-image", value_name = "REPOSITORY")]
    launcher_image: Option<String>,
    /// Write the reference here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
struct EvidenceArgs {
    /// Attestation file (`-` for standard input); any shape listed in docs/evidence-shapes.md.
    attestation: Option<String>,
    /// A TDX quote file (binary; hex with or without 0x; base64; a JSON byte array or string),
    /// instead of or beside the attestation.
    #[arg(long)]
    quote: Option<String>,
    /// An event-log file (JSON array of entries, or an object with `event_log`).
    #[arg(long = "event-log")]
    event_log: Option<String>,
    /// An app-compose file; its exact bytes are hashed.
    #[arg(long = "app-compose")]
    app_compose: Option<String>,
    /// A jq filter mapping the attestation to {quote, event_log, app_compose, collateral}.
    #[arg(long)]
    select: Option<String>,
    /// Which instance of a Phala Cloud `instances[]` listing to check (0-based).
    #[arg(long)]
    instance: Option<usize>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    #[command(flatten)]
    evidence: EvidenceArgs,
    /// Reference values (schema dstack-audit/reference/v1). Without it nothing is compared.
    #[arg(long)]
    reference: Option<String>,
    #[command(flatten)]
    trust: TrustArgs,
    /// The nonce the quote's report_data must equal (at most 64 bytes of hex, zero-padded), as
    /// given to `fetch attestation --report-data`.
    #[arg(long = "report-data", value_name = "HEX")]
    report_data: Option<String>,
    /// A local clone of the workload repository: check that the pinned commit and its entry
    /// script exist there, and print the script's blob id (runs `git`, offline).
    #[arg(long = "workload-repo", value_name = "DIR")]
    workload_repo: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
struct ShowArgs {
    #[command(flatten)]
    evidence: EvidenceArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
struct ComposeHashArgs {
    /// The app-compose file (`-` for standard input).
    file: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Markdown,
}

/// Runs the command line and returns the exit code.
pub fn main() -> u8 {
    quiet_select_panics();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_CANNOT_EVALUATE } else { 0 };
        }
    };
    match run(cli) {
        Ok((text, code)) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            code
        }
        Err(e) => {
            eprintln!("dstack-audit: error: {e}");
            EXIT_CANNOT_EVALUATE
        }
    }
}

/// A panic inside a `--select` filter is reported as an input error (exit 2); keep the default
/// panic message for every other thread.
fn quiet_select_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("select") {
            default(info);
        }
    }));
}

fn run(cli: Cli) -> Result<(String, u8), Error> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    match cli.command {
        Command::Verify(a) => {
            let sources = sources(&a.evidence)?;
            let reference_file = a.reference.as_deref().map(read_input).transpose()?;
            let mut reference = match &reference_file {
                Some(f) => parse_reference(&f.bytes, &f.name)?,
                None => Reference::none(),
            };
            if let Some(r) = &a.report_data {
                let nonce = crate::reference::report_data(r.strip_prefix("0x").unwrap_or(r), "--report-data")
                    .map_err(|e| Error::Usage(e.to_string()))?;
                reference.nonce = Some(nonce);
            }
            let settings = a.trust.settings(a.workload_repo.clone())?;
            if let Some(dir) = settings.workload_repo.as_ref().filter(|d| !d.is_dir()) {
                return Err(Error::Io {
                    input: dir.display().to_string(),
                    message: "--workload-repo must name a directory (a local clone of the workload repository)".into(),
                });
            }
            let report = crate::verify(&sources, &reference, reference_file.as_ref(), &settings)?;
            let code = report.verdict.exit_code();
            Ok((render(a.format, &report, || human::verify_doc(&report), color), code))
        }
        Command::Inspect(a) => {
            let observed = observe(&a.evidence)?;
            let view = Inspection::of(&observed);
            Ok((render(a.format, &view, || human::inspect_doc(&view), color), 0))
        }
        Command::Replay(a) => {
            let observed = observe(&a.evidence)?;
            let view = ReplayView::of(&observed).ok_or_else(|| {
                Error::Usage("the evidence holds no event log to replay (pass --event-log FILE)".into())
            })?;
            let code = if view.rtmrs.iter().all(|r| r.matches) { 0 } else { 1 };
            Ok((render(a.format, &view, || human::replay_doc(&view), color), code))
        }
        Command::Provenance(a) => crate::provenance::command::run_with_color(&a, color),
        Command::Reference(ReferenceCommand::Init(a)) => reference_init(&a),
        Command::Fetch(FetchCommand::Attestation(a)) => fetch_attestation(&a),
        Command::Fetch(FetchCommand::Collateral(a)) => fetch_collateral(&a),
        Command::Fetch(FetchCommand::Bundle(a)) => fetch_bundle(&a),
        Command::SelectChild { filter } => Ok((String::new(), select_child::child_main(&filter))),
        Command::ComposeHash(a) => {
            let f = read_input(&a.file)?;
            let text = crate::evidence::app_compose_text(&f.bytes).map_err(|e| e.in_input(&f.name))?;
            let c = AppCompose::new(text);
            let view = ComposeView::of(&c, f.name.clone());
            Ok((render(a.format, &view, || human::compose_hash_doc(&view), color), 0))
        }
    }
}

/// `fetch attestation`: the assembled attestation, checked to be readable by `verify`, on
/// stdout or written whole to `--output`.
fn fetch_attestation(a: &FetchAttestationArgs) -> Result<(String, u8), Error> {
    let report_data = a.report_data.as_deref().map(crate::fetch::attestation::parse_report_data).transpose()?;
    let limits = crate::fetch::http::Limits {
        timeout: std::time::Duration::from_secs(a.timeout),
        ..crate::fetch::http::Limits::default()
    };
    let doc = crate::fetch::attestation::fetch(&a.url, report_data.as_deref(), limits, now()?)?;
    let text = json::render(&doc);
    let name = a.output.as_ref().map_or_else(|| "the fetched attestation".to_string(), |p| p.display().to_string());
    let sources =
        Sources { attestation: Some(InputFile { name, bytes: text.clone().into_bytes() }), ..Sources::default() };
    crate::evidence::load(&sources)?;
    write_or_print(a.output.as_deref(), text)
}

/// `fetch collateral`: QuoteCollateralV3 JSON for the attestation's quote.
fn fetch_collateral(a: &FetchCollateralArgs) -> Result<(String, u8), Error> {
    let observed = observe(&a.evidence)?;
    let key = crate::fetch::collateral::collateral_key(&observed.quote, &observed.quote_origin.input)?;
    let limits = crate::fetch::http::Limits {
        timeout: std::time::Duration::from_secs(a.timeout),
        ..crate::fetch::http::Limits::default()
    };
    let doc = crate::fetch::collateral::fetch(&a.pccs, &key, limits, now()?)?;
    crate::dcap::collateral::parse_collateral(&doc).map_err(|e| e.in_input("the fetched collateral"))?;
    let text = json::render(&doc);
    write_or_print(a.output.as_deref(), text)
}

/// `fetch bundle`: JSONL of the bundles attached to the image.
fn fetch_bundle(a: &FetchBundleArgs) -> Result<(String, u8), Error> {
    use crate::fetch::bundle;
    let opts = bundle::RegistryOptions {
        plain_http: a.plain_http,
        timeout: std::time::Duration::from_secs(a.timeout),
        auth: bundle::auth_from_env(),
    };
    let found = bundle::fetch(&a.image, &opts)?;
    if found.is_empty() {
        return Err(Error::Fetch {
            request: format!("fetch bundle {}", a.image),
            message: "no Sigstore bundle is attached to the image (no referrer with a bundle artifact type)".into(),
        });
    }
    let text = bundle::to_jsonl(&found);
    let name = a.output.as_ref().map_or_else(|| "the fetched bundles".to_string(), |p| p.display().to_string());
    crate::provenance::split_bundles(&name, text.as_bytes())?;
    write_or_print(a.output.as_deref(), text)
}

/// The text on stdout, or written whole to `path` with a one-line confirmation.
fn write_or_print(path: Option<&std::path::Path>, text: String) -> Result<(String, u8), Error> {
    match path {
        None => Ok((text, 0)),
        Some(path) => {
            crate::fetch::write_atomically(path, text.as_bytes())?;
            Ok((format!("wrote {}\n", path.display()), 0))
        }
    }
}

/// `reference init`: the reference on stdout (or `--output`), what was left out on stderr.
fn reference_init(a: &InitArgs) -> Result<(String, u8), Error> {
    let settings = a.trust.settings(None)?;
    let derived = crate::reference_init::init(&sources(&a.evidence)?, &settings, a.launcher_image.as_deref())?;
    let text = json::render(&derived.reference);
    for w in &derived.warnings {
        eprintln!("dstack-audit: reference init: warning: {w}");
    }
    match &a.output {
        None => Ok((text, 0)),
        Some(path) => {
            std::fs::write(path, text.as_bytes())
                .map_err(|e| Error::Io { input: path.display().to_string(), message: e.to_string() })?;
            Ok((format!("wrote {}\n", path.display()), 0))
        }
    }
}

fn render<T: serde::Serialize>(format: Format, data: &T, doc: impl FnOnce() -> Doc, color: bool) -> String {
    match format {
        Format::Json => json::render(data),
        Format::Table => table::render(&doc(), color),
        Format::Markdown => markdown::render(&doc()),
    }
}

fn observe(a: &EvidenceArgs) -> Result<crate::pipeline::Observed, Error> {
    crate::pipeline::observe(crate::evidence::load(&sources(a)?)?)
}

fn sources(a: &EvidenceArgs) -> Result<Sources, Error> {
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
    let read = |p: &Option<String>| p.as_deref().map(read_input).transpose();
    Ok(Sources {
        attestation: read(&a.attestation)?,
        quote: read(&a.quote)?,
        event_log: read(&a.event_log)?,
        app_compose: read(&a.app_compose)?,
        select: a.select.as_deref().map(|f| crate::evidence::Select::with_runner(f, select_child::run_bounded)),
        instance: a.instance,
    })
}

/// Reads a file or standard input, refusing anything over `MAX_INPUT_BYTES`.
pub fn read_input(path: &str) -> Result<InputFile, Error> {
    let (name, reader): (String, Box<dyn Read>) = if path == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::Io { input: path.into(), message: e.to_string() })?;
        (path.into(), Box::new(file))
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_INPUT_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io { input: name.clone(), message: e.to_string() })?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::Input {
            input: name,
            at: crate::error::Location::Whole,
            expected: format!("at most {MAX_INPUT_BYTES} bytes (MAX_INPUT_BYTES)"),
            found: "a larger input".into(),
        });
    }
    Ok(InputFile { name, bytes })
}

fn now() -> Result<EvalTime, Error> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Usage("the system clock is before 1970; pass --at".into()))?
        .as_secs();
    EvalTime::from_unix(secs).ok_or_else(|| Error::Usage("the system clock is out of range; pass --at".into()))
}
