//! Reading typed values out of a `serde_json::Value` tree with errors that name the JSON path:
//! required and optional members, strings, bounded unsigned integers, fixed-length hex, RFC 3339
//! dates, values parsed with `FromStr`, and arrays under a named limit. For documents whose
//! errors must name the offending member's path (TCB Info, QE Identity).

use serde_json::{Map, Value};

use super::kind;
use crate::clock::UnixTime;
use crate::error::ParseError;

/// A JSON value and its path, for error messages (an element of `Obj::array`).
pub(crate) struct Node<'a> {
    pub(crate) value: &'a Value,
    pub(crate) path: String,
}

impl<'a> Node<'a> {
    pub(crate) fn obj(&self) -> Result<Obj<'a>, ParseError> {
        Obj::new(self.value, self.path.clone())
    }
}

/// A JSON object and its path: typed, bounded access to its members, each error naming the
/// member's path (`tcb_info.tcbLevels[3].tcbStatus`), what was expected and what was found.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(value: &'a Value, path: String) -> Result<Self, ParseError> {
        match value {
            Value::Object(map) => Ok(Obj { map, path }),
            other => Err(ParseError::field(path, "a JSON object", kind(other))),
        }
    }

    pub(crate) fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The member, or `None` when absent or `null`.
    pub(crate) fn optional(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn required(&self, key: &str) -> Result<&'a Value, ParseError> {
        self.optional(key).ok_or_else(|| ParseError::field(self.path(key), "a value", "no such field"))
    }

    pub(crate) fn object(&self, key: &str) -> Result<Obj<'a>, ParseError> {
        Obj::new(self.required(key)?, self.path(key))
    }

    pub(crate) fn string(&self, key: &str) -> Result<&'a str, ParseError> {
        self.required(key)?.as_str().ok_or_else(|| self.wrong_type(key, "a string"))
    }

    pub(crate) fn uint<T: TryFrom<u64>>(&self, key: &str) -> Result<T, ParseError> {
        let v = self.required(key)?;
        let max = std::mem::size_of::<T>().saturating_mul(8);
        let expected = || format!("an unsigned integer of at most {max} bits");
        let n = v.as_u64().ok_or_else(|| ParseError::field(self.path(key), expected(), kind(v)))?;
        T::try_from(n).map_err(|_| ParseError::field(self.path(key), expected(), n.to_string()))
    }

    pub(crate) fn hex<const N: usize>(&self, key: &str) -> Result<[u8; N], ParseError> {
        crate::bytes::decode_hex_array(self.string(key)?, &self.path(key))
    }

    /// An RFC 3339 date.
    pub(crate) fn date(&self, key: &str) -> Result<UnixTime, ParseError> {
        Ok(crate::clock::parse_rfc3339(self.string(key)?, &self.path(key))?.unix_time())
    }

    /// An RFC 3339 date, checked and kept as written.
    pub(crate) fn date_text(&self, key: &str) -> Result<String, ParseError> {
        self.date(key)?;
        Ok(self.string(key)?.to_string())
    }

    /// A string member parsed with `FromStr` (whose error is placed under the member's path).
    pub(crate) fn parsed<T: std::str::FromStr<Err = ParseError>>(&self, key: &str) -> Result<T, ParseError> {
        self.string(key)?.parse().map_err(|e: ParseError| e.under(&self.path(key)))
    }

    /// An array of at most `max` elements (`limit` names the bound in the message).
    pub(crate) fn array(&self, key: &str, max: usize, limit: &str) -> Result<Vec<Node<'a>>, ParseError> {
        let items = self.required(key)?.as_array().ok_or_else(|| self.wrong_type(key, "an array"))?;
        if items.len() > max {
            return Err(ParseError::field(
                self.path(key),
                format!("at most {max} entries ({limit})"),
                format!("{} entries", items.len()),
            ));
        }
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node { value, path: format!("{}.{key}[{i}]", self.path) })
            .collect())
    }

    pub(crate) fn wrong_type(&self, key: &str, expected: &str) -> ParseError {
        let found = self.map.get(key).map(kind).unwrap_or_else(|| "no such field".to_string());
        ParseError::field(self.path(key), expected, found)
    }
}
