//! Runtime events as measurements: the event log replayed against the TD report of a
//! DCAP-verified quote. This is the only way to build `MeasuredRuntimeEvents`, so a runtime-event
//! value (compose-hash, app-id, os-image-hash, key-provider) reaches the appraisal only when the
//! RTMR3 it replays to is one Intel's quoting enclave signed. The layout rules are
//! `tdx/runtime_events.rs`'s; the replay is `tdx/rtmr.rs`'s. It sits beside `tdx/` and `dcap/`,
//! which it joins, so that neither of them depends on the other's verified types.

use crate::dcap::verify::VerifiedQuote;
use crate::tdx::event_log::EventLog;
use crate::tdx::rtmr::{replay, Replay};
use crate::tdx::runtime_events::{
    Anomaly, DstackMeasurements, Layout, MeasuredEvent, NotMeasured, ReplayedRuntimeEvents,
};

/// Runtime events proven to be the ones the authenticated quote's RTMR3 covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuredRuntimeEvents(ReplayedRuntimeEvents);

/// The replay against an authenticated TD report, and what it establishes.
#[derive(Debug, Clone)]
pub struct AuthenticatedReplay {
    /// Every register replayed and compared with the verified quote's.
    pub replay: Replay,
    /// The runtime events, if RTMR3 proves them; else why not.
    pub runtime: Result<MeasuredRuntimeEvents, NotMeasured>,
}

impl MeasuredRuntimeEvents {
    /// Replays `log` against the verified quote's TD report and takes its runtime events as
    /// measured when `ReplayedRuntimeEvents::from_replay` accepts them.
    pub fn measure(quote: &VerifiedQuote, log: &EventLog) -> AuthenticatedReplay {
        let replay = replay(log, quote.td_report());
        let runtime = ReplayedRuntimeEvents::from_replay(log, &replay).map(MeasuredRuntimeEvents);
        AuthenticatedReplay { replay, runtime }
    }

    pub fn layout(&self) -> Layout {
        self.0.layout()
    }

    pub fn events(&self) -> &[MeasuredEvent] {
        self.0.events()
    }

    pub fn measurements(&self) -> &DstackMeasurements {
        self.0.measurements()
    }

    pub fn anomalies(&self) -> &[Anomaly] {
        self.0.anomalies()
    }
}

/// Why runtime events are not available as measured values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmeasured {
    NoEventLog,
    /// DCAP did not authenticate the quote, so nothing the log replays to is a measurement.
    QuoteNotAuthenticated,
    Replay(NotMeasured),
}
