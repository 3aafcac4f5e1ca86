//! The TDX event log as dstack serialises it: parsing only, no hashing.
//!
//! Entry fields keep dstack's names (`imr`, `event_type`, `digest`, `event`, `event_payload`,
//! `version`, `preimage`; dstack `cc-eventlog/src/tdx.rs`). `imr` is the 0-based RTMR index.
//! Stripped logs (dstack ≥ 0.5.6 GetQuote) carry `digest: ""` for runtime events and empty boot
//! payloads; both are represented, not rejected. Replay lives in `rtmr.rs`.

use serde_json::Value;

use crate::bytes::decode_hex;
use crate::error::ParseError;
use crate::json::kind;
use crate::limits::{MAX_EVENTS, MAX_EVENT_PAYLOAD_BYTES};

/// dstack runtime events are measured with this event type (`DSTACK_RUNTIME_EVENT_TYPE`).
pub const DSTACK_RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;
/// RTMR digests are SHA-384.
pub const DIGEST_LEN: usize = 48;

/// One event-log entry as found in the evidence. Nothing in it is trusted yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLogEntry {
    pub imr: u32,
    pub event_type: u32,
    /// `None` when the log was stripped (`"digest": ""`).
    pub digest: Option<[u8; DIGEST_LEN]>,
    pub event: String,
    pub event_payload: Vec<u8>,
    /// `Some(2)` for dstack V2 runtime events; `None` means V1.
    pub version: Option<u32>,
    /// V2 only: the canonical JSON preimage the digest claims to cover.
    pub preimage: Option<Vec<u8>>,
}

impl EventLogEntry {
    pub fn is_runtime_event(&self) -> bool {
        self.event_type == DSTACK_RUNTIME_EVENT_TYPE
    }
}

/// A parsed event log, in log order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLog {
    pub entries: Vec<EventLogEntry>,
}

/// Parses a JSON array of entries. `value` may also be a string holding that JSON array
/// (the guest agent's `event_log` field). Error paths are relative to the array (`[3].digest`).
pub fn parse_event_log(value: &Value) -> Result<EventLog, ParseError> {
    let owned;
    let array = match value {
        Value::Array(a) => a,
        Value::String(s) => {
            owned = serde_json::from_str::<Value>(s).map_err(|e| {
                ParseError::field(
                    "",
                    "a JSON array of event-log entries inside the string",
                    crate::error::json_message(&e),
                )
            })?;
            if let Some(d) = crate::json::first_duplicate_key(s) {
                return Err(ParseError::field("", "each key at most once in an object", d.to_string()));
            }
            match &owned {
                Value::Array(a) => a,
                other => return Err(ParseError::field("", "a JSON array of event-log entries", kind(other))),
            }
        }
        other => {
            return Err(ParseError::field("", "an array of event-log entries (or a string holding one)", kind(other)))
        }
    };
    if array.len() > MAX_EVENTS {
        return Err(ParseError::field(
            "",
            format!("at most {MAX_EVENTS} events (MAX_EVENTS)"),
            format!("{} events", array.len()),
        ));
    }
    let entries = array
        .iter()
        .enumerate()
        .map(|(i, v)| parse_entry(v).map_err(|e| e.under(&format!("[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EventLog { entries })
}

fn parse_entry(v: &Value) -> Result<EventLogEntry, ParseError> {
    let obj = v.as_object().ok_or_else(|| ParseError::field("", "an event-log entry object", kind(v)))?;
    let imr = u32_field(obj, "imr")?;
    if imr > 3 {
        return Err(ParseError::field("imr", "an RTMR index 0..=3", imr.to_string()));
    }
    let event_type = u32_field(obj, "event_type")?;
    let digest = match str_field(obj, "digest")? {
        "" => None,
        text => {
            let bytes = decode_hex(text, "digest")?;
            let len = bytes.len();
            Some(bytes.try_into().map_err(|_| {
                ParseError::field(
                    "digest",
                    format!("a {DIGEST_LEN}-byte SHA-384 digest or \"\""),
                    format!("{len} bytes"),
                )
            })?)
        }
    };
    let event = match obj.get("event") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(ParseError::field("event", "a string", kind(other))),
    };
    let event_payload = match obj.get("event_payload") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => decode_hex(s, "event_payload")?,
        Some(other) => return Err(ParseError::field("event_payload", "a hex string", kind(other))),
    };
    check_payload_len(event_payload.len(), "event_payload")?;
    let version = match obj.get("version") {
        None | Some(Value::Null) => None,
        Some(_) => Some(u32_field(obj, "version")?),
    };
    let preimage = match obj.get("preimage") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(decode_hex(s, "preimage")?),
        Some(other) => return Err(ParseError::field("preimage", "a hex string", kind(other))),
    };
    Ok(EventLogEntry { imr, event_type, digest, event, event_payload, version, preimage })
}

/// Rejects payloads over `MAX_EVENT_PAYLOAD_BYTES`.
pub fn check_payload_len(len: usize, field: &str) -> Result<(), ParseError> {
    if len > MAX_EVENT_PAYLOAD_BYTES {
        return Err(ParseError::field(
            field,
            format!("at most {MAX_EVENT_PAYLOAD_BYTES} bytes (MAX_EVENT_PAYLOAD_BYTES)"),
            format!("{len} bytes"),
        ));
    }
    Ok(())
}

fn u32_field(obj: &serde_json::Map<String, Value>, name: &str) -> Result<u32, ParseError> {
    match obj.get(name) {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| ParseError::field(name, "an unsigned 32-bit integer", n.to_string())),
        Some(other) => Err(ParseError::field(name, "an unsigned 32-bit integer", kind(other))),
        None => Err(ParseError::field(name, "an unsigned 32-bit integer", "nothing (field missing)")),
    }
}

fn str_field<'v>(obj: &'v serde_json::Map<String, Value>, name: &str) -> Result<&'v str, ParseError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Ok(""),
        Some(other) => Err(ParseError::field(name, "a hex string", kind(other))),
    }
}
