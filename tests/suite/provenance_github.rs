//! Real GitHub artifact attestations (fixtures/sigstore/SOURCES.md): public-good file attestations,
//! the GitHub private-instance OCI image bundle, the npm sha512 / intoto bundle, JSONL with two
//! bundles. Each passes one policy and fails, with a stated code, every policy change that must
//! fail it (issuer, repository, workflow, ref, digest, wrong root, …).

use std::path::Path;

use dstack_audit::provenance::{
    split_bundles, verify_provenance, Artifact, BundleInput, PredicateRule, ProvenancePolicy, TrustRoots,
    VerifiedStatement,
};
use serde_json::Value;

const S: &str = "fixtures/sigstore";
const GH_ISSUER: &str = "https://token.actions.githubusercontent.com";

const OPA: &str =
    "github-artifact-attestations-opa-provider/ghcr.io_github_artifact-attestations-opa-provider.sigstore.json";
const OPA_REPO: &str = "https://github.com/github/artifact-attestations-opa-provider";
const OPA_DIGEST: &str = "sha256:d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813";
const OPA_WORKFLOW: &str = "https://github.com/github/artifact-attestations-opa-provider/.github/workflows/docker.yaml";

const CUSTOM: &str = "cli-cli/custom-issuer.sigstore.json";
const CUSTOM_ISSUER: &str = "https://token.actions.githubusercontent.com/hammer-time";
const CUSTOM_REPO: &str = "https://github.com/too-legit/attest";
const CUSTOM_WORKFLOW: &str = "https://github.com/too-legit/attest/.github/workflows/integration.yml";

const REUSABLE: &str = "cli-cli/reusable-workflow-attestation.sigstore.json";
const REUSABLE_DIGEST: &str = "sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";

const NPM: &str = "cli-cli/sigstore-js-2.1.0-bundle.json";
const NPM_DIGEST: &str = "sha512:90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f";

const DEMO: &str = "cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl";
const DEMO_DIGEST: &str = "sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";

fn path(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(S).join(rel).display().to_string()
}

fn bundles(rel: &str) -> Vec<BundleInput> {
    split_bundles(rel, &std::fs::read(path(rel)).unwrap()).unwrap()
}

fn digest(text: &str) -> Artifact {
    Artifact::parse_digest(text).unwrap().unwrap()
}

fn embedded() -> TrustRoots {
    TrustRoots::embedded().unwrap()
}

fn only(rel: &str) -> TrustRoots {
    TrustRoots::from_files(&[(rel.to_string(), std::fs::read(path(rel)).unwrap())]).unwrap()
}

fn public_good_only() -> TrustRoots {
    only("sigstore-python/trusted_root.json")
}

fn github_only() -> TrustRoots {
    only("sigstore-rust/trusted_root_github.json")
}

fn repo_policy(issuer: &str, repo: &str) -> ProvenancePolicy {
    ProvenancePolicy { issuer: issuer.into(), repository: Some(repo.into()), ..ProvenancePolicy::default() }
}

/// The accepted statement and the warnings, or the code of the (last) rejection.
fn check(
    b: &[BundleInput],
    a: &Artifact,
    roots: &TrustRoots,
    p: &ProvenancePolicy,
) -> Result<(VerifiedStatement, Vec<String>), String> {
    p.validate().unwrap();
    let out = verify_provenance(b, a, roots, p);
    match out.accepted() {
        Some(s) => Ok((s.clone(), out.warnings.clone())),
        None => {
            let (_, last) = out.attempts.last().unwrap();
            let e = last.as_ref().unwrap_err();
            // Every error names what was expected.
            assert!(e.to_string().contains("expected"), "{e}");
            Err(e.code().to_string())
        }
    }
}

fn rejected(b: &[BundleInput], a: &Artifact, roots: &TrustRoots, p: &ProvenancePolicy) -> String {
    match check(b, a, roots, p) {
        Ok((s, _)) => panic!("accepted {} but must be rejected", s.source()),
        Err(code) => code,
    }
}

fn opa_policy() -> ProvenancePolicy {
    ProvenancePolicy {
        repository: Some(OPA_REPO.into()),
        signer_workflow: Some(OPA_WORKFLOW.into()),
        source_refs: vec!["refs/pull/*/merge".into()],
        source_commit: Some("f492e8cf01446c41f376aa07656dc4266f154739".into()),
        ..ProvenancePolicy::default()
    }
}

#[test]
fn opa_image_bundle_verifies_on_githubs_instance_and_reports_its_facts() {
    let (s, warnings) = check(&bundles(OPA), &digest(OPA_DIGEST), &embedded(), &opa_policy()).unwrap();
    assert_eq!(s.repository(), Some(OPA_REPO));
    assert_eq!(s.workflow(), Some(&*format!("{OPA_WORKFLOW}@refs/pull/31/merge")));
    assert_eq!(s.san(), s.workflow());
    assert_eq!(s.source_ref(), Some("refs/pull/31/merge"));
    assert_eq!(s.source_commit(), Some("f492e8cf01446c41f376aa07656dc4266f154739"));
    assert_eq!(s.run_url(), Some(&*format!("{OPA_REPO}/actions/runs/14878267127/attempts/1")));
    assert_eq!(s.runner(), Some("github-hosted"));
    assert_eq!(s.trigger(), Some("pull_request"));
    assert_eq!(s.visibility(), Some("private"));
    assert_eq!(s.signing_time_text(), "2025-05-07T08:05:10Z");
    assert_eq!(s.signing_time(), 1_746_605_110);
    assert_eq!(s.issuer(), Some(GH_ISSUER));
    assert_eq!(s.root(), "embedded GitHub root");
    assert_eq!(s.root_kind(), "github");
    assert_eq!(s.log(), "rfc3161 only (no transparency log)");
    assert!(!s.tlog_verified() && !s.sct_verified());
    assert_eq!(s.bundle_version(), "v0.3");
    assert_eq!(s.predicate_type(), Some("https://slsa.dev/provenance/v1"));
    assert_eq!(s.subject_name(), Some("ghcr.io/github/artifact-attestations-opa-provider"));
    assert_eq!(s.subject_digests(), vec![OPA_DIGEST.to_string()]);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn opa_image_bundle_fails_every_policy_change_that_must_fail_it() {
    let b = bundles(OPA);
    let a = digest(OPA_DIGEST);
    let roots = embedded();
    let with = |f: &dyn Fn(&mut ProvenancePolicy)| {
        let mut p = opa_policy();
        f(&mut p);
        rejected(&b, &a, &roots, &p)
    };
    // Built from a pull-request ref: rejected unless a glob starting with refs/pull/ allows it.
    assert_eq!(with(&|p| p.source_refs.clear()), "source-ref-rejected");
    assert_eq!(with(&|p| p.source_refs = vec!["refs/*/*/merge".into()]), "source-ref-rejected");
    assert_eq!(with(&|p| p.source_refs = vec!["refs/heads/main".into(), "refs/tags/*".into()]), "source-ref-rejected");
    assert_eq!(with(&|p| p.issuer = CUSTOM_ISSUER.into()), "issuer-mismatch");
    assert_eq!(
        with(&|p| p.repository = Some("https://github.com/github/artifact-attestations".into())),
        "repository-mismatch"
    );
    // Exact comparisons: no case folding.
    assert_eq!(
        with(&|p| p.repository = Some("https://github.com/GitHub/artifact-attestations-opa-provider".into())),
        "repository-mismatch"
    );
    assert_eq!(
        with(&|p| p.signer_workflow = Some(format!("{OPA_REPO}/.github/workflows/release.yaml"))),
        "signer-workflow-mismatch"
    );
    assert_eq!(
        with(&|p| p.signer_workflow = Some(format!("{OPA_WORKFLOW}@refs/heads/main"))),
        "signer-workflow-mismatch"
    );
    // A prefix of the workflow path is not the workflow.
    assert_eq!(
        with(&|p| p.signer_workflow = Some(OPA_WORKFLOW.trim_end_matches(".yaml").into())),
        "signer-workflow-mismatch"
    );
    assert_eq!(with(&|p| p.source_commit = Some("0".repeat(40))), "source-commit-mismatch");
    assert_eq!(with(&|p| p.repository_id = Some("1".into())), "repository-id-mismatch");
    assert_eq!(with(&|p| p.owner_id = Some("1".into())), "owner-id-mismatch");
    // The workflow with its exact ref passes.
    let mut p = opa_policy();
    p.signer_workflow = Some(format!("{OPA_WORKFLOW}@refs/pull/31/merge"));
    check(&b, &a, &roots, &p).unwrap();
    // Any other digest.
    let other = digest("sha256:d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21814");
    assert_eq!(rejected(&b, &other, &roots, &opa_policy()), "subject-digest-mismatch");
    // Wrong root: the public-good root has no Fulcio CA that issued this certificate.
    assert_eq!(rejected(&b, &a, &public_good_only(), &opa_policy()), "certificate-issuer-untrusted");
    // The GitHub root alone is enough.
    check(&b, &a, &github_only(), &opa_policy()).unwrap();
}

/// Edits a bundle's JSON (a test of the trust-domain rules on otherwise valid bundles).
fn edited(rel: &str, edit: impl Fn(&mut Value)) -> Vec<BundleInput> {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path(rel)).unwrap()).unwrap();
    edit(&mut v);
    vec![BundleInput { source: format!("{rel} (edited)"), text: serde_json::to_vec(&v).unwrap() }]
}

#[test]
fn trust_domains_require_a_timestamp_on_github_and_a_log_on_public_good() {
    // GitHub's instance: the RFC 3161 timestamp is the only verified time; without it, rejected.
    let b = edited(OPA, |v| {
        v["verificationMaterial"]["timestampVerificationData"] = serde_json::json!({});
    });
    assert_eq!(rejected(&b, &digest(OPA_DIGEST), &embedded(), &opa_policy()), "timestamp-missing");
    // Public-good: a bundle without its transparency-log entry is rejected, even though its
    // certificate chains (it would otherwise have no verified time either).
    let b = edited(CUSTOM, |v| {
        v["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
    });
    let a = Artifact::Bytes(b"hello-world".to_vec());
    assert_eq!(rejected(&b, &a, &embedded(), &custom_policy()), "tlog-entry-missing");
    // A tampered integrated time breaks the SET.
    let b = edited(CUSTOM, |v| {
        v["verificationMaterial"]["tlogEntries"][0]["integratedTime"] = Value::String("1726082344".into());
    });
    assert_eq!(rejected(&b, &a, &embedded(), &custom_policy()), "tlog-invalid");
}

fn custom_policy() -> ProvenancePolicy {
    ProvenancePolicy {
        signer_workflow: Some(CUSTOM_WORKFLOW.into()),
        source_refs: vec!["refs/heads/main".into()],
        ..repo_policy(CUSTOM_ISSUER, CUSTOM_REPO)
    }
}

#[test]
fn public_good_file_attestation_with_a_custom_issuer() {
    let b = bundles(CUSTOM);
    let file = Artifact::Bytes(std::fs::read(path("cli-cli/custom-issuer-artifact.txt")).unwrap());
    let by_digest = digest("sha256:afa27b44d43b02a9fea41d13cedc2e4016cfcf87c5dbf990e593669aa8ce286d");
    let roots = embedded();
    for a in [&file, &by_digest] {
        let (s, _) = check(&b, a, &roots, &custom_policy()).unwrap();
        assert_eq!(s.root_kind(), "sigstore-public-good");
        assert!(s.tlog_verified() && s.sct_verified());
        assert!(
            s.log().starts_with("rekor v1 dsse/0.0.1 (https://rekor.sigstore.dev, index 129601213)"),
            "{}",
            s.log()
        );
        assert_eq!(s.signing_time_text(), "2024-09-11T19:19:03Z");
        assert_eq!(s.source_commit(), Some("283bf967fa3c591925dd25e6a6e8e781542117bf"));
    }
    let with = |f: &dyn Fn(&mut ProvenancePolicy)| {
        let mut p = custom_policy();
        f(&mut p);
        rejected(&b, &file, &roots, &p)
    };
    // The default issuer is GitHub Actions' own; this certificate has a GHES-style custom issuer.
    assert_eq!(with(&|p| p.issuer = GH_ISSUER.into()), "issuer-mismatch");
    assert_eq!(with(&|p| p.repository = Some("https://github.com/too-legit/other".into())), "repository-mismatch");
    assert_eq!(with(&|p| p.repository = Some("https://github.com/Too-Legit/attest".into())), "repository-mismatch");
    assert_eq!(
        with(&|p| p.signer_workflow = Some("https://github.com/too-legit/attest/.github/workflows/release.yml".into())),
        "signer-workflow-mismatch"
    );
    assert_eq!(with(&|p| p.source_refs = vec!["refs/tags/*".into()]), "source-ref-rejected");
    assert_eq!(with(&|p| p.repository_id = Some("851894825".into())), "repository-id-mismatch");
    assert_eq!(with(&|p| p.owner_id = Some("180348047".into())), "owner-id-mismatch");
    let mut p = custom_policy();
    p.repository_id = Some("851894824".into());
    p.owner_id = Some("180348046".into());
    check(&b, &file, &roots, &p).unwrap();
    // Digest and root.
    let other = Artifact::Bytes(b"hello-world\n".to_vec());
    assert_eq!(rejected(&b, &other, &roots, &custom_policy()), "subject-digest-mismatch");
    assert_eq!(rejected(&b, &file, &github_only(), &custom_policy()), "certificate-issuer-untrusted");
    // The older public-good snapshot (gh's test root) verifies it too.
    check(&b, &file, &only("cli-cli/trusted_root.json"), &custom_policy()).unwrap();
}

#[test]
fn reusable_workflow_is_the_signer_not_the_callers_workflow() {
    let b = bundles(REUSABLE);
    let a = digest(REUSABLE_DIGEST);
    let roots = embedded();
    let signer = "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml";
    let p = ProvenancePolicy {
        signer_workflow: Some(signer.into()),
        ..repo_policy(GH_ISSUER, "https://github.com/malancas/attest-demo")
    };
    let (s, _) = check(&b, &a, &roots, &p).unwrap();
    assert_eq!(s.workflow(), Some(&*format!("{signer}@09b495c3f12c7881b3cc17209a327792065c1a1d")));
    assert_eq!(
        s.build_config(),
        Some("https://github.com/malancas/attest-demo/.github/workflows/shared.yml@refs/heads/main")
    );
    let caller = ProvenancePolicy {
        signer_workflow: Some("https://github.com/malancas/attest-demo/.github/workflows/shared.yml".into()),
        ..p.clone()
    };
    assert_eq!(rejected(&b, &a, &roots, &caller), "signer-workflow-mismatch");
    let identity = ProvenancePolicy {
        identity: Some((
            "https://github.com/malancas/attest-demo/.github/workflows/shared.yml@refs/heads/main".into(),
            GH_ISSUER.into(),
        )),
        ..ProvenancePolicy::default()
    };
    assert_eq!(rejected(&b, &a, &roots, &identity), "identity-mismatch");
}

#[test]
fn npm_bundle_with_an_intoto_entry_and_a_sha512_subject() {
    let b = bundles(NPM);
    let a = digest(NPM_DIGEST);
    let p = ProvenancePolicy {
        signer_workflow: Some("https://github.com/sigstore/sigstore-js/.github/workflows/release.yml".into()),
        ..repo_policy(GH_ISSUER, "https://github.com/sigstore/sigstore-js")
    };
    let (s, _) = check(&b, &a, &embedded(), &p).unwrap();
    assert!(s.log().starts_with("rekor v1 intoto/0.0.2 (https://rekor.sigstore.dev"), "{}", s.log());
    assert_eq!(s.subject_name(), Some("pkg:npm/sigstore@2.1.0"));
    assert_eq!(s.signing_time_text(), "2023-08-29T15:40:23Z");
    // The statement has only a sha512 subject: a sha256 digest cannot match it.
    let sha256 = digest("sha256:90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090e");
    assert_eq!(rejected(&b, &sha256, &embedded(), &p), "subject-digest-mismatch");
    let mut wrong = NPM_DIGEST.to_string();
    wrong.replace_range(wrong.len() - 1.., "e");
    assert_eq!(rejected(&b, &digest(&wrong), &embedded(), &p), "subject-digest-mismatch");
    assert_eq!(rejected(&b, &a, &github_only(), &p), "certificate-issuer-untrusted");
    assert_eq!(
        rejected(&b, &a, &embedded(), &repo_policy(GH_ISSUER, "https://github.com/sigstore/sigstore-go")),
        "repository-mismatch"
    );
    assert_eq!(
        rejected(&b, &a, &embedded(), &repo_policy(CUSTOM_ISSUER, "https://github.com/sigstore/sigstore-js")),
        "issuer-mismatch"
    );
    let tags = ProvenancePolicy { source_refs: vec!["refs/tags/*".into()], ..p.clone() };
    assert_eq!(rejected(&b, &a, &embedded(), &tags), "source-ref-rejected");
    // The same signature packed as a v0.1 bundle verifies, with a note that gh would refuse it.
    let (s, warnings) = check(&bundles("cli-cli/sigstore-js-2.1.0-bundle-v0.1.json"), &a, &embedded(), &p).unwrap();
    assert_eq!(s.bundle_version(), "v0.1");
    assert!(warnings.iter().any(|w| w.contains("v0.1")), "{warnings:?}");
}

#[test]
fn jsonl_with_two_bundles_and_several_bundle_files() {
    let b = bundles("cli-cli/sigstore-js-2.1.0_with_2_bundles.jsonl");
    assert_eq!(b.len(), 2);
    assert_eq!(b[1].source, "cli-cli/sigstore-js-2.1.0_with_2_bundles.jsonl line 2");
    let p = repo_policy(GH_ISSUER, "https://github.com/sigstore/sigstore-js");
    let out = verify_provenance(&b, &digest(NPM_DIGEST), &embedded(), &p);
    assert_eq!(out.attempts.len(), 1, "the first accepted bundle ends the search");
    assert_eq!(out.accepted().unwrap().source(), "cli-cli/sigstore-js-2.1.0_with_2_bundles.jsonl line 1");
    // Both lines verify on their own.
    for one in &b {
        check(std::slice::from_ref(one), &digest(NPM_DIGEST), &embedded(), &p).unwrap();
    }
    // Bundles for other artifacts first: they are rejected, the npm bundle is accepted, and the
    // outcome says which.
    let mut several = bundles(CUSTOM);
    several.extend(bundles(OPA));
    several.extend(b);
    let out = verify_provenance(&several, &digest(NPM_DIGEST), &embedded(), &p);
    assert_eq!(out.attempts.len(), 3);
    assert_eq!(out.attempts[0].1.as_ref().unwrap_err().code(), "subject-digest-mismatch");
    assert_eq!(out.attempts[1].1.as_ref().unwrap_err().code(), "subject-digest-mismatch");
    assert_eq!(out.accepted().unwrap().source(), "cli-cli/sigstore-js-2.1.0_with_2_bundles.jsonl line 1");
}

#[test]
fn private_repository_release_on_githubs_instance() {
    let b = bundles(DEMO);
    assert_eq!(b.len(), 1);
    let a = digest(DEMO_DIGEST);
    let p = ProvenancePolicy {
        signer_workflow: Some("https://github.com/actions/attest-demo/.github/workflows/build-python.yml".into()),
        ..repo_policy(GH_ISSUER, "https://github.com/actions/attest-demo")
    };
    let (s, _) = check(&b, &a, &embedded(), &p).unwrap();
    assert_eq!(s.root_kind(), "github");
    assert_eq!(s.signing_time_text(), "2024-04-22T17:33:26Z");
    assert_eq!(s.visibility(), Some("private"));
    assert_eq!(rejected(&b, &a, &public_good_only(), &p), "certificate-issuer-untrusted");
    assert_eq!(
        rejected(&b, &a, &embedded(), &repo_policy(GH_ISSUER, "https://github.com/actions/attest")),
        "repository-mismatch"
    );
}

#[test]
fn other_predicates_and_immutable_releases_are_not_build_provenance() {
    // conda publish attestation: verifies, but its predicate is not SLSA provenance v1.
    let b = bundles("sigstore-rust/conda-attestation.sigstore.json");
    let a = digest("sha256:54303491a8418fbed24344b513546182c29b43bf282ceb433af65e2299f9271f");
    let p = repo_policy(GH_ISSUER, "https://github.com/prefix-dev/sigstore-example");
    assert_eq!(rejected(&b, &a, &embedded(), &p), "predicate-type-mismatch");
    let any = ProvenancePolicy { predicate: PredicateRule::Any, ..p };
    let (s, _) = check(&b, &a, &embedded(), &any).unwrap();
    assert_eq!(s.predicate_type(), Some("https://schemas.conda.org/attestations-publish-1.schema.json"));
    // GitHub immutable-release attestation: a valid signature on GitHub's instance, but the
    // certificate carries no GitHub Actions claims at all.
    let b = bundles("sigstore-rust/github-private-attestation.sigstore.json");
    let a = digest("sha256:fabce7391876734f9574e5dd3a247b65ce507d234a6c75991b24c903b24c470d");
    let p = ProvenancePolicy {
        predicate: PredicateRule::Any,
        ..repo_policy(GH_ISSUER, "https://github.com/jdx/communique")
    };
    assert_eq!(rejected(&b, &a, &embedded(), &p), "certificate-claim-missing");
    let release = ProvenancePolicy {
        identity: Some(("https://dotcom.releases.github.com".into(), GH_ISSUER.into())),
        predicate: PredicateRule::Any,
        ..ProvenancePolicy::default()
    };
    assert_eq!(rejected(&b, &a, &embedded(), &release), "certificate-claim-missing");
}

#[test]
fn malformed_and_unsupported_bundles() {
    let a = digest(DEMO_DIGEST);
    let p = repo_policy(GH_ISSUER, "https://github.com/actions/attest-demo");
    for rel in [
        "cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle-missing-cert.jsonl",
        "cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle-missing-verification-material.jsonl",
    ] {
        assert_eq!(rejected(&bundles(rel), &a, &embedded(), &p), "bundle-malformed", "{rel}");
    }
    let p = ProvenancePolicy {
        predicate: PredicateRule::Any,
        ..repo_policy("https://github.com/login/oauth", "https://x")
    };
    let code = rejected(&bundles("cli-cli/sigstoreBundle-invalid-signature.json"), &a, &embedded(), &p);
    assert_eq!(code, "bundle-unsupported");
    // Not JSON at all: the file cannot be evaluated (exit 2), naming the line.
    let err = split_bundles("x.jsonl", b"{\"a\":1}\nnot json\n").unwrap_err().to_string();
    assert!(err.contains("x.jsonl") && err.contains("line 2"), "{err}");
}

/// Runs `dstack-audit provenance ARGS`: (stdout, exit code) when it could evaluate, the error
/// on standard error when it exits 2.
fn provenance(args: &[&str]) -> Result<(String, u8), String> {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_dstack-audit")).arg("provenance").args(args).output().unwrap();
    let code = u8::try_from(out.status.code().unwrap()).unwrap();
    if code == 2 {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok((String::from_utf8(out.stdout).unwrap(), code))
}

fn cli(args: &[&str]) -> (String, u8) {
    provenance(args).unwrap()
}

#[test]
fn the_command_on_the_oci_image_bundle() {
    let bundle = path(OPA);
    let image = format!("ghcr.io/github/artifact-attestations-opa-provider@{OPA_DIGEST}");
    let base = ["--bundle", &bundle, "--image", &image, "--repository", OPA_REPO, "--format", "json"];
    let (out, code) = cli(&[&base[..], &["--source-ref", "refs/pull/*/merge"]].concat());
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "dstack-audit/provenance/v1");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["statement"]["source_ref"], "refs/pull/31/merge");
    assert_eq!(v["statement"]["signing_time"], 1_746_605_110);
    assert_eq!(v["trust_roots"][1]["kind"], "github");
    // Default refs: rejected (exit 1) with the code and the expected/actual values.
    let (out, code) = cli(&base);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["attempts"][0]["code"], "source-ref-rejected");
    assert_eq!(v["attempts"][0]["actual"], "refs/pull/31/merge");
    // The table names the facts.
    let (out, code) = cli(&[&base[..6], &["--source-ref", "refs/pull/*/merge"]].concat());
    assert_eq!(code, 0, "{out}");
    for fact in ["VERIFIED", "refs/pull/31/merge", "f492e8cf01446c41f376aa07656dc4266f154739", "2025-05-07T08:05:10Z"] {
        assert!(out.contains(fact), "{fact} missing from:\n{out}");
    }
}

#[test]
fn the_command_refuses_unusable_input() {
    let bundle = path(OPA);
    let parse = provenance;
    // A tag is not a pin.
    let e = parse(&["--bundle", &bundle, "--image", "ghcr.io/x:latest", "--repository", OPA_REPO]).unwrap_err();
    assert!(e.to_string().contains("REPO@sha256"), "{e}");
    // No signer named.
    let e = parse(&["--bundle", &bundle, OPA_DIGEST]).unwrap_err();
    assert!(e.to_string().contains("names no signer"), "{e}");
    // Contradictory options.
    let e = parse(&[
        "--bundle",
        &bundle,
        "--identity",
        "https://github.com/o/r/.github/workflows/a.yml@refs/heads/main",
        "--signer-workflow",
        OPA_WORKFLOW,
        OPA_DIGEST,
    ])
    .unwrap_err();
    assert!(e.to_string().contains("contradict"), "{e}");
    // A short digest.
    let e = parse(&["--bundle", &bundle, "--repository", OPA_REPO, "sha256:d57f"]).unwrap_err();
    assert!(e.to_string().contains("64 hex digits"), "{e}");
}

/// Byte flips across two real bundles (one per trust domain): never a panic, and a flipped bundle
/// is accepted only when the flip left the signed content and its evidence intact, in which case
/// the facts are unchanged. Observed: 2 of 185 flips in the OPA bundle land in unsigned parts of
/// the RFC 3161 token (outside its signed TSTInfo and attributes), 1 of 380 in the
/// custom-issuer bundle renames an empty, unknown-to-serde `timestampVerificationData` key.
#[test]
fn byte_flips_never_panic_and_never_change_what_is_accepted() {
    let roots = embedded();
    for (rel, artifact, policy) in
        [(OPA, digest(OPA_DIGEST), opa_policy()), (CUSTOM, Artifact::Bytes(b"hello-world".to_vec()), custom_policy())]
    {
        let original = std::fs::read(path(rel)).unwrap();
        let (good, _) = check(&bundles(rel), &artifact, &roots, &policy).unwrap();
        let mut accepted = 0;
        for i in (0..original.len()).step_by(29) {
            let mut text = original.clone();
            text[i] ^= 0x01;
            let input = [BundleInput { source: rel.into(), text }];
            let out = std::panic::catch_unwind(|| verify_provenance(&input, &artifact, &roots, &policy))
                .unwrap_or_else(|_| panic!("{rel}: panic with byte {i} flipped"));
            if let Some(s) = out.accepted() {
                accepted += 1;
                assert_eq!(
                    (&s.san(), &s.source_commit(), s.signing_time()),
                    (&good.san(), &good.source_commit(), good.signing_time())
                );
            }
        }
        assert!(accepted < original.len() / 29 / 4, "{rel}: {accepted} flipped bundles accepted");
    }
}
