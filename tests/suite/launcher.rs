//! Check 2 on an attested compose file whose launcher is GitHub's OPA-provider image: it passes
//! only when the bundle, the pinned digest and the reference policy all agree. (The compose file is
//! given as attested; the attestation itself is exercised by the other suites.)

use crate::common::fixture;
use dstack_audit::checks::launcher::{check, AppSettings, AttestedCompose};
use dstack_audit::clock::EvalTime;
use dstack_audit::compose::docker_compose::parse_compose;
use dstack_audit::provenance::{split_bundles, BundleInput, TrustRoots};
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{CheckResult, Outcome, Status};
use dstack_audit::signature::{verify_all, SignatureInputs, SignatureTrust};
use serde_json::json;

const IMAGE: &str = "ghcr.io/github/artifact-attestations-opa-provider";
const DIGEST: &str = "d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813";
const BUNDLE: &str = "sigstore/github-artifact-attestations-opa-provider/ghcr.io_github_artifact-attestations-opa-provider.sigstore.json";

fn compose(image: &str) -> AttestedCompose {
    let yaml = format!(
        "services:\n  launcher:\n    image: {image}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n"
    );
    AttestedCompose::attested(
        parse_compose(&yaml).unwrap(),
        "test compose".into(),
        AppSettings { runner: Some("docker-compose".into()), ..AppSettings::default() },
    )
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
    let roots = TrustRoots::embedded().unwrap();
    let at = EvalTime::from_unix(1_800_000_000).unwrap();
    let signatures = verify_all(&SignatureInputs { bundles: b }, &SignatureTrust { sigstore: &roots }, at);
    check(c, r, &signatures).0
}

fn fails(r: &CheckResult) -> Vec<&'static str> {
    r.findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code.as_str()).collect()
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

// --- `launcher.signers`: the general form of the launcher section ---

const OPA_REPO: &str = "https://github.com/github/artifact-attestations-opa-provider";
const OPA_WORKFLOW: &str = "https://github.com/github/artifact-attestations-opa-provider/.github/workflows/docker.yaml";

/// A reference whose launcher section lists `signers` instead of the v1 `provenance`.
fn with_signers(signers: serde_json::Value) -> Result<Reference, String> {
    let r = json!({
        "schema": "dstack-audit/reference/v1",
        "launcher": {"image": IMAGE, "signers": signers}
    });
    parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").map_err(|e| e.to_string())
}

fn opa_signer() -> serde_json::Value {
    json!({"sigstore": {"repository": OPA_REPO, "signer_workflow": OPA_WORKFLOW, "source_ref": ["refs/pull/*/merge"]}})
}

#[test]
fn a_listed_sigstore_signer_passes_like_the_v1_section() {
    let good = compose(&format!("{IMAGE}@sha256:{DIGEST}"));
    let r = run(&good, &with_signers(json!([opa_signer()])).unwrap(), &bundles());
    assert_eq!(r.status, Status::Pass, "{:?}", r.findings);
    let v1 = run(&good, &reference(|_| {}), &bundles());
    assert_eq!(r.findings, v1.findings, "the same signer in either form gives the same findings");
    // An exact identity (the certificate's SAN) with the issuer names the same signer.
    let san = format!("{OPA_WORKFLOW}@refs/pull/31/merge");
    let by_san = json!([{"sigstore": {"identity": san, "source_ref": ["refs/pull/*/merge"]}}]);
    let r = run(&good, &with_signers(by_san).unwrap(), &bundles());
    assert_eq!(r.status, Status::Pass, "{:?}", r.findings);
    // Any one acceptable signer is enough: a non-matching one before it does not matter.
    let other = json!({"sigstore": {"repository": "https://github.com/github/other"}});
    let r = run(&good, &with_signers(json!([other, opa_signer()])).unwrap(), &bundles());
    assert_eq!(r.status, Status::Pass, "{:?}", r.findings);
}

#[test]
fn a_signer_that_does_not_match_fails_check_2() {
    let good = compose(&format!("{IMAGE}@sha256:{DIGEST}"));
    let other = json!({"sigstore": {"repository": "https://github.com/github/other"}});
    let r = run(&good, &with_signers(json!([other])).unwrap(), &bundles());
    assert_eq!(fails(&r), vec!["repository-mismatch"]);
    // Two signers, neither matching: one failure each, naming the reference entry.
    let wrong_san = json!({"sigstore": {"identity": format!("{OPA_WORKFLOW}@refs/heads/main")}});
    let r = run(&good, &with_signers(json!([other, wrong_san])).unwrap(), &bundles());
    assert_eq!(fails(&r), vec!["repository-mismatch", "identity-mismatch"]);
    assert!(r.findings.iter().any(|f| f.message.contains("launcher.signers[1].sigstore")), "{:?}", r.findings);
    // Another issuer with the right identity is another signer.
    let issuer = json!({"sigstore": {"identity": format!("{OPA_WORKFLOW}@refs/pull/31/merge"), "issuer": "https://accounts.google.com"}});
    assert_eq!(fails(&run(&good, &with_signers(json!([issuer])).unwrap(), &bundles())), vec!["issuer-mismatch"]);
    // The right signer for another digest is no evidence for this one.
    let other_digest = compose(&format!("{IMAGE}@sha256:{}", "11".repeat(32)));
    let r = run(&other_digest, &with_signers(json!([opa_signer()])).unwrap(), &bundles());
    assert_eq!(fails(&r), vec!["subject-digest-mismatch"]);
}

#[test]
fn signer_lists_the_build_cannot_check_are_refused() {
    for kind in ["gpg", "key", "notary"] {
        let err = with_signers(json!([{kind: {"fingerprint": "00"}}])).unwrap_err();
        assert!(err.contains(&format!("signer kind `{kind}` is not supported yet")), "{err}");
    }
    let err = with_signers(json!([{"cosign-legacy": {}}])).unwrap_err();
    assert!(err.contains("unknown signer kind `cosign-legacy`"), "{err}");
    let err = with_signers(json!([])).unwrap_err();
    assert!(err.contains("at least one signer"), "{err}");
    let err = with_signers(json!([{"sigstore": {"repository": OPA_REPO}, "gpg": {}}])).unwrap_err();
    assert!(err.contains("one signer kind per entry"), "{err}");
    let err = with_signers(json!([{"sigstore": {"repository": OPA_REPO, "repo": "x"}}])).unwrap_err();
    assert!(err.contains("repo"), "{err}");
    // A signer that names nobody would accept any workflow anywhere.
    let err =
        with_signers(json!([{"sigstore": {"issuer": "https://token.actions.githubusercontent.com"}}])).unwrap_err();
    assert!(err.contains("launcher.signers[0].sigstore") && err.contains("names no signer"), "{err}");
    let err = with_signers(json!([{"sigstore": {"identity": "x", "signer_workflow": OPA_WORKFLOW}}])).unwrap_err();
    assert!(err.contains("contradict"), "{err}");
    // Both forms at once are ambiguous.
    let r = json!({
        "schema": "dstack-audit/reference/v1",
        "launcher": {"image": IMAGE, "provenance": {"repository": OPA_REPO}, "signers": [opa_signer()]}
    });
    let err = parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap_err().to_string();
    assert!(err.contains("found both"), "{err}");
}

#[test]
fn verified_signatures_carry_digest_signer_time_and_root() {
    use dstack_audit::provenance::GITHUB_ROOT_SHA256;
    use dstack_audit::signature::{Signer, SigningTime};
    let roots = TrustRoots::embedded().unwrap();
    let at = EvalTime::from_unix(1_800_000_000).unwrap();
    let all = verify_all(&SignatureInputs { bundles: &bundles() }, &SignatureTrust { sigstore: &roots }, at);
    let [Ok(s)] = all.results() else { panic!("{:?}", all.results()) };
    assert_eq!(s.format().as_str(), "sigstore-bundle");
    assert_eq!(s.covers().len(), 1);
    assert_eq!(s.covers()[0].digest().to_string(), format!("sha256:{DIGEST}"));
    assert_eq!(s.covers()[0].name(), Some(IMAGE));
    let Signer::Fulcio(id) = s.signer();
    assert_eq!(id.repository(), Some(OPA_REPO));
    assert_eq!(id.issuer(), Some("https://token.actions.githubusercontent.com"));
    assert_eq!(s.time(), &SigningTime::Verified { unix: 1_746_605_110 });
    assert_eq!((s.trust().kind(), s.trust().sha256()), ("github", GITHUB_ROOT_SHA256));
    // One changed byte in the DSSE signature: rejected with its code, nothing verified. (The
    // bundle's RFC 3161 timestamp covers the signature bytes, so it is the first check to fail.)
    let mut v: serde_json::Value = serde_json::from_slice(&bundles()[0].text).unwrap();
    let sig = v["dsseEnvelope"]["signatures"][0]["sig"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if sig.starts_with('M') { "N" } else { "M" }, &sig[1..]);
    v["dsseEnvelope"]["signatures"][0]["sig"] = json!(flipped);
    let edited = [BundleInput { source: "edited".into(), text: serde_json::to_vec(&v).unwrap() }];
    let all = verify_all(&SignatureInputs { bundles: &edited }, &SignatureTrust { sigstore: &roots }, at);
    let [Err(rejected)] = all.results() else { panic!("{:?}", all.results()) };
    assert_eq!((rejected.source(), rejected.code().as_str()), ("edited", "timestamp-invalid"));
    let r = run(&compose(&format!("{IMAGE}@sha256:{DIGEST}")), &reference(|_| {}), &edited);
    assert_eq!(fails(&r), vec!["timestamp-invalid"]);
}

/// Through the binary: the synthetic deployment's reference rewritten to the `signers` form.
#[test]
fn verify_reads_the_signers_form_and_refuses_unknown_kinds() {
    let dir = std::env::temp_dir().join(format!("dstack-audit-signers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gl = "fixtures/synthetic/git-launcher";
    let base: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("synthetic/git-launcher/reference.json")).unwrap()).unwrap();
    let verify = |name: &str, signers: serde_json::Value| {
        let mut r = base.clone();
        r["launcher"].as_object_mut().unwrap().remove("provenance");
        r["launcher"]["signers"] = signers;
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
        let path = path.display().to_string();
        let out = crate::common::run_cli(&[
            "verify",
            &format!("{gl}/attestation.json"),
            "--reference",
            &path,
            "--collateral",
            &format!("{gl}/collateral.json"),
            "--tdx-root-ca",
            &format!("{gl}/test-root-ca.pem"),
            "--bundle",
            &format!("{gl}/bundle.sigstore.json"),
            "--at",
            "2026-01-15T00:00:00Z",
        ]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = verify("pass.json", json!([opa_signer()]));
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout, _) =
        verify("mismatch.json", json!([{"sigstore": {"repository": "https://github.com/github/other"}}]));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("repository-mismatch"), "{stdout}");
    let (code, _, stderr) = verify("gpg.json", json!([{"gpg": {"fingerprint": "00"}}]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("signer kind `gpg` is not supported yet"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
