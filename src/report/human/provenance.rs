//! The `provenance` command's output as a `Doc`: the artifact, the accepted bundle's verified
//! statement, every bundle tried, warnings, the policy applied and the trust roots.

use crate::provenance::command::{PolicyView, ProvenanceView};
use crate::provenance::VerifiedStatement;
use crate::report::doc::{Block, Cell, Doc, Tone};

/// The human rendering (table or Markdown) of `provenance`.
pub fn provenance_doc(view: &ProvenanceView) -> Doc {
    let title = match &view.statement {
        Some(_) => Cell::toned("Provenance: VERIFIED", Tone::Good),
        None => Cell::toned("Provenance: REJECTED", Tone::Bad),
    };
    let mut doc = Doc::new(title);
    let mut artifact = vec![("artifact".to_string(), Cell::plain(view.artifact.clone()))];
    if let Some(i) = &view.image {
        artifact.push(("image".into(), Cell::plain(i.clone())));
    }
    doc.section("Artifact", vec![Block::Pairs(artifact)]);
    if let Some(s) = &view.statement {
        doc.section("Accepted bundle", vec![Block::Pairs(statement_rows(s))]);
    }
    let rows = view
        .attempts
        .iter()
        .map(|a| {
            let tone = if a.status == "accepted" { Tone::Good } else { Tone::Bad };
            vec![
                Cell::plain(a.source.clone()),
                Cell::toned(a.status, tone),
                Cell::plain(a.code.unwrap_or("")),
                Cell::plain(a.message.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let headers = ["bundle", "result", "code", "detail"].map(String::from).to_vec();
    doc.section("Bundles tried", vec![Block::Table { headers, rows }]);
    if !view.warnings.is_empty() {
        let text = view.warnings.iter().map(|w| format!("- {w}")).collect::<Vec<_>>().join("\n");
        doc.section("Warnings", vec![Block::Text(text)]);
    }
    doc.section("Policy", vec![Block::Pairs(policy_rows(&view.policy))]);
    let headers = ["trusted root", "kind", "sha256", "requires"].map(String::from).to_vec();
    let rows = view
        .trust_roots
        .iter()
        .map(|r| {
            vec![
                Cell::plain(r.name.clone()),
                Cell::plain(r.kind),
                Cell::plain(r.sha256.clone()),
                Cell::plain(r.requires),
            ]
        })
        .collect();
    doc.section("Trust roots", vec![Block::Table { headers, rows }]);
    doc
}

fn statement_rows(s: &VerifiedStatement) -> Vec<(String, Cell)> {
    let mut rows = vec![
        ("bundle".to_string(), Cell::plain(format!("{} ({}, {})", s.source(), s.bundle_version(), s.content()))),
        ("trusted root".into(), Cell::plain(format!("{} ({})", s.root(), s.root_kind()))),
        ("verified".into(), Cell::plain(s.trust_domain())),
        ("log".into(), Cell::plain(s.log().to_string())),
        ("signing time".into(), Cell::plain(s.signing_time_text())),
    ];
    let optional = [
        ("issuer", s.issuer()),
        ("identity (SAN)", s.san()),
        ("repository", s.repository()),
        ("workflow", s.workflow()),
        ("ref", s.source_ref()),
        ("commit", s.source_commit()),
        ("run", s.run_url()),
        ("runner", s.runner()),
        ("trigger", s.trigger()),
        ("predicate type", s.predicate_type()),
        ("subject", s.subject_name()),
    ];
    rows.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), Cell::plain(v.to_string())))));
    rows
}

fn policy_rows(p: &PolicyView) -> Vec<(String, Cell)> {
    let mut rows = vec![("issuer".to_string(), Cell::plain(p.issuer.clone()))];
    let optional = [
        ("identity (exact SAN)", &p.identity),
        ("public key sha256", &p.key_sha256),
        ("repository", &p.repository),
        ("signer workflow", &p.signer_workflow),
        ("repository id", &p.repository_id),
        ("owner id", &p.owner_id),
        ("source commit", &p.source_commit),
    ];
    rows.extend(optional.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), Cell::plain(v.clone())))));
    let refs = if p.source_refs.is_empty() { "any except refs/pull/*".to_string() } else { p.source_refs.join(", ") };
    rows.push(("source refs".into(), Cell::plain(refs)));
    let runner = if p.allow_self_hosted_runner { "any (self-hosted allowed)" } else { "github-hosted" };
    rows.push(("runner".into(), Cell::plain(runner)));
    rows.push(("predicate type".into(), Cell::plain(p.predicate_type.clone())));
    rows
}
