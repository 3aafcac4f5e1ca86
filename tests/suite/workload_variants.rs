//! The check-3 deployments of fixtures/synthetic/workload-model-variants end to end (TEST root,
//! so check 1 passes): each gives the exit code and check statuses its `expected.json` names,
//! and the decisive check holds the expected finding code. Among them, the git-launcher
//! README's own composes: the recommended one (inline config, checkout volume) is not checked
//! until the reference accepts the persistent checkout; the host-mounted one fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::json::{check, codes};

const VARIANTS: &str = "fixtures/synthetic/workload-model-variants";

fn verify_in(dir: &Path) -> (i32, Value) {
    let text = std::fs::read_to_string(dir.join("args")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .args(text.split_whitespace())
        .args(["--format", "json"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

#[test]
fn every_model_variant_gives_its_expected_result() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VARIANTS);
    let mut seen = 0;
    for entry in std::fs::read_dir(root).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
        let (code, r) = verify_in(&dir);
        assert_eq!(code, i32::try_from(expected["exit"].as_i64().unwrap()).unwrap(), "{name}: {r:#}");
        for id in ["attestation", "launcher", "workload"] {
            assert_eq!(check(&r, id)["status"], expected["statuses"][id], "{name}: {id}: {:#}", check(&r, id));
        }
        let want = expected["code"].as_str().unwrap();
        if !want.is_empty() {
            let outcome = if expected["exit"] == 3 { "not-checked" } else { "fail" };
            let found = codes(check(&r, expected["check"].as_str().unwrap()), outcome);
            assert!(found.iter().any(|c| c == want), "{name}: {found:?}");
        }
        seen += 1;
    }
    assert!(seen >= 18, "only {seen} variants");
}

#[test]
fn the_accepted_persistent_checkout_passes_with_its_warning_shown() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VARIANTS).join("readme-inline-config-accepted");
    let (code, r) = verify_in(&dir);
    assert_eq!(code, 0, "{r:#}");
    let w = check(&r, "workload");
    let warned = w["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "workload-persistent-checkout" && f["message"].as_str().unwrap().contains("accepts"));
    assert!(warned, "{w:#}");
}
