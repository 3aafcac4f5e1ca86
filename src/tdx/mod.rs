//! Intel TDX evidence: the quote layout, the event log, RTMR replay and dstack runtime events.
//! Nothing here decides policy; `checks/` compares these facts with expectations.

pub mod event_log;
pub mod quote;
pub mod rtmr;
pub mod runtime_events;
