//! Errors that mean "this input cannot be evaluated" (exit 2).
//!
//! A failed check is never an error: it is a finding in the report. Errors say which input,
//! which field or byte offset, what was expected and what was found.

use std::fmt;

/// Where in an input a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The input as a whole.
    Whole,
    /// A JSON field path such as `tcb_info.event_log[3].digest`.
    Field(String),
    /// A byte offset into a binary structure (a quote, a SCALE blob).
    Offset(usize),
    /// A line and column in a text input.
    Line { line: usize, column: usize },
}

impl Location {
    /// True when the location names nothing narrower than the input.
    pub fn is_whole(&self) -> bool {
        matches!(self, Location::Whole) || matches!(self, Location::Field(f) if f.is_empty())
    }

    /// This location with `prefix` put in front of a field path (`prefix.field`).
    pub fn under(self, prefix: &str) -> Location {
        match self {
            Location::Field(f) if f.is_empty() => Location::Field(prefix.to_string()),
            Location::Field(f) if f.starts_with('[') => Location::Field(format!("{prefix}{f}")),
            Location::Field(f) => Location::Field(format!("{prefix}.{f}")),
            Location::Whole => Location::Field(prefix.to_string()),
            other => other,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Whole => Ok(()),
            Location::Field(p) if p.is_empty() => Ok(()),
            Location::Field(p) => write!(f, "field `{p}`"),
            Location::Offset(o) => write!(f, "byte offset {o}"),
            Location::Line { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// A problem found while parsing one structure, before the input's name is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: Location,
    pub expected: String,
    pub found: String,
}

impl ParseError {
    pub fn new(at: Location, expected: impl Into<String>, found: impl Into<String>) -> Self {
        ParseError { at, expected: expected.into(), found: found.into() }
    }

    pub fn field(path: impl Into<String>, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Self::new(Location::Field(path.into()), expected, found)
    }

    pub fn offset(offset: usize, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Self::new(Location::Offset(offset), expected, found)
    }

    /// Puts a field prefix in front of this error's path.
    pub fn under(self, prefix: &str) -> Self {
        ParseError { at: self.at.under(prefix), ..self }
    }

    /// Places this error inside a field that holds a binary structure: a byte offset becomes
    /// `field (byte N)`, a field path is prefixed.
    pub fn within(self, field: &str) -> Self {
        match self.at {
            Location::Offset(o) => ParseError { at: Location::Field(format!("{field} (byte {o})")), ..self },
            _ => self.under(field),
        }
    }

    /// Attaches the name of the input this error came from.
    pub fn in_input(self, input: &str) -> Error {
        Error::Input { input: input.to_string(), at: self.at, expected: self.expected, found: self.found }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problem(f, &self.at, &self.expected, &self.found)
    }
}

fn write_problem(f: &mut fmt::Formatter<'_>, at: &Location, expected: &str, found: &str) -> fmt::Result {
    if !at.is_whole() {
        write!(f, "{at}: ")?;
    }
    write!(f, "expected {expected}, found {found}")
}

/// Why an evaluation could not happen (exit 2).
#[derive(Debug)]
pub enum Error {
    /// The command line is inconsistent.
    Usage(String),
    /// A file could not be read.
    Io { input: String, message: String },
    /// An input is malformed.
    Input { input: String, at: Location, expected: String, found: String },
    /// The attestation file records that fetching the attestation failed.
    NotFetched { input: String, message: String },
    /// An online request of `fetch` failed (`request` names the method and URL).
    Fetch { request: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "usage: {m}"),
            Error::Io { input, message } => write!(f, "{input}: cannot read: {message}"),
            Error::Input { input, at, expected, found } => {
                write!(f, "{input}: ")?;
                write_problem(f, at, expected, found)
            }
            Error::NotFetched { input, message } => {
                write!(f, "{input}: the attestation could not be fetched: {message}")
            }
            Error::Fetch { request, message } => write!(f, "{request}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// serde_json's message without its trailing " at line L column C" (the location is reported
/// separately).
pub fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// "1 byte", "2 bytes".
pub fn count(n: usize, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Short description of a found value for error messages (never dumps huge inputs).
pub fn describe(found: &str) -> String {
    const MAX: usize = 40;
    let mut chars = found.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("`{head}…` ({} bytes)", found.len())
    } else {
        format!("`{head}`")
    }
}
