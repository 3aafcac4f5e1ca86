//! Malformed input on the command line: every case must end with exit code 2 and one error
//! message that names the input (and, where there is one, the field or byte offset) and says
//! what was expected. Nothing may panic.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use dstack_audit::limits::{MAX_EVENTS, MAX_INPUT_BYTES};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_dstack-audit");
const QUOTE_REPORT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/dstack-verifier-quote-report/quote-report.json");
const SGX_QUOTE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/dcap-qvl/sgx_quote");
const SCHEMA: &str = "dstack-audit/reference/v1";

/// A scratch directory under the system temp dir, unique per test, removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("dstack-audit-bad-input-{}-{test}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    /// Writes `bytes` to `name` and returns the path as it is passed on the command line.
    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn json(&self, name: &str, value: &Value) -> String {
        self.write(name, serde_json::to_vec(value).unwrap())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).stdin(Stdio::null()).output().unwrap()
}

/// Runs the binary with `stdin` fed from `input` (the child may stop reading early).
fn run_with_stdin(args: &[&str], input: Vec<u8>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // A broken pipe is expected once the reader has seen enough.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Asserts exit code 2, no panic, nothing on stdout, and every `words` entry in stderr.
/// Returns stderr for further checks.
fn expect_cannot_evaluate(out: &Output, words: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {stderr}\nstdout: {stdout}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "panic: {stderr}");
    assert!(stdout.is_empty(), "a failed evaluation printed a report: {stdout}");
    assert!(stderr.starts_with("dstack-audit: error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one error line expected: {stderr}");
    for w in words {
        assert!(stderr.contains(w), "stderr lacks {w:?}: {stderr}");
    }
    stderr
}

/// Like `expect_cannot_evaluate`, for an error about an input: the path must be named and the
/// message must say what was expected.
fn expect_input_error(out: &Output, path: &str, words: &[&str]) -> String {
    let stderr = expect_cannot_evaluate(out, words);
    assert!(stderr.contains(&format!("error: {path}: ")), "stderr does not name {path}: {stderr}");
    assert!(stderr.contains("expected"), "stderr does not say what was expected: {stderr}");
    stderr
}

fn quote_report() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(QUOTE_REPORT).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Object(m) => m,
        other => panic!("quote-report.json is not an object: {other}"),
    }
}

fn real_quote_hex() -> String {
    quote_report()["quote"].as_str().unwrap().to_string()
}

/// The GetQuote fixture with one field replaced.
fn quote_report_with(key: &str, value: Value) -> Value {
    let mut m = quote_report();
    m.insert(key.to_string(), value);
    Value::Object(m)
}

fn event(imr: Value, digest: &str) -> Value {
    json!({"imr": imr, "event_type": 1, "digest": digest, "event": "", "event_payload": ""})
}

// ---------------------------------------------------------------- not an attestation at all

#[test]
fn empty_file() {
    let s = Scratch::new("empty");
    let p = s.write("empty.json", "");
    for cmd in ["verify", "inspect", "replay"] {
        expect_input_error(&run(&[cmd, &p]), &p, &["expected a JSON document", "found an empty input"]);
    }
}

#[test]
fn whitespace_only_file_is_empty() {
    let s = Scratch::new("blank");
    let p = s.write("blank.json", " \n\t\n");
    expect_input_error(&run(&["verify", &p]), &p, &["found an empty input"]);
}

#[test]
fn not_json() {
    let s = Scratch::new("hello");
    let p = s.write("hello.txt", "hello\n");
    for cmd in ["verify", "inspect"] {
        expect_input_error(&run(&[cmd, &p]), &p, &["expected a JSON document", "\"hello"]);
    }
}

#[test]
fn json_number_that_is_not_hex() {
    let s = Scratch::new("number");
    let p = s.write("number.json", "-1.5\n");
    expect_input_error(&run(&["verify", &p]), &p, &["JSON", "-1.5"]);
}

#[test]
fn json_number_that_reads_as_hex_is_a_too_short_quote() {
    // `42` is also valid hex: it is read as a one-byte raw quote, cut inside the header.
    let s = Scratch::new("number-hex");
    let p = s.write("number.json", "42\n");
    expect_input_error(&run(&["verify", &p]), &p, &["byte offset 0", "header.version"]);
}

#[test]
fn json_number_with_odd_digits_names_no_empty_field() {
    let s = Scratch::new("number-odd");
    let p = s.write("number.json", "5\n");
    let e = expect_input_error(&run(&["verify", &p]), &p, &["even number of digits"]);
    assert!(!e.contains("field ``"), "{e}");
}

#[test]
fn json_array_is_read_as_a_quote_byte_array() {
    // A JSON array is a quote in NEAR MPC's `quote.json` form: `[1, 2]` is a two-byte quote, cut
    // inside the header; an array of anything but bytes names the first offending character.
    let s = Scratch::new("array");
    let p = s.write("array.json", "[1, 2]");
    expect_input_error(&run(&["verify", &p]), &p, &["byte offset 2", "header"]);
    let p = s.write("objects.json", "[{\"a\": 1}]");
    expect_input_error(&run(&["verify", &p]), &p, &["byte offset 1", "a JSON array of byte values", "'{'"]);
}

#[test]
fn invalid_json_gives_line_and_column() {
    let s = Scratch::new("badjson");
    let p = s.write("bad.json", "{\n  \"quote\": \"00\",\n  oops\n}");
    expect_input_error(&run(&["verify", &p]), &p, &["line 3, column", "expected valid JSON"]);
}

#[test]
fn object_of_unknown_shape() {
    let s = Scratch::new("unknown-shape");
    let p = s.json("unknown.json", &json!({"foo": 1, "bar": [true]}));
    for cmd in ["verify", "inspect", "replay"] {
        expect_input_error(
            &run(&[cmd, &p]),
            &p,
            &["a known attestation shape", "an object with keys foo, bar", "--select"],
        );
    }
}

// ---------------------------------------------------------------- the quote field

#[test]
fn quote_is_a_number() {
    let s = Scratch::new("quote-number");
    let p = s.json("q.json", &json!({"quote": 5}));
    for cmd in ["verify", "inspect", "replay"] {
        expect_input_error(
            &run(&[cmd, &p]),
            &p,
            &["field `quote`", "the quote as hex text or an array of bytes", "found the number 5"],
        );
    }
}

#[test]
fn quote_is_not_hex() {
    let s = Scratch::new("quote-zz");
    let p = s.json("q.json", &json!({"quote": "zz"}));
    expect_input_error(&run(&["verify", &p]), &p, &["field `quote`", "expected hex digits", "'z' at character 0"]);
}

#[test]
fn quote_hex_has_odd_length() {
    let s = Scratch::new("quote-odd");
    let p = s.json("q.json", &json!({"quote": "abc"}));
    expect_input_error(&run(&["verify", &p]), &p, &["field `quote`", "an even number of digits", "found 3 digits"]);
}

#[test]
fn quote_array_with_a_non_byte() {
    let s = Scratch::new("quote-array");
    let p = s.json("q.json", &json!({"quote": [4, 0, 256]}));
    expect_input_error(&run(&["verify", &p]), &p, &["field `quote[2]`", "a byte 0..=255", "number 256"]);
}

#[test]
fn truncated_quote_in_an_attestation() {
    // 600 bytes: the header (48) and the body up to report_data (at 48 + 520 = 568) are there,
    // 32 of report_data's 64 bytes are.
    let s = Scratch::new("truncated");
    let hex = real_quote_hex();
    let p = s.json("trunc.json", &quote_report_with("quote", json!(hex[..1200])));
    for cmd in ["verify", "inspect", "replay"] {
        expect_input_error(
            &run(&[cmd, &p]),
            &p,
            &["field `quote (byte 568)`", "64 bytes of report_data", "found 32 bytes left"],
        );
    }
}

#[test]
fn truncated_quote_as_a_side_file() {
    let s = Scratch::new("truncated-side");
    let hex = real_quote_hex();
    let as_hex = s.write("q600.hex", &hex[..1200]);
    let as_bin = s.write("q600.bin", hex::decode(&hex[..1200]).unwrap());
    for p in [&as_hex, &as_bin] {
        expect_input_error(
            &run(&["verify", "--quote", p]),
            p,
            &["byte offset 568", "64 bytes of report_data", "32 bytes left"],
        );
    }
    // The same bytes as the attestation itself (a raw binary quote).
    expect_input_error(&run(&["inspect", &as_bin]), &as_bin, &["byte offset 568", "report_data"]);
}

#[test]
fn unknown_quote_version() {
    let s = Scratch::new("version");
    let hex = real_quote_hex();
    let p = s.json("v7.json", &quote_report_with("quote", json!(format!("0700{}", &hex[4..]))));
    for cmd in ["verify", "replay"] {
        expect_input_error(
            &run(&[cmd, &p]),
            &p,
            &["field `quote (byte 0)`", "quote version 4 or 5", "found version 7"],
        );
    }
    let side = s.write("v7.hex", format!("0700{}", &hex[4..]));
    expect_input_error(&run(&["verify", "--quote", &side]), &side, &["byte offset 0", "version 4 or 5", "version 7"]);
}

#[test]
fn sgx_quote_as_hex_side_file_is_named_sgx() {
    let s = Scratch::new("sgx-hex");
    let p = s.write("sgx.hex", hex::encode(std::fs::read(SGX_QUOTE).unwrap()));
    expect_input_error(
        &run(&["verify", "--quote", &p]),
        &p,
        &["byte offset 4", "a TDX quote (tee_type 0x00000081)", "an SGX quote"],
    );
}

#[test]
fn sgx_quote_as_side_file_is_named_sgx() {
    let e = expect_input_error(&run(&["verify", "--quote", SGX_QUOTE]), SGX_QUOTE, &["SGX"]);
    assert!(!e.contains("field ``"), "{e}");
}

#[test]
fn sgx_quote_as_attestation_is_named_sgx() {
    expect_input_error(&run(&["verify", SGX_QUOTE]), SGX_QUOTE, &["SGX"]);
}

// ---------------------------------------------------------------- the event log

#[test]
fn event_log_imr_is_a_string() {
    let s = Scratch::new("imr-string");
    let p = s.json("e.json", &quote_report_with("event_log", json!([event(json!("x"), "")])));
    for cmd in ["verify", "inspect", "replay"] {
        expect_input_error(
            &run(&[cmd, &p]),
            &p,
            &["field `event_log[0].imr`", "an unsigned 32-bit integer", "found the string `x`"],
        );
    }
}

#[test]
fn event_log_digest_of_ten_bytes() {
    let s = Scratch::new("digest10");
    let good = event(json!(0), "");
    let bad = event(json!(1), &"ab".repeat(10));
    let p = s.json("e.json", &quote_report_with("event_log", json!([good, bad])));
    expect_input_error(
        &run(&["verify", &p]),
        &p,
        &["field `event_log[1].digest`", "a 48-byte SHA-384 digest", "found 10 bytes"],
    );
}

#[test]
fn event_log_imr_out_of_range() {
    let s = Scratch::new("imr9");
    let p = s.json("e.json", &quote_report_with("event_log", json!([event(json!(9), "")])));
    expect_input_error(&run(&["verify", &p]), &p, &["field `event_log[0].imr`", "an RTMR index 0..=3", "found 9"]);
}

#[test]
fn event_log_in_a_side_file() {
    // The same problem in an --event-log file (a bare array): the path is relative to it.
    let s = Scratch::new("side-log");
    let q = s.write("q.hex", real_quote_hex());
    let log = s.json("log.json", &json!([event(json!(0), ""), event(json!(2), ""), event(json!(9), "")]));
    for cmd in ["verify", "replay"] {
        expect_input_error(
            &run(&[cmd, "--quote", &q, "--event-log", &log]),
            &log,
            &["field `[2].imr`", "an RTMR index 0..=3", "found 9"],
        );
    }
    let wrapped = s.json("wrapped.json", &json!({"event_log": [{"imr": 0, "event_type": -1}]}));
    expect_input_error(
        &run(&["inspect", "--quote", &q, "--event-log", &wrapped]),
        &wrapped,
        &["field `event_log[0].event_type`", "an unsigned 32-bit integer", "found -1"],
    );
}

#[test]
fn event_log_over_max_events() {
    let s = Scratch::new("max-events");
    let entries: Vec<Value> = (0..=MAX_EVENTS).map(|_| event(json!(0), "")).collect();
    let p = s.json("many.json", &quote_report_with("event_log", Value::Array(entries)));
    expect_input_error(
        &run(&["verify", &p]),
        &p,
        &[
            "field `event_log`",
            "MAX_EVENTS",
            &format!("at most {MAX_EVENTS} events"),
            &format!("{} events", MAX_EVENTS + 1),
        ],
    );
}

#[test]
fn event_log_at_max_events_is_not_a_limit_error() {
    // Exactly MAX_EVENTS entries passes the bound; the run then fails on something else
    // (the replay), not with an error.
    let s = Scratch::new("at-max-events");
    let entries: Vec<Value> = (0..MAX_EVENTS).map(|_| event(json!(0), &"00".repeat(48))).collect();
    let p = s.json("many.json", &quote_report_with("event_log", Value::Array(entries)));
    let out = run(&["verify", "--at", "2026-03-01T00:00:00Z", &p]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("MAX_EVENTS") && !stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(2), "{stderr}");
}

// ---------------------------------------------------------------- limits

#[test]
fn oversized_input_file() {
    let s = Scratch::new("oversized");
    let p = s.write("big.json", vec![b' '; MAX_INPUT_BYTES + 1]);
    let limit = format!("at most {MAX_INPUT_BYTES} bytes (MAX_INPUT_BYTES)");
    expect_input_error(&run(&["verify", &p]), &p, &[&limit, "a larger input"]);
    expect_input_error(&run(&["inspect", "--quote", &p]), &p, &[&limit]);
    expect_input_error(&run(&["verify", QUOTE_REPORT, "--reference", &p]), &p, &[&limit]);
}

#[test]
fn oversized_stdin() {
    let out = run_with_stdin(&["verify", "-"], vec![b' '; MAX_INPUT_BYTES + 1]);
    expect_input_error(&out, "<stdin>", &["MAX_INPUT_BYTES", "a larger input"]);
}

#[test]
fn missing_file() {
    let s = Scratch::new("missing");
    let p = s.dir.join("nope.json").to_str().unwrap().to_string();
    let e = expect_cannot_evaluate(&run(&["verify", &p]), &["cannot read"]);
    assert!(e.contains(&p), "{e}");
}

// ---------------------------------------------------------------- the reference file

#[test]
fn reference_with_unknown_key() {
    let s = Scratch::new("ref-unknown");
    let r = s.json("ref.json", &json!({"schema": SCHEMA, "bogus_key": 1}));
    let e = expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--reference", &r]),
        &r,
        &["field `bogus_key`", "an unknown key", "one of the keys schema, tdx"],
    );
    assert!(!e.contains(SCHEMA) || e.contains("schema"), "{e}");
    let nested = s.json("nested.json", &json!({"schema": SCHEMA, "tdx": {"mrtdd": "00"}}));
    expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--reference", &nested]),
        &nested,
        &["field `tdx.mrtdd`", "one of the keys mrtd, rtmr0, rtmr1, rtmr2"],
    );
}

#[test]
fn reference_with_wrong_length_hex() {
    let s = Scratch::new("ref-len");
    let r = s.json("ref.json", &json!({"schema": SCHEMA, "tdx": {"mrtd": "00".repeat(47)}}));
    expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--reference", &r]),
        &r,
        &["field `tdx.mrtd[0]`", "48 bytes of hex", "found 47 bytes"],
    );
    let list = s.json("list.json", &json!({"schema": SCHEMA, "dstack": {"app_id": ["00".repeat(20), "0g"]}}));
    expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--reference", &list]),
        &list,
        &["field `dstack.app_id[1]`", "hex digits", "'g'"],
    );
}

#[test]
fn reference_with_wrong_schema() {
    let s = Scratch::new("ref-schema");
    let r = s.json("ref.json", &json!({"schema": "dstack-audit/reference/v0"}));
    expect_input_error(&run(&["verify", QUOTE_REPORT, "--reference", &r]), &r, &["field `schema`", SCHEMA]);
}

// ---------------------------------------------------------------- the command line

#[test]
fn bad_at() {
    for at in ["yesterday", "2026-13-01T00:00:00Z", "2026-03-01T00:00:00"] {
        expect_cannot_evaluate(
            &run(&["verify", QUOTE_REPORT, "--at", at]),
            &["usage", "field `--at`", "expected an RFC 3339 time", &format!("`{at}`")],
        );
    }
}

#[test]
fn two_stdin_inputs() {
    expect_cannot_evaluate(
        &run(&["verify", "-", "--quote", "-"]),
        &["usage", "only one input can be read from standard input", "`-`"],
    );
    expect_cannot_evaluate(&run(&["replay", "--quote", "-", "--event-log", "-"]), &["standard input"]);
}

#[test]
fn no_input_at_all() {
    expect_cannot_evaluate(&run(&["inspect"]), &["usage", "--quote FILE"]);
}

#[test]
fn select_with_a_syntax_error() {
    let e = expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--select", "{quote: .quote"]),
        QUOTE_REPORT,
        &["field `--select`", "a valid jq filter", "end of filter", "closing delimiter for `{`"],
    );
    assert!(e.contains("character 14"), "{e}");
    expect_input_error(
        &run(&["inspect", QUOTE_REPORT, "--select", "nosuch(.)"]),
        QUOTE_REPORT,
        &["field `--select`", "undefined filter `nosuch`"],
    );
}

#[test]
fn select_producing_a_non_object() {
    // A string is read like a file's text (`.quote` gives a hex quote, tests/select.rs); a number
    // is neither an attestation nor a quote.
    expect_input_error(
        &run(&["verify", QUOTE_REPORT, "--select", "1"]),
        QUOTE_REPORT,
        &["field `--select`", "an object {quote, event_log, app_compose, collateral}", "number"],
    );
}

#[test]
fn select_without_an_attestation() {
    let s = Scratch::new("select-no-att");
    let q = s.write("q.hex", real_quote_hex());
    expect_cannot_evaluate(&run(&["verify", "--quote", &q, "--select", "."]), &["usage", "--select needs"]);
}

#[test]
fn phala_cvm_fetch_error() {
    let s = Scratch::new("phala-error");
    let p = s.json("cvm.json", &json!({"error": "boom", "app_certificates": [], "tcb_info": {}}));
    for cmd in ["verify", "inspect"] {
        let e = expect_cannot_evaluate(&run(&[cmd, &p]), &["could not be fetched", "boom"]);
        assert!(e.contains(&format!("error: {p}: ")), "{e}");
    }
    let p = s.json("cvm2.json", &json!({"success": false, "app_certificates": []}));
    expect_cannot_evaluate(&run(&["verify", &p]), &["could not be fetched", "success: false"]);
}

#[test]
fn instance_out_of_range() {
    let s = Scratch::new("instance");
    let m = quote_report();
    let listing = json!({"instances": [{"quote": m["quote"], "event_log": m["event_log"]}]});
    let p = s.json("instances.json", &listing);
    let e =
        expect_cannot_evaluate(&run(&["verify", &p, "--instance", "5"]), &["usage", "--instance 5", "lists only 1"]);
    assert!(e.contains(&p), "{e}");
    // The one instance itself is fine: this is not an evaluation error.
    let ok = run(&["verify", &p, "--instance", "0", "--at", "2026-03-01T00:00:00Z"]);
    assert_ne!(ok.status.code(), Some(2), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn replay_without_an_event_log() {
    let s = Scratch::new("replay-no-log");
    let q = s.write("q.bin", hex::decode(real_quote_hex()).unwrap());
    expect_cannot_evaluate(&run(&["replay", &q]), &["usage", "no event log to replay", "--event-log"]);
}
