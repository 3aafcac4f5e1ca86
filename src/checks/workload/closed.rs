//! Check 3 on the effective deployment (`crate::deployment::model`), as a closed world
//! (issue §3–4, docs/verify-a-deployment.md "threat model"): the launcher service may hold only
//! keys whose effect is known and accepted, and no other service may be able to change it.
//! Every refusal names the service, the key and its line.

use crate::compose::git_launcher::{Key, LauncherConfig, DEFAULT_CONFIG_PATH};
use crate::deployment::interpolate::Interpolated;
use crate::deployment::model::{clean, covers, ComposeModel, Content, MountKind, Service, Text};
use crate::finding_code::FindingCode;
use crate::reference::Reference;
use crate::report::Finding;

pub(super) const OVERRIDE: FindingCode = FindingCode::WorkloadOverride;
pub(super) const NOT_MODELLED: FindingCode = FindingCode::WorkloadKeyNotModelled;

/// The launcher program inside its image (docker/Dockerfile at 14686aa).
const LAUNCHER_PROGRAM: &str = "/usr/local/bin/git-launcher";
/// Where the launcher, bash, git and the dynamic loader read programs and configuration
/// (`/etc/gitconfig`, `/etc/ld.so.preload`, `/etc/bash.bashrc`, `/usr/bin/git`, `/root` as
/// HOME, …): nothing may be mounted at, above or inside them.
pub(super) const SYSTEM_DIRS: [&str; 10] =
    ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/etc", "/root", "/proc"];
/// The launcher's own configuration directory (its default config path's parent).
const LAUNCHER_DIR: &str = "/etc/git-launcher";
/// The dstack guest agent's socket, which the launcher README mounts for the workload.
const DSTACK_SOCK: &str = "/var/run/dstack.sock";

/// Keys known to have no effect on which code the launcher runs.
pub(super) const INERT: [&str; 47] = [
    "restart",
    "container_name",
    "hostname",
    "domainname",
    "ports",
    "expose",
    "networks",
    "labels",
    "annotations",
    "logging",
    "depends_on",
    "stop_signal",
    "stop_grace_period",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "cpus",
    "cpu_shares",
    "cpu_quota",
    "cpu_period",
    "cpuset",
    "cpu_count",
    "cpu_percent",
    "shm_size",
    "ulimits",
    "extra_hosts",
    "dns",
    "dns_search",
    "dns_opt",
    "tty",
    "stdin_open",
    "init",
    "platform",
    "pull_policy",
    "oom_score_adj",
    "oom_kill_disable",
    "read_only",
    "mac_address",
    "pids_limit",
    "blkio_config",
    "attach",
    "sysctls",
    "group_add",
    "links",
    "external_links",
    "deploy",
];
/// Keys that give the container power over the host or other containers; each can be accepted
/// by name in the reference's `workload.accept`.
pub(super) const POWER: [&str; 9] =
    ["privileged", "cap_add", "devices", "pid", "ipc", "network_mode", "security_opt", "userns_mode", "cgroup"];
/// Keys the rules below judge.
pub(super) const MODELLED: [&str; 14] = [
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "tmpfs",
    "configs",
    "secrets",
    "working_dir",
    "profiles",
    "scale",
    "volumes_from",
    "build",
];

/// Environment names the launcher (bash), git or the dynamic loader read.
fn launcher_reads(name: &str) -> bool {
    const EXACT: [&str; 24] = [
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "IFS",
        "CDPATH",
        "GLOBIGNORE",
        "PATH",
        "HOME",
        "XDG_CONFIG_HOME",
        "TMPDIR",
        "POSIXLY_CORRECT",
        "EMAIL",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "CURL_CA_BUNDLE",
        "OPENSSL_CONF",
        "OPENSSL_ENGINES",
        "OPENSSL_MODULES",
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "LOCPATH",
        "HOSTALIASES",
    ];
    const PREFIXES: [&str; 5] = ["GIT_", "LD_", "BASH_", "SSH_", "MALLOC_"];
    let upper = name.to_ascii_uppercase();
    EXACT.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || matches!(upper.as_str(), "HTTP_PROXY" | "HTTPS_PROXY" | "ALL_PROXY" | "NO_PROXY")
}

/// The config path the launcher will read: its arguments (`command:` over the image's empty
/// CMD) by `bin/git-launcher`'s own rules — no argument: the default path; one argument: that
/// file, relative to the working directory (`/` unless `working_dir:`), even when it looks like
/// a flag (`--config=/p` is a file of that name); `-h`/`--help` prints usage and runs nothing;
/// two or more: it refuses to start.
pub(super) fn launcher_path(s: &Service) -> Result<String, Finding> {
    let at = |key: &str| format!("services.{}.{key} (line {})", s.name, s.key_line(key).unwrap_or(s.line));
    if let Some(e) = &s.entrypoint {
        let what = match e {
            Some(a) if a.is_empty() => "clears the image's entrypoint: the command runs instead of the launcher".into(),
            Some(a) => format!("replaces the launcher's program with `{}`", a.join(" ")),
            None => "is interpolated: the deployer chooses the program".into(),
        };
        return Err(Finding::fail(OVERRIDE, format!("{} {what}", at("entrypoint")))
            .expected("no entrypoint: (the launcher image's own)"));
    }
    let args = match &s.command {
        None => Vec::new(),
        Some(None) => {
            return Err(Finding::fail(
                OVERRIDE,
                format!("{} is interpolated: the deployer chooses the launcher's arguments", at("command")),
            ))
        }
        Some(Some(a)) => a.clone(),
    };
    match args.as_slice() {
        [] => Ok(DEFAULT_CONFIG_PATH.to_string()),
        [one] if one == "-h" || one == "--help" => Err(Finding::fail(
            FindingCode::LauncherNotStarted,
            format!("{} is `{one}`: the launcher prints its usage and runs nothing", at("command")),
        )),
        [one] if one.starts_with('/') => Ok(clean(one)),
        [one] => {
            let dir = match &s.working_dir {
                None => "/".to_string(),
                Some(t) => match t.literal() {
                    Some(d) => d.to_string(),
                    None => {
                        return Err(Finding::fail(
                            OVERRIDE,
                            format!(
                                "{} is interpolated, and the config path {one} is relative to it",
                                at("working_dir")
                            ),
                        ))
                    }
                },
            };
            Ok(clean(&format!("{dir}/{one}")))
        }
        many => Err(Finding::fail(
            FindingCode::LauncherNotStarted,
            format!(
                "{} passes {} arguments ({}): the launcher takes at most one (the config file) and refuses to start",
                at("command"),
                many.len(),
                many.join(" ")
            ),
        )),
    }
}

/// Where the config at `path` comes from in the model.
pub(super) enum Source {
    /// The attested inline content of top-level config `name`.
    Inline { name: String },
    /// Nothing provides it: it is inside the image.
    InImage,
    /// A failure finding says why it is not attested.
    Refused(Finding),
}

pub(super) fn config_source(m: &ComposeModel, s: &Service, path: &str) -> Source {
    let name = &s.name;
    for mount in &s.mounts {
        let Some(t) = &mount.target else {
            return Source::Refused(Finding::fail(
                OVERRIDE,
                format!(
                    "services.{name}.{} (line {}) has an interpolated target: the deployer can mount anything over {path}",
                    mount.via, mount.line
                ),
            ));
        };
        if covers(t, path) {
            return Source::Refused(
                Finding::fail(
                    FindingCode::LauncherConfigNotAttested,
                    format!(
                        "services.{name}.{} (line {}) mounts {} at {t}, over the launcher config {path}: it is supplied by the host, which can swap it",
                        mount.via,
                        mount.line,
                        kind_text(mount.kind)
                    ),
                )
                .expected(format!("a top-level config with inline `content:` mounted at {path}")),
            );
        }
    }
    for sec in &s.secrets {
        if sec.target.as_deref().is_none_or(|t| covers(t, path)) {
            return Source::Refused(Finding::fail(
                FindingCode::LauncherConfigNotAttested,
                format!("services.{name}.secrets (line {}) mounts secret {} at {path}: secrets are supplied outside the compose file", sec.line, sec.source),
            ));
        }
    }
    let mut at_path = Vec::new();
    for c in &s.configs {
        match c.target.as_deref() {
            None => {
                return Source::Refused(Finding::fail(
                    OVERRIDE,
                    format!("services.{name}.configs (line {}) has an interpolated target", c.line),
                ))
            }
            Some(t) if t == path => at_path.push(c),
            Some(t) if covers(t, path) => {
                return Source::Refused(Finding::fail(
                    FindingCode::LauncherConfigNotAttested,
                    format!(
                        "services.{name}.configs (line {}) mounts {} at {t}, above the config path {path}",
                        c.line, c.source
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    let [one] = at_path.as_slice() else {
        if at_path.is_empty() {
            return Source::InImage;
        }
        let lines: Vec<String> = at_path.iter().map(|c| c.line.to_string()).collect();
        return Source::Refused(Finding::fail(
            FindingCode::LauncherConfigAmbiguous,
            format!("services.{name}.configs mounts {} configs at {path} (lines {}): which one the launcher reads is not defined", at_path.len(), lines.join(", ")),
        ));
    };
    let Some(top) = m.configs.iter().find(|c| c.name == one.source) else {
        return Source::Refused(Finding::fail(
            FindingCode::LauncherConfigNotAttested,
            format!(
                "services.{name}.configs (line {}) names config {}, which the file does not define",
                one.line, one.source
            ),
        ));
    };
    match &top.content {
        Content::Outside(why) => Source::Refused(
            Finding::fail(
                FindingCode::LauncherConfigNotAttested,
                format!("the launcher config {path} is supplied by the host, which can swap it: {why}"),
            )
            .expected(format!("a top-level config with inline `content:` mounted at {path}")),
        ),
        Content::Inline(t) => match &t.value {
            Interpolated::Literal(_) => Source::Inline { name: top.name.clone() },
            Interpolated::DeployTime(vars) => Source::Refused(
                Finding::fail(
                    OVERRIDE,
                    format!(
                        "configs.{}.content (line {}) interpolates ${{{}}} from the deployment's environment, so the deployer chooses part of the launcher config",
                        top.name,
                        t.line,
                        vars.join("}, ${")
                    ),
                )
                .expected("literal content (write `$$` for a `$`)"),
            ),
        },
    }
}

pub(super) fn kind_text(k: MountKind) -> &'static str {
    match k {
        MountKind::Bind => "a host path",
        MountKind::Volume => "a volume (host storage)",
        MountKind::Tmpfs => "an empty tmpfs",
        MountKind::Other => "a mount",
    }
}

/// Judges every key of the launcher service. `config` is the attested config, when read.
/// `image` is the launcher image as checks 2 and 3 read it (`docker_compose`'s parse).
pub(super) fn launcher(
    s: &Service,
    image: Option<&str>,
    config_path: &str,
    config: Option<&LauncherConfig>,
    reference: &Reference,
    f: &mut Vec<Finding>,
) {
    let name = &s.name;
    let accepts = |what: &str| reference.workload.as_ref().is_some_and(|w| w.accepts(what));
    if let Some(why) = &s.not_started {
        f.push(Finding::fail(
            FindingCode::LauncherNotStarted,
            format!("services.{name} never starts: {why}; it runs nothing"),
        ));
    }
    if let Some(why) = &s.start_deploy_time {
        f.push(Finding::fail(OVERRIDE, format!("services.{name}: whether it starts is chosen at deploy time: {why}")));
    }
    for p in &s.problems {
        f.push(Finding::fail(NOT_MODELLED, format!("{} (line {}): {}", p.field, p.line, p.why)));
    }
    for (key, line) in &s.keys {
        let k = key.as_str();
        if MODELLED.contains(&k) || INERT.contains(&k) || k.starts_with("x-") {
            continue;
        }
        if POWER.contains(&k) {
            if is_power(s, k) {
                power(s, k, *line, accepts(k), f);
            }
            continue;
        }
        let why = match k {
            "extends" => "extends another service; merging is not modelled, so the effective service is not known",
            "user" => "changes the user, and so HOME and the git configuration the launcher reads; not modelled",
            "healthcheck" | "post_start" | "pre_stop" => {
                "runs commands inside the launcher container beside the launcher, outside the pin"
            }
            _ => "is not a key whose effect on the launcher is modelled",
        };
        f.push(
            Finding::fail(NOT_MODELLED, format!("services.{name}.{k} (line {line}) {why}"))
                .expected("only keys whose effect is known (docs/verify-a-deployment.md)"),
        );
    }
    match s.image.as_ref().map(|i| (i.literal(), i.line)) {
        None => f.push(Finding::fail(
            FindingCode::WorkloadImageMissing,
            format!("services.{name} has no effective `image` (removed by `!reset`?): the launcher does not run"),
        )),
        Some((None, line)) => f.push(Finding::fail(
            OVERRIDE,
            format!("services.{name}.image (line {line}) is interpolated: the deployer chooses the launcher image"),
        )),
        Some((Some(i), line)) if Some(i) != image => f.push(
            Finding::fail(
                NOT_MODELLED,
                format!("services.{name}.image (line {line}) is not the image the other checks read"),
            )
            .expected(image.unwrap_or("?").to_string())
            .actual(i.to_string()),
        ),
        Some(_) => {}
    }
    if let Some(t) = s.working_dir.as_ref().filter(|t| t.literal().is_none()) {
        f.push(Finding::fail(
            OVERRIDE,
            format!(
                "services.{name}.working_dir (line {}) is interpolated: relative paths the launcher reads move with it",
                t.line
            ),
        ));
    }
    if let Some(line) = s.key_line("build") {
        f.push(Finding::fail(
            FindingCode::WorkloadImageBuilt,
            format!("services.{name}.build (line {line}): the launcher image is built on the host, not pinned"),
        ));
    }
    if let Some(line) = s.key_line("env_file") {
        f.push(Finding::fail(
            OVERRIDE,
            format!("services.{name}.env_file (line {line}) reads a host file at deploy time: it can set any variable of the launcher"),
        ));
    }
    for v in &s.volumes_from {
        f.push(Finding::fail(
            OVERRIDE,
            format!("services.{name}.volumes_from (line {}) mounts the volumes of {}, which can cover the launcher's config, program or checkout", v.line, v.raw),
        ));
    }
    environment(s, config, f);
    mounts(s, config_path, config, accepts("persistent-checkout"), f);
}

fn power(s: &Service, key: &str, line: usize, accepted: bool, f: &mut Vec<Finding>) {
    let field = format!("services.{}.{key} (line {line})", s.name);
    if accepted {
        f.push(Finding::warn(
            FindingCode::WorkloadPowerAccepted,
            format!("{field} gives the launcher container power over the host or other containers; the reference accepts it (workload.accept: {key})"),
        ));
    } else {
        f.push(
            Finding::fail(
                FindingCode::WorkloadPower,
                format!("{field} gives the launcher container power over the host or other containers"),
            )
            .expected(format!("no `{key}`, or `{key}` in the reference's workload.accept")),
        );
    }
}

fn environment(s: &Service, config: Option<&LauncherConfig>, f: &mut Vec<Finding>) {
    let mut runtime = Vec::new();
    for (var, value, line) in &s.environment {
        let field = format!("services.{}.environment.{var} (line {line})", s.name);
        if launcher_reads(var) {
            f.push(
                Finding::fail(
                    OVERRIDE,
                    format!("{field}: bash, git or the dynamic loader read {var}, so it can run code before the pinned commit"),
                )
                .expected(format!("no {var} in the launcher's environment")),
            );
            continue;
        }
        if let Some(key) = Key::from_name(var) {
            let literal = value.as_ref().and_then(|v| v.literal());
            let configured = config.map(|c| configured_value(c, key));
            if literal.is_some() && configured.as_ref().is_some_and(|c| c.as_deref() == literal) {
                f.push(Finding::note(
                    FindingCode::WorkloadEnvRepeatsConfig,
                    format!("{field} repeats the config's value"),
                ));
            } else {
                f.push(Finding::fail(
                    OVERRIDE,
                    format!("{field} sets {var} beside the config with another or deploy-time value: which one is meant is ambiguous"),
                ));
            }
            continue;
        }
        runtime.push(format!("{var} ({}, line {line})", env_origin(value.as_ref())));
    }
    if !runtime.is_empty() {
        f.push(Finding::note(
            FindingCode::WorkloadRuntimeConfiguration,
            format!(
                "services.{} passes runtime configuration to the workload, not read by the launcher, bash or git: {}",
                s.name,
                runtime.join(", ")
            ),
        ));
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

/// Mounts of the launcher service (config path judged by [`config_source`]).
fn mounts(
    s: &Service,
    config_path: &str,
    config: Option<&LauncherConfig>,
    accept_persistent: bool,
    f: &mut Vec<Finding>,
) {
    let work_dir = config.and_then(|c| c.work_dir.as_deref()).map(|w| resolve(s, w));
    let mut data = Vec::new();
    let file_mounts =
        s.configs.iter().chain(s.secrets.iter()).filter_map(|c| c.target.as_deref().map(|t| (t, c.line, &c.source)));
    for (t, line, source) in file_mounts {
        // Attested content in the launcher's own directory is read by nothing but the launcher.
        if t != config_path && protected(t) && !covers(LAUNCHER_DIR, t) {
            f.push(Finding::fail(
                OVERRIDE,
                format!("services.{}.configs/secrets (line {line}) puts {source} at {t}, where the launcher, bash, git or the loader read programs or configuration", s.name),
            ));
        } else if let Some(w) = work_dir.as_deref().filter(|w| covers(t, w) || covers(w, t)) {
            f.push(Finding::fail(
                OVERRIDE,
                format!("services.{}.configs/secrets (line {line}) puts {source} at {t}, in the launcher's checkout {w} (a file in .git/hooks or .git/config runs before the pinned commit)", s.name),
            ));
        }
    }
    for m in &s.mounts {
        let field = format!("services.{}.{} (line {})", s.name, m.via, m.line);
        let Some(t) = m.target.as_deref() else { continue }; // refused by config_source
        if m.source.as_ref().is_some_and(|x| x.literal().is_none()) {
            f.push(Finding::fail(
                OVERRIDE,
                format!("{field} mounts an interpolated source at {t}: the deployer chooses it"),
            ));
            continue;
        }
        let source = m.source.as_ref().and_then(|x| x.literal()).map(str::to_string);
        if t == DSTACK_SOCK && m.kind == MountKind::Bind && source.as_deref().map(clean).as_deref() == Some(DSTACK_SOCK)
        {
            continue;
        }
        if covers(t, config_path) {
            continue; // reported by `config_source`
        }
        if protected(t) || covers(t, LAUNCHER_PROGRAM) {
            f.push(
                Finding::fail(
                    OVERRIDE,
                    format!("{field} mounts {} at {t}, over programs or configuration the launcher, bash, git or the dynamic loader use", kind_text(m.kind)),
                )
                .expected(format!("nothing mounted at, above or inside {}", SYSTEM_DIRS.join(", "))),
            );
            continue;
        }
        if let Some(w) = work_dir.as_deref() {
            if covers(t, w) || covers(w, t) {
                checkout(&field, m.kind, t, w, t == w || covers(t, w), accept_persistent, f);
                continue;
            }
        }
        data.push(format!("{t} ({})", kind_text(m.kind)));
    }
    if !data.is_empty() {
        f.push(Finding::note(
            FindingCode::WorkloadRuntimeData,
            format!(
                "services.{} mounts data outside the checkout, the config and system paths: {}",
                s.name,
                data.join(", ")
            ),
        ));
    }
}

/// A mount at, above or inside the launcher's checkout (WORK_DIR).
fn checkout(field: &str, kind: MountKind, t: &str, w: &str, at_or_above: bool, accepted: bool, f: &mut Vec<Finding>) {
    match (kind, at_or_above) {
        (MountKind::Tmpfs, true) => {}
        (MountKind::Volume, true) if accepted => f.push(Finding::warn(
            FindingCode::WorkloadPersistentCheckout,
            format!("{field} keeps the checkout {w} in a volume across deployments; the reference accepts this (workload.accept: persistent-checkout)"),
        )),
        (MountKind::Volume, true) => f.push(
            Finding::not_checked(
                FindingCode::WorkloadPersistentCheckout,
                format!(
                    "{field} keeps the checkout {w} in a volume across deployments: an earlier deployment's .git/hooks or \
                     .git/config run code (git fetch, checkout) before the pinned commit, and the launcher reuses the \
                     checkout without removing them (bin/git-launcher ensure_repo_at_commit). Mount a tmpfs at {w}, or \
                     drop the volume so the checkout lives in the container; or, having checked that no earlier \
                     deployment could write to the volume, add `persistent-checkout` to the reference's workload.accept"
                ),
            )
            .expected(format!("no volume at or above {w}")),
        ),
        (MountKind::Bind, _) => f.push(Finding::fail(
            OVERRIDE,
            format!("{field} mounts a host path at {t}, over the launcher's checkout {w}: the host supplies the code"),
        )),
        _ => f.push(Finding::fail(
            OVERRIDE,
            format!("{field} mounts {} at {t}, inside the launcher's checkout {w}", kind_text(kind)),
        )),
    }
}

/// Host paths of the CVM through which a container reaches the container engine (its sockets
/// and state, which hold every container's files and volumes), dstack's files, or the kernel's
/// view of other processes and its settings (`/proc/PID/root`, `core_pattern`, `uevent_helper`).
/// A mount at, above or inside one of them gives that power (docs/decisions.md 80).
const ENGINE: [&str; 9] = [
    "/var/run/docker.sock",
    "/run/docker",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/run/containerd",
    "/dstack",
    "/var/volatile/dstack",
    "/proc",
    "/sys",
];

/// dstack's own directories in [`ENGINE`]: only a mount at or above them counts, since a
/// relative host path (`./cache`) is inside the project directory `/dstack`.
const DSTACK_DIRS: [&str; 2] = ["/dstack", "/var/volatile/dstack"];

/// The project directory: app-compose.service runs `docker compose -f docker-compose.yaml` in
/// `/dstack`, and Compose resolves a relative host path against the compose file's directory.
const PROJECT_DIR: &str = "/dstack";

/// A host path as Compose resolves it: `~` is root's home (the unit runs as root), a relative
/// path is under the project directory (compose-go `paths.ExpandUser` and `format/volume.go`).
fn host_path(raw: &str) -> String {
    if let Some(rest) = raw.strip_prefix('~') {
        clean(&format!("/root/{rest}"))
    } else if raw.starts_with('/') {
        clean(raw)
    } else {
        clean(&format!("{PROJECT_DIR}/{raw}"))
    }
}

/// Whether a host path (as written in the compose file) reaches the container engine, dstack's
/// files or the kernel's interfaces: at, above or inside one of [`ENGINE`] (above only for
/// dstack's own directories, which hold the project directory).
pub(super) fn engine(raw_host_path: &str) -> bool {
    let p = host_path(raw_host_path);
    ENGINE.iter().any(|e| covers(&p, e) || (!DSTACK_DIRS.contains(e) && covers(e, &p)))
}

/// Whether a host path (as written in the compose file) is at, above or inside one of the CVM's
/// own system directories ([`SYSTEM_DIRS`]): a writable mount there lets a container change the
/// programs, libraries or configuration (`/etc/ld.so.preload`, systemd units) that the CVM runs
/// as root, beside every container (decision 82).
pub(super) fn cvm_system(raw_host_path: &str) -> bool {
    protected(&host_path(raw_host_path))
}

/// Capabilities that let a container reach into others or the CVM (capabilities(7)).
const STRONG_CAPS: [&str; 9] =
    ["ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "SYS_BOOT", "BPF", "PERFMON"];

/// A `security_opt` entry that only adds confinement (docker run reference, "Security
/// configuration"): `no-new-privileges`. Anything else may lift it.
fn hardening(o: &str) -> bool {
    matches!(o, "no-new-privileges" | "no-new-privileges:true" | "no-new-privileges=true")
}

/// A path as the launcher sees it: relative paths are under the working directory (`/` unless
/// `working_dir:`; an interpolated one fails in [`launcher`], so the fallback here never passes).
fn resolve(s: &Service, path: &str) -> String {
    if path.starts_with('/') {
        return clean(path);
    }
    let dir = match &s.working_dir {
        None => "/",
        Some(t) => t.literal().unwrap_or(""),
    };
    clean(&format!("{dir}/{path}"))
}

/// Where an environment value comes from, as the runtime-configuration note says it.
pub(super) fn env_origin(value: Option<&Text>) -> &'static str {
    match value.map(|v| v.literal()) {
        None => "from the deployment",
        Some(None) => "interpolated",
        Some(Some(_)) => "literal",
    }
}

/// At, above or inside a system directory.
pub(super) fn protected(t: &str) -> bool {
    SYSTEM_DIRS.iter().any(|d| covers(d, t) || covers(t, d))
}

/// Judges the services other than the launcher: each must not be able to change it.
pub(super) fn others(
    m: &ComposeModel,
    launcher: &Service,
    config_path: &str,
    config: Option<&LauncherConfig>,
    f: &mut Vec<Finding>,
) {
    let work_dir = config.and_then(|c| c.work_dir.as_deref()).map(|w| resolve(launcher, w));
    let launcher_volumes: Vec<&str> = launcher
        .mounts
        .iter()
        .filter(|x| x.kind == MountKind::Volume)
        .filter(|x| {
            x.target.as_deref().is_some_and(|t| {
                covers(t, config_path)
                    || work_dir.as_deref().is_some_and(|w| covers(t, w) || covers(w, t))
                    || protected(t)
            })
        })
        .filter_map(|x| x.source.as_ref().and_then(|s| s.literal()))
        .collect();
    for s in m.services.iter().filter(|s| s.name != launcher.name) {
        let name = &s.name;
        for p in &s.problems {
            f.push(Finding::fail(NOT_MODELLED, format!("{} (line {}): {}", p.field, p.line, p.why)));
        }
        let mut power = |what: String| {
            f.push(Finding::fail(
                FindingCode::WorkloadSidecarControlsLauncher,
                format!("services.{name} can change the launcher: {what}"),
            ));
        };
        for x in &s.mounts {
            if let Some(v) = x.source.as_ref().filter(|v| v.literal().is_none()) {
                power(format!(
                    "{} (line {}) mounts the interpolated source {}: the deployer chooses it",
                    x.via, x.line, v.raw
                ));
                continue;
            }
            let host = matches!(x.kind, MountKind::Bind | MountKind::Other);
            let raw = x.source.as_ref().and_then(|v| v.literal());
            if host && raw.is_some_and(engine) {
                power(format!(
                    "{} (line {}) mounts the container engine or the CVM's kernel interfaces ({})",
                    x.via,
                    x.line,
                    raw.map(host_path).unwrap_or_default()
                ));
            } else if host && !x.read_only && raw.is_some_and(cvm_system) {
                power(format!(
                    "{} (line {}) mounts the CVM's system directory {} writable: it can change what the CVM runs as root",
                    x.via,
                    x.line,
                    raw.map(host_path).unwrap_or_default()
                ));
            } else if x.kind == MountKind::Volume && !x.read_only {
                if let Some(v) = x.source.as_ref().and_then(|v| v.literal()).filter(|v| launcher_volumes.contains(v)) {
                    power(format!("volumes (line {}) writes the volume {v}, which the launcher mounts over its checkout, config or system paths", x.line));
                }
            }
        }
        for (key, line) in &s.keys {
            let k = key.as_str();
            if (k == "privileged" || k == "pid") && is_power(s, k) {
                power(format!("{k} (line {line}) gives it power over the host or the launcher's processes"));
            } else if k == "devices" {
                power(format!("devices (line {line}) gives it the CVM's devices (its disks hold the engine's images)"));
            } else if k == "cap_add" && s.cap_add.iter().any(|c| STRONG_CAPS.contains(&c.trim_start_matches("CAP_"))) {
                power(format!("cap_add (line {line}) grants {}", s.cap_add.join(", ")));
            } else if k == "volumes_from" {
                power(format!("volumes_from (line {line}) mounts another service's volumes"));
            } else if k == "device_cgroup_rules" {
                power(format!(
                    "device_cgroup_rules (line {line}) opens the CVM's devices to it (it may create the nodes)"
                ));
            } else if k == "security_opt" && s.security_opt.iter().any(|o| !o.as_deref().is_some_and(hardening)) {
                power(format!("security_opt (line {line}) lifts its confinement (`systempaths=unconfined` unmasks /proc/sys, whose core_pattern runs a program as root in the CVM)"));
            }
        }
    }
}

/// Whether a power key's value gives power: `privileged: false`, and `pid`/`ipc`/
/// `network_mode`/`userns_mode`/`cgroup` other than `host`, `service:…` or `container:…`, do
/// not; an interpolated value does (the deployer chooses it).
pub(super) fn is_power(s: &Service, key: &str) -> bool {
    match (key, s.scalar(key)) {
        (_, Some(None)) => true,
        ("privileged", Some(Some(v))) => v != "false",
        // Only `no-new-privileges` takes power away (docker run --security-opt); any other
        // option (`seccomp=unconfined`, `apparmor=…`, `label=…`) or an interpolated one gives it.
        ("security_opt", None) if !s.security_opt.is_empty() => !s.security_opt.iter().all(|o| {
            o.as_deref()
                .is_some_and(|o| matches!(o, "no-new-privileges" | "no-new-privileges:true" | "no-new-privileges=true"))
        }),
        ("pid" | "ipc" | "network_mode" | "userns_mode" | "cgroup", Some(Some(v))) => {
            v == "host" || v.starts_with("service:") || v.starts_with("container:")
        }
        _ => true,
    }
}
