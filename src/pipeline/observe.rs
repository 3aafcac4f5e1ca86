//! Stage 3, observe: the facts the report shows, and the views `inspect` and `reference init`
//! need, from what the earlier stages established. Quote values are shown from the verified
//! quote; when DCAP did not authenticate it, the parsed values are shown and `quote_authenticated`
//! says so. Runtime-event values are shown only when measured.

use crate::attested::Effective;
use crate::checks::launcher::{AttestedCompose, LauncherObservation};
use crate::checks::workload::{self, WorkloadObservation};
use crate::checks::ExpectationSource;
use crate::compose::docker_compose::{ComposeFile, ImageRef};
use crate::reference::Reference;
use crate::report::Facts;

use super::authenticate::Authenticated;
use super::parse::Observed;

pub use crate::views::LauncherConfigView;

/// The report's facts.
pub fn facts(
    o: &Observed,
    a: &Authenticated,
    compose: &AttestedCompose,
    launcher: &LauncherObservation,
    workload: &WorkloadObservation,
    tdx_source: Option<String>,
) -> Facts {
    let verified = a.dcap.outcome.quote.as_ref().ok();
    let b = verified.map(|q| q.td_report()).unwrap_or(&o.quote.body);
    let hex = |v: &[u8]| Some(hex::encode(v));
    let mut f = Facts {
        quote_authenticated: verified.is_some(),
        mr_td: hex(&b.mr_td),
        rtmr0: hex(&b.rtmr0),
        rtmr1: hex(&b.rtmr1),
        rtmr2: hex(&b.rtmr2),
        rtmr3: hex(&b.rtmr3),
        report_data: hex(&b.report_data),
        tdx_expectations: tdx_source,
        ..Facts::default()
    };
    if let Ok(rt) = &a.runtime {
        let m = rt.measurements();
        f.compose_hash = m.compose_hash.as_deref().map(hex::encode);
        f.app_id = m.app_id.as_deref().map(hex::encode);
        f.instance_id = m.instance_id.as_deref().filter(|v| !v.is_empty()).map(hex::encode);
        f.os_image_hash = m.os_image_hash.as_deref().map(hex::encode);
        f.key_provider = m.key_provider.as_ref().map(|k| format!("{} {}", k.name, k.id).trim().to_string());
    }
    if let Some(Ok(t)) = &a.dcap.outcome.tcb {
        f.tcb_status = Some(t.status.as_str().to_string());
        f.advisory_ids = Some(t.advisory_ids.clone());
    }
    if let AttestedCompose::Attested { .. } = compose {
        f.launcher_image = launcher.image.as_ref().and_then(|i| i.pinned_reference());
    }
    f.workload_commit = workload.commit().map(str::to_string);
    f
}

/// The `tdx_expectations` fact: the kind of source check 1's MRTD and RTMR0–2 expectations came
/// from, stable kebab-case (the reference file itself is in the report's `inputs`).
pub fn expectation_source_kind(source: &ExpectationSource) -> &'static str {
    match source {
        ExpectationSource::ReferenceFile(_) => "reference-file",
    }
}

/// For `inspect`: the git-launcher config of a compose file, found without a reference.
pub fn launcher_config(compose: &ComposeFile) -> Option<LauncherConfigView> {
    workload::inspect_launcher(&Effective::of(compose))
}

/// For `reference init`: the image of the one git-launcher service of a compose file, if there
/// is exactly one (found without a reference).
pub fn git_launcher_image(compose: &ComposeFile) -> Option<ImageRef> {
    let m = crate::deployment::model::model(&compose.text).unwrap_or_default();
    let launchers = workload::locate::launcher_services(&m, &Reference::none());
    match launchers.as_slice() {
        [one] => one.image.clone(),
        _ => None,
    }
}
