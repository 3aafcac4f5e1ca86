//! Check 1 — the CVM is what the reference values say (SPEC §1, check 1).
//!
//! Appraises the DCAP outcome, the TD policy, the replay and the measured runtime events against
//! the reference. Without collateral the TCB status is not checked, so the check cannot pass.

use crate::reference::{AllowList, Reference};
use crate::report::{CheckId, CheckResult, Finding};
use crate::tdx::event_log::DSTACK_RUNTIME_EVENT_TYPE;
use crate::tdx::rtmr::{EventProblem, RtmrComparison};
use crate::tdx::runtime_events::{Anomaly, DstackMeasurements, Layout, NotMeasured, DSTACK_03_EVENTS};

use super::{DcapObservation, Observed, Unmeasured};

pub fn check(o: &Observed, dcap: &DcapObservation, reference: &Reference, claim_findings: Vec<Finding>) -> CheckResult {
    let mut f = Vec::new();
    super::dcap::appraise(dcap, &reference.tcb, &mut f);
    super::td_policy::check(&o.quote.body, &mut f);
    event_log(o, &mut f);
    runtime_events(o, &mut f);
    compose_hash(o, &mut f);
    super::mr_config_id::check(o, &mut f);
    ratls_binding(o, &mut f);
    f.extend(claim_findings);
    reference_values(o, reference, &mut f);
    let compared =
        f.iter().filter(|x| x.outcome == crate::report::Outcome::Pass && x.code.ends_with("-allowed")).count();
    let tcb = dcap.outcome.tcb.as_ref().and_then(|t| t.as_ref().ok()).map(|t| t.status.as_str()).unwrap_or("?");
    let root = if dcap.root_kind == crate::dcap::roots::RootKind::IntelPinned { "Intel's root" } else { "a TEST root" };
    CheckResult::from_findings(CheckId::Attestation, f).with_pass_summary(format!(
        "genuine TDX quote ({root}), TCB {tcb}, event log replays, compose-hash matches, {compared} expected values allowed (reference and TCB policy)"
    ))
}

fn event_log(o: &Observed, f: &mut Vec<Finding>) {
    let (Some(r), Some((_, origin))) = (&o.replay, &o.event_log) else {
        f.push(Finding::not_checked(
            "event-log-missing",
            "no event log: RTMRs cannot be replayed and no dstack runtime event (compose-hash, app-id, …) is measured",
        ));
        return;
    };
    for (e, p) in r.problems() {
        let at = format!("{origin} entry {} (`{}`, RTMR{})", e.index, e.event, e.imr);
        f.push(match p {
            EventProblem::DigestMissing => Finding::fail(
                "event-digest-missing",
                format!("{at} has no digest, so RTMR{} cannot be replayed", e.imr),
            ),
            EventProblem::SuppliedDigestMismatch { supplied, recomputed } => Finding::fail(
                "runtime-event-digest-mismatch",
                format!("{at}: the supplied digest is not the digest of its name and payload"),
            )
            .expected(hex::encode(recomputed))
            .actual(hex::encode(supplied)),
            EventProblem::PreimageMismatch { supplied, canonical } => Finding::fail(
                "runtime-event-preimage-mismatch",
                format!("{at}: the V2 preimage is not the canonical JSON of its name and payload"),
            )
            .expected(String::from_utf8_lossy(canonical).into_owned())
            .actual(String::from_utf8_lossy(supplied).into_owned()),
            EventProblem::UnknownVersion(v) => Finding::fail(
                "runtime-event-version-unknown",
                format!("{at}: unknown runtime event version {v}, so its digest cannot be recomputed"),
            )
            .expected("version 1 or 2")
            .actual(v.to_string()),
            EventProblem::NotRuntimeEvent { event_type } => Finding::fail(
                "rtmr3-event-not-runtime",
                format!("{at} is not a dstack runtime event, so its digest cannot be recomputed and nothing binds its label or payload"),
            )
            .expected(format!("event type 0x{DSTACK_RUNTIME_EVENT_TYPE:08x}"))
            .actual(format!("0x{event_type:08x}")),
        });
    }
    for c in &r.rtmrs {
        f.push(replay_finding(c, o.lite_boot_log));
    }
}

fn replay_finding(c: &RtmrComparison, lite: bool) -> Finding {
    let n = c.index;
    if c.matches() {
        return Finding::pass(
            "rtmr-replay-match",
            format!("RTMR{n}: the event log ({} events) replays to the quoted value", c.events),
        )
        .actual(hex::encode(c.quoted));
    }
    if n < 3 && c.events == 0 {
        return Finding::note(
            "rtmr-not-in-log",
            format!("RTMR{n}: the event log carries no events for it; the quoted value is compared with the reference directly"),
        );
    }
    if n < 3 && lite {
        return Finding::note(
            "rtmr-replay-partial-log",
            format!("RTMR{n}: the \"lite\" event log leaves out boot events, so it cannot be replayed; the quoted value is compared with the reference directly"),
        );
    }
    let actual = c.replayed.map(hex::encode).unwrap_or_else(|| "not computable (an event has no digest)".into());
    Finding::fail(
        "rtmr-replay-mismatch",
        format!("RTMR{n}: replaying the event log ({} events) does not give the quoted value", c.events),
    )
    .expected(hex::encode(c.quoted))
    .actual(actual)
}

fn runtime_events(o: &Observed, f: &mut Vec<Finding>) {
    let rt = match &o.runtime {
        Ok(rt) => rt,
        Err(Unmeasured::NoEventLog) => return,
        Err(Unmeasured::Replay(why)) => {
            not_measured(o, why, f);
            return;
        }
    };
    for a in rt.anomalies() {
        f.push(match a {
            Anomaly::Duplicate { name, first, again } => Finding::fail(
                "runtime-event-duplicate",
                format!("runtime event `{name}` is measured twice before system-ready (entries {first} and {again}); its value is ambiguous"),
            ),
            Anomaly::AfterReady { name, index } => Finding::fail(
                "runtime-event-after-ready",
                format!("dstack runtime event `{name}` (entry {index}) was measured after system-ready: dstack measures its own values before system-ready, so this one was emitted by something running in the CVM (any container with the guest agent's socket can); its value is not used"),
            ),
            Anomaly::BadPayload { name, index, expected, found } => {
                Finding::fail("runtime-event-malformed", format!("runtime event `{name}` (entry {index}) has a malformed payload"))
                    .expected(expected.clone())
                    .actual(found.clone())
            }
        });
    }
    let app_events: Vec<String> =
        rt.events().iter().filter(|e| e.after_ready && e.known.is_none()).map(|e| e.name.clone()).collect();
    if !app_events.is_empty() {
        f.push(Finding::note(
            "application-events",
            format!("events measured by the application after system-ready: {}", app_events.join(", ")),
        ));
    }
    if rt.layout() == Layout::Dstack03 {
        f.push(Finding::note(
            "system-ready-missing",
            "no system-ready event: the log is recognisably dstack 0.3 (only events a 0.3 guest measures, each once), so every runtime event is dstack's own",
        ));
    }
}

/// Why the log cannot supply values, naming the entry where one is at fault.
fn not_measured(o: &Observed, why: &NotMeasured, f: &mut Vec<Finding>) {
    let origin = o.event_log.as_ref().map(|(_, origin)| origin.to_string()).unwrap_or_else(|| "the event log".into());
    let message = match why {
        NotMeasured::Rtmr3Mismatch => "RTMR3 does not replay, so no runtime event value (compose-hash, app-id, os-image-hash, key-provider) is measured".to_string(),
        NotMeasured::InconsistentEvent { index } => format!("{origin} entry {index} in RTMR3 contradicts itself or cannot be recomputed, so no runtime event value is taken as measured"),
        NotMeasured::NotRuntimeEvent { index, label, .. } => format!("{origin} entry {index} (`{label}`) in RTMR3 is not a dstack runtime event, so the log cannot supply any runtime event value"),
        NotMeasured::AmbiguousName { index, name } => {
            f.push(
                Finding::fail(
                    "runtime-event-name-ambiguous",
                    format!("{origin} entry {index}: the V1 runtime event name `{name}` contains ':', so its digest (over name ‖ \":\" ‖ payload) also fits another name and payload; dstack's own events never use ':'"),
                )
                .actual(name.clone()),
            );
            format!("{origin} entry {index} has an ambiguous name, so no runtime event value is taken as measured")
        }
        NotMeasured::NotDstack03 { index, name } => {
            f.push(
                Finding::fail(
                    "runtime-log-not-dstack-0.3",
                    format!("{origin} has no system-ready event, and entry {index} (`{name}`) is not one a dstack 0.3 guest measures once, so the log is neither layout dstack writes"),
                )
                .expected(format!("system-ready, or only {} (each once)", DSTACK_03_EVENTS.join(", ")))
                .actual(name.clone()),
            );
            format!("{origin} has no system-ready and is not a dstack 0.3 log, so no runtime event value is taken as measured")
        }
    };
    f.push(Finding::fail("runtime-events-not-measured", message));
}

fn measured(o: &Observed) -> Option<&DstackMeasurements> {
    o.runtime.as_ref().ok().map(|r| r.measurements())
}

fn compose_hash(o: &Observed, f: &mut Vec<Finding>) {
    let Some(m) = measured(o) else { return };
    let Some(measured_hash) = &m.compose_hash else {
        f.push(Finding::fail(
            "compose-hash-event-missing",
            "RTMR3 holds no compose-hash event: the app's configuration is not measured",
        ));
        return;
    };
    app_id_origin(m, measured_hash, f);
    let Some((compose, origin)) = &o.app_compose else {
        f.push(
            Finding::not_checked(
                "app-compose-missing",
                "no app-compose document in the evidence: the measured compose-hash cannot be tied to a configuration",
            )
            .actual(hex::encode(measured_hash)),
        );
        return;
    };
    if compose.compose_hash().as_slice() == measured_hash.as_slice() {
        f.push(
            Finding::pass(
                "compose-hash-match",
                format!("SHA-256 of the exact bytes of {origin} equals the measured compose-hash"),
            )
            .actual(hex::encode(measured_hash)),
        );
        if let Some(d) = compose.duplicate_key() {
            f.push(
                Finding::fail(
                    "app-compose-duplicate-key",
                    format!("{origin} (attested): {d}; JSON readers disagree on which value counts (dstack's guest refuses the document, `serde_json::Value` and jq take the last), so the measured configuration has no single meaning"),
                )
                .expected("each key once per object")
                .actual(format!("`{}` twice", d.key)),
            );
        }
    } else {
        f.push(
            Finding::fail("compose-hash-mismatch", format!("SHA-256 of the exact bytes of {origin} is not the measured compose-hash (any byte counts, including whitespace)"))
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
            "app-id-default",
            "the app-id is dstack's default: the first 20 bytes of the compose-hash",
        ));
    } else {
        f.push(Finding::note(
            "app-id-assigned",
            "the app-id is not derived from the compose-hash: it was assigned at deployment (a KMS or on-chain app id)",
        ));
    }
}

fn ratls_binding(o: &Observed, f: &mut Vec<Finding>) {
    let Some(cert) = &o.ratls else { return };
    let expected = crate::evidence::ratls::ratls_report_data(&cert.spki_der);
    if expected == o.quote.body.report_data {
        f.push(Finding::pass(
            "ratls-binding-match",
            format!("report_data is SHA-512(\"ratls-cert:\" ‖ public key) of {} ({}): the TLS key belongs to the attested CVM", cert.subject, cert.source),
        ));
    } else {
        f.push(
            Finding::fail(
                "ratls-binding-mismatch",
                format!("report_data does not bind the key of {} ({})", cert.subject, cert.source),
            )
            .expected(hex::encode(expected))
            .actual(hex::encode(o.quote.body.report_data)),
        );
    }
}

fn reference_values(o: &Observed, r: &Reference, f: &mut Vec<Finding>) {
    if let Some(nonce) = &r.nonce {
        let b = &o.quote.body;
        f.push(if *nonce == b.report_data {
            Finding::pass("report-data-match", "report_data equals the --report-data nonce: the quote is fresh")
        } else {
            Finding::fail("report-data-mismatch", "report_data is not the --report-data nonce")
                .expected(hex::encode(nonce))
                .actual(hex::encode(b.report_data))
        });
    }
    if !r.is_given() {
        f.push(Finding::not_checked(
            "reference-missing",
            "no --reference: the measurements were not compared with expected values",
        ));
        return;
    }
    let b = &o.quote.body;
    match &r.tdx {
        None => f.push(Finding::not_checked(
            "reference-section-missing",
            format!("{} has no `tdx` section: MRTD and RTMR0–2 are not checked", r.source),
        )),
        Some(t) => {
            tdx_value(f, r, "mrtd", &t.mrtd, &b.mr_td, ("mrtd-allowed", "mrtd-not-allowed"));
            tdx_value(f, r, "rtmr0", &t.rtmr0, &b.rtmr0, ("rtmr0-allowed", "rtmr0-not-allowed"));
            tdx_value(f, r, "rtmr1", &t.rtmr1, &b.rtmr1, ("rtmr1-allowed", "rtmr1-not-allowed"));
            tdx_value(f, r, "rtmr2", &t.rtmr2, &b.rtmr2, ("rtmr2-allowed", "rtmr2-not-allowed"));
        }
    }
    let Some(d) = &r.dstack else {
        f.push(Finding::not_checked(
            "reference-section-missing",
            format!("{} has no `dstack` section: compose-hash, app-id and key provider are not checked", r.source),
        ));
        return;
    };
    let m = measured(o);
    let measured_value = |get: fn(&DstackMeasurements) -> Option<&Vec<u8>>| m.and_then(get).cloned();
    match &d.compose_hash {
        None => f.push(Finding::not_checked(
            "reference-value-missing",
            format!("{}: `dstack.compose_hash` is not set: the app configuration is not checked", r.source),
        )),
        Some(l) => f.push(compare_measured(
            l,
            measured_value(|m| m.compose_hash.as_ref()),
            &r.source,
            "compose-hash",
            ("compose-hash-allowed", "compose-hash-not-allowed", "compose-hash-not-measured"),
        )),
    }
    let app_id = measured_value(|m| m.app_id.as_ref());
    optional_value(f, r, &d.app_id, app_id, "app-id", ("app-id-allowed", "app-id-not-allowed", "app-id-not-measured"));
    let os_image_hash = measured_value(|m| m.os_image_hash.as_ref());
    let codes = ("os-image-hash-allowed", "os-image-hash-not-allowed", "os-image-hash-not-measured");
    let os_image_allowed = matches!((&d.os_image_hash, &os_image_hash), (Some(l), Some(v)) if l.allows(v));
    optional_value(f, r, &d.os_image_hash, os_image_hash, "os-image-hash", codes);
    if os_image_allowed && d.key_provider.as_ref().and_then(|k| k.id.as_ref()).is_none() {
        f.push(Finding::warn(
            "os-image-hash-from-unpinned-kms",
            format!("{}: dstack measures the os-image-hash its KMS returns, and the reference pins no KMS (`dstack.key_provider.id`): the value is that KMS's word; the OS itself is bound only by MRTD and RTMR0–2", r.source),
        ));
    }
    match &d.key_provider {
        None => f.push(Finding::note(
            "reference-value-unconstrained",
            format!("{}: no expected key provider; any is accepted", r.source),
        )),
        Some(want) => {
            let got = m.and_then(|m| m.key_provider.as_ref());
            let expected = match &want.id {
                Some(id) => format!("{} {id}", want.name),
                None => format!("{} (any id)", want.name),
            };
            f.push(match got {
                None => Finding::fail(
                    "key-provider-not-measured",
                    format!("{}: `dstack.key_provider` is set, but no key-provider event is measured", r.source),
                )
                .expected(expected),
                Some(kp) => {
                    let id_ok = want.id.as_ref().is_none_or(|id| id.eq_ignore_ascii_case(&kp.id));
                    let actual = format!("{} {}", kp.name, kp.id);
                    if kp.name == want.name && id_ok {
                        Finding::pass("key-provider-allowed", "the measured key provider is the expected one")
                            .actual(actual)
                    } else {
                        Finding::fail(
                            "key-provider-mismatch",
                            format!(
                                "{}: the measured key provider is not the one `dstack.key_provider` expects",
                                r.source
                            ),
                        )
                        .expected(expected)
                        .actual(actual)
                    }
                }
            });
        }
    }
    if let Some(want) = &d.report_data {
        f.push(if *want == b.report_data {
            Finding::pass("report-data-match", "report_data equals `dstack.report_data`")
        } else {
            Finding::fail(
                "report-data-mismatch",
                format!("{}: report_data is not the expected `dstack.report_data`", r.source),
            )
            .expected(hex::encode(want))
            .actual(hex::encode(b.report_data))
        });
    }
}

/// Finding codes: (allowed, not allowed) or (allowed, not allowed, not measured).
type Codes2 = (&'static str, &'static str);
type Codes3 = (&'static str, &'static str, &'static str);

fn tdx_value(f: &mut Vec<Finding>, r: &Reference, name: &str, list: &Option<AllowList>, value: &[u8], codes: Codes2) {
    f.push(match list {
        None => Finding::not_checked(
            "reference-value-missing",
            format!("{}: `tdx.{name}` is not set: {name} is not checked", r.source),
        ),
        Some(l) => compare(l, value, &r.source, codes.0, codes.1, name),
    });
}

fn optional_value(
    f: &mut Vec<Finding>,
    r: &Reference,
    list: &Option<AllowList>,
    value: Option<Vec<u8>>,
    event: &str,
    codes: Codes3,
) {
    f.push(match list {
        None => Finding::note(
            "reference-value-unconstrained",
            format!("{}: no expected {event}; any value is accepted", r.source),
        ),
        Some(l) => compare_measured(l, value, &r.source, event, codes),
    });
}

fn compare(list: &AllowList, value: &[u8], source: &str, ok: &'static str, bad: &'static str, what: &str) -> Finding {
    if list.allows(value) {
        Finding::pass(ok, format!("{what} is allowed by `{}`", list.field)).actual(hex::encode(value))
    } else {
        Finding::fail(bad, format!("{source}: {what} is not allowed by `{}`", list.field))
            .expected(list.describe())
            .actual(hex::encode(value))
    }
}

fn compare_measured(
    list: &AllowList,
    value: Option<Vec<u8>>,
    source: &str,
    event: &str,
    (ok, bad, missing): Codes3,
) -> Finding {
    match value {
        Some(v) => compare(list, &v, source, ok, bad, &format!("the measured {event}")),
        None => Finding::fail(
            missing,
            format!(
                "{source}: `{}` is set, but no {event} event is measured (claimed values do not count)",
                list.field
            ),
        )
        .expected(list.describe()),
    }
}
