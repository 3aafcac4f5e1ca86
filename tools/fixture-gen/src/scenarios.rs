//! The scenario table: for each folder `dcap/<name>/`, what the quote looks like, which PKI and
//! TCB Info sign it, when it is evaluated and what a correct verifier must answer.
//!
//! `status` is the TCB status Intel's QVL algorithm yields (research §2.4); `None` means the
//! verification must fail with `error_code` before any status is reported. `debug-td` has both:
//! the DCAP status is UpToDate and the appraisal must still reject the debuggable TD.

use crate::dates::{self, Date};
use crate::pki::{LeafKind, Root};
use crate::quote::{self, tee_tcb_svn, QeBinding, QuoteSpec};
use crate::tcb::{
    self, TcbInfoVariant, LATE_UCODE_LATEST as LATE, MODULE_MAJOR as MAJOR, MODULE_SVN_CURRENT as MOD, SA_1, SA_2,
    SA_3, SA_4, SA_5, SA_MODULE, SA_QE,
};

pub struct Scenario {
    pub name: &'static str,
    pub what: &'static str,
    pub at: Date,
    pub status: Option<&'static str>,
    pub advisory_ids: &'static [&'static str],
    pub error_code: Option<&'static str>,
    pub quote: QuoteSpec,
    pub leaf: LeafKind,
    pub root: Root,
    pub tcb_info: TcbInfoVariant,
}

pub const UP_TO_DATE_SVN: [u8; 16] = tee_tcb_svn(MOD, MAJOR, LATE);

pub const fn spec(tee: [u8; 16]) -> QuoteSpec {
    QuoteSpec {
        tee_tcb_svn: tee,
        tee_tcb_svn2: None,
        td_attributes: quote::TD_ATTRIBUTES_DEFAULT,
        qe_isv_svn: tcb::QE_SVN_CURRENT,
        qe_binding: QeBinding::Correct,
        tamper_offset: None,
        measured: None,
        report_data: None,
    }
}

/// A scenario with every default: current PCK leaf, test root, standard TCB Info, EVAL_AT.
fn base(name: &'static str, what: &'static str, quote: QuoteSpec) -> Scenario {
    Scenario {
        name,
        what,
        at: dates::EVAL_AT,
        status: Some("UpToDate"),
        advisory_ids: &[],
        error_code: None,
        quote,
        leaf: LeafKind::Current,
        root: Root::Test,
        tcb_info: TcbInfoVariant::Standard,
    }
}

fn status(mut s: Scenario, status: &'static str, advisory_ids: &'static [&'static str]) -> Scenario {
    s.status = Some(status);
    s.advisory_ids = advisory_ids;
    s
}

fn failure(mut s: Scenario, error_code: &'static str) -> Scenario {
    s.status = None;
    s.error_code = Some(error_code);
    s
}

pub fn all() -> Vec<Scenario> {
    vec![
        base("up-to-date", "Everything valid and current: the newest platform level, TDX_01 and TD_QE levels are UpToDate.", spec(UP_TO_DATE_SVN)),
        status(
            base("sw-hardening-needed", "tee_tcb_svn[2] = 6 matches platform level 2 (SWHardeningNeeded); module and QE current.", spec(tee_tcb_svn(MOD, MAJOR, 6))),
            "SWHardeningNeeded",
            &[SA_1],
        ),
        status(
            base("configuration-needed", "tee_tcb_svn[2] = 5 matches platform level 3 (ConfigurationNeeded).", spec(tee_tcb_svn(MOD, MAJOR, 5))),
            "ConfigurationNeeded",
            &[SA_2],
        ),
        status(
            base(
                "configuration-and-sw-hardening-needed",
                "tee_tcb_svn[2] = 4 matches platform level 4 (ConfigurationAndSWHardeningNeeded).",
                spec(tee_tcb_svn(MOD, MAJOR, 4)),
            ),
            "ConfigurationAndSWHardeningNeeded",
            &[SA_1, SA_2],
        ),
        {
            let mut s = status(
                base(
                    "out-of-date",
                    "The PCK leaf has older SGX component SVNs (tier B), so the first level whose SGX and TDX components both match is level 7 (OutOfDate) although the TDX SVNs are current.",
                    spec(UP_TO_DATE_SVN),
                ),
                "OutOfDate",
                &[SA_1, SA_3],
            );
            s.leaf = LeafKind::OldSgx;
            s
        },
        status(
            base(
                "out-of-date-configuration-needed",
                "tee_tcb_svn[2] = 2 matches platform level 6 (OutOfDateConfigurationNeeded).",
                spec(tee_tcb_svn(MOD, MAJOR, 2)),
            ),
            "OutOfDateConfigurationNeeded",
            &[SA_1, SA_2, SA_3, SA_4],
        ),
        status(
            base(
                "revoked-tcb",
                "tee_tcb_svn[2] = 1 is below every tier-A and tier-B level and matches level 8, whose status is Revoked (a status in Intel's QVL, never acceptable).",
                spec(tee_tcb_svn(MOD, MAJOR, 1)),
            ),
            "Revoked",
            &[SA_1, SA_2, SA_3, SA_4, SA_5],
        ),
        status(
            base(
                "module-out-of-date",
                "Platform level 1 is UpToDate but tee_tcb_svn[0] = 2 matches the TDX_01 module level OutOfDate, so the converged status is OutOfDate.",
                spec(tee_tcb_svn(tcb::MODULE_SVN_OLD, MAJOR, LATE)),
            ),
            "OutOfDate",
            &[SA_MODULE],
        ),
        {
            let mut q = spec(tee_tcb_svn(tcb::MODULE_SVN_OLD, MAJOR, LATE));
            q.tee_tcb_svn2 = Some(UP_TO_DATE_SVN);
            status(
                base(
                    "td15-relaunch-advised",
                    "v5 quote, TD report 1.5: launched on the OutOfDate module (tee_tcb_svn[0] = 2) but tee_tcb_svn2 shows the current module, so a relaunch is advised (QVL 4.1.2.4.17.4.3).",
                    q,
                ),
                "TDRelaunchAdvised",
                &[SA_MODULE],
            )
        },
        {
            let mut q = spec(UP_TO_DATE_SVN);
            q.qe_isv_svn = tcb::QE_SVN_OLD;
            status(
                base("qe-out-of-date", "The QE report's ISVSVN 7 matches the TD_QE level OutOfDate; platform and module are UpToDate.", q),
                "OutOfDate",
                &[SA_QE],
            )
        },
        {
            let mut s = failure(
                base("pck-revoked", "The PCK leaf's serial is listed in the PCK CRL (between two other serials).", spec(UP_TO_DATE_SVN)),
                "cert-revoked",
            );
            s.leaf = LeafKind::Revoked;
            s
        },
        {
            let mut s = failure(
                base("collateral-expired", "Evaluated at 2026-02-15, after the TCB Info and QE Identity nextUpdate (2026-01-31); certificates and CRLs are still valid.", spec(UP_TO_DATE_SVN)),
                "collateral-expired",
            );
            s.at = dates::EVAL_EXPIRED_AT;
            s
        },
        {
            let mut s = failure(
                base("collateral-not-yet-valid", "Evaluated at 2025-12-15, before the TCB Info and QE Identity issueDate (2026-01-01); certificates and CRLs are already valid.", spec(UP_TO_DATE_SVN)),
                "collateral-not-yet-valid",
            );
            s.at = dates::EVAL_EARLY_AT;
            s
        },
        failure(
            base("unknown-module-identity", "tee_tcb_svn[1] = 7 names module identity TDX_07, which the TCB Info does not have (Intel: TDX_MODULE_MISMATCH).", spec(tee_tcb_svn(MOD, 7, LATE))),
            "tdx-module-identity-missing",
        ),
        {
            let mut s = failure(
                base("wrong-fmspc", "The TCB Info is for FMSPC 7E57F0000001 while the PCK certificate says 7E57F0000000 (Intel: TCB_INFO_MISMATCH).", spec(UP_TO_DATE_SVN)),
                "tcb-info-fmspc-mismatch",
            );
            s.tcb_info = TcbInfoVariant::WrongFmspc;
            s
        },
        {
            let mut s = failure(
                base("tcb-level-not-supported", "The PCK leaf's SGX component 0 (1) is below every TCB level (Intel: TCB_NOT_SUPPORTED).", spec(UP_TO_DATE_SVN)),
                "tcb-level-not-supported",
            );
            s.leaf = LeafKind::BelowEveryLevel;
            s
        },
        {
            let mut q = spec(UP_TO_DATE_SVN);
            q.td_attributes = quote::TD_ATTRIBUTES_DEBUG;
            let mut s = base(
                "debug-td",
                "td_attributes bit 0 (TUD.DEBUG) is set; every signature and the TCB (UpToDate) are fine, but a debuggable TD must not be trusted.",
                q,
            );
            s.error_code = Some("td-debug");
            s
        },
        {
            let mut q = spec(UP_TO_DATE_SVN);
            q.qe_binding = QeBinding::WrongHash;
            failure(
                base("bad-qe-binding", "The QE report_data is SHA-256 over the attestation key and the wrong auth data; every signature is valid.", q),
                "qe-report-binding-mismatch",
            )
        },
        {
            let mut q = spec(UP_TO_DATE_SVN);
            q.tamper_offset = Some(quote::TAMPERED_OFFSET_V4);
            failure(
                base("bad-quote-signature", "report_data[0] (quote offset 568) was changed after the attestation key signed the quote.", q),
                "quote-signature-invalid",
            )
        },
        {
            let mut s = failure(
                base("wrong-root", "Quote, PCK chain, CRLs and collateral are all consistent but hang from a second TEST root with the same name and serial and a different key.", spec(UP_TO_DATE_SVN)),
                "chain-root-mismatch",
            );
            s.root = Root::Other;
            s
        },
    ]
}
