//! Evidence that says the same thing twice must agree (issue 10 §3, docs/decisions.md 32).
//! Real fixtures carry agreeing pairs (the RA-TLS certificate's event log and `tcb_info`'s, a
//! V0 attestation's `event_log` and `runtime_events`, NEAR's side files); mutated copies must
//! fail check 1 (within one input) or be refused (a side file against the attestation).

use crate::common::*;
use dstack_audit::evidence::Sources;
use dstack_audit::report::{Outcome, Report};
use serde_json::{json, Value};

const AGREES: &str = "evidence-duplicate-agrees";
const MISMATCH: &str = "evidence-duplicate-mismatch";

fn run(doc: &Value) -> Report {
    verify(&Sources {
        attestation: Some(bytes_input("doc.json", serde_json::to_vec(doc).unwrap())),
        ..Sources::default()
    })
}

fn messages(r: &Report, code: &str) -> Vec<String> {
    r.checks.iter().flat_map(|c| &c.findings).filter(|f| f.code == code).map(|f| f.message.clone()).collect()
}

fn json_fixture(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap()
}

fn tee_solver() -> (String, Value) {
    let quote =
        std::fs::read_to_string(fixture("dstack/tee-solver-phala-prod-0.5/quote.hex")).unwrap().trim().to_string();
    (quote, json_fixture("dstack/tee-solver-phala-prod-0.5/tcb_info.json"))
}

/// The stripped form dstack ≥ 0.5.6 GetQuote returns: runtime digests and boot payloads empty.
fn stripped(log: &Value) -> Value {
    let mut log = log.clone();
    for e in log.as_array_mut().unwrap() {
        if e["imr"] == 3 {
            e["digest"] = json!("");
        } else {
            e["event_payload"] = json!("");
        }
    }
    log
}

#[test]
fn ratls_certificate_log_agrees_with_tcb_info_log_and_a_relabelled_copy_fails() {
    let rel = "phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json";
    let r = verify(&attestation(rel));
    let m = messages(&r, AGREES);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].contains("tcb_info.event_log") && m[0].contains("app_cert event log extension"), "{m:?}");
    assert!(messages(&r, MISMATCH).is_empty());

    // Relabel a boot event in tcb_info (labels are not measured, so only the comparison sees it).
    let mut doc = json_fixture(rel);
    let mut tcb: Value = serde_json::from_str(doc["tcb_info"].as_str().unwrap()).unwrap();
    tcb["event_log"][0]["event"] = json!("relabelled");
    doc["tcb_info"] = json!(tcb.to_string());
    let r = run(&doc);
    let m = messages(&r, MISMATCH);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].contains("entry 0") && m[0].contains("relabelled"), "{m:?}");
    assert!(has(&r, MISMATCH, Outcome::Fail));
    assert_eq!(r.checks[0].status, dstack_audit::report::Status::Fail);
}

#[test]
fn versioned_attestation_runtime_events_agree_with_its_log_and_a_changed_one_fails() {
    let rel = "dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json";
    let r = verify(&attestation(rel));
    let m = messages(&r, AGREES);
    assert!(m.iter().any(|m| m.contains("at `attestation.event_log` and at `attestation.runtime_events`")), "{m:?}");

    // Change one letter of the second `app-id` (the one in runtime_events; the log comes first).
    let doc = json_fixture(rel);
    let mut bin = hex::decode(doc["attestation"].as_str().unwrap()).unwrap();
    let hits: Vec<usize> = bin.windows(6).enumerate().filter(|(_, w)| w == b"app-id").map(|(i, _)| i).collect();
    assert_eq!(hits.len(), 2, "app-id in event_log and in runtime_events");
    bin[hits[1] + 5] = b'D';
    let r = run(&json!({"attestation": hex::encode(&bin)}));
    let m = messages(&r, MISMATCH);
    assert!(m.iter().any(|m| m.contains("RTMR3 events") && m.contains("app-iD")), "{m:?}");
}

#[test]
fn outer_quote_and_log_beside_an_attestation_are_compared() {
    let rel = "dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json";
    let doc = json_fixture(rel);
    let bin = hex::decode(doc["attestation"].as_str().unwrap()).unwrap();
    let inner = dstack_audit::evidence::scale::parse_versioned_attestation(&bin).unwrap();
    let same = json!({"attestation": doc["attestation"], "quote": hex::encode(&inner.quote)});
    let r = run(&same);
    assert!(messages(&r, AGREES).iter().any(|m| m.contains("at `attestation.quote` and at `quote` of doc.json")));
    assert!(messages(&r, MISMATCH).is_empty());

    let (other_quote, tcb) = tee_solver();
    let r = run(&json!({"attestation": doc["attestation"], "quote": other_quote}));
    let m = messages(&r, MISMATCH);
    assert!(m.iter().any(|m| m.contains("quote") && m.contains("first different at byte offset")), "{m:?}");
    // The attestation's own quote is the one checked (dstack-verifier reads only it).
    assert_eq!(r.facts.mr_td, verify(&attestation(rel)).facts.mr_td);

    let r = run(&json!({"attestation": doc["attestation"], "event_log": tcb["event_log"].to_string()}));
    // The tdx-lite attestation says its boot log is lite: the first difference is an RTMR0 event.
    let m = messages(&r, MISMATCH);
    assert!(
        m.iter().any(|m| m.contains("event log at `attestation.event_log` and at `event_log`") && m.contains("RTMR0")),
        "{m:?}"
    );
}

#[test]
fn a_stripped_getquote_log_agrees_with_the_full_tcb_info_log() {
    let (quote, tcb) = tee_solver();
    let info = json!({"app_id": "d35e277ab5ec51f71f5e395ab2e332ed8db5853a", "tcb_info": tcb.to_string()});
    let getquote =
        |log: &Value| json!({"quote": quote, "event_log": log.to_string(), "report_data": "", "vm_config": "{}"});
    let r = run(&json!({"quote": getquote(&stripped(&tcb["event_log"])), "info": info}));
    let m = messages(&r, AGREES);
    assert!(m.iter().any(|m| m.contains("at `quote.event_log` and at `info.tcb_info.event_log`")), "{m:?}");
    assert!(codes(&r, Outcome::Fail).is_empty(), "{:?}", codes(&r, Outcome::Fail));

    // One runtime payload changed in the GetQuote copy: the copies disagree.
    let mut log = stripped(&tcb["event_log"]);
    let i = log.as_array().unwrap().iter().position(|e| e["event"] == "compose-hash").unwrap();
    log[i]["event_payload"] = json!("00".repeat(32));
    let r = run(&json!({"quote": getquote(&log), "info": info}));
    let m = messages(&r, MISMATCH);
    assert!(m.iter().any(|m| m.contains(&format!("entry {i}")) && m.contains("payload")), "{m:?}");
}

#[test]
fn two_app_compose_texts_must_be_the_same_bytes() {
    let (quote, tcb) = tee_solver();
    let compose = tcb["app_compose"].as_str().unwrap().to_string();
    let doc = |top: &str| json!({"quote": quote, "event_log": tcb["event_log"], "app_compose": top, "tcb_info": {"app_compose": compose}});
    let r = run(&doc(&compose));
    assert!(messages(&r, AGREES).iter().any(|m| m.contains("app-compose") && m.contains("tcb_info.app_compose")));
    assert!(codes(&r, Outcome::Fail).is_empty(), "{:?}", codes(&r, Outcome::Fail));
    let r = run(&doc(&format!("{compose} ")));
    let m = messages(&r, MISMATCH);
    assert!(m.iter().any(|m| m.contains("app-compose") && m.contains("first different at byte offset")), "{m:?}");
}

fn near(file: &str) -> dstack_audit::evidence::InputFile {
    input(&format!("dstack/near-mpc-dstack-0.5.4/{file}"))
}

fn near_sources() -> Sources {
    Sources {
        attestation: Some(near("public_data.json")),
        quote: Some(near("quote.json")),
        event_log: Some(near("tcb_info.json")),
        app_compose: Some(near("app_compose.json")),
        ..Sources::default()
    }
}

#[test]
fn side_files_that_agree_with_the_attestation_are_noted() {
    let r = verify(&near_sources());
    let m = messages(&r, AGREES);
    for what in ["quote", "event log", "app-compose"] {
        assert!(m.iter().any(|m| m.starts_with(&format!("the {what} in fixtures/"))), "{what}: {m:?}");
    }
    assert!(messages(&r, MISMATCH).is_empty());
}

#[test]
fn side_files_that_contradict_the_attestation_are_refused_naming_both() {
    let load = |s: &Sources| dstack_audit::evidence::load(s).unwrap_err().to_string();
    let mut s = near_sources();
    s.quote = Some(input("dstack/tee-solver-phala-prod-0.5/quote.hex"));
    let e = load(&s);
    assert!(
        e.contains("quote.hex") && e.contains("tee_participant_info.Dstack.quote") && e.contains("different quote"),
        "{e}"
    );

    let mut s = near_sources();
    let mut text = near("app_compose.json").bytes;
    text.push(b'\n');
    s.app_compose = Some(bytes_input("edited.json", text));
    let e = load(&s);
    assert!(
        e.contains("edited.json") && e.contains("tcb_info.app_compose") && e.contains("different app-compose"),
        "{e}"
    );

    let mut s = near_sources();
    let mut tcb = json_fixture("dstack/near-mpc-dstack-0.5.4/tcb_info.json");
    tcb["event_log"][1]["event"] = json!("relabelled");
    s.event_log = Some(bytes_input("log.json", serde_json::to_vec(&tcb).unwrap()));
    let e = load(&s);
    assert!(e.contains("log.json") && e.contains("tcb_info.event_log") && e.contains("entry 1"), "{e}");
}

/// dstack-verifier's request form with both the attestation and the GetQuote fields, built from
/// the two real tdx-lite captures of one quote: the SCALE log is the lite form (3 ACPI events and
/// RTMR3), the GetQuote log the stripped form of the whole log. They agree.
#[test]
fn a_lite_attestation_log_agrees_with_the_stripped_getquote_log_of_the_same_quote() {
    let dir = "dstack/dstack-verifier-tdx-lite";
    let mut doc = json_fixture(&format!("{dir}/tdx-lite-attestation.json"));
    let getquote = json_fixture(&format!("{dir}/tdx-lite-getquote.json"));
    for k in ["quote", "event_log", "vm_config"] {
        doc[k] = getquote[k].clone();
    }
    let r = run(&doc);
    let m = messages(&r, AGREES);
    assert!(m.iter().any(|m| m.starts_with("the quote at `attestation.quote` and at `quote` of doc.json agree (byte for byte)")), "{m:?}");
    assert!(
        m.iter().any(|m| m.starts_with("the event log at `attestation.event_log` and at `event_log` of doc.json")
            && m.contains("lite")),
        "{m:?}"
    );
    assert!(messages(&r, MISMATCH).is_empty(), "{:?}", messages(&r, MISMATCH));

    // A boot event the lite copy keeps, changed in the GetQuote copy: no longer found in order.
    let mut log: Value = serde_json::from_str(getquote["event_log"].as_str().unwrap()).unwrap();
    let i = log.as_array().unwrap().iter().position(|e| e["event"] == "acpi-tables").unwrap();
    log[i]["digest"] = json!("ab".repeat(48));
    doc["event_log"] = json!(log.to_string());
    let m = messages(&run(&doc), MISMATCH);
    assert!(m.iter().any(|m| m.contains("RTMR0") && m.contains("acpi-tables")), "{m:?}");

    // An RTMR3 event left out of one copy is never accepted, lite or not.
    let mut log: Value = serde_json::from_str(getquote["event_log"].as_str().unwrap()).unwrap();
    let i = log.as_array().unwrap().iter().position(|e| e["event"] == "system-ready").unwrap();
    log.as_array_mut().unwrap().remove(i);
    doc["event_log"] = json!(log.to_string());
    let m = messages(&run(&doc), MISMATCH);
    assert!(m.iter().any(|m| m.contains("RTMR3 entries")), "{m:?}");
}

/// A key written twice in one object of an evidence file is refused (exit 2), naming the key and
/// its place (decision 81): `serde_json` would keep the last value while a reader of the file sees
/// the first. The attack puts bogus `app_compose` and `quote` keys before the genuine ones.
#[test]
fn a_key_written_twice_in_the_evidence_is_refused_with_its_place() {
    let dir = "fixtures/synthetic/attacks/mr-config-v2";
    let genuine = std::fs::read_to_string(fixture("synthetic/attacks/mr-config-v2/attestation.json")).unwrap();
    let body = genuine.trim_start().strip_prefix('{').unwrap();
    let doubled = format!("{{\"app_compose\":\"{{\\\"name\\\":\\\"bogus\\\"}}\",\"quote\":\"00\",{body}");
    let path = std::env::temp_dir().join(format!("dstack-audit-dup-key-{}.json", std::process::id()));
    std::fs::write(&path, &doubled).unwrap();
    let args: Vec<String> = std::fs::read_to_string(fixture("synthetic/attacks/mr-config-v2/args"))
        .unwrap()
        .split_whitespace()
        .map(|a| if a.ends_with(".json") || a.ends_with(".pem") { format!("{dir}/{a}") } else { a.to_string() })
        .collect();
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(argv[0], format!("{dir}/attestation.json"));
    argv[0] = path.to_str().unwrap();
    let mut full = vec!["verify"];
    full.extend(argv);
    let out = run_cli(&full);
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("key `app_compose` a second time in the top-level object"), "{stderr}");
    assert!(stderr.contains("each key at most once"), "{stderr}");
    // The genuine file alone still verifies (check 1 passes).
    let genuine_args: Vec<&str> = ["verify"].into_iter().chain(args.iter().map(String::as_str)).collect();
    let ok = run_cli(&genuine_args);
    assert_ne!(ok.status.code(), Some(2), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn a_key_written_twice_inside_a_tcb_info_or_event_log_string_is_refused() {
    let (quote, tcb) = tee_solver();
    let tcb_text = serde_json::to_string(&tcb).unwrap();
    let doubled = tcb_text.replacen('{', "{\"app_compose\":\"{}\",", 1);
    let doc = json!({"quote": quote, "tcb_info": doubled});
    let err = dstack_audit::evidence::load(&Sources {
        attestation: Some(bytes_input("doc.json", serde_json::to_vec(&doc).unwrap())),
        ..Sources::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("tcb_info") && err.contains("`app_compose` appears twice"), "{err}");
    let log = serde_json::to_string(&tcb["event_log"]).unwrap().replacen("{\"", "{\"imr\":0,\"", 1);
    let doc = json!({"quote": quote, "event_log": log});
    let err = dstack_audit::evidence::load(&Sources {
        attestation: Some(bytes_input("doc.json", serde_json::to_vec(&doc).unwrap())),
        ..Sources::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("appears twice"), "{err}");
}
