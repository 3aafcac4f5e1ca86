//! A TDX quote file as real tools write it (SPEC §2, issue 10 §5): raw binary, hex text (with or
//! without `0x`, whitespace and line breaks anywhere), a JSON array of bytes (NEAR MPC's
//! `quote.json`), a JSON string holding hex or base64, and base64 text when unambiguous
//! (docs/decisions.md 33). Owns only turning the file into bytes; the quote layout is `tdx/`'s.
//!
//! Every error names the first offending character and its byte offset in the file.

use crate::error::ParseError;
use crate::limits::MAX_QUOTE_BYTES;

/// Decodes a quote file into the quote's bytes.
pub(crate) fn decode_quote_file(data: &[u8]) -> Result<Vec<u8>, ParseError> {
    let (data, base) = match data.strip_prefix(b"\xef\xbb\xbf".as_slice()) {
        Some(rest) => (rest, 3usize),
        None => (data, 0usize),
    };
    let start = data.iter().position(|b| !b.is_ascii_whitespace());
    let bytes = match start.and_then(|i| data.get(i).map(|b| (i, *b))) {
        None => {
            return Err(ParseError::offset(
                base,
                "a TDX quote (binary, hex, base64 or a JSON byte array)",
                "an empty file",
            ))
        }
        Some((_, b)) if is_binary_byte(b) => data.to_vec(),
        Some((i, b'[')) => byte_array(data, i, base)?,
        Some((i, b'"')) => json_string(data, i, base)?,
        Some((i, _)) => text(data, i, base)?,
    };
    if bytes.len() > MAX_QUOTE_BYTES {
        return Err(ParseError::offset(
            base,
            format!("a quote of at most {MAX_QUOTE_BYTES} bytes (MAX_QUOTE_BYTES)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// A byte no text encoding of a quote starts with (a binary quote starts `04 00` or `05 00`).
fn is_binary_byte(b: u8) -> bool {
    !(b.is_ascii_graphic() || b.is_ascii_whitespace())
}

fn offending(at: usize, expected: &str, c: u8) -> ParseError {
    let shown = if c.is_ascii_graphic() { format!("{:?}", char::from(c)) } else { format!("byte 0x{c:02x}") };
    ParseError::offset(at, expected, shown)
}

/// `[4, 0, 2, …]`: integers 0..=255 separated by commas, nothing after the closing bracket.
fn byte_array(data: &[u8], open: usize, base: usize) -> Result<Vec<u8>, ParseError> {
    const WHAT: &str = "a JSON array of byte values 0..=255";
    let mut out = Vec::new();
    let mut i = open.saturating_add(1);
    let at = |i: usize| i.saturating_add(base);
    let skip_ws = |mut i: usize| {
        while data.get(i).is_some_and(u8::is_ascii_whitespace) {
            i = i.saturating_add(1);
        }
        i
    };
    i = skip_ws(i);
    if data.get(i) == Some(&b']') {
        i = i.saturating_add(1);
    } else {
        loop {
            let digits_start = i;
            let mut value: u32 = 0;
            while let Some(d) = data.get(i).filter(|c| c.is_ascii_digit()) {
                value = value.saturating_mul(10).saturating_add(u32::from(d.saturating_sub(b'0')));
                i = i.saturating_add(1);
            }
            if i == digits_start {
                return Err(match data.get(i) {
                    Some(c) => offending(at(i), WHAT, *c),
                    None => ParseError::offset(at(i), WHAT, "the end of the file inside the array"),
                });
            }
            let byte = u8::try_from(value).map_err(|_| {
                let text = String::from_utf8_lossy(data.get(digits_start..i).unwrap_or_default()).into_owned();
                ParseError::offset(at(digits_start), WHAT, format!("the number {text}"))
            })?;
            out.push(byte);
            if out.len() > MAX_QUOTE_BYTES {
                return Err(ParseError::offset(
                    at(digits_start),
                    format!("a quote of at most {MAX_QUOTE_BYTES} bytes (MAX_QUOTE_BYTES)"),
                    "a longer array",
                ));
            }
            i = skip_ws(i);
            match data.get(i) {
                Some(b',') => i = skip_ws(i.saturating_add(1)),
                Some(b']') => {
                    i = i.saturating_add(1);
                    break;
                }
                Some(c) => return Err(offending(at(i), "`,` or `]` in the JSON byte array", *c)),
                None => {
                    return Err(ParseError::offset(at(i), "`]` closing the JSON byte array", "the end of the file"))
                }
            }
        }
    }
    i = skip_ws(i);
    match data.get(i) {
        None => Ok(out),
        Some(c) => Err(offending(at(i), "the end of the file after the JSON byte array", *c)),
    }
}

/// `"…"`: a JSON string whose content is hex or base64 text (no escapes: neither needs one).
fn json_string(data: &[u8], open: usize, base: usize) -> Result<Vec<u8>, ParseError> {
    let body_start = open.saturating_add(1);
    let close = data
        .iter()
        .skip(body_start)
        .position(|b| *b == b'"' || *b == b'\\')
        .map(|p| p.saturating_add(body_start))
        .ok_or_else(|| {
            ParseError::offset(data.len().saturating_add(base), "`\"` closing the JSON string", "the end of the file")
        })?;
    if data.get(close) == Some(&b'\\') {
        return Err(offending(
            close.saturating_add(base),
            "hex or base64 text inside the JSON string (no escapes)",
            b'\\',
        ));
    }
    let after = close.saturating_add(1);
    if let Some(extra) = data.iter().skip(after).position(|b| !b.is_ascii_whitespace()) {
        let i = extra.saturating_add(after);
        return Err(offending(
            i.saturating_add(base),
            "the end of the file after the JSON string",
            data.get(i).copied().unwrap_or(0),
        ));
    }
    let body = data.get(body_start..close).unwrap_or_default();
    text(body, 0, base.saturating_add(body_start))
}

/// Hex (optionally `0x`-prefixed) or, when unambiguous, padded standard base64; whitespace is
/// ignored anywhere. `base` is the offset of `data` in the file.
fn text(data: &[u8], start: usize, base: usize) -> Result<Vec<u8>, ParseError> {
    let at = |i: usize| i.saturating_add(base);
    let rest = data.get(start..).unwrap_or_default();
    let prefixed = rest.starts_with(b"0x") || rest.starts_with(b"0X");
    let body_start = if prefixed { start.saturating_add(2) } else { start };
    // (offset in data, byte) of every non-whitespace character.
    let chars: Vec<(usize, u8)> =
        data.iter().copied().enumerate().skip(body_start).filter(|(_, b)| !b.is_ascii_whitespace()).collect();
    if chars.is_empty() {
        return Err(ParseError::offset(at(body_start), "hex digits of a TDX quote", "no digits"));
    }
    let first_non_hex = chars.iter().find(|(_, b)| !b.is_ascii_hexdigit());
    let Some(&(bad_at, bad)) = first_non_hex else {
        return hex_digits(&chars, base);
    };
    if prefixed {
        return Err(offending(at(bad_at), "hex digits after `0x`", bad));
    }
    if let Some(&(i, c)) = chars.iter().find(|(_, b)| !is_base64_byte(*b)) {
        return Err(offending(at(i), "hex digits or base64 text", c));
    }
    base64(&chars, base).map_err(|why| {
        ParseError::offset(
            at(bad_at),
            "hex digits, or padded standard base64 (RFC 4648 §4)",
            format!("{:?} (not a hex digit; as base64: {why})", char::from(bad)),
        )
    })
}

fn hex_digits(chars: &[(usize, u8)], base: usize) -> Result<Vec<u8>, ParseError> {
    if !chars.len().is_multiple_of(2) {
        let last = chars.last().map_or(0, |(i, _)| *i);
        return Err(ParseError::offset(
            last.saturating_add(base),
            "hex text with an even number of digits",
            format!("{} (the last is here)", crate::error::count(chars.len(), "digit")),
        ));
    }
    Ok(chars
        .chunks_exact(2)
        .map(|pair| match pair {
            [(_, h), (_, l)] => (nibble(*h) << 4) | nibble(*l),
            _ => 0,
        })
        .collect())
}

fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c.saturating_sub(b'0'),
        b'a'..=b'f' => c.saturating_sub(b'a').saturating_add(10),
        b'A'..=b'F' => c.saturating_sub(b'A').saturating_add(10),
        _ => 0,
    }
}

fn is_base64_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

fn base64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c.saturating_sub(b'A'),
        b'a'..=b'z' => c.saturating_sub(b'a').saturating_add(26),
        b'0'..=b'9' => c.saturating_sub(b'0').saturating_add(52),
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Padded standard base64; canonical (the unused bits of the last group are zero).
fn base64(chars: &[(usize, u8)], base: usize) -> Result<Vec<u8>, String> {
    if !chars.len().is_multiple_of(4) {
        return Err(format!("{} characters, not a multiple of 4", chars.len()));
    }
    let padding = chars.iter().rev().take_while(|(_, c)| *c == b'=').count();
    let data_len = chars.len().saturating_sub(padding);
    if padding > 2 {
        return Err("more than two `=`".into());
    }
    if let Some((i, _)) = chars.iter().take(data_len).find(|(_, c)| *c == b'=') {
        return Err(format!("`=` inside the text at byte offset {}", i.saturating_add(base)));
    }
    let mut out = Vec::with_capacity(data_len.saturating_mul(3) / 4);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for (_, c) in chars.iter().take(data_len) {
        acc = (acc << 6) | base64_value(*c).unwrap_or(0);
        bits = bits.saturating_add(6);
        if bits >= 8 {
            bits = bits.saturating_sub(8);
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
            acc &= (1u32 << bits).saturating_sub(1);
        }
    }
    if acc != 0 {
        return Err("non-zero bits after the last byte (not canonical)".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    const Q: [u8; 6] = [4, 0, 2, 0, 0x81, 0xff];

    #[test]
    fn every_form_gives_the_same_bytes() {
        for text in [
            "04000200 81ff",
            "0x04000200\n81ff\n",
            "  0X0400020081FF  ",
            "[4, 0, 2, 0, 129, 255]",
            "[4,0,2,0,129,255]\n",
            "\"04000200 81ff\"",
            "\"0x0400020081ff\"",
            "BAACAIH/",
            "BAAC\nAIH/\n",
            "\"BAACAIH/\"",
            "\u{feff}0400020081ff",
        ] {
            assert_eq!(decode_quote_file(text.as_bytes()).unwrap(), Q, "{text:?}");
        }
        assert_eq!(decode_quote_file(&Q).unwrap(), Q);
        assert_eq!(decode_quote_file(b"BAACAIE=").unwrap(), [4, 0, 2, 0, 0x81]);
    }

    fn err(text: &str) -> ParseError {
        decode_quote_file(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn errors_name_the_first_offending_character_and_its_offset() {
        let cases: [(&str, usize, &str); 14] = [
            ("0400zz", 4, "'z'"),
            ("0x04g0", 4, "'g'"),
            ("040002008", 8, "9 digits"),
            ("[4, 0, 256]", 7, "the number 256"),
            ("[4, 0, -1]", 7, "'-'"),
            ("[4, 0 2]", 6, "'2'"),
            ("[4, 0]x", 6, "'x'"),
            ("[4, 0", 5, "end of the file"),
            ("\"0400\\n\"", 5, "'\\\\'"),
            ("\"0400\" 1", 7, "'1'"),
            ("0400.00", 4, "'.'"),
            // Not hex, and not valid base64 either: both readings are named.
            ("04g0a", 2, "multiple of 4"),
            ("BAACAIH=", 5, "not canonical"),
            ("   ", 0, "empty"),
        ];
        for (text, offset, found) in cases {
            let e = err(text);
            assert_eq!(e.at, Location::Offset(offset), "{text:?}: {e}");
            assert!(e.found.contains(found), "{text:?}: {e}");
        }
        assert!(err("0x04g0").expected.contains("after `0x`"));
        assert!(err("\u{feff}0400zz").to_string().starts_with("byte offset 7:"));
    }

    #[test]
    fn all_hex_text_is_hex_never_base64() {
        // "00000000" is valid base64 too; hex wins by the rule (decision 33).
        assert_eq!(decode_quote_file(b"00000000").unwrap(), [0, 0, 0, 0]);
    }

    #[test]
    fn the_size_bound_holds_for_every_form() {
        let big = "00".repeat(MAX_QUOTE_BYTES + 1);
        assert!(err(&big).expected.contains("MAX_QUOTE_BYTES"));
        let arr = format!("[{}0]", "0,".repeat(MAX_QUOTE_BYTES + 1));
        assert!(err(&arr).expected.contains("MAX_QUOTE_BYTES"));
    }
}
