//! Every attestation shape of SPEC §2 is recognised without flags. Shapes that no real capture
//! exists for (Phala Cloud listings, the Phala CLI output, combined objects, the verifier request)
//! are assembled here from the real tee-solver Phala CVM evidence, so their measurements are real.

use crate::common::*;
use dstack_audit::evidence::{Shape, Sources};
use dstack_audit::report::{Outcome, Report};
use serde_json::{json, Value};

fn tee_solver() -> (String, Value) {
    let quote =
        std::fs::read_to_string(fixture("dstack/tee-solver-phala-prod-0.5/quote.hex")).unwrap().trim().to_string();
    let tcb: Value =
        serde_json::from_slice(&std::fs::read(fixture("dstack/tee-solver-phala-prod-0.5/tcb_info.json")).unwrap())
            .unwrap();
    (quote, tcb)
}

fn run(doc: &Value) -> Report {
    verify(&Sources {
        attestation: Some(bytes_input("shape.json", serde_json::to_vec(doc).unwrap())),
        ..Sources::default()
    })
}

fn load_shape(doc: &Value) -> Shape {
    dstack_audit::evidence::load(&Sources {
        attestation: Some(bytes_input("shape.json", serde_json::to_vec(doc).unwrap())),
        ..Sources::default()
    })
    .unwrap()
    .shape
}

/// The real tee-solver values must come out of every wrapping.
fn assert_real(r: &Report, shape: &str) {
    assert!(r.facts.rtmr3.as_deref().unwrap().starts_with("287a9242"), "{shape}");
    assert!(r.facts.compose_hash.as_deref().unwrap().starts_with("12a20aed"), "{shape}");
    assert!(has(r, "compose-hash-match", Outcome::Pass), "{shape}");
    assert!(codes(r, Outcome::Fail).is_empty(), "{shape}: {:?}", codes(r, Outcome::Fail));
}

#[test]
fn info_with_tcb_info_as_object_or_string_plus_quote_flat() {
    let (quote, tcb) = tee_solver();
    let flat = json!({"quote": quote, "app_id": "d35e277ab5ec51f71f5e395ab2e332ed8db5853a", "tcb_info": tcb});
    assert_eq!(load_shape(&flat), Shape::QuoteAndInfo);
    assert_real(&run(&flat), "flat, object");
    let as_string =
        json!({"quote": quote, "app_id": "d35e277ab5ec51f71f5e395ab2e332ed8db5853a", "tcb_info": tcb.to_string()});
    assert_real(&run(&as_string), "flat, string");
}

#[test]
fn nested_quote_and_info() {
    let (quote, tcb) = tee_solver();
    let doc = json!({
        "quote": {"quote": quote, "event_log": tcb["event_log"].to_string(), "report_data": "", "vm_config": "{}"},
        "info": {"app_id": "d35e277ab5ec51f71f5e395ab2e332ed8db5853a", "tcb_info": tcb.to_string()},
    });
    assert_eq!(load_shape(&doc), Shape::QuoteAndInfo);
    let r = run(&doc);
    assert_real(&r, "nested");
    let app_id = r.claims.iter().find(|c| c.claim.name == "app_id").unwrap();
    assert_eq!(app_id.status, "consistent");
    assert!(app_id.claim.source.ends_with("info.app_id"));
}

#[test]
fn phala_cloud_instances_listing() {
    let (quote, tcb) = tee_solver();
    let inst = json!({"quote": quote, "tcb_info": tcb, "image_version": "dstack-0.5.0"});
    let doc = json!({"app_id": "d35e277a", "instances": [inst.clone()], "kms_info": {}});
    assert_eq!(load_shape(&doc), Shape::PhalaAppAttestations);
    assert_real(&run(&doc), "instances[0]");

    // With two instances the auditor must choose.
    let two = json!({"instances": [inst.clone(), {"quote": "00"}]});
    let e = dstack_audit::evidence::load(&Sources {
        attestation: Some(bytes_input("two.json", serde_json::to_vec(&two).unwrap())),
        ..Sources::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("--instance"), "{e}");
    let r = verify(&Sources {
        attestation: Some(bytes_input("two.json", serde_json::to_vec(&two).unwrap())),
        instance: Some(0),
        ..Sources::default()
    });
    assert_real(&r, "instances[0] chosen");

    // eventlog[] at instance level (the other listing form).
    let doc = json!({"instances": [{"quote": quote, "eventlog": tcb["event_log"]}]});
    let r = run(&doc);
    assert!(r.facts.compose_hash.as_deref().unwrap().starts_with("12a20aed"));
}

#[test]
fn phala_cli_cvm_attestation_with_prefix_text() {
    let (quote, tcb) = tee_solver();
    let doc = json!({
        "success": true, "is_online": true, "is_public": true, "error": null,
        "app_certificates": [
            {"subject": {"common_name": "kms"}, "position_in_chain": 1, "quote": ""},
            {"subject": {"common_name": "app"}, "position_in_chain": 0, "quote": quote, "app_id": "d35e277a"},
        ],
        "tcb_info": {"mrtd": tcb["mrtd"], "rtmr0": tcb["rtmr0"], "rtmr1": tcb["rtmr1"], "rtmr2": tcb["rtmr2"], "rtmr3": tcb["rtmr3"],
                     "event_log": tcb["event_log"], "app_compose": tcb["app_compose"]},
        "compose_file": "services: {}",
        "an_unknown_key": 1,
    });
    assert_eq!(load_shape(&doc), Shape::PhalaCvmAttestation);
    let mut bytes = b"Fetching attestation...\n".to_vec();
    bytes.extend(serde_json::to_vec_pretty(&doc).unwrap());
    let r = verify(&Sources { attestation: Some(bytes_input("cli.json", bytes)), ..Sources::default() });
    assert_real(&r, "phala cli");

    for failed in [
        json!({"success": false, "app_certificates": []}),
        json!({"error": "CVM not found", "is_online": false, "tcb_info": {}}),
    ] {
        let e = dstack_audit::evidence::load(&Sources {
            attestation: Some(bytes_input("cli.json", serde_json::to_vec(&failed).unwrap())),
            ..Sources::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("could not be fetched"), "{e}");
    }
}

#[test]
fn verifier_request_and_canonical_object() {
    let (quote, tcb) = tee_solver();
    let req = json!({"quote": quote, "event_log": tcb["event_log"].to_string(), "vm_config": "{\"os_image_hash\":\"2d24d302cc8686d6a0ece71a6afef55c506bc8591e3bcc1ec3eb5323d77582c4\"}"});
    assert_eq!(load_shape(&req), Shape::VerifierRequest);
    let r = run(&req);
    assert!(has(&r, "app-compose-missing", Outcome::NotChecked));
    let vm = r.claims.iter().find(|c| c.claim.source.ends_with("vm_config.os_image_hash")).unwrap();
    assert_eq!(vm.status, "consistent");

    let canonical = json!({"quote": quote, "event_log": tcb["event_log"], "app_compose": tcb["app_compose"]});
    assert_eq!(load_shape(&canonical), Shape::Canonical);
    assert_real(&run(&canonical), "canonical");

    // Collateral in the canonical object is used: a broken one fails the check.
    let broken = json!({"quote": quote, "event_log": tcb["event_log"], "collateral": {"tcb_info": "{}"}});
    let r = run(&broken);
    assert!(has(&r, "collateral-malformed", Outcome::Fail));
    // The quote's chain still verifies, and the report does not pretend revocation was checked.
    assert!(finding(&r, "quote-signature-chain-valid").message.contains("the collateral did not verify"));
}

#[test]
fn an_app_compose_object_is_refused_because_it_cannot_be_hashed_faithfully() {
    let (quote, tcb) = tee_solver();
    let compose: Value = serde_json::from_str(tcb["app_compose"].as_str().unwrap()).unwrap();
    let doc = json!({"quote": quote, "event_log": tcb["event_log"], "app_compose": compose});
    let e = dstack_audit::evidence::load(&Sources {
        attestation: Some(bytes_input("c.json", serde_json::to_vec(&doc).unwrap())),
        ..Sources::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("field `app_compose`") && e.contains("exact app-compose JSON text"), "{e}");
}

#[test]
fn near_public_data_keeps_its_collateral_for_the_dcap_layer() {
    let e = dstack_audit::evidence::load(&attestation("dstack/near-mpc-dstack-dev-0.5.8/public_data.json")).unwrap();
    assert_eq!(e.shape, Shape::NearPublicData);
    let (collateral, origin) = e.collateral.unwrap();
    assert!(collateral.get("tcb_info").is_some());
    assert_eq!(origin.field, "tee_participant_info.Dstack.collateral");
    assert_eq!(e.quote.len(), 5006);
}

#[test]
fn tappd_and_getquote_and_versioned_shapes() {
    let cases = [
        ("dstack/dstack-examples-rtmr3-v0.4/report.json", Shape::TappdTdxQuote),
        ("dstack/dstack-verifier-quote-report/quote-report.json", Shape::GetQuote),
        ("dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json", Shape::VersionedAttestation),
        ("dstack/dstack-simulator-attestation-bin/attestation.bin", Shape::VersionedAttestation),
        ("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json", Shape::RaTlsInfo),
        ("dstack/tee-solver-phala-prod-0.5/quote.hex", Shape::RawQuote),
        ("tdx/dcap-qvl/tdx_quote", Shape::RawQuote),
    ];
    for (rel, shape) in cases {
        assert_eq!(dstack_audit::evidence::load(&attestation(rel)).unwrap().shape, shape, "{rel}");
    }
}
