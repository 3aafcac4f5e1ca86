//! DCAP on real quotes and collateral: every pairing of the expected-outcomes table in
//! fixtures/SOURCES.md (tdx section), checked with Intel's pinned root at the stated time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

use common::dcap::{load_collateral, load_quote, result, run, unix, Want, ROWS};
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
                assert!(vq.revocation_checked, "row {row}");
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
    assert!(o.collateral.as_ref().unwrap().as_ref().unwrap().ignored_pck_chain);
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
    assert_eq!(vc.window.1, unix("2025-07-19T10:00:35Z"));
}

#[test]
fn without_collateral_the_chain_is_still_verified() {
    for q in ["tdx/dstack/ra-tls_assets_tdx_quote", "tdx/dcap-qvl/tdx-quote.hex", "tdx/dstack/sdk_simulator_quote.hex"]
    {
        let o = verify_dcap(&load_quote(q), None, &TrustAnchor::intel().unwrap(), unix("2026-01-01T00:00:00Z"));
        let vq = o.quote.as_ref().unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(!vq.revocation_checked);
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
    let n = c.root_ca_crl.len();
    c.root_ca_crl[n - 3] ^= 1;
    assert_eq!(result(&run(&q, &c, at)), Err("root-crl-signature-invalid"));
}

/// A signature is skipped only for the exact (certificate, issuer) pair verified before: the
/// same certificate under another issuer is checked again.
#[test]
fn verified_pairs_are_matched_on_both_certificates() {
    use dstack_audit::dcap::chain::{verify_chain, ChainOptions, PCK_LEAF_CN};
    use dstack_audit::dcap::x509::parse_pem_chain;
    let q = load_quote("tdx/tee-solver/alice/quote.hex");
    let certs = parse_pem_chain(&q.signature.pck_cert_data, "pck").unwrap();
    let root = TrustAnchor::intel().unwrap();
    let now = unix("2025-09-15T00:00:00Z");
    let opts = ChainOptions { root: &root.cert, crls: None, now, leaf_cn: Some(PCK_LEAF_CN), verified_pairs: &[] };
    let good = verify_chain(&certs, &opts).unwrap();
    assert_eq!(good.signed_pairs.len(), 2, "leaf by Platform CA, Platform CA by root");

    // Break the leaf's signature, then claim the pair was verified with a *different* issuer.
    let mut der = certs[0].der().to_vec();
    let n = der.len();
    der[n - 5] ^= 1;
    let broken = dstack_audit::dcap::x509::Certificate::from_der(&der).unwrap();
    let tampered = vec![broken.clone(), certs[1].clone(), certs[2].clone()];
    let wrong_pair = [(broken.sha256(), root.cert.sha256())];
    let opts = ChainOptions { verified_pairs: &wrong_pair, ..opts };
    assert_eq!(verify_chain(&tampered, &opts).unwrap_err().code(), "chain-bad-signature");
}
