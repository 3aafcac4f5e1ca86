//! Stage 4, appraise: the three checks on what the earlier stages established, against the
//! expectations the pipeline chose. Check 2 judges the image signatures the authenticate stage
//! verified.

use crate::checks::launcher::{self, AttestedCompose, LauncherObservation};
use crate::checks::workload::{self, RepoInspection, WorkloadInputs, WorkloadObservation};
use crate::checks::{attestation, claims, Established, ExpectationSource, TdxExpectations, TdxValues};
use crate::reference::Reference;
use crate::report::{CheckResult, ClaimRecord};

use super::authenticate::Authenticated;
use super::parse::Observed;

/// The three check results and what checks 2 and 3 observed.
pub struct Appraisal {
    pub checks: Vec<CheckResult>,
    pub claims: Vec<ClaimRecord>,
    pub launcher: LauncherObservation,
    pub workload: WorkloadObservation,
}

/// Check 1's MRTD and RTMR0–2 expectations, from the reference file's `tdx` section. (A
/// measurement computed from the dstack OS image is the next source.)
pub fn tdx_expectations(reference: &Reference) -> TdxExpectations {
    TdxExpectations {
        source: ExpectationSource::ReferenceFile(reference.source.clone()),
        values: reference.tdx.as_ref().map(|t| TdxValues {
            mrtd: t.mrtd.clone(),
            rtmr0: t.rtmr0.clone(),
            rtmr1: t.rtmr1.clone(),
            rtmr2: t.rtmr2.clone(),
        }),
    }
}

/// What check 1 may look at: verified types, and parsed evidence that holds no quote value.
pub(crate) fn established<'a>(o: &'a Observed, a: &'a Authenticated, tdx: &'a TdxExpectations) -> Established<'a> {
    Established {
        dcap: &a.dcap,
        event_log: o.event_log.as_ref(),
        replay: a.replay_for_checks(o),
        runtime: &a.runtime,
        app_compose: o.app_compose.as_ref(),
        claims: &o.claims,
        ratls: o.ratls.as_ref(),
        lite_boot_log: o.lite_boot_log,
        duplicates: &o.duplicates,
        tdx,
        mr_config_document: o.mr_config_document.as_ref(),
    }
}

/// Check 3 alone, for the commit it pins (what `--workload-repo` is inspected for) and for
/// `reference init`.
pub(crate) fn workload_pin(compose: &AttestedCompose, reference: &Reference) -> (CheckResult, WorkloadObservation) {
    workload::check(compose, reference, WorkloadInputs::default())
}

/// Runs the three checks.
pub(crate) fn appraise(
    o: &Observed,
    a: &Authenticated,
    compose: &AttestedCompose,
    reference: &Reference,
    repo: Option<&RepoInspection>,
) -> Appraisal {
    let tdx = tdx_expectations(reference);
    let e = established(o, a, &tdx);
    let (claim_records, claim_findings) = claims::appraise(&e);
    let attestation = attestation::check(&e, reference, claim_findings);
    let (launcher, launcher_obs) = launcher::check(compose, reference, &a.signatures);
    let (workload, workload_obs) = workload::check(compose, reference, WorkloadInputs { repo });
    Appraisal {
        checks: vec![attestation, launcher, workload],
        claims: claim_records,
        launcher: launcher_obs,
        workload: workload_obs,
    }
}
