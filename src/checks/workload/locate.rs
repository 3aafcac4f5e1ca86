//! Which service is the git-launcher (SPEC §1, check 3.1): the one running the reference's
//! launcher image when it names one, else one running an image called `git-launcher` or one
//! that provides something at the path the launcher would read. Paths are compared after
//! cleaning and by prefix (`crate::deployment::model`), so `/etc//git-launcher/.` is found.

use crate::compose::docker_compose::ImageRef;
use crate::compose::git_launcher::DEFAULT_CONFIG_PATH;
use crate::deployment::model::{covers, ComposeModel, Service};
use crate::reference::Reference;

/// The image name git-launcher is published under (its last path part), used to recognise a
/// launcher service when the reference names no launcher image.
pub(crate) const GIT_LAUNCHER_NAME: &str = "git-launcher";

/// A candidate launcher service of the model, with its literal image read as Docker reads it
/// (`None`: no image, an interpolated one, or one Docker would not read).
#[derive(Debug, Clone)]
pub(crate) struct Launcher<'m> {
    pub name: String,
    pub image: Option<ImageRef>,
    pub service: &'m Service,
}

impl Launcher<'_> {
    /// Whether its image is called `git-launcher`.
    pub(crate) fn named_git_launcher(&self) -> bool {
        self.image.as_ref().is_some_and(|i| i.repository.rsplit('/').next() == Some(GIT_LAUNCHER_NAME))
    }
}

/// The git-launcher services of the model.
pub(crate) fn launcher_services<'m>(m: &'m ComposeModel, reference: &Reference) -> Vec<Launcher<'m>> {
    let all = m.services.iter().map(|s| Launcher {
        name: s.name.clone(),
        image: s.image_ref.as_ref().and_then(|r| r.as_ref().ok()).cloned(),
        service: s,
    });
    if let Some(l) = &reference.launcher {
        return all.filter(|c| c.image.as_ref().is_some_and(|i| i.matches_repository(&l.image))).collect();
    }
    all.filter(|c| c.named_git_launcher() || mounts_config(c.service)).collect()
}

/// Whether `service` provides anything at (or above) the path its launcher would read, or at
/// the default path: then it is a git-launcher deployment whose config is supplied.
pub(crate) fn mounts_config(ms: &Service) -> bool {
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
