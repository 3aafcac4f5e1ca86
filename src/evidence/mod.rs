//! Attestation inputs of many shapes → one canonical `Evidence`.
//!
//! Owns: recognising the file shapes of SPEC §2 (`shape.rs`), pulling the quote, event log,
//! app-compose text and collateral out of them (`extract.rs`), and keeping every unmeasured
//! value as a `Claim`. Decodes nothing cryptographic and trusts nothing: the quote is raw
//! bytes, the event log is parsed but not replayed, claims are just strings with their field.

pub mod extract;
pub mod quote_file;
pub mod ratls;
pub mod scale;
pub mod select;
pub mod shape;

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
}

/// Builds the canonical evidence from the given sources.
pub fn load(sources: &Sources) -> Result<Evidence, Error> {
    let mut found = match &sources.attestation {
        Some(file) => extract::from_attestation(file, sources.select.as_ref(), sources.instance)?,
        None => extract::Found::new(Shape::SeparateFiles),
    };
    if let Some(q) = &sources.quote {
        let bytes = quote_file::decode_quote_file(&q.bytes).map_err(|e| e.in_input(&q.name))?;
        if found.quote.is_some() {
            found.notes.push(format!("the quote in {} replaces the one in the attestation file", q.name));
        }
        found.quote = Some((bytes, Origin { input: q.name.clone(), field: String::new() }));
    }
    if let Some(f) = &sources.event_log {
        let log = parse_side_event_log(f)?;
        found.event_log = Some((log, Origin { input: f.name.clone(), field: String::new() }));
    }
    if let Some(f) = &sources.app_compose {
        let text = app_compose_text(&f.bytes).map_err(|e| e.in_input(&f.name))?;
        found.app_compose = Some((AppCompose::new(text), Origin { input: f.name.clone(), field: String::new() }));
    }
    found.finish(sources.attestation.as_ref().map(|f| f.name.as_str()).unwrap_or("--quote"))
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
    serde_json::from_slice(body).map_err(|e| {
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
    })
}

fn describe_start(bytes: &[u8]) -> String {
    let head: String = String::from_utf8_lossy(bytes.get(..bytes.len().min(24)).unwrap_or(&[])).into_owned();
    format!("text starting {head:?}")
}
