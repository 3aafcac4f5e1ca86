//! The binary as users and CI run it: exit codes, stdin, and golden outputs in all formats.
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test suite cli::` and review the diff.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::run_cli;
use serde_json::Value;

const NEAR: &str = "fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json";
const NEAR_REF: &str = "fixtures/reference/near-mpc-dstack-dev-0.5.8.json";
const AT: &str = "2026-09-01T00:00:00Z";

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e} (run with UPDATE_GOLDEN=1)"));
    if want != actual {
        let line = want.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs from the golden file at line {}:\n want: {:?}\n  got: {:?}\n(UPDATE_GOLDEN=1 regenerates)",
            line + 1,
            want.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

fn stdout(args: &[&str], code: i32) -> String {
    let out = run_cli(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: stderr {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn verify_golden_in_every_format() {
    for (format, file) in [("json", "near-verify.json"), ("table", "near-verify.txt"), ("markdown", "near-verify.md")] {
        let text = stdout(&["verify", NEAR, "--reference", NEAR_REF, "--at", AT, "--format", format], 1);
        golden(file, &text);
    }
}

const GL: &str = "fixtures/synthetic/git-launcher";

/// `verify` on the synthetic git-launcher deployment (or a variant's reference) from the
/// repository root.
fn git_launcher_args<'a>(reference: &'a str, format: &'a str) -> Vec<String> {
    let mut v = vec!["verify".to_string()];
    let args = std::fs::read_to_string(format!("{GL}/args")).unwrap();
    for a in args.split_whitespace() {
        v.push(if a.ends_with(".json") || a.ends_with(".pem") { format!("{GL}/{a}") } else { a.to_string() });
    }
    if let Some(i) = v.iter().position(|a| a == "--reference") {
        v[i + 1] = reference.to_string();
    }
    v.extend(["--format".to_string(), format.to_string()]);
    v
}

#[test]
fn git_launcher_golden_in_every_format() {
    let pass = format!("{GL}/reference.json");
    let fail = "fixtures/synthetic/git-launcher-variants/wrong-commit/reference.json";
    for (reference, code, stem) in [(pass.as_str(), 0, "git-launcher-pass"), (fail, 1, "git-launcher-wrong-commit")] {
        for (format, ext) in [("json", "json"), ("table", "txt"), ("markdown", "md")] {
            let args = git_launcher_args(reference, format);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            golden(&format!("{stem}.{ext}"), &stdout(&args, code));
        }
    }
}

#[test]
fn markdown_folds_passing_detail_and_opens_what_failed() {
    let fail = "fixtures/synthetic/git-launcher-variants/wrong-commit/reference.json";
    let args = git_launcher_args(fail, "markdown");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let md = stdout(&args, 1);
    assert!(md.starts_with("## ❌ **dstack-audit verify: FAIL (exit 1)**"));
    // The summary and key facts come before any fold.
    let first_fold = md.find("<details").unwrap();
    assert!(md.find("### Checks").unwrap() < first_fold && md.find("### Key facts").unwrap() < first_fold);
    assert!(md.contains("<details open>\n<summary><b>Workload pin findings (3)</b></summary>"), "{md}");
    assert!(md.contains("<details>\n<summary><b>Attestation findings"), "{md}");
    assert_eq!(md.matches("<details").count(), md.matches("</details>").count());
    assert!(md.contains("| ❌ **FAIL** | `workload-commit-mismatch` |"), "{md}");
    // Every row of a table has as many unescaped cell separators as its header.
    for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        let header = cells(table.lines().next().unwrap());
        assert!(table.lines().all(|l| cells(l) == header), "{table}");
    }
}

#[test]
fn table_output_fits_100_columns() {
    let args = git_launcher_args("fixtures/synthetic/git-launcher-variants/wrong-commit/reference.json", "table");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = stdout(&["verify", NEAR, "--reference", NEAR_REF, "--at", AT], 1) + &stdout(&args, 1);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    assert!(!text.contains('\u{1b}'), "no colour when NO_COLOR is set and stdout is not a terminal");
}

#[test]
fn json_report_has_the_stable_core() {
    let text = stdout(&["verify", NEAR, "--reference", NEAR_REF, "--at", AT, "--format", "json"], 1);
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["schema"], "dstack-audit/report/v1");
    // NEAR's launcher holds the Docker socket: check 3 fails (workload-engine-access).
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["evaluated_at"], AT);
    let ids: Vec<&str> = r["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["attestation", "launcher", "workload"]);
    for c in r["checks"].as_array().unwrap() {
        assert!(["pass", "fail", "not-checked"].contains(&c["status"].as_str().unwrap()));
        for f in c["findings"].as_array().unwrap() {
            let code = f["code"].as_str().unwrap();
            assert!(code.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'), "{code}");
            assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
            assert!(f["message"].is_string());
        }
    }
    assert_eq!(r["facts"]["compose_hash"], "2911e1f733466216dedb862d6d669e11256ee7a34ce4dbc66c4b807ba7a9c895");
    assert!(r["facts"].get("os_image_hash").is_none(), "not measured, so not a fact");
    assert_eq!(r["facts"]["tcb_status"], "UpToDate", "evaluated from the embedded collateral");
    assert_eq!(r["facts"]["advisory_ids"], serde_json::json!([]));
    assert_eq!(r["checks"][0]["status"], "pass");
    assert_eq!(r["trust_roots"][0]["sha256"], "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
    assert_eq!(r["trust_roots"][0]["untrusted_test_root"], false);
    assert_eq!(r["dcap"]["fmspc"], "B0C06F000000");
    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["role"], "attestation");
    assert_eq!(inputs[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(inputs[1]["role"], "reference");
}

#[test]
fn exit_codes() {
    // incomplete: consistent evidence, but DCAP/provenance/workload are not checked
    stdout(&["verify", "fixtures/dstack/dstack-examples-rtmr3-v0.4/report.json", "--at", AT], 3);
    // fail: the compose-hash over the exact bytes does not match
    stdout(
        &[
            "verify",
            "--quote",
            "fixtures/dstack/dstack-simulator-2025-04/quote.hex",
            "--event-log",
            "fixtures/dstack/dstack-simulator-2025-04/eventlog.json",
            "--app-compose",
            "fixtures/dstack/dstack-simulator-2025-04/app-compose.json",
            "--at",
            AT,
        ],
        1,
    );
    // cannot evaluate
    let out = run_cli(&["verify", "fixtures/does-not-exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixtures/does-not-exist.json"));
    assert_eq!(run_cli(&["verify", NEAR, "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(run_cli(&["--help"]).status.code(), Some(0));
    assert_eq!(run_cli(&["--version"]).status.code(), Some(0));
    // replay: 0 when every register replays
    stdout(&["replay", NEAR], 0);
}

#[test]
fn replay_exits_1_when_a_register_does_not_replay() {
    let text = stdout(&["replay", "fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json"], 1);
    assert!(text.contains("MISMATCH"));
}

#[test]
fn reads_the_attestation_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .args(["verify", "-", "--at", AT, "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read(common::fixture("dstack/near-mpc-dstack-dev-0.5.8/public_data.json")).unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "NEAR's launcher holds the Docker socket");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["inputs"][0]["path"], "<stdin>");
    assert_eq!(r["facts"]["rtmr3"].as_str().unwrap()[..8], *"86f1808c");
}

#[test]
fn inspect_and_replay_golden() {
    golden(
        "tee-solver-inspect.txt",
        &stdout(
            &[
                "inspect",
                "fixtures/dstack/tee-solver-phala-prod-0.5/tcb_info.json",
                "--quote",
                "fixtures/dstack/tee-solver-phala-prod-0.5/quote.hex",
            ],
            0,
        ),
    );
    golden(
        "quote-report-replay.txt",
        &stdout(&["replay", "fixtures/dstack/dstack-verifier-quote-report/quote-report.json"], 0),
    );
    golden(
        "quote-report-replay.json",
        &stdout(&["replay", "fixtures/dstack/dstack-verifier-quote-report/quote-report.json", "--format", "json"], 0),
    );
    golden(
        "examples-inspect.md",
        &stdout(
            &[
                "inspect",
                "fixtures/dstack/dstack-examples-rtmr3-v0.4/report.json",
                "--app-compose",
                "fixtures/dstack/dstack-examples-rtmr3-v0.4/app-compose.json",
                "--format",
                "markdown",
            ],
            0,
        ),
    );
}

#[test]
fn inspect_json_on_every_shape() {
    for file in [
        "fixtures/dstack/dstack-verifier-quote-report/quote-report.json",
        "fixtures/dstack/dstack-examples-rtmr3-v0.4/report.json",
        "fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json",
        "fixtures/dstack/dstack-simulator-attestation-bin/attestation.bin",
        "fixtures/dstack/near-mpc-dstack-0.5.4/public_data.json",
        "fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json",
        "fixtures/tdx/go-tdx-guest/quote_v5_sample.dat",
        "fixtures/dstack/tee-solver-phala-prod-0.3/quote.hex",
    ] {
        let v: Value = serde_json::from_str(&stdout(&["inspect", file, "--format", "json"], 0)).unwrap();
        assert_eq!(v["schema"], "dstack-audit/inspect/v1", "{file}");
        assert_eq!(v["quote"]["tee_type"], "0x00000081", "{file}");
    }
}

#[test]
fn compose_hash_command() {
    let text =
        stdout(&["compose-hash", "fixtures/dstack/dstack-examples-rtmr3-v0.4/app-compose.json", "--format", "json"], 0);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["compose_hash"].as_str().unwrap().starts_with("06768e6d"));
    assert_eq!(v["default_app_id"].as_str().unwrap(), &v["compose_hash"].as_str().unwrap()[..40]);
    golden(
        "compose-hash.txt",
        &stdout(&["compose-hash", "fixtures/dstack/dstack-examples-rtmr3-v0.4/app-compose.json"], 0),
    );
}

#[test]
fn select_maps_an_unknown_shape() {
    let dir = std::env::temp_dir().join(format!("dstack-audit-select-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src: Value = serde_json::from_slice(
        &std::fs::read(common::fixture("dstack/near-mpc-dstack-dev-0.5.8/public_data.json")).unwrap(),
    )
    .unwrap();
    let d = &src["tee_participant_info"]["Dstack"];
    let wrapped = serde_json::json!({"node": {"evidence": {"q": d["quote"], "log": d["tcb_info"]["event_log"], "compose": d["tcb_info"]["app_compose"]}}});
    let path = dir.join("wrapped.json");
    std::fs::write(&path, serde_json::to_vec(&wrapped).unwrap()).unwrap();
    let p = path.to_str().unwrap();
    let out = run_cli(&["verify", p, "--at", AT, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "unknown shape without --select");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--select"));
    let filter = ".node.evidence | {quote: .q, event_log: .log, app_compose: .compose}";
    let r: Value =
        serde_json::from_str(&stdout(&["verify", p, "--select", filter, "--at", AT, "--format", "json"], 1)).unwrap();
    assert_eq!(r["facts"]["compose_hash"], "2911e1f733466216dedb862d6d669e11256ee7a34ce4dbc66c4b807ba7a9c895");
    std::fs::remove_dir_all(dir).unwrap();
}
