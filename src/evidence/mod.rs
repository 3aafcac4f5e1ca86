//! Attestation inputs of many shapes → one canonical `Evidence`.
//!
//! Owns: recognising the file shapes of SPEC §2 (`shape.rs`), pulling the quote, event log,
//! app-compose text and collateral out of them (`extract.rs`), reading quote files in every form
//! (`quote_file.rs`), comparing what an input carries twice (`duplicates.rs`), and keeping every
//! unmeasured value as a `Claim`. Decodes nothing cryptographic and trusts nothing: the quote is raw
//! bytes, the event log is parsed but not replayed, claims are just strings with their field.

pub(crate) mod duplicates;
pub(crate) mod extract;
pub(crate) mod quote_file;
pub mod ratls;
pub mod scale;
pub mod select;
pub(crate) mod shape;

use serde_json::Value;

use crate::compose::app_compose::AppCompose;
use crate::error::{Error, Location, ParseError};
use crate::limits::{MAX_APP_COMPOSE_BYTES, MAX_INPUT_BYTES};
use crate::tdx::event_log::{parse_event_log, EventLog};

pub use shape::Shape;

/// One input as read from disk or stdin.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The path as the user gave it (`-` is shown as `<stdin>`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What the user gave: the attestation file and the optional side files.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub attestation: Option<InputFile>,
    pub quote: Option<InputFile>,
    pub event_log: Option<InputFile>,
    pub app_compose: Option<InputFile>,
    /// `--select 'JQ'`: maps the attestation to `{quote, event_log, app_compose, collateral}`.
    pub select: Option<Select>,
    /// `--instance N` for listings with several instances.
    pub instance: Option<usize>,
}

/// Runs a jq filter on a JSON document and returns its first output.
pub type SelectRunner = fn(&str, &[u8]) -> Result<Value, ParseError>;

/// A `--select` filter and how it is run. The filter's output goes through the same shape
/// recognition as a file (docs/evidence-shapes.md).
#[derive(Debug, Clone)]
pub struct Select {
    pub filter: String,
    pub runner: SelectRunner,
}

impl Select {
    /// Runs the filter in this process, with no bound on its time, memory or recursion (jaq
    /// has none): for filters the caller trusts, such as tests. The command line uses
    /// `Select::with_runner` and a child process under resource limits instead.
    pub fn unbounded_in_process(filter: impl Into<String>) -> Self {
        Select { filter: filter.into(), runner: select::apply_select }
    }

    pub fn with_runner(filter: impl Into<String>, runner: SelectRunner) -> Self {
        Select { filter: filter.into(), runner }
    }
}

/// A value the evidence states but that no measurement covers (yet).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claim {
    /// What is claimed (`os_image_hash`, `rtmr0`, `device_id`, …).
    pub name: String,
    /// Where it was found (`input:field`).
    pub source: String,
    /// The claimed value as text (hex for binary values).
    pub value: String,
}

/// The RA-TLS certificate the quote came from, for the report_data binding check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaTlsOrigin {
    pub source: String,
    pub subject: String,
    pub spki_der: Vec<u8>,
    pub app_id: Option<Vec<u8>>,
    pub usage: Option<String>,
}

/// Where a piece of evidence came from: the input's name and the field in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    pub input: String,
    pub field: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.input)
        } else {
            write!(f, "{}:{}", self.input, self.field)
        }
    }
}

/// The canonical evidence. Nothing in it is verified.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub shape: Shape,
    pub quote: Vec<u8>,
    pub quote_origin: Origin,
    pub event_log: Option<(EventLog, Origin)>,
    pub app_compose: Option<(AppCompose, Origin)>,
    /// Collateral JSON found in the attestation (used by the DCAP layer).
    pub collateral: Option<(Value, Origin)>,
    pub claims: Vec<Claim>,
    pub ratls: Option<RaTlsOrigin>,
    /// Facts about the input worth telling the auditor (chosen instance, stripped log, …).
    pub notes: Vec<String>,
    /// The (unmeasured) VM config says the boot part of the log is the "lite" form, which
    /// leaves RTMR0–2 events out on purpose. Used only to word a non-replayable register as a
    /// note rather than a contradiction; those registers are compared with the reference directly.
    pub lite_boot_log: bool,
    /// Values the input carries twice, and whether the copies agree.
    pub duplicates: Vec<duplicates::Duplicate>,
}

/// Builds the canonical evidence from the given sources. A side file (`--quote`, `--event-log`,
/// `--app-compose`) is used in place of what the attestation holds only when the two agree;
/// when they differ nothing says which one the auditor meant, so it is an error naming both
/// (docs/decisions.md 32).
pub fn load(sources: &Sources) -> Result<Evidence, Error> {
    let mut found = match &sources.attestation {
        Some(file) => extract::from_attestation(file, sources.select.as_ref(), sources.instance)?,
        None => extract::Found::new(Shape::SeparateFiles),
    };
    if let Some(q) = &sources.quote {
        let bytes = quote_file::decode_quote_file(&q.bytes).map_err(|e| e.in_input(&q.name))?;
        let inner = found.quote.as_ref().map(|(b, o)| (duplicates::quote_difference(&bytes, b), o));
        let side = side_file(q, "quote", inner, duplicates::BYTE_FOR_BYTE, &mut found.duplicates)?;
        found.quote = Some((bytes, side));
    }
    if let Some(f) = &sources.event_log {
        let log = parse_side_event_log(f)?;
        let lite = found.lite_boot_log;
        let inner = found.event_log.as_ref().map(|(l, o)| (duplicates::compare_logs(&log, l, lite), o));
        let side = side_file(f, "event log", inner, duplicates::log_rule(lite), &mut found.duplicates)?;
        found.event_log = Some((log, side));
    }
    if let Some(f) = &sources.app_compose {
        let text = app_compose_text(&f.bytes).map_err(|e| e.in_input(&f.name))?;
        let inner = found.app_compose.as_ref().map(|(c, o)| (duplicates::text_difference(&text, c.text()), o));
        let side = side_file(f, "app-compose", inner, duplicates::BYTE_FOR_BYTE, &mut found.duplicates)?;
        found.app_compose = Some((AppCompose::new(text), side));
    }
    found.finish(sources.attestation.as_ref().map(|f| f.name.as_str()).unwrap_or("--quote"))
}

/// A side file beside the same item in the attestation: agreement is recorded, a difference
/// is an error. Returns the side file's origin.
fn side_file(
    f: &InputFile,
    what: &'static str,
    inner: Option<(Option<String>, &Origin)>,
    rule: &'static str,
    records: &mut Vec<duplicates::Duplicate>,
) -> Result<Origin, Error> {
    let side = Origin { input: f.name.clone(), field: String::new() };
    match inner {
        None => {}
        Some((Some(difference), at)) => {
            return Err(Error::Input {
                input: f.name.clone(),
                at: Location::Whole,
                expected: format!("the same {what} as {at} ({rule}), or no {what} file beside it"),
                found: format!("a different {what}: {difference}"),
            })
        }
        Some((None, at)) => {
            records.push(duplicates::Duplicate { what, used: side.clone(), other: at.clone(), difference: None, rule })
        }
    }
    Ok(side)
}

fn parse_side_event_log(f: &InputFile) -> Result<EventLog, Error> {
    let v = parse_json(&f.bytes).map_err(|e| e.in_input(&f.name))?;
    let (v, prefix) = match v.get("event_log") {
        Some(inner) => (inner.clone(), "event_log"),
        None => (v, ""),
    };
    parse_event_log(&v).map_err(|e| if prefix.is_empty() { e } else { e.under(prefix) }.in_input(&f.name))
}

/// The exact app-compose text of a side file (UTF-8, bounded).
pub fn app_compose_text(bytes: &[u8]) -> Result<String, ParseError> {
    if bytes.len() > MAX_APP_COMPOSE_BYTES {
        return Err(ParseError::new(
            Location::Whole,
            format!("an app-compose of at most {MAX_APP_COMPOSE_BYTES} bytes (MAX_APP_COMPOSE_BYTES)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ParseError::offset(e.utf8_error().valid_up_to(), "UTF-8 app-compose text", "an invalid UTF-8 sequence")
    })
}

/// Parses JSON input, with a line/column location on failure. Text before the first `{`
/// (a prefix some CLIs print) is skipped.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ParseError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ParseError::new(
            Location::Whole,
            format!("at most {MAX_INPUT_BYTES} bytes (MAX_INPUT_BYTES)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    let start = match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
        None => return Err(ParseError::new(Location::Whole, "a JSON document", "an empty input")),
        Some(i) if matches!(bytes.get(i), Some(b'{' | b'[')) => i,
        Some(_) => bytes
            .iter()
            .position(|b| *b == b'{')
            .ok_or_else(|| ParseError::new(Location::Whole, "a JSON document", describe_start(bytes)))?,
    };
    let body = bytes.get(start..).unwrap_or(&[]);
    let value = serde_json::from_slice(body).map_err(|e| {
        // Report the position in the file, counting the skipped prefix.
        let prefix = bytes.get(..start).unwrap_or(&[]);
        let prefix_lines = prefix.iter().filter(|b| **b == b'\n').count();
        let prefix_columns = prefix.iter().rev().take_while(|b| **b != b'\n').count();
        let column = if e.line() == 1 { e.column().saturating_add(prefix_columns) } else { e.column() };
        ParseError::new(
            Location::Line { line: e.line().saturating_add(prefix_lines), column },
            "valid JSON",
            crate::error::json_message(&e),
        )
    })?;
    refuse_duplicate_keys(body, start)?;
    Ok(value)
}

/// A key written twice in one object says one thing twice, and readers disagree on which one
/// counts (decision 81): the input is refused, naming the key and where it is.
fn refuse_duplicate_keys(body: &[u8], start: usize) -> Result<(), ParseError> {
    let Some(d) = std::str::from_utf8(body).ok().and_then(crate::json::first_duplicate_key) else {
        return Ok(());
    };
    let at = if d.path.is_empty() { "the top-level object".to_string() } else { format!("`{}`", d.path) };
    Err(ParseError::offset(
        d.offset.saturating_add(start),
        "each key at most once in an object",
        format!("key `{}` a second time in {at} (line {}, column {})", d.key, d.line, d.column),
    ))
}

fn describe_start(bytes: &[u8]) -> String {
    let head: String = String::from_utf8_lossy(bytes.get(..bytes.len().min(24)).unwrap_or(&[])).into_owned();
    format!("text starting {head:?}")
}
