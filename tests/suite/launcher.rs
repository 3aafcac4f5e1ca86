//! Check 2 on an attested compose file whose launcher is GitHub's OPA-provider image: it passes
//! only when the bundle, the pinned digest and the reference policy all agree. (The compose file is
//! given as attested; the attestation itself is exercised by the other suites.)

use crate::common::fixture;
use dstack_audit::checks::launcher::{check, AppSettings, AttestedCompose};
use dstack_audit::compose::docker_compose::parse_compose;
use dstack_audit::provenance::{split_bundles, BundleInput, TrustRoots};
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{CheckResult, Outcome, Status};
use serde_json::json;

const IMAGE: &str = "ghcr.io/github/artifact-attestations-opa-provider";
const DIGEST: &str = "d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813";
const BUNDLE: &str = "sigstore/github-artifact-attestations-opa-provider/ghcr.io_github_artifact-attestations-opa-provider.sigstore.json";

fn compose(image: &str) -> AttestedCompose {
    let yaml = format!(
        "services:\n  launcher:\n    image: {image}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n"
    );
    AttestedCompose::Attested {
        compose: parse_compose(&yaml).unwrap(),
        source: "test compose".into(),
        app: AppSettings { runner: Some("docker-compose".into()), ..AppSettings::default() },
    }
}

fn reference(edit: impl FnOnce(&mut serde_json::Value)) -> Reference {
    let mut r = json!({
        "schema": "dstack-audit/reference/v1",
        "launcher": {
            "image": IMAGE,
            "provenance": {
                "repository": "https://github.com/github/artifact-attestations-opa-provider",
                "signer_workflow": "https://github.com/github/artifact-attestations-opa-provider/.github/workflows/docker.yaml",
                "source_ref": ["refs/pull/*/merge"]
            }
        }
    });
    edit(&mut r);
    parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap()
}

fn bundles() -> Vec<BundleInput> {
    split_bundles(BUNDLE, &std::fs::read(fixture(BUNDLE)).unwrap()).unwrap()
}

fn run(c: &AttestedCompose, r: &Reference, b: &[BundleInput]) -> CheckResult {
    check(c, r, b, &TrustRoots::embedded().unwrap()).0
}

fn fails(r: &CheckResult) -> Vec<&'static str> {
    r.findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code).collect()
}

#[test]
fn bundle_digest_and_policy_agree() {
    let r = run(&compose(&format!("{IMAGE}@sha256:{DIGEST}")), &reference(|_| {}), &bundles());
    assert_eq!(r.status, Status::Pass, "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "launcher-provenance-verified"));
    assert!(r.summary.contains("docker.yaml"), "{}", r.summary);
}

#[test]
fn any_disagreement_fails_or_is_not_checked() {
    let good = compose(&format!("{IMAGE}@sha256:{DIGEST}"));
    // another digest: the bundle's subject does not match
    let other = compose(&format!("{IMAGE}@sha256:{}", "11".repeat(32)));
    assert_eq!(fails(&run(&other, &reference(|_| {}), &bundles())), vec!["subject-digest-mismatch"]);
    // a tag is not a pin
    assert_eq!(
        fails(&run(&compose(&format!("{IMAGE}:v1")), &reference(|_| {}), &bundles())),
        vec!["launcher-not-pinned"]
    );
    // the default ref policy rejects refs/pull/*
    let r = reference(|r| {
        r["launcher"]["provenance"].as_object_mut().unwrap().remove("source_ref");
    });
    assert_eq!(fails(&run(&good, &r, &bundles())), vec!["source-ref-rejected"]);
    // another repository
    let r = reference(|r| r["launcher"]["provenance"]["repository"] = json!("https://github.com/github/other"));
    assert_eq!(fails(&run(&good, &r, &bundles())), vec!["repository-mismatch"]);
    // another image in the reference: no launcher service
    let r = reference(|r| r["launcher"]["image"] = json!("ghcr.io/org/git-launcher"));
    assert_eq!(fails(&run(&good, &r, &bundles())), vec!["launcher-service-missing"]);
    // no bundle: not checked (verdict INCOMPLETE, never PASS)
    assert_eq!(run(&good, &reference(|_| {}), &[]).status, Status::NotChecked);
    // no launcher section / not attested: not checked
    assert_eq!(run(&good, &Reference::none(), &bundles()).status, Status::NotChecked);
    let r = run(&AttestedCompose::NotAttested("test".into()), &reference(|_| {}), &bundles());
    assert_eq!(r.status, Status::NotChecked);
}
