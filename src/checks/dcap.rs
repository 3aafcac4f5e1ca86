//! Appraisal of the DCAP outcome (SPEC §1 check 1.2–1.3): turns the verified quote, collateral and
//! TCB evaluation into findings, and applies the TCB policy of the reference (`tcb`: allowed
//! statuses, default `UpToDate` only; allowed advisories, default none).

use crate::clock::EvalTime;
use crate::dcap::roots::RootKind;
use crate::dcap::tcb::TcbEvaluation;
use crate::dcap::tcb_info::TcbStatus;
use crate::dcap::verify::DcapOutcome;
use crate::evidence::Origin;
use crate::finding_code::FindingCode;
use crate::reference::TcbPolicy;
use crate::report::Finding;

/// What the DCAP layer was given and produced, for the appraisal and the report.
#[derive(Debug, Clone)]
pub struct DcapObservation {
    pub outcome: DcapOutcome,
    pub root_kind: RootKind,
    pub root_subject: String,
    pub root_sha256: [u8; 32],
    /// Where the collateral came from (`None`: no collateral).
    pub collateral_origin: Option<Origin>,
    pub at: EvalTime,
}

pub(crate) fn appraise(d: &DcapObservation, policy: &TcbPolicy, f: &mut Vec<Finding>) {
    if let RootKind::UntrustedTest { source } = &d.root_kind {
        f.push(Finding::warn(
            FindingCode::UntrustedTestRoot,
            format!(
                "the quote was checked against an UNTRUSTED TEST ROOT ({source}, {}), not Intel's SGX Root CA: \
                 this proves nothing about real hardware",
                d.root_subject
            ),
        ));
    }
    match &d.outcome.quote {
        Ok(vq) => {
            f.push(
                Finding::pass(
                    FindingCode::QuoteSignatureChainValid,
                    format!(
                        "genuine quote: signed by its attestation key, bound to a QE report signed by the PCK \
                         certificate, whose chain verifies to {} at {}{}",
                        d.root_subject,
                        d.at,
                        match (&d.outcome.collateral, vq.revocation_checked()) {
                            (_, true) => ", not revoked",
                            (None, false) => " (revocation not checked: no collateral)",
                            (Some(Ok(vc)), false) if !vc.has_crls() => {
                                " (revocation not checked: the collateral has no CRLs)"
                            }
                            (Some(_), false) => " (revocation not checked: the collateral did not verify)",
                        }
                    ),
                )
                .actual(format!(
                    "FMSPC {} PCE-ID {}",
                    hex::encode_upper(vq.pck().fmspc),
                    hex::encode_upper(vq.pck().pce_id)
                )),
            );
        }
        Err(e) => f.push(Finding::fail(e.code(), e.to_string())),
    }
    collateral(d, f);
    match &d.outcome.tcb {
        None => {}
        Some(Err(e)) => f.push(Finding::fail(e.code(), e.to_string())),
        Some(Ok(t)) => tcb_policy(t, policy, f),
    }
}

/// The collateral's findings: absent, unusable, or verified (and whether it had CRLs).
fn collateral(d: &DcapObservation, f: &mut Vec<Finding>) {
    match &d.outcome.collateral {
        None => f.push(Finding::not_checked(
            FindingCode::TcbStatusNotChecked,
            "no collateral (give --collateral FILE, or an attestation that embeds it): the TCB status and PCK \
             revocation are not evaluated",
        )),
        Some(Err(e)) => {
            let from = d.collateral_origin.as_ref().map(|o| format!(" from {o}")).unwrap_or_default();
            f.push(Finding::fail(e.code(), format!("collateral{from}: {e}")))
        }
        Some(Ok(vc)) => {
            let origin = d.collateral_origin.as_ref().map(|o| o.to_string()).unwrap_or_default();
            let what = if vc.has_crls() { "CRLs, TCB Info and QE Identity" } else { "TCB Info and QE Identity" };
            f.push(
                Finding::pass(
                    FindingCode::CollateralValid,
                    format!("collateral from {origin}: {what} are signed under the root and valid at {}", d.at),
                )
                .actual(format!("valid {} to {}", vc.window().0, vc.window().1)),
            );
            if !vc.has_crls() {
                f.push(Finding::not_checked(
                    FindingCode::RevocationNotChecked,
                    format!(
                        "the collateral from {origin} has no PCK CRL and no root CA CRL: revocation cannot be checked, \
                         so a revoked PCK certificate, PCK CA or TCB Signing certificate would go unnoticed \
                         (dcap-qvl 0.1.5–0.2.x wrote collateral without CRLs); give collateral that carries them, \
                         e.g. from `dstack-audit fetch collateral` or dcap-qvl 0.3 and later"
                    ),
                ));
            }
            if vc.ignored_pck_chain() {
                f.push(Finding::note(
                    FindingCode::CollateralPckChainIgnored,
                    "the collateral carries a PCK certificate chain of its own; the chain in the quote is the one verified",
                ));
            }
        }
    }
}

fn tcb_policy(t: &TcbEvaluation, policy: &TcbPolicy, f: &mut Vec<Finding>) {
    let status = t.status.as_str();
    let source = if policy.default { "the default TCB policy" } else { "`tcb.allowed_statuses`" };
    let detail = format!(
        "platform {}, TDX module {} ({}), QE {}; TCB date {}",
        t.platform_status.as_str(),
        t.module_status.map(|s| s.as_str()).unwrap_or("n/a"),
        t.module_identity,
        t.qe_status.as_str(),
        t.tcb_date
    );
    if t.status == TcbStatus::Revoked {
        // Whatever the policy says: the reference parser refuses `Revoked`, and this holds even
        // for a policy built some other way (decision 38).
        f.push(
            Finding::fail(
                FindingCode::TcbStatusRevoked,
                format!(
                    "TCB status Revoked: Intel has revoked this TCB level (it is compromised), so the quote proves \
                     nothing and no policy can accept it; {detail}"
                ),
            )
            .expected(policy.describe_statuses())
            .actual(status),
        );
    } else if policy.allowed_statuses.contains(&t.status) {
        f.push(
            Finding::pass(
                FindingCode::TcbStatusAllowed,
                format!("TCB status {status} is allowed by {source}; {detail}"),
            )
            .actual(status),
        );
    } else {
        f.push(
            Finding::fail(
                FindingCode::TcbStatusNotAllowed,
                format!("TCB status {status} is not allowed by {source}; {detail}"),
            )
            .expected(policy.describe_statuses())
            .actual(status),
        );
    }
    let refused: Vec<&str> =
        t.advisory_ids.iter().filter(|a| !policy.allowed_advisories.contains(a)).map(String::as_str).collect();
    if !refused.is_empty() {
        f.push(
            Finding::fail(
                FindingCode::TcbAdvisoryNotAllowed,
                format!(
                    "the platform is affected by advisories that `tcb.allowed_advisories` does not accept: {}",
                    refused.join(", ")
                ),
            )
            .expected(if policy.allowed_advisories.is_empty() {
                "none".into()
            } else {
                policy.allowed_advisories.join(", ")
            })
            .actual(t.advisory_ids.join(", ")),
        );
    }
    if t.relaunch_advised {
        f.push(Finding::warn(
            FindingCode::TdRelaunchAdvised,
            "a TD-preserving module update raised the TCB: relaunching the TD would bring it up to date",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(status: TcbStatus) -> TcbEvaluation {
        TcbEvaluation {
            status,
            advisory_ids: Vec::new(),
            platform_status: status,
            sgx_status: status,
            module_status: None,
            module_identity: "tdxModule".into(),
            qe_status: TcbStatus::UpToDate,
            tcb_date: "2024-03-13T00:00:00Z".into(),
            module_tcb_date: None,
            qe_tcb_date: "2024-03-13T00:00:00Z".into(),
            relaunch_advised: false,
        }
    }

    fn codes(status: TcbStatus, policy: &TcbPolicy) -> Vec<(FindingCode, crate::report::Outcome)> {
        let mut f = Vec::new();
        tcb_policy(&evaluation(status), policy, &mut f);
        f.iter().map(|x| (x.code, x.outcome)).collect()
    }

    /// The reference parser refuses `Revoked`; a policy that lists it anyway (built in code)
    /// still cannot accept it.
    #[test]
    fn revoked_fails_whatever_the_policy_lists() {
        use crate::report::Outcome;
        let everything =
            TcbPolicy { allowed_statuses: TcbStatus::ALL.to_vec(), allowed_advisories: Vec::new(), default: false };
        assert_eq!(codes(TcbStatus::Revoked, &everything), [(FindingCode::TcbStatusRevoked, Outcome::Fail)]);
        assert_eq!(codes(TcbStatus::Revoked, &TcbPolicy::default()), [(FindingCode::TcbStatusRevoked, Outcome::Fail)]);
        assert_eq!(codes(TcbStatus::OutOfDate, &everything), [(FindingCode::TcbStatusAllowed, Outcome::Pass)]);
        assert_eq!(
            codes(TcbStatus::OutOfDate, &TcbPolicy::default()),
            [(FindingCode::TcbStatusNotAllowed, Outcome::Fail)]
        );
        assert_eq!(codes(TcbStatus::UpToDate, &TcbPolicy::default()), [(FindingCode::TcbStatusAllowed, Outcome::Pass)]);
    }
}
