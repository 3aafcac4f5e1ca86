//! The three checks: verified facts compared with expectations → `CheckResult`s.
//!
//! The checks judge only what the pipeline hands them in `Established`: the
//! DCAP outcome (whose `VerifiedQuote` is the only source of quote measurements), runtime events
//! only in their `MeasuredRuntimeEvents` form, the attested compose file, and parsed evidence
//! that carries no quote value (the event log for its own consistency, claims, duplicates). They
//! parse nothing, verify nothing and read no file.

pub(crate) mod attestation;
pub(crate) mod claims;
pub(crate) mod dcap;
pub mod launcher;
pub(crate) mod mr_config_id;
pub(crate) mod reference_values;
pub(crate) mod runner;
pub mod td_policy;
pub mod workload;

use crate::compose::app_compose::AppCompose;
use crate::compose::mr_config::MrConfigDocument;
use crate::dcap::verify::VerifiedQuote;
use crate::evidence::duplicates::Duplicate;
use crate::evidence::{Claim, Origin, RaTlsOrigin};
use crate::measured::MeasuredRuntimeEvents;
use crate::reference::AllowList;
use crate::report::{Finding, FindingCode};
use crate::tdx::event_log::EventLog;
use crate::tdx::rtmr::Replay;
use crate::tdx::runtime_events::DstackMeasurements;

pub use crate::measured::Unmeasured;
pub use dcap::DcapObservation;

/// The message of every finding that depends on a quote value when DCAP did not authenticate
/// the quote.
pub const QUOTE_NOT_AUTHENTICATED: &str = "the quote is not authenticated";

/// What the pipeline established for check 1: verified types, and parsed evidence that holds no
/// quote value.
#[derive(Debug, Clone, Copy)]
pub struct Established<'a> {
    pub dcap: &'a DcapObservation,
    pub event_log: Option<&'a (EventLog, Origin)>,
    /// The log replayed: against the verified TD report when the quote is authenticated, else
    /// against the parsed one, of which only the log's own consistency (`Replay::problems`) may
    /// be judged.
    pub replay: Option<&'a Replay>,
    pub runtime: &'a Result<MeasuredRuntimeEvents, Unmeasured>,
    pub app_compose: Option<&'a (AppCompose, Origin)>,
    pub claims: &'a [Claim],
    pub ratls: Option<&'a RaTlsOrigin>,
    /// The evidence says its boot log is the "lite" form (RTMR0–2 events left out on purpose).
    pub lite_boot_log: bool,
    /// Values the input carries twice, compared (appraised in `claims.rs`).
    pub duplicates: &'a [Duplicate],
    /// Check 1's expectations for MRTD and RTMR0–2, and where they come from.
    pub tdx: &'a TdxExpectations,
    /// The MRCONFIGID V3 document the evidence carries, read by the parse stage.
    pub mr_config_document: Option<&'a MrConfigDocument>,
}

impl Established<'_> {
    /// The authenticated quote, if DCAP verified it.
    pub fn quote(&self) -> Option<&VerifiedQuote> {
        self.dcap.outcome.quote.as_ref().ok()
    }

    /// The measured dstack values, if the runtime events are measurements.
    pub fn measured(&self) -> Option<&DstackMeasurements> {
        self.runtime.as_ref().ok().map(|r| r.measurements())
    }
}

/// Where check 1's MRTD and RTMR0–2 expectations come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectationSource {
    /// The `tdx` section of a reference file (its name as the report shows it).
    ReferenceFile(String),
}

impl std::fmt::Display for ExpectationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectationSource::ReferenceFile(name) => write!(f, "reference file {name}"),
        }
    }
}

/// Check 1's expectations for the boot measurements (MRTD, RTMR0–2). The pipeline chooses the
/// source; each allow-list remembers its field for the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdxExpectations {
    pub source: ExpectationSource,
    /// `None`: the source has no such values at all (a reference without `tdx`).
    pub values: Option<TdxValues>,
}

/// The four allow-lists; an unset one is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TdxValues {
    pub mrtd: Option<AllowList>,
    pub rtmr0: Option<AllowList>,
    pub rtmr1: Option<AllowList>,
    pub rtmr2: Option<AllowList>,
}

/// A finding of `code` that could not be evaluated because DCAP did not authenticate the quote.
pub fn not_authenticated(code: FindingCode) -> Finding {
    Finding::not_checked(code, QUOTE_NOT_AUTHENTICATED)
}
