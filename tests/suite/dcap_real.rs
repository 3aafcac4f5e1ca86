//! DCAP on real quotes and collateral: every pairing of the expected-outcomes table in
//! fixtures/SOURCES.md (tdx section), checked with Intel's pinned root at the stated time.

use crate::common;

use crate::common::dcap::{load_collateral, load_quote, result, run, unix, Want, ROWS};
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::verify_dcap;

#[test]
fn every_pairing_of_the_expected_outcomes_table() {
    for (row, q, c, at, want) in ROWS {
        let o = run(&load_quote(q), &load_collateral(c), at);
        match (want, result(&o)) {
            (Want::Status(s, adv), Ok((status, advisories))) => {
                assert_eq!(&status, s, "row {row}");
                assert_eq!(advisories, adv.iter().map(|a| a.to_string()).collect::<Vec<_>>(), "row {row}");
                let vq = o.quote.as_ref().unwrap();
                assert!(vq.revocation_checked(), "row {row}");
            }
            (Want::Fails(code), Err(got)) => assert_eq!(got, *code, "row {row}"),
            (_, got) => panic!("row {row}: got {got:?}"),
        }
    }
}

#[test]
fn the_collateral_pck_chain_is_noted_not_used() {
    let o = run(
        &load_quote("tdx/dcap-qvl/tdx_quote"),
        &load_collateral("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json"),
        "2026-10-20T00:00:00Z",
    );
    assert!(o.collateral.as_ref().unwrap().as_ref().unwrap().ignored_pck_chain());
}

#[test]
fn collateral_window_edges() {
    // Row 1's edges, recorded with the peer verifier: valid until the root CRL's next update.
    let q = load_quote("tdx/dcap-qvl/tdx_quote");
    let c = load_collateral("tdx/dcap-qvl/tdx_quote_collateral.json");
    assert!(result(&run(&q, &c, "2025-07-19T10:00:34Z")).is_ok());
    assert_eq!(result(&run(&q, &c, "2025-07-19T10:00:36Z")), Err("crl-expired"));
    assert_eq!(result(&run(&q, &c, "2025-06-19T10:32:26Z")), Err("collateral-not-yet-valid"));
    let vc = run(&q, &c, "2025-07-01T00:00:00Z").collateral.unwrap().unwrap();
    assert_eq!(vc.window().1, unix("2025-07-19T10:00:35Z"));
}

#[test]
fn without_collateral_the_chain_is_still_verified() {
    for q in ["tdx/dstack/ra-tls_assets_tdx_quote", "tdx/dcap-qvl/tdx-quote.hex", "tdx/dstack/sdk_simulator_quote.hex"]
    {
        let o = verify_dcap(&load_quote(q), None, &TrustAnchor::intel().unwrap(), unix("2026-01-01T00:00:00Z"));
        let vq = o.quote.as_ref().unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(!vq.revocation_checked());
        assert!(o.collateral.is_none() && o.tcb.is_none());
    }
}

/// One byte changed in each part of a real quote (tee-solver alice, row 6): the step that
/// catches it. Steps run in Intel's order, so parts checked by the same step share its code.
#[test]
fn byte_flips_fail_at_the_step_that_covers_the_byte() {
    let bytes = std::fs::read(common::fixture("tdx/tee-solver/alice/quote.hex")).unwrap();
    let raw = dstack_audit::tdx::quote::decode_quote_bytes(&bytes, "q").unwrap();
    let collateral = load_collateral("tdx/tee-solver/alice/quote_collateral.json");
    let at = "2025-09-15T00:00:00Z";
    let flip = |offset: usize| {
        let mut q = raw.clone();
        q[offset] ^= 0x01;
        result(&run(&dstack_audit::tdx::quote::parse_quote(&q).unwrap(), &collateral, at))
    };
    assert!(flip(raw.len() - 1).is_ok(), "the trailing padding is not covered (control)");
    let cases: &[(&str, usize, &str)] = &[
        ("header: attestation key type", 2, "attestation-key-type-unsupported"),
        ("header: QE vendor ID", 12, "qe-vendor-id-unknown"),
        ("header: user data", 30, "quote-signature-invalid"),
        ("TD report: mr_td", 48 + 136, "quote-signature-invalid"),
        ("TD report: report_data", 48 + 560, "quote-signature-invalid"),
        ("quote signature", 636 + 10, "quote-signature-invalid"),
        ("attestation key", 700 + 10, "qe-report-binding-mismatch"),
        ("QE report", 770 + 64, "qe-report-signature-invalid"),
        ("QE report signature", 1154 + 10, "qe-report-signature-invalid"),
        ("QE auth data", 1220 + 3, "qe-report-binding-mismatch"),
    ];
    for (part, offset, code) in cases {
        assert_eq!(flip(*offset), Err(*code), "{part} (byte {offset})");
    }
    // The PCK chain: change one base64 character near the end of the leaf (its signature).
    let text = String::from_utf8_lossy(&raw).into_owned();
    let end = text.find("-----END CERTIFICATE-----").unwrap();
    let at_char = end - 12;
    let mut q = raw.clone();
    q[at_char] = if q[at_char] == b'A' { b'B' } else { b'A' };
    let got = result(&run(&dstack_audit::tdx::quote::parse_quote(&q).unwrap(), &collateral, at));
    let code = got.unwrap_err();
    assert!(code.starts_with("chain-") || code == "pck-chain-malformed", "PCK chain: {code}");
}

#[test]
fn collateral_tampering_fails() {
    let q = load_quote("tdx/tee-solver/alice/quote.hex");
    let at = "2025-09-15T00:00:00Z";
    let mut c = load_collateral("tdx/tee-solver/alice/quote_collateral.json");
    c.tcb_info = c.tcb_info.replacen("UpToDate", "UpToDatf", 1);
    assert_eq!(result(&run(&q, &c, at)), Err("tcb-info-signature-invalid"));
    let mut c = load_collateral("tdx/tee-solver/alice/quote_collateral.json");
    c.qe_identity_signature[5] ^= 1;
    assert_eq!(result(&run(&q, &c, at)), Err("qe-identity-signature-invalid"));
    let mut c = load_collateral("tdx/tee-solver/alice/quote_collateral.json");
    let crls = c.crls.as_mut().unwrap();
    let n = crls.root_ca_crl.len();
    crls.root_ca_crl[n - 3] ^= 1;
    assert_eq!(result(&run(&q, &c, at)), Err("root-crl-signature-invalid"));
}

/// The PCK Platform CA appears in the collateral's PCK CRL issuer chain and in the quote's PCK
/// chain; one evaluation checks its signature once. The quote's copy with one flipped signature
/// byte is a different certificate: its signature is checked and fails, although the genuine
/// copy passed earlier in the same evaluation.
#[test]
fn a_signature_checked_earlier_in_the_evaluation_covers_only_the_same_bytes() {
    use dstack_audit::x509::{parse_pem_chain, Certificate};
    let (q, c, at) =
        ("tdx/tee-solver/alice/quote.hex", "tdx/tee-solver/alice/quote_collateral.json", "2025-09-15T00:00:00Z");
    let mut quote = load_quote(q);
    let collateral = load_collateral(c);
    assert!(result(&run(&quote, &collateral, at)).is_ok());
    let certs = parse_pem_chain(&quote.signature.pck_cert_data, "pck").unwrap();
    let issuers = parse_pem_chain(collateral.crls.as_ref().unwrap().pck_crl_issuer_chain.as_bytes(), "x").unwrap();
    assert_eq!(certs[1], issuers[0], "the same Platform CA in both chains");

    let mut der = certs[1].der().to_vec();
    *der.last_mut().unwrap() ^= 1;
    let flipped = Certificate::from_der(&der).unwrap();
    assert_eq!(flipped.subject(), certs[1].subject());
    let pem: String = [&certs[0], &flipped, &certs[2]]
        .iter()
        .map(|c| der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, c.der()).unwrap())
        .collect();
    quote.signature.pck_cert_data = pem.into_bytes();
    let o = run(&quote, &collateral, at);
    assert!(matches!(o.collateral, Some(Ok(_))), "the collateral's genuine copy still verifies");
    assert_eq!(result(&o), Err("chain-bad-signature"));
}

/// dcap-qvl 0.1.5–0.2.x wrote collateral without the three CRL fields. The tee-solver 0.3
/// collateral without them (fixtures/tdx/derived) still proves the TCB status; revocation is
/// left unchecked and said so, never guessed.
const OLD_QUOTE: &str = "dstack/tee-solver-phala-prod-0.3/quote.hex";
const OLD_FULL: &str = "dstack/tee-solver-phala-prod-0.3/quote_collateral.json";
const OLD_SIX: &str = "tdx/derived/tee-solver-0.3_collateral_without_crls.json";
const OLD_AT: &str = "2025-09-15T00:00:00Z";

fn old_collateral_json(edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(common::fixture(OLD_SIX)).unwrap()).unwrap();
    edit(v.as_object_mut().unwrap());
    v
}

#[test]
fn collateral_without_crls_verifies_what_it_carries_and_not_revocation() {
    let q = load_quote(OLD_QUOTE);
    let six = load_collateral(OLD_SIX);
    assert!(six.crls.is_none());
    let o = run(&q, &six, OLD_AT);
    let vc = o.collateral.as_ref().unwrap().as_ref().unwrap();
    assert!(!vc.has_crls());
    assert!(!o.quote.as_ref().unwrap().revocation_checked(), "nothing to check revocation against");
    assert_eq!(result(&o), Ok(("UpToDate".to_string(), vec![])));
    // The window is that of the TCB Info, QE Identity and TCB Signing chain alone.
    assert_eq!(vc.window().0, unix("2025-08-31T03:29:34Z"));

    // The same collateral with its CRLs: revocation checked, same status.
    let o = run(&q, &load_collateral(OLD_FULL), OLD_AT);
    assert!(o.collateral.as_ref().unwrap().as_ref().unwrap().has_crls());
    assert!(o.quote.as_ref().unwrap().revocation_checked());
    assert_eq!(result(&o), Ok(("UpToDate".to_string(), vec![])));
}

#[test]
fn collateral_without_crls_still_fails_on_what_it_carries() {
    let q = load_quote(OLD_QUOTE);
    let mut c = load_collateral(OLD_SIX);
    c.tcb_info = c.tcb_info.replacen("UpToDate", "UpToDatf", 1);
    assert_eq!(result(&run(&q, &c, OLD_AT)), Err("tcb-info-signature-invalid"));
    let mut c = load_collateral(OLD_SIX);
    let mut bytes = c.tcb_info.clone().into_bytes();
    bytes[40] ^= 0x01;
    c.tcb_info = String::from_utf8(bytes).unwrap();
    assert_eq!(result(&run(&q, &c, OLD_AT)), Err("tcb-info-signature-invalid"));
    let mut c = load_collateral(OLD_SIX);
    c.qe_identity_signature[7] ^= 1;
    assert_eq!(result(&run(&q, &c, OLD_AT)), Err("qe-identity-signature-invalid"));
    // Validity windows: the TCB Info is issued 2025-08-31T03:29:34Z, expires 2025-09-30T03:29:34Z.
    let c = load_collateral(OLD_SIX);
    assert_eq!(result(&run(&q, &c, "2025-08-31T03:29:33Z")), Err("collateral-not-yet-valid"));
    assert_eq!(result(&run(&q, &c, "2025-10-01T00:00:00Z")), Err("collateral-expired"));
    // A TCB Signing chain that is not Intel's fails as before: the PCK chain in its place.
    let mut c = load_collateral(OLD_SIX);
    c.tcb_info_issuer_chain = load_collateral(OLD_FULL).crls.unwrap().pck_crl_issuer_chain;
    assert_eq!(result(&run(&q, &c, OLD_AT)), Err("tcb-signing-chain-invalid"));
    // Another platform's quote (FMSPC B0C06F000000) against this TCB Info (20A06F000000).
    let other = load_quote("tdx/dcap-qvl/tdx_quote");
    assert_eq!(result(&run(&other, &load_collateral(OLD_SIX), OLD_AT)), Err("tcb-info-fmspc-mismatch"));
}

#[test]
fn collateral_fields_are_required_and_crls_come_all_or_none() {
    use dstack_audit::dcap::collateral::parse_collateral;
    let e = parse_collateral(&old_collateral_json(|o| {
        o.remove("tcb_info");
    }))
    .unwrap_err()
    .to_string();
    assert!(e.contains("`tcb_info`") && e.contains("the TCB Info") && e.contains("no such field"), "{e}");
    // One CRL field alone is no known form: refused, not read as "no CRLs".
    let full: serde_json::Value = serde_json::from_slice(&std::fs::read(common::fixture(OLD_FULL)).unwrap()).unwrap();
    let e = parse_collateral(&old_collateral_json(|o| {
        o.insert("root_ca_crl".into(), full["root_ca_crl"].clone());
    }))
    .unwrap_err()
    .to_string();
    assert!(e.contains("no PCK CRL issuer chain and no PCK CRL"), "{e}");
    let mut without_pck_crl = full.clone();
    without_pck_crl.as_object_mut().unwrap().remove("pck_crl");
    let e = parse_collateral(&without_pck_crl).unwrap_err().to_string();
    assert!(e.contains("`pck_crl`") && e.contains("no PCK CRL,"), "{e}");
}

fn verify_old(collateral: &str) -> (i32, serde_json::Value) {
    let q = format!("fixtures/{OLD_QUOTE}");
    let out = common::run_cli(&[
        "verify",
        "--quote",
        &q,
        "fixtures/dstack/tee-solver-phala-prod-0.3/tcb_info.json",
        "--collateral",
        collateral,
        "--reference",
        "fixtures/reference/tee-solver-phala-prod-0.3.json",
        "--at",
        OLD_AT,
        "--format",
        "json",
    ]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), report)
}

fn attestation_check(r: &serde_json::Value) -> &serde_json::Value {
    r["checks"].as_array().unwrap().iter().find(|c| c["id"] == "attestation").unwrap()
}

fn with_outcome<'a>(check: &'a serde_json::Value, outcome: &str) -> Vec<&'a serde_json::Value> {
    check["findings"].as_array().unwrap().iter().filter(|f| f["outcome"] == outcome).collect()
}

#[test]
fn the_cli_reports_collateral_without_crls_as_not_checked_never_fail_or_pass() {
    // With its CRLs the same evidence passes the attestation check: the difference below is
    // only the missing revocation lists.
    let (code, r) = verify_old(&format!("fixtures/{OLD_FULL}"));
    assert_eq!(code, 3, "launcher provenance is not checked");
    assert_eq!(attestation_check(&r)["status"], "pass", "{r}");
    assert_eq!(r["dcap"]["revocation_checked"], true);

    let (code, r) = verify_old(&format!("fixtures/{OLD_SIX}"));
    assert_eq!(code, 3);
    assert_eq!(r["verdict"], "incomplete");
    let check = attestation_check(&r);
    assert_eq!(check["status"], "not-checked", "{check}");
    assert!(with_outcome(check, "fail").is_empty(), "{check}");
    let not_checked = with_outcome(check, "not-checked");
    assert_eq!(not_checked.len(), 1, "{not_checked:?}");
    assert_eq!(not_checked[0]["code"], "revocation-not-checked");
    let msg = not_checked[0]["message"].as_str().unwrap();
    assert!(msg.contains("has no PCK CRL and no root CA CRL: revocation cannot be checked"), "{msg}");
    assert!(!msg.contains("root_ca_crl") && !msg.contains("pck_crl"), "no serde field names: {msg}");
    let passed: Vec<&str> = with_outcome(check, "pass").iter().map(|f| f["code"].as_str().unwrap()).collect();
    for code in ["quote-signature-chain-valid", "collateral-valid", "tcb-status-allowed"] {
        assert!(passed.contains(&code), "{code}: {passed:?}");
    }
    assert_eq!(r["dcap"]["revocation_checked"], false);
    assert_eq!(r["facts"]["tcb_status"], "UpToDate");
}

#[test]
fn the_cli_still_fails_tampered_or_incomplete_collateral_without_crls() {
    let dir = std::env::temp_dir().join(format!("dstack-audit-old-collateral-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, v: serde_json::Value| {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
        p.to_string_lossy().into_owned()
    };
    let flipped = write(
        "flipped.json",
        old_collateral_json(|o| {
            let t = o["tcb_info"].as_str().unwrap().replacen("\"TDX\"", "\"TDY\"", 1);
            o.insert("tcb_info".into(), t.into());
        }),
    );
    let (code, r) = verify_old(&flipped);
    assert_eq!(code, 1);
    let fails: Vec<&str> =
        with_outcome(attestation_check(&r), "fail").iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(fails, ["tcb-info-signature-invalid"]);

    let no_tcb_info = write(
        "no-tcb-info.json",
        old_collateral_json(|o| {
            o.remove("tcb_info");
        }),
    );
    let (code, r) = verify_old(&no_tcb_info);
    assert_eq!(code, 1);
    let check = attestation_check(&r);
    let fails = with_outcome(check, "fail");
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert_eq!(fails[0]["code"], "collateral-malformed");
    assert!(fails[0]["message"].as_str().unwrap().contains("the TCB Info"), "{}", fails[0]);
    std::fs::remove_dir_all(dir).unwrap();
}
