//! Documentation stays in step with the code. Every finding code is a `FindingCode` variant, and a
//! unit test (`src/finding_code.rs`) holds the enum and docs/finding-codes.md identical row for row;
//! here, every finding the synthetic deployments produce has an outcome its code is documented with.

use std::path::Path;
use std::process::Command;

use dstack_audit::report::FindingCode;
use dstack_audit::report::{Outcome, Severity};

/// Every synthetic deployment with an `args` file, run through the binary as `--format json`.
fn reports() -> Vec<(String, serde_json::Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/synthetic");
    let mut dirs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "args") {
                dirs.push(dir.clone());
            }
        }
    }
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let args = std::fs::read_to_string(dir.join("args")).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
                .arg("verify")
                .args(args.split_whitespace())
                .args(["--format", "json"])
                .current_dir(&dir)
                .output()
                .unwrap();
            let name = dir.display().to_string();
            let report = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{name}: no JSON report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
            (name, report)
        })
        .collect()
}

fn outcome(text: &str) -> Outcome {
    match text {
        "pass" => Outcome::Pass,
        "fail" => Outcome::Fail,
        "not-checked" => Outcome::NotChecked,
        "note" => Outcome::Note,
        other => panic!("unknown outcome {other}"),
    }
}

fn severity(text: &str) -> Severity {
    match text {
        "info" => Severity::Info,
        "warning" => Severity::Warning,
        "error" => Severity::Error,
        other => panic!("unknown severity {other}"),
    }
}

#[test]
fn every_finding_has_an_outcome_its_code_is_documented_with() {
    let reports = reports();
    assert!(reports.len() >= 40, "expected the synthetic deployments, found {}", reports.len());
    let mut seen = 0;
    for (name, report) in &reports {
        for check in report["checks"].as_array().unwrap() {
            for f in check["findings"].as_array().unwrap() {
                let text = f["code"].as_str().unwrap();
                let code = FindingCode::parse(text).unwrap_or_else(|| panic!("{name}: {text} is no FindingCode"));
                let (o, s) = (outcome(f["outcome"].as_str().unwrap()), severity(f["severity"].as_str().unwrap()));
                assert!(
                    code.documented().allows(o, s),
                    "{name}: {text} is {o:?}/{s:?}, documented as {}",
                    code.documented().as_doc()
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 500, "only {seen} findings seen");
}
