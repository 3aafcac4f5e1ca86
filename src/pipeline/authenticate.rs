//! Stage 2, authenticate: what signatures and measurements establish. DCAP turns the parsed quote
//! into a `VerifiedQuote` (or says why not); the event log replayed against that verified TD
//! report gives `MeasuredRuntimeEvents`; the app-compose is attested when its exact bytes hash
//! to the measured compose-hash; `--workload-repo` is inspected for the commit check 3 pins.
//! Launcher-image signatures are verified here too, by their format modules (`signature::verify_all`),
//! before anything knows which image is the launcher.

use std::path::Path;

use crate::checks::launcher::{AppSettings, AttestedCompose};
use crate::checks::workload::{RepoInspection, WorkloadObservation};
use crate::checks::DcapObservation;
use crate::clock::EvalTime;
use crate::dcap::collateral::parse_collateral;
use crate::dcap::roots::TrustAnchor;
use crate::dcap::verify::{verify_dcap, verify_quote, DcapError, DcapOutcome};
use crate::evidence::Origin;
use crate::measured::{MeasuredRuntimeEvents, Unmeasured};
use crate::signature::{verify_all, ImageSignatures, SignatureInputs, SignatureTrust};
use crate::tdx::rtmr::Replay;
use crate::workload::repo::inspect;

use super::parse::Observed;
use super::settings::Prepared;

/// What DCAP and the replay established about one piece of evidence.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub dcap: DcapObservation,
    /// The log replayed against the verified TD report (`None`: no log, or no verified quote).
    pub replay: Option<Replay>,
    /// The runtime events as measurements; else why not.
    pub runtime: Result<MeasuredRuntimeEvents, Unmeasured>,
    /// Every launcher-image signature given, verified or rejected with the reason.
    pub signatures: ImageSignatures,
}

impl Authenticated {
    /// The replay the checks may judge: the authenticated one, else the parsed one (whose quote
    /// values check 1 does not read; only the log's own consistency).
    pub fn replay_for_checks<'a>(&'a self, o: &'a Observed) -> Option<&'a Replay> {
        self.replay.as_ref().or(o.replay.as_ref())
    }
}

/// Runs DCAP on the parsed quote, then replays the log against the verified TD report.
pub(crate) fn authenticate(o: &Observed, prepared: &Prepared, at: EvalTime) -> Authenticated {
    let dcap = authenticate_quote(o, &prepared.anchor, prepared.collateral.clone(), at);
    let (replay, runtime) = match (&dcap.outcome.quote, &o.event_log) {
        (_, None) => (None, Err(Unmeasured::NoEventLog)),
        (Err(_), Some(_)) => (None, Err(Unmeasured::QuoteNotAuthenticated)),
        (Ok(vq), Some((log, _))) => {
            let a = MeasuredRuntimeEvents::measure(vq, log);
            (Some(a.replay), a.runtime.map_err(Unmeasured::Replay))
        }
    };
    let signatures =
        verify_all(&SignatureInputs { bundles: &prepared.bundles }, &SignatureTrust { sigstore: &prepared.roots }, at);
    Authenticated { dcap, replay, runtime, signatures }
}

/// Runs DCAP on the parsed quote: the collateral is `collateral` (a `--collateral` file's JSON)
/// or else the one embedded in the attestation.
pub(crate) fn authenticate_quote(
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
pub(crate) fn attested_compose(o: &Observed, a: &Authenticated) -> AttestedCompose {
    use AttestedCompose::{NotAttested, Unreadable};
    if a.dcap.outcome.quote.is_err() {
        return NotAttested("the quote's signature chain does not verify".into());
    }
    let Some((compose, origin)) = &o.app_compose else {
        return NotAttested("the evidence has no app-compose document".into());
    };
    let measured = a.runtime.as_ref().ok().and_then(|r| r.measurements().compose_hash.clone());
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
            let app = compose.summary().map(|s| app_settings(s, compose.text())).unwrap_or_default();
            AttestedCompose::attested(file, format!("{origin} docker_compose_file"), app)
        }
    }
}

/// The attested app-compose settings check 3 needs, scripts as text when they are strings.
fn app_settings(s: &crate::compose::app_compose::ComposeSummary, text: &str) -> AppSettings {
    let json = serde_json::from_str::<serde_json::Value>(text).ok();
    let pre_launch_script_text =
        json.as_ref().and_then(|v| v.get("pre_launch_script")).and_then(|v| v.as_str()).map(str::to_string);
    let init_script_texts = json.as_ref().and_then(|v| v.get("init_script")).and_then(|v| match v {
        serde_json::Value::String(t) => Some(vec![t.clone()]),
        serde_json::Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        _ => None,
    });
    AppSettings {
        allowed_envs: s.allowed_envs.clone(),
        pre_launch_script: s.has_pre_launch_script,
        init_script: s.has_init_script,
        runner: s.runner.clone(),
        pre_launch_script_text,
        init_script_texts,
    }
}

/// `--workload-repo`: the local clone inspected (offline, git plumbing) for the commit and entry
/// script that check 3 found pinned; `None` when nothing is pinned or no clone was given.
pub(crate) fn inspect_workload_repo(dir: Option<&Path>, pin: &WorkloadObservation) -> Option<RepoInspection> {
    let (dir, config) = (dir?, pin.pinned.as_ref()?);
    let (commit, script) = RepoInspection::wanted(config);
    let facts = inspect(dir, &commit, script.as_deref());
    Some(RepoInspection { commit, script, facts })
}
