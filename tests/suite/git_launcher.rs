//! All three checks end to end on the synthetic git-launcher deployment
//! (fixtures/synthetic/git-launcher, TEST root): the `args` file gives PASS, each generated
//! variant fails (or leaves not checked) exactly the check its `expected.json` names, with the
//! expected finding code, and `--workload-repo` finds the pinned commit in a local clone made
//! by scripts/example-workload-repo.sh.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::json::{check, codes};

const BASE: &str = "fixtures/synthetic/git-launcher";
const VARIANTS: &str = "fixtures/synthetic/git-launcher-variants";
const COMMIT: &str = "1d6918c65fc08f781f61f47255e91702f05278b3";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `verify $(cat args) EXTRA --format json` inside `dir`; a `--reference` in EXTRA
/// replaces the one in `args`.
fn verify_in(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let text = std::fs::read_to_string(dir.join("args")).unwrap();
    let mut args: Vec<&str> = text.split_whitespace().collect();
    if let Some(i) = extra.iter().position(|a| *a == "--reference") {
        let at = args.iter().position(|a| *a == "--reference").unwrap();
        args[at + 1] = extra[i + 1];
    }
    let extra: Vec<&str> = extra
        .iter()
        .enumerate()
        .filter(|(i, a)| **a != "--reference" && (*i == 0 || extra[i - 1] != "--reference"))
        .map(|(_, a)| *a)
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .args(args)
        .args(extra)
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
fn the_example_deployment_passes_all_three_checks() {
    let (code, r) = verify_in(&root().join(BASE), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["verdict"], "pass");
    for id in ["attestation", "launcher", "workload"] {
        assert_eq!(check(&r, id)["status"], "pass", "{id}: {:#}", check(&r, id));
    }
    assert_eq!(r["facts"]["workload_commit"], COMMIT);
    let w = check(&r, "workload");
    assert!(codes(w, "pass").contains(&"launcher-config-attested".to_string()));
    assert!(codes(w, "pass").contains(&"workload-matches-reference".to_string()));
    assert!(w["summary"].as_str().unwrap().contains(COMMIT));
}

#[test]
fn every_variant_fails_exactly_the_check_it_names() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join(VARIANTS)).unwrap() {
        let dir = entry.unwrap().path();
        let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
        let (code, r) = verify_in(&dir, &[]);
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(code, i32::try_from(expected["exit"].as_i64().unwrap()).unwrap(), "{name}: {r:#}");
        for id in ["attestation", "launcher", "workload"] {
            assert_eq!(check(&r, id)["status"], expected["statuses"][id], "{name}: {id}: {:#}", check(&r, id));
        }
        let decisive = check(&r, expected["check"].as_str().unwrap());
        let outcome = if expected["exit"] == 3 { "not-checked" } else { "fail" };
        let found = codes(decisive, outcome);
        assert!(found.iter().any(|c| c == expected["code"].as_str().unwrap()), "{name}: {found:?}");
        seen += 1;
    }
    assert!(seen >= 11, "only {seen} variants");
}

fn example_repo(name: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("dstack-audit-example-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new("bash").arg(root().join("scripts/example-workload-repo.sh")).arg(&dir).output().ok()?;
    if !out.status.success() {
        eprintln!("skipped: git is not usable here: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), COMMIT, "the example repository's commit id changed");
    Some(dir)
}

#[test]
fn workload_repo_finds_the_pinned_commit_and_script() {
    let Some(repo) = example_repo("ok") else { return };
    let (code, r) = verify_in(&root().join(BASE), &["--workload-repo", repo.to_str().unwrap()]);
    assert_eq!(code, 0, "{r:#}");
    let w = check(&r, "workload");
    let verified = w["findings"].as_array().unwrap().iter().find(|f| f["code"] == "workload-repo-verified").unwrap();
    let blob = Command::new("git")
        .args(["-C", repo.to_str().unwrap(), "rev-parse", &format!("{COMMIT}:entrypoint.sh")])
        .output()
        .unwrap();
    let blob = String::from_utf8_lossy(&blob.stdout).trim().to_string();
    assert!(verified["message"].as_str().unwrap().contains(&blob), "{verified:#}");
    assert!(codes(w, "note").is_empty() || !codes(w, "note").contains(&"workload-repo-remote-differs".to_string()));
    std::fs::remove_dir_all(&repo).unwrap();
}

#[test]
fn workload_repo_without_the_commit_fails() {
    let Some(repo) = example_repo("other") else { return };
    // Rewrite history so the pinned commit is gone: a new root commit with another script.
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["checkout", "-q", "--orphan", "other"]);
    std::fs::write(repo.join("entrypoint.sh"), "#!/bin/sh\necho not the pinned workload\n").unwrap();
    git(&["commit", "-q", "-am", "another history"]);
    git(&["branch", "-q", "-D", "main"]);
    git(&["reflog", "expire", "--expire=now", "--all"]);
    git(&["gc", "-q", "--prune=now"]);
    let (code, r) = verify_in(&root().join(BASE), &["--workload-repo", repo.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(check(&r, "workload")["status"], "fail");
    assert!(codes(check(&r, "workload"), "fail").contains(&"workload-commit-absent".to_string()));
    std::fs::remove_dir_all(&repo).unwrap();
}

#[test]
fn a_wrong_reference_commit_fails_only_the_workload_check() {
    // The same attestation, with the reference's commit changed by one hex digit.
    let dir = root().join(BASE);
    let mut reference: Value = serde_json::from_slice(&std::fs::read(dir.join("reference.json")).unwrap()).unwrap();
    let flipped = format!("0{}", &COMMIT[1..]);
    reference["workload"]["commit_sha"] = Value::String(flipped.clone());
    let tmp = std::env::temp_dir().join(format!("dstack-audit-ref-{}.json", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(&reference).unwrap()).unwrap();
    let (code, r) = verify_in(&dir, &["--reference", tmp.to_str().unwrap()]);
    std::fs::remove_file(&tmp).unwrap();
    assert_eq!(code, 1);
    let w = check(&r, "workload");
    let f = w["findings"].as_array().unwrap().iter().find(|f| f["code"] == "workload-commit-mismatch").unwrap();
    assert_eq!(f["expected"], flipped);
    assert_eq!(f["actual"], COMMIT);
}

#[test]
fn inspect_shows_the_launcher_config_and_where_it_comes_from() {
    let run = |rel: &str| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
            .args(["inspect", rel, "--format", "json"])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["app_compose"]["launcher_config"].clone()
    };
    let ok = run(&format!("{BASE}/attestation.json"));
    assert_eq!(ok["config"]["commit_sha"], COMMIT);
    assert_eq!(ok["source"], "configs.launcher-config.content (inline)");
    let host = run(&format!("{VARIANTS}/config-from-host/attestation.json"));
    assert!(host["source"].as_str().unwrap().starts_with("the host (not attested)"), "{host}");
    assert!(host.get("config").is_none());
    let short = run(&format!("{VARIANTS}/short-sha/attestation.json"));
    assert!(short["problem"].as_str().unwrap().contains("a full 40- or 64-hex commit id"), "{short}");
}

#[test]
fn a_workload_repo_that_is_not_a_directory_cannot_be_evaluated() {
    let args = std::fs::read_to_string(root().join(BASE).join("args")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .args(args.split_whitespace())
        .args(["--workload-repo", "no-such-directory"])
        .current_dir(root().join(BASE))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-directory"));
}
