//! dstack runtime event digest rules (type 0x08000001, RTMR3), shared by the replay
//! (`rtmr.rs`) and the runtime-event decoding (`runtime_events.rs`).
//!
//! Digest rules (dstack `cc-eventlog/src/runtime_events.rs`):
//! - V1: `SHA-384(u32_le(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload)`;
//! - V2: `SHA-384(JCS {"name": name, "payload": hex(payload), "type": 134217729})`.

use sha2::{Digest, Sha384};

use super::event_log::DSTACK_RUNTIME_EVENT_TYPE;
use super::quote::Mr;

/// V1 digest of a runtime event.
pub fn runtime_event_digest_v1(name: &str, payload: &[u8]) -> Mr {
    let mut h = Sha384::new();
    h.update(DSTACK_RUNTIME_EVENT_TYPE.to_le_bytes());
    h.update(b":");
    h.update(name.as_bytes());
    h.update(b":");
    h.update(payload);
    h.finalize().into()
}

/// V2 digest of a runtime event.
pub fn runtime_event_digest_v2(name: &str, payload: &[u8]) -> Mr {
    Sha384::digest(canonical_preimage_v2(name, payload)).into()
}

/// The canonical (RFC 8785) JSON preimage of a V2 runtime event. Keys are already in JCS
/// order (`name` < `payload` < `type`); the payload is lowercase hex.
pub fn canonical_preimage_v2(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = String::from("{\"name\":");
    push_jcs_string(&mut out, name);
    out.push_str(",\"payload\":\"");
    out.push_str(&hex::encode(payload));
    out.push_str("\",\"type\":");
    out.push_str(&DSTACK_RUNTIME_EVENT_TYPE.to_string());
    out.push('}');
    out.into_bytes()
}

/// JSON string escaping as RFC 8785 (ECMAScript `JSON.stringify`) defines it.
fn push_jcs_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_preimage_is_canonical_json() {
        let p = canonical_preimage_v2("app-id", &[0xab, 0x01]);
        assert_eq!(p, br#"{"name":"app-id","payload":"ab01","type":134217729}"#.to_vec());
        let p = canonical_preimage_v2("a\"b\n\u{1}", &[]);
        assert_eq!(p, br#"{"name":"a\"b\n\u0001","payload":"","type":134217729}"#.to_vec());
    }

    #[test]
    fn v1_digest_binds_name_and_payload() {
        let a = runtime_event_digest_v1("compose-hash", &[1, 2]);
        assert_ne!(a, runtime_event_digest_v1("compose-hash", &[1, 3]));
        assert_ne!(a, runtime_event_digest_v1("compose-hasi", &[1, 2]));
        assert_eq!(a, runtime_event_digest_v1("compose-hash", &[1, 2]));
    }
}
