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
