//! Which service is the git-launcher (SPEC §1, check 3.1): the one running the reference's
//! launcher image when it names one, else one running an image called `git-launcher` or one
//! that provides something at the path the launcher would read. Paths are compared after
//! cleaning and by prefix (`crate::deployment::model`), so `/etc//git-launcher/.` is found.

use crate::compose::docker_compose::{ComposeFile, Service};
use crate::compose::git_launcher::DEFAULT_CONFIG_PATH;
use crate::deployment::model::{covers, ComposeModel};
use crate::reference::Reference;

/// The image name git-launcher is published under (its last path part), used to recognise a
/// launcher service when the reference names no launcher image.
pub const GIT_LAUNCHER_NAME: &str = "git-launcher";

/// The git-launcher services of `compose`.
pub fn launcher_services<'c>(compose: &'c ComposeFile, m: &ComposeModel, reference: &Reference) -> Vec<&'c Service> {
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
            named || mounts_config(m, s)
        })
        .collect()
}

/// Whether `service` provides anything at (or above) the path its launcher would read, or at
/// the default path: then it is a git-launcher deployment whose config is supplied.
pub fn mounts_config(m: &ComposeModel, service: &Service) -> bool {
    let Some(ms) = m.service(&service.name) else { return false };
    let mut paths = vec![DEFAULT_CONFIG_PATH.to_string()];
    if let Ok(p) = super::closed::launcher_path(ms) {
        paths.push(p);
    }
    let targets = ms
        .mounts
        .iter()
        .map(|x| x.target.as_deref())
        .chain(ms.configs.iter().chain(ms.secrets.iter()).map(|c| c.target.as_deref()));
    let targets: Vec<Option<&str>> = targets.collect();
    paths.iter().any(|p| targets.iter().any(|t| t.is_none_or(|t| covers(t, p))))
}
