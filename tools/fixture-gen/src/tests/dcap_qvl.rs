//! Differential check: dcap-qvl 0.7 (`QuoteVerifier::new(root_ca_der)`, which takes a custom
//! root) must agree with every expected.json, except where dcap-qvl is deliberately stricter
//! than Intel's QVL: it refuses Revoked TCBs and debug TDs outright (research §3).

use dcap_qvl::verify::QuoteVerifier;
use dcap_qvl::QuoteCollateralV3;

use super::{file, scenario_file};
use crate::scenarios::{self, Scenario};

fn root_der(pem_path: &str) -> Vec<u8> {
    let text = std::str::from_utf8(file(pem_path)).unwrap();
    let cert: x509_cert::Certificate = der::DecodePem::from_pem(text).unwrap();
    der::Encode::to_der(&cert).unwrap()
}

fn run(s: &Scenario, root_pem: &str, allow_debug: bool) -> Result<dcap_qvl::verify::VerifiedReport, String> {
    let collateral: QuoteCollateralV3 = serde_json::from_slice(scenario_file(s.name, "collateral.json")).unwrap();
    let now = s.at.datetime().unwrap().unix_duration().as_secs();
    QuoteVerifier::new(root_der(root_pem))
        .allow_debug(allow_debug)
        .verify(scenario_file(s.name, "quote.bin"), &collateral, now)
        .map_err(|e| format!("{e:#}"))
}

/// What dcap-qvl's error says for each expected error_code.
fn dcap_qvl_message(error_code: &str) -> &'static str {
    match error_code {
        "cert-revoked" => "CertRevoked",
        "collateral-expired" => "TCBInfo expired",
        "collateral-not-yet-valid" => "TCBInfo issue date is in the future",
        "tdx-module-identity-missing" => "No TDX module identity with id TDX_07",
        "tcb-info-fmspc-mismatch" => "Fmspc mismatch",
        "tcb-level-not-supported" => "No matching TCB level found",
        "qe-report-binding-mismatch" => "QE report hash mismatch",
        "quote-signature-invalid" => "ISV enclave report signature is invalid",
        // The root CRL is the first object dcap-qvl checks against the pinned root.
        "chain-root-mismatch" => "Failed to parse root CA CRL",
        "td-debug" => "Debug mode is enabled",
        other => panic!("no dcap-qvl message for {other}"),
    }
}

#[test]
fn dcap_qvl_agrees_with_every_expected_result() {
    for s in scenarios::all() {
        let result = run(&s, "test-root-ca.pem", false);
        match (s.status, s.error_code) {
            (Some("Revoked"), None) => {
                let err = result.expect_err(s.name);
                assert!(err.contains("TCB status is invalid: Revoked"), "{}: {err}", s.name);
            }
            (Some(status), None) => {
                let report = result.unwrap_or_else(|e| panic!("{}: {e}", s.name));
                assert_eq!(report.status, status, "{}", s.name);
                assert_eq!(report.advisory_ids, s.advisory_ids, "{}", s.name);
            }
            (_, Some(code)) => {
                let err = result.expect_err(s.name);
                assert!(err.contains(dcap_qvl_message(code)), "{}: {err}", s.name);
            }
            (None, None) => panic!("{}: neither status nor error", s.name),
        }
    }
}

#[test]
fn dcap_qvl_debug_td_is_up_to_date_when_debug_is_allowed() {
    let s = scenarios::all().into_iter().find(|s| s.name == "debug-td").unwrap();
    let report = run(&s, "test-root-ca.pem", true).unwrap();
    assert_eq!(report.status, "UpToDate");
}

#[test]
fn dcap_qvl_wrong_root_verifies_under_its_own_root() {
    let s = scenarios::all().into_iter().find(|s| s.name == "wrong-root").unwrap();
    let report = run(&s, "dcap/wrong-root/other-root-ca.pem", false).unwrap();
    assert_eq!(report.status, "UpToDate");
    assert!(report.advisory_ids.is_empty());
}

#[test]
fn dcap_qvl_rejects_the_fixtures_under_intels_root() {
    let s = scenarios::all().into_iter().find(|s| s.name == "up-to-date").unwrap();
    let collateral: QuoteCollateralV3 = serde_json::from_slice(scenario_file(s.name, "collateral.json")).unwrap();
    let now = s.at.datetime().unwrap().unix_duration().as_secs();
    let result = QuoteVerifier::new_prod().verify(scenario_file(s.name, "quote.bin"), &collateral, now);
    assert!(result.is_err());
}
