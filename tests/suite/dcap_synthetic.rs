//! DCAP on the generated scenarios (fixtures/synthetic, made by tools/fixture-gen under a TEST
//! root): every TCB status, and every failure real data cannot show — a revoked PCK, expired or
//! not-yet-valid collateral, an unknown module identity, a wrong FMSPC, a bad QE binding, a bad
//! quote signature, a wrong root, a debug TD.

use crate::common::dcap::{expected, scenarios};
use crate::common::{fixture, run_cli};
use dstack_audit::clock::parse_rfc3339;
use dstack_audit::dcap::collateral::parse_collateral;
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::{verify_dcap, DcapOutcome};
use dstack_audit::tdx::quote::parse_quote;
use serde_json::Value;

fn test_root() -> TrustAnchor {
    let pem = std::fs::read(fixture("synthetic/test-root-ca.pem")).unwrap();
    TrustAnchor::untrusted_test_root(&pem, "test-root-ca.pem").unwrap()
}

fn run(name: &str, anchor: &TrustAnchor) -> DcapOutcome {
    let quote = parse_quote(&std::fs::read(fixture(&format!("synthetic/dcap/{name}/quote.bin"))).unwrap()).unwrap();
    let v: Value =
        serde_json::from_slice(&std::fs::read(fixture(&format!("synthetic/dcap/{name}/collateral.json"))).unwrap())
            .unwrap();
    let at = parse_rfc3339(expected(name)["at"].as_str().unwrap(), "at").unwrap().unix_time();
    verify_dcap(&quote, Some(&parse_collateral(&v).unwrap()), anchor, at)
}

fn failure_codes(o: &DcapOutcome) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(Err(e)) = &o.collateral {
        out.push(e.code().as_str());
    }
    if let Err(e) = &o.quote {
        out.push(e.code().as_str());
    }
    if let Some(Err(e)) = &o.tcb {
        out.push(e.code().as_str());
    }
    out
}

#[test]
fn the_generator_made_every_scenario() {
    assert!(scenarios().len() >= 20, "{:?}", scenarios());
    for required in [
        "up-to-date",
        "pck-revoked",
        "collateral-expired",
        "collateral-not-yet-valid",
        "unknown-module-identity",
        "wrong-fmspc",
        "debug-td",
        "bad-qe-binding",
        "out-of-date",
        "revoked-tcb",
        "td15-relaunch-advised",
    ] {
        assert!(scenarios().iter().any(|s| s == required), "{required}");
    }
}

#[test]
fn every_scenario_gives_its_expected_status_or_failure() {
    let anchor = test_root();
    for name in scenarios() {
        let want = expected(&name);
        let o = run(&name, &anchor);
        let fails = failure_codes(&o);
        match want["status"].as_str() {
            Some(status) => {
                assert!(fails.is_empty(), "{name}: {fails:?}");
                let t = o.tcb.as_ref().unwrap().as_ref().unwrap();
                assert_eq!(t.status.as_str(), status, "{name}");
                let adv: Vec<String> =
                    want["advisory_ids"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
                assert_eq!(t.advisory_ids, adv, "{name}");
            }
            None => {
                let code = want["error_code"].as_str().unwrap();
                assert!(fails.contains(&code), "{name}: expected {code}, got {fails:?}");
            }
        }
    }
}

#[test]
fn the_test_root_is_never_mistaken_for_intels() {
    // With the pinned Intel root, no synthetic quote verifies.
    let intel = TrustAnchor::intel().unwrap();
    let o = run("up-to-date", &intel);
    assert_eq!(o.quote.as_ref().unwrap_err().code(), "chain-root-mismatch");
    assert!(test_root().is_test_root());
}

fn verify_cli(name: &str, extra: &[&str]) -> (i32, Value) {
    let dir = format!("fixtures/synthetic/dcap/{name}");
    let at = expected(name)["at"].as_str().unwrap().to_string();
    let quote = format!("{dir}/quote.bin");
    let collateral = format!("{dir}/collateral.json");
    let mut args = vec!["verify", "--quote", &quote, "--collateral", &collateral, "--at", &at, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run_cli(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), report)
}

fn finding_codes(r: &Value) -> Vec<String> {
    r["checks"][0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_cli_trusts_a_test_root_only_when_told_and_says_so() {
    let (code, r) = verify_cli("up-to-date", &["--tdx-root-ca", "fixtures/synthetic/test-root-ca.pem"]);
    assert_eq!(code, 3, "attestation ok, launcher/workload not checked");
    assert_eq!(r["trust_roots"][0]["untrusted_test_root"], true);
    assert!(finding_codes(&r).contains(&"untrusted-test-root".to_string()));
    assert!(finding_codes(&r).contains(&"tcb-status-allowed".to_string()));
    assert_eq!(r["facts"]["tcb_status"], "UpToDate");

    let (code, r) = verify_cli("up-to-date", &[]);
    assert_eq!(code, 1);
    assert!(finding_codes(&r).contains(&"chain-root-mismatch".to_string()), "{:?}", finding_codes(&r));
}

#[test]
fn the_tcb_policy_decides_which_statuses_pass() {
    let root = ["--tdx-root-ca", "fixtures/synthetic/test-root-ca.pem"];
    let (code, r) = verify_cli("out-of-date", &root);
    assert_eq!(code, 1, "OutOfDate is not allowed by default");
    assert!(finding_codes(&r).contains(&"tcb-status-not-allowed".to_string()));

    let dir = std::env::temp_dir().join(format!("dstack-audit-tcb-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, tcb: Value| {
        let p = dir.join(name);
        std::fs::write(
            &p,
            serde_json::to_vec(&serde_json::json!({"schema": "dstack-audit/reference/v1", "tcb": tcb})).unwrap(),
        )
        .unwrap();
        p.to_string_lossy().into_owned()
    };
    let status_only = write("status.json", serde_json::json!({"allowed_statuses": ["UpToDate", "OutOfDate"]}));
    let (_, r) = verify_cli("out-of-date", &[root[0], root[1], "--reference", &status_only]);
    let codes = finding_codes(&r);
    assert!(codes.contains(&"tcb-status-allowed".to_string()));
    assert!(codes.contains(&"tcb-advisory-not-allowed".to_string()), "advisories still need allowing: {codes:?}");

    let adv: Vec<Value> = expected("out-of-date")["advisory_ids"].as_array().unwrap().clone();
    let both = write(
        "both.json",
        serde_json::json!({"allowed_statuses": ["UpToDate", "OutOfDate"], "allowed_advisories": adv}),
    );
    let (_, r) = verify_cli("out-of-date", &[root[0], root[1], "--reference", &both]);
    let codes = finding_codes(&r);
    assert!(
        !codes.contains(&"tcb-advisory-not-allowed".to_string())
            && !codes.contains(&"tcb-status-not-allowed".to_string()),
        "{codes:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_debug_td_fails_even_with_an_up_to_date_tcb() {
    let (code, r) = verify_cli("debug-td", &["--tdx-root-ca", "fixtures/synthetic/test-root-ca.pem"]);
    assert_eq!(code, 1);
    let codes = finding_codes(&r);
    assert!(codes.contains(&"td-debug".to_string()) && codes.contains(&"tcb-status-allowed".to_string()), "{codes:?}");
}

#[test]
fn revoked_and_expired_cases_name_their_dates() {
    let anchor = test_root();
    let o = run("collateral-expired", &anchor);
    let msg = o.collateral.as_ref().unwrap().as_ref().unwrap_err().to_string();
    assert!(msg.contains("valid from") && msg.contains("not at 2026-02-15T00:00:00Z"), "{msg}");
    let o = run("pck-revoked", &anchor);
    assert_eq!(o.quote.as_ref().unwrap_err().code(), "cert-revoked");
}

fn write_reference(tag: &str, tcb: Value) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("dstack-audit-tcb-{tag}-{}.json", std::process::id()));
    let doc = serde_json::json!({"schema": "dstack-audit/reference/v1", "tcb": tcb});
    std::fs::write(&p, serde_json::to_vec(&doc).unwrap()).unwrap();
    p
}

/// A Revoked TCB fails whatever else the reference accepts, and a reference cannot list it.
#[test]
fn revoked_is_never_acceptable() {
    let root = ["--tdx-root-ca", "fixtures/synthetic/test-root-ca.pem"];
    let (code, r) = verify_cli("revoked-tcb", &root);
    assert_eq!(code, 1);
    assert!(finding_codes(&r).contains(&"tcb-status-revoked".to_string()), "{:?}", finding_codes(&r));

    let all_but_revoked: Vec<&str> =
        dstack_audit::dcap::tcb_info::TcbStatus::ALL.iter().map(|s| s.as_str()).filter(|s| *s != "Revoked").collect();
    let adv = expected("revoked-tcb")["advisory_ids"].clone();
    let wide =
        write_reference("wide", serde_json::json!({"allowed_statuses": all_but_revoked, "allowed_advisories": adv}));
    let wide = wide.to_string_lossy().into_owned();
    let (code, r) = verify_cli("revoked-tcb", &[root[0], root[1], "--reference", &wide]);
    assert_eq!(code, 1);
    let codes = finding_codes(&r);
    assert!(codes.contains(&"tcb-status-revoked".to_string()), "{codes:?}");
    assert!(
        !codes.contains(&"tcb-status-allowed".to_string()) && !codes.contains(&"tcb-advisory-not-allowed".to_string())
    );
    // The same wide policy accepts an OutOfDate platform: only Revoked is singled out.
    let adv = expected("out-of-date")["advisory_ids"].clone();
    let wide_ood = write_reference(
        "wide-ood",
        serde_json::json!({"allowed_statuses": all_but_revoked, "allowed_advisories": adv}),
    );
    let wide_ood = wide_ood.to_string_lossy().into_owned();
    let (_, r) = verify_cli("out-of-date", &[root[0], root[1], "--reference", &wide_ood]);
    assert!(finding_codes(&r).contains(&"tcb-status-allowed".to_string()), "{:?}", finding_codes(&r));

    let listing = write_reference("listing", serde_json::json!({"allowed_statuses": ["UpToDate", "Revoked"]}));
    let listing = listing.to_string_lossy().into_owned();
    let dir = "fixtures/synthetic/dcap/revoked-tcb";
    let out = run_cli(&[
        "verify",
        "--quote",
        &format!("{dir}/quote.bin"),
        "--collateral",
        &format!("{dir}/collateral.json"),
        "--tdx-root-ca",
        root[1],
        "--reference",
        &listing,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&listing) && err.contains("tcb.allowed_statuses[1]") && err.contains("`Revoked`"), "{err}");
    assert!(err.contains("no policy may accept it"), "{err}");

    let typo = write_reference("typo", serde_json::json!({"allowed_statuses": ["UpToDate", "OutofDate"]}));
    let typo = typo.to_string_lossy().into_owned();
    let out = run_cli(&["verify", "--quote", &format!("{dir}/quote.bin"), "--reference", &typo]);
    assert_eq!(out.status.code(), Some(2), "a misspelt status is not a silent never-match");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&typo) && err.contains("tcb.allowed_statuses[1]") && err.contains("did you mean OutOfDate"),
        "{err}"
    );
    for p in [wide, wide_ood, listing, typo] {
        std::fs::remove_file(p).unwrap();
    }
}
