//! Check 1 against a host that controls everything the quote does not sign (issue: the event
//! log may supply values only where the replay authenticates them; MRCONFIGID V2).
//!
//! End to end: the generated attacks in fixtures/synthetic/attacks (TEST root), each with its
//! `args` and `expected.json`, among them one scenario per runtime-event and RA-TLS rule under a
//! signed quote whose RTMR3 replays (the rule is check 1's only failure). Rule by rule:
//! `ReplayedRuntimeEvents` on logs whose RTMR3 is made to replay, so that only the rule under
//! test can object.

use crate::common;
use crate::common::tdx::{report, runtime};

use std::path::PathBuf;
use std::process::Command;

use crate::common::{attestation, finding, has, input, verify};
use dstack_audit::report::Outcome;
use dstack_audit::tdx::event_log::{parse_event_log, EventLog, EventLogEntry};
use dstack_audit::tdx::rtmr::{extend, replay};
use dstack_audit::tdx::runtime_events::{runtime_event_digest_v1, Layout, NotMeasured, ReplayedRuntimeEvents};
use serde_json::Value;

const ATTACKS: &str = "fixtures/synthetic/attacks";

/// Runs `verify` as the scenario's `args` say, from its folder.
fn run_scenario(name: &str) -> (i32, Value, Value) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(ATTACKS).join(name);
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .args(args.split_whitespace())
        .args(["--format", "json"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report, expected)
}

fn check1_has(report: &Value, code: &str, outcome: &str) -> bool {
    report["checks"][0]["findings"].as_array().unwrap().iter().any(|f| f["code"] == code && f["outcome"] == outcome)
}

/// Asserts the scenario's exit code, check 1's status and its deciding finding.
fn assert_scenario(name: &str) -> Value {
    let (code, report, expected) = run_scenario(name);
    let codes: Vec<String> = report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["outcome"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(code, i32::try_from(expected["exit"].as_i64().unwrap()).unwrap(), "{name}: {codes:?}");
    assert_eq!(report["checks"][0]["id"], "attestation");
    assert_eq!(report["checks"][0]["status"], expected["status"], "{name}: {codes:?}");
    let decisive = expected["code"].as_str().unwrap();
    assert!(check1_has(&report, decisive, expected["outcome"].as_str().unwrap()), "{name}: {codes:?}");
    report
}

#[test]
fn relabelled_entries_under_a_zero_mrconfigid_fail() {
    let r = assert_scenario("relabelled-zero-config");
    // The attack is invisible to the replay: RTMR3 replays with the relabelled entries' digests.
    assert!(check1_has(&r, "rtmr-replay-match", "pass"));
    assert!(check1_has(&r, "runtime-events-not-measured", "fail"));
    assert!(r["facts"]["compose_hash"].is_null(), "no value comes from such a log");
    assert!(r["facts"]["app_id"].is_null());
}

#[test]
fn the_relabelled_log_changes_only_what_nothing_signs() {
    // Same quote, same served app-compose; the logs differ only in the relabelled entries'
    // `event_type` (digests, names and payloads as measured).
    let read = |name: &str| -> Value {
        serde_json::from_slice(&input(&format!("synthetic/attacks/{name}/attestation.json")).bytes).unwrap()
    };
    let (attack, honest) = (read("relabelled-zero-config"), read("honest-log"));
    assert_eq!(attack["quote"], honest["quote"]);
    assert_eq!(attack["app_compose"], honest["app_compose"]);
    let (a, h) = (attack["event_log"].as_array().unwrap(), honest["event_log"].as_array().unwrap());
    assert_eq!(a.len(), h.len());
    let mut relabelled = Vec::new();
    for (x, y) in a.iter().zip(h) {
        for field in ["imr", "digest", "event", "event_payload"] {
            assert_eq!(x[field], y[field]);
        }
        if x["event_type"] != y["event_type"] {
            relabelled.push(y["event"].as_str().unwrap());
        }
    }
    assert_eq!(relabelled, ["app-id", "compose-hash", "key-provider", "system-ready"]);
}

#[test]
fn relabelled_entries_under_a_v1_mrconfigid_fail() {
    let r = assert_scenario("relabelled-v1-config");
    assert!(check1_has(&r, "rtmr-replay-match", "pass"));
    assert!(r["facts"]["key_provider"].is_null());
    assert!(!check1_has(&r, "app-id-allowed", "pass"), "the spoofed app-id is never read");
}

#[test]
fn the_honest_log_of_the_same_quote_fails_for_the_honest_reasons() {
    let r = assert_scenario("honest-log");
    assert!(check1_has(&r, "runtime-event-after-ready", "fail"), "app-id, compose-hash, key-provider after ready");
    assert!(check1_has(&r, "compose-hash-not-allowed", "fail"), "the measured compose-hash is the host's");
}

#[test]
fn a_v2_mrconfigid_over_the_measured_values_passes() {
    let r = assert_scenario("mr-config-v2");
    assert!(!check1_has(&r, "mr-config-id-not-recomputable", "note"));
}

#[test]
fn a_v2_mrconfigid_for_another_key_provider_fails() {
    let r = assert_scenario("mr-config-v2-mismatch");
    let f =
        r["checks"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "mr-config-id-mismatch").unwrap();
    assert!(f["expected"].as_str().unwrap().starts_with("02"));
    assert_ne!(f["expected"], f["actual"]);
}

#[test]
fn an_app_compose_that_asks_for_another_key_provider_fails() {
    let r = assert_scenario("mr-config-v2-compose-disagree");
    assert!(check1_has(&r, "mr-config-id-match", "pass"), "the V2 value itself is right");
}

#[test]
fn a_v3_mrconfigid_over_its_document_passes() {
    assert_scenario("mr-config-v3");
}

#[test]
fn a_v3_document_that_names_another_app_id_fails() {
    let r = assert_scenario("mr-config-v3-document-mismatch");
    let f =
        r["checks"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "mr-config-id-mismatch").unwrap();
    assert!(f["message"].as_str().unwrap().contains("`app_id`"), "{f}");
}

/// The V3 scenario's attestation with its VM config replaced, through the library.
fn v3_with_vm_config(vm_config: Option<String>) -> dstack_audit::report::Report {
    let mut v: Value = serde_json::from_slice(&input("synthetic/attacks/mr-config-v3/attestation.json").bytes).unwrap();
    match vm_config {
        Some(c) => v["vm_config"] = Value::String(c),
        None => {
            v.as_object_mut().unwrap().remove("vm_config");
        }
    }
    // The scenario's quote is signed under the TEST root: only under that root is it
    // authenticated, and only an authenticated MRCONFIGID is compared.
    let mut settings = common::settings();
    settings.tdx_root = Some(input("synthetic/attacks/test-root-ca.pem"));
    let sources = attestation_bytes(serde_json::to_vec(&v).unwrap());
    dstack_audit::verify(&sources, &dstack_audit::reference::Reference::none(), None, &settings).unwrap()
}

fn attestation_bytes(bytes: Vec<u8>) -> dstack_audit::evidence::Sources {
    dstack_audit::evidence::Sources {
        attestation: Some(common::bytes_input("v3.json", bytes)),
        ..dstack_audit::evidence::Sources::default()
    }
}

#[test]
fn a_v3_document_that_is_not_the_hashed_one_fails_and_a_missing_one_is_not_verified() {
    let v: Value = serde_json::from_slice(&input("synthetic/attacks/mr-config-v3/attestation.json").bytes).unwrap();
    let original = v["vm_config"].as_str().unwrap().to_string();
    assert!(has(&v3_with_vm_config(Some(original.clone())), "mr-config-id-match", Outcome::Pass));
    // One byte of the document changed (a space before the closing brace): its hash differs.
    let doc: Value = serde_json::from_str(&original).unwrap();
    let changed = doc["mr_config"].as_str().unwrap().replace("\"version\":3}", "\"version\":3 }");
    let r = v3_with_vm_config(Some(serde_json::json!({"mr_config": changed}).to_string()));
    assert!(has(&r, "mr-config-id-mismatch", Outcome::Fail));
    let r = v3_with_vm_config(None);
    assert!(has(&r, "mr-config-id-not-recomputable", Outcome::Note));
    assert!(!has(&r, "mr-config-id-match", Outcome::Pass));
}

// ---- one rule each, under a signed quote -------------------------------------------------
// The trusted deployment of `mr-config-v2` with one change: DCAP authenticates the quote and
// RTMR3 replays, so the rule under test is the only thing that can fail check 1.

/// The codes of check 1's failed findings.
fn check1_failures(report: &Value) -> Vec<String> {
    let findings = report["checks"][0]["findings"].as_array().unwrap();
    findings.iter().filter(|f| f["outcome"] == "fail").map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// Asserts the scenario, that the quote is authenticated and RTMR3 replays, and that `code` is
/// check 1's only failure.
fn assert_only_failure(name: &str, code: &str) -> Value {
    let r = assert_scenario(name);
    assert_eq!(r["facts"]["quote_authenticated"], true, "{name}");
    assert!(check1_has(&r, "quote-signature-chain-valid", "pass"), "{name}");
    assert!(check1_has(&r, "rtmr-replay-match", "pass"), "{name}");
    assert_eq!(check1_failures(&r), [code], "{name}");
    r
}

/// The trusted compose-hash, as the scenario's reference allows it.
fn trusted_compose_hash(name: &str) -> Value {
    let reference: Value =
        serde_json::from_slice(&input(&format!("synthetic/attacks/{name}/reference.json")).bytes).unwrap();
    reference["dstack"]["compose_hash"][0].clone()
}

#[test]
fn a_compose_hash_measured_twice_under_a_signed_quote_fails() {
    let r = assert_only_failure("duplicate-compose-hash", "runtime-event-duplicate");
    assert_eq!(r["facts"]["compose_hash"], trusted_compose_hash("duplicate-compose-hash"), "the first is kept");
}

#[test]
fn a_malformed_instance_id_under_a_signed_quote_fails() {
    let r = assert_only_failure("malformed-instance-id", "runtime-event-malformed");
    let f = r["checks"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "runtime-event-malformed");
    let f = f.unwrap();
    assert!(f["message"].as_str().unwrap().contains("`instance-id`"), "{f}");
    assert_eq!((f["expected"].as_str(), f["actual"].as_str()), (Some("20 bytes"), Some("16 bytes")));
}

#[test]
fn a_key_provider_that_is_not_json_under_a_signed_quote_fails() {
    // The reference names no key provider and MRCONFIGID V2 cannot be recomputed without one
    // (a note): only the event's own form can fail check 1.
    let r = assert_only_failure("malformed-key-provider", "runtime-event-malformed");
    assert!(check1_has(&r, "mr-config-id-not-recomputable", "note"));
    assert!(r["facts"]["key_provider"].is_null(), "a malformed key provider is no fact");
}

#[test]
fn a_compose_hash_after_system_ready_under_a_signed_quote_fails() {
    let r = assert_only_failure("compose-hash-after-ready", "runtime-event-after-ready");
    assert_eq!(r["facts"]["compose_hash"], trusted_compose_hash("compose-hash-after-ready"), "the late one is unused");
}

/// The RA-TLS leaf of a scenario's `app_cert`.
fn ratls_leaf(name: &str) -> dstack_audit::evidence::ratls::RaTlsLeaf {
    let v: Value = serde_json::from_slice(&input(&format!("synthetic/attacks/{name}/attestation.json")).bytes).unwrap();
    dstack_audit::evidence::ratls::parse_ratls_leaf(v["app_cert"].as_str().unwrap()).unwrap()
}

#[test]
fn a_quote_in_the_certificate_of_the_key_it_binds_passes() {
    let r = assert_scenario("ratls-bound");
    assert!(check1_failures(&r).is_empty(), "{:?}", check1_failures(&r));
    assert_eq!(r["facts"]["quote_authenticated"], true);
}

#[test]
fn a_signed_quote_copied_into_a_certificate_for_another_key_fails() {
    assert_only_failure("ratls-other-key", "ratls-binding-mismatch");
    // Same quote, same event log; only the certificate's key differs.
    let (bound, other) = (ratls_leaf("ratls-bound"), ratls_leaf("ratls-other-key"));
    assert_eq!(bound.quote, other.quote);
    assert_eq!(bound.event_log, other.event_log);
    assert_ne!(bound.spki_der, other.spki_der);
}

// ---- rule by rule -------------------------------------------------------------------------

/// Builds the runtime events of `entries` after setting the report's RTMR3 to what they
/// replay to (supplied digests for non-runtime entries), so only the layout rules can object.
fn measure(entries: Vec<EventLogEntry>) -> Result<ReplayedRuntimeEvents, NotMeasured> {
    let mut body = report();
    let mut rtmr3 = [0u8; 48];
    for e in entries.iter().filter(|e| e.imr == 3) {
        let d =
            if e.is_runtime_event() { runtime_event_digest_v1(&e.event, &e.event_payload) } else { e.digest.unwrap() };
        rtmr3 = extend(&rtmr3, &d);
    }
    body.rtmr3 = rtmr3;
    let log = EventLog { entries };
    let r = replay(&log, &body);
    assert!(r.rtmr(3).unwrap().matches(), "the test log replays");
    ReplayedRuntimeEvents::from_replay(&log, &r)
}

fn modern(extra_after_ready: &[(&str, &[u8])]) -> Vec<EventLogEntry> {
    let mut v = vec![
        runtime("system-preparing", &[]),
        runtime("app-id", &[1; 20]),
        runtime("compose-hash", &[2; 32]),
        runtime("instance-id", &[]),
        runtime("boot-mr-done", &[]),
        runtime("key-provider", br#"{"name":"none","id":""}"#),
        runtime("system-ready", &[]),
    ];
    v.extend(extra_after_ready.iter().map(|(n, p)| runtime(n, p)));
    v
}

#[test]
fn an_rtmr3_entry_of_another_type_keeps_the_log_from_supplying_values() {
    let mut log = modern(&[]);
    let genuine = runtime_event_digest_v1("system-ready", &[]);
    log[6].event_type = 0x0000_000d;
    log[6].digest = Some(genuine);
    match measure(log) {
        Err(NotMeasured::NotRuntimeEvent { index: 6, event_type: 0x0000_000d, label }) => {
            assert_eq!(label, "system-ready")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_v1_name_with_a_colon_before_system_ready_is_ambiguous() {
    // "compose-hash:ab" with payload P has the digest of "compose-hash" with payload "ab:" ‖ P.
    let mut log = modern(&[]);
    log.insert(4, runtime("compose-hash:ab", &[3; 4]));
    assert_eq!(
        runtime_event_digest_v1("compose-hash:ab", &[3; 4]),
        runtime_event_digest_v1("compose-hash", &[b"ab:".as_slice(), &[3; 4]].concat())
    );
    match measure(log) {
        Err(NotMeasured::AmbiguousName { index: 4, name }) => assert_eq!(name, "compose-hash:ab"),
        other => panic!("{other:?}"),
    }
    // After system-ready such a name is an application event: it supplies nothing.
    let rt = measure(modern(&[("app:event", b"x")])).unwrap();
    assert!(rt.anomalies().is_empty());
    assert_eq!(rt.measurements().compose_hash, Some(vec![2; 32]));
}

#[test]
fn a_log_without_system_ready_must_be_dstack_0_3() {
    let mut log = modern(&[]);
    log.pop();
    match measure(log) {
        Err(NotMeasured::NotDstack03 { index: 0, name }) => assert_eq!(name, "system-preparing"),
        other => panic!("{other:?}"),
    }
    let v03 = || {
        vec![
            runtime("rootfs-hash", &[9; 32]),
            runtime("app-id", &[1; 20]),
            runtime("compose-hash", &[2; 32]),
            runtime("ca-cert-hash", &[4; 32]),
            runtime("instance-id", &[5; 20]),
        ]
    };
    let rt = measure(v03()).unwrap();
    assert_eq!(rt.layout(), Layout::Dstack03);
    assert_eq!(rt.measurements().compose_hash, Some(vec![2; 32]));
    // A 0.3 name twice, or an event a 0.3 guest never measures, is not a 0.3 log.
    let mut twice = v03();
    twice.push(runtime("compose-hash", &[7; 32]));
    assert!(matches!(measure(twice), Err(NotMeasured::NotDstack03 { index: 5, .. })));
    let mut extra = v03();
    extra.push(runtime("key-provider", br#"{"name":"kms","id":"00"}"#));
    assert!(matches!(measure(extra), Err(NotMeasured::NotDstack03 { index: 5, .. })));
}

#[test]
fn value_events_after_system_ready_are_anomalies_and_unused() {
    let rt =
        measure(modern(&[("compose-hash", &[8; 32]), ("app-id", &[8; 20]), ("mpc-image-digest", &[6; 32])])).unwrap();
    assert_eq!(rt.layout(), Layout::SystemReady);
    assert_eq!(rt.measurements().compose_hash, Some(vec![2; 32]));
    assert_eq!(rt.measurements().app_id, Some(vec![1; 20]));
    assert_eq!(rt.anomalies().len(), 2, "{:?}", rt.anomalies());
}

#[test]
fn an_entry_moved_between_registers_breaks_rtmr3s_own_replay() {
    // The imr label is not signed: moving a genuine RTMR3 entry to RTMR1 (whose replay a "lite"
    // log cannot check anyway) changes the RTMR3 sequence, so RTMR3 no longer replays.
    let v: Value = serde_json::from_slice(&input("dstack/tee-solver-phala-prod-0.5/tcb_info.json").bytes).unwrap();
    let mut log = parse_event_log(&v["event_log"]).unwrap();
    let body = report();
    assert!(replay(&log, &body).rtmr(3).unwrap().matches(), "the genuine log replays");
    let i = log.entries.iter().position(|e| e.event == "system-ready").unwrap();
    log.entries[i].imr = 1;
    let r = replay(&log, &body);
    assert!(!r.rtmr(3).unwrap().matches());
    assert_eq!(ReplayedRuntimeEvents::from_replay(&log, &r), Err(NotMeasured::Rtmr3Mismatch));
}

#[test]
fn an_unknown_runtime_event_version_cannot_supply_values() {
    let mut log = modern(&[]);
    log[2].version = Some(3);
    let mut body = report();
    body.rtmr3 = [0; 48];
    let log = EventLog { entries: log };
    let r = replay(&log, &body);
    assert_eq!(ReplayedRuntimeEvents::from_replay(&log, &r), Err(NotMeasured::InconsistentEvent { index: 2 }));
}

#[test]
fn the_real_dstack_0_3_log_is_accepted_as_0_3() {
    let r = verify(&dstack_audit::evidence::Sources {
        attestation: Some(input("dstack/tee-solver-phala-prod-0.3/tcb_info.json")),
        quote: Some(input("dstack/tee-solver-phala-prod-0.3/quote.hex")),
        ..dstack_audit::evidence::Sources::default()
    });
    assert!(has(&r, "system-ready-missing", Outcome::Note), "{:?}", finding(&r, "rtmr-replay-match"));
    assert!(!has(&r, "runtime-events-not-measured", Outcome::Fail));
    assert!(r.facts.compose_hash.is_some());
}

#[test]
fn real_logs_with_application_events_after_ready_stay_notes() {
    for f in ["dstack/near-mpc-dstack-0.5.4/public_data.json", "dstack/dstack-verifier-quote-report/quote-report.json"]
    {
        let r = verify(&attestation(f));
        assert!(has(&r, "application-events", Outcome::Note), "{f}");
        assert!(!has(&r, "runtime-event-after-ready", Outcome::Fail), "{f}");
        assert!(r.facts.compose_hash.is_some(), "{f}");
    }
}

#[test]
fn reference_init_refuses_a_log_with_a_dstack_event_after_system_ready() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(ATTACKS).join("honest-log");
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .args(["reference", "init", "attestation.json", "--collateral", "../collateral.json"])
        .args(["--tdx-root-ca", "../test-root-ca.pem", "--at", "2026-01-15T00:00:00Z"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("after system-ready"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is written");
}
