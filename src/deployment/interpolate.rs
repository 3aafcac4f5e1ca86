//! Compose's `${VAR}` interpolation, evaluated symbolically: every variable is chosen by the
//! deployer at deploy time (docs/decisions.md 50), so a string is either a literal (known
//! now) or deploy-time (naming the variables that decide it).
//!
//! Syntax, as compose-go `template/template.go` (8ce8973) and its tests (`template_test.go`
//! at efea3ec: `TestUnescaped`, `TestInvalid`, `TestDefaultsWithNestedExpansion`): `$$` is a
//! literal `$`; `$NAME` and `${NAME}` with NAME `[_A-Za-z][_A-Za-z0-9]*`; `${NAME<op>word}`
//! with op one of `:-` `-` `:?` `?` `:+` `+`, where word may hold further interpolations and
//! nested `${…}` (the closing brace is found by counting `${`); a `$` followed by anything
//! else (`$(`, `$ `, `$}`, end of text) is a literal `$`; a `${` not followed by a valid name
//! and `}` or an operator, or never closed, is an invalid template (Compose refuses the file).

use crate::error::describe;

/// What Compose makes of a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interpolated {
    /// No variable: the text after `$$` → `$`.
    Literal(String),
    /// Decided at deploy time by these variables (in order of first use).
    DeployTime(Vec<String>),
}

impl Interpolated {
    pub fn literal(&self) -> Option<&str> {
        match self {
            Interpolated::Literal(s) => Some(s),
            Interpolated::DeployTime(_) => None,
        }
    }
}

/// Why Compose would refuse a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTemplate(pub String);

impl std::fmt::Display for InvalidTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an invalid Compose template {}", describe(&self.0))
    }
}

const OPERATORS: [&str; 6] = [":-", ":?", ":+", "-", "?", "+"];

fn name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Interpolates `text` with every variable unknown.
pub fn interpolate(text: &str) -> Result<Interpolated, InvalidTemplate> {
    let mut out = String::new();
    let mut vars: Vec<String> = Vec::new();
    scan(text, &mut out, &mut vars).ok_or_else(|| InvalidTemplate(text.to_string()))?;
    Ok(if vars.is_empty() { Interpolated::Literal(out) } else { Interpolated::DeployTime(vars) })
}

/// Appends the literal text to `out` and the variables to `vars`; `None` when invalid.
/// Iterative over the text; nesting is bounded by the text's length.
fn scan(text: &str, out: &mut String, vars: &mut Vec<String>) -> Option<()> {
    let mut pending: Vec<&str> = vec![text];
    while let Some(mut rest) = pending.pop() {
        while let Some(at) = rest.find('$') {
            out.push_str(rest.get(..at)?);
            let after = rest.get(at.checked_add(1)?..)?;
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
            } else if let Some(braced) = after.strip_prefix('{') {
                let close = closing_brace(braced)?;
                let inner = braced.get(..close)?;
                rest = braced.get(close.checked_add(1)?..)?;
                let end = inner.find(|c: char| !name_char(c)).unwrap_or(inner.len());
                let (name, op_rest) = inner.split_at_checked(end)?;
                if !name.starts_with(name_start) {
                    return None;
                }
                push_var(vars, name);
                if !op_rest.is_empty() {
                    let op = OPERATORS.iter().find(|op| op_rest.starts_with(**op))?;
                    let word = op_rest.get(op.len()..)?;
                    // The word is interpolated too; its text is not known to be used.
                    let mut ignored = String::new();
                    scan(word, &mut ignored, vars)?;
                }
            } else if after.starts_with(name_start) {
                let end = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
                let (name, r) = after.split_at_checked(end)?;
                push_var(vars, name);
                rest = r;
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
    }
    Some(())
}

fn push_var(vars: &mut Vec<String>, name: &str) {
    if !vars.iter().any(|v| v == name) {
        vars.push(name.to_string());
    }
}

/// The index of the `}` closing a `${` whose body starts `s`, counting nested `${`.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth: usize = 1;
    let bytes = s.as_bytes();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'}' {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        } else if b == b'$' && bytes.get(i.checked_add(1)?) == Some(&b'{') {
            depth = depth.checked_add(1)?;
            i = i.checked_add(1)?;
        }
        i = i.checked_add(1)?;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lit(s: &str) -> String {
        interpolate(s).unwrap().literal().unwrap().to_string()
    }

    fn vars(s: &str) -> Vec<String> {
        match interpolate(s).unwrap() {
            Interpolated::DeployTime(v) => v,
            Interpolated::Literal(l) => panic!("{s} is literal {l}"),
        }
    }

    #[test]
    fn escapes_and_lone_dollars_are_literal() {
        // compose-go TestEscaped, TestUnescaped.
        assert_eq!(lit("$${foo}"), "${foo}");
        for s in ["a $ string", "^REGEX$", "$}", "$", "x=$(head -c 32 /dev/urandom)", "$1"] {
            assert_eq!(lit(s), s);
        }
        assert_eq!(lit("$$$$"), "$$");
    }

    #[test]
    fn invalid_templates_are_refused() {
        // compose-go TestInvalid.
        for s in ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${foo:bar}", "x ${a"] {
            assert!(interpolate(s).is_err(), "{s}");
        }
    }

    #[test]
    fn every_operator_is_deploy_time_with_nested_variables() {
        assert_eq!(vars("$FOO-bar"), ["FOO"]);
        assert_eq!(vars("${FOO}"), ["FOO"]);
        for op in [":-", "-", ":?", "?", ":+", "+"] {
            assert_eq!(vars(&format!("a ${{X{op}d}} b")), ["X"], "{op}");
        }
        assert_eq!(vars("ok ${UNSET-${FOO} ${BAR:+x}}"), ["UNSET", "FOO", "BAR"]);
        assert_eq!(vars("${A:-/non:-alphanumeric}"), ["A"]);
        assert!(interpolate("${A:-${B}").is_err());
    }
}
