//! `--select 'JQ'`: reshaping an unknown JSON attestation document with a jq filter before it is
//! read as evidence. Owns running the filter; what the result means is the evidence layer's job.
//!
//! Uses jaq (jaq-core 3.1 / jaq-std 3.0 / jaq-json 2.0), following the embedding recipe in
//! jaq-core's crate documentation: load (parse) the filter with the core, std and JSON
//! definitions, compile it with the native filters, run it on the input, read the first output.
//!
//! Kept deliberately narrow:
//! - the input is strict JSON (checked by serde_json, whose recursion limit guards the stack) no
//!   deeper than `MAX_JSON_DEPTH`; jaq's own reader, which accepts a superset, is not used;
//! - jaq-std's natives are offered except `env` and `now`, so a filter cannot read the
//!   environment or the clock (jaq's `debug`/`stderr` only reach the `log` facade); `halt` ends
//!   the filter with an error instead of exiting the process (jaq's `unwrap_valr` would exit);
//! - only the first output is computed (outputs are lazy; `MAX_SELECT_OUTPUTS` is the cap);
//! - the result goes back through its JSON text, so strings come out byte for byte; results
//!   that are not JSON (byte strings, NaN, non-string keys) are errors.
//!
//! The filter is the operator's own code (typed on the command line), not evidence. It runs on a
//! thread of its own with a `SELECT_STACK_BYTES` stack, and a panic inside jaq (for example a
//! capacity overflow from `"a" * 1e18`) becomes an error. `apply_select` itself bounds neither
//! time nor memory nor recursion (jaq has no budget): the command line runs it in a child process
//! under resource limits (`cmd/select_child.rs`, docs/decisions.md 34), and talks to that child
//! with `encode_outcome` / `decode_outcome`. Which runner is used is the caller's choice
//! (`evidence::Select`).

use jaq_core::load::{lex, Arena, File, Loader};
use jaq_core::{compile, data, load, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{describe, Location, ParseError};
use crate::limits::{MAX_JSON_DEPTH, MAX_SELECT_OUTPUTS};

/// Where filter problems are reported.
const SELECT_FIELD: &str = "--select";

// Only the first output is ever pulled, which stays within the cap.
const _: () = assert!(MAX_SELECT_OUTPUTS >= 1);

/// Stack of the thread that runs a `--select` filter (jaq evaluates recursively).
pub const SELECT_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs the jq `filter` on the JSON `input` and returns its first output.
pub fn apply_select(filter: &str, input: &[u8]) -> Result<Value, ParseError> {
    let (filter, input) = (filter.to_string(), input.to_vec());
    let worker = std::thread::Builder::new()
        .name("select".into())
        .stack_size(SELECT_STACK_BYTES)
        .spawn(move || std::panic::catch_unwind(|| run_select(&filter, &input)))
        .map_err(|e| select_error("a thread to run the filter on", e.to_string()))?;
    match worker.join() {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) | Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "an internal failure".into());
            Err(select_error("a filter that jq can evaluate", format!("jq gave up: {why}")))
        }
    }
}

fn run_select(filter: &str, input: &[u8]) -> Result<Value, ParseError> {
    let input = parse_input(input)?;
    let filter = compile_filter(filter)?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let first = filter.id.run((ctx, input)).next();
    let output = match first {
        None => return Err(select_error("a filter that produces a value", "no output (the filter yielded nothing)")),
        Some(Ok(v)) => v,
        Some(Err(exn)) => return Err(runtime_error(exn)),
    };
    output_to_json(&output)
}

fn select_error(expected: impl Into<String>, found: impl Into<String>) -> ParseError {
    ParseError::new(Location::Field(SELECT_FIELD.to_string()), expected, found)
}

/// Strict JSON read exactly as an attestation file is (`evidence::parse_json`: bounded size, a
/// text prefix before the first `{` skipped), bounded depth, then converted into jaq's value type.
fn parse_input(input: &[u8]) -> Result<Val, ParseError> {
    // Any JSON value is a valid filter input; only an attestation-like document has a prefix.
    let value: Value = match serde_json::from_slice(input) {
        Ok(v) if input.len() <= crate::limits::MAX_INPUT_BYTES => v,
        _ => super::parse_json(input)?,
    };
    check_depth(&value, "a JSON document", Location::Whole)?;
    Val::deserialize(&value).map_err(|e| ParseError::new(Location::Whole, "a JSON document", e.to_string()))
}

/// Rejects values nested deeper than `MAX_JSON_DEPTH` (iteratively: no recursion).
fn check_depth(value: &Value, what: &str, at: Location) -> Result<(), ParseError> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(o) => Box::new(o.values()),
            _ => continue,
        };
        if depth > MAX_JSON_DEPTH {
            return Err(ParseError::new(
                at,
                format!("{what} nested at most {MAX_JSON_DEPTH} levels deep (MAX_JSON_DEPTH)"),
                format!("more than {MAX_JSON_DEPTH} levels"),
            ));
        }
        let next = depth.saturating_add(1);
        stack.extend(children.map(|c| (c, next)));
    }
    Ok(())
}

/// Natives that would make the result depend on the machine running the audit.
const DENIED_NATIVES: [&str; 2] = ["env", "now"];

type JaqFilter = jaq_core::Filter<data::JustLut<Val>>;

/// Parses and compiles `code`; errors name the problem and where in the filter it is.
fn compile_filter(code: &str) -> Result<JaqFilter, ParseError> {
    let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
    let std_funs = jaq_std::funs().filter(|(name, _, _)| !DENIED_NATIVES.contains(name));
    let funs = jaq_core::funs().chain(std_funs).chain(jaq_json::funs());
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(&arena, File { code, path: () })
        .map_err(|errs| select_error("a valid jq filter", describe_load_errors(code, errs)))?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| select_error("a jq filter using only defined names", describe_compile_errors(code, errs)))
}

/// `part` is a slice of `code` (jaq reports positions that way); its character offset.
fn offset_in(code: &str, part: &str) -> Option<usize> {
    let start = part.as_ptr().addr().checked_sub(code.as_ptr().addr())?;
    code.get(..start).map(|before| before.chars().count())
}

/// "`b` at character 3 (jaq expected nothing)"
fn problem(code: &str, part: &str, expected: &str) -> String {
    let found = if part.is_empty() { "end of filter".to_string() } else { describe(part) };
    format!("{found} {} (jaq expected {expected})", at(code, part))
}

fn at(code: &str, part: &str) -> String {
    match offset_in(code, part) {
        Some(i) => format!("at character {i}"),
        None => "in a library definition".to_string(),
    }
}

fn describe_load_errors(code: &str, errs: load::Errors<&str, ()>) -> String {
    let mut out = Vec::new();
    for (_file, err) in errs {
        match err {
            load::Error::Io(items) => {
                out.extend(items.into_iter().map(|(path, msg)| format!("cannot load module {path:?}: {msg}")));
            }
            load::Error::Lex(items) => {
                out.extend(items.into_iter().map(|(expect, part)| problem(code, part, &lex_expectation(&expect))));
            }
            load::Error::Parse(items) => {
                out.extend(items.into_iter().map(|(expect, part)| problem(code, part, expect.as_str())));
            }
        }
    }
    join_problems(out)
}

/// jaq's `lex::Expect::as_str` panics on delimiters it does not know; describe them here.
fn lex_expectation(expect: &lex::Expect<&str>) -> String {
    match expect {
        lex::Expect::Digit => "a digit".into(),
        lex::Expect::Ident => "an identifier".into(),
        lex::Expect::Delim(open) => format!("a closing delimiter for `{open}`"),
        lex::Expect::Escape => "a string escape sequence".into(),
        lex::Expect::Unicode => "a 4-digit hexadecimal code point".into(),
        lex::Expect::Token => "a token".into(),
        _ => "a valid token".into(),
    }
}

fn describe_compile_errors(code: &str, errs: compile::Errors<&str, ()>) -> String {
    let out = errs
        .into_iter()
        .flat_map(|(_file, items)| items)
        .map(|(name, undefined)| format!("undefined {} `{name}` {}", undefined.as_str(), at(code, name)))
        .collect();
    join_problems(out)
}

fn join_problems(out: Vec<String>) -> String {
    if out.is_empty() {
        "an unspecified problem".to_string()
    } else {
        out.join("; ")
    }
}

fn runtime_error(exn: jaq_core::Exn<'_, Val>) -> ParseError {
    let found = match exn.get_err() {
        Ok(err) => format!("the error {}", describe(&err.to_string())),
        Err(other) => match other.get_halt() {
            Ok(code) => format!("a `halt` with exit code {code}"),
            Err(_) => "an internal jaq exception".to_string(),
        },
    };
    select_error("a filter that runs without error", found)
}

/// jaq's JSON text of the output, read back by serde_json: strings keep their exact bytes.
fn output_to_json(output: &Val) -> Result<Value, ParseError> {
    let text = output.to_string();
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| select_error("a filter output that is JSON", format!("{} ({e})", describe(&text))))?;
    check_depth(&value, "a filter output", Location::Field(SELECT_FIELD.to_string()))?;
    Ok(value)
}

/// The child's answer on its standard output: `{"ok": VALUE}` or `{"error": {at, expected, found}}`.
pub fn encode_outcome(outcome: &Result<Value, ParseError>) -> String {
    let v = match outcome {
        Ok(v) => serde_json::json!({ "ok": v }),
        Err(e) => {
            let at = match &e.at {
                Location::Whole => serde_json::json!({}),
                Location::Field(f) => serde_json::json!({ "field": f }),
                Location::Offset(o) => serde_json::json!({ "offset": o }),
                Location::Line { line, column } => serde_json::json!({ "line": line, "column": column }),
            };
            serde_json::json!({ "error": { "at": at, "expected": e.expected, "found": e.found } })
        }
    };
    v.to_string()
}

/// Reads back what `encode_outcome` wrote; `None` when the text is not such an answer.
pub fn decode_outcome(text: &[u8]) -> Option<Result<Value, ParseError>> {
    let v: Value = serde_json::from_slice(text).ok()?;
    if let Some(ok) = v.get("ok") {
        return Some(Ok(ok.clone()));
    }
    let e = v.get("error")?;
    let at = e.get("at")?;
    let num = |k: &str| at.get(k).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
    let location = if let Some(f) = at.get("field").and_then(Value::as_str) {
        Location::Field(f.to_string())
    } else if let Some(o) = num("offset") {
        Location::Offset(o)
    } else if let (Some(line), Some(column)) = (num("line"), num("column")) {
        Location::Line { line, column }
    } else {
        Location::Whole
    };
    let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Err(ParseError::new(location, text("expected")?, text("found")?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(filter: &str, input: &str) -> Result<Value, ParseError> {
        apply_select(filter, input.as_bytes())
    }

    fn field_err(filter: &str, input: &str) -> String {
        let e = select(filter, input).unwrap_err();
        assert_eq!(e.at, Location::Field("--select".into()), "{e}");
        e.to_string()
    }

    #[test]
    fn maps_fields() {
        assert_eq!(select("{quote: .a.q}", r#"{"a":{"q":"x"}}"#).unwrap(), json!({"quote": "x"}));
        assert_eq!(select(".[1]", "[1, 2, 3]").unwrap(), json!(2));
        assert_eq!(select("map(.+1)", "[1, 2]").unwrap(), json!([2, 3]));
        assert_eq!(select("keys", r#"{"b":1,"a":2}"#).unwrap(), json!(["a", "b"]));
    }

    #[test]
    fn strings_are_byte_exact_and_keys_are_kept() {
        let tricky = "é\u{0}\u{1f}\"\\/\u{2028}\u{fffd}😀 \t\n";
        let input = json!({"s": tricky, "z": 1, "a": 2}).to_string();
        assert_eq!(select(".s", &input).unwrap(), Value::String(tricky.into()));
        let out = select(".", &input).unwrap();
        let mut keys: Vec<_> = out.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["a", "s", "z"]);
        let hex = "04000200810000000000000000939a7233f79c4ca9940a0db3957f0607";
        assert_eq!(select("{quote: .q}", &json!({"q": hex}).to_string()).unwrap(), json!({"quote": hex}));
    }

    #[test]
    fn takes_only_the_first_output() {
        assert_eq!(select(".[]", "[5, 6]").unwrap(), json!(5));
        // the second output would be an error, and is never computed
        assert_eq!(select("1, error(\"x\")", "null").unwrap(), json!(1));
        assert_eq!(select("repeat(.)", "7").unwrap(), json!(7));
    }

    #[test]
    fn syntax_errors_name_the_problem() {
        let e = field_err("{quote: .a.q", "{}");
        assert!(e.contains("valid jq filter"), "{e}");
        let e = field_err(".a |", "{}");
        assert!(e.contains("end of filter"), "{e}");
        let e = field_err("\"abc", "{}");
        assert!(e.contains("closing"), "{e}");
        let e = field_err("nosuchfn(1)", "{}");
        assert!(e.contains("undefined filter `nosuchfn`") && e.contains("character 0"), "{e}");
    }

    #[test]
    fn runtime_errors_and_empty_output_are_errors() {
        let e = field_err(".a + 1", r#"{"a":"s"}"#);
        assert!(e.contains("without error") && e.contains("cannot"), "{e}");
        let e = field_err("empty", "{}");
        assert!(e.contains("no output"), "{e}");
        let e = field_err("error(\"boom\")", "{}");
        assert!(e.contains("boom"), "{e}");
        let e = field_err("halt", "{}");
        assert!(e.contains("halt"), "{e}");
    }

    #[test]
    fn side_effecting_and_non_json_results_are_refused() {
        for f in ["env", "now", "$ENV", "input", "inputs"] {
            let e = field_err(f, "{}");
            assert!(e.contains("undefined"), "{f}: {e}");
        }
        let e = field_err("{(1): 2}", "{}");
        assert!(e.contains("is JSON"), "{e}");
        let e = field_err("nan", "{}");
        assert!(e.contains("is JSON"), "{e}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let e = select(".", "{\"a\": 1").unwrap_err();
        assert!(matches!(e.at, Location::Line { .. }), "{e}");
        // jaq's reader would accept these; the input must be plain JSON.
        for bad in ["", "# comment\n1", "NaN", "1 2", "b\"x\"", "{1: 2}"] {
            assert!(select(".", bad).is_err(), "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_JSON_DEPTH), "]".repeat(MAX_JSON_DEPTH));
        assert!(select(".", &deep).is_ok());
        let deeper = format!("[{deep}]");
        let e = select(".", &deeper).unwrap_err();
        assert!(e.to_string().contains("MAX_JSON_DEPTH"), "{e}");
        let very_deep = "[".repeat(100_000);
        assert!(select(".", &very_deep).is_err());
        let deep_filter = format!("[{}.{}]", "[".repeat(MAX_JSON_DEPTH), "]".repeat(MAX_JSON_DEPTH));
        let e = field_err(&deep_filter, "1");
        assert!(e.contains("MAX_JSON_DEPTH"), "{e}");
    }

    #[test]
    fn outcomes_survive_the_child_protocol() {
        let cases = [
            Ok(json!({"quote": "00", "n": [1, 2.5, null]})),
            Err(ParseError::new(Location::Whole, "a", "b")),
            Err(ParseError::new(Location::Field("--select".into()), "a filter", "`x`")),
            Err(ParseError::new(Location::Offset(7), "x", "y")),
            Err(ParseError::new(Location::Line { line: 3, column: 9 }, "JSON", "eof")),
        ];
        for c in cases {
            assert_eq!(decode_outcome(encode_outcome(&c).as_bytes()), Some(c.clone()));
        }
        assert_eq!(decode_outcome(b"not json"), None);
        assert_eq!(decode_outcome(b"{\"other\": 1}"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_filters_never_panic(filter in "[ .a-z0-9|\\[\\]{}():,\"+*/-]{0,24}") {
            let _ = select(&filter, r#"{"a":{"q":"x"},"b":[1,2]}"#);
        }
    }
}
