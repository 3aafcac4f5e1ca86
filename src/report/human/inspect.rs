//! The `inspect` view as a `Doc`: the decoded quote, the event log with digest status, the
//! app-compose summary and the unmeasured claims.

use super::{clip, compose_blocks, event_rows};
use crate::report::doc::{Block, Cell, Doc};
use crate::views::Inspection;

pub fn inspect_doc(i: &Inspection) -> Doc {
    let mut doc = Doc::new(Cell::plain(format!("dstack-audit inspect: {}", i.evidence_shape)));
    let q = &i.quote;
    let p = |k: &str, v: &str| (k.to_string(), Cell::plain(v.to_string()));
    let mut pairs = vec![
        p("source", &i.quote_source),
        p("version", &q.version.to_string()),
        p("body", q.body_type),
        p("tee_type", &q.tee_type),
        p("qe_vendor_id", &q.qe_vendor_id),
        p("tee_tcb_svn", &q.tee_tcb_svn),
        p("mr_seam", &q.mr_seam),
        p("mr_signer_seam", &q.mr_signer_seam),
        p("seam_attributes", &q.seam_attributes),
        p("td_attributes", &q.td_attributes),
        p("xfam", &q.xfam),
        p("mr_td", &q.mr_td),
        p("mr_config_id", &q.mr_config_id),
        p("mr_owner", &q.mr_owner),
        p("mr_owner_config", &q.mr_owner_config),
        p("rtmr0", &q.rtmr0),
        p("rtmr1", &q.rtmr1),
        p("rtmr2", &q.rtmr2),
        p("rtmr3", &q.rtmr3),
        p("report_data", &q.report_data),
    ];
    if let Some(s) = &q.tee_tcb_svn2 {
        pairs.push(p("tee_tcb_svn2", s));
    }
    if let Some(s) = &q.mr_servicetd {
        pairs.push(p("mr_servicetd", s));
    }
    pairs.push(p("size", &format!("{} bytes ({} trailing padding)", q.total_bytes, q.trailing_bytes)));
    doc.section("Quote (not authenticated by inspect)", vec![Block::Pairs(pairs)]);
    let s = &q.signature;
    doc.section(
        "Signature data",
        vec![Block::Pairs(vec![
            p("attestation_key", &s.attestation_key),
            p("certification data", &format!("type {}", s.cert_data_type)),
            p("QE mr_enclave", &s.qe_report_mr_enclave),
            p("QE mr_signer", &s.qe_report_mr_signer),
            p("QE isv_prod_id / isv_svn", &format!("{} / {}", s.qe_report_isv_prod_id, s.qe_report_isv_svn)),
            p("QE report_data", &s.qe_report_data),
            p("QE auth data", &format!("{} bytes", s.qe_auth_data_len)),
            p(
                "PCK data",
                &format!(
                    "type {}, {} bytes, {} PEM certificates",
                    s.pck_cert_data_type, s.pck_cert_data_len, s.pck_chain_certificates
                ),
            ),
        ])],
    );
    let chain = q
        .pck_chain
        .iter()
        .map(|c| {
            vec![
                Cell::plain(c.subject.clone()),
                Cell::plain(c.issuer.clone()),
                Cell::plain(format!("{}\n{}", c.not_before, c.not_after)),
            ]
        })
        .collect();
    let mut blocks =
        vec![Block::Table { headers: vec!["Subject".into(), "Issuer".into(), "Valid".into()], rows: chain }];
    if let Some(x) = &q.pck_extension {
        let flag = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        blocks.push(Block::Pairs(vec![
            p("FMSPC", &x.fmspc),
            p("PCE-ID", &x.pce_id),
            p("PCESVN", &x.pcesvn.to_string()),
            p("CPUSVN", &x.cpusvn),
            p("SGX TCB components", &x.sgx_tcb_components),
            p("SGX type", &x.sgx_type.to_string()),
            p(
                "dynamic platform / cached keys / SMT",
                &format!("{} / {} / {}", flag(x.dynamic_platform), flag(x.cached_keys), flag(x.smt_enabled)),
            ),
        ]));
    }
    if let Some(problem) = &q.pck_problem {
        blocks.push(Block::Text(format!("PCK data: {problem}")));
    }
    doc.section("PCK certificate chain (parsed, not verified by inspect)", blocks);
    match &i.replay {
        Some(r) => {
            let rows = event_rows(&r.events, |e| clip_payload(&e.payload));
            doc.section(
                format!("Event log ({})", r.source),
                vec![
                    Block::Table {
                        headers: vec!["#".into(), "IMR".into(), "Event".into(), "Digest".into(), "Payload".into()],
                        rows,
                    },
                    Block::Text(format!("runtime events: {}", r.runtime_events)),
                ],
            );
        }
        None => doc.section("Event log", vec![Block::Text("none in the evidence".into())]),
    }
    match &i.app_compose {
        Some(c) => doc.section("App compose", compose_blocks(c)),
        None => doc.section("App compose", vec![Block::Text("none in the evidence".into())]),
    }
    if !i.claims.is_empty() {
        let rows = i
            .claims
            .iter()
            .map(|c| vec![Cell::plain(c.name.clone()), Cell::plain(c.source.clone()), Cell::plain(clip(&c.value))])
            .collect();
        doc.section(
            "Claims (unmeasured)",
            vec![Block::Table { headers: vec!["Claim".into(), "Source".into(), "Value".into()], rows }],
        );
    }
    if !i.notes.is_empty() {
        doc.section("Notes", i.notes.iter().map(|n| Block::Text(n.clone())).collect());
    }
    doc
}

fn clip_payload(p: &str) -> String {
    const MAX: usize = 64;
    if p.len() > MAX {
        format!("{}… ({} chars)", p.chars().take(MAX).collect::<String>(), p.len())
    } else {
        p.to_string()
    }
}
