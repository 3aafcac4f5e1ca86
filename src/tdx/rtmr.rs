//! RTMR replay: recomputes RTMR0–3 from the event log and compares them with the quote.
//!
//! `rtmr = SHA-384(rtmr ‖ digest)` for each event of that register in log order, starting from
//! 48 zero bytes (TDX module `TDG.MR.RTMR.EXTEND`). dstack runtime events never use the supplied
//! digest: it is recomputed from the event name and payload (`runtime_events.rs`), so a stripped
//! log (`digest: ""`) replays and a lying digest is caught. Boot events (RTMR0–2) can only use
//! their supplied digests; they are trusted only through the replay equality.
//!
//! Nothing signs an entry's `imr`, `event_type` or name: only the digests that go into a
//! register are bound, through that register's replay equality. An RTMR3 entry that is not a
//! dstack runtime event has no digest this tool can recompute, so its label and payload are
//! unbound; it is replayed with its supplied digest (so RTMR3 still shows whether the sequence is
//! the quoted one) and marked `NotRuntimeEvent`, which keeps the log from supplying values.

use sha2::{Digest, Sha384};

use super::digest::{canonical_preimage_v2, runtime_event_digest_v1, runtime_event_digest_v2};
use super::event_log::{EventLog, EventLogEntry};
use super::quote::{Mr, TdReport};

/// Where the digest used in the replay came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestSource {
    /// Taken from the log (boot events).
    Supplied,
    /// Recomputed from name and payload, dstack V1 rule.
    RecomputedV1,
    /// Recomputed from name and payload, dstack V2 rule (canonical JSON preimage).
    RecomputedV2,
}

/// Something wrong with one event that makes its register unreplayable or the log inconsistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventProblem {
    /// A boot event without a digest: its register cannot be replayed.
    DigestMissing,
    /// A runtime event whose supplied digest differs from the recomputed one.
    SuppliedDigestMismatch { supplied: Mr, recomputed: Mr },
    /// A V2 runtime event whose preimage is not the canonical one.
    PreimageMismatch { supplied: Vec<u8>, canonical: Vec<u8> },
    /// A runtime event with a version this tool does not know.
    UnknownVersion(u32),
    /// An RTMR3 entry whose type is not the dstack runtime event type: its digest cannot be
    /// recomputed, so nothing binds its name or payload (dstack writes no other type to RTMR3).
    NotRuntimeEvent { event_type: u32 },
}

/// One event as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedEvent {
    pub index: usize,
    pub imr: u32,
    pub event_type: u32,
    pub event: String,
    /// The digest extended into the register (`None` when none could be used).
    pub digest: Option<Mr>,
    pub source: DigestSource,
    pub problem: Option<EventProblem>,
    /// The register's value after this event (`None` once the register is unreplayable).
    pub rtmr_after: Option<Mr>,
}

/// One register: the replayed value next to the quoted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtmrComparison {
    pub index: usize,
    pub quoted: Mr,
    /// `None` when an event of this register had no usable digest.
    pub replayed: Option<Mr>,
    pub events: usize,
}

impl RtmrComparison {
    pub fn matches(&self) -> bool {
        self.replayed.as_ref() == Some(&self.quoted)
    }
}

/// The whole replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub events: Vec<ReplayedEvent>,
    pub rtmrs: [RtmrComparison; 4],
}

impl Replay {
    pub fn rtmr(&self, index: usize) -> Option<&RtmrComparison> {
        self.rtmrs.get(index)
    }

    /// Events whose problem makes the log inconsistent.
    pub fn problems(&self) -> impl Iterator<Item = (&ReplayedEvent, &EventProblem)> {
        self.events.iter().filter_map(|e| e.problem.as_ref().map(|p| (e, p)))
    }
}

/// Extends one register value with a digest.
pub fn extend(rtmr: &Mr, digest: &Mr) -> Mr {
    let mut h = Sha384::new();
    h.update(rtmr);
    h.update(digest);
    h.finalize().into()
}

/// Replays the log and compares each register with the quote's.
pub fn replay(log: &EventLog, report: &TdReport) -> Replay {
    let mut values: [Option<Mr>; 4] = [Some([0u8; 48]); 4];
    let mut counts = [0usize; 4];
    let mut events = Vec::with_capacity(log.entries.len());
    for (index, entry) in log.entries.iter().enumerate() {
        let (digest, source, problem) = event_digest(entry);
        // An index that does not fit in usize is out of range, like any other above 3.
        let slot = usize::try_from(entry.imr).unwrap_or(usize::MAX);
        let rtmr_after = match (values.get_mut(slot), digest) {
            (Some(value), Some(d)) => {
                *value = value.as_ref().map(|v| extend(v, &d));
                *value
            }
            (Some(value), None) => {
                *value = None;
                None
            }
            (None, _) => None,
        };
        if let Some(c) = counts.get_mut(slot) {
            *c = c.saturating_add(1);
        }
        events.push(ReplayedEvent {
            index,
            imr: entry.imr,
            event_type: entry.event_type,
            event: entry.event.clone(),
            digest,
            source,
            problem,
            rtmr_after,
        });
    }
    let [q0, q1, q2, q3] = report.rtmrs();
    let [v0, v1, v2, v3] = values;
    let [c0, c1, c2, c3] = counts;
    let cmp = |index, quoted: &Mr, replayed, events| RtmrComparison { index, quoted: *quoted, replayed, events };
    let rtmrs = [cmp(0, q0, v0, c0), cmp(1, q1, v1, c1), cmp(2, q2, v2, c2), cmp(3, q3, v3, c3)];
    Replay { events, rtmrs }
}

fn event_digest(entry: &EventLogEntry) -> (Option<Mr>, DigestSource, Option<EventProblem>) {
    if !entry.is_runtime_event() {
        let problem = if entry.digest.is_none() {
            Some(EventProblem::DigestMissing)
        } else if entry.imr == 3 {
            Some(EventProblem::NotRuntimeEvent { event_type: entry.event_type })
        } else {
            None
        };
        return (entry.digest, DigestSource::Supplied, problem);
    }
    let (recomputed, source) = match entry.version {
        None | Some(1) => (runtime_event_digest_v1(&entry.event, &entry.event_payload), DigestSource::RecomputedV1),
        Some(2) => (runtime_event_digest_v2(&entry.event, &entry.event_payload), DigestSource::RecomputedV2),
        Some(v) => return (None, DigestSource::Supplied, Some(EventProblem::UnknownVersion(v))),
    };
    let mut problem = match entry.digest {
        Some(supplied) if supplied != recomputed => Some(EventProblem::SuppliedDigestMismatch { supplied, recomputed }),
        _ => None,
    };
    if let (Some(supplied), DigestSource::RecomputedV2) = (&entry.preimage, source) {
        let canonical = canonical_preimage_v2(&entry.event, &entry.event_payload);
        if *supplied != canonical && problem.is_none() {
            problem = Some(EventProblem::PreimageMismatch { supplied: supplied.clone(), canonical });
        }
    }
    (Some(recomputed), source, problem)
}
