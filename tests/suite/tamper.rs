//! Tamper tests: one change to real evidence, and the attestation check must fail with the
//! right code. Where real data cannot show a case (a duplicated event that still replays), the
//! quote's RTMR3 is recomputed so that only the rule under test can catch it.

use crate::common::*;
use dstack_audit::evidence::Sources;
use dstack_audit::pipeline::{observe, Observed};
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{Outcome, Report, Verdict};
use dstack_audit::tdx::rtmr::extend;
use dstack_audit::tdx::runtime_events::{runtime_event_digest_v1, runtime_event_digest_v2, Anomaly};
use serde_json::{json, Value};

const GETQUOTE: &str = "dstack/dstack-verifier-quote-report/quote-report.json";
const NEAR: &str = "dstack/near-mpc-dstack-dev-0.5.8/public_data.json";
/// Quote offset of the TD report body in a v4 quote, and of fields inside it.
const BODY: usize = 48;
const TD_ATTRIBUTES: usize = BODY + 120;
const MR_CONFIG_ID: usize = BODY + 184;
const RTMR3: usize = BODY + 472;

/// The GetQuote fixture as JSON, with its event log decoded to an array.
fn getquote() -> (Value, Vec<Value>) {
    let v: Value = serde_json::from_slice(&input(GETQUOTE).bytes).unwrap();
    let log: Vec<Value> = serde_json::from_str(v["event_log"].as_str().unwrap()).unwrap();
    (v, log)
}

fn run_getquote(mut v: Value, log: &[Value]) -> Report {
    v["event_log"] = Value::String(serde_json::to_string(log).unwrap());
    verify(&Sources {
        attestation: Some(bytes_input("tampered.json", serde_json::to_vec(&v).unwrap())),
        ..Sources::default()
    })
}

/// The parse stage's view of the same input: the quote as its bytes say, the log replayed against
/// it. A forged quote is not authenticated, so check 1 judges none of its values; the rules are
/// asserted here, on what the forged values would mean, and the report on what it may say. The
/// same rules failing check 1 under a correctly signed quote are in `event_log_attacks.rs`
/// (`fixtures/synthetic/attacks/`: duplicate, malformed, after-ready, RA-TLS binding).
fn parsed_getquote(mut v: Value, log: &[Value]) -> Observed {
    v["event_log"] = Value::String(serde_json::to_string(log).unwrap());
    parsed(&Sources {
        attestation: Some(bytes_input("tampered.json", serde_json::to_vec(&v).unwrap())),
        ..Sources::default()
    })
}

fn parsed(sources: &Sources) -> Observed {
    observe(dstack_audit::evidence::load(sources).unwrap()).unwrap()
}

/// A forged quote: DCAP refuses it, and the findings that read its values are not checked.
fn assert_not_authenticated(r: &Report, codes_read: &[&str]) {
    assert!(has(r, "quote-signature-invalid", Outcome::Fail), "{:?}", codes(r, Outcome::Fail));
    for code in codes_read {
        let f = finding(r, code);
        assert_eq!((f.outcome, f.message.as_str()), (Outcome::NotChecked, "the quote is not authenticated"), "{code}");
    }
    assert_eq!(r.verdict, Verdict::Fail);
}

fn flip_hex(s: &str, byte: usize) -> String {
    let mut b = hex::decode(s).unwrap();
    b[byte] ^= 0x01;
    hex::encode(b)
}

fn replay_failures(r: &Report) -> Vec<String> {
    r.checks[0]
        .findings
        .iter()
        .filter(|f| f.code == "rtmr-replay-mismatch")
        .map(|f| f.message[..5].to_string())
        .collect()
}

#[test]
fn untouched_fixture_has_no_failure() {
    let (v, log) = getquote();
    let r = run_getquote(v, &log);
    assert!(codes(&r, Outcome::Fail).is_empty(), "{:?}", codes(&r, Outcome::Fail));
}

#[test]
fn flipping_a_runtime_payload_byte_breaks_rtmr3_and_unmeasures_events() {
    let (v, mut log) = getquote();
    let i = log.iter().position(|e| e["event"] == "compose-hash").unwrap();
    log[i]["event_payload"] = Value::String(flip_hex(log[i]["event_payload"].as_str().unwrap(), 3));
    log[i]["digest"] = Value::String(String::new()); // a stripped log: no supplied digest to contradict
    let r = run_getquote(v, &log);
    assert_eq!(replay_failures(&r), vec!["RTMR3"]);
    assert!(has(&r, "runtime-events-not-measured", Outcome::Fail));
    assert_eq!(r.facts.compose_hash, None, "an unproven event value is never a fact");
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn a_supplied_runtime_digest_that_lies_is_caught() {
    let (v, mut log) = getquote();
    let i = log.iter().position(|e| e["event"] == "app-id").unwrap();
    log[i]["digest"] = Value::String(flip_hex(log[i]["digest"].as_str().unwrap(), 0));
    let r = run_getquote(v, &log);
    assert!(has(&r, "runtime-event-digest-mismatch", Outcome::Fail));
    assert!(has(&r, "runtime-events-not-measured", Outcome::Fail));
}

#[test]
fn flipping_a_boot_digest_breaks_only_its_register() {
    for imr in 0..3u64 {
        let (v, mut log) = getquote();
        let i = log.iter().position(|e| e["imr"] == imr).unwrap();
        log[i]["digest"] = Value::String(flip_hex(log[i]["digest"].as_str().unwrap(), 47));
        let r = run_getquote(v, &log);
        assert_eq!(replay_failures(&r), vec![format!("RTMR{imr}")]);
    }
}

#[test]
fn dropping_duplicating_or_reordering_events_breaks_the_replay() {
    let (v, log) = getquote();
    let rt = |name: &str| log.iter().position(|e| e["event"] == name).unwrap();

    let mut dropped = log.clone();
    dropped.remove(rt("instance-id"));
    assert_eq!(replay_failures(&run_getquote(v.clone(), &dropped)), vec!["RTMR3"]);

    let mut dropped_boot = log.clone();
    dropped_boot.remove(log.iter().position(|e| e["imr"] == 1).unwrap());
    assert_eq!(replay_failures(&run_getquote(v.clone(), &dropped_boot)), vec!["RTMR1"]);

    let mut duplicated = log.clone();
    duplicated.insert(rt("app-id"), log[rt("app-id")].clone());
    assert_eq!(replay_failures(&run_getquote(v.clone(), &duplicated)), vec!["RTMR3"]);

    let mut reordered = log.clone();
    reordered.swap(rt("app-id"), rt("compose-hash"));
    assert_eq!(replay_failures(&run_getquote(v.clone(), &reordered)), vec!["RTMR3"]);

    // Order matters only within a register: moving an RTMR2 event before an RTMR1 one is fine.
    let mut interleaved = log.clone();
    let a = log.iter().position(|e| e["imr"] == 1).unwrap();
    let b = log.iter().position(|e| e["imr"] == 2).unwrap();
    let moved = interleaved.remove(b);
    interleaved.insert(a, moved);
    assert!(replay_failures(&run_getquote(v, &interleaved)).is_empty());
}

#[test]
fn flipping_an_app_compose_byte_fails_the_compose_hash() {
    let mut v: Value = serde_json::from_slice(&input(NEAR).bytes).unwrap();
    let tcb = &mut v["tee_participant_info"]["Dstack"]["tcb_info"];
    let text = tcb["app_compose"].as_str().unwrap().replacen("\"name\"", "\"namf\"", 1);
    tcb["app_compose"] = Value::String(text);
    let r = verify(&Sources {
        attestation: Some(bytes_input("near.json", serde_json::to_vec(&v).unwrap())),
        ..Sources::default()
    });
    let f = finding(&r, "compose-hash-mismatch");
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.expected.as_deref().unwrap().starts_with("2911e1f7"));
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn an_extra_space_in_app_compose_fails_the_compose_hash() {
    // Same JSON meaning, different bytes: the hash is over bytes.
    let path = std::env::temp_dir().join(format!("dstack-audit-compose-{}.json", std::process::id()));
    let mut text = std::fs::read(fixture("dstack/dstack-examples-rtmr3-v0.4/app-compose.json")).unwrap();
    text.push(b' ');
    std::fs::write(&path, text).unwrap();
    let r = verify(&Sources {
        attestation: Some(input("dstack/dstack-examples-rtmr3-v0.4/report.json")),
        app_compose: Some(bytes_input("spaced.json", std::fs::read(&path).unwrap())),
        ..Sources::default()
    });
    std::fs::remove_file(path).unwrap();
    assert!(has(&r, "compose-hash-mismatch", Outcome::Fail));
}

/// Sets the quote's RTMR3 to what `log` replays to, so that the replay holds and only the rule
/// under test can object — besides the quote signature, which the change breaks
/// (`quote-signature-invalid`, excluded by `failures_besides_signature`).
fn forge_rtmr3(v: &mut Value, log: &[Value]) {
    let mut rtmr = [0u8; 48];
    for e in log.iter().filter(|e| e["imr"] == 3) {
        let name = e["event"].as_str().unwrap();
        let payload = hex::decode(e["event_payload"].as_str().unwrap()).unwrap();
        let d = if e["version"] == 2 {
            runtime_event_digest_v2(name, &payload)
        } else {
            runtime_event_digest_v1(name, &payload)
        };
        rtmr = extend(&rtmr, &d);
    }
    let mut q = hex::decode(v["quote"].as_str().unwrap()).unwrap();
    q[RTMR3..RTMR3 + 48].copy_from_slice(&rtmr);
    v["quote"] = Value::String(hex::encode(q));
}

/// Failure codes other than the broken signature of a forged quote.
fn failures_besides_signature(r: &Report) -> Vec<&'static str> {
    codes(r, Outcome::Fail).into_iter().filter(|c| *c != "quote-signature-invalid").collect()
}

fn runtime(name: &str, payload: &[u8]) -> Value {
    json!({"imr": 3, "event_type": 0x0800_0001u32, "digest": "", "event": name, "event_payload": hex::encode(payload)})
}

#[test]
fn a_value_event_measured_twice_before_system_ready_fails() {
    let (mut v, mut log) = getquote();
    let at = log.iter().position(|e| e["event"] == "boot-mr-done").unwrap();
    log.insert(at, runtime("compose-hash", &[0xee; 32]));
    forge_rtmr3(&mut v, &log);
    let o = parsed_getquote(v.clone(), &log);
    assert!(o.replay.as_ref().unwrap().rtmr(3).unwrap().matches(), "the forged quote replays");
    let anomalies = o.runtime.as_ref().unwrap().anomalies();
    assert!(anomalies.iter().any(|a| matches!(a, Anomaly::Duplicate { name, .. } if name == "compose-hash")));
    assert_not_authenticated(&run_getquote(v, &log), &["rtmr-replay-match", "compose-hash-match"]);
}

#[test]
fn a_value_event_after_system_ready_fails_and_is_ignored() {
    let (mut v, mut log) = getquote();
    log.push(runtime("compose-hash", &[0xee; 32]));
    forge_rtmr3(&mut v, &log);
    let o = parsed_getquote(v.clone(), &log);
    let rt = o.runtime.as_ref().unwrap();
    assert!(rt.anomalies().iter().any(|a| matches!(a, Anomaly::AfterReady { name, .. } if name == "compose-hash")));
    let kept = hex::encode(rt.measurements().compose_hash.as_ref().unwrap());
    assert!(kept.starts_with("3763bc34"), "the value before system-ready is kept");
    assert!(rt.events().iter().any(|e| e.after_ready && e.name == "LIUM_MINER_HOTKEY"), "an application event");
    let r = run_getquote(v, &log);
    assert_not_authenticated(&r, &["rtmr-replay-match", "compose-hash-match"]);
    assert_eq!(r.facts.compose_hash, None, "nothing an unauthenticated quote replays to is a fact");
}

#[test]
fn a_wrong_length_value_event_fails() {
    let (mut v, mut log) = getquote();
    let i = log.iter().position(|e| e["event"] == "app-id").unwrap();
    log[i] = runtime("app-id", &[1, 2, 3]);
    forge_rtmr3(&mut v, &log);
    let o = parsed_getquote(v.clone(), &log);
    let rt = o.runtime.as_ref().unwrap();
    assert!(rt.anomalies().iter().any(|a| matches!(a, Anomaly::BadPayload { name, .. } if name == "app-id")));
    assert_eq!(rt.measurements().app_id, None);
    let r = run_getquote(v, &log);
    assert_not_authenticated(&r, &["rtmr-replay-match"]);
    assert_eq!(r.facts.app_id, None);
}

#[test]
fn v2_runtime_events_replay_and_a_false_preimage_fails() {
    let (mut v, mut log) = getquote();
    for e in log.iter_mut().filter(|e| e["imr"] == 3) {
        e["version"] = json!(2);
        e["digest"] = json!("");
    }
    forge_rtmr3(&mut v, &log);
    let r = run_getquote(v.clone(), &log);
    assert!(failures_besides_signature(&r).is_empty(), "{:?}", codes(&r, Outcome::Fail));
    assert!(has(&r, "quote-signature-invalid", Outcome::Fail), "the forged quote is caught by DCAP");
    let o = parsed_getquote(v.clone(), &log);
    assert!(o.replay.as_ref().unwrap().problems().next().is_none(), "V2 digests recompute");
    assert!(o.runtime.as_ref().unwrap().measurements().compose_hash.is_some(), "and replay to the forged RTMR3");

    let i = log.iter().position(|e| e["event"] == "app-id").unwrap();
    log[i]["preimage"] = json!(hex::encode(br#"{"name":"app-id","payload":"00","type":134217729}"#));
    let r = run_getquote(v, &log);
    assert!(has(&r, "runtime-event-preimage-mismatch", Outcome::Fail));
}

fn patch_quote(v: &mut Value, offset: usize, xor: u8) {
    let mut q = hex::decode(v["quote"].as_str().unwrap()).unwrap();
    q[offset] ^= xor;
    v["quote"] = Value::String(hex::encode(q));
}

#[test]
fn a_debug_td_fails() {
    let (mut v, log) = getquote();
    patch_quote(&mut v, TD_ATTRIBUTES, 0x01);
    let o = parsed_getquote(v.clone(), &log);
    let mut f = Vec::new();
    dstack_audit::checks::td_policy::check(&o.quote.body, &mut f);
    assert!(f.iter().any(|f| f.code == "td-debug" && f.outcome == Outcome::Fail), "{f:?}");
    assert_not_authenticated(&run_getquote(v, &log), &["td-attributes-ok"]);
}

#[test]
fn an_mr_config_id_that_does_not_carry_the_compose_hash_fails() {
    let text = std::fs::read_to_string(fixture("dstack/tee-solver-phala-prod-0.5/quote.hex")).unwrap();
    let mut q = hex::decode(text.trim()).unwrap();
    assert_eq!(q[MR_CONFIG_ID], 1, "V1 form");
    q[MR_CONFIG_ID + 5] ^= 0x80;
    let sources = Sources {
        attestation: Some(input("dstack/tee-solver-phala-prod-0.5/tcb_info.json")),
        quote: Some(bytes_input("patched.hex", hex::encode(q).into_bytes())),
        ..Sources::default()
    };
    // The V1 form now carries another compose-hash than the one measured (the rule itself runs
    // end to end on the signed `synthetic/attacks/mr-config-v1-tail`).
    let o = parsed(&sources);
    let measured = o.runtime.as_ref().unwrap().measurements().compose_hash.clone().unwrap();
    assert_ne!(o.quote.body.mr_config_id[1..33], measured[..]);
    assert_not_authenticated(&verify(&sources), &["mr-config-id-match"]);
}

#[test]
fn a_claimed_rtmr_that_differs_from_the_quote_fails() {
    let mut v: Value = serde_json::from_slice(&input(NEAR).bytes).unwrap();
    let tcb = &mut v["tee_participant_info"]["Dstack"]["tcb_info"];
    tcb["rtmr1"] = Value::String(flip_hex(tcb["rtmr1"].as_str().unwrap(), 0));
    let r = verify(&Sources {
        attestation: Some(bytes_input("near.json", serde_json::to_vec(&v).unwrap())),
        ..Sources::default()
    });
    let f = finding(&r, "claim-contradicts-measurement");
    assert!(f.message.contains("rtmr1"), "{}", f.message);
}

// --- the RA-TLS binding -------------------------------------------------------------------

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        acc = (acc << 6) | u32::try_from(B64.iter().position(|b| *b == c).unwrap()).unwrap();
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    out
}

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= n { char::from(B64[usize::try_from(v >> (18 - 6 * i) & 63).unwrap()]) } else { '=' });
        }
    }
    out
}

#[test]
fn a_quote_not_bound_to_the_certificate_key_fails() {
    let rel = "phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json";
    let mut v: Value = serde_json::from_slice(&input(rel).bytes).unwrap();
    let pem = v["app_cert"].as_str().unwrap().to_string();
    let begin = "-----BEGIN CERTIFICATE-----";
    let end = "-----END CERTIFICATE-----";
    let body_start = pem.find(begin).unwrap() + begin.len();
    let body_end = pem.find(end).unwrap();
    let mut der = b64_decode(&pem[body_start..body_end]);
    let quote = std::fs::read(fixture("phala/crabbox-phala-dstack-dev-0.5.9/real_tdx_quote.bin")).unwrap();
    let at = der.windows(quote.len()).position(|w| w == quote.as_slice()).unwrap();
    der[at + BODY + 520] ^= 0x01; // one byte of report_data inside the quote extension
    let encoded = b64_encode(&der);
    let lines: Vec<&str> = encoded.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let patched = format!("{}{begin}\n{}\n{}", &pem[..pem.find(begin).unwrap()], lines.join("\n"), &pem[body_end..]);
    v["app_cert"] = Value::String(patched);
    let sources =
        Sources { attestation: Some(bytes_input("info.json", serde_json::to_vec(&v).unwrap())), ..Sources::default() };
    let o = parsed(&sources);
    let key = &o.ratls.as_ref().unwrap().spki_der;
    assert_ne!(dstack_audit::evidence::ratls::ratls_report_data(key), o.quote.body.report_data);
    assert_not_authenticated(&verify(&sources), &["ratls-binding-match"]);
}

// --- reference values ----------------------------------------------------------------------

fn near_reference() -> Value {
    serde_json::from_slice(&input("reference/near-mpc-dstack-dev-0.5.8.json").bytes).unwrap()
}

fn with_reference(edit: impl FnOnce(&mut Value)) -> Report {
    let mut r = near_reference();
    edit(&mut r);
    let reference: Reference = parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap();
    verify_ref(&attestation(NEAR), &reference)
}

#[test]
fn each_reference_value_can_fail_and_says_which_entry() {
    let other48 = "11".repeat(48);
    for (field, code) in [
        ("mrtd", "mrtd-not-allowed"),
        ("rtmr0", "rtmr0-not-allowed"),
        ("rtmr1", "rtmr1-not-allowed"),
        ("rtmr2", "rtmr2-not-allowed"),
    ] {
        let r = with_reference(|v| v["tdx"][field] = json!([other48]));
        let f = finding(&r, code);
        assert_eq!(f.outcome, Outcome::Fail);
        assert!(f.message.contains(&format!("tdx.{field}")), "{}", f.message);
        assert_eq!(f.expected.as_deref(), Some(other48.as_str()));
        assert_eq!(r.verdict, Verdict::Fail);
    }
    let r = with_reference(|v| v["dstack"]["compose_hash"] = json!(["22".repeat(32)]));
    assert!(finding(&r, "compose-hash-not-allowed").message.contains("dstack.compose_hash"));
    let r = with_reference(|v| v["dstack"]["app_id"] = json!("33".repeat(20)));
    assert_eq!(finding(&r, "app-id-not-allowed").outcome, Outcome::Fail);
    let r = with_reference(|v| v["dstack"]["key_provider"]["name"] = json!("kms"));
    assert_eq!(finding(&r, "key-provider-mismatch").outcome, Outcome::Fail);
    let r = with_reference(|v| v["dstack"]["key_provider"]["id"] = json!("00"));
    assert_eq!(finding(&r, "key-provider-mismatch").outcome, Outcome::Fail);
    let r = with_reference(|v| v["dstack"]["report_data"] = json!("00"));
    assert_eq!(finding(&r, "report-data-mismatch").outcome, Outcome::Fail);
}

#[test]
fn an_allow_list_passes_when_any_entry_matches() {
    let r = with_reference(|v| {
        let real = v["tdx"]["mrtd"][0].clone();
        v["tdx"]["mrtd"] = json!(["44".repeat(48), real]);
    });
    assert!(has(&r, "mrtd-allowed", Outcome::Pass));
}

#[test]
fn a_reference_os_image_hash_needs_the_measured_event_not_the_claim() {
    // NEAR's tcb_info claims 7d47512f…, but no os-image-hash event is measured.
    let claimed = "7d47512f";
    let r = with_reference(|v| {
        let text = std::fs::read_to_string(fixture("dstack/near-mpc-dstack-dev-0.5.8/tcb_info.json")).unwrap();
        let tcb: Value = serde_json::from_str(&text).unwrap();
        assert!(tcb["os_image_hash"].as_str().unwrap().starts_with(claimed));
        v["dstack"]["os_image_hash"] = tcb["os_image_hash"].clone();
    });
    assert_eq!(finding(&r, "os-image-hash-not-measured").outcome, Outcome::Fail);
}

#[test]
fn absent_expectations_are_not_checked_never_passed() {
    let r = with_reference(|v| {
        v.as_object_mut().unwrap().remove("tdx");
    });
    assert!(has(&r, "reference-section-missing", Outcome::NotChecked));
    let r = with_reference(|v| {
        v["tdx"].as_object_mut().unwrap().remove("rtmr2");
    });
    assert!(has(&r, "reference-value-missing", Outcome::NotChecked));
    let r = with_reference(|v| {
        v["dstack"].as_object_mut().unwrap().remove("compose_hash");
    });
    assert!(has(&r, "reference-value-missing", Outcome::NotChecked));
    let r = verify(&attestation(NEAR));
    assert!(has(&r, "reference-missing", Outcome::NotChecked));
}

// --- an unauthenticated quote --------------------------------------------------------------

/// The findings of check 1 that DCAP itself produces (the quote's signature chain, the
/// collateral, the TCB status): the only ones that may pass whatever the quote says.
const DCAP_FINDINGS: [&str; 3] = ["quote-signature-chain-valid", "collateral-valid", "tcb-status-allowed"];

#[test]
fn a_td_report_that_does_not_verify_passes_nothing_it_says() {
    // One byte of MR_OWNER, which no check compares: every other value still matches the
    // reference, but none of them is authenticated any more.
    const MR_OWNER: usize = BODY + 232;
    let mut v: Value = serde_json::from_slice(&input(NEAR).bytes).unwrap();
    let quote = &mut v["tee_participant_info"]["Dstack"]["quote"][MR_OWNER];
    *quote = json!(quote.as_u64().unwrap() ^ 0x01);
    let reference = near_reference();
    let reference = parse_reference(&serde_json::to_vec(&reference).unwrap(), "ref.json").unwrap();
    let r = verify_ref(
        &Sources { attestation: Some(bytes_input("near.json", serde_json::to_vec(&v).unwrap())), ..Sources::default() },
        &reference,
    );
    assert!(has(&r, "quote-signature-invalid", Outcome::Fail), "{:?}", codes(&r, Outcome::Fail));
    let passed: Vec<&str> = r.checks[0]
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Pass && !DCAP_FINDINGS.contains(&f.code.as_str()))
        .map(|f| f.code.as_str())
        .collect();
    assert!(passed.is_empty(), "passed on an unauthenticated quote: {passed:?}");
    for code in ["mrtd-allowed", "rtmr0-allowed", "rtmr2-allowed", "compose-hash-allowed", "key-provider-allowed"] {
        let f = finding(&r, code);
        assert_eq!((f.outcome, f.message.as_str()), (Outcome::NotChecked, "the quote is not authenticated"), "{code}");
    }
    assert!(!r.facts.quote_authenticated, "the facts say the quote's values are not authenticated");
    assert_eq!(r.facts.compose_hash, None, "no runtime-event value of an unauthenticated quote is a fact");
    assert_eq!(r.verdict, Verdict::Fail);
}
