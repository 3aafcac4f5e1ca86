//! The reference file as written: one serde model of `dstack-audit/reference/v1`, used to read a
//! file (strict: `deny_unknown_fields`), to list the keys each object may hold (`keys.rs` derives
//! the list from these types) and to write one (`reference init` serialises it). Values are still
//! text here; `reference.rs` checks them (hex lengths, paths, Revoked) into the `Reference` the
//! checks use. The launcher section's types (`LauncherExpect`, `ProvenanceExpect`) and the
//! workload section's (`WorkloadExpect`) live in `reference.rs` and are part of this model.

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::dcap::tcb_info::TcbStatus;
use crate::error::{describe, ParseError};

use super::{LauncherExpect, WorkloadExpect, SCHEMA};

/// The whole file. Field order is the order `reference init` writes and error messages list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReferenceFile {
    pub schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdx: Option<TdxSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcb: Option<TcbSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dstack: Option<DstackSection>,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "without_nulls")]
    pub launcher: Option<LauncherExpect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadExpect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// Where `reference init` took each value from (for people; not an expectation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<SourceNotes>,
}

impl ReferenceFile {
    /// An empty file of this schema.
    pub(crate) fn new() -> Self {
        ReferenceFile { schema: SCHEMA.to_string(), ..ReferenceFile::default() }
    }
}

/// `tdx`: allow-lists of the TD report's MRTD and RTMR0–2 (48 bytes of hex each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TdxSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrtd: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtmr0: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtmr1: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtmr2: Option<OneOrMany>,
}

/// `tcb`: the acceptable converged TCB statuses (typed: a name Intel does not use is an error
/// naming the entry) and advisory IDs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TcbSection {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "statuses")]
    pub allowed_statuses: Option<Vec<TcbStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_advisories: Option<Vec<String>>,
}

/// `dstack`: allow-lists of the measured runtime events, the key provider and report_data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DstackSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_image_hash: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_hash: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_provider: Option<KeyProviderSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_data: Option<String>,
}

/// `dstack.key_provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyProviderSection {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// One value or a list of allowed values, as written in the file (`reference init` writes lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// `sources`: key path → where the value came from, in the order written. A key given twice is
/// refused here too, though `keys::repeated_key` finds it first in a file (decision 95).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SourceNotes(Vec<(String, String)>);

impl SourceNotes {
    /// Sets `path`'s source, keeping its first position when it is set again.
    pub(crate) fn set(&mut self, path: &str, from: &str) {
        match self.0.iter_mut().find(|(p, _)| p == path) {
            Some(entry) => entry.1 = from.to_string(),
            None => self.0.push((path.to_string(), from.to_string())),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Option<&str> {
        self.0.iter().find(|(p, _)| p == path).map(|(_, f)| f.as_str())
    }
}

impl Serialize for SourceNotes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (path, from) in &self.0 {
            map.serialize_entry(path, from)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SourceNotes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourcesVisitor;
        impl<'de> Visitor<'de> for SourcesVisitor {
            type Value = SourceNotes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SourceNotes, A::Error> {
                let mut out = SourceNotes::default();
                while let Some((path, from)) = map.next_entry::<String, String>()? {
                    if out.get(&path).is_some() {
                        let at = format!("sources.{path}");
                        return Err(super::problem::raise(ParseError::field(at, "each key once", "a second entry")));
                    }
                    out.0.push((path, from));
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(SourcesVisitor)
    }
}

/// `tcb.allowed_statuses`: Intel's names exactly (case matters, as in Intel's QVL). `Revoked`
/// is a status and parses here; `reference.rs` refuses it with the reason (decision 38).
fn statuses<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<TcbStatus>>, D::Error> {
    struct StatusesVisitor;
    impl<'de> Visitor<'de> for StatusesVisitor {
        type Value = Vec<TcbStatus>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of TCB statuses")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<TcbStatus>, A::Error> {
            let mut out = Vec::new();
            while let Some(text) = seq.next_element::<String>()? {
                let at = format!("tcb.allowed_statuses[{}]", out.len());
                out.push(text.parse::<TcbStatus>().map_err(|_| super::problem::raise(unknown_status(&text, at)))?);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(StatusesVisitor).map(Some)
}

/// The message for a name that is not one of Intel's statuses: where, the accepted names (never
/// `Revoked`), and a hint when only the case is wrong.
fn unknown_status(text: &str, at: String) -> ParseError {
    let names: Vec<&str> = TcbStatus::ALL.iter().filter(|s| **s != TcbStatus::Revoked).map(|s| s.as_str()).collect();
    let hint = TcbStatus::ALL
        .iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
        .map(|s| format!(" (names are case-sensitive: did you mean {s}?)"))
        .unwrap_or_default();
    ParseError::field(at, format!("one of the TCB statuses {}{hint}", names.join(", ")), describe(text))
}

/// The launcher section without its unset (null) members, as every other section is written.
fn without_nulls<S: Serializer>(launcher: &Option<LauncherExpect>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut value = serde_json::to_value(launcher).map_err(serde::ser::Error::custom)?;
    drop_nulls(&mut value);
    value.serialize(serializer)
}

fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
