//! Override hazards (SPEC §1, check 3.3): ways deploy-time configuration, which the
//! compose-hash does not cover, could change a trust-bearing git-launcher key. Each hazard is a
//! failure that names the path by which the value could change.

use crate::checks::launcher::AppSettings;
use crate::compose::docker_compose::{literal_value, variables, Service};
use crate::compose::git_launcher::{Key, LauncherConfig};
use crate::report::Finding;

pub const CODE: &str = "workload-override";

/// The config text as the launcher will read it, from inline `content:` written before
/// Compose's interpolation. A line that interpolates a variable is a hazard when it sets a
/// trust-bearing (or unknown) key; one that sets plumbing (`WORK_DIR`, `CHILD_ENV_FILE`) is
/// blanked with a note, keeping line numbers. `$$` becomes `$`.
pub fn resolve_content(content: &str, field: &str, f: &mut Vec<Finding>) -> Option<String> {
    let mut out = Vec::new();
    let mut hazard = false;
    for (i, line) in content.split('\n').enumerate() {
        let number = i.saturating_add(1);
        if line.trim_start().starts_with('#') {
            out.push(line.to_string());
            continue;
        }
        if let Some(literal) = literal_value(line) {
            out.push(literal);
            continue;
        }
        let key_text = line.split_once('=').map_or(line, |(k, _)| k);
        let vars = variables(line).unwrap_or_default().join(", ");
        match Key::from_name(key_text) {
            Some(key) if !key.is_trust_bearing() => {
                f.push(Finding::note(
                    "workload-plumbing-interpolated",
                    format!(
                        "{field} line {number}: {} takes ${{{vars}}} at deploy time (not trust-bearing)",
                        key.name()
                    ),
                ));
                out.push(String::new());
            }
            _ => {
                hazard = true;
                f.push(
                    Finding::fail(
                        CODE,
                        format!(
                            "{field} line {number}: `{key_text}` is interpolated from the deployment's environment \
                             (${{{vars}}}), so the deployer chooses its value"
                        ),
                    )
                    .expected("a literal value in the attested config")
                    .actual(line.to_string()),
                );
            }
        }
    }
    (!hazard).then(|| out.join("\n"))
}

/// Hazards around the launcher service and the app-compose settings.
pub fn check(service: &Service, app: &AppSettings, config: Option<&LauncherConfig>, f: &mut Vec<Finding>) {
    let name = &service.name;
    let trust_bearing = || Key::ALL.into_iter().filter(|k| k.is_trust_bearing());
    for key in trust_bearing() {
        if app.allowed_envs.iter().any(|e| e == key.name()) {
            f.push(
                Finding::fail(
                    CODE,
                    format!(
                        "{} is listed in the app-compose's allowed_envs: the deployer can set it at deploy time",
                        key.name()
                    ),
                )
                .expected(format!("allowed_envs without {}", key.name()))
                .actual(format!("allowed_envs: [{}]", app.allowed_envs.join(", "))),
            );
        }
    }
    for file in &service.env_file {
        f.push(Finding::fail(
            CODE,
            format!(
                "services.{name}.env_file reads {file} on the host at deploy time; it can set any variable of the launcher, trust-bearing keys included"
            ),
        ));
    }
    for (var, value) in &service.environment {
        let Some(key) = Key::from_name(var).filter(|k| k.is_trust_bearing()) else { continue };
        let field = format!("services.{name}.environment.{var}");
        match value.as_deref().map(|v| (v, literal_value(v))) {
            None => f.push(Finding::fail(
                CODE,
                format!("{field} has no value: it is taken from the deployment's environment"),
            )),
            Some((raw, None)) => f.push(
                Finding::fail(CODE, format!("{field} is interpolated from the deployment's environment"))
                    .actual(raw.to_string()),
            ),
            Some((_, Some(literal))) => {
                let configured = config.map(|c| configured_value(c, key));
                if configured.as_ref() == Some(&Some(literal.clone())) {
                    f.push(Finding::note(
                        "workload-env-repeats-config",
                        format!("{field} repeats the config's value {literal}"),
                    ));
                } else {
                    f.push(
                        Finding::fail(
                            CODE,
                            format!(
                                "{field} sets {} beside the config: which value the launcher uses is ambiguous",
                                key.name()
                            ),
                        )
                        .expected(configured.flatten().unwrap_or_else(|| "(not set in the config)".into()))
                        .actual(literal),
                    );
                }
            }
        }
    }
    for i in &service.interpolated {
        let command = [".command", ".entrypoint"]
            .iter()
            .any(|p| i.field.strip_prefix(&format!("services.{name}")).is_some_and(|rest| rest.starts_with(p)));
        if command {
            f.push(Finding::fail(
                CODE,
                format!("{} takes ${{{}}} from the deployment's environment: the launcher's command (and config path) is not fixed", i.field, i.variable),
            ));
        }
    }
    for other in &service.volumes_from {
        f.push(Finding::fail(
            CODE,
            format!(
                "services.{name}.volumes_from mounts the volumes of {other}, which can cover the launcher's config or its checkout"
            ),
        ));
    }
    if let Some(e) = &service.extends {
        if let Some(file) = &e.file {
            f.push(Finding::fail(
                CODE,
                format!(
                    "services.{name}.extends takes `{}` from {file}, a file outside the attested compose",
                    e.service
                ),
            ));
        }
    }
    if app.pre_launch_script {
        f.push(Finding::warn(
            "pre-launch-script-present",
            "the app-compose has a pre_launch_script: it is attested, but it runs before the launcher and can change its inputs; read it",
        ));
    }
    if app.init_script {
        f.push(Finding::warn(
            "init-script-present",
            "the app-compose has an init_script: it is attested, but it runs in the CVM beside the launcher; read it",
        ));
    }
}

/// The launcher must run as itself: an `entrypoint:` replaces its program, and a `command:`
/// argument other than the config path may replace it too (when the image starts its program
/// through `CMD`). Either way the pinned commit would not be what runs.
pub fn command(service: &Service, f: &mut Vec<Finding>) {
    let name = &service.name;
    if let Some(e) = service.entrypoint.as_ref().filter(|e| !e.is_empty()) {
        f.push(
            Finding::fail(
                CODE,
                format!("services.{name}.entrypoint replaces the launcher's own program: that command runs, not the pinned commit"),
            )
            .expected("no entrypoint: (the launcher image's own)")
            .actual(e.join(" ")),
        );
    }
    let extra: Vec<&String> = service
        .command
        .iter()
        .flatten()
        .filter(|a| !(a.starts_with('/') || a.starts_with("--config=") || *a == "--config"))
        .collect();
    if !extra.is_empty() {
        let args: Vec<&str> = extra.iter().map(|a| a.as_str()).collect();
        f.push(
            Finding::fail(
                CODE,
                format!(
                    "services.{name}.command passes more than the config path ({}): if the image starts its program through CMD, these replace it",
                    args.join(" ")
                ),
            )
            .expected("only the config path (or --config=PATH)"),
        );
    }
}

fn configured_value(c: &LauncherConfig, key: Key) -> Option<String> {
    match key {
        Key::RepoUrl => Some(c.repo_url.clone()),
        Key::CommitSha => Some(c.commit_sha.clone()),
        Key::RepoSubdir => c.repo_subdir.clone(),
        Key::EntrypointScript => Some(c.entrypoint_script.clone()),
        Key::RunCmd => c.run_cmd.clone(),
        Key::InstallCmd => c.install_cmd.clone(),
        Key::WorkDir => c.work_dir.clone(),
        Key::ChildEnvFile => c.child_env_file.clone(),
    }
}
