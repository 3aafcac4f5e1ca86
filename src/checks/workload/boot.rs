//! Check 3 on dstack's boot path (`crate::deployment::boot`): the compose file runs only under
//! a compose runner; a `pre_launch_script` (sourced as root before Compose) and each
//! `init_script` (sourced as root by dstack-prepare.sh) pass only when the reference pins their
//! SHA-256; `allowed_envs` may not name anything the boot path's programs read, and every other
//! name is shown where it lands in the compose file.

use crate::finding_code::FindingCode;
use sha2::{Digest, Sha256};

use crate::checks::launcher::AppSettings;
use crate::deployment::boot::boot_reader;
use crate::reference::Reference;
use crate::report::Finding;

/// Appends the boot-path findings; `false` when the compose file does not run at all.
pub(super) fn check(app: &AppSettings, compose_text: &str, reference: &Reference, f: &mut Vec<Finding>) -> bool {
    let runs = crate::checks::runner::runner_runs_compose(app.runner.as_deref(), f);
    pre_launch(app, reference, f);
    init_scripts(app, reference, f);
    allowed_envs(&app.allowed_envs, compose_text, f);
    runs
}

fn pre_launch(app: &AppSettings, reference: &Reference, f: &mut Vec<Finding>) {
    if !app.pre_launch_script {
        return;
    }
    let pinned = reference.workload.as_ref().and_then(|w| w.pre_launch_script_sha256.as_deref());
    let Some(text) = app.pre_launch_script_text.as_deref() else {
        f.push(Finding::fail(
            FindingCode::PreLaunchScriptNotPinned,
            "the app-compose's pre_launch_script is not a string, so what dstack sources cannot be hashed",
        ));
        return;
    };
    let actual = hex::encode(Sha256::digest(text.as_bytes()));
    match pinned {
        None => f.push(
            Finding::not_checked(
                FindingCode::PreLaunchScriptNotPinned,
                "the app-compose has a pre_launch_script, which dstack sources as root before Compose starts; read \
                 it, then pin its SHA-256 in the reference's workload.pre_launch_script_sha256",
            )
            .actual(actual),
        ),
        Some(p) if p == actual => f.push(Finding::pass(
            FindingCode::PreLaunchScriptPinned,
            "the pre_launch_script (sourced as root before Compose) is the one the reference pins",
        )),
        Some(p) => f.push(
            Finding::fail(
                FindingCode::PreLaunchScriptNotPinned,
                "the pre_launch_script is not the one the reference pins (workload.pre_launch_script_sha256)",
            )
            .expected(p.to_string())
            .actual(actual),
        ),
    }
}

fn init_scripts(app: &AppSettings, reference: &Reference, f: &mut Vec<Finding>) {
    if !app.init_script {
        return;
    }
    let Some(texts) = &app.init_script_texts else {
        f.push(Finding::fail(
            FindingCode::InitScriptNotPinned,
            "the app-compose's init_script is neither a string nor a list of strings, so what dstack sources cannot be hashed",
        ));
        return;
    };
    let actual: Vec<String> = texts.iter().map(|t| hex::encode(Sha256::digest(t.as_bytes()))).collect();
    match reference.workload.as_ref().and_then(|w| w.init_script_sha256.as_ref()) {
        None => f.push(
            Finding::not_checked(
                FindingCode::InitScriptNotPinned,
                "the app-compose has an init_script, which dstack-prepare.sh sources as root before the services \
                 start; read it, then pin it in the reference's workload.init_script_sha256",
            )
            .actual(actual.join(", ")),
        ),
        Some(pinned) if *pinned == actual => f.push(Finding::pass(
            FindingCode::InitScriptPinned,
            "the init_script (sourced as root before the services start) is the one the reference pins",
        )),
        Some(pinned) => f.push(
            Finding::fail(
                FindingCode::InitScriptNotPinned,
                "the init_script is not the one the reference pins (workload.init_script_sha256)",
            )
            .expected(pinned.join(", "))
            .actual(actual.join(", ")),
        ),
    }
}

fn allowed_envs(names: &[String], compose_text: &str, f: &mut Vec<Finding>) {
    for name in names {
        if let Some(who) = boot_reader(name) {
            f.push(
                Finding::fail(
                    FindingCode::AllowedEnvUnsafe,
                    format!(
                        "allowed_envs lets the deployer set {name}, which {who} reads: it can change what the boot path runs"
                    ),
                )
                .expected(format!("allowed_envs without {name}"))
                .actual(format!("allowed_envs: [{}]", names.join(", "))),
            );
            continue;
        }
        let lines = lines_using(compose_text, name);
        let lands = if lines.is_empty() {
            "the compose file does not interpolate it".to_string()
        } else {
            format!("it is interpolated on line {} of the compose file (judged there as deploy-time)", join(&lines))
        };
        f.push(Finding::note(FindingCode::AllowedEnv, format!("allowed_envs lets the deployer set {name}; {lands}")));
    }
}

fn join(lines: &[usize]) -> String {
    lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

/// Lines of `text` that reference `$name` or `${name…`.
fn lines_using(text: &str, name: &str) -> Vec<usize> {
    let plain = format!("${name}");
    let braced = format!("${{{name}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let hit = |pat: &str| {
                l.match_indices(pat).any(|(i, _)| {
                    let after = l.get(i.saturating_add(pat.len())..).and_then(|r| r.chars().next());
                    !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                })
            };
            hit(&plain) || hit(&braced)
        })
        .map(|(i, _)| i.saturating_add(1))
        .collect()
}
