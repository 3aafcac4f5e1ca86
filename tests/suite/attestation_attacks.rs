//! Check 1 attacked as a host would: for each value check 1 reads, the bytes a host can write
//! are changed, and the deciding finding is asserted.
//!
//! End to end: `fixtures/synthetic/attacks/mr-config-v2` (a deployment whose check 1 passes
//! under the TEST root) with one thing changed, and the generated `app-compose-duplicate-key`.
//! Rule by rule: `ReplayedRuntimeEvents` on logs whose RTMR3 is made to replay, so that only the
//! rule under test can object.

use crate::common::tdx::{report, runtime};

use std::path::PathBuf;
use std::process::Command;

use dstack_audit::tdx::event_log::{EventLog, EventLogEntry};
use dstack_audit::tdx::rtmr::{extend, replay};
use dstack_audit::tdx::runtime_events::{
    canonical_preimage_v2, runtime_event_digest_v1, runtime_event_digest_v2, Anomaly, NotMeasured,
    ReplayedRuntimeEvents,
};
use serde_json::Value;

fn attacks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/synthetic/attacks")
}

/// Runs `verify` on the `mr-config-v2` attestation after `change`, with its reference
/// (after `change_ref`), collateral and TEST root. Returns the exit code and the JSON report.
fn run_variant(tag: &str, change: impl FnOnce(&mut Value), change_ref: impl FnOnce(&mut Value)) -> (i32, Value) {
    run_in("mr-config-v2", tag, change, change_ref)
}

/// As `run_variant`, from another generated scenario.
fn run_in(
    scenario: &str,
    tag: &str,
    change: impl FnOnce(&mut Value),
    change_ref: impl FnOnce(&mut Value),
) -> (i32, Value) {
    let base = attacks().join(scenario);
    let mut att: Value = serde_json::from_slice(&std::fs::read(base.join("attestation.json")).unwrap()).unwrap();
    let mut reference: Value = serde_json::from_slice(&std::fs::read(base.join("reference.json")).unwrap()).unwrap();
    change(&mut att);
    change_ref(&mut reference);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("attestation_attacks").join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("attestation.json"), serde_json::to_vec(&att).unwrap()).unwrap();
    std::fs::write(dir.join("reference.json"), serde_json::to_vec(&reference).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .arg(dir.join("attestation.json"))
        .arg("--reference")
        .arg(dir.join("reference.json"))
        .arg("--collateral")
        .arg(attacks().join("collateral.json"))
        .arg("--tdx-root-ca")
        .arg(attacks().join("test-root-ca.pem"))
        .args(["--at", "2026-01-15T00:00:00Z", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{tag}: {e}; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

fn check1(report: &Value) -> (&str, Vec<String>) {
    let c = &report["checks"][0];
    assert_eq!(c["id"], "attestation");
    let codes = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["outcome"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    (c["status"].as_str().unwrap(), codes)
}

/// Asserts check 1 fails and carries the deciding failure.
fn assert_check1_fails(report: &Value, code: &str) {
    let (status, codes) = check1(report);
    assert_eq!(status, "fail", "{codes:?}");
    assert!(codes.contains(&format!("fail {code}")), "{code} not in {codes:?}");
}

fn events(att: &mut Value) -> &mut Vec<Value> {
    att["event_log"].as_array_mut().unwrap()
}

fn position(att: &mut Value, name: &str) -> usize {
    events(att).iter().position(|e| e["event"] == name).unwrap()
}

#[test]
fn the_base_deployment_passes_check_1() {
    let (_, r) = run_variant("base", |_| {}, |_| {});
    let (status, codes) = check1(&r);
    assert_eq!(status, "pass", "{codes:?}");
}

// ---- app-compose: the hash binds bytes, not meaning ---------------------------------------

#[test]
fn an_app_compose_with_a_key_written_twice_fails_check_1() {
    // The trusted compose file first, the host's last: serde_json's Value (and jq) read the
    // last, dstack's guest refuses the document. Everything else about it is the trusted
    // deployment's: compose-hash allowed, MRCONFIGID V2 matches.
    let dir = attacks().join("app-compose-duplicate-key");
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .arg("verify")
        .args(args.split_whitespace())
        .args(["--format", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(i32::try_from(expected["exit"].as_i64().unwrap()).unwrap()));
    assert_check1_fails(&r, expected["code"].as_str().unwrap());
    let (_, codes) = check1(&r);
    for still in ["pass compose-hash-match", "pass compose-hash-allowed", "pass mr-config-id-match"] {
        assert!(codes.contains(&still.to_string()), "{still}: {codes:?}");
    }
    let f = r["checks"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "app-compose-duplicate-key");
    let message = f.unwrap()["message"].as_str().unwrap();
    assert!(message.contains("`docker_compose_file`") && message.contains("byte"), "{message}");
    // Neither reading of the compose file is handed to check 3, and it says why.
    assert_ne!(r["checks"][2]["status"], "pass");
    let why = r["checks"][2]["findings"].to_string();
    assert!(why.contains("no single meaning") && why.contains("docker_compose_file"), "{why}");
}

// ---- RTMR3: order, count and presence are bound by the replay -------------------------------

#[test]
fn reordered_duplicated_or_dropped_rtmr3_entries_break_the_replay() {
    type Change = fn(&mut Value);
    let variants: [(&str, Change); 3] = [
        ("swap", |a| {
            let (i, j) = (position(a, "app-id"), position(a, "compose-hash"));
            events(a).swap(i, j);
        }),
        ("duplicate", |a| {
            let i = position(a, "compose-hash");
            let e = events(a)[i].clone();
            events(a).insert(i, e);
        }),
        ("drop", |a| {
            let i = position(a, "key-provider");
            events(a).remove(i);
        }),
    ];
    for (tag, change) in variants {
        let (code, r) = run_variant(tag, change, |_| {});
        assert_eq!(code, 1, "{tag}");
        assert_check1_fails(&r, "rtmr-replay-mismatch");
        assert_check1_fails(&r, "runtime-events-not-measured");
        assert!(r["facts"]["compose_hash"].is_null(), "{tag}: no value from a log that does not replay");
    }
}

#[test]
fn a_v1_entry_relabelled_version_2_cannot_keep_its_digest() {
    let (code, r) = run_variant(
        "v2-label",
        |a| {
            let i = position(a, "compose-hash");
            events(a)[i]["version"] = 2.into();
        },
        |_| {},
    );
    assert_eq!(code, 1);
    assert_check1_fails(&r, "runtime-event-digest-mismatch");
    assert_check1_fails(&r, "runtime-events-not-measured");
}

#[test]
fn hex_case_and_trailing_quote_bytes_change_nothing_check_1_reads() {
    // Uppercase payload hex is the same bytes; bytes after the quote's signature data are
    // outside what the attestation key signs and are never read.
    let (_, r) = run_variant(
        "case-and-padding",
        |a| {
            for e in events(a) {
                let upper = e["event_payload"].as_str().unwrap().to_ascii_uppercase();
                e["event_payload"] = upper.into();
            }
            let q = format!("{}{}", a["quote"].as_str().unwrap(), "ff".repeat(64));
            a["quote"] = q.into();
        },
        |_| {},
    );
    let (status, codes) = check1(&r);
    assert_eq!(status, "pass", "{codes:?}");
    let (_, base) = run_variant("case-and-padding-base", |_| {}, |_| {});
    assert_eq!(r["facts"], base["facts"]);
}

// ---- the reference: an auditor's list that another reads differently -----------------------

#[test]
fn a_reference_with_a_field_twice_or_an_empty_list_is_refused() {
    let base = std::fs::read_to_string(attacks().join("mr-config-v2/reference.json")).unwrap();
    let v: Value = serde_json::from_str(&base).unwrap();
    let hash = v["dstack"]["compose_hash"][0].as_str().unwrap();
    // Two `compose_hash` members: which one counts would depend on the reader.
    let twice = base.replacen(
        "\"compose_hash\":",
        &format!("\"compose_hash\": [\"{}\"],\n\"compose_hash\":", "00".repeat(32)),
        1,
    );
    let e = dstack_audit::reference::parse_reference(twice.as_bytes(), "r.json").unwrap_err().to_string();
    assert!(e.contains("duplicate field `compose_hash`"), "{e}");
    let empty = base.replace(&format!("\"{hash}\""), "");
    let e = dstack_audit::reference::parse_reference(empty.as_bytes(), "r.json").unwrap_err().to_string();
    assert!(e.contains("dstack.compose_hash") && e.contains("empty"), "{e}");
    // Mixed-case hex names the same bytes.
    let upper = base.replace(hash, &hash.to_ascii_uppercase());
    let r = dstack_audit::reference::parse_reference(upper.as_bytes(), "r.json").unwrap();
    assert!(r.dstack.unwrap().compose_hash.unwrap().allows(&hex::decode(hash).unwrap()));
}

// ---- rule by rule ------------------------------------------------------------------------

/// Sets RTMR3 to what `entries` replay to (each by its own version's rule), so that only the
/// rule under test can object.
fn measure(entries: Vec<EventLogEntry>) -> Result<ReplayedRuntimeEvents, NotMeasured> {
    let mut body = report();
    let mut rtmr3 = [0u8; 48];
    for e in &entries {
        let d = match e.version {
            Some(2) => runtime_event_digest_v2(&e.event, &e.event_payload),
            _ => runtime_event_digest_v1(&e.event, &e.event_payload),
        };
        rtmr3 = extend(&rtmr3, &d);
    }
    body.rtmr3 = rtmr3;
    let log = EventLog { entries };
    let r = replay(&log, &body);
    assert!(r.rtmr(3).unwrap().matches());
    ReplayedRuntimeEvents::from_replay(&log, &r)
}

fn boot(key_provider: &[u8]) -> Vec<EventLogEntry> {
    vec![
        runtime("system-preparing", &[]),
        runtime("app-id", &[1; 20]),
        runtime("compose-hash", &[2; 32]),
        runtime("instance-id", &[]),
        runtime("boot-mr-done", &[]),
        runtime("key-provider", key_provider),
        runtime("system-ready", &[]),
    ]
}

const KMS: &[u8] = br#"{"name":"kms","id":"aa"}"#;

fn anomalies(entries: Vec<EventLogEntry>) -> Vec<Anomaly> {
    measure(entries).unwrap().anomalies().to_vec()
}

#[test]
fn the_honest_boot_has_no_anomaly_and_an_empty_instance_id_is_allowed() {
    let rt = measure(boot(KMS)).unwrap();
    assert!(rt.anomalies().is_empty());
    assert_eq!(rt.measurements().instance_id, Some(Vec::new()));
    assert_eq!(rt.measurements().key_provider.as_ref().map(|k| k.id.as_str()), Some("aa"));
}

#[test]
fn a_second_system_ready_or_one_with_a_payload_is_an_anomaly() {
    let mut log = boot(KMS);
    log.push(runtime("system-ready", &[]));
    assert!(matches!(&anomalies(log)[..], [Anomaly::AfterReady { index: 7, .. }]));
    let mut log = boot(KMS);
    log[6].event_payload = b"x".to_vec();
    assert!(matches!(&anomalies(log)[..], [Anomaly::BadPayload { index: 6, .. }]));
}

#[test]
fn an_app_id_of_the_wrong_length_is_not_read() {
    let mut log = boot(KMS);
    log[1].event_payload = vec![1; 32];
    assert!(matches!(&anomalies(log.clone())[..], [Anomaly::BadPayload { index: 1, .. }]));
    assert_eq!(measure(log).unwrap().measurements().app_id, None);
}

#[test]
fn a_key_provider_payload_two_readers_could_read_differently_is_not_read() {
    // A key written twice (serde_json's Value takes the last), or text after the object.
    for payload in [
        &br#"{"name":"kms","id":"aa","id":"bb"}"#[..],
        br#"{"name":"none","id":"","name":"kms"}"#,
        br#"{"name":"kms","id":"aa"} {"name":"none"}"#,
    ] {
        let rt = measure(boot(payload)).unwrap();
        assert!(
            matches!(rt.anomalies(), [Anomaly::BadPayload { index: 5, .. }]),
            "{}: {:?}",
            String::from_utf8_lossy(payload),
            rt.anomalies()
        );
        assert_eq!(rt.measurements().key_provider, None);
    }
    // An extra key changes neither name nor id (dstack writes exactly these two).
    let rt = measure(boot(br#"{"name":"kms","id":"aa","note":"x"}"#)).unwrap();
    assert!(rt.anomalies().is_empty());
    assert_eq!(rt.measurements().key_provider.as_ref().map(|k| (k.name.as_str(), k.id.as_str())), Some(("kms", "aa")));
}

#[test]
fn a_v2_entry_with_a_non_canonical_preimage_supplies_nothing() {
    // dstack checks both sha384(preimage) == digest and preimage == canonical JSON: a preimage
    // that is valid JSON for the same event, but not the canonical bytes, is refused.
    let payload = [0xab; 32];
    let canonical = String::from_utf8(canonical_preimage_v2("compose-hash", &payload)).unwrap();
    let variants = [
        canonical.replace(',', ", "),
        canonical.replace(&"ab".repeat(32), &"AB".repeat(32)),
        format!(r#"{{"type":134217729,"payload":"{}","name":"compose-hash"}}"#, "ab".repeat(32)),
        canonical.replace("compose-hash", "compose\\u002dhash"),
    ];
    let v2 = |preimage: &str| {
        let mut log = boot(KMS);
        log[2].event_payload = payload.to_vec();
        log[2].version = Some(2);
        log[2].preimage = Some(preimage.as_bytes().to_vec());
        measure(log)
    };
    for preimage in &variants {
        assert_ne!(preimage, &canonical);
        assert_eq!(v2(preimage).unwrap_err(), NotMeasured::InconsistentEvent { index: 2 }, "{preimage}");
    }
    assert_eq!(v2(&canonical).unwrap().measurements().compose_hash, Some(payload.to_vec()));
}

#[test]
fn a_name_that_only_looks_like_a_dstack_event_supplies_nothing() {
    // The digest binds the exact name: a NUL or a trailing space makes another event.
    for name in ["compose-hash\0", "compose-hash ", "Compose-Hash"] {
        let mut log = boot(KMS);
        log.insert(2, runtime(name, &[9; 32]));
        log.remove(3);
        let rt = measure(log).unwrap();
        assert_eq!(rt.measurements().compose_hash, None, "{name:?}");
    }
}

#[test]
fn an_allowed_os_image_hash_from_an_unpinned_kms_is_flagged_as_the_kms_word() {
    // The generated scenario: an os-image-hash event (the KMS's answer) measured before
    // system-ready, allowed by the reference, which names the key provider kind but no KMS id.
    let warning = "note os-image-hash-from-unpinned-kms";
    let (code, r) = run_in("os-image-hash-unpinned-kms", "os-image-unpinned", |_| {}, |_| {});
    let (status, codes) = check1(&r);
    assert_eq!((code, status), (3, "pass"), "{codes:?}");
    assert!(codes.contains(&warning.to_string()) && codes.contains(&"pass os-image-hash-allowed".to_string()));
    // With the KMS pinned by id, or with no os-image-hash expectation, there is nothing to say.
    let base = attacks().join("mr-config-v2/reference.json");
    let base: Value = serde_json::from_slice(&std::fs::read(base).unwrap()).unwrap();
    let kms = base["dstack"]["key_provider"].clone();
    let (_, r) = run_in("os-image-hash-unpinned-kms", "os-image-pinned", |_| {}, |r| r["dstack"]["key_provider"] = kms);
    assert!(!check1(&r).1.contains(&warning.to_string()), "{:?}", check1(&r).1);
    let (_, r) = run_in(
        "os-image-hash-unpinned-kms",
        "os-image-free",
        |_| {},
        |r| {
            r["dstack"].as_object_mut().unwrap().remove("os_image_hash");
        },
    );
    assert!(!check1(&r).1.contains(&warning.to_string()));
}

#[test]
fn a_v1_mrconfigid_with_a_non_zero_tail_fails() {
    // Its first 33 bytes are 0x01 ‖ the measured compose-hash; dstack's guest compares all 48.
    let (code, r) = run_in("mr-config-v1-tail", "v1-tail", |_| {}, |_| {});
    assert_eq!(code, 1);
    assert_check1_fails(&r, "mr-config-id-mismatch");
    let f = r["checks"][0]["findings"].as_array().unwrap().iter().find(|f| f["code"] == "mr-config-id-mismatch");
    let f = f.unwrap();
    assert_eq!(f["expected"].as_str().unwrap()[..66], f["actual"].as_str().unwrap()[..66]);
    assert!(f["actual"].as_str().unwrap().ends_with("01"));
}
