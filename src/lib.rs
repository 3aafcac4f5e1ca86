//! dstack-audit: an offline verifier for dstack (Intel TDX) attestations.
//!
//! Layers (docs/architecture.md): `evidence` reads input shapes into canonical evidence;
//! `tdx` and `compose` parse and replay without policy; `checks` appraise observed facts
//! against the `reference`; `report` holds the result as data and renders it. The command line
//! is the binary's (`src/main.rs`, `src/cmd/`), a thin shell around `verify`; `fetch` (the only
//! network access) is built with the `fetch` feature.

pub mod bytes;
pub mod checks;
pub mod clock;
pub mod compose;
pub mod dcap;
pub mod deployment;
pub mod error;
pub mod evidence;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod json;
pub mod limits;
pub mod provenance;
pub mod reference;
pub mod reference_init;
pub mod report;
pub mod signature;
pub mod tdx;
pub mod views;
pub mod workload;
pub mod x509;

use sha2::{Digest, Sha256};

use crate::clock::EvalTime;
use crate::dcap::roots::TrustAnchor;
use crate::error::Error;
use crate::evidence::{InputFile, Sources};
use crate::reference::Reference;
use crate::report::{InputRecord, Report, ToolInfo, TrustRoot, Verdict};

/// How to evaluate: the time, the TDX root to trust, and a collateral file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The evaluation time (the CLI reads the clock once, or takes `--at`).
    pub at: EvalTime,
    /// `--tdx-root-ca`: an untrusted test root instead of the pinned Intel root.
    pub tdx_root: Option<InputFile>,
    /// `--collateral`: DCAP collateral (dcap-qvl `QuoteCollateralV3` JSON).
    pub collateral: Option<InputFile>,
    /// `--bundle`: Sigstore bundles (JSON or JSONL) for the launcher image.
    pub bundles: Vec<InputFile>,
    /// `--trusted-root`: Sigstore trusted roots replacing the embedded ones.
    pub trusted_roots: Vec<InputFile>,
    /// `--workload-repo`: a local clone of the workload repository.
    pub workload_repo: Option<std::path::PathBuf>,
}

impl Settings {
    pub fn at(at: EvalTime) -> Self {
        Settings {
            at,
            tdx_root: None,
            collateral: None,
            bundles: Vec::new(),
            trusted_roots: Vec::new(),
            workload_repo: None,
        }
    }
}

/// Trust material and side inputs read from `Settings`, shared by `verify` and
/// `reference init`.
pub struct Prepared {
    pub anchor: TrustAnchor,
    pub collateral: Option<(serde_json::Value, evidence::Origin)>,
    pub roots: provenance::TrustRoots,
    pub bundles: Vec<provenance::BundleInput>,
}

/// Loads the TDX root, the collateral, the Sigstore roots and the bundles.
pub fn prepare(settings: &Settings) -> Result<Prepared, Error> {
    let anchor = match &settings.tdx_root {
        None => TrustAnchor::intel().map_err(|e| e.in_input("the embedded Intel SGX Root CA"))?,
        Some(f) => TrustAnchor::untrusted_test_root(&f.bytes, &f.name).map_err(|e| e.in_input(&f.name))?,
    };
    let collateral = match &settings.collateral {
        None => None,
        Some(f) => {
            let value = evidence::parse_json(&f.bytes).map_err(|e| e.in_input(&f.name))?;
            Some((value, evidence::Origin { input: f.name.clone(), field: String::new() }))
        }
    };
    let roots = if settings.trusted_roots.is_empty() {
        provenance::TrustRoots::embedded().map_err(|e| e.in_input("the embedded Sigstore trusted roots"))?
    } else {
        let files: Vec<(String, Vec<u8>)> =
            settings.trusted_roots.iter().map(|f| (f.name.clone(), f.bytes.clone())).collect();
        provenance::TrustRoots::from_files(&files)?
    };
    let mut bundles = Vec::new();
    for f in &settings.bundles {
        bundles.extend(provenance::split_bundles(&f.name, &f.bytes)?);
    }
    Ok(Prepared { anchor, collateral, roots, bundles })
}

/// Reads the evidence, parses and replays it, and runs DCAP.
pub fn observe_and_authenticate(
    sources: &Sources,
    prepared: &Prepared,
    at: EvalTime,
) -> Result<(checks::Observed, checks::DcapObservation), Error> {
    let evidence = evidence::load(sources)?;
    let mut observed = checks::observe(evidence)?;
    if prepared.collateral.is_some() && observed.collateral.is_some() {
        observed.notes.push("the --collateral file is used instead of the collateral inside the attestation".into());
    }
    let dcap = checks::authenticate(&observed, &prepared.anchor, prepared.collateral.clone(), at);
    Ok((observed, dcap))
}

/// Runs the three checks on the given sources and returns the report.
pub fn verify(
    sources: &Sources,
    reference: &Reference,
    reference_file: Option<&InputFile>,
    settings: &Settings,
) -> Result<Report, Error> {
    let prepared = prepare(settings)?;
    let (observed, dcap) = observe_and_authenticate(sources, &prepared, settings.at)?;
    let shape = observed.shape.describe().to_string();
    let Prepared { anchor, roots, bundles, .. } = &prepared;
    let signatures = signature::verify_all(
        &signature::SignatureInputs { bundles },
        &signature::SignatureTrust { sigstore: roots },
        settings.at,
    );
    let outcome = checks::run(
        &observed,
        &dcap,
        reference,
        &signatures,
        checks::workload::WorkloadInputs { repo: settings.workload_repo.as_deref() },
    );
    let mut inputs: Vec<InputRecord> = [
        ("attestation", &sources.attestation),
        ("quote", &sources.quote),
        ("event-log", &sources.event_log),
        ("app-compose", &sources.app_compose),
        ("collateral", &settings.collateral),
        ("tdx-root-ca", &settings.tdx_root),
    ]
    .into_iter()
    .filter_map(|(role, f)| f.as_ref().map(|f| input_record(role, f)))
    .chain(settings.bundles.iter().map(|f| input_record("bundle", f)))
    .chain(settings.trusted_roots.iter().map(|f| input_record("sigstore-trusted-root", f)))
    .collect();
    if let Some(f) = reference_file {
        inputs.push(input_record("reference", f));
    }
    Ok(Report {
        schema: report::SCHEMA,
        tool: ToolInfo::current(),
        verdict: Verdict::of(&outcome.checks),
        evaluated_at: settings.at.to_string(),
        checks: outcome.checks,
        facts: outcome.facts,
        claims: outcome.claims,
        inputs,
        evidence_shape: shape,
        trust_roots: std::iter::once(TrustRoot {
            kind: "tdx-root-ca",
            name: dcap.root_subject.clone(),
            sha256: hex::encode(dcap.root_sha256),
            untrusted_test_root: anchor.is_test_root(),
        })
        .chain(roots.describe().into_iter().map(|r| TrustRoot {
            kind: "sigstore-trusted-root",
            name: format!("{} ({})", r.name, r.kind),
            sha256: r.sha256,
            untrusted_test_root: false,
        }))
        .collect(),
        provenance: outcome.provenance.as_ref().and_then(|s| s.sigstore_statement()).map(report::provenance_summary),
        dcap: report::dcap_summary(&dcap),
        notes: observed.notes.clone(),
    })
}

/// Records an input's name, size and SHA-256.
pub fn input_record(role: &'static str, f: &InputFile) -> InputRecord {
    InputRecord { role, path: f.name.clone(), sha256: hex::encode(Sha256::digest(&f.bytes)), bytes: f.bytes.len() }
}
