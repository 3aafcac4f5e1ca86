//! The keys each object of the reference may hold, read off the serde model (`model.rs`) rather
//! than written down a second time, and the first pass over a reference file that uses them: every
//! object's keys are known ones (an unknown key names its path, `tdx.mrtdd`, its line and the keys
//! allowed there). A key given twice is found before, by `crate::json::first_duplicate_key` (decision 95).
//!
//! How the list is read: `Recorder` is a serde `Deserializer` that answers every struct with its
//! own field names (serde hands them to `deserialize_struct`) and every other value with an empty
//! or zero one, so deserialising `ReferenceFile` from it visits each section once.

use std::cell::RefCell;
use std::sync::LazyLock;

use serde::de::value::{Error as RecordError, MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::ParseError;

use super::model::ReferenceFile;
use super::problem;

/// One object of the reference: its key path (`""` is the top level, `dstack.key_provider`) and
/// the keys it may hold, in the model's order.
pub(crate) type KeyRow = (String, &'static [&'static str]);

static TABLE: LazyLock<Vec<KeyRow>> = LazyLock::new(record);

/// Every object of the reference and its keys, from the top level down.
pub(crate) fn table() -> &'static [KeyRow] {
    &TABLE
}

/// The keys allowed at `path`, if `path` is an object of the model.
pub(crate) fn allowed(path: &str) -> Option<&'static [&'static str]> {
    table().iter().find(|(p, _)| p == path).map(|(_, keys)| *keys)
}

/// The key list as the Markdown table in docs/reference-format.md (a test keeps them equal).
#[cfg(test)]
pub(crate) fn markdown_table() -> String {
    let mut out = String::from("| object | keys |\n|---|---|\n");
    for (path, keys) in table() {
        let object = if path.is_empty() { "(top level)".to_string() } else { format!("`{path}`") };
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!("| {object} | {} |\n", keys.join(", ")));
    }
    out
}

fn record() -> Vec<KeyRow> {
    let out = RefCell::new(Vec::new());
    // The recorder only produces values every model type accepts; an error would mean a model
    // type it cannot answer, and leaves the table short (the unit tests below catch that).
    let _ = ReferenceFile::deserialize(Recorder { path: String::new(), out: &out });
    out.into_inner()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

struct Recorder<'r> {
    path: String,
    out: &'r RefCell<Vec<KeyRow>>,
}

impl<'de> Deserializer<'de> for Recorder<'_> {
    type Error = RecordError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_str("")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_bool(false)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_seq(SeqDeserializer::<_, RecordError>::new(std::iter::empty::<u8>()))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RecordError> {
        visitor.visit_map(MapDeserializer::<_, RecordError>::new(std::iter::empty::<(u8, u8)>()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RecordError> {
        self.out.borrow_mut().push((self.path.clone(), fields));
        visitor.visit_map(Fields { fields: fields.iter(), current: "", path: self.path, out: self.out })
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum identifier ignored_any
    }
}

/// A struct's fields, each answered by a `Recorder` one level down.
struct Fields<'r> {
    fields: std::slice::Iter<'static, &'static str>,
    current: &'static str,
    path: String,
    out: &'r RefCell<Vec<KeyRow>>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = RecordError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, RecordError> {
        let Some(name) = self.fields.next() else { return Ok(None) };
        self.current = name;
        seed.deserialize(IntoDeserializer::<RecordError>::into_deserializer(*name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, RecordError> {
        seed.deserialize(Recorder { path: join(&self.path, self.current), out: self.out })
    }
}

/// A key written twice in one object of the file (decision 95), with its path and line.
pub(super) fn repeated_key(bytes: &[u8]) -> Option<ParseError> {
    let d = crate::json::first_duplicate_key(std::str::from_utf8(bytes).ok()?)?;
    let found = format!("a duplicate field `{}` (line {}, column {})", d.key, d.line, d.column);
    Some(ParseError::field(join(&d.path, &d.key), "each key once", found))
}

/// Checks that every object of a reference file that the model describes holds only keys the
/// model knows. Syntax errors are left to serde_json's own message.
pub(super) fn check_document(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Walk { path: String::new() }.deserialize(&mut de)?;
    de.end()
}

/// One JSON value at `path`, walked to its leaves.
struct Walk {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while seq.next_element_seed(Walk { path: format!("{}[{index}]", self.path) })?.is_some() {
            index = index.saturating_add(1);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let allowed = allowed(&self.path);
        while let Some(key) = map.next_key::<String>()? {
            let path = join(&self.path, &key);
            if let Some(keys) = allowed.filter(|keys| !keys.contains(&key.as_str())) {
                let expected = format!("one of the keys {}", keys.join(", "));
                return Err(problem::raise(ParseError::field(path, expected, "an unknown key")));
            }
            map.next_value_seed(Walk { path })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_off_the_model() {
        let paths: Vec<&str> = table().iter().map(|(p, _)| p.as_str()).collect();
        for path in ["", "tdx", "tcb", "dstack", "dstack.key_provider", "launcher", "launcher.provenance", "workload"] {
            assert!(paths.contains(&path), "{path} missing from {paths:?}");
        }
        assert_eq!(
            allowed(""),
            Some(&["schema", "tdx", "tcb", "dstack", "launcher", "workload", "images", "sources"][..])
        );
        assert_eq!(allowed("tdx"), Some(&["mrtd", "rtmr0", "rtmr1", "rtmr2"][..]));
        assert_eq!(allowed("tcb"), Some(&["allowed_statuses", "allowed_advisories"][..]));
        assert_eq!(allowed("dstack.key_provider"), Some(&["name", "id"][..]));
        assert!(allowed("workload").is_some_and(|k| k.contains(&"init_script_sha256") && k.contains(&"accept")));
        assert!(allowed("launcher.provenance").is_some_and(|k| k.contains(&"allow_self_hosted_runner")));
        assert_eq!(allowed("sources"), None);
    }

    #[test]
    fn the_documented_key_list_is_the_models() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference-format.md")).unwrap();
        let table = markdown_table();
        assert!(doc.contains(&table), "docs/reference-format.md should hold this key list:\n{table}");
    }

    fn check(text: &str) -> Result<(), String> {
        if let Some(e) = repeated_key(text.as_bytes()) {
            return Err(e.to_string());
        }
        problem::clear();
        check_document(text.as_bytes()).map_err(|e| problem::take(&e, "JSON").to_string())
    }

    #[test]
    fn unknown_and_repeated_keys_name_their_path_and_line() {
        let e = check("{\"schema\":\"x\",\n\"tdx\":{\"mrtdd\":\"00\"}}").unwrap_err();
        assert!(e.starts_with("field `tdx.mrtdd`: expected one of the keys mrtd, rtmr0, rtmr1, rtmr2"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = check(r#"{"tdx":{"mrtd":"00","mrtd":"11"}}"#).unwrap_err();
        assert!(e.starts_with("field `tdx.mrtd`: expected each key once"), "{e}");
        let e = check(r#"{"schema":"a","schema":"b"}"#).unwrap_err();
        assert!(e.starts_with("field `schema`: expected each key once") && e.contains("line 1"), "{e}");
        // Objects the model does not describe are still checked for repeats.
        let e = check(r#"{"sources":{"tdx":"a","tdx":"b"}}"#).unwrap_err();
        assert!(e.starts_with("field `sources.tdx`"), "{e}");
        let e = check(r#"{"images":[{"a":1,"a":2}]}"#).unwrap_err();
        assert!(e.starts_with("field `images[0].a`"), "{e}");
        assert!(check(r#"{"schema":"x","tdx":{"mrtd":["00","00"]},"sources":{"a":"b"}}"#).is_ok());
    }
}
