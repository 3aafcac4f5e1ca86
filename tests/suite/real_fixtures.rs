//! Every real dstack attestation in fixtures/, checked against the values recorded in
//! fixtures/expected.json (computed independently of this code by `scripts/expected.py`; `--check` runs in CI).

use crate::common::*;
use dstack_audit::evidence::Sources;
use dstack_audit::report::{Outcome, Verdict};
use serde_json::Value;

/// (key in expected.json, attestation, --quote, --event-log, --app-compose)
type Case = (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>);

const CASES: &[Case] = &[
    (
        "dstack/dstack-verifier-quote-report/quote-report.json",
        Some("dstack/dstack-verifier-quote-report/quote-report.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/dstack-examples-rtmr3-v0.4/report.json",
        Some("dstack/dstack-examples-rtmr3-v0.4/report.json"),
        None,
        None,
        Some("dstack/dstack-examples-rtmr3-v0.4/app-compose.json"),
    ),
    (
        "dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.json",
        Some("dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.c384a632.json",
        Some("dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.c384a632.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json",
        Some("dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/dstack-simulator-2025-04",
        None,
        Some("dstack/dstack-simulator-2025-04/quote.hex"),
        Some("dstack/dstack-simulator-2025-04/eventlog.json"),
        Some("dstack/dstack-simulator-2025-04/app-compose.json"),
    ),
    (
        "dstack/dstack-simulator-attestation-bin/attestation.bin",
        Some("dstack/dstack-simulator-attestation-bin/attestation.bin"),
        None,
        None,
        Some("dstack/dstack-simulator-attestation-bin/app-compose.json"),
    ),
    (
        "dstack/near-mpc-dstack-0.5.4/public_data.json",
        Some("dstack/near-mpc-dstack-0.5.4/public_data.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/near-mpc-dstack-dev-0.5.8/public_data.json",
        Some("dstack/near-mpc-dstack-dev-0.5.8/public_data.json"),
        None,
        None,
        None,
    ),
    (
        "dstack/tee-solver-phala-prod-0.3",
        Some("dstack/tee-solver-phala-prod-0.3/tcb_info.json"),
        Some("dstack/tee-solver-phala-prod-0.3/quote.hex"),
        None,
        None,
    ),
    (
        "dstack/tee-solver-phala-prod-0.5",
        Some("dstack/tee-solver-phala-prod-0.5/tcb_info.json"),
        Some("dstack/tee-solver-phala-prod-0.5/quote.hex"),
        None,
        None,
    ),
    (
        "phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json",
        Some("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json"),
        None,
        None,
        None,
    ),
];

fn sources(case: &Case) -> Sources {
    Sources {
        attestation: case.1.map(input),
        quote: case.2.map(input),
        event_log: case.3.map(input),
        app_compose: case.4.map(input),
        ..Sources::default()
    }
}

/// A time inside the window of the collateral a fixture embeds (NEAR 0.5.4's expired in
/// 2026-03); the others embed none, and their PCK certificates are valid then.
fn at_for(key: &str) -> &'static str {
    if key.starts_with("dstack/near-mpc-dstack-0.5.4") {
        "2026-03-01T00:00:00Z"
    } else {
        "2026-09-01T00:00:00Z"
    }
}

fn verify_at(sources: &Sources, at: &str) -> dstack_audit::report::Report {
    let settings = dstack_audit::Settings::at(dstack_audit::clock::parse_rfc3339(at, "at").unwrap());
    dstack_audit::verify(sources, &dstack_audit::reference::Reference::none(), None, &settings).unwrap()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

#[test]
fn every_real_attestation_gives_the_recorded_measurements() {
    let all = expected();
    for case in CASES {
        let key = case.0;
        let e = &all[key];
        assert!(e.is_object(), "{key} missing from expected.json");
        let r = verify_at(&sources(case), at_for(key));
        let f = &r.facts;
        for (name, got) in
            [("mr_td", &f.mr_td), ("rtmr0", &f.rtmr0), ("rtmr1", &f.rtmr1), ("rtmr2", &f.rtmr2), ("rtmr3", &f.rtmr3)]
        {
            assert_eq!(got.as_deref(), e[name].as_str(), "{key}: {name}");
        }
        assert_eq!(f.report_data.as_deref(), e["report_data"].as_str(), "{key}: report_data");

        // Replay: each register that the independent computation replayed must replay here too.
        let replay = &e["replay_per_rtmr"];
        let matches: Vec<&str> =
            r.checks[0].findings.iter().filter(|x| x.code == "rtmr-replay-match").map(|x| x.message.as_str()).collect();
        for i in 0..4 {
            let want = replay[format!("rtmr{i}")].as_bool().unwrap();
            let got = matches.iter().any(|m| m.starts_with(&format!("RTMR{i}:")));
            assert_eq!(got, want, "{key}: RTMR{i} replay");
        }

        // Runtime-event values are facts only when RTMR3 replays.
        assert!(e["rtmr3_replay_matches"].as_bool().unwrap(), "{key}: every real fixture replays RTMR3");
        assert_eq!(f.compose_hash, opt_str(&e["compose_hash_measured"]), "{key}: compose_hash");
        assert_eq!(f.app_id, opt_str(&e["app_id"]), "{key}: app_id");
        assert_eq!(f.os_image_hash, opt_str(&e["os_image_hash_measured"]), "{key}: os_image_hash");
        assert_eq!(f.instance_id, opt_str(&e["instance_id"]), "{key}: instance_id");
        match e["key_provider"].as_object() {
            Some(kp) => assert_eq!(
                f.key_provider.as_deref(),
                Some(format!("{} {}", kp["name"].as_str().unwrap(), kp["id"].as_str().unwrap()).as_str()),
                "{key}: key_provider"
            ),
            None => assert_eq!(f.key_provider, None, "{key}: key_provider"),
        }

        // Where the app-id comes from: dstack's default, or assigned (KMS / on-chain).
        let default = e["app_id_is_compose_prefix"].as_bool().unwrap();
        assert!(
            has(&r, if default { "app-id-default" } else { "app-id-assigned" }, Outcome::Note),
            "{key}: app-id origin"
        );

        // compose-hash over exact bytes: match, documented mismatch, or no document.
        match e["compose_hash_match"].as_bool() {
            Some(true) => assert!(has(&r, "compose-hash-match", Outcome::Pass), "{key}: compose-hash-match"),
            Some(false) => assert!(has(&r, "compose-hash-mismatch", Outcome::Fail), "{key}: compose-hash-mismatch"),
            None => assert!(has(&r, "app-compose-missing", Outcome::NotChecked), "{key}: app-compose-missing"),
        }

        // Every real quote is genuine: its PCK chain verifies to Intel's pinned root.
        assert!(has(&r, "quote-signature-chain-valid", Outcome::Pass), "{key}: {:?}", codes(&r, Outcome::Fail));
        // Launcher provenance and the workload pin are not checked in this version.
        assert_ne!(r.verdict, Verdict::Pass, "{key}");
    }
}

#[test]
fn consistent_fixtures_are_incomplete_and_documented_failures_fail() {
    let failing = [
        // pretty-printed app-compose: the CVM hashed the compact bytes
        "dstack/dstack-simulator-2025-04",
        // the simulator ships an unrelated app-compose
        "dstack/dstack-simulator-attestation-bin/attestation.bin",
        // hand-edited vm_config.os_image_hash contradicts the measured event
        "dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.json",
        "dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json",
        // their attested composes run images by tag (workload-image-not-pinned)
        "dstack/dstack-examples-rtmr3-v0.4/report.json",
        "phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json",
        // NEAR's launcher holds the Docker socket and starts the MPC node image itself
        // (workload-engine-access): the compose does not pin the code that runs
        "dstack/near-mpc-dstack-0.5.4/public_data.json",
        "dstack/near-mpc-dstack-dev-0.5.8/public_data.json",
    ];
    for case in CASES {
        let r = verify_at(&sources(case), at_for(case.0));
        let want = if failing.contains(&case.0) { Verdict::Fail } else { Verdict::Incomplete };
        assert_eq!(r.verdict, want, "{}: {:?}", case.0, codes(&r, Outcome::Fail));
    }
}

#[test]
fn stripped_tdx_lite_log_replays_from_recomputed_runtime_digests() {
    // GetQuote ≥0.5.6 strips runtime digests to "": RTMR3 must still replay.
    let text =
        std::fs::read_to_string(fixture("dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.c384a632.json")).unwrap();
    assert!(text.contains(r#"\"digest\":\"\""#), "the fixture is the stripped form");
    let r = verify(&attestation("dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.c384a632.json"));
    let rtmr3 = r.checks[0].findings.iter().find(|f| f.code == "rtmr-replay-match" && f.message.starts_with("RTMR3"));
    assert!(rtmr3.is_some());
    assert_eq!(r.facts.os_image_hash.as_deref().map(|h| &h[..8]), Some("07a2388c"));
}

#[test]
fn lite_versioned_attestation_does_not_claim_a_boot_replay() {
    let r = verify(&attestation("dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json"));
    assert!(has(&r, "rtmr-replay-partial-log", Outcome::Note));
    assert!(!has(&r, "rtmr-replay-mismatch", Outcome::Fail));
    // Its only failure is the hand-edited vm_config (see SOURCES.md).
    assert_eq!(codes(&r, Outcome::Fail), vec!["claim-contradicts-measurement"]);
}

#[test]
fn unmeasured_os_image_hash_is_shown_not_used() {
    // NEAR dev 0.5.8: tcb_info.os_image_hash is set but no os-image-hash event exists.
    let r = verify(&attestation("dstack/near-mpc-dstack-dev-0.5.8/public_data.json"));
    assert_eq!(r.facts.os_image_hash, None);
    let claim = r.claims.iter().find(|c| c.claim.name == "os_image_hash").unwrap();
    assert_eq!(claim.status, "not-measured");
    assert!(claim.claim.value.starts_with("7d47512f"));
    // The Phala prod 0.5 CVM measures it, and the claim agrees.
    let r = verify(&Sources {
        attestation: Some(input("dstack/tee-solver-phala-prod-0.5/tcb_info.json")),
        quote: Some(input("dstack/tee-solver-phala-prod-0.5/quote.hex")),
        ..Sources::default()
    });
    assert!(r.facts.os_image_hash.as_deref().unwrap().starts_with("2d24d302"));
    let claim = r.claims.iter().find(|c| c.claim.name == "os_image_hash").unwrap();
    assert_eq!(claim.status, "consistent");
}

#[test]
fn ratls_certificate_supplies_and_binds_the_quote() {
    let r = verify(&attestation("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json"));
    assert!(has(&r, "ratls-binding-match", Outcome::Pass));
    assert!(r.evidence_shape.contains("RA-TLS"));
    let raw = std::fs::read(fixture("phala/crabbox-phala-dstack-dev-0.5.9/real_tdx_quote.bin")).unwrap();
    let q = dstack_audit::tdx::quote::parse_quote(&raw).unwrap();
    assert_eq!(r.facts.rtmr3.as_deref(), Some(hex::encode(q.body.rtmr3).as_str()));
}

#[test]
fn bare_tcb_info_needs_a_quote() {
    let e = dstack_audit::verify(
        &attestation("dstack/near-mpc-measurements-0.5.8/tcb_info.json"),
        &dstack_audit::reference::Reference::none(),
        None,
        &settings(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("tcb_info.json") && e.contains("--quote"), "{e}");
}

#[test]
fn near_report_with_reference_checks_every_value() {
    let r = verify_with(
        &attestation("dstack/near-mpc-dstack-dev-0.5.8/public_data.json"),
        "reference/near-mpc-dstack-dev-0.5.8.json",
    );
    for code in [
        "mrtd-allowed",
        "rtmr0-allowed",
        "rtmr1-allowed",
        "rtmr2-allowed",
        "compose-hash-allowed",
        "app-id-allowed",
        "key-provider-allowed",
    ] {
        assert!(has(&r, code, Outcome::Pass), "{code}");
    }
    // The attestation check passes on the real NEAR CVM (embedded collateral, Intel's root);
    // the reference sets no launcher expectation; the workload is image-pinned, and the
    // reference has no `images` allow-list to compare the digests with. Check 3 fails: the
    // launcher holds the Docker socket, so it can start any image (NEAR's starts the MPC node
    // by a digest the compose does not pin). Its `security_opt: [no-new-privileges:true]`
    // only takes power away and is not a failure.
    // Its `signer-key-export` service mounts the engine's volume store (`/var/lib/docker/volumes`,
    // every container's data), which fails the same way.
    let fails = codes(&r, Outcome::Fail);
    assert_eq!(fails, vec!["workload-engine-access", "workload-engine-access"], "{fails:?}");
    let store = r.checks[2].findings.iter().filter(|f| f.code == "workload-engine-access").nth(1).unwrap();
    assert!(store.message.contains("services.signer-key-export") && store.message.contains("/var/lib/docker/volumes"));
    let engine = r.checks[2].findings.iter().find(|f| f.code == "workload-engine-access").unwrap();
    assert!(engine.message.contains("services.launcher.volumes") && engine.message.contains("/var/run/docker.sock"));
    assert_eq!(r.checks[0].status, dstack_audit::report::Status::Pass);
    assert!(has(&r, "tcb-status-allowed", Outcome::Pass));
    assert_eq!(r.facts.tcb_status.as_deref(), Some("UpToDate"));
    let nc = codes(&r, Outcome::NotChecked);
    assert_eq!(nc, vec!["launcher-expectation-missing", "workload-expectation-missing"]);
    assert!(has(&r, "workload-images-pinned", Outcome::Pass));
    assert_eq!(r.facts.launcher_image, None, "the reference names no launcher");

    // Naming NEAR's launcher image makes its attested digest a fact; without a provenance
    // policy the launcher check stays not checked.
    let mut v: Value = serde_json::from_slice(&input("reference/near-mpc-dstack-dev-0.5.8.json").bytes).unwrap();
    v["launcher"] = serde_json::json!({"image": "nearone/mpc-launcher"});
    let reference = dstack_audit::reference::parse_reference(&serde_json::to_vec(&v).unwrap(), "ref.json").unwrap();
    let r = verify_ref(&attestation("dstack/near-mpc-dstack-dev-0.5.8/public_data.json"), &reference);
    assert_eq!(
        r.facts.launcher_image.as_deref(),
        Some("docker.io/nearone/mpc-launcher@sha256:5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54")
    );
    assert!(has(&r, "launcher-pinned", Outcome::Pass) && has(&r, "launcher-policy-missing", Outcome::NotChecked));
    assert_eq!(r.verdict, Verdict::Fail, "check 3 fails on the Docker socket");
}

/// The real dstack attestations that come with collateral pass the whole attestation check
/// at a time inside their collateral window, with Intel's pinned root.
#[test]
fn real_attestations_with_collateral_pass_the_attestation_check() {
    // (attestation, --quote, --collateral, reference, time)
    type WithCollateral = (&'static str, Option<&'static str>, Option<&'static str>, &'static str, &'static str);
    let cases: &[WithCollateral] = &[
        (
            "dstack/near-mpc-dstack-dev-0.5.8/public_data.json",
            None,
            None,
            "reference/near-mpc-dstack-dev-0.5.8.json",
            "2026-09-01T00:00:00Z",
        ),
        (
            "dstack/near-mpc-dstack-0.5.4/public_data.json",
            None,
            None,
            "reference/near-mpc-dstack-0.5.4.json",
            "2026-03-01T00:00:00Z",
        ),
        (
            "dstack/tee-solver-phala-prod-0.5/tcb_info.json",
            Some("dstack/tee-solver-phala-prod-0.5/quote.hex"),
            Some("dstack/tee-solver-phala-prod-0.5/quote_collateral.json"),
            "reference/tee-solver-phala-prod-0.5.json",
            "2025-09-15T00:00:00Z",
        ),
    ];
    for (att, quote, collateral, reference, at) in cases {
        let sources = Sources { attestation: Some(input(att)), quote: quote.map(input), ..Sources::default() };
        let mut settings = dstack_audit::Settings::at(dstack_audit::clock::parse_rfc3339(at, "at").unwrap());
        settings.collateral = collateral.map(input);
        let r = input(reference);
        let reference = dstack_audit::reference::parse_reference(&r.bytes, &r.name).unwrap();
        let report = dstack_audit::verify(&sources, &reference, Some(&r), &settings).unwrap();
        assert_eq!(
            report.checks[0].status,
            dstack_audit::report::Status::Pass,
            "{att}: {:?}",
            codes(&report, Outcome::Fail)
        );
        assert_eq!(report.facts.tcb_status.as_deref(), Some("UpToDate"), "{att}");
        assert!(report.dcap.revocation_checked, "{att}");
        assert!(!report.trust_roots[0].untrusted_test_root);
        // Outside the window the same evidence fails.
        let mut late = settings.clone();
        late.at = dstack_audit::clock::parse_rfc3339("2027-06-01T00:00:00Z", "at").unwrap();
        let report = dstack_audit::verify(&sources, &reference, Some(&r), &late).unwrap();
        assert_eq!(report.checks[0].status, dstack_audit::report::Status::Fail, "{att}");
    }
}
