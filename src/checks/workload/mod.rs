//! Check 3 — workload pin (SPEC §1, check 3): the code that runs is pinned and auditable.
//!
//! Judged on the effective-deployment model (`crate::deployment`), never on a partial reading:
//! dstack's boot path first (`boot`: runner, pre-launch script, `allowed_envs`). A deployment is
//! a git-launcher deployment when the reference has a `workload` section or the attested compose
//! runs a git-launcher service (`locate`); its pin is the config the launcher actually reads,
//! which must come from literal inline `configs:` content, be valid by the launcher's own rules
//! (`compose::git_launcher`), sit in a launcher service made only of understood keys, beside
//! services that cannot change it (`closed`), and equal the reference. Any other deployment is
//! image-pinned (`images`). A pin that is established but not compared with an expectation
//! leaves the check not checked, never passed. `--workload-repo` is inspected by the pipeline
//! for the commit this check pins (`WorkloadObservation::pinned`); the check judges what it found.

use crate::finding_code::FindingCode;
mod boot;
mod closed;
mod images;
pub(crate) mod locate;
mod pinned;

use crate::attested::Effective;
use crate::checks::launcher::AttestedCompose;
use crate::compose::git_launcher::{LauncherConfig, Mode, DEFAULT_CONFIG_PATH, DEFAULT_ENTRYPOINT};
use crate::deployment::model::ComposeModel;
use crate::reference::{Reference, WorkloadExpect};
use crate::report::{CheckId, CheckResult, Finding, Outcome};
use crate::workload::repo::{CommitFacts, RepoError};

pub use crate::checks::runner::runner_runs_compose;

pub use crate::views::LauncherConfigView;

/// Describes the git-launcher config of `compose`, if it has a git-launcher service.
pub fn inspect_launcher(effective: &Effective) -> Option<LauncherConfigView> {
    let reference = Reference::none();
    let m = effective.model().ok()?;
    let services = locate::launcher_services(m, &reference);
    let [service] = services.as_slice() else { return None };
    let ms = service.service;
    let mut view = LauncherConfigView {
        service: service.name.clone(),
        path: DEFAULT_CONFIG_PATH.to_string(),
        source: String::new(),
        config: None,
        problem: None,
    };
    match closed::launcher_path(ms) {
        Ok(p) => view.path = p,
        Err(why) => {
            view.problem = Some(why.message);
            return Some(view);
        }
    }
    match closed::config_source(m, ms, &view.path) {
        closed::Source::Refused(why) if why.code == FindingCode::LauncherConfigNotAttested => {
            view.source = format!("the host (not attested): {}", why.message)
        }
        closed::Source::Refused(why) => view.problem = Some(why.message),
        closed::Source::InImage => view.source = "inside the image (nothing mounts the path)".into(),
        closed::Source::Inline { name } => {
            view.source = format!("configs.{name}.content (inline)");
            match effective.launcher_config(&name) {
                Some(Ok(c)) => view.config = Some(c.clone()),
                Some(Err(e)) => view.problem = Some(e.to_string()),
                None => view.problem = Some(format!("configs.{name} was not read as a launcher config")),
            }
        }
    }
    Some(view)
}

/// Inputs of check 3 beyond the evidence.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkloadInputs<'a> {
    /// `--workload-repo`: what the local clone holds for the pinned commit.
    pub repo: Option<&'a RepoInspection>,
}

/// What a local clone of the workload repository holds for one commit and entry script, as the
/// pipeline inspected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoInspection {
    /// The commit asked for.
    pub commit: String,
    /// The entry script path asked for (`None` in advanced mode).
    pub script: Option<String>,
    pub facts: Result<CommitFacts, RepoError>,
}

impl RepoInspection {
    /// The commit and script path the clone must be inspected for, given the pinned config.
    pub fn wanted(c: &LauncherConfig) -> (String, Option<String>) {
        (c.commit_sha.clone(), c.run_cmd.is_none().then(|| c.script_path()))
    }
}

/// What check 3 established, for facts and `reference init`.
#[derive(Debug, Clone, Default)]
pub struct WorkloadObservation {
    /// The attested, valid, override-free launcher config.
    pub config: Option<LauncherConfig>,
    /// The attested, valid launcher config, whether or not something else can override it: the
    /// commit `--workload-repo` is inspected for.
    pub pinned: Option<LauncherConfig>,
    /// The config path the launcher reads.
    pub config_path: Option<String>,
    /// Image-pinned deployments: every service's pinned reference.
    pub images: Option<Vec<String>>,
}

impl WorkloadObservation {
    pub fn commit(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.commit_sha.as_str())
    }
}

pub fn check(
    compose: &AttestedCompose,
    reference: &Reference,
    inputs: WorkloadInputs,
) -> (CheckResult, WorkloadObservation) {
    let mut f = Vec::new();
    let obs = evaluate(compose, reference, inputs, &mut f);
    let result = CheckResult::from_findings(CheckId::Workload, f);
    let summary = match (&obs.config, &obs.images) {
        (Some(c), _) => Some(format!("{} pinned to commit {} — {}", c.repo_url, c.commit_sha, mode_text(c))),
        (None, Some(images)) => {
            let mut unique = images.clone();
            unique.sort();
            unique.dedup();
            Some(format!(
                "{} ({}) pinned by digest, all in the reference allow-list",
                crate::error::count(unique.len(), "image"),
                crate::error::count(images.len(), "service")
            ))
        }
        _ => None,
    };
    let result = match summary {
        Some(s) => result.with_pass_summary(s),
        None => result,
    };
    (result, obs)
}

fn mode_text(c: &LauncherConfig) -> String {
    match c.mode() {
        Mode::Default { script } => format!("runs {script} (default mode)"),
        Mode::Advanced { run_cmd, install_cmd: None } => format!("runs `{run_cmd}` (advanced mode)"),
        Mode::Advanced { run_cmd, install_cmd: Some(i) } => {
            format!("installs with `{i}`, runs `{run_cmd}` (advanced mode)")
        }
    }
}

fn evaluate(
    compose: &AttestedCompose,
    reference: &Reference,
    inputs: WorkloadInputs,
    f: &mut Vec<Finding>,
) -> WorkloadObservation {
    let mut obs = WorkloadObservation::default();
    let parsed = compose.effective();
    let (compose, source, app) = match compose.usable() {
        Ok(usable) => usable,
        Err(why) => {
            f.push(why);
            return obs;
        }
    };
    let (effective, m) = match parsed.map(|p| (p, p.model())) {
        Some((p, Ok(m))) => (p, m),
        None => return obs,
        Some((_, Err(e))) => {
            f.push(Finding::fail(
                FindingCode::ComposeUnreadable,
                format!("the attested docker_compose_file cannot be read: {e}"),
            ));
            return obs;
        }
    };
    if !boot::check(app, &compose.text, reference, f) {
        return obs;
    }
    for p in &m.problems {
        f.push(Finding::fail(closed::NOT_MODELLED, format!("{} (line {}): {}", p.field, p.line, p.why)));
    }
    let services = locate::launcher_services(m, reference);
    // A git-launcher is judged as one even when its config is baked into the image: its keys can
    // still change what it runs. (A launcher image of another name, NEAR's say, is image-pinned.)
    let git_mode = reference.workload.as_ref().is_some_and(|w| w.expects_launcher())
        || services.iter().any(|s| locate::mounts_config(s.service))
        || (!services.is_empty()
            && (reference.launcher.is_none() || services.iter().any(locate::Launcher::named_git_launcher)));
    if !git_mode {
        pinned::check(m, &compose.text, reference, f);
        obs.images = images::check(m, source, reference, f);
        if f.iter().any(|x| x.outcome == Outcome::Fail) {
            obs.images = None;
        }
        return obs;
    }
    let service = match services.as_slice() {
        [one] => one,
        [] => {
            f.push(Finding::fail(
                FindingCode::LauncherConfigMissing,
                format!("the reference expects a git-launcher workload, but no service of {source} runs the launcher"),
            ));
            return obs;
        }
        many => {
            let names: Vec<&str> = many.iter().map(|s| s.name.as_str()).collect();
            f.push(Finding::fail(
                FindingCode::LauncherAmbiguous,
                format!("several services could be the git-launcher: {}", names.join(", ")),
            ));
            return obs;
        }
    };
    git_launcher(m, effective, service, reference, inputs, f, &mut obs);
    obs
}

fn git_launcher(
    m: &ComposeModel,
    effective: &Effective,
    service: &locate::Launcher,
    reference: &Reference,
    inputs: WorkloadInputs,
    f: &mut Vec<Finding>,
    obs: &mut WorkloadObservation,
) {
    let ms = service.service;
    images::others(m, &service.name, reference, f);
    let image = service.image.as_ref().map(|i| i.raw.as_str());
    let path = match closed::launcher_path(ms) {
        Ok(p) => p,
        Err(why) => {
            f.push(why);
            closed::launcher(ms, image, DEFAULT_CONFIG_PATH, None, reference, f);
            closed::others(m, ms, DEFAULT_CONFIG_PATH, None, f);
            return;
        }
    };
    if let Some(r) = reference.workload.as_ref().and_then(|w| w.config_path.as_deref()) {
        if r != path {
            f.push(
                Finding::fail(
                    FindingCode::LauncherConfigPathMismatch,
                    format!("services.{} makes the launcher read {path}; the reference's workload.config_path does not change what it reads", ms.name),
                )
                .expected(r.to_string())
                .actual(path.clone()),
            );
        }
    }
    obs.config_path = Some(path.clone());
    let name = match closed::config_source(m, ms, &path) {
        closed::Source::Inline { name } => name,
        closed::Source::Refused(why) => {
            f.push(why);
            closed::launcher(ms, image, &path, None, reference, f);
            closed::others(m, ms, &path, None, f);
            return;
        }
        closed::Source::InImage => {
            in_image(service, &path, reference, f);
            closed::launcher(ms, image, &path, None, reference, f);
            closed::others(m, ms, &path, None, f);
            return;
        }
    };
    let field = format!("configs.{name}.content");
    let config = match effective.launcher_config(&name) {
        Some(Ok(c)) => c.clone(),
        None => {
            f.push(Finding::fail(
                closed::NOT_MODELLED,
                format!("the launcher config ({field}, mounted at {path}) was not read by the parse stage"),
            ));
            closed::launcher(ms, image, &path, None, reference, f);
            closed::others(m, ms, &path, None, f);
            return;
        }
        Some(Err(e)) => {
            f.push(Finding::fail(e.code(), format!("the launcher config ({field}, mounted at {path}): {e}")));
            closed::launcher(ms, image, &path, None, reference, f);
            closed::others(m, ms, &path, None, f);
            return;
        }
    };
    f.push(Finding::pass(
        FindingCode::LauncherConfigAttested,
        format!("services.{} reads {path} from {field}, which is part of the compose-hash", service.name),
    ));
    f.push(
        Finding::pass(
            FindingCode::WorkloadCommitPinned,
            format!("the config pins {} to a full commit id — {}", config.repo_url, mode_text(&config)),
        )
        .actual(config.commit_sha.clone()),
    );
    if let Mode::Advanced { run_cmd, install_cmd } = config.mode() {
        let install = install_cmd.map(|i| format!("; INSTALL_CMD `{i}`")).unwrap_or_default();
        f.push(Finding::warn(
            FindingCode::WorkloadAdvancedMode,
            format!("advanced mode: RUN_CMD `{run_cmd}`{install} runs instead of an entry script; these commands are trust-bearing"),
        ));
    }
    if let Some(env) = &config.child_env_file {
        f.push(Finding::fail(
            FindingCode::WorkloadChildEnvFile,
            format!(
                "CHILD_ENV_FILE={env}: launcher v0.1.0 exports every variable of that file (not attested) into the \
                 workload's bash, BASH_ENV included, and later launchers refuse the key"
            ),
        ));
    }
    closed::launcher(ms, image, &path, Some(&config), reference, f);
    closed::others(m, ms, &path, Some(&config), f);
    // The pin is a fact only when nothing else can change what runs (a mismatch with the
    // reference below does not make it less of a fact).
    let sound = !f.iter().any(|x| x.outcome == Outcome::Fail);
    match &reference.workload {
        None => f.push(Finding::not_checked(
            FindingCode::WorkloadExpectationMissing,
            "the reference has no `workload` section: the pinned repository and commit are not compared with anything",
        )),
        Some(expect) => compare(&config, expect, f),
    }
    if let Some(repo) = inputs.repo {
        local_clone(repo, &config, f);
    }
    obs.pinned = Some(config.clone());
    if sound {
        obs.config = Some(config);
    }
}

/// A launcher with no config mounted: the config, and so the pin, is baked into the image.
fn in_image(service: &locate::Launcher, path: &str, reference: &Reference, f: &mut Vec<Finding>) {
    let Some(image) = service.image.as_ref() else {
        f.push(Finding::fail(
            FindingCode::LauncherConfigMissing,
            format!("services.{} mounts no config at {path} and names no image", service.name),
        ));
        return;
    };
    if !image.is_pinned() {
        f.push(
            Finding::fail(
                FindingCode::WorkloadImageNotPinned,
                format!("no config is mounted at {path}, so it is inside {}, which is named by tag: nothing pins the workload", image.raw),
            )
            .expected(format!("{}@sha256:…", image.name())),
        );
        return;
    }
    f.push(Finding::pass(
        FindingCode::WorkloadPinInImage,
        format!(
            "no config is mounted at {path}: the pin is inside the image digest of {} (check 2's provenance covers who built it)",
            image.raw
        ),
    ));
    let listed = reference.images.as_ref().map(|l| l.iter().any(|a| images::same_image(a, image)));
    match listed {
        Some(true) => f.push(Finding::pass(
            FindingCode::WorkloadImagesAllowed,
            "the launcher image (and so its baked-in config) is in the reference's `images`",
        )),
        Some(false) => f.push(
            Finding::fail(
                FindingCode::WorkloadImageNotAllowed,
                "the launcher image is not in the reference's `images`",
            )
            .actual(image.pinned_reference().unwrap_or_else(|| image.raw.clone())),
        ),
        None => f.push(Finding::not_checked(
            FindingCode::WorkloadExpectationMissing,
            "the pin is inside the launcher image: list its digest in the reference's `images` to compare it",
        )),
    }
    if reference.workload.as_ref().is_some_and(|w| w.commit_sha.is_some() || w.repo_url.is_some()) {
        f.push(Finding::not_checked(
            FindingCode::WorkloadCommitNotVisible,
            "the reference names a repository or commit, but the config is inside the image and cannot be read here",
        ));
    }
}

/// Compares the config with the reference's `workload` (SPEC §1, check 3.2). Absent values
/// mean the launcher's defaults: no subdirectory, `entrypoint.sh`, default mode.
fn compare(c: &LauncherConfig, w: &WorkloadExpect, f: &mut Vec<Finding>) {
    let before = f.len();
    match &w.repo_url {
        None => f.push(Finding::not_checked(
            FindingCode::WorkloadExpectationMissing,
            "the reference's `workload` has no repo_url",
        )),
        Some(r) if *r != c.repo_url => f.push(
            Finding::fail(
                FindingCode::WorkloadRepoMismatch,
                "the config's REPO_URL is not the reference's workload.repo_url",
            )
            .expected(r.clone())
            .actual(c.repo_url.clone()),
        ),
        Some(_) => {}
    }
    match &w.commit_sha {
        None => f.push(Finding::not_checked(
            FindingCode::WorkloadExpectationMissing,
            "the reference's `workload` has no commit_sha",
        )),
        Some(sha) if *sha != c.commit_sha => f.push(
            Finding::fail(
                FindingCode::WorkloadCommitMismatch,
                "the config's COMMIT_SHA is not the reference's workload.commit_sha",
            )
            .expected(sha.clone())
            .actual(c.commit_sha.clone()),
        ),
        Some(_) => {}
    }
    let subdir = w.repo_subdir.clone().filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('/').to_string());
    if subdir != c.repo_subdir {
        f.push(
            Finding::fail(
                FindingCode::WorkloadScriptMismatch,
                "the config's REPO_SUBDIR is not the reference's workload.repo_subdir",
            )
            .expected(subdir.unwrap_or_else(|| "(none)".into()))
            .actual(c.repo_subdir.clone().unwrap_or_else(|| "(none)".into())),
        );
    }
    let script = w.entrypoint_script.clone().unwrap_or_else(|| DEFAULT_ENTRYPOINT.to_string());
    if script != c.entrypoint_script {
        f.push(
            Finding::fail(
                FindingCode::WorkloadScriptMismatch,
                "the config's ENTRYPOINT_SCRIPT is not the reference's workload.entrypoint_script",
            )
            .expected(script)
            .actual(c.entrypoint_script.clone()),
        );
    }
    match (&w.run_cmd, &c.run_cmd) {
        (None, Some(run)) => f.push(
            Finding::fail(
                FindingCode::WorkloadAdvancedModeUnexpected,
                "the config runs RUN_CMD (advanced mode), but the reference expects the default mode (no workload.run_cmd)",
            )
            .expected("no RUN_CMD: the commit's entry script runs")
            .actual(run.clone()),
        ),
        (Some(run), None) => f.push(
            Finding::fail(FindingCode::WorkloadModeMismatch, "the reference expects advanced mode (workload.run_cmd), but the config has no RUN_CMD")
                .expected(run.clone())
                .actual(format!("default mode: {}", c.script_path())),
        ),
        (Some(expected), Some(actual)) if expected != actual => f.push(
            Finding::fail(FindingCode::WorkloadCommandMismatch, "the config's RUN_CMD is not the reference's workload.run_cmd")
                .expected(expected.clone())
                .actual(actual.clone()),
        ),
        _ => {}
    }
    if w.install_cmd != c.install_cmd && (w.run_cmd.is_some() || c.run_cmd.is_some()) {
        f.push(
            Finding::fail(
                FindingCode::WorkloadCommandMismatch,
                "the config's INSTALL_CMD is not the reference's workload.install_cmd",
            )
            .expected(w.install_cmd.clone().unwrap_or_else(|| "(none)".into()))
            .actual(c.install_cmd.clone().unwrap_or_else(|| "(none)".into())),
        );
    }
    let differs = f.iter().skip(before).any(|x| x.outcome != crate::report::Outcome::Pass);
    if !differs {
        f.push(Finding::pass(
            FindingCode::WorkloadMatchesReference,
            format!(
                "repository, commit and {} match the reference's `workload`",
                if c.run_cmd.is_some() { "commands" } else { "entry script" }
            ),
        ));
    }
}

/// `--workload-repo`: the pinned commit and the script that runs exist in the local clone.
fn local_clone(repo: &RepoInspection, c: &LauncherConfig, f: &mut Vec<Finding>) {
    let (commit, script) = RepoInspection::wanted(c);
    if repo.commit != commit || repo.script != script {
        f.push(
            Finding::not_checked(
                FindingCode::WorkloadRepoUnusable,
                "the workload repository was inspected for another commit or script than the pinned ones",
            )
            .expected(format!("{commit} {}", script.unwrap_or_default()))
            .actual(format!("{} {}", repo.commit, repo.script.clone().unwrap_or_default())),
        );
        return;
    }
    match &repo.facts {
        Err(e) => f.push(Finding::fail(e.code(), e.to_string())),
        Ok(facts) => {
            let what = match &facts.script {
                Some(s) => format!(
                    "; {} is blob {} (mode {}{}) — read it there",
                    s.path,
                    s.blob,
                    s.mode,
                    if s.symlink { ", a symlink: read its target too" } else { "" }
                ),
                None => format!("; tree {} (advanced mode: read the commands' inputs)", facts.tree),
            };
            f.push(Finding::pass(
                FindingCode::WorkloadRepoVerified,
                format!("commit {} is in {}{what}", facts.commit, facts.dir),
            ));
            if !facts.remotes.is_empty() && !facts.remotes.contains(&c.repo_url) {
                f.push(
                    Finding::warn(
                        FindingCode::WorkloadRepoRemoteDiffers,
                        "no remote of the local clone is the config's REPO_URL",
                    )
                    .expected(c.repo_url.clone())
                    .actual(facts.remotes.join(", ")),
                );
            }
        }
    }
}
