//! Shared helpers for integration tests: fixture paths, running the pipeline and the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub(crate) mod dcap;
pub(crate) mod http;
pub(crate) mod json;
pub(crate) mod tdx;
pub(crate) mod workload;

use std::path::PathBuf;
use std::process::{Command, Output};

use dstack_audit::clock::{parse_rfc3339, EvalTime};
use dstack_audit::evidence::{InputFile, Sources};
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{Finding, Outcome, Report};

/// The repository root (the tests' working directory).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

pub(crate) fn input(rel: &str) -> InputFile {
    let path = fixture(rel);
    InputFile {
        name: format!("fixtures/{rel}"),
        bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")),
    }
}

pub(crate) fn bytes_input(name: &str, bytes: Vec<u8>) -> InputFile {
    InputFile { name: name.into(), bytes }
}

pub(crate) fn at() -> EvalTime {
    parse_rfc3339("2026-09-01T00:00:00Z", "at").unwrap()
}

pub(crate) fn settings() -> dstack_audit::Settings {
    dstack_audit::Settings::at(at())
}

pub(crate) fn attestation(rel: &str) -> Sources {
    Sources { attestation: Some(input(rel)), ..Sources::default() }
}

pub(crate) fn verify(sources: &Sources) -> Report {
    dstack_audit::verify(sources, &Reference::none(), None, &settings()).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn verify_with(sources: &Sources, reference_rel: &str) -> Report {
    let r = input(reference_rel);
    let reference = parse_reference(&r.bytes, &r.name).unwrap();
    dstack_audit::verify(sources, &reference, Some(&r), &settings()).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn verify_ref(sources: &Sources, reference: &Reference) -> Report {
    dstack_audit::verify(sources, reference, None, &settings()).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn codes(r: &Report, outcome: Outcome) -> Vec<&'static str> {
    r.checks.iter().flat_map(|c| &c.findings).filter(|f| f.outcome == outcome).map(|f| f.code.as_str()).collect()
}

pub(crate) fn has(r: &Report, code: &str, outcome: Outcome) -> bool {
    codes(r, outcome).contains(&code)
}

pub(crate) fn finding<'a>(r: &'a Report, code: &str) -> &'a Finding {
    r.checks.iter().flat_map(|c| &c.findings).find(|f| f.code == code).unwrap_or_else(|| panic!("no finding {code}"))
}

pub(crate) fn run_cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub(crate) fn expected() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture("expected.json")).unwrap()).unwrap()
}
