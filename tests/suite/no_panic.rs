//! Property tests: every parser, and the whole pipeline, returns `Ok` or `Err` (never panics) on
//! random bytes and on truncated or mutated copies of the real fixtures. A panic inside a
//! `proptest!` body fails the property, so the bodies just call the code under test; where a
//! result is `Ok`, a few cheap invariants are checked too.

use std::sync::LazyLock;

use dstack_audit::clock::{parse_rfc3339, EvalTime};
use dstack_audit::error::Location;
use dstack_audit::evidence::ratls::parse_ratls_leaf;
use dstack_audit::evidence::scale::parse_versioned_attestation;
use dstack_audit::evidence::select::apply_select;
use dstack_audit::evidence::{app_compose_text, load, parse_json, InputFile, Sources};
use dstack_audit::pipeline::observe;
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{human, json as json_report, markdown, table};
use dstack_audit::tdx::event_log::parse_event_log;
use dstack_audit::tdx::quote::{decode_quote_bytes, parse_quote};
use dstack_audit::views::{Inspection, ReplayView};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};

macro_rules! fixture {
    ($rel:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/", $rel)
    };
}

const QUOTE_REPORT: &str = fixture!("dstack/dstack-verifier-quote-report/quote-report.json");
const NEAR_PUBLIC_DATA: &str = fixture!("dstack/near-mpc-dstack-0.5.4/public_data.json");
const PHALA_INFO: &str = fixture!("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json");
const TDX_LITE: &str = fixture!("dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json");
const ATTESTATION_BIN: &str = fixture!("dstack/dstack-simulator-attestation-bin/attestation.bin");
const APP_COMPOSE: &str = fixture!("dstack/dstack-simulator-attestation-bin/app-compose.json");
const SIM_EVENT_LOG: &str = fixture!("dstack/dstack-simulator-2025-04/eventlog.json");

/// Real quotes of every layout in fixtures/ (v4, v5 TD 1.0, v5 TD 1.5-ex, hex and binary).
const QUOTES: &[&str] = &[
    fixture!("tdx/dcap-qvl/tdx_quote"),
    fixture!("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex"),
    fixture!("tdx/dcap-rs/quote_tdx_00806f050000.dat"),
    fixture!("tdx/go-tdx-guest/quote_v5_sample.dat"),
    fixture!("phala/crabbox-phala-dstack-dev-0.5.9/real_tdx_quote.bin"),
    fixture!("dstack/dstack-simulator-2025-04/quote.hex"),
    fixture!("dstack/tee-solver-phala-prod-0.5/quote.hex"),
];

/// The real inputs, read once.
struct Fixtures {
    /// Attestation files of several shapes: (name, bytes).
    attestations: Vec<(&'static str, Vec<u8>)>,
    /// Decoded real quotes (binary).
    quotes: Vec<Vec<u8>>,
    /// The GetQuote response as a JSON object.
    quote_report: Map<String, Value>,
    /// The GetQuote quote, decoded.
    report_quote: Vec<u8>,
    /// Real event logs as JSON text (a string-held log and a bare array file).
    event_log_texts: Vec<String>,
    /// The GetQuote event log as parsed JSON (an array).
    event_log: Vec<Value>,
    /// The SCALE VersionedAttestation blobs (binary file, and tdx-lite's decoded hex).
    scale: Vec<Vec<u8>>,
    /// The RA-TLS PEM chain from the Phala Info response.
    app_cert: String,
    /// The DER of the chain's first (leaf) certificate.
    leaf_der: Vec<u8>,
    app_compose: Vec<u8>,
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn object(bytes: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice(bytes).unwrap() {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

static FX: LazyLock<Fixtures> = LazyLock::new(|| {
    let quote_report_bytes = read(QUOTE_REPORT);
    let quote_report = object(&quote_report_bytes);
    let report_quote = hex::decode(quote_report["quote"].as_str().unwrap()).unwrap();
    let log_text = quote_report["event_log"].as_str().unwrap().to_string();
    let event_log = match serde_json::from_str(&log_text).unwrap() {
        Value::Array(a) => a,
        _ => panic!("event_log is not an array"),
    };
    let phala = read(PHALA_INFO);
    let app_cert = object(&phala)["app_cert"].as_str().unwrap().to_string();
    let lite = read(TDX_LITE);
    let lite_scale = hex::decode(object(&lite)["attestation"].as_str().unwrap()).unwrap();
    const END: &str = "-----END CERTIFICATE-----";
    let first_block = &app_cert[..app_cert.find(END).unwrap() + END.len()];
    let (_, leaf_der) = der::pem::decode_vec(first_block.as_bytes()).unwrap();
    let quotes = QUOTES.iter().map(|p| decode_quote_bytes(&read(p), "").unwrap()).collect();
    Fixtures {
        attestations: vec![
            ("quote-report.json", quote_report_bytes),
            ("public_data.json", read(NEAR_PUBLIC_DATA)),
            ("real_attestation_info.json", phala),
            ("tdx-lite-attestation.json", lite),
            ("attestation.bin", read(ATTESTATION_BIN)),
        ],
        quotes,
        quote_report,
        report_quote,
        event_log_texts: vec![log_text, String::from_utf8(read(SIM_EVENT_LOG)).unwrap()],
        event_log,
        scale: vec![read(ATTESTATION_BIN), lite_scale],
        app_cert,
        leaf_der,
        app_compose: read(APP_COMPOSE),
    }
});

fn at() -> EvalTime {
    EvalTime::from_unix(1_800_000_000).unwrap()
}

fn input(name: &str, bytes: Vec<u8>) -> InputFile {
    InputFile { name: name.to_string(), bytes }
}

fn attestation_only(name: &str, bytes: Vec<u8>) -> Sources {
    Sources { attestation: Some(input(name, bytes)), ..Default::default() }
}

// ---------------------------------------------------------------- mutations

/// One edit of an input: the kinds a damaged or hostile file would show.
#[derive(Debug, Clone)]
enum Mutation {
    /// Keep only the bytes before the index.
    Truncate(Index),
    /// Overwrite one byte.
    Set(Index, u8),
    /// Flip some bits of one byte.
    Xor(Index, u8),
    /// Insert bytes before the index.
    Insert(Index, Vec<u8>),
    /// Remove up to `n` bytes from the index.
    Remove(Index, usize),
}

/// Bytes that keep JSON and hex text plausible more often than uniform bytes do.
fn text_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        proptest::sample::select(b"0123456789abcdefABCDEF0x\"\\{}[],:-.eE+ \n".to_vec()),
        Just(0u8),
        Just(0xffu8),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        4 => (any::<Index>(), text_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<Index>(), 1u8..=255).prop_map(|(i, b)| Mutation::Xor(i, b)),
        1 => (any::<Index>(), proptest::collection::vec(text_byte(), 1..8)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(), 1..4)
}

fn apply(data: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut out = data.to_vec();
    for m in muts {
        if out.is_empty() {
            break;
        }
        let len = out.len();
        match m {
            Mutation::Truncate(i) => out.truncate(i.index(len)),
            Mutation::Set(i, b) => out[i.index(len)] = *b,
            Mutation::Xor(i, b) => out[i.index(len)] ^= *b,
            Mutation::Insert(i, bytes) => {
                let at = i.index(len + 1);
                out.splice(at..at, bytes.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = i.index(len);
                let end = (at + n).min(len);
                out.drain(at..end);
            }
        }
    }
    out
}

// ---------------------------------------------------------------- JSON values

/// Field names the parsers look for, so that random objects reach their checks.
const KEYS: &[&str] = &[
    "imr",
    "event_type",
    "digest",
    "event",
    "event_payload",
    "version",
    "preimage",
    "quote",
    "event_log",
    "app_compose",
    "tcb_info",
    "schema",
    "tdx",
    "mrtd",
    "rtmr0",
    "dstack",
    "app_id",
    "report_data",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..10).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[0-9a-fA-Fx]{0,100}".prop_map(Value::String),
        Just(Value::String("00".repeat(48))),
        ".{0,20}".prop_map(Value::String),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![proptest::sample::select(KEYS).prop_map(str::to_string), "[a-z_]{0,8}"];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An event-log entry whose fields are mostly of the right type, sometimes not.
fn arb_entry() -> impl Strategy<Value = Value> {
    let small = prop_oneof![3 => (0u64..6).prop_map(Value::from), 1 => json_leaf()];
    let hex = prop_oneof![
        3 => "([0-9a-f]{2}){0,60}".prop_map(Value::String),
        1 => Just(Value::String(String::new())),
        1 => json_leaf(),
    ];
    let event_type = prop_oneof![Just(json!(0x0800_0001u32)), Just(json!(1)), json_leaf()];
    let event = prop_oneof![
        proptest::sample::select(vec!["compose-hash", "app-id", "instance-id", "key-provider", "os-image-hash", ""])
            .prop_map(Value::from),
        json_leaf(),
    ];
    (
        proptest::option::of(small.clone()),
        proptest::option::of(event_type),
        proptest::option::of(hex.clone()),
        proptest::option::of(event),
        proptest::option::of(hex.clone()),
        proptest::option::of(small),
        proptest::option::of(hex),
    )
        .prop_map(|(imr, ty, digest, event, payload, version, preimage)| {
            let mut m = Map::new();
            for (k, v) in [
                ("imr", imr),
                ("event_type", ty),
                ("digest", digest),
                ("event", event),
                ("event_payload", payload),
                ("version", version),
                ("preimage", preimage),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_string(), v);
                }
            }
            Value::Object(m)
        })
}

/// Checks what a successful event-log parse promises.
fn check_log(v: &Value) {
    if let Ok(log) = parse_event_log(v) {
        assert!(log.entries.iter().all(|e| e.imr <= 3));
        if let Value::Array(a) = v {
            assert_eq!(log.entries.len(), a.len());
        }
    }
}

// ---------------------------------------------------------------- the pipeline

/// Runs `verify`, then renders the report, and `observe` with the inspect/replay views.
fn pipeline(sources: &Sources) {
    if let Ok(report) = dstack_audit::verify(sources, &Reference::none(), None, &dstack_audit::Settings::at(at())) {
        let doc = human::verify_doc(&report);
        let _ = table::render(&doc, false);
        let _ = table::render(&doc, true);
        let _ = markdown::render(&doc);
        let _ = json_report::render(&report);
    }
    if let Ok(observed) = load(sources).and_then(observe) {
        let inspection = Inspection::of(&observed);
        let _ = table::render(&human::inspect_doc(&inspection), false);
        let _ = json_report::render(&inspection);
        if let Some(replay) = ReplayView::of(&observed) {
            let _ = markdown::render(&human::replay_doc(&replay));
            let _ = json_report::render(&replay);
        }
    }
}

/// The GetQuote object with the quote bytes replaced (kept as valid hex inside valid JSON).
fn quote_report_with_quote(quote: &[u8]) -> Vec<u8> {
    let mut m = FX.quote_report.clone();
    m.insert("quote".into(), Value::String(hex::encode(quote)));
    serde_json::to_vec(&Value::Object(m)).unwrap()
}

// ---------------------------------------------------------------- deterministic checks

#[test]
fn fixtures_parse_before_mutation() {
    // The properties below are only meaningful if the unmutated inputs are accepted.
    for q in &FX.quotes {
        parse_quote(q).unwrap();
    }
    for (name, bytes) in &FX.attestations {
        load(&attestation_only(name, bytes.clone())).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for blob in &FX.scale {
        parse_versioned_attestation(blob).unwrap();
    }
    for text in &FX.event_log_texts {
        let v: Value = serde_json::from_str(text).unwrap();
        parse_event_log(&v).unwrap();
    }
    parse_ratls_leaf(&FX.app_cert).unwrap();
    let leaf = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &FX.leaf_der).unwrap();
    assert!(parse_ratls_leaf(&leaf).unwrap().quote.is_some());
    assert_eq!(FX.report_quote.len(), 5006);
}

#[test]
fn every_truncation_of_a_real_quote_is_an_offset_error() {
    // Cut anywhere inside its structure (before the driver padding), a quote must not parse,
    // and the error must point at a byte offset inside what was given.
    for (path, q) in QUOTES.iter().zip(&FX.quotes) {
        let full = parse_quote(q).unwrap();
        let structure_end = q.len() - full.trailing_bytes;
        for len in 0..structure_end {
            let e = match parse_quote(&q[..len]) {
                Ok(_) => panic!("{path}: a quote cut to {len} of {} bytes parsed", q.len()),
                Err(e) => e,
            };
            match e.at {
                Location::Offset(o) => assert!(o <= len, "{path}: cut to {len}: offset {o} is past the end: {e}"),
                ref other => panic!("{path}: cut to {len}: location {other:?}, not an offset: {e}"),
            }
        }
        assert!(parse_quote(&q[..structure_end]).is_ok(), "{path}: the quote without its padding");
    }
}

#[test]
fn getquote_quote_truncations_below_the_padding_fail() {
    // The case in fixtures/SOURCES.md: 5006 bytes, the last 70 zero padding.
    let q = &FX.report_quote;
    assert_eq!(parse_quote(q).unwrap().trailing_bytes, 70);
    for len in 0..q.len() - 70 {
        let e = parse_quote(&q[..len]).err().unwrap_or_else(|| panic!("cut to {len} parsed"));
        assert!(matches!(e.at, Location::Offset(_)), "cut to {len}: {e}");
    }
}

#[test]
fn select_string_repetition_does_not_panic() {
    let r = std::panic::catch_unwind(|| apply_select(r#""abc" * 9223372036854775807"#, b"{}"));
    assert!(r.is_ok(), "apply_select panicked");
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    // ---- TDX quote

    #[test]
    fn parse_quote_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let _ = parse_quote(&bytes);
        let _ = decode_quote_bytes(&bytes, "quote");
    }

    #[test]
    fn parse_quote_random_body_after_a_real_header(
        which in any::<Index>(),
        keep in 0usize..700,
        tail in proptest::collection::vec(any::<u8>(), 0..6000),
    ) {
        let q = which.get(&FX.quotes);
        let mut bytes = q[..keep.min(q.len())].to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(parsed) = parse_quote(&bytes) {
            prop_assert_eq!(parsed.raw(), &bytes[..]);
            prop_assert!(parsed.signed_bytes().len() <= bytes.len());
        }
    }

    #[test]
    fn parse_quote_mutated_real(which in any::<Index>(), muts in mutations()) {
        let bytes = apply(which.get::<Vec<u8>>(&FX.quotes), &muts);
        if let Ok(parsed) = parse_quote(&bytes) {
            prop_assert!(parsed.signed_bytes().len() + parsed.trailing_bytes <= bytes.len());
        }
        let _ = decode_quote_bytes(hex::encode(&bytes).as_bytes(), "quote");
    }

    // ---- event log

    #[test]
    fn event_log_from_random_strings(s in prop_oneof![".{0,64}", "[\\[\\]{}\",:0-9a-z_ ]{0,96}"]) {
        let v = serde_json::from_str::<Value>(&s).unwrap_or_else(|_| Value::String(s.clone()));
        check_log(&v);
        check_log(&Value::String(s));
    }

    #[test]
    fn event_log_arbitrary_json(v in arb_json()) {
        check_log(&v);
        check_log(&Value::Array(vec![v.clone()]));
        check_log(&Value::String(v.to_string()));
    }

    #[test]
    fn event_log_random_entries(entries in proptest::collection::vec(arb_entry(), 0..8)) {
        check_log(&Value::Array(entries));
    }

    #[test]
    fn event_log_mutated_real_text(which in any::<Index>(), muts in mutations()) {
        let text = which.get(&FX.event_log_texts);
        let bytes = apply(text.as_bytes(), &muts);
        let s = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(v) = serde_json::from_str::<Value>(&s) {
            check_log(&v);
        }
        check_log(&Value::String(s));
    }

    #[test]
    fn event_log_real_with_one_field_replaced(
        entry in any::<Index>(),
        key in proptest::sample::select(KEYS[..7].to_vec()),
        value in prop_oneof![arb_json(), Just(Value::Null)],
    ) {
        let mut log = FX.event_log.clone();
        let i = entry.index(log.len());
        log[i].as_object_mut().unwrap().insert(key.to_string(), value);
        check_log(&Value::Array(log));
    }

    // ---- attestation files of every shape

    #[test]
    fn load_mutated_attestations(which in any::<Index>(), muts in mutations()) {
        let (name, bytes) = which.get(&FX.attestations);
        let _ = load(&attestation_only(name, apply(bytes, &muts)));
    }

    #[test]
    fn load_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = load(&attestation_only("random", bytes.clone()));
        let _ = load(&Sources { quote: Some(input("q", bytes.clone())), ..Default::default() });
        let _ = parse_json(&bytes);
        let _ = app_compose_text(&bytes);
    }

    #[test]
    fn load_arbitrary_json_objects(v in arb_json()) {
        let _ = load(&attestation_only("arb.json", serde_json::to_vec(&v).unwrap()));
    }

    // ---- SCALE VersionedAttestation

    #[test]
    fn scale_random_bytes(
        prefix in proptest::sample::select(vec![vec![], vec![0u8], vec![0, 0], vec![0x80], vec![0xde]]),
        tail in proptest::collection::vec(any::<u8>(), 0..800),
    ) {
        let mut bytes = prefix;
        bytes.extend_from_slice(&tail);
        let _ = parse_versioned_attestation(&bytes);
    }

    #[test]
    fn scale_mutated_real(which in any::<Index>(), muts in mutations()) {
        let bytes = apply(which.get::<Vec<u8>>(&FX.scale), &muts);
        if let Ok(va) = parse_versioned_attestation(&bytes) {
            prop_assert!(va.quote.len() <= bytes.len());
        }
    }

    // ---- RA-TLS certificate

    #[test]
    fn ratls_random_text(s in prop_oneof![
        ".{0,200}",
        "-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]{0,300}\n-----END CERTIFICATE-----\n",
    ]) {
        let _ = parse_ratls_leaf(&s);
    }

    #[test]
    fn ratls_mutated_pem_text(muts in mutations()) {
        let bytes = apply(FX.app_cert.as_bytes(), &muts);
        let _ = parse_ratls_leaf(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn ratls_mutated_der(muts in mutations()) {
        // Damage the DER itself and re-wrap it, so that the X.509 and extension decoding run.
        let damaged = apply(&FX.leaf_der, &muts);
        if let Ok(pem) = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &damaged) {
            let _ = parse_ratls_leaf(&pem);
        }
    }

    // ---- reference file

    #[test]
    fn reference_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_reference(&bytes, "ref.json");
    }

    #[test]
    fn reference_mutated(muts in mutations()) {
        let text = json!({
            "schema": "dstack-audit/reference/v1",
            "tdx": {"mrtd": "00".repeat(48), "rtmr0": ["11".repeat(48), format!("0x{}", "22".repeat(48))]},
            "tcb": {"allowed_statuses": ["UpToDate", "SWHardeningNeeded"], "allowed_advisories": ["INTEL-SA-00837"]},
            "dstack": {
                "os_image_hash": "33".repeat(32),
                "compose_hash": ["44".repeat(32)],
                "app_id": "55".repeat(20),
                "key_provider": {"name": "kms", "id": "abcd"},
                "report_data": "1234"
            },
            "launcher": {"image": "x@sha256:00", "provenance": {"issuer": "i", "source_ref": ["refs/heads/main"]}},
            "workload": {"repo_url": "https://example.com/r", "commit_sha": "ab".repeat(20)},
            "images": [format!("a@sha256:{}", "cd".repeat(32)), format!("ghcr.io/o/b@sha256:{}", "ef".repeat(32))]
        })
        .to_string();
        parse_reference(text.as_bytes(), "ref.json").unwrap();
        let _ = parse_reference(&apply(text.as_bytes(), &muts), "ref.json");
    }

    #[test]
    fn reference_arbitrary_json(v in arb_json()) {
        let _ = parse_reference(v.to_string().as_bytes(), "ref.json");
        let wrapped = json!({"schema": "dstack-audit/reference/v1", "tdx": v.clone(), "dstack": v});
        let _ = parse_reference(wrapped.to_string().as_bytes(), "ref.json");
    }

    // ---- --select

    #[test]
    fn select_random_char_filters(filter in "[ .a-z0-9|\\[\\]{}():;,\"+*/%<>=!?$@#\\\\-]{0,20}") {
        let _ = apply_select(&filter, br#"{"a":{"q":"x"},"b":[1,2,"s"],"c":null}"#);
    }

    #[test]
    fn select_random_token_filters(tokens in proptest::collection::vec(proptest::sample::select(vec![
        ".", ".quote", ".event_log", ".[]", ".[0]", ".[1:]", ".[-1]", "..", "|", ",", "(", ")", "[", "]", "{", "}",
        ":", ";", "?", "//", "+", "-", "*", "/", "%", "==", "<", "and", "or", "not", "as", "$x", "$__loc__",
        "if", "then", "elif", "else", "end", "try", "catch", "reduce", "foreach", "label", "$out", "break",
        "\"x\"", "\"\\(.)\"", "1", "0", "-1", "1e3", "null", "true", "keys", "length", "tostring", "tojson",
        "fromjson", "tonumber", "explode", "implode", "ascii_downcase", "split(\"0\")", "join(\",\")",
        "map(.)", "select(.)", "to_entries", "from_entries", "paths", "getpath([\"a\"])", "@base64",
        "@base64d", "@uri", "@csv", "@sh", "@json", "@text", "ltrimstr(\"0\")", "test(\"a\")", "sub(\"a\";\"b\")",
        "error", "empty", "halt", "halt_error", "input", "env", "now", "first", "last", "add", "min", "max",
        "sort", "unique", "flatten", "tostream", "fromstream(tostream)", "todate", "fromdate", "splits(\"a\")",
        "has(0)", "in({})", "del(.a)", "setpath([0];1)", "type", "infinite", "nan", "abs", "floor", "@html",
    ]), 0..8)) {
        let filter = tokens.join(" ");
        let _ = apply_select(&filter, br#"{"a":{"q":"x"},"b":[1,2,"s"],"c":null}"#);
        let _ = apply_select(&filter, &FX.attestations[0].1);
    }

    #[test]
    fn select_random_inputs(input in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..100),
        arb_json().prop_map(|v| v.to_string().into_bytes()),
    ]) {
        let _ = apply_select(".", &input);
        let _ = apply_select("{quote: .quote, event_log: .event_log}", &input);
    }

    // ---- evaluation time

    #[test]
    fn rfc3339_random(text in prop_oneof![
        ".{0,40}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
        "[0-9+:.TZ-]{17,30}",
    ]) {
        if let Ok(t) = parse_rfc3339(&text, "--at") {
            // What the report records reads back as the same instant.
            let again = parse_rfc3339(&t.to_string(), "--at");
            prop_assert_eq!(again.ok(), Some(t));
        }
    }
}

proptest! {
    // The whole pipeline costs a few milliseconds a run in debug builds.
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn verify_mutated_attestations(which in any::<Index>(), muts in mutations()) {
        let (name, bytes) = which.get(&FX.attestations);
        pipeline(&attestation_only(name, apply(bytes, &muts)));
    }

    #[test]
    fn verify_getquote_with_a_mutated_quote(muts in mutations()) {
        // The JSON and the hex stay valid: the damage reaches the quote parser and the checks.
        let quote = apply(&FX.report_quote, &muts);
        pipeline(&attestation_only("quote-report.json", quote_report_with_quote(&quote)));
    }

    #[test]
    fn verify_getquote_with_a_damaged_event_log(
        entry in any::<Index>(),
        key in proptest::sample::select(KEYS[..7].to_vec()),
        value in arb_json(),
        drop in proptest::option::of(any::<Index>()),
    ) {
        let mut log = FX.event_log.clone();
        let i = entry.index(log.len());
        log[i].as_object_mut().unwrap().insert(key.to_string(), value);
        if let Some(d) = drop {
            log.remove(d.index(log.len()));
        }
        let mut m = FX.quote_report.clone();
        m.insert("event_log".into(), Value::Array(log));
        pipeline(&attestation_only("quote-report.json", serde_json::to_vec(&Value::Object(m)).unwrap()));
    }

    #[test]
    fn verify_separate_files(
        quote_muts in proptest::option::of(mutations()),
        log_muts in proptest::option::of(mutations()),
        compose_muts in proptest::option::of(mutations()),
    ) {
        let quote = match &quote_muts {
            Some(m) => apply(&FX.report_quote, m),
            None => FX.report_quote.clone(),
        };
        let log = FX.event_log_texts[0].as_bytes();
        let sources = Sources {
            quote: Some(input("q.bin", quote)),
            event_log: Some(input("log.json", log_muts.map_or_else(|| log.to_vec(), |m| apply(log, &m)))),
            app_compose: Some(input(
                "app-compose.json",
                compose_muts.map_or_else(|| FX.app_compose.clone(), |m| apply(&FX.app_compose, &m)),
            )),
            ..Default::default()
        };
        pipeline(&sources);
    }

    #[test]
    fn verify_with_select(filter in proptest::sample::select(vec![
        ".", "{quote, event_log}", "{quote: .quote}", "{quote: .quote[0:600]}", "{quote: .quote, event_log: .vm_config}",
        "{quote: .quote, event_log: (.event_log | fromjson | .[0:3])}", "{quote: .quote, app_compose: .vm_config}",
        "{quote: .quote, collateral: .vm_config}", "{quote: .quote, event_log: []}", "{quote: ([.quote] | .[0])}",
    ]), muts in proptest::option::of(mutations())) {
        let bytes = &FX.attestations[0].1;
        let bytes = muts.map_or_else(|| bytes.clone(), |m| apply(bytes, &m));
        let sources = Sources { select: Some(dstack_audit::evidence::Select::unbounded_in_process(filter)), ..attestation_only("quote-report.json", bytes) };
        pipeline(&sources);
    }
}

/// The git-launcher config of the synthetic deployment and its compose file, for check 3.
const GIT_LAUNCHER_CONFIG: &str = "# pin\nREPO_URL=https://github.com/dstack-audit-example/workload\nCOMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3\nENTRYPOINT_SCRIPT=entrypoint.sh\nRUN_CMD=\"make run\"\nINSTALL_CMD='make deps'\nWORK_DIR=/w\n";

fn git_launcher_compose() -> String {
    let v: Value =
        serde_json::from_slice(&std::fs::read(fixture!("synthetic/git-launcher/attestation.json")).unwrap()).unwrap();
    let app: Value = serde_json::from_str(v["app_compose"].as_str().unwrap()).unwrap();
    app["docker_compose_file"].as_str().unwrap().to_string()
}

proptest! {
    #[test]
    fn git_launcher_config_random_text(text in prop_oneof![".{0,200}", "([A-Z_]{1,12}=[ -~]{0,40}\n){0,8}"]) {
        let _ = dstack_audit::compose::git_launcher::parse_config(&text);
    }

    #[test]
    fn git_launcher_config_mutated(muts in mutations()) {
        let text = String::from_utf8_lossy(&apply(GIT_LAUNCHER_CONFIG.as_bytes(), &muts)).to_string();
        if let Ok(c) = dstack_audit::compose::git_launcher::parse_config(&text) {
            // What parses is a full commit and relative paths.
            prop_assert!(matches!(c.commit_sha.len(), 40 | 64));
            prop_assert!(!c.script_path().starts_with('/') && !c.script_path().split('/').any(|p| p == ".."));
        }
    }

    #[test]
    fn workload_check_on_mutated_compose(muts in mutations(), allowed in proptest::collection::vec("[A-Z_]{1,12}", 0..3)) {
        use dstack_audit::checks::launcher::{AppSettings, AttestedCompose};
        let yaml = String::from_utf8_lossy(&apply(git_launcher_compose().as_bytes(), &muts)).to_string();
        if let Ok(compose) = dstack_audit::compose::docker_compose::parse_compose(&yaml) {
            let c = AttestedCompose::attested(compose, "mutated".into(), AppSettings { allowed_envs: allowed, runner: Some("docker-compose".into()), ..AppSettings::default() });
            let r = parse_reference(&std::fs::read(fixture!("synthetic/git-launcher/reference.json")).unwrap(), "ref.json").unwrap();
            let _ = dstack_audit::checks::workload::check(&c, &r, Default::default());
            let _ = dstack_audit::checks::workload::check(&c, &dstack_audit::reference::Reference::none(), Default::default());
        }
    }
}
