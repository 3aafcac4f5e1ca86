//! Check 3 — workload pin (SPEC §1, check 3). The git-launcher and image-digest rules are not
//! part of this version, so the check is reported as not checked.

use crate::reference::Reference;
use crate::report::{CheckId, CheckResult, Finding};

pub fn check(reference: &Reference) -> CheckResult {
    let mut f = vec![Finding::not_checked(
        "workload-pin-not-supported",
        "the workload pin (git-launcher config or image digests) is not evaluated by this version",
    )];
    if reference.workload.is_some() || reference.images.is_some() {
        f.push(Finding::note(
            "workload-expected",
            "the reference sets workload expectations, which this version does not evaluate",
        ));
    }
    CheckResult::from_findings(CheckId::Workload, f)
}
