//! `verify` end to end on the synthetic dstack deployment (fixtures/synthetic/deployments/
//! opa-launcher, TEST root): a genuine quote measures an app-compose whose launcher is GitHub's
//! OPA-provider image, and the image's real GitHub bundle proves its build. Check 2 passes only
//! when the bundle, the pinned digest and the policy all agree.

use crate::common;

use crate::common::run_cli;
use serde_json::Value;

const DIR: &str = "fixtures/synthetic/deployments/opa-launcher";
const BUNDLE: &str =
    "fixtures/sigstore/github-artifact-attestations-opa-provider/ghcr.io_github_artifact-attestations-opa-provider.sigstore.json";
const ROOT: &str = "fixtures/synthetic/test-root-ca.pem";

fn verify(reference: &str, extra: &[&str]) -> (i32, Value) {
    let att = format!("{DIR}/attestation.json");
    let col = format!("{DIR}/collateral.json");
    let mut args = vec![
        "verify",
        &att,
        "--collateral",
        &col,
        "--reference",
        reference,
        "--at",
        "2026-01-15T00:00:00Z",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = run_cli(&args);
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

fn status(r: &Value, i: usize) -> &str {
    r["checks"][i]["status"].as_str().unwrap()
}

fn codes(r: &Value, i: usize) -> Vec<String> {
    r["checks"][i]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn attestation_and_launcher_pass_together() {
    let reference = format!("{DIR}/reference.json");
    let (code, r) = verify(&reference, &["--tdx-root-ca", ROOT, "--bundle", BUNDLE]);
    assert_eq!(code, 3, "no `images` allow-list: the pinned workload images are not compared");
    assert_eq!(status(&r, 0), "pass", "{:?}", codes(&r, 0));
    assert_eq!(status(&r, 1), "pass", "{:?}", codes(&r, 1));
    assert_eq!(r["facts"]["launcher_image"], "ghcr.io/github/artifact-attestations-opa-provider@sha256:d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813");
    assert_eq!(r["provenance"]["source_commit"], "f492e8cf01446c41f376aa07656dc4266f154739");
    assert_eq!(r["trust_roots"][0]["untrusted_test_root"], true);
}

#[test]
fn check_2_needs_the_bundle_the_digest_and_the_policy() {
    let reference = format!("{DIR}/reference.json");
    // No bundle: not checked.
    let (code, r) = verify(&reference, &["--tdx-root-ca", ROOT]);
    assert_eq!((code, status(&r, 1)), (3, "not-checked"));
    assert!(codes(&r, 1).contains(&"launcher-bundle-missing".to_string()));
    // Another repository in the policy: fails.
    let mut v: Value = serde_json::from_slice(
        &std::fs::read(common::fixture("synthetic/deployments/opa-launcher/reference.json")).unwrap(),
    )
    .unwrap();
    v["launcher"]["provenance"]["repository"] = Value::String("https://github.com/github/other".into());
    let path = std::env::temp_dir().join(format!("dstack-audit-deploy-ref-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, r) = verify(path.to_str().unwrap(), &["--tdx-root-ca", ROOT, "--bundle", BUNDLE]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!((code, status(&r, 1)), (1, "fail"));
    assert!(codes(&r, 1).contains(&"repository-mismatch".to_string()));
    // A bundle for another artifact: its subject is not the launcher's digest.
    let (code, r) = verify(
        &reference,
        &["--tdx-root-ca", ROOT, "--bundle", "fixtures/sigstore/cli-cli/sigstore-js-2.1.0-bundle.json"],
    );
    assert_eq!((code, status(&r, 1)), (1, "fail"), "{:?}", codes(&r, 1));
    // Without the test root the quote is not genuine, so the compose file is not attested.
    let (code, r) = verify(&reference, &["--bundle", BUNDLE]);
    assert_eq!((code, status(&r, 0), status(&r, 1)), (1, "fail", "not-checked"));
    assert!(codes(&r, 1).contains(&"compose-not-attested".to_string()));
}
