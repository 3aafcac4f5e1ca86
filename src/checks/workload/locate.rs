//! Where a git-launcher deployment's config comes from: which service is the launcher, which
//! path its `command:` names, and what provides that path inside the container (SPEC §1,
//! check 3.1). Only an inline top-level `configs:` `content:` is part of the compose file, and
//! so of the compose-hash; anything the host supplies is not attested.

use crate::compose::docker_compose::{ComposeFile, Service, VolumeKind};
use crate::compose::git_launcher::DEFAULT_CONFIG_PATH;
use crate::reference::Reference;

/// The image name git-launcher is published under (its last path part), used to recognise a
/// launcher service when the reference names no launcher image.
pub const GIT_LAUNCHER_NAME: &str = "git-launcher";

/// Where the config at `path` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// Inline `content:` of top-level config `name` (attested).
    Inline { name: String, content: String },
    /// Supplied by the host at deploy time; `via` names the compose field and what it reads.
    Host { via: String },
    /// Nothing mounts the path: the config is inside the launcher image.
    InImage,
}

/// The config path the launcher reads: named by its `command:`, else the reference's
/// `workload.config_path`, else the default. `Err` when they disagree or the command is
/// ambiguous.
pub fn config_path(service: &Service, reference: &Reference) -> Result<String, String> {
    let from_reference = reference.workload.as_ref().and_then(|w| w.config_path.clone());
    let named = command_paths(service);
    match named.as_slice() {
        [] => Ok(from_reference.unwrap_or_else(|| DEFAULT_CONFIG_PATH.to_string())),
        [one] => match from_reference {
            Some(r) if &r != one => Err(format!(
                "services.{}.command names {one}, but the reference's workload.config_path is {r}",
                service.name
            )),
            _ => Ok(one.clone()),
        },
        many => Err(format!("services.{}.command names several paths: {}", service.name, many.join(", "))),
    }
}

/// Absolute paths among the command's arguments (`--config=PATH` counts as PATH).
fn command_paths(service: &Service) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for arg in service.command.iter().flatten() {
        let path = arg.split_once('=').filter(|(flag, _)| flag.starts_with('-')).map_or(arg.as_str(), |(_, p)| p);
        if path.starts_with('/') && !out.iter().any(|p| p == path) {
            out.push(path.to_string());
        }
    }
    out
}

/// What provides `path` in `service`. A volume over the path (or a directory above it) wins
/// over a config, as it does at run time, and is never attested.
pub fn config_source(compose: &ComposeFile, service: &Service, path: &str) -> ConfigSource {
    let covers = |target: &str| {
        let dir = target.trim_end_matches('/');
        target == path || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
    };
    if let Some(v) = service.volumes.iter().find(|v| covers(&v.target)) {
        let what = match (&v.kind, &v.source) {
            (VolumeKind::Bind, Some(s)) => format!("the host path {s}"),
            (VolumeKind::Volume, Some(s)) => format!("the named volume {s} (host storage)"),
            (VolumeKind::Tmpfs, _) => "an empty tmpfs".to_string(),
            (kind, s) => format!("a {kind:?} mount {}", s.as_deref().unwrap_or("")).trim_end().to_string(),
        };
        return ConfigSource::Host { via: format!("services.{}.volumes mounts {what} at {}", service.name, v.target) };
    }
    if let Some(t) = service.tmpfs.iter().find(|t| covers(t)) {
        return ConfigSource::Host { via: format!("services.{}.tmpfs mounts an empty tmpfs at {t}", service.name) };
    }
    let Some(mounted) = service.configs.iter().find(|c| c.target == path) else {
        return ConfigSource::InImage;
    };
    let Some(top) = compose.config(&mounted.source) else {
        return ConfigSource::Host {
            via: format!(
                "services.{}.configs names `{}`, which is not a top-level config",
                service.name, mounted.source
            ),
        };
    };
    let field = format!("configs.{}", top.name);
    match (&top.content, &top.file, &top.environment) {
        (_, Some(file), _) => ConfigSource::Host { via: format!("{field}.file reads {file} on the host") },
        (_, _, Some(var)) => {
            ConfigSource::Host { via: format!("{field}.environment takes the content from the variable {var}") }
        }
        _ if top.external => ConfigSource::Host { via: format!("{field} is external (created outside Compose)") },
        (Some(content), None, None) => ConfigSource::Inline { name: top.name.clone(), content: content.clone() },
        (None, None, None) => ConfigSource::Host { via: format!("{field} has no content") },
    }
}

/// The git-launcher services: those running the reference's launcher image when it names one,
/// else those running an image called `git-launcher` or mounting something at `path`.
pub fn launcher_services<'c>(compose: &'c ComposeFile, reference: &Reference, path: &str) -> Vec<&'c Service> {
    if let Some(l) = &reference.launcher {
        return compose
            .services
            .iter()
            .filter(|s| s.image.as_ref().is_some_and(|i| i.matches_repository(&l.image)))
            .collect();
    }
    compose
        .services
        .iter()
        .filter(|s| {
            let named = s.image.as_ref().is_some_and(|i| i.repository.rsplit('/').next() == Some(GIT_LAUNCHER_NAME));
            named || s.configs.iter().any(|c| c.target == path) || s.volumes.iter().any(|v| v.target == path)
        })
        .collect()
}
