//! Stage 5, report: the one place a `Report` is assembled, from the earlier stages' results.
//! The renderers in `report/` only turn it into text.

use sha2::{Digest, Sha256};

use crate::checks::DcapObservation;
use crate::evidence::{InputFile, Sources};
use crate::provenance::VerifiedStatement;
use crate::report::{
    self, DcapSummary, Facts, InputRecord, ProvenanceSummary, Report, TcbSummary, ToolInfo, TrustRoot, Verdict,
};

use super::appraise::Appraisal;
use super::authenticate::Authenticated;
use super::parse::Observed;
use super::settings::{Prepared, Settings};

/// Everything the report is made of.
pub(crate) struct Parts<'a> {
    pub sources: &'a Sources,
    pub reference_file: Option<&'a InputFile>,
    pub settings: &'a Settings,
    pub prepared: &'a Prepared,
    pub observed: &'a Observed,
    pub authenticated: &'a Authenticated,
    pub appraisal: Appraisal,
    pub facts: Facts,
}

/// Assembles the report.
pub(crate) fn assemble(p: Parts) -> Report {
    let Parts { sources, reference_file, settings, prepared, observed, authenticated, appraisal, facts } = p;
    let mut inputs: Vec<InputRecord> = [
        ("attestation", &sources.attestation),
        ("quote", &sources.quote),
        ("event-log", &sources.event_log),
        ("app-compose", &sources.app_compose),
        ("collateral", &settings.collateral),
        ("tdx-root-ca", &settings.tdx_root),
    ]
    .into_iter()
    .filter_map(|(role, f)| f.as_ref().map(|f| input_record(role, f)))
    .chain(settings.bundles.iter().map(|f| input_record("bundle", f)))
    .chain(settings.trusted_roots.iter().map(|f| input_record("sigstore-trusted-root", f)))
    .collect();
    if let Some(f) = reference_file {
        inputs.push(input_record("reference", f));
    }
    let dcap = &authenticated.dcap;
    Report {
        schema: report::SCHEMA,
        tool: ToolInfo::current(),
        verdict: Verdict::of(&appraisal.checks),
        evaluated_at: settings.at.to_string(),
        checks: appraisal.checks,
        facts,
        claims: appraisal.claims,
        inputs,
        evidence_shape: observed.shape.describe().to_string(),
        trust_roots: trust_roots(dcap, prepared),
        provenance: appraisal.launcher.accepted.as_ref().and_then(|s| s.sigstore_statement()).map(provenance_summary),
        dcap: dcap_summary(dcap),
        notes: observed.notes.clone(),
    }
}

fn trust_roots(dcap: &DcapObservation, prepared: &Prepared) -> Vec<TrustRoot> {
    std::iter::once(TrustRoot {
        kind: "tdx-root-ca",
        name: dcap.root_subject.clone(),
        sha256: hex::encode(dcap.root_sha256),
        untrusted_test_root: prepared.anchor.is_test_root(),
    })
    .chain(prepared.roots.describe().into_iter().map(|r| TrustRoot {
        kind: "sigstore-trusted-root",
        name: format!("{} ({})", r.name, r.kind),
        sha256: r.sha256,
        untrusted_test_root: false,
    }))
    .collect()
}

/// Records an input's name, size and SHA-256.
pub fn input_record(role: &'static str, f: &InputFile) -> InputRecord {
    InputRecord { role, path: f.name.clone(), sha256: hex::encode(Sha256::digest(&f.bytes)), bytes: f.bytes.len() }
}

/// The facts an auditor wants from the accepted provenance bundle.
pub(crate) fn provenance_summary(s: &VerifiedStatement) -> ProvenanceSummary {
    let text = |v: Option<&str>| v.map(str::to_string);
    ProvenanceSummary {
        bundle: s.source().to_string(),
        trusted_root: s.root().to_string(),
        log: s.log().to_string(),
        signing_time: s.signing_time_text(),
        issuer: text(s.issuer()),
        repository: text(s.repository()),
        workflow: text(s.workflow()),
        source_ref: text(s.source_ref()),
        source_commit: text(s.source_commit()),
        run_url: text(s.run_url()),
        runner: text(s.runner()),
        predicate_type: text(s.predicate_type()),
    }
}

/// Builds the DCAP summary from what the DCAP layer established.
pub(crate) fn dcap_summary(d: &DcapObservation) -> DcapSummary {
    let mut s = DcapSummary::default();
    if let Ok(vq) = &d.outcome.quote {
        let chain = vq.pck_chain();
        s.pck_chain = std::iter::once(chain.leaf()).chain(chain.intermediates()).map(|c| c.subject()).collect();
        s.fmspc = Some(hex::encode_upper(vq.pck().fmspc));
        s.pce_id = Some(hex::encode_upper(vq.pck().pce_id));
        s.revocation_checked = vq.revocation_checked();
    }
    s.collateral_source = d.collateral_origin.as_ref().map(|o| o.to_string());
    if let Some(Ok(vc)) = &d.outcome.collateral {
        s.collateral_valid_from = Some(vc.window().0.to_string());
        s.collateral_valid_until = Some(vc.window().1.to_string());
        s.tcb_evaluation_data_number = Some(vc.tcb_info().tcb_evaluation_data_number);
    }
    if let Some(Ok(t)) = &d.outcome.tcb {
        s.tcb = Some(TcbSummary {
            status: t.status.as_str().into(),
            advisory_ids: t.advisory_ids.clone(),
            platform_status: t.platform_status.as_str().into(),
            sgx_status: t.sgx_status.as_str().into(),
            module_status: t.module_status.map(|m| m.as_str().into()),
            module_identity: t.module_identity.clone(),
            qe_status: t.qe_status.as_str().into(),
            tcb_date: t.tcb_date.clone(),
            relaunch_advised: t.relaunch_advised,
        });
    }
    s
}
