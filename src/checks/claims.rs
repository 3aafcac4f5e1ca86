//! Unmeasured claims (Info's `os_image_hash`, `device_id`, `vm_config`, a `tcb_info` RTMR list, …)
//! cross-checked against measured values (SPEC §1, check 1.9).
//!
//! A claim that agrees with a measurement is "consistent"; one that disagrees makes the
//! evidence self-contradictory and fails the attestation check; one with nothing to compare is
//! shown as "claimed, not measured" (so is every claim when the quote is not authenticated).
//! No claim ever passes anything. The same goes for the
//! quote, event log or app-compose given twice in one input (`evidence/duplicates.rs`): copies
//! that agree are a note, copies that differ fail the check.

use crate::finding_code::FindingCode;
use sha2::{Digest, Sha256};

use crate::evidence::Claim;
use crate::report::{ClaimRecord, Finding};

use super::Established;

const CONSISTENT: &str = "consistent";
const CONTRADICTS: &str = "contradicts";
const NOT_MEASURED: &str = "not-measured";

pub(crate) fn appraise(o: &Established) -> (Vec<ClaimRecord>, Vec<Finding>) {
    let mut records = Vec::new();
    let mut findings = Vec::new();
    let mut unmeasured = Vec::new();
    for claim in o.claims {
        let status = match measured_counterpart(o, claim) {
            None => NOT_MEASURED,
            Some((what, value)) => {
                let claimed = normalise(&claim.value);
                if claimed == value {
                    CONSISTENT
                } else if claim.name == "device_id" {
                    // Three meanings exist across dstack versions (quote user_data, SHA-256(""),
                    // the PPID); only the first can be recomputed here.
                    NOT_MEASURED
                } else {
                    findings.push(
                        Finding::fail(
                            FindingCode::ClaimContradictsMeasurement,
                            format!(
                                "{} claims {} = {}, but the {what} is different",
                                claim.source,
                                claim.name,
                                short(&claimed)
                            ),
                        )
                        .expected(value)
                        .actual(claimed),
                    );
                    CONTRADICTS
                }
            }
        };
        if status == NOT_MEASURED && !unmeasured.contains(&claim.name) {
            unmeasured.push(claim.name.clone());
        }
        records.push(ClaimRecord { claim: claim.clone(), status });
    }
    findings.extend(o.duplicates.iter().map(duplicate_finding));
    if !unmeasured.is_empty() {
        findings.push(Finding::note(
            FindingCode::ClaimedNotMeasured,
            format!("claimed, not measured (shown, never used to pass): {}", unmeasured.join(", ")),
        ));
    }
    (records, findings)
}

/// Two copies of one piece of evidence: agreement is a note, a difference fails the check,
/// because the input contradicts itself whichever copy is right (docs/decisions.md 32).
fn duplicate_finding(d: &crate::evidence::duplicates::Duplicate) -> Finding {
    let places = places(&d.used, &d.other);
    match &d.difference {
        None => Finding::note(
            FindingCode::EvidenceDuplicateAgrees,
            format!("the {} {places} agree ({}); the first is used", d.what, d.rule),
        ),
        Some(diff) => Finding::fail(
            FindingCode::EvidenceDuplicateMismatch,
            format!(
                "the input carries two different copies of the {} {places} ({diff}); the first is the one checked",
                d.what
            ),
        )
        .expected(format!("the same {} in both places ({})", d.what, d.rule))
        .actual(diff.clone()),
    }
}

/// "at `a` and at `b` of FILE", or "in FILE:a and in OTHER" when the inputs differ.
fn places(used: &crate::evidence::Origin, other: &crate::evidence::Origin) -> String {
    if used.input == other.input && !used.field.is_empty() && !other.field.is_empty() {
        format!("at `{}` and at `{}` of {}", used.field, other.field, used.input)
    } else {
        format!("in {used} and in {other}")
    }
}

/// The measured value a claim can be compared with, as lowercase hex or text: none unless DCAP
/// authenticated the quote (the runtime events are measured only then too).
fn measured_counterpart(o: &Established, claim: &Claim) -> Option<(&'static str, String)> {
    let q = o.quote()?;
    let b = q.td_report();
    let m = o.measured();
    let hex = |v: &[u8]| hex::encode(v);
    Some(match claim.name.as_str() {
        "mrtd" => ("quoted MRTD", hex(&b.mr_td)),
        "rtmr0" => ("quoted RTMR0", hex(&b.rtmr0)),
        "rtmr1" => ("quoted RTMR1", hex(&b.rtmr1)),
        "rtmr2" => ("quoted RTMR2", hex(&b.rtmr2)),
        "rtmr3" => ("quoted RTMR3", hex(&b.rtmr3)),
        "report_data" => {
            let mut padded = [0u8; 64];
            let claimed = crate::bytes::decode_hex(&claim.value, "report_data").ok()?;
            if claimed.len() > 64 {
                return Some(("quoted report_data", hex(&b.report_data)));
            }
            padded.iter_mut().zip(claimed.iter()).for_each(|(d, s)| *d = *s);
            if padded == b.report_data {
                return Some(("quoted report_data", normalise(&claim.value)));
            }
            ("quoted report_data", hex(&b.report_data))
        }
        "mr_aggregated" => ("MR aggregated from the quote", hex(&mr_aggregated(b))),
        "device_id" => ("SHA-256 of the quote header user_data", hex(&Sha256::digest(q.header().user_data))),
        "compose_hash" => ("measured compose-hash", hex(m?.compose_hash.as_ref()?)),
        "app_id" => ("measured app-id", hex(m?.app_id.as_ref()?)),
        "instance_id" => ("measured instance-id", hex(m?.instance_id.as_ref()?)),
        "os_image_hash" => ("measured os-image-hash", hex(m?.os_image_hash.as_ref()?)),
        "key_provider_info" => {
            let kp = m?.key_provider.as_ref()?;
            let v: serde_json::Value = serde_json::from_str(&claim.value).ok()?;
            let same = v.get("name").and_then(|n| n.as_str()) == Some(kp.name.as_str())
                && v.get("id").and_then(|n| n.as_str()).unwrap_or_default().eq_ignore_ascii_case(&kp.id);
            let text = normalise(&claim.value);
            return Some((
                "measured key-provider",
                if same { text } else { format!("{{\"name\":\"{}\",\"id\":\"{}\"}}", kp.name, kp.id) },
            ));
        }
        _ => return None,
    })
}

/// mr_aggregated as dstack computes it: SHA-256(mrtd ‖ rtmr0..3 [‖ mr_config_id ‖ mr_owner ‖
/// mr_owner_config when any of those is non-zero]).
fn mr_aggregated(b: &crate::tdx::quote::TdReport) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [&b.mr_td, &b.rtmr0, &b.rtmr1, &b.rtmr2, &b.rtmr3] {
        h.update(part);
    }
    let extra = [&b.mr_config_id, &b.mr_owner, &b.mr_owner_config];
    if extra.iter().any(|p| p.iter().any(|x| *x != 0)) {
        for part in extra {
            h.update(part);
        }
    }
    h.finalize().into()
}

fn normalise(v: &str) -> String {
    let t = v.trim();
    t.strip_prefix("0x").unwrap_or(t).to_ascii_lowercase()
}

fn short(v: &str) -> String {
    if v.len() > 20 {
        format!("{}…", v.get(..16).unwrap_or(v))
    } else {
        v.to_string()
    }
}
