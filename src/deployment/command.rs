//! The word splitting of a string `command:`/`entrypoint:` as Compose does it
//! (mattn/go-shellwords, which compose-go calls with environment and backtick expansion off).
//! Where Compose's behaviour depends on its version, or where it would silently drop text, the
//! input is refused rather than guessed at. Used by the Compose file parser
//! (`compose/docker_compose`) and the deployment model (`model.rs`).

use crate::error::{describe, Location, ParseError};

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
