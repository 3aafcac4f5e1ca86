//! `reference init` writes a reference from verified values only, and `verify` with it on the
//! same inputs passes; it refuses evidence that does not verify.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BASE: &str = "fixtures/synthetic/git-launcher";

fn bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dstack-audit")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn base() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(BASE)
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dstack-audit-init-{name}-{}.json", std::process::id()))
}

const INIT: &[&str] = &[
    "reference",
    "init",
    "attestation.json",
    "--collateral",
    "collateral.json",
    "--tdx-root-ca",
    "test-root-ca.pem",
    "--bundle",
    "bundle.sigstore.json",
    "--at",
    "2026-01-15T00:00:00Z",
];

#[test]
fn init_then_verify_passes_on_the_same_inputs() {
    let out = bin(&base(), INIT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every value the committed reference expects, and where it came from.
    let committed: Value = serde_json::from_slice(&std::fs::read(base().join("reference.json")).unwrap()).unwrap();
    for section in ["tdx", "dstack", "workload"] {
        assert_eq!(written[section], committed[section], "{section}");
    }
    assert_eq!(written["launcher"]["image"], committed["launcher"]["image"]);
    assert_eq!(written["launcher"]["provenance"]["source_ref"], serde_json::json!(["refs/pull/31/merge"]));
    assert_eq!(written["launcher"]["provenance"]["repository_id"], "948471742");
    for key in ["tdx.mrtd", "dstack.compose_hash", "launcher.image", "launcher.provenance", "workload"] {
        assert!(written["sources"][key].is_string(), "sources.{key}");
    }
    // The TCB policy is the default, in Intel's spelling, and never lists Revoked.
    assert_eq!(written["tcb"], serde_json::json!({"allowed_statuses": ["UpToDate"], "allowed_advisories": []}));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("`verify` gives"), "{stderr}");

    let path = tmp("ok");
    std::fs::write(&path, &out.stdout).unwrap();
    let args = std::fs::read_to_string(base().join("args")).unwrap().replace("reference.json", path.to_str().unwrap());
    let mut v = vec!["verify"];
    v.extend(args.split_whitespace());
    let out = bin(&base(), &v);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn output_file_is_written() {
    let path = tmp("out");
    let mut args = INIT.to_vec();
    args.extend(["--output", path.to_str().unwrap()]);
    let out = bin(&base(), &args);
    assert!(out.status.success());
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written["schema"], "dstack-audit/reference/v1");
}

#[test]
fn init_refuses_a_quote_that_does_not_verify() {
    // Without the TEST root the quote's chain ends at an untrusted root.
    let args: Vec<&str> = INIT.iter().copied().filter(|a| *a != "--tdx-root-ca" && *a != "test-root-ca.pem").collect();
    let out = bin(&base(), &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the quote does not verify"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn init_leaves_out_a_workload_it_cannot_trust() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/synthetic/git-launcher-variants/config-from-host");
    let mut args = INIT.to_vec();
    for a in args.iter_mut() {
        if matches!(*a, "collateral.json" | "test-root-ca.pem" | "bundle.sigstore.json") {
            *a = Box::leak(format!("../../git-launcher/{a}").into_boxed_str());
        }
    }
    let out = bin(&dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(written.get("workload").is_none() && written.get("images").is_none(), "{written:#}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no workload or images section") && stderr.contains("supplied by the host"), "{stderr}");
    assert!(stderr.contains("`verify` gives FAIL for Workload pin"), "{stderr}");
}

#[test]
fn init_on_near_writes_no_images() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = bin(
        &root,
        &[
            "reference",
            "init",
            "fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json",
            "--at",
            "2026-09-01T00:00:00Z",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    // NEAR's launcher holds the Docker socket, so its images do not fix what runs (decision
    // 61): no `images` is written, and the warning says why.
    assert_eq!(written["images"], Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no workload or images section") && stderr.contains("docker.sock"), "{stderr}");
    // Without a bundle there is no launcher identity to write: check 2 stays not checked.
    assert!(stderr.contains("gives NOT CHECKED for Launcher provenance"), "{stderr}");
}

/// `reference init` on a synthetic image-pinned deployment in `workload-model-variants/`, then
/// `verify` with what it wrote.
fn init_and_verify(variant: &str) -> (Value, String, Output) {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/synthetic/workload-model-variants").join(variant);
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let mut init = vec!["reference", "init"];
    init.extend(args.split_whitespace().filter(|a| *a != "--reference" && *a != "reference.json"));
    let out = bin(&dir, &init);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = tmp(variant);
    std::fs::write(&path, &out.stdout).unwrap();
    let args = args.replace("reference.json", path.to_str().unwrap());
    let mut v = vec!["verify"];
    v.extend(args.split_whitespace());
    let verified = bin(&dir, &v);
    std::fs::remove_file(&path).unwrap();
    (written, String::from_utf8_lossy(&out.stderr).into_owned(), verified)
}

#[test]
fn init_on_an_image_pinned_deployment_lists_its_images() {
    let (written, _, verified) = init_and_verify("image-pinned");
    assert_eq!(
        written["images"],
        serde_json::json!([
            "ghcr.io/github/artifact-attestations-opa-provider@sha256:d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813"
        ])
    );
    assert_eq!(written["workload"], Value::Null);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
}

#[test]
fn init_pins_a_pre_launch_script_without_making_the_deployment_a_git_launcher_one() {
    let (written, stderr, verified) = init_and_verify("image-pre-launch-script-pinned");
    let sha = written["workload"]["pre_launch_script_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!(written["workload"].as_object().unwrap().len(), 1, "{written:#}");
    assert!(written["images"].is_array());
    assert!(written["sources"]["workload.pre_launch_script_sha256"].is_string());
    assert!(stderr.contains("read it"), "{stderr}");
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
}
