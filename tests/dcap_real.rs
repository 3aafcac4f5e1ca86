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

use common::fixture;
use dstack_audit::clock::parse_rfc3339;
use dstack_audit::dcap::collateral::{parse_collateral, Collateral};
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::{verify_dcap, DcapOutcome};
use dstack_audit::tdx::quote::{decode_quote_bytes, parse_quote, Quote};

/// What a pairing must give: a status and advisories, or the code of the failing step.
pub enum Want {
    Status(&'static str, &'static [&'static str]),
    Fails(&'static str),
}

/// (row, quote, collateral, time, expected) — rows of the "Expected outcomes" table.
pub const ROWS: &[(u32, &str, &str, &str, Want)] = &[
    (
        1,
        "tdx/dcap-qvl/tdx_quote",
        "tdx/dcap-qvl/tdx_quote_collateral.json",
        "2025-07-01T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        2,
        "tdx/dcap-qvl/tdx_quote",
        "tdx/dcap-qvl/tdx_quote_collateral.json",
        "2026-11-22T00:00:00Z",
        Want::Fails("crl-expired"),
    ),
    (
        3,
        "tdx/dcap-qvl/tdx_quote_outdated",
        "tdx/dcap-qvl/tdx_quote_outdated_collateral.json",
        "2026-03-01T00:00:00Z",
        Want::Fails("tcb-level-not-supported"),
    ),
    (
        4,
        "tdx/dcap-qvl/tdx-quote.hex",
        "tdx/dcap-qvl/tdx_quote_collateral.json",
        "2025-07-01T00:00:00Z",
        Want::Fails("tcb-level-not-supported"),
    ),
    (
        5,
        "tdx/dcap-qvl/quote-from-tappd.hex",
        "tdx/dcap-qvl/tdx_quote_collateral.json",
        "2025-07-01T00:00:00Z",
        Want::Fails("tcb-level-not-supported"),
    ),
    (
        6,
        "tdx/tee-solver/alice/quote.hex",
        "tdx/tee-solver/alice/quote_collateral.json",
        "2025-09-15T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        7,
        "tdx/tee-solver/bob/quote.hex",
        "tdx/tee-solver/bob/quote_collateral.json",
        "2025-09-15T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        8,
        "tdx/go-tdx-guest/quote_v5_sample.dat",
        "tdx/dcap-qvl/tdx_quote_outdated_collateral.json",
        "2026-03-01T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        9,
        "tdx/go-tdx-guest/quote_v5_sample.dat",
        "tdx/go-tdx-guest/assembled_collateral_v5_2026.json",
        "2026-02-25T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        10,
        "tdx/go-tdx-guest/quote_v5_sample.dat",
        "tdx/go-tdx-guest/assembled_collateral_v5_2026.json",
        "2026-03-10T00:00:00Z",
        Want::Fails("collateral-expired"),
    ),
    (
        11,
        "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat",
        "tdx/go-tdx-guest/assembled_collateral_v4_2023.json",
        "2023-07-01T01:00:00Z",
        Want::Fails("tcb-level-not-supported"),
    ),
    (
        12,
        "tdx/dcap-rs/quote_tdx_00806f050000.dat",
        "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
        "2025-03-01T00:00:00Z",
        Want::Status("OutOfDate", &["INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"]),
    ),
    (
        13,
        "tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat",
        "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
        "2025-03-01T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        14,
        "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex",
        "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json",
        "2026-10-20T00:00:00Z",
        Want::Status("UpToDate", &[]),
    ),
    (
        15,
        "tdx/dcap-qvl/tdx_quote",
        "tdx/derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json",
        "2026-10-20T00:00:00Z",
        Want::Status("OutOfDate", &["INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312", "INTEL-SA-01313"]),
    ),
    // The collateral's own PCK chain does not replace the quote's: same result as row 15.
    (
        16,
        "tdx/dcap-qvl/tdx_quote",
        "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json",
        "2026-10-20T00:00:00Z",
        Want::Status("OutOfDate", &["INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312", "INTEL-SA-01313"]),
    ),
];

pub fn load_quote(rel: &str) -> Quote {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    parse_quote(&decode_quote_bytes(&bytes, rel).unwrap()).unwrap()
}

pub fn load_collateral(rel: &str) -> Collateral {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap();
    parse_collateral(&v).unwrap()
}

pub fn unix(t: &str) -> u64 {
    parse_rfc3339(t, "t").unwrap().unix()
}

pub fn run(quote: &Quote, collateral: &Collateral, at: &str) -> DcapOutcome {
    verify_dcap(quote, Some(collateral), &TrustAnchor::intel().unwrap(), unix(at))
}

/// The code of the first failing step, or the status and advisories.
pub fn result(o: &DcapOutcome) -> Result<(String, Vec<String>), &'static str> {
    if let Some(Err(e)) = &o.collateral {
        return Err(e.code());
    }
    if let Err(e) = &o.quote {
        return Err(e.code());
    }
    match &o.tcb {
        Some(Ok(t)) => Ok((t.status.as_str().to_string(), t.advisory_ids.clone())),
        Some(Err(e)) => Err(e.code()),
        None => Err("no-tcb-evaluation"),
    }
}

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
