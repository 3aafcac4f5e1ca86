//! Shared DCAP test data: the expected-outcomes pairings and the generated scenarios.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::Value;

use super::fixture;
use dstack_audit::clock::{parse_rfc3339, UnixTime};
use dstack_audit::dcap::collateral::{parse_collateral, Collateral};
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::{verify_dcap, DcapOutcome};
use dstack_audit::tdx::quote::{decode_quote_bytes, parse_quote, Quote};

/// What a pairing must give: a status and advisories, or the code of the failing step.
pub(crate) enum Want {
    Status(&'static str, &'static [&'static str]),
    Fails(&'static str),
}

/// (row, quote, collateral, time, expected) — rows of the "Expected outcomes" table.
pub(crate) const ROWS: &[(u32, &str, &str, &str, Want)] = &[
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

pub(crate) fn load_quote(rel: &str) -> Quote {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    parse_quote(&decode_quote_bytes(&bytes, rel).unwrap()).unwrap()
}

pub(crate) fn load_collateral(rel: &str) -> Collateral {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap();
    parse_collateral(&v).unwrap()
}

pub(crate) fn unix(t: &str) -> UnixTime {
    parse_rfc3339(t, "t").unwrap().unix_time()
}

pub(crate) fn run(quote: &Quote, collateral: &Collateral, at: &str) -> DcapOutcome {
    verify_dcap(quote, Some(collateral), &TrustAnchor::intel().unwrap(), unix(at))
}

/// The code of the first failing step, or the status and advisories.
pub(crate) fn result(o: &DcapOutcome) -> Result<(String, Vec<String>), &'static str> {
    if let Some(Err(e)) = &o.collateral {
        return Err(e.code().as_str());
    }
    if let Err(e) = &o.quote {
        return Err(e.code().as_str());
    }
    match &o.tcb {
        Some(Ok(t)) => Ok((t.status.as_str().to_string(), t.advisory_ids.clone())),
        Some(Err(e)) => Err(e.code().as_str()),
        None => Err("no-tcb-evaluation"),
    }
}

pub(crate) fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture("synthetic/dcap"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn expected(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("synthetic/dcap/{name}/expected.json"))).unwrap()).unwrap()
}
