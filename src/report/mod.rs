//! The verification report as plain data, and its renderings.
//!
//! `Report` is what `verify` produces; `json.rs`, `table.rs` and `markdown.rs` only render it.
//! The JSON form is the versioned schema `dstack-audit/report/v1` (docs/report-schema.md).
//! A check's status is derived from its findings, so it can never say more than they do.

pub mod doc;
pub mod human;
pub mod json;
pub mod markdown;
pub mod table;

use serde::Serialize;

use crate::evidence::Claim;

/// The vocabulary of findings lives below every layer that reports one (`crate::finding_code`).
pub use crate::finding_code::{FindingCode, Outcome, Severity};

pub const SCHEMA: &str = "dstack-audit/report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    Attestation,
    Launcher,
    Workload,
}

impl CheckId {
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Attestation => "Attestation",
            CheckId::Launcher => "Launcher provenance",
            CheckId::Workload => "Workload pin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    NotChecked,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotChecked => "NOT CHECKED",
        }
    }
}

/// One observation, with a stable kebab-case code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub outcome: Outcome,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Finding {
    fn new(code: FindingCode, outcome: Outcome, severity: Severity, message: String) -> Self {
        Finding { code, severity, outcome, message, expected: None, actual: None }
    }

    pub fn pass(code: FindingCode, message: impl Into<String>) -> Self {
        Self::new(code, Outcome::Pass, Severity::Info, message.into())
    }

    pub fn fail(code: FindingCode, message: impl Into<String>) -> Self {
        Self::new(code, Outcome::Fail, Severity::Error, message.into())
    }

    pub fn not_checked(code: FindingCode, message: impl Into<String>) -> Self {
        Self::new(code, Outcome::NotChecked, Severity::Warning, message.into())
    }

    pub fn note(code: FindingCode, message: impl Into<String>) -> Self {
        Self::new(code, Outcome::Note, Severity::Info, message.into())
    }

    pub fn warn(code: FindingCode, message: impl Into<String>) -> Self {
        Self::new(code, Outcome::Note, Severity::Warning, message.into())
    }

    pub fn expected(mut self, v: impl Into<String>) -> Self {
        self.expected = Some(v.into());
        self
    }

    pub fn actual(mut self, v: impl Into<String>) -> Self {
        self.actual = Some(v.into());
        self
    }
}

/// The result of one of the three checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: Status,
    /// One line for people: what a pass established, or why it failed or was not checked.
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl CheckResult {
    /// Derives the status: any failure fails; else anything not checked, or nothing passed at
    /// all, is not-checked; else pass. A check without evidence can never pass.
    pub fn from_findings(id: CheckId, findings: Vec<Finding>) -> Self {
        let any = |o: Outcome| findings.iter().any(|f| f.outcome == o);
        let status = if any(Outcome::Fail) {
            Status::Fail
        } else if any(Outcome::NotChecked) || !any(Outcome::Pass) {
            Status::NotChecked
        } else {
            Status::Pass
        };
        let summary = Self::headline_of(status, &findings).map(Self::summarise).unwrap_or_default();
        CheckResult { id, status, summary, findings }
    }

    /// A failure's message with what was expected and found, when both are short enough for one
    /// line of a summary; other findings' messages as they are.
    fn summarise(f: &Finding) -> String {
        const MAX_VALUE: usize = 100;
        match (f.outcome, &f.expected, &f.actual) {
            (Outcome::Fail, Some(e), Some(a)) if e.len() <= MAX_VALUE && a.len() <= MAX_VALUE => {
                format!("{} (expected {e}, found {a})", f.message)
            }
            _ => f.message.clone(),
        }
    }

    /// Replaces the summary of a passing check (the checks know what their pass established).
    pub fn with_pass_summary(mut self, summary: impl Into<String>) -> Self {
        if self.status == Status::Pass {
            self.summary = summary.into();
        }
        self
    }

    /// The finding that best explains the status, for one-line summaries.
    pub fn headline(&self) -> Option<&Finding> {
        Self::headline_of(self.status, &self.findings)
    }

    fn headline_of(status: Status, findings: &[Finding]) -> Option<&Finding> {
        let want = match status {
            Status::Fail => Outcome::Fail,
            Status::NotChecked => Outcome::NotChecked,
            Status::Pass => Outcome::Pass,
        };
        findings.iter().find(|f| f.outcome == want)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    Incomplete,
}

impl Verdict {
    pub fn of(checks: &[CheckResult]) -> Verdict {
        if checks.iter().any(|c| c.status == Status::Fail) {
            Verdict::Fail
        } else if checks.is_empty() || checks.iter().any(|c| c.status != Status::Pass) {
            Verdict::Incomplete
        } else {
            Verdict::Pass
        }
    }

    /// The process exit code: 0 pass, 1 fail, 3 incomplete (2 is "cannot evaluate").
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Incomplete => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Incomplete => "INCOMPLETE",
        }
    }
}

/// Measured or verified values only; absent when unknown. The quote's values (`mr_td`, `rtmr*`,
/// `report_data`) are the parsed ones when `quote_authenticated` is false.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// True when DCAP verified the quote, so that its values below are authenticated.
    pub quote_authenticated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mr_td: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtmr0: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtmr1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtmr2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtmr3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compose_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcb_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launcher_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_commit: Option<String>,
    /// Where check 1's MRTD and RTMR0–2 expectations came from: `reference-file` (the reference
    /// file of `inputs[]`); a computed measurement later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tdx_expectations: Option<String>,
}

impl Facts {
    /// The known facts as (name, value) in report order, for human renderings.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let text = [
            ("mr_td", &self.mr_td),
            ("rtmr0", &self.rtmr0),
            ("rtmr1", &self.rtmr1),
            ("rtmr2", &self.rtmr2),
            ("rtmr3", &self.rtmr3),
            ("compose_hash", &self.compose_hash),
            ("app_id", &self.app_id),
            ("instance_id", &self.instance_id),
            ("os_image_hash", &self.os_image_hash),
            ("key_provider", &self.key_provider),
            ("report_data", &self.report_data),
            ("tcb_status", &self.tcb_status),
            ("launcher_image", &self.launcher_image),
            ("workload_commit", &self.workload_commit),
            ("tdx_expectations", &self.tdx_expectations),
        ];
        let mut out: Vec<(&'static str, String)> = Vec::new();
        if !self.quote_authenticated {
            out.push((
                "quote_authenticated",
                "NO: mr_td, rtmr0–3 and report_data are the parsed values, not authenticated".into(),
            ));
        }
        out.extend(text.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v.clone()))));
        if let Some(ids) = &self.advisory_ids {
            out.push(("advisory_ids", if ids.is_empty() { "none".into() } else { ids.join(", ") }));
        }
        out
    }
}

/// An input file and its SHA-256, so a report can be tied to exactly what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputRecord {
    pub role: &'static str,
    pub path: String,
    pub sha256: String,
    pub bytes: usize,
}

/// An unmeasured claim and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimRecord {
    #[serde(flatten)]
    pub claim: Claim,
    /// `consistent`, `contradicts` or `not-measured`.
    pub status: &'static str,
}

/// A trust anchor the evaluation relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustRoot {
    pub kind: &'static str,
    pub name: String,
    pub sha256: String,
    /// True for roots that are not the pinned production ones (test roots).
    pub untrusted_test_root: bool,
}

/// What DCAP verification established, for auditors (absent parts were not established).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DcapSummary {
    /// Certificate subjects of the quote's PCK chain, leaf first (when it verified).
    pub pck_chain: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fmspc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pce_id: Option<String>,
    pub revocation_checked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collateral_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collateral_valid_from: Option<String>,
    /// The earliest expiry of anything the verdict relies on (collateral, CRLs, certificates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collateral_valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcb_evaluation_data_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcb: Option<TcbSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcbSummary {
    pub status: String,
    pub advisory_ids: Vec<String>,
    pub platform_status: String,
    pub sgx_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<String>,
    pub module_identity: String,
    pub qe_status: String,
    pub tcb_date: String,
    pub relaunch_advised: bool,
}

/// The whole verification report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: ToolInfo,
    pub verdict: Verdict,
    pub evaluated_at: String,
    pub checks: Vec<CheckResult>,
    pub facts: Facts,
    pub claims: Vec<ClaimRecord>,
    pub inputs: Vec<InputRecord>,
    pub evidence_shape: String,
    pub trust_roots: Vec<TrustRoot>,
    pub dcap: DcapSummary,
    /// The launcher's verified build provenance, when check 2 accepted a bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceSummary>,
    pub notes: Vec<String>,
}

/// The facts an auditor wants from the accepted provenance bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvenanceSummary {
    pub bundle: String,
    pub trusted_root: String,
    pub log: String,
    pub signing_time: String,
    pub issuer: Option<String>,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub source_ref: Option<String>,
    pub source_commit: Option<String>,
    pub run_url: Option<String>,
    pub runner: Option<String>,
    pub predicate_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(findings: Vec<Finding>) -> CheckResult {
        CheckResult::from_findings(CheckId::Attestation, findings)
    }

    #[test]
    fn status_comes_from_findings_and_absent_evidence_never_passes() {
        assert_eq!(check(vec![]).status, Status::NotChecked);
        assert_eq!(check(vec![Finding::note(FindingCode::MrtdAllowed, "")]).status, Status::NotChecked);
        assert_eq!(check(vec![Finding::pass(FindingCode::MrtdAllowed, "")]).status, Status::Pass);
        assert_eq!(
            check(vec![
                Finding::pass(FindingCode::MrtdAllowed, ""),
                Finding::not_checked(FindingCode::MrtdAllowed, "")
            ])
            .status,
            Status::NotChecked
        );
        assert_eq!(
            check(vec![
                Finding::pass(FindingCode::MrtdAllowed, ""),
                Finding::not_checked(FindingCode::MrtdAllowed, ""),
                Finding::fail(FindingCode::MrtdAllowed, "")
            ])
            .status,
            Status::Fail
        );
    }

    #[test]
    fn verdict_and_exit_codes() {
        let pass = check(vec![Finding::pass(FindingCode::MrtdAllowed, "")]);
        let fail = check(vec![Finding::fail(FindingCode::MrtdAllowed, "")]);
        let nc = check(vec![Finding::not_checked(FindingCode::MrtdAllowed, "")]);
        assert_eq!(Verdict::of(&[pass.clone(), pass.clone(), pass.clone()]).exit_code(), 0);
        assert_eq!(Verdict::of(&[pass.clone(), fail.clone(), nc.clone()]).exit_code(), 1);
        assert_eq!(Verdict::of(&[pass.clone(), nc.clone(), pass.clone()]).exit_code(), 3);
        assert_eq!(Verdict::of(&[]), Verdict::Incomplete);
    }
}
