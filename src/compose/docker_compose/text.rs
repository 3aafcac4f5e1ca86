//! Compose's two string languages: `${VAR}` interpolation (compose-go `template/template.go`)
//! and the word splitting of a string `command:`/`entrypoint:` (mattn/go-shellwords, which
//! compose-go calls with environment and backtick expansion off).
//!
//! Interpolation is reported, never performed: the variables come from the deployment's
//! environment, which the compose-hash does not cover. Where Compose's behaviour depends on
//! its version, or where it would silently drop text, the input is refused rather than
//! guessed at.

use crate::deployment::interpolate::{interpolate, Interpolated};
use crate::error::{describe, Location, ParseError};

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

/// Splits a string `command:` or `entrypoint:` into arguments as Compose does: blanks separate
/// words, single quotes are literal, double quotes group, a backslash outside single quotes
/// escapes the next character, `''` is an empty argument. Refused (the field is named):
/// unclosed quotes; unquoted `;` `&` `|` `<` `>` (Compose drops everything from there on);
/// unquoted `` ` `` `(` `)` and `\t`/`\n` escapes (Compose versions treat them differently).
pub(crate) fn split_command(text: &str, field: &str) -> Result<Vec<String>, ParseError> {
    let refuse = |what: &str| {
        ParseError::new(
            Location::Field(field.to_string()),
            "a command line Compose splits unambiguously (or the list form)",
            format!("{what} in {}", describe(text)),
        )
    };
    let mut args = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in text.chars() {
        if escaped {
            if matches!(c, 't' | 'n') {
                return Err(refuse("a `\\t` or `\\n` escape"));
            }
            word.push(c);
            in_word = true;
            escaped = false;
            continue;
        }
        match c {
            '\\' if single => word.push(c),
            '\\' => escaped = true,
            ' ' | '\t' | '\r' | '\n' if single || double => word.push(c),
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '"' if !single => {
                double = !double;
                in_word = true;
            }
            '\'' if !double => {
                single = !single;
                in_word = true;
            }
            ';' | '&' | '|' | '<' | '>' if !single && !double => {
                return Err(refuse(&format!("an unquoted shell operator `{c}`")));
            }
            '`' | '(' | ')' if !single && !double => {
                return Err(refuse(&format!("an unquoted `{c}`")));
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if single || double || escaped {
        return Err(refuse("an unclosed quote or a trailing backslash"));
    }
    if in_word {
        args.push(word);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn split(text: &str) -> Vec<String> {
        split_command(text, "f").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn commands_split_like_compose() {
        assert_eq!(split("launcher /etc/x.conf"), ["launcher", "/etc/x.conf"]);
        assert_eq!(split("  a\t b\n"), ["a", "b"]);
        assert_eq!(split("sh -c 'echo a && b | c; d'"), ["sh", "-c", "echo a && b | c; d"]);
        assert_eq!(split(r#"a "b c" d"#), ["a", "b c", "d"]);
        assert_eq!(split(r#"a"b"'c'"#), ["abc"]);
        assert_eq!(split("a '' b"), ["a", "", "b"]);
        assert_eq!(split(r#"a\ b \"c\" 'd\e'"#), ["a b", "\"c\"", "d\\e"]);
        assert_eq!(split(r#""it's""#), ["it's"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("bash -c '\nline1 &\nline2\n'\n"), ["bash", "-c", "\nline1 &\nline2\n"]);
    }

    #[test]
    fn ambiguous_commands_are_refused() {
        for bad in ["a; b", "a && b", "a | b", "a > f", "echo `id`", "a $(b)", "(a)", "'open", "\"open", "a\\", "a\\nb"]
        {
            let e = split_command(bad, "services.s.command").unwrap_err();
            assert_eq!(e.at, Location::Field("services.s.command".into()), "{bad}");
        }
    }
}
