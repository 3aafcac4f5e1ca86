//! The `verify` report as a `Doc`: verdict, the three checks and their findings, claims, key
//! facts for a release checklist, and the DCAP details.

use super::clip;
use crate::report::doc::{Block, Cell, Doc, Fold, Tone};
use crate::report::{Outcome, Report, Status, Verdict};

fn status_cell(s: Status) -> Cell {
    let tone = match s {
        Status::Pass => Tone::Good,
        Status::Fail => Tone::Bad,
        Status::NotChecked => Tone::Warn,
    };
    Cell::toned(s.label(), tone)
}

fn outcome_cell(o: Outcome) -> Cell {
    match o {
        Outcome::Pass => Cell::toned("pass", Tone::Good),
        Outcome::Fail => Cell::toned("FAIL", Tone::Bad),
        Outcome::NotChecked => Cell::toned("not checked", Tone::Warn),
        Outcome::Note => Cell::plain("note"),
    }
}

pub fn verify_doc(r: &Report) -> Doc {
    let tone = match r.verdict {
        Verdict::Pass => Tone::Good,
        Verdict::Fail => Tone::Bad,
        Verdict::Incomplete => Tone::Warn,
    };
    let mut doc = Doc::new(Cell::toned(
        format!("dstack-audit verify: {} (exit {})", r.verdict.label(), r.verdict.exit_code()),
        tone,
    ));
    let rows = r
        .checks
        .iter()
        .map(|c| vec![Cell::plain(c.id.title()), status_cell(c.status), Cell::plain(c.summary.clone())])
        .collect();
    doc.section("Checks", vec![Block::Table { headers: vec!["Check".into(), "Status".into(), "Why".into()], rows }]);
    doc.section("Key facts", vec![Block::Pairs(key_facts(r))]);
    for c in &r.checks {
        let rows = c
            .findings
            .iter()
            .map(|f| {
                let mut detail = f.message.clone();
                // Values of passing steps are in the facts section; repeat only what went wrong.
                let show_values = f.outcome != Outcome::Pass;
                if let Some(e) = f.expected.as_ref().filter(|_| show_values) {
                    detail.push_str(&format!("\nexpected: {e}"));
                }
                if let Some(a) = f.actual.as_ref().filter(|_| show_values) {
                    detail.push_str(&format!("\nactual:   {a}"));
                }
                vec![outcome_cell(f.outcome), Cell::toned(f.code.as_str(), Tone::Code), Cell::plain(detail)]
            })
            .collect();
        let fold = if c.status == Status::Pass { Fold::Closed } else { Fold::Open };
        doc.detail(
            format!("{} findings ({})", c.id.title(), c.findings.len()),
            vec![Block::Table { headers: vec!["Result".into(), "Code".into(), "Detail".into()], rows }],
            fold,
        );
    }
    let pairs = r.facts.pairs().into_iter().map(|(k, v)| (k.to_string(), Cell::plain(v))).collect();
    doc.detail("Facts (measured values)", vec![Block::Pairs(pairs)], Fold::Closed);
    doc.detail("Platform (DCAP)", vec![Block::Pairs(dcap_pairs(r))], Fold::Closed);
    if let Some(p) = &r.provenance {
        let opt = |v: &Option<String>| Cell::plain(v.clone().unwrap_or_else(|| "-".into()));
        doc.detail(
            "Launcher provenance",
            vec![Block::Pairs(vec![
                ("bundle".into(), Cell::plain(p.bundle.clone())),
                ("trusted root / log".into(), Cell::plain(format!("{} / {}", p.trusted_root, p.log))),
                ("signed".into(), Cell::plain(p.signing_time.clone())),
                ("repository".into(), opt(&p.repository)),
                ("workflow".into(), opt(&p.workflow)),
                ("ref".into(), opt(&p.source_ref)),
                ("commit".into(), opt(&p.source_commit)),
                ("run".into(), opt(&p.run_url)),
                ("runner".into(), opt(&p.runner)),
            ])],
            Fold::Closed,
        );
    }
    if !r.claims.is_empty() {
        let rows = r
            .claims
            .iter()
            .map(|c| {
                let tone = match c.status {
                    "consistent" => Tone::Good,
                    "contradicts" => Tone::Bad,
                    _ => Tone::Plain,
                };
                vec![
                    Cell::plain(c.claim.name.clone()),
                    Cell::toned(c.status, tone),
                    Cell::plain(c.claim.source.clone()),
                    Cell::plain(clip(&c.claim.value)),
                ]
            })
            .collect();
        let contradicted = r.claims.iter().any(|c| c.status == "contradicts");
        doc.detail(
            "Claims (unmeasured values in the input)",
            vec![Block::Table {
                headers: vec!["Claim".into(), "Status".into(), "Source".into(), "Value".into()],
                rows,
            }],
            if contradicted { Fold::Open } else { Fold::Closed },
        );
    }
    let mut pairs = vec![
        ("evidence".to_string(), Cell::plain(r.evidence_shape.clone())),
        ("evaluated at".to_string(), Cell::plain(r.evaluated_at.clone())),
    ];
    for i in &r.inputs {
        pairs.push((i.role.to_string(), Cell::plain(format!("{} (sha256 {})", i.path, i.sha256))));
    }
    for t in &r.trust_roots {
        let label = if t.untrusted_test_root { "UNTRUSTED TEST ROOT" } else { t.kind };
        pairs.push((label.to_string(), Cell::plain(format!("{} (sha256 {})", t.name, t.sha256))));
    }
    let mut blocks = vec![Block::Pairs(pairs)];
    blocks.extend(r.notes.iter().map(|n| Block::Text(format!("note: {n}"))));
    doc.detail("Inputs", blocks, Fold::Closed);
    doc
}

/// What a release checklist records: when, against which roots, and the pinned identities.
fn key_facts(r: &Report) -> Vec<(String, Cell)> {
    let mut out = vec![("evaluated at".to_string(), Cell::plain(r.evaluated_at.clone()))];
    if let Some(t) = r.trust_roots.iter().find(|t| t.kind == "tdx-root-ca") {
        let cell = if t.untrusted_test_root {
            Cell::toned(format!("UNTRUSTED TEST ROOT ({})", t.name), Tone::Bad)
        } else {
            Cell::plain(t.name.clone())
        };
        out.push(("TDX root".into(), cell));
    }
    let f = &r.facts;
    let built = r.provenance.as_ref().map(|p| {
        format!(
            "{} at {} (commit {})",
            p.repository.as_deref().unwrap_or("?"),
            p.source_ref.as_deref().unwrap_or("?"),
            p.source_commit.as_deref().unwrap_or("?")
        )
    });
    let rows = [
        ("TCB status", &f.tcb_status),
        ("compose-hash", &f.compose_hash),
        ("app-id", &f.app_id),
        ("launcher image", &f.launcher_image),
        ("launcher built from", &built),
        ("workload commit", &f.workload_commit),
    ];
    out.extend(rows.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), Cell::plain(v.clone())))));
    out
}

fn dcap_pairs(r: &Report) -> Vec<(String, Cell)> {
    let d = &r.dcap;
    let mut out = Vec::new();
    let mut push = |k: &str, v: Cell| out.push((k.to_string(), v));
    for t in &r.trust_roots {
        let cell = if t.untrusted_test_root {
            Cell::toned(format!("UNTRUSTED TEST ROOT: {} (sha256 {})", t.name, t.sha256), Tone::Bad)
        } else {
            Cell::plain(format!("{} (sha256 {})", t.name, t.sha256))
        };
        push("trusted root", cell);
    }
    if !d.pck_chain.is_empty() {
        push("PCK chain", Cell::plain(d.pck_chain.join("\n")));
    }
    if let (Some(f), Some(p)) = (&d.fmspc, &d.pce_id) {
        push("FMSPC / PCE-ID", Cell::plain(format!("{f} / {p}")));
    }
    push("PCK revocation checked", Cell::plain(d.revocation_checked.to_string()));
    if let Some(s) = &d.collateral_source {
        push("collateral", Cell::plain(s.clone()));
    }
    if let (Some(a), Some(b)) = (&d.collateral_valid_from, &d.collateral_valid_until) {
        push("collateral valid", Cell::plain(format!("{a} to {b} (earliest expiry)")));
    }
    if let Some(t) = &d.tcb {
        let tone = if t.status == "UpToDate" { Tone::Good } else { Tone::Warn };
        push("TCB status", Cell::toned(t.status.clone(), tone));
        push(
            "platform / module / QE",
            Cell::plain(format!(
                "{} / {} ({}) / {}",
                t.platform_status,
                t.module_status.as_deref().unwrap_or("-"),
                t.module_identity,
                t.qe_status
            )),
        );
        push(
            "advisories",
            Cell::plain(if t.advisory_ids.is_empty() { "none".into() } else { t.advisory_ids.join(", ") }),
        );
        push("TCB date", Cell::plain(t.tcb_date.clone()));
    }
    out
}
