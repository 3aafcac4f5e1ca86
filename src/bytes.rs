//! Small, panic-free helpers for hex text and bounded binary reading.
//!
//! Every reader method checks its bounds and reports the byte offset it stopped at, so the
//! binary parsers (quote, SCALE) never index out of range.

use crate::error::ParseError;

/// Decodes hex text, with or without a `0x` prefix and surrounding whitespace.
/// `field` names the place for the error message.
pub(crate) fn decode_hex(text: &str, field: &str) -> Result<Vec<u8>, ParseError> {
    let t = text.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    if !t.len().is_multiple_of(2) {
        return Err(ParseError::field(
            field,
            "hex text with an even number of digits",
            crate::error::count(t.len(), "digit"),
        ));
    }
    let mut out = Vec::with_capacity(t.len() / 2);
    for (i, pair) in t.as_bytes().chunks_exact(2).enumerate() {
        let (hi, lo) = match pair {
            [h, l] => (nibble(*h), nibble(*l)),
            _ => (None, None),
        };
        match (hi, lo) {
            (Some(h), Some(l)) => out.push((h << 4) | l),
            _ => {
                let at = i.saturating_mul(2).saturating_add(usize::from(hi.is_some()));
                let c = t.get(at..).and_then(|r| r.chars().next()).unwrap_or('?');
                return Err(ParseError::field(field, "hex digits", format!("{c:?} at character {at}")));
            }
        }
    }
    Ok(out)
}

/// The value of one hex digit.
fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'a'..=b'f' => c.checked_sub(b'a').and_then(|v| v.checked_add(10)),
        b'A'..=b'F' => c.checked_sub(b'A').and_then(|v| v.checked_add(10)),
        _ => None,
    }
}

/// Decodes hex text of exactly `N` bytes.
pub(crate) fn decode_hex_array<const N: usize>(text: &str, field: &str) -> Result<[u8; N], ParseError> {
    let v = decode_hex(text, field)?;
    let len = v.len();
    v.try_into().map_err(|_| ParseError::field(field, format!("{N} bytes of hex"), format!("{len} bytes")))
}

/// Lowercase hex of a byte string.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// A cursor over a byte slice that never reads past the end.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub(crate) fn at(data: &'a [u8], pos: usize) -> Self {
        Reader { data, pos }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Takes `n` bytes; `what` names them for the error.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ParseError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| {
            ParseError::offset(
                self.pos,
                format!("{n} bytes of {what}"),
                format!("{} left", crate::error::count(self.remaining(), "byte")),
            )
        })?;
        let out = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| ParseError::offset(self.pos, format!("{n} bytes of {what}"), "end of input"))?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ParseError> {
        let pos = self.pos;
        let s = self.take(N, what)?;
        s.try_into().map_err(|_| ParseError::offset(pos, format!("{N} bytes of {what}"), "fewer"))
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, ParseError> {
        Ok(u8::from_le_bytes(self.array::<1>(what)?))
    }

    pub(crate) fn u16_le(&mut self, what: &str) -> Result<u16, ParseError> {
        Ok(u16::from_le_bytes(self.array::<2>(what)?))
    }

    pub(crate) fn u32_le(&mut self, what: &str) -> Result<u32, ParseError> {
        Ok(u32::from_le_bytes(self.array::<4>(what)?))
    }

    /// A little-endian u32 length, as a `usize` (one that does not fit, possible only on a
    /// 16-bit target, is an error naming the field).
    pub(crate) fn u32_le_len(&mut self, what: &str) -> Result<usize, ParseError> {
        let at = self.pos;
        let v = self.u32_le(what)?;
        usize::try_from(v).map_err(|_| ParseError::offset(at, format!("a {what} that fits in memory"), v.to_string()))
    }

    #[cfg(test)]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = self.data.get(self.pos..).unwrap_or(&[]);
        self.pos = self.data.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_prefix_and_rejects_odd_or_bad_digits() {
        assert_eq!(decode_hex("0xab01", "f").unwrap(), vec![0xab, 0x01]);
        assert_eq!(decode_hex(" AB01\n", "f").unwrap(), vec![0xab, 0x01]);
        let e = decode_hex("abc", "q").unwrap_err();
        assert!(e.to_string().contains("even number"), "{e}");
        let e = decode_hex("zz", "q").unwrap_err();
        assert!(e.to_string().contains("field `q`"), "{e}");
        assert!(decode_hex_array::<2>("aabbcc", "x").is_err());
    }

    #[test]
    fn reader_reports_offsets_and_never_overruns() {
        let data = [1u8, 2, 3];
        let mut r = Reader::new(&data);
        assert_eq!(r.u16_le("a").unwrap(), 0x0201);
        let e = r.u32_le("b").unwrap_err();
        assert_eq!(e.at, crate::error::Location::Offset(2));
        assert_eq!(r.take(usize::MAX, "c").unwrap_err().at, crate::error::Location::Offset(2));
        assert_eq!(r.rest(), &[3]);
    }
}
