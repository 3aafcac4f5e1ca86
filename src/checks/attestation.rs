//! Check 1 — the CVM is what the reference values say (SPEC §1, check 1).
//!
//! Appraises the DCAP outcome, the TD policy, the replay and the measured runtime events against
//! the reference. Without collateral the TCB status is not checked, so the check cannot pass.
//! Quote values are read only from the `VerifiedQuote`: when DCAP did not authenticate the quote,
//! every finding that depends on one is not checked ("the quote is not authenticated").

use crate::finding_code::FindingCode;
use crate::reference::Reference;
use crate::report::{CheckId, CheckResult, Finding};
use crate::tdx::event_log::DSTACK_RUNTIME_EVENT_TYPE;
use crate::tdx::rtmr::{EventProblem, RtmrComparison};
use crate::tdx::runtime_events::{Anomaly, DstackMeasurements, Layout, NotMeasured, DSTACK_03_EVENTS};

use super::{not_authenticated, Established, Unmeasured};

pub(crate) fn check(o: &Established, reference: &Reference, claim_findings: Vec<Finding>) -> CheckResult {
    let dcap = o.dcap;
    let mut f = Vec::new();
    super::dcap::appraise(dcap, &reference.tcb, &mut f);
    match o.quote() {
        Some(q) => super::td_policy::check(q.td_report(), &mut f),
        None => f.push(not_authenticated(FindingCode::TdAttributesOk)),
    }
    event_log(o, &mut f);
    runtime_events(o, &mut f);
    compose_hash(o, &mut f);
    super::mr_config_id::check(o, &mut f);
    ratls_binding(o, &mut f);
    f.extend(claim_findings);
    super::reference_values::check(o, reference, &mut f);
    let compared =
        f.iter().filter(|x| x.outcome == crate::report::Outcome::Pass && x.code.as_str().ends_with("-allowed")).count();
    let tcb = dcap.outcome.tcb.as_ref().and_then(|t| t.as_ref().ok()).map(|t| t.status.as_str()).unwrap_or("?");
    let root = if dcap.root_kind == crate::dcap::roots::RootKind::IntelPinned { "Intel's root" } else { "a TEST root" };
    CheckResult::from_findings(CheckId::Attestation, f).with_pass_summary(format!(
        "genuine TDX quote ({root}), TCB {tcb}, event log replays, compose-hash matches, {compared} expected values allowed (reference and TCB policy)"
    ))
}

fn event_log(o: &Established, f: &mut Vec<Finding>) {
    let (Some(r), Some((_, origin))) = (o.replay, o.event_log) else {
        f.push(Finding::not_checked(
            FindingCode::EventLogMissing,
            "no event log: RTMRs cannot be replayed and no dstack runtime event (compose-hash, app-id, …) is measured",
        ));
        return;
    };
    for (e, p) in r.problems() {
        let at = format!("{origin} entry {} (`{}`, RTMR{})", e.index, e.event, e.imr);
        f.push(match p {
            EventProblem::DigestMissing => Finding::fail(
                FindingCode::EventDigestMissing,
                format!("{at} has no digest, so RTMR{} cannot be replayed", e.imr),
            ),
            EventProblem::SuppliedDigestMismatch { supplied, recomputed } => Finding::fail(
                FindingCode::RuntimeEventDigestMismatch,
                format!("{at}: the supplied digest is not the digest of its name and payload"),
            )
            .expected(hex::encode(recomputed))
            .actual(hex::encode(supplied)),
            EventProblem::PreimageMismatch { supplied, canonical } => Finding::fail(
                FindingCode::RuntimeEventPreimageMismatch,
                format!("{at}: the V2 preimage is not the canonical JSON of its name and payload"),
            )
            .expected(String::from_utf8_lossy(canonical).into_owned())
            .actual(String::from_utf8_lossy(supplied).into_owned()),
            EventProblem::UnknownVersion(v) => Finding::fail(
                FindingCode::RuntimeEventVersionUnknown,
                format!("{at}: unknown runtime event version {v}, so its digest cannot be recomputed"),
            )
            .expected("version 1 or 2")
            .actual(v.to_string()),
            EventProblem::NotRuntimeEvent { event_type } => Finding::fail(
                FindingCode::Rtmr3EventNotRuntime,
                format!("{at} is not a dstack runtime event, so its digest cannot be recomputed and nothing binds its label or payload"),
            )
            .expected(format!("event type 0x{DSTACK_RUNTIME_EVENT_TYPE:08x}"))
            .actual(format!("0x{event_type:08x}")),
        });
    }
    // The comparisons hold quote values: only those of the verified quote are judged.
    if o.quote().is_none() {
        f.push(not_authenticated(FindingCode::RtmrReplayMatch));
        return;
    }
    for c in &r.rtmrs {
        f.push(replay_finding(c, o.lite_boot_log));
    }
}

fn replay_finding(c: &RtmrComparison, lite: bool) -> Finding {
    let n = c.index;
    if c.matches() {
        return Finding::pass(
            FindingCode::RtmrReplayMatch,
            format!("RTMR{n}: the event log ({} events) replays to the quoted value", c.events),
        )
        .actual(hex::encode(c.quoted));
    }
    if n < 3 && c.events == 0 {
        return Finding::note(
            FindingCode::RtmrNotInLog,
            format!("RTMR{n}: the event log carries no events for it; the quoted value is compared with the reference directly"),
        );
    }
    if n < 3 && lite {
        return Finding::note(
            FindingCode::RtmrReplayPartialLog,
            format!("RTMR{n}: the \"lite\" event log leaves out boot events, so it cannot be replayed; the quoted value is compared with the reference directly"),
        );
    }
    let actual = c.replayed.map(hex::encode).unwrap_or_else(|| "not computable (an event has no digest)".into());
    Finding::fail(
        FindingCode::RtmrReplayMismatch,
        format!("RTMR{n}: replaying the event log ({} events) does not give the quoted value", c.events),
    )
    .expected(hex::encode(c.quoted))
    .actual(actual)
}

fn runtime_events(o: &Established, f: &mut Vec<Finding>) {
    let rt = match o.runtime {
        Ok(rt) => rt,
        // Each finding that would read a runtime-event value says so itself.
        Err(Unmeasured::NoEventLog | Unmeasured::QuoteNotAuthenticated) => return,
        Err(Unmeasured::Replay(why)) => {
            not_measured(o, why, f);
            return;
        }
    };
    for a in rt.anomalies() {
        f.push(match a {
            Anomaly::Duplicate { name, first, again } => Finding::fail(
                FindingCode::RuntimeEventDuplicate,
                format!("runtime event `{name}` is measured twice before system-ready (entries {first} and {again}); its value is ambiguous"),
            ),
            Anomaly::AfterReady { name, index } => Finding::fail(
                FindingCode::RuntimeEventAfterReady,
                format!("dstack runtime event `{name}` (entry {index}) was measured after system-ready: dstack measures its own values before system-ready, so this one was emitted by something running in the CVM (any container with the guest agent's socket can); its value is not used"),
            ),
            Anomaly::BadPayload { name, index, expected, found } => {
                Finding::fail(FindingCode::RuntimeEventMalformed, format!("runtime event `{name}` (entry {index}) has a malformed payload"))
                    .expected(expected.clone())
                    .actual(found.clone())
            }
        });
    }
    let app_events: Vec<String> =
        rt.events().iter().filter(|e| e.after_ready && e.known.is_none()).map(|e| e.name.clone()).collect();
    if !app_events.is_empty() {
        f.push(Finding::note(
            FindingCode::ApplicationEvents,
            format!("events measured by the application after system-ready: {}", app_events.join(", ")),
        ));
    }
    if rt.layout() == Layout::Dstack03 {
        f.push(Finding::note(
            FindingCode::SystemReadyMissing,
            "no system-ready event: the log is recognisably dstack 0.3 (only events a 0.3 guest measures, each once), so every runtime event is dstack's own",
        ));
    }
}

/// Why the log cannot supply values, naming the entry where one is at fault.
fn not_measured(o: &Established, why: &NotMeasured, f: &mut Vec<Finding>) {
    let origin = o.event_log.map(|(_, origin)| origin.to_string()).unwrap_or_else(|| "the event log".into());
    let message = match why {
        NotMeasured::Rtmr3Mismatch => "RTMR3 does not replay, so no runtime event value (compose-hash, app-id, os-image-hash, key-provider) is measured".to_string(),
        NotMeasured::InconsistentEvent { index } => format!("{origin} entry {index} in RTMR3 contradicts itself or cannot be recomputed, so no runtime event value is taken as measured"),
        NotMeasured::NotRuntimeEvent { index, label, .. } => format!("{origin} entry {index} (`{label}`) in RTMR3 is not a dstack runtime event, so the log cannot supply any runtime event value"),
        NotMeasured::AmbiguousName { index, name } => {
            f.push(
                Finding::fail(
                    FindingCode::RuntimeEventNameAmbiguous,
                    format!("{origin} entry {index}: the V1 runtime event name `{name}` contains ':', so its digest (over name ‖ \":\" ‖ payload) also fits another name and payload; dstack's own events never use ':'"),
                )
                .actual(name.clone()),
            );
            format!("{origin} entry {index} has an ambiguous name, so no runtime event value is taken as measured")
        }
        NotMeasured::NotDstack03 { index, name } => {
            f.push(
                Finding::fail(
                    FindingCode::RuntimeLogNotDstack03,
                    format!("{origin} has no system-ready event, and entry {index} (`{name}`) is not one a dstack 0.3 guest measures once, so the log is neither layout dstack writes"),
                )
                .expected(format!("system-ready, or only {} (each once)", DSTACK_03_EVENTS.join(", ")))
                .actual(name.clone()),
            );
            format!("{origin} has no system-ready and is not a dstack 0.3 log, so no runtime event value is taken as measured")
        }
    };
    f.push(Finding::fail(FindingCode::RuntimeEventsNotMeasured, message));
}

fn compose_hash(o: &Established, f: &mut Vec<Finding>) {
    if o.quote().is_none() {
        f.push(not_authenticated(FindingCode::ComposeHashMatch));
        return;
    }
    let Some(m) = o.measured() else { return };
    let Some(measured_hash) = &m.compose_hash else {
        f.push(Finding::fail(
            FindingCode::ComposeHashEventMissing,
            "RTMR3 holds no compose-hash event: the app's configuration is not measured",
        ));
        return;
    };
    app_id_origin(m, measured_hash, f);
    let Some((compose, origin)) = o.app_compose else {
        f.push(
            Finding::not_checked(
                FindingCode::AppComposeMissing,
                "no app-compose document in the evidence: the measured compose-hash cannot be tied to a configuration",
            )
            .actual(hex::encode(measured_hash)),
        );
        return;
    };
    if compose.compose_hash().as_slice() == measured_hash.as_slice() {
        f.push(
            Finding::pass(
                FindingCode::ComposeHashMatch,
                format!("SHA-256 of the exact bytes of {origin} equals the measured compose-hash"),
            )
            .actual(hex::encode(measured_hash)),
        );
        if let Some(d) = compose.duplicate_key() {
            f.push(
                Finding::fail(
                    FindingCode::AppComposeDuplicateKey,
                    format!("{origin} (attested): {d}; JSON readers disagree on which value counts (dstack's guest refuses the document, `serde_json::Value` and jq take the last), so the measured configuration has no single meaning"),
                )
                .expected("each key once per object")
                .actual(format!("`{}` twice", d.key)),
            );
        }
    } else {
        f.push(
            Finding::fail(FindingCode::ComposeHashMismatch, format!("SHA-256 of the exact bytes of {origin} is not the measured compose-hash (any byte counts, including whitespace)"))
                .expected(hex::encode(measured_hash))
                .actual(hex::encode(compose.compose_hash())),
        );
    }
}

/// Says whether the measured app-id is dstack's default (the first 20 bytes of the
/// compose-hash, used when the host supplies none) or one set at deployment (a KMS / on-chain id).
fn app_id_origin(m: &DstackMeasurements, compose_hash: &[u8], f: &mut Vec<Finding>) {
    let Some(app_id) = &m.app_id else { return };
    if compose_hash.get(..20) == Some(app_id.as_slice()) {
        f.push(Finding::note(
            FindingCode::AppIdDefault,
            "the app-id is dstack's default: the first 20 bytes of the compose-hash",
        ));
    } else {
        f.push(Finding::note(
            FindingCode::AppIdAssigned,
            "the app-id is not derived from the compose-hash: it was assigned at deployment (a KMS or on-chain app id)",
        ));
    }
}

fn ratls_binding(o: &Established, f: &mut Vec<Finding>) {
    let Some(cert) = o.ratls else { return };
    let Some(q) = o.quote() else {
        f.push(not_authenticated(FindingCode::RatlsBindingMatch));
        return;
    };
    let report_data = q.td_report().report_data;
    let expected = crate::evidence::ratls::ratls_report_data(&cert.spki_der);
    if expected == report_data {
        f.push(Finding::pass(
            FindingCode::RatlsBindingMatch,
            format!("report_data is SHA-512(\"ratls-cert:\" ‖ public key) of {} ({}): the TLS key belongs to the attested CVM", cert.subject, cert.source),
        ));
    } else {
        f.push(
            Finding::fail(
                FindingCode::RatlsBindingMismatch,
                format!("report_data does not bind the key of {} ({})", cert.subject, cert.source),
            )
            .expected(hex::encode(expected))
            .actual(hex::encode(report_data)),
        );
    }
}
