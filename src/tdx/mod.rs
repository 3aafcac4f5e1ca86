//! Intel TDX evidence: the quote layout, the event log, RTMR replay and dstack runtime events.
//! Nothing here decides policy; `checks/` compares these facts with expectations.
//!
//! `digest.rs` holds the runtime-event digest rules that the replay (`rtmr.rs`) and the layout
//! rules (`runtime_events.rs`) share; `measured.rs` replays against a DCAP-verified quote and is
//! the only source of `MeasuredRuntimeEvents`.

pub(crate) mod digest;
pub mod event_log;
pub mod quote;
pub mod rtmr;
pub mod runtime_events;
