//! dstack-audit: an offline verifier for dstack (Intel TDX) attestations.
//!
//! Layers (docs/architecture.md): `evidence` reads input shapes into canonical evidence;
//! `tdx` and `compose` parse and replay without policy; `checks` appraise observed facts
//! against the `reference`; `report` holds the result as data and renders it. `cli` is a thin
//! shell around `verify`.

pub mod bytes;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod compose;
pub mod error;
pub mod evidence;
pub mod limits;
pub mod reference;
pub mod report;
pub mod tdx;
pub mod views;

use sha2::{Digest, Sha256};

use crate::clock::EvalTime;
use crate::error::Error;
use crate::evidence::{InputFile, Sources};
use crate::reference::Reference;
use crate::report::{InputRecord, Report, ToolInfo, Verdict};

/// Runs the three checks on the given sources and returns the report.
pub fn verify(
    sources: &Sources,
    reference: &Reference,
    reference_file: Option<&InputFile>,
    at: EvalTime,
) -> Result<Report, Error> {
    let evidence = evidence::load(sources)?;
    let shape = evidence.shape.describe().to_string();
    let observed = checks::observe(evidence)?;
    let outcome = checks::run(&observed, reference);
    let mut inputs: Vec<InputRecord> = [
        ("attestation", &sources.attestation),
        ("quote", &sources.quote),
        ("event-log", &sources.event_log),
        ("app-compose", &sources.app_compose),
    ]
    .into_iter()
    .filter_map(|(role, f)| f.as_ref().map(|f| input_record(role, f)))
    .collect();
    if let Some(f) = reference_file {
        inputs.push(input_record("reference", f));
    }
    Ok(Report {
        schema: report::SCHEMA,
        tool: ToolInfo::current(),
        verdict: Verdict::of(&outcome.checks),
        evaluated_at: at.to_string(),
        checks: outcome.checks,
        facts: outcome.facts,
        claims: outcome.claims,
        inputs,
        evidence_shape: shape,
        trust_roots: Vec::new(),
        notes: observed.notes.clone(),
    })
}

/// Records an input's name, size and SHA-256.
pub fn input_record(role: &'static str, f: &InputFile) -> InputRecord {
    InputRecord { role, path: f.name.clone(), sha256: hex::encode(Sha256::digest(&f.bytes)), bytes: f.bytes.len() }
}
