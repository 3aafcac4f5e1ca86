//! The three checks: verified facts compared with expectations → `CheckResult`s.
//!
//! `observe` turns canonical evidence into what the checks may look at: the parsed quote, the
//! RTMR replay, and runtime events only in their `MeasuredRuntimeEvents` form. The checks
//! themselves do no parsing and no hashing beyond comparing values.

pub mod attestation;
pub mod claims;
pub mod dcap;
pub mod launcher;
pub mod mr_config_id;
pub mod td_policy;
pub mod workload;

use crate::clock::EvalTime;
use crate::compose::app_compose::AppCompose;
use crate::dcap::collateral::parse_collateral;
use crate::dcap::roots::TrustAnchor;
use crate::dcap::verify::{verify_dcap, verify_quote, DcapError, DcapOutcome};
use crate::error::Error;
use crate::evidence::{Claim, Evidence, Origin, RaTlsOrigin, Shape};
use crate::reference::Reference;
use crate::report::{CheckResult, ClaimRecord, Facts};
use crate::tdx::event_log::EventLog;
use crate::tdx::quote::{parse_quote, Quote};
use crate::tdx::rtmr::{replay, Replay};
use crate::tdx::runtime_events::{MeasuredRuntimeEvents, NotMeasured};

pub use dcap::DcapObservation;

/// Everything the checks may look at, derived from the evidence.
#[derive(Debug, Clone)]
pub struct Observed {
    pub shape: Shape,
    pub quote: Quote,
    pub quote_origin: Origin,
    pub event_log: Option<(EventLog, Origin)>,
    pub replay: Option<Replay>,
    /// The runtime events, if RTMR3 proves them; else why not.
    pub runtime: Result<MeasuredRuntimeEvents, Unmeasured>,
    pub app_compose: Option<(AppCompose, Origin)>,
    pub claims: Vec<Claim>,
    pub ratls: Option<RaTlsOrigin>,
    /// The evidence says its boot log is the "lite" form (RTMR0–2 events left out on purpose).
    pub lite_boot_log: bool,
    /// Collateral found inside the attestation (NEAR's `public_data` embeds it).
    pub collateral: Option<(serde_json::Value, Origin)>,
    pub notes: Vec<String>,
    /// Values the input carries twice, compared (appraised in `claims.rs`).
    pub duplicates: Vec<crate::evidence::duplicates::Duplicate>,
}

/// Why runtime events are not available as measured values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmeasured {
    NoEventLog,
    Replay(NotMeasured),
}

/// Parses the quote and replays the log.
pub fn observe(evidence: Evidence) -> Result<Observed, Error> {
    let quote = parse_quote(&evidence.quote).map_err(|e| {
        let field = evidence.quote_origin.field.clone();
        let e = if field.is_empty() { e } else { e.within(&field) };
        e.in_input(&evidence.quote_origin.input)
    })?;
    let replay = evidence.event_log.as_ref().map(|(log, _)| replay(log, &quote.body));
    let runtime = match (&evidence.event_log, &replay) {
        (Some((log, _)), Some(r)) => MeasuredRuntimeEvents::from_replay(log, r).map_err(Unmeasured::Replay),
        _ => Err(Unmeasured::NoEventLog),
    };
    Ok(Observed {
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

/// The three check results, the facts and the claim records.
pub struct Outcome {
    pub checks: Vec<CheckResult>,
    pub facts: Facts,
    pub claims: Vec<ClaimRecord>,
    /// The launcher-image signature check 2 accepted.
    pub provenance: Option<crate::signature::VerifiedImageSignature>,
}

/// Runs DCAP on the observed quote: the collateral is `collateral` (a `--collateral` file's JSON)
/// or else the one embedded in the attestation.
pub fn authenticate(
    o: &Observed,
    anchor: &TrustAnchor,
    collateral: Option<(serde_json::Value, Origin)>,
    at: EvalTime,
) -> DcapObservation {
    let source = collateral.or_else(|| o.collateral.clone());
    let now = at.unix_time();
    let outcome = match &source {
        None => verify_dcap(&o.quote, None, anchor, now),
        Some((value, _)) => match parse_collateral(value) {
            Ok(c) => verify_dcap(&o.quote, Some(&c), anchor, now),
            Err(problem) => DcapOutcome {
                collateral: Some(Err(DcapError::Collateral { field: "collateral", problem })),
                quote: verify_quote(&o.quote, anchor, now, None),
                tcb: None,
            },
        },
    };
    DcapObservation {
        outcome,
        root_kind: anchor.kind.clone(),
        root_subject: anchor.cert.subject_cn().unwrap_or_else(|| anchor.cert.subject()),
        root_sha256: anchor.sha256(),
        collateral_origin: source.map(|(_, origin)| origin),
        at,
    }
}

/// The compose file, if the attestation proves it: the quote is genuine and the exact
/// app-compose bytes hash to the compose-hash measured in RTMR3.
pub fn attested_compose(o: &Observed, dcap: &DcapObservation) -> launcher::AttestedCompose {
    use launcher::AttestedCompose::{Attested, NotAttested, Unreadable};
    if dcap.outcome.quote.is_err() {
        return NotAttested("the quote's signature chain does not verify".into());
    }
    let Some((compose, origin)) = &o.app_compose else {
        return NotAttested("the evidence has no app-compose document".into());
    };
    let measured = o.runtime.as_ref().ok().and_then(|r| r.measurements().compose_hash.clone());
    if measured.as_deref() != Some(compose.compose_hash().as_slice()) {
        return NotAttested("its SHA-256 is not the measured compose-hash".into());
    }
    if let Some(d) = compose.duplicate_key() {
        return Unreadable(format!("{origin} has no single meaning: {d}"));
    }
    match compose.docker_compose_file().map(crate::compose::docker_compose::parse_compose) {
        None => Unreadable(format!("{origin} has no docker_compose_file")),
        Some(Err(e)) => Unreadable(e.under("docker_compose_file").to_string()),
        Some(Ok(file)) => {
            let json = serde_json::from_str::<serde_json::Value>(compose.text()).ok();
            let pre_launch_script_text =
                json.as_ref().and_then(|v| v.get("pre_launch_script")).and_then(|v| v.as_str()).map(str::to_string);
            let init_script_texts = json.as_ref().and_then(|v| v.get("init_script")).and_then(|v| match v {
                serde_json::Value::String(t) => Some(vec![t.clone()]),
                serde_json::Value::Array(items) => {
                    items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()
                }
                _ => None,
            });
            let app = compose
                .summary()
                .map(|s| launcher::AppSettings {
                    allowed_envs: s.allowed_envs.clone(),
                    pre_launch_script: s.has_pre_launch_script,
                    init_script: s.has_init_script,
                    runner: s.runner.clone(),
                    pre_launch_script_text,
                    init_script_texts,
                })
                .unwrap_or_default();
            Attested { compose: file, source: format!("{origin} docker_compose_file"), app }
        }
    }
}

/// Runs the three checks.
pub fn run(
    observed: &Observed,
    dcap: &DcapObservation,
    reference: &Reference,
    signatures: &crate::signature::ImageSignatures,
    workload_inputs: workload::WorkloadInputs,
) -> Outcome {
    let (claim_records, claim_findings) = claims::appraise(observed);
    let attestation = attestation::check(observed, dcap, reference, claim_findings);
    let compose = attested_compose(observed, dcap);
    let (launcher, launcher_obs) = launcher::check(&compose, reference, signatures);
    let (workload, workload_obs) = workload::check(&compose, reference, workload_inputs);
    let mut facts = facts(observed);
    if let Some(Ok(t)) = &dcap.outcome.tcb {
        facts.tcb_status = Some(t.status.as_str().to_string());
        facts.advisory_ids = Some(t.advisory_ids.clone());
    }
    if let launcher::AttestedCompose::Attested { .. } = &compose {
        facts.launcher_image = launcher_obs.image.as_ref().and_then(|i| i.pinned_reference());
    }
    facts.workload_commit = workload_obs.commit().map(str::to_string);
    Outcome {
        checks: vec![attestation, launcher, workload],
        facts,
        claims: claim_records,
        provenance: launcher_obs.accepted,
    }
}

fn facts(o: &Observed) -> Facts {
    let b = &o.quote.body;
    let hex = |v: &[u8]| Some(hex::encode(v));
    let mut f = Facts {
        mr_td: hex(&b.mr_td),
        rtmr0: hex(&b.rtmr0),
        rtmr1: hex(&b.rtmr1),
        rtmr2: hex(&b.rtmr2),
        rtmr3: hex(&b.rtmr3),
        report_data: hex(&b.report_data),
        ..Facts::default()
    };
    if let Ok(rt) = &o.runtime {
        let m = rt.measurements();
        f.compose_hash = m.compose_hash.as_deref().map(hex::encode);
        f.app_id = m.app_id.as_deref().map(hex::encode);
        f.instance_id = m.instance_id.as_deref().filter(|v| !v.is_empty()).map(hex::encode);
        f.os_image_hash = m.os_image_hash.as_deref().map(hex::encode);
        f.key_provider = m.key_provider.as_ref().map(|k| format!("{} {}", k.name, k.id).trim().to_string());
    }
    f
}
