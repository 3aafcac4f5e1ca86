//! The app-compose summary as `Doc` blocks, shared by `inspect`, and the `compose-hash` view.

use crate::report::doc::{Block, Cell, Doc, Tone};
use crate::views::ComposeView;

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
