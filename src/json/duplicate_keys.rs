//! JSON texts whose objects write a key twice.
//!
//! `serde_json::Value` (and `jq`) keep the last value of a key written twice, a person reading
//! the text sees the first, and dstack's derived structs refuse a known field written twice: such
//! a text has no single meaning. Evidence files (decision 81), app-compose documents (decision
//! 71) and MRCONFIGID V3 documents (decision 72) are checked with `first_duplicate_key`.

/// A key written twice in one JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// Where the object is (`services`, `features[2]`; empty for the top level).
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset just after the second occurrence of the key.
    pub offset: usize,
}

impl std::fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.path.is_empty() { "the top-level object".to_string() } else { format!("`{}`", self.path) };
        write!(
            f,
            "key `{}` appears twice in {at} (second at line {} column {}, byte {})",
            self.key, self.line, self.column, self.offset
        )
    }
}

/// Finds the first key written twice in one object of a JSON text (`None` for valid JSON
/// without one, and for text that is not JSON). Nesting is bounded by serde_json's own
/// recursion limit.
pub fn first_duplicate_key(text: &str) -> Option<DuplicateKey> {
    let found = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let err = serde::de::DeserializeSeed::deserialize(Walk { path: String::new(), found: &found }, &mut de).err()?;
    let (key, path) = found.into_inner()?;
    let (line, column) = (err.line(), err.column());
    let offset = text
        .split('\n')
        .take(line.saturating_sub(1))
        .fold(0usize, |n, l| n.saturating_add(l.len()).saturating_add(1))
        .saturating_add(column);
    Some(DuplicateKey { key, path, line, column, offset })
}

/// Walks a JSON value, stopping at the first object key seen twice (recorded in `found`).
struct Walk<'a> {
    path: String,
    found: &'a std::cell::RefCell<Option<(String, String)>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            if !seen.insert(key.clone()) {
                *self.found.borrow_mut() = Some((key, self.path));
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value_seed(Walk { path, found: self.found })?;
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq.next_element_seed(Walk { path: format!("{}[{i}]", self.path), found: self.found })?.is_some() {
            i = i.saturating_add(1);
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}
