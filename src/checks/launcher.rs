//! Check 2 — launcher provenance (SPEC §1, check 2). Sigstore verification is not part of this
//! version, so the check is reported as not checked, with what would be needed.

use crate::reference::Reference;
use crate::report::{CheckId, CheckResult, Finding};

pub fn check(reference: &Reference) -> CheckResult {
    let mut f = vec![Finding::not_checked(
        "launcher-provenance-not-supported",
        "launcher provenance (Sigstore build-provenance bundles) is not verified by this version",
    )];
    if let Some(l) = &reference.launcher {
        f.push(Finding::note("launcher-expected", format!("the reference expects launcher image {}", l.image)));
    }
    CheckResult::from_findings(CheckId::Launcher, f)
}
