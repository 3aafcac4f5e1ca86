//! Carries a structured `ParseError` (key path, expected, found) out of a serde `Deserialize`
//! impl, whose own error type only holds text. serde_json adds the line and column to its error;
//! `take` joins the two, so a reference error names both the key path and the line.

use std::cell::RefCell;

use crate::error::{Location, ParseError};

thread_local! {
    static PROBLEM: RefCell<Option<ParseError>> = const { RefCell::new(None) };
}

/// Records `problem` for `take` and returns a serde error saying the same.
pub(super) fn raise<E: serde::de::Error>(problem: ParseError) -> E {
    let text = problem.to_string();
    PROBLEM.with(|p| *p.borrow_mut() = Some(problem));
    E::custom(text)
}

/// Forgets any problem left from an earlier parse on this thread.
pub(super) fn clear() {
    PROBLEM.with(|p| *p.borrow_mut() = None);
}

/// The recorded problem with serde_json's line and column added to what was found, or the
/// serde_json error itself (a syntax or type error) located by line.
pub(super) fn take(e: &serde_json::Error, expected: &str) -> ParseError {
    let line = format!("line {}, column {}", e.line(), e.column());
    match PROBLEM.with(|p| p.borrow_mut().take()) {
        Some(p) => ParseError { found: format!("{} ({line})", p.found), ..p },
        None => ParseError::new(
            Location::Line { line: e.line(), column: e.column() },
            expected,
            crate::error::json_message(e),
        ),
    }
}
