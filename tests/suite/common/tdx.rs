//! TDX building blocks for the runtime-event tests: a real TD report and runtime-event entries.

use dstack_audit::tdx::event_log::{EventLogEntry, DSTACK_RUNTIME_EVENT_TYPE};
use dstack_audit::tdx::quote::{parse_quote, TdReport};

/// A TD report from a real quote, to carry the RTMR3 a test log replays to.
pub(crate) fn report() -> TdReport {
    let text = std::fs::read_to_string(super::fixture("dstack/tee-solver-phala-prod-0.5/quote.hex")).unwrap();
    parse_quote(&hex::decode(text.trim()).unwrap()).unwrap().body
}

/// An RTMR3 runtime event without a supplied digest.
pub(crate) fn runtime(name: &str, payload: &[u8]) -> EventLogEntry {
    EventLogEntry {
        imr: 3,
        event_type: DSTACK_RUNTIME_EVENT_TYPE,
        digest: None,
        event: name.into(),
        event_payload: payload.to_vec(),
        version: None,
        preimage: None,
    }
}
