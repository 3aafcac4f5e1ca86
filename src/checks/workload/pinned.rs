//! Image-pinned deployments as a closed world (decision 60): a digest says which image runs,
//! but the service around it can still change what runs — the dynamic loader's variables, a
//! host directory over the image's programs, the container engine's socket (which starts any
//! container), a deploy-time command or entrypoint, a key whose effect is not modelled. Each
//! service of the model is judged here; which images run is judged by `images`.

use super::closed::{
    cvm_system, engine, env_origin, is_power, kind_text, protected, INERT, MODELLED, NOT_MODELLED, OVERRIDE, POWER,
};
use crate::deployment::interpolate::{interpolate, Interpolated};
use crate::deployment::model::{ComposeModel, Content, MountKind, Service};
use crate::finding_code::FindingCode;
use crate::reference::Reference;
use crate::report::Finding;

/// Finding code: a service holds the container engine's socket or state.
pub(super) const ENGINE_ACCESS: FindingCode = FindingCode::WorkloadEngineAccess;

/// Keys an image-pinned service may also hold: they change whom the image's code runs as, not
/// which code runs (a literal value only).
const IMAGE_ONLY: [&str; 1] = ["user"];

/// Environment names the dynamic loader and the C library read in any image (ld.so(8)): with
/// them the environment, not the image, chooses code that runs.
pub(super) fn loader_reads(name: &str) -> bool {
    const EXACT: [&str; 5] = ["GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES"];
    name.starts_with("LD_") || name.starts_with("MALLOC_") || EXACT.contains(&name)
}

/// Judges every service of an image-pinned deployment; `text` is the compose file the model
/// was built from (messages name the variables a key takes).
pub(super) fn check(m: &ComposeModel, text: &str, reference: &Reference, f: &mut Vec<Finding>) {
    for s in &m.services {
        service(m, s, text, reference, f);
    }
}

/// The variables written in `key`'s lines (up to the service's next key), as `${A}, ${B}`.
fn variables(text: &str, s: &Service, key: &str) -> String {
    let Some(start) = s.key_line(key) else { return String::new() };
    let end = s.keys.iter().map(|(_, l)| *l).filter(|l| *l > start).min().unwrap_or(start.saturating_add(1));
    let lines: Vec<&str> = text.lines().skip(start.saturating_sub(1)).take(end.saturating_sub(start).max(1)).collect();
    match interpolate(&lines.join("\n")) {
        Ok(Interpolated::DeployTime(vars)) => format!(" (takes ${{{}}})", vars.join("}, ${")),
        _ => String::new(),
    }
}

fn service(m: &ComposeModel, s: &Service, text: &str, reference: &Reference, f: &mut Vec<Finding>) {
    let name = &s.name;
    let accepts = |what: &str| reference.workload.as_ref().is_some_and(|w| w.accepts(what));
    for p in &s.problems {
        f.push(Finding::fail(NOT_MODELLED, format!("{} (line {}): {}", p.field, p.line, p.why)));
    }
    keys(s, &accepts, f);
    let at = |key: &str| format!("services.{name}.{key} (line {})", s.key_line(key).unwrap_or(s.line));
    if s.image.as_ref().is_some_and(|i| i.literal().is_none()) {
        f.push(Finding::fail(OVERRIDE, format!("{} is interpolated: the deployer chooses the image", at("image"))));
    }
    for (key, value) in [("command", &s.command), ("entrypoint", &s.entrypoint)] {
        if matches!(value, Some(None)) {
            f.push(Finding::fail(
                OVERRIDE,
                format!(
                    "{}{} is interpolated: the deployer chooses what the image runs",
                    at(key),
                    variables(text, s, key)
                ),
            ));
        }
    }
    if s.working_dir.as_ref().is_some_and(|t| t.literal().is_none()) {
        f.push(Finding::fail(
            OVERRIDE,
            format!("{} is interpolated: relative programs the image runs move with it", at("working_dir")),
        ));
    }
    if s.key_line("env_file").is_some() {
        f.push(Finding::fail(
            OVERRIDE,
            format!(
                "{} reads a host file at deploy time: it can set any variable, the loader's included",
                at("env_file")
            ),
        ));
    }
    for v in &s.volumes_from {
        f.push(Finding::fail(
            NOT_MODELLED,
            format!("services.{name}.volumes_from (line {}) mounts the volumes of {}: not modelled", v.line, v.raw),
        ));
    }
    environment(s, f);
    mounts(m, s, f);
}

fn keys(s: &Service, accepts: &dyn Fn(&str) -> bool, f: &mut Vec<Finding>) {
    for (key, line) in &s.keys {
        let k = key.as_str();
        let field = format!("services.{}.{k} (line {line})", s.name);
        if MODELLED.contains(&k) || INERT.contains(&k) || k.starts_with("x-") {
            continue;
        }
        if IMAGE_ONLY.contains(&k) {
            if s.scalar(k).is_some_and(|v| v.is_none()) {
                f.push(Finding::fail(OVERRIDE, format!("{field} is interpolated: the deployer chooses it")));
            }
            continue;
        }
        if POWER.contains(&k) {
            if !is_power(s, k) {
                continue;
            }
            if accepts(k) {
                f.push(Finding::warn(
                    FindingCode::WorkloadPowerAccepted,
                    format!("{field} gives the container power over the CVM or other containers; the reference accepts it (workload.accept: {k})"),
                ));
            } else {
                f.push(
                    Finding::fail(
                        FindingCode::WorkloadPower,
                        format!("{field} gives the container power over the CVM or other containers, so it can run code no pinned image holds"),
                    )
                    .expected(format!("no `{k}`, or `{k}` in the reference's workload.accept")),
                );
            }
            continue;
        }
        let why = match k {
            "extends" => "extends another service; merging is not modelled, so the effective service is not known",
            "healthcheck" | "post_start" | "pre_stop" => "runs commands in the container; not modelled",
            _ => "is not a key whose effect on what runs is modelled",
        };
        f.push(
            Finding::fail(NOT_MODELLED, format!("{field} {why}"))
                .expected("only keys whose effect is known (docs/verify-a-deployment.md)"),
        );
    }
}

fn environment(s: &Service, f: &mut Vec<Finding>) {
    let mut runtime = Vec::new();
    for (var, value, line) in &s.environment {
        if loader_reads(var) {
            f.push(
                Finding::fail(
                    OVERRIDE,
                    format!(
                        "services.{}.environment.{var} (line {line}): the dynamic loader reads {var}, so the environment, not the image, chooses code that runs",
                        s.name
                    ),
                )
                .expected(format!("no {var}")),
            );
            continue;
        }
        runtime.push(format!("{var} ({}, line {line})", env_origin(value.as_ref())));
    }
    if !runtime.is_empty() {
        f.push(Finding::note(
            FindingCode::WorkloadRuntimeConfiguration,
            format!("services.{} passes runtime configuration to its image: {}", s.name, runtime.join(", ")),
        ));
    }
}

fn mounts(m: &ComposeModel, s: &Service, f: &mut Vec<Finding>) {
    let mut data = Vec::new();
    for x in &s.mounts {
        let field = format!("services.{}.{} (line {})", s.name, x.via, x.line);
        let Some(t) = x.target.as_deref() else {
            f.push(Finding::fail(
                OVERRIDE,
                format!(
                    "{field} has an interpolated target: the deployer can mount anything over the image's programs"
                ),
            ));
            continue;
        };
        let source = match &x.source {
            Some(v) => match v.literal() {
                Some(l) => Some(l),
                None => {
                    f.push(Finding::fail(
                        OVERRIDE,
                        format!("{field} mounts an interpolated source at {t}: the deployer chooses it"),
                    ));
                    continue;
                }
            },
            None => None,
        };
        if matches!(x.kind, MountKind::Bind | MountKind::Other) && source.is_some_and(engine) {
            f.push(
                Finding::fail(
                    ENGINE_ACCESS,
                    format!(
                        "{field} gives services.{} the container engine, dstack's files or the kernel's interfaces \
                         ({}): with them a service can start any container from any image or change other \
                         containers' files, so what runs is not fixed by the images the compose file pins",
                        s.name,
                        source.unwrap_or_default()
                    ),
                )
                .expected("no container-engine socket or state in any service"),
            );
            continue;
        }
        if matches!(x.kind, MountKind::Bind | MountKind::Other) && !x.read_only && source.is_some_and(cvm_system) {
            f.push(
                Finding::fail(
                    ENGINE_ACCESS,
                    format!(
                        "{field} mounts the CVM's system directory {} writable into services.{}: it can change \
                         what the CVM runs as root, so what runs is not fixed by the images the compose file pins",
                        source.unwrap_or_default(),
                        s.name
                    ),
                )
                .expected("no writable mount of the CVM's system directories in any service"),
            );
            continue;
        }
        if protected(t) && x.kind != MountKind::Tmpfs {
            f.push(
                Finding::fail(
                    OVERRIDE,
                    format!("{field} mounts {} at {t}, over the image's programs, libraries or configuration: the host would supply code", kind_text(x.kind)),
                )
                .expected("no host path or volume at, above or inside /bin, /sbin, /lib*, /usr, /etc, /root, /proc"),
            );
            continue;
        }
        data.push(format!("{t} ({})", kind_text(x.kind)));
    }
    let files = s.configs.iter().map(|c| (c, &m.configs)).chain(s.secrets.iter().map(|c| (c, &m.secrets)));
    for (c, tops) in files {
        let Some(t) = c.target.as_deref() else {
            f.push(Finding::fail(
                OVERRIDE,
                format!("services.{}.configs/secrets (line {}) has an interpolated target", s.name, c.line),
            ));
            continue;
        };
        let attested = tops.iter().any(|top| {
            top.name == c.source
                && matches!(&top.content, Content::Inline(text) if matches!(text.value, Interpolated::Literal(_)))
        });
        if protected(t) && !attested {
            f.push(Finding::fail(
                OVERRIDE,
                format!(
                    "services.{}.configs/secrets (line {}) puts {} at {t}, over the image's programs or configuration, and its content is not literal inline content of the compose file",
                    s.name, c.line, c.source
                ),
            ));
        }
    }
    if !data.is_empty() {
        f.push(Finding::note(
            FindingCode::WorkloadRuntimeData,
            format!("services.{} mounts data outside the image's system paths: {}", s.name, data.join(", ")),
        ));
    }
}
