//! Stage 1, parse: canonical evidence → the parsed quote and the event log replayed against it.
//! Nothing here is authenticated: the quote's values are what its bytes say until DCAP verifies
//! them (`authenticate.rs`). `inspect` and `replay` show this stage's output as it is.

use crate::compose::app_compose::AppCompose;
use crate::compose::mr_config::MrConfigDocument;
use crate::error::Error;
use crate::evidence::duplicates::Duplicate;
use crate::evidence::{Claim, Evidence, Origin, RaTlsOrigin, Shape};
use crate::measured::Unmeasured;
use crate::tdx::event_log::EventLog;
use crate::tdx::quote::{parse_quote, Quote};
use crate::tdx::rtmr::{replay, Replay};
use crate::tdx::runtime_events::ReplayedRuntimeEvents;

/// The evidence, parsed: nothing in it is authenticated yet.
#[derive(Debug, Clone)]
pub struct Observed {
    pub shape: Shape,
    /// The parsed quote: its values are evidence only once DCAP returns a `VerifiedQuote`.
    pub quote: Quote,
    pub quote_origin: Origin,
    pub event_log: Option<(EventLog, Origin)>,
    /// The log replayed against the parsed (unauthenticated) TD report.
    pub replay: Option<Replay>,
    /// The runtime events, if the log's RTMR3 replays to the parsed report's; else why not.
    pub runtime: Result<ReplayedRuntimeEvents, Unmeasured>,
    pub app_compose: Option<(AppCompose, Origin)>,
    pub claims: Vec<Claim>,
    pub ratls: Option<RaTlsOrigin>,
    /// The evidence says its boot log is the "lite" form (RTMR0–2 events left out on purpose).
    pub lite_boot_log: bool,
    /// Collateral found inside the attestation (NEAR's `public_data` embeds it).
    pub collateral: Option<(serde_json::Value, Origin)>,
    pub notes: Vec<String>,
    /// Values the input carries twice, compared (appraised in `checks/claims.rs`).
    pub duplicates: Vec<Duplicate>,
    /// The MRCONFIGID V3 document the VM config carries, read (unmeasured until its hash is
    /// compared with the authenticated MRCONFIGID).
    pub mr_config_document: Option<MrConfigDocument>,
}

/// Parses the quote and replays the log against it.
pub fn observe(evidence: Evidence) -> Result<Observed, Error> {
    let quote = parse_quote(&evidence.quote).map_err(|e| {
        let field = evidence.quote_origin.field.clone();
        let e = if field.is_empty() { e } else { e.within(&field) };
        e.in_input(&evidence.quote_origin.input)
    })?;
    let replay = evidence.event_log.as_ref().map(|(log, _)| replay(log, &quote.body));
    let runtime = match (&evidence.event_log, &replay) {
        (Some((log, _)), Some(r)) => ReplayedRuntimeEvents::from_replay(log, r).map_err(Unmeasured::Replay),
        _ => Err(Unmeasured::NoEventLog),
    };
    let mr_config_document = MrConfigDocument::from_vm_config(&evidence.claims);
    Ok(Observed {
        mr_config_document,
        shape: evidence.shape,
        quote,
        quote_origin: evidence.quote_origin,
        event_log: evidence.event_log,
        replay,
        runtime,
        app_compose: evidence.app_compose,
        claims: evidence.claims,
        ratls: evidence.ratls,
        lite_boot_log: evidence.lite_boot_log,
        collateral: evidence.collateral,
        notes: evidence.notes,
        duplicates: evidence.duplicates,
    })
}
