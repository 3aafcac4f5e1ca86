//! The generator's error type: any library error, boxed, plus plain messages.
//!
//! A fixture generator has no caller that recovers from a specific failure, so one boxed
//! error type carried up with `?` is enough; every message says what was being built.

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// Builds an error from a message.
pub fn msg(text: impl Into<String>) -> Error {
    text.into().into()
}
