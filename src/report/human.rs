//! Builds the human-readable `Doc` of each command's data. Wording lives here; layout lives in
//! the renderers.

use super::doc::{Block, Cell, Doc, Fold, Tone};
use super::{Outcome, Report, Status, Verdict};
use crate::views::{ComposeView, EventView, Inspection, ReplayView};

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
                vec![outcome_cell(f.outcome), Cell::toned(f.code, Tone::Code), Cell::plain(detail)]
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

fn clip(v: &str) -> String {
    const MAX: usize = 96;
    if v.chars().count() > MAX {
        format!("{}…", v.chars().take(MAX).collect::<String>())
    } else {
        v.to_string()
    }
}

pub fn replay_doc(v: &ReplayView) -> Doc {
    let all = v.rtmrs.iter().all(|r| r.matches);
    let mut doc = Doc::new(Cell::toned(
        format!("dstack-audit replay: {}", if all { "all RTMRs replay" } else { "not every RTMR replays" }),
        if all { Tone::Good } else { Tone::Warn },
    ));
    let rows = v
        .rtmrs
        .iter()
        .map(|r| {
            vec![
                Cell::plain(format!("RTMR{}", r.rtmr)),
                Cell::plain(r.events.to_string()),
                if r.matches { Cell::toned("match", Tone::Good) } else { Cell::toned("MISMATCH", Tone::Bad) },
                Cell::plain(format!(
                    "quoted   {}\nreplayed {}",
                    r.quoted,
                    r.replayed.as_deref().unwrap_or("(not computable)")
                )),
            ]
        })
        .collect();
    doc.section(
        format!("Registers ({})", v.source),
        vec![
            Block::Table { headers: vec!["RTMR".into(), "Events".into(), "Result".into(), "Values".into()], rows },
            Block::Text(format!("runtime events: {}", v.runtime_events)),
        ],
    );
    let rows = event_rows(&v.events, |e| e.rtmr_after.as_deref().map(short_hex).unwrap_or_else(|| "-".into()));
    doc.section(
        "Events",
        vec![Block::Table {
            headers: vec!["#".into(), "IMR".into(), "Event".into(), "Digest".into(), "RTMR after".into()],
            rows,
        }],
    );
    doc
}

/// One row per event: index, IMR, name (or type), digest status, and a last column of choice.
fn event_rows(events: &[EventView], last: impl Fn(&EventView) -> String) -> Vec<Vec<Cell>> {
    events
        .iter()
        .map(|e| {
            let status = if e.digest_status == "ok" {
                Cell::plain(e.digest_source)
            } else {
                Cell::toned(e.digest_status.clone(), Tone::Bad)
            };
            vec![
                Cell::plain(e.index.to_string()),
                Cell::plain(e.imr.to_string()),
                Cell::plain(if e.event.is_empty() { e.event_type.clone() } else { e.event.clone() }),
                status,
                Cell::plain(last(e)),
            ]
        })
        .collect()
}

fn short_hex(h: &str) -> String {
    match (h.get(..12), h.get(h.len().saturating_sub(8)..)) {
        (Some(a), Some(b)) if h.len() > 24 => format!("{a}…{b}"),
        _ => h.to_string(),
    }
}

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

pub fn compose_blocks(c: &ComposeView) -> Vec<Block> {
    let p = |k: &str, v: String| (k.to_string(), Cell::plain(v));
    let mut pairs = vec![
        p("source", c.source.clone()),
        p("size", format!("{} bytes", c.bytes)),
        p("compose_hash", c.compose_hash.clone()),
        p("default app_id", c.default_app_id.clone()),
    ];
    if let Some(s) = &c.summary {
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let flag = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        pairs.push(p("name", opt(&s.name)));
        pairs.push(p("manifest_version", opt(&s.manifest_version)));
        pairs.push(p("runner", opt(&s.runner)));
        pairs.push(p("kms_enabled", flag(s.kms_enabled)));
        pairs.push(p("gateway_enabled", flag(s.gateway_enabled)));
        pairs.push(p("key_provider", opt(&s.key_provider)));
        pairs
            .push(p("allowed_envs", if s.allowed_envs.is_empty() { "none".into() } else { s.allowed_envs.join(", ") }));
        pairs.push(p("pre_launch_script", s.has_pre_launch_script.to_string()));
    } else {
        pairs.push(p("summary", "not a JSON object".into()));
    }
    let mut blocks = vec![Block::Pairs(pairs)];
    if !c.services.is_empty() {
        let rows = c
            .services
            .iter()
            .map(|s| {
                vec![
                    Cell::plain(s.name.clone()),
                    Cell::plain(s.image.clone().unwrap_or_else(|| "(build)".into())),
                    if s.pinned { Cell::toned("digest", Tone::Good) } else { Cell::toned("NOT PINNED", Tone::Warn) },
                ]
            })
            .collect();
        blocks.push(Block::Table { headers: vec!["Service".into(), "Image".into(), "Pin".into()], rows });
    }
    if let Some(problem) = &c.compose_problem {
        blocks.push(Block::Text(format!("docker_compose_file: {problem}")));
    }
    if let Some(l) = &c.launcher_config {
        let mut rows = vec![
            ("git-launcher service".to_string(), Cell::plain(l.service.clone())),
            ("config path".to_string(), Cell::plain(l.path.clone())),
            ("config from".to_string(), Cell::plain(l.source.clone())),
        ];
        if let Some(cfg) = &l.config {
            rows.push(("REPO_URL".into(), Cell::plain(cfg.repo_url.clone())));
            rows.push(("COMMIT_SHA".into(), Cell::plain(cfg.commit_sha.clone())));
            let runs = match cfg.mode() {
                crate::compose::git_launcher::Mode::Default { script } => format!("{script} (default mode)"),
                crate::compose::git_launcher::Mode::Advanced { run_cmd, install_cmd } => format!(
                    "RUN_CMD {run_cmd}{} (advanced mode)",
                    install_cmd.map(|i| format!(", INSTALL_CMD {i}")).unwrap_or_default()
                ),
            };
            rows.push(("runs".into(), Cell::plain(runs)));
        }
        if let Some(p) = &l.problem {
            rows.push(("problem".into(), Cell::toned(p.clone(), Tone::Warn)));
        }
        blocks.push(Block::Pairs(rows));
    }
    blocks
}

pub fn compose_hash_doc(c: &ComposeView) -> Doc {
    let mut doc = Doc::new(Cell::plain(format!("compose-hash {}", c.compose_hash)));
    doc.section("App compose", compose_blocks(c));
    doc
}
