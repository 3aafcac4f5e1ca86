//! Compose's `${VAR}` interpolation (compose-go `template/template.go`) as the Compose file
//! parser reports it; the template language itself is `crate::deployment::interpolate`, and
//! the word splitting of a string `command:`/`entrypoint:` is `crate::deployment::command`.
//!
//! Interpolation is reported, never performed: the variables come from the deployment's
//! environment, which the compose-hash does not cover. Where Compose's behaviour depends on
//! its version, or where it would silently drop text, the input is refused rather than
//! guessed at.

use crate::deployment::interpolate::{interpolate, Interpolated};
use crate::error::{describe, ParseError};

/// One variable Compose substitutes at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Interpolation {
    /// Where it is used, e.g. `services.launcher.environment.REPO_URL` or `…command[1]`.
    pub field: String,
    /// The variable's name, e.g. `REPO_URL` for `${REPO_URL:-x}`.
    pub variable: String,
}

/// Appends every variable `text` uses to `out`, in order of first use. The syntax is
/// compose-go's, as `crate::deployment::interpolate` implements it: `$$` is a literal `$`, a `$`
/// followed by neither a name nor `{` is literal, an invalid `${…}` is an error (Compose
/// refuses to load the file).
pub(crate) fn scan_interpolations(text: &str, field: &str, out: &mut Vec<Interpolation>) -> Result<(), ParseError> {
    match interpolate(text) {
        Err(_) => Err(ParseError::field(
            field,
            "a valid Compose template (`$$` for a literal `$`, `$VAR`, `${VAR}`, `${VAR:-default}`, …)",
            describe(text),
        )),
        Ok(Interpolated::Literal(_)) => Ok(()),
        Ok(Interpolated::DeployTime(vars)) => {
            out.extend(vars.into_iter().map(|variable| Interpolation { field: field.to_string(), variable }));
            Ok(())
        }
    }
}

/// The text Compose produces from `text` when it uses no variable (`$$` becomes `$`); `None`
/// when it uses one (its value is chosen at deploy time) or is not a valid template.
pub fn literal_value(text: &str) -> Option<String> {
    interpolate(text).ok()?.literal().map(str::to_string)
}

/// The variables `text` interpolates, in order (empty when none); `None` when it is not a valid
/// template.
pub fn variables(text: &str) -> Option<Vec<String>> {
    match interpolate(text).ok()? {
        Interpolated::Literal(_) => Some(Vec::new()),
        Interpolated::DeployTime(vars) => Some(vars),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn vars(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan_interpolations(text, "f", &mut out).unwrap_or_else(|e| panic!("{text}: {e}"));
        out.into_iter().map(|i| i.variable).collect()
    }

    #[test]
    fn every_interpolation_form_is_found() {
        assert_eq!(vars("${A}"), ["A"]);
        assert_eq!(vars("$A"), ["A"]);
        assert_eq!(vars("x$A_1/y"), ["A_1"]);
        assert_eq!(vars("${A:-x}${B-y}${C:?m}${D?m}${E:+p}${F+p}"), ["A", "B", "C", "D", "E", "F"]);
        assert_eq!(vars("${a_b}"), ["a_b"]);
        assert_eq!(vars("${A:-${B:-$C}}-$D"), ["A", "B", "C", "D"]);
        assert_eq!(vars("${A:-{}}"), ["A"]);
        assert_eq!(vars("pre ${A} post } brace"), ["A"]);
    }

    #[test]
    fn double_dollar_is_an_escape_not_interpolation() {
        assert!(vars("$$").is_empty());
        assert!(vars("$${A}").is_empty());
        assert!(vars("$$A and $$1").is_empty());
        assert!(vars("[ -f \"$$f\" ] && cat \"$$f\"").is_empty());
        assert_eq!(vars("$$$A"), ["A"]);
        assert!(vars("no dollars {}").is_empty());
    }

    #[test]
    fn invalid_templates_name_the_field() {
        // A lone `$` is literal (compose-go template_test.go TestUnescaped); only `${…}` can be invalid.
        for bad in ["${", "${}", "${1A}", "${A", "${A B}", "${A:x}", "${A:-x", "${A:-${B}"] {
            let mut out = Vec::new();
            let e = scan_interpolations(bad, "services.s.command", &mut out).unwrap_err();
            assert_eq!(e.at, Location::Field("services.s.command".into()), "{bad}");
        }
    }

    #[test]
    fn literal_values() {
        assert_eq!(literal_value("a$$b").as_deref(), Some("a$b"));
        assert_eq!(literal_value("plain").as_deref(), Some("plain"));
        assert_eq!(literal_value("${A:-x}"), None);
        assert_eq!(literal_value("$").as_deref(), Some("$"));
        assert_eq!(literal_value("$(head -c 32 /dev/urandom) $1").as_deref(), Some("$(head -c 32 /dev/urandom) $1"));
        assert_eq!(literal_value("${A"), None);
    }
}
