//! Evidence that says the same thing twice (issue 10 §3; docs/decisions.md 32).
//!
//! One input can carry the quote, the event log or the app-compose text in two places (the outer
//! `quote` and the one inside `attestation`, a GetQuote `event_log` and `tcb_info.event_log`, the
//! RA-TLS certificate's event log and `tcb_info`'s, a V0 attestation's `event_log` and its
//! `runtime_events`, a side file and the attestation). Owns comparing the two copies and
//! recording the outcome; it decides nothing: the attestation check reports an agreement as a
//! note and a disagreement as a failure (`checks/claims.rs`), and side files that contradict
//! the attestation are refused in `evidence::load` (exit 2).

use crate::tdx::event_log::{EventLog, EventLogEntry};

use super::scale::RuntimeEventRecord;
use super::Origin;

/// Two copies of one piece of evidence and whether they agree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    /// `quote`, `event log`, `app-compose` or `RTMR3 events`.
    pub what: &'static str,
    /// The copy the checks read.
    pub used: Origin,
    /// The other copy.
    pub other: Origin,
    /// `None` when they agree; else the first difference, in words.
    pub difference: Option<String>,
    /// How "agree" was judged, for the report (`byte for byte`, `entry by entry, modulo
    /// stripping`: a digest or payload left empty by stripping matches any).
    pub rule: &'static str,
}

pub(crate) const BYTE_FOR_BYTE: &str = "byte for byte";
pub(crate) const MODULO_STRIPPING: &str = "entry by entry, modulo stripping";
pub(crate) const LITE_SUBSET: &str =
    "lite boot log: RTMR3 entry by entry, RTMR0-2 events of one copy in order in the other, modulo stripping";

/// The comparison rule for two event logs: strict, or, when the evidence says its boot log is
/// dstack's "lite" form (RTMR0–2 events left out on purpose), boot events may be missing from
/// one copy but never different or reordered; RTMR3 must always be the same.
pub(crate) fn log_rule(lite_boot_log: bool) -> &'static str {
    if lite_boot_log {
        LITE_SUBSET
    } else {
        MODULO_STRIPPING
    }
}

/// `log_difference`, or `lite_log_difference` when `lite_boot_log`.
pub(crate) fn compare_logs(a: &EventLog, b: &EventLog, lite_boot_log: bool) -> Option<String> {
    if lite_boot_log {
        lite_log_difference(a, b)
    } else {
        log_difference(a, b)
    }
}

/// Lite boot logs: RTMR3 entries the same in order; for RTMR0–2, the shorter sequence of each
/// register must occur in order within the longer one.
pub(crate) fn lite_log_difference(a: &EventLog, b: &EventLog) -> Option<String> {
    (0..=3u32).find_map(|imr| {
        let xs: Vec<&EventLogEntry> = a.entries.iter().filter(|e| e.imr == imr).collect();
        let ys: Vec<&EventLogEntry> = b.entries.iter().filter(|e| e.imr == imr).collect();
        if imr == 3 {
            if xs.len() != ys.len() {
                return Some(format!("{} RTMR3 entries vs {}", xs.len(), ys.len()));
            }
            return xs.iter().zip(&ys).enumerate().find_map(|(i, (x, y))| {
                entry_difference(x, y).map(|d| format!("RTMR3 entry {i} (`{}`): {d}", x.event))
            });
        }
        let (short, long) = if xs.len() <= ys.len() { (&xs, &ys) } else { (&ys, &xs) };
        let mut rest = long.iter();
        short.iter().enumerate().find_map(|(i, s)| match rest.find(|l| entry_difference(s, l).is_none()) {
            Some(_) => None,
            None => {
                Some(format!("RTMR{imr} entry {i} of the shorter copy (`{}`) is not in the other, in order", s.event))
            }
        })
    })
}

/// Two quotes: the same bytes, or the first differing offset.
pub(crate) fn quote_difference(a: &[u8], b: &[u8]) -> Option<String> {
    bytes_difference(a, b, "byte")
}

/// Two app-compose texts: the same bytes (the compose-hash is over them), or where they part.
pub(crate) fn text_difference(a: &str, b: &str) -> Option<String> {
    bytes_difference(a.as_bytes(), b.as_bytes(), "byte")
}

fn bytes_difference(a: &[u8], b: &[u8], unit: &str) -> Option<String> {
    if a == b {
        return None;
    }
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or_else(|| a.len().min(b.len()));
    Some(format!("{} vs {} {unit}s, first different at {unit} offset {at}", a.len(), b.len()))
}

/// Two event logs agree when they hold the same entries in the same order: the same register,
/// event type and name, and the same digest and payload wherever both copies carry one. A
/// stripped log (runtime digests `""`, boot payloads `""`) agrees with the full log it came from.
pub(crate) fn log_difference(a: &EventLog, b: &EventLog) -> Option<String> {
    if a.entries.len() != b.entries.len() {
        return Some(format!("{} entries vs {}", a.entries.len(), b.entries.len()));
    }
    a.entries
        .iter()
        .zip(&b.entries)
        .enumerate()
        .find_map(|(i, (x, y))| entry_difference(x, y).map(|d| format!("entry {i} (`{}`): {d}", x.event)))
}

fn entry_difference(x: &EventLogEntry, y: &EventLogEntry) -> Option<String> {
    if x.imr != y.imr {
        return Some(format!("RTMR{} vs RTMR{}", x.imr, y.imr));
    }
    if x.event_type != y.event_type {
        return Some(format!("event type 0x{:08x} vs 0x{:08x}", x.event_type, y.event_type));
    }
    if x.event != y.event {
        return Some(format!("name {:?} vs {:?}", x.event, y.event));
    }
    if let (Some(d), Some(e)) = (&x.digest, &y.digest) {
        if d != e {
            return Some(format!("digest {}… vs {}…", short_hex(d), short_hex(e)));
        }
    }
    if !x.event_payload.is_empty() && !y.event_payload.is_empty() && x.event_payload != y.event_payload {
        return Some(format!("payload {}… vs {}…", short_hex(&x.event_payload), short_hex(&y.event_payload)));
    }
    if let (Some(v), Some(w)) = (x.version, y.version) {
        if v != w {
            return Some(format!("version {v} vs {w}"));
        }
    }
    if let (Some(p), Some(q)) = (&x.preimage, &y.preimage) {
        if p != q {
            return Some("V2 preimages differ".into());
        }
    }
    None
}

/// A V0 attestation's `runtime_events` against the RTMR3 entries of its own `event_log`: the
/// same names and payloads in the same order.
pub(crate) fn runtime_events_difference(log: &EventLog, runtime: &[RuntimeEventRecord]) -> Option<String> {
    let rtmr3: Vec<&EventLogEntry> = log.entries.iter().filter(|e| e.imr == 3).collect();
    if rtmr3.len() != runtime.len() {
        return Some(format!("{} RTMR3 entries in event_log vs {} runtime_events", rtmr3.len(), runtime.len()));
    }
    rtmr3.iter().zip(runtime).enumerate().find_map(|(i, (e, r))| {
        if e.event != r.event {
            Some(format!("RTMR3 event {i}: name {:?} vs {:?}", e.event, r.event))
        } else if e.event_payload != r.payload {
            Some(format!("RTMR3 event {i} (`{}`): payloads differ", e.event))
        } else {
            None
        }
    })
}

fn short_hex(b: &[u8]) -> String {
    hex::encode(b.get(..b.len().min(8)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(imr: u32, event: &str, digest: Option<u8>, payload: &[u8]) -> EventLogEntry {
        EventLogEntry {
            imr,
            event_type: if imr == 3 { crate::tdx::event_log::DSTACK_RUNTIME_EVENT_TYPE } else { 1 },
            digest: digest.map(|d| [d; crate::tdx::event_log::DIGEST_LEN]),
            event: event.into(),
            event_payload: payload.to_vec(),
            version: None,
            preimage: None,
        }
    }

    #[test]
    fn a_stripped_log_agrees_with_its_full_form_and_nothing_else() {
        let full = EventLog { entries: vec![entry(0, "", Some(1), b"boot"), entry(3, "app-id", Some(2), b"id")] };
        let stripped = EventLog { entries: vec![entry(0, "", Some(1), b""), entry(3, "app-id", None, b"id")] };
        assert_eq!(log_difference(&full, &stripped), None);
        assert_eq!(log_difference(&stripped, &full), None);
        let cases = [
            (entry(0, "", Some(9), b""), "digest"),
            (entry(1, "", Some(1), b""), "RTMR"),
            (entry(0, "x", Some(1), b""), "name"),
            (entry(0, "", Some(1), b"other"), "payload"),
        ];
        for (changed, word) in cases {
            let mut other = stripped.clone();
            other.entries[0] = changed;
            let d = log_difference(&full, &other).unwrap();
            assert!(d.starts_with("entry 0") && d.contains(word), "{d}");
        }
        let mut relabelled = stripped.clone();
        relabelled.entries[1].event_type = 4;
        assert!(log_difference(&full, &relabelled).unwrap().contains("event type"));
        let mut shorter = full.clone();
        shorter.entries.pop();
        assert_eq!(log_difference(&full, &shorter).unwrap(), "2 entries vs 1");
    }

    #[test]
    fn a_lite_log_may_leave_boot_events_out_but_not_change_them() {
        let full = EventLog {
            entries: vec![
                entry(0, "a", Some(1), b""),
                entry(0, "b", Some(2), b""),
                entry(1, "c", Some(3), b""),
                entry(3, "app-id", None, b"id"),
            ],
        };
        let lite = EventLog { entries: vec![entry(0, "b", Some(2), b"x"), entry(3, "app-id", Some(7), b"id")] };
        assert!(log_difference(&full, &lite).is_some());
        assert_eq!(lite_log_difference(&full, &lite), None);
        assert_eq!(lite_log_difference(&lite, &full), None);
        let mut changed = lite.clone();
        changed.entries[0].digest = Some([9; crate::tdx::event_log::DIGEST_LEN]);
        assert!(lite_log_difference(&full, &changed).unwrap().contains("RTMR0 entry 0"));
        let mut extra = lite.clone();
        extra.entries.push(entry(3, "x", None, b""));
        assert_eq!(lite_log_difference(&full, &extra).unwrap(), "1 RTMR3 entries vs 2");
        let reordered = EventLog {
            entries: vec![entry(0, "b", Some(2), b""), entry(0, "a", Some(1), b""), entry(3, "app-id", None, b"id")],
        };
        assert!(lite_log_difference(&full, &reordered).is_some());
    }

    #[test]
    fn bytes_name_the_first_difference() {
        assert_eq!(quote_difference(b"abc", b"abc"), None);
        assert_eq!(quote_difference(b"abc", b"abd").unwrap(), "3 vs 3 bytes, first different at byte offset 2");
        assert_eq!(text_difference("ab", "abc").unwrap(), "2 vs 3 bytes, first different at byte offset 2");
    }

    #[test]
    fn runtime_events_must_match_the_rtmr3_entries() {
        let log = EventLog { entries: vec![entry(0, "", Some(1), b""), entry(3, "app-id", None, b"id")] };
        let same = [RuntimeEventRecord { event: "app-id".into(), payload: b"id".to_vec() }];
        assert_eq!(runtime_events_difference(&log, &same), None);
        let other = [RuntimeEventRecord { event: "app-id".into(), payload: b"xx".to_vec() }];
        assert!(runtime_events_difference(&log, &other).unwrap().contains("payloads differ"));
        assert!(runtime_events_difference(&log, &[]).unwrap().contains("1 RTMR3 entries"));
    }
}
