//! `--select` (issue 10 §5): its output goes through the same shape recognition as a file, so
//! `--select '.'` changes nothing on any real attestation; a selected Info keeps its `tcb_info`
//! and `app_cert`; and a runaway filter ends with exit 2 and a message naming the bound, never an
//! abort, a stack overflow or a hang (the filter runs in a child process under limits).

use crate::common::*;

const AT: &str = "2026-09-01T00:00:00Z";

/// Every real JSON attestation in fixtures/, with the side files it needs to be accepted.
const REAL: &[&[&str]] = &[
    &["fixtures/dstack/dstack-verifier-quote-report/quote-report.json"],
    &["fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json"],
    &["fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.json"],
    &["fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-getquote.c384a632.json"],
    &["fixtures/dstack/dstack-examples-rtmr3-v0.4/report.json"],
    &["fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json"],
    &["fixtures/dstack/near-mpc-dstack-0.5.4/public_data.json"],
    &["fixtures/dstack/near-mpc-dstack-0.5.4/quote.json"],
    &["fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json"],
    &[
        "fixtures/dstack/tee-solver-phala-prod-0.5/tcb_info.json",
        "--quote",
        "fixtures/dstack/tee-solver-phala-prod-0.5/quote.hex",
    ],
    &[
        "fixtures/dstack/tee-solver-phala-prod-0.3/tcb_info.json",
        "--quote",
        "fixtures/dstack/tee-solver-phala-prod-0.3/quote.hex",
    ],
    &[
        "fixtures/dstack/near-mpc-dstack-dev-0.5.8/tcb_info.json",
        "--quote",
        "fixtures/dstack/near-mpc-dstack-dev-0.5.8/quote.json",
    ],
    &["fixtures/synthetic/git-launcher/attestation.json"],
];

fn verify_json(args: &[&str], extra: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--at", AT, "--format", "json"]);
    all.extend_from_slice(extra);
    let out = run_cli(&all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn select_identity_gives_exactly_the_same_report_on_every_real_attestation() {
    for args in REAL {
        let plain = verify_json(args, &[]);
        assert!(matches!(plain.0, Some(0 | 1 | 3)), "{args:?} is not accepted: {}", plain.2);
        let selected = verify_json(args, &["--select", "."]);
        assert_eq!(plain, selected, "{args:?}: --select '.' changed the result");
        for cmd in ["inspect", "replay"] {
            let a = run_cli(&[&[cmd], *args].concat());
            let b = run_cli(&[&[cmd], *args, &["--select", "."]].concat());
            assert_eq!((a.status.code(), a.stdout), (b.status.code(), b.stdout), "{cmd} {args:?}");
        }
    }
}

#[test]
fn select_on_input_that_is_not_json_says_so() {
    for f in [
        "fixtures/dstack/dstack-simulator-attestation-bin/attestation.bin",
        "fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_tdx_quote.bin",
        "fixtures/dstack/tee-solver-phala-prod-0.5/quote.hex",
    ] {
        // Accepted without --select …
        assert!(matches!(verify_json(&[f], &[]).0, Some(0 | 1 | 3)), "{f}");
        // … and refused with it, by name.
        let (code, out, err) = verify_json(&[f], &["--select", "."]);
        assert_eq!(code, Some(2), "{f}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(f) && err.contains("--select") && err.contains("not JSON"), "{err}");
    }
}

#[test]
fn a_selected_info_keeps_its_tcb_info_and_app_cert() {
    let f = "fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json";
    let (code, out, err) = verify_json(&[f], &["--select", "{app_cert, tcb_info}"]);
    assert!(matches!(code, Some(1 | 3)), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["evidence_shape"], "dstack Info response with an RA-TLS app certificate");
    let codes: Vec<&str> =
        r["checks"][0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ratls-binding-match"), "{codes:?}");
    assert!(codes.contains(&"compose-hash-match"), "{codes:?}");
    // Nested one level down, the same.
    let (_, nested, err) = verify_json(&[f], &["--select", "{info: {app_cert, tcb_info}} | .info"]);
    assert_eq!(out, nested, "{err}");
}

#[test]
fn a_selected_string_is_read_like_a_file() {
    let f = "fixtures/dstack/dstack-verifier-quote-report/quote-report.json";
    let (code, out, err) = verify_json(&[f], &["--select", ".quote"]);
    assert_eq!(code, Some(3), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["evidence_shape"], "raw TDX quote");
    let (_, plain, _) = verify_json(&[f], &[]);
    let plain: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(r["facts"]["mr_td"], plain["facts"]["mr_td"]);
    // A string that holds a JSON attestation is read as that attestation.
    let (code, out, err) = verify_json(&[f], &["--select", "tojson"]);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["evidence_shape"], plain["evidence_shape"]);
}

/// Runs a filter that would otherwise not end, abort or exhaust memory.
fn assert_bounded(filter: &str, bound: &str) {
    let f = "fixtures/dstack/dstack-verifier-quote-report/quote-report.json";
    let out = run_cli(&["verify", f, "--select", filter, "--at", AT]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{filter}: {err}");
    assert!(out.stdout.is_empty(), "{filter}");
    assert!(err.starts_with("dstack-audit: error: ") && err.trim_end().lines().count() == 1, "{filter}: {err}");
    assert!(err.contains("field `--select`") && err.contains(bound), "{filter}: {err}");
    assert!(!err.contains("panicked") && !err.contains("overflowed its stack"), "{filter}: {err}");
}

#[test]
fn endless_recursion_is_stopped() {
    assert_bounded("def f: f; f", "SELECT_");
}

#[test]
fn unbounded_stack_recursion_is_stopped() {
    assert_bounded("def f: [f]; f", "SELECT_STACK_BYTES");
}

#[test]
fn a_huge_range_is_stopped() {
    assert_bounded("[range(1e9)]", "SELECT_");
}

#[test]
fn a_huge_repeat_is_stopped() {
    assert_bounded("[limit(1e8; repeat(\"x\"))]", "SELECT_");
}
