//! The sigstore-conformance bundle-verify suite (fixtures/sigstore/sigstore-conformance, all 70
//! case folders of sigstore/sigstore-conformance `test/assets/bundle-verify` at a73de497), run the
//! way its harness runs a client (`test/test_bundle.py::test_verify`; fixtures/sigstore/SOURCES.md):
//! every case twice, with the artifact path and with `sha256:<digest>`; `_fail` cases must be
//! rejected, all others verified. Per case: `trusted_root.json` else the public-good root;
//! `identity`/`issuer` else the conformance beacon identity; `key.pub` → managed key.
//!
//! The library API is used for speed; some cases also go through the `provenance` command line
//! (the binary).

use std::path::{Path, PathBuf};
use std::process::Command;

use dstack_audit::provenance::{
    split_bundles, verify_provenance, Artifact, PredicateRule, ProvenancePolicy, TrustRoots,
};
use sha2::{Digest, Sha256};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sigstore/sigstore-conformance")
}

fn public_good_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sigstore/sigstore-python/trusted_root.json")
}

struct Case {
    name: String,
    dir: PathBuf,
    must_fail: bool,
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(suite())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            Case { must_fail: name.ends_with("_fail"), name, dir }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

impl Case {
    fn root_path(&self) -> PathBuf {
        let own = self.dir.join("trusted_root.json");
        if own.exists() {
            own
        } else {
            public_good_root()
        }
    }

    fn artifact_path(&self) -> PathBuf {
        let own = self.dir.join("artifact");
        if own.exists() {
            own
        } else {
            suite().join("a.txt")
        }
    }

    fn policy(&self) -> ProvenancePolicy {
        let key = std::fs::read(self.dir.join("key.pub")).ok();
        let identity = match key {
            Some(_) => None,
            None => Some((
                read_trimmed(&self.dir.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.into()),
                read_trimmed(&self.dir.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.into()),
            )),
        };
        ProvenancePolicy { identity, key, predicate: PredicateRule::Any, ..ProvenancePolicy::default() }
    }

    /// Ok(source of the accepted bundle) or Err(why it was rejected, with the code).
    fn run(&self, by_digest: bool) -> Result<String, String> {
        let root_path = self.root_path();
        let roots = TrustRoots::from_files(&[(root_path.display().to_string(), std::fs::read(&root_path).unwrap())])
            .map_err(|e| format!("unusable trusted root (exit 2): {e}"))?;
        let bytes = std::fs::read(self.artifact_path()).unwrap();
        let artifact = if by_digest { Artifact::Sha256(Sha256::digest(&bytes).into()) } else { Artifact::Bytes(bytes) };
        let bundle_path = self.dir.join("bundle.sigstore.json");
        let bundles = split_bundles(&bundle_path.display().to_string(), &std::fs::read(&bundle_path).unwrap())
            .map_err(|e| format!("unusable bundle file (exit 2): {e}"))?;
        let policy = self.policy();
        policy.validate().map_err(|e| format!("unusable policy (exit 2): {e}"))?;
        let outcome = verify_provenance(&bundles, &artifact, &roots, &policy);
        match outcome.accepted() {
            Some(s) => Ok(s.source().to_string()),
            None => Err(outcome
                .attempts
                .iter()
                .map(|(_, r)| r.as_ref().err().map(|e| format!("[{}] {e}", e.code())).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }
}

#[test]
fn every_conformance_case_with_path_and_digest() {
    let cases = cases();
    assert_eq!(cases.len(), 70, "the suite at a73de497 has 70 case folders");
    let mut wrong = Vec::new();
    let (mut verified, mut rejected) = (0, 0);
    for case in &cases {
        for by_digest in [false, true] {
            let mode = if by_digest { "DIGEST" } else { "PATH" };
            let result = case.run(by_digest);
            match (&result, case.must_fail) {
                (Ok(_), false) => verified += 1,
                (Err(_), true) => rejected += 1,
                (Ok(src), true) => wrong.push(format!("{mode}-{}: must be rejected, was verified ({src})", case.name)),
                (Err(why), false) => wrong.push(format!("{mode}-{}: must verify, was rejected: {why}", case.name)),
            }
        }
    }
    eprintln!("conformance: {verified} verified as expected, {rejected} rejected as expected, {} wrong", wrong.len());
    assert!(
        wrong.is_empty(),
        "{} of {} runs disagree with the suite:\n{}",
        wrong.len(),
        cases.len() * 2,
        wrong.join("\n")
    );
    assert_eq!(verified, 42);
    assert_eq!(rejected, 98);
}

/// Why each `_fail` case is rejected (the first failing step's code; `unusable-input` is exit 2:
/// a file that is not JSON, a trusted root or key that cannot be used). Rejections must come from
/// verification, never from our policy: the conformance policy is only the exact identity.
const FAIL_CODES: &[(&str, &str)] = &[
    ("bundle-empty-certificate-chain_fail", "verification-material-mismatch"),
    ("bundle-from-wrong-instance_fail", "tlog-invalid"),
    ("bundle-invalid-base64-signature_fail", "bundle-malformed"),
    ("bundle-malformed-json_fail", "unusable-input"),
    ("bundle-negative-log-index_fail", "bundle-malformed"),
    ("bundle-unknown-version_fail", "bundle-malformed"),
    ("bundle-with-root-cert_fail", "bundle-malformed"),
    ("checkpoint-bad-keyhint_fail", "tlog-invalid"),
    ("checkpoint-wrong-roothash_fail", "bundle-malformed"),
    ("dsse-invalid-sig_fail", "signature-invalid"),
    ("dsse-mismatch-envelope_fail", "tlog-invalid"),
    ("dsse-mismatch-sig_fail", "tlog-invalid"),
    ("inclusion-proof-corrupted-hash_fail", "tlog-invalid"),
    ("incorrect-public-key_fail", "tlog-invalid"),
    ("integrated-time-in-future_fail", "certificate-invalid"),
    ("intoto-expired-certificate_fail", "certificate-invalid"),
    ("intoto-log-entry-mismatch_fail", "tlog-invalid"),
    ("intoto-missing-inclusion-proof_fail", "bundle-malformed"),
    ("intoto-set-outside-signing-cert-validity_fail", "certificate-invalid"),
    ("intoto-tsa-timestamp-outside-cert-validity_fail", "certificate-invalid"),
    ("invalid-checkpoint-signature_fail", "tlog-invalid"),
    ("invalid-ct-key_fail", "sct-invalid"),
    ("invalid-inclusion-proof_fail", "bundle-malformed"),
    ("managed-key-no-key_fail", "verification-material-mismatch"),
    ("managed-key-wrong-key_fail", "unusable-input"),
    ("message-digest-mismatch_fail", "subject-digest-mismatch"),
    ("rekor2-checkpoint-missing-log-signature_fail", "bundle-malformed"),
    ("rekor2-checkpoint-missing-origin_fail", "bundle-malformed"),
    ("rekor2-checkpoint-missing-root-hash_fail", "bundle-malformed"),
    ("rekor2-checkpoint-missing-size_fail", "bundle-malformed"),
    ("rekor2-checkpoint-no-matching-signature_fail", "tlog-invalid"),
    ("rekor2-dsse-invalid-sig_fail", "signature-invalid"),
    ("rekor2-dsse-mismatch-envelope_fail", "subject-digest-mismatch"),
    ("rekor2-dsse-mismatch-sig_fail", "tlog-invalid"),
    ("rekor2-no-inclusion-proof_fail", "bundle-malformed"),
    ("rekor2-no-timestamp_fail", "timestamp-invalid"),
    ("rekor2-timestamp-outside-trust-root-tsa-validity_fail", "timestamp-invalid"),
    ("rekor2-timestamp-outside-tsa-cert-validity_fail", "timestamp-invalid"),
    ("rekor2-timestamp-payload-mismatch_fail", "timestamp-invalid"),
    ("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", "timestamp-invalid"),
    ("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", "timestamp-invalid"),
    ("rekor2-timestamp-with-incorrect-time_fail", "bundle-malformed"),
    ("set-invalid-signature_fail", "tlog-invalid"),
    ("signature-mismatch_fail", "signature-invalid"),
    ("trust-root-tlog-missing-validity-start_fail", "unusable-input"),
    ("wrong-hashedrekord-artifact_fail", "subject-digest-mismatch"),
    ("wrong-hashedrekord-cert-and-sig_fail", "tlog-invalid"),
    ("wrong-hashedrekord-entry_fail", "subject-digest-mismatch"),
    ("wrong-material_fail", "subject-digest-mismatch"),
];

#[test]
fn fail_cases_are_rejected_for_the_expected_reason() {
    let fails: Vec<Case> = cases().into_iter().filter(|c| c.must_fail).collect();
    assert_eq!(fails.len(), FAIL_CODES.len());
    let mut wrong = Vec::new();
    for case in &fails {
        let (_, want) = FAIL_CODES.iter().find(|(n, _)| *n == case.name).expect("every _fail case has a code");
        for by_digest in [false, true] {
            let why = case.run(by_digest).unwrap_err();
            let ok =
                if *want == "unusable-input" { why.contains("(exit 2)") } else { why.contains(&format!("[{want}]")) };
            if !ok {
                wrong.push(format!(
                    "{} ({}): expected [{want}], got {why}",
                    case.name,
                    if by_digest { "DIGEST" } else { "PATH" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The conformance protocol's arguments, as a thin wrapper maps them (docs/provenance.md):
/// `verify-bundle --bundle B --certificate-identity I --certificate-oidc-issuer U [--trusted-root R] ARTIFACT`
/// becomes `provenance --any-predicate` followed by the same arguments.
fn protocol_args(case: &Case, digest: bool) -> Vec<String> {
    let mut v = vec!["provenance".to_string(), "--any-predicate".into()];
    v.extend(["--bundle".into(), case.dir.join("bundle.sigstore.json").display().to_string()]);
    let policy = case.policy();
    if let Some((san, issuer)) = policy.identity {
        v.extend(["--certificate-identity".into(), san, "--certificate-oidc-issuer".into(), issuer]);
    } else {
        v.extend(["--key".into(), case.dir.join("key.pub").display().to_string()]);
    }
    if case.dir.join("trusted_root.json").exists() {
        v.extend(["--trusted-root".into(), case.dir.join("trusted_root.json").display().to_string()]);
    } else {
        v.extend(["--trusted-root".into(), public_good_root().display().to_string()]);
    }
    let artifact = case.artifact_path();
    v.push(if digest {
        format!("sha256:{}", hex::encode(Sha256::digest(std::fs::read(&artifact).unwrap())))
    } else {
        artifact.display().to_string()
    });
    v
}

fn case(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap()
}

#[test]
fn the_command_follows_the_protocol_through_its_argument_parser() {
    for (name, digest, want) in [
        ("happy-path-v0.3", false, 0u8),
        ("rekor2-dsse-happy-path", true, 0),
        ("managed-key-happy-path", false, 0),
        ("dsse-mismatch-sig_fail", false, 1),
        ("checkpoint-wrong-roothash_fail", true, 1),
    ] {
        let argv = protocol_args(&case(name), digest);
        let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit")).args(&argv).output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(i32::from(want)), "{name}: {stdout}{stderr}");
    }
}

/// The binary itself, on one case that must verify and one that must be rejected.
#[test]
fn the_binary_exits_zero_on_verified_and_non_zero_on_rejected() {
    let bin = env!("CARGO_BIN_EXE_dstack-audit");
    for (name, ok) in [("happy-path-intoto-in-dsse-v3", true), ("dsse-invalid-sig_fail", false)] {
        let out = Command::new(bin).args(protocol_args(&case(name), false)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("unrecognized subcommand"),
            "the `provenance` subcommand is not wired into the command line: {stderr}"
        );
        assert_eq!(out.status.success(), ok, "{name}: {}{stderr}", String::from_utf8_lossy(&out.stdout));
        if !ok {
            assert_eq!(out.status.code(), Some(1), "{name}: rejected is exit 1");
        }
    }
}
