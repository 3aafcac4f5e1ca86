//! The compose file as the checks may use it: attested (its app-compose hashes to the measured
//! compose-hash) or why not, and, when attested, what the parse stage made of it once — the
//! effective-deployment model (`deployment/model.rs`) and every inline config read by the git-launcher's
//! rules — so that the checks judge parsed values and parse nothing themselves. It sits above
//! `compose/` and `deployment/`, which it joins.

use std::collections::BTreeMap;

use crate::compose::docker_compose::ComposeFile;
use crate::compose::git_launcher::{parse_config, ConfigError, LauncherConfig};
use crate::deployment::interpolate::Interpolated;
use crate::deployment::model::{model, ComposeModel, Content, Text};
use crate::error::ParseError;
use crate::report::{Finding, FindingCode};

/// The compose file as check 2 (and 3) may use it.
// Built once per verification: its size does not matter, and boxing would burden every caller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AttestedCompose {
    /// Its app-compose hashes to the measured compose-hash.
    Attested { compose: ComposeFile, source: String, app: AppSettings, effective: Effective },
    /// Why it cannot be relied on.
    NotAttested(String),
    /// It is attested but cannot be read.
    Unreadable(String),
}

impl AttestedCompose {
    /// The compose file, its source and settings when attested; else the finding that says why
    /// a check cannot rely on it (not checked when unattested, a failure when unreadable).
    pub fn usable(&self) -> Result<(&ComposeFile, &str, &AppSettings), Finding> {
        match self {
            AttestedCompose::Attested { compose, source, app, .. } => Ok((compose, source, app)),
            AttestedCompose::NotAttested(why) => Err(Finding::not_checked(
                FindingCode::ComposeNotAttested,
                format!("the compose file is not attested: {why}"),
            )),
            AttestedCompose::Unreadable(why) => Err(Finding::fail(
                FindingCode::ComposeUnreadable,
                format!("the attested docker_compose_file cannot be read: {why}"),
            )),
        }
    }
}

/// The attested app-compose settings (beside the compose file) that check 3 needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSettings {
    /// `allowed_envs`: variables the deployer may set at deploy time.
    pub allowed_envs: Vec<String>,
    /// A `pre_launch_script` runs before Compose starts the services.
    pub pre_launch_script: bool,
    /// An `init_script` runs in the CVM during boot.
    pub init_script: bool,
    /// `runner`, as written (`docker-compose`, `nerdctl-compose`, `bash`); `None` when absent.
    pub runner: Option<String>,
    /// The `pre_launch_script` text, when it is a string.
    pub pre_launch_script_text: Option<String>,
    /// The `init_script` texts in order (a string is one), when they are strings.
    pub init_script_texts: Option<Vec<String>>,
}

impl AttestedCompose {
    /// An attested compose file, parsed once: the effective deployment and its inline configs.
    pub fn attested(compose: ComposeFile, source: String, app: AppSettings) -> Self {
        let effective = Effective::of(&compose);
        AttestedCompose::Attested { compose, source, app, effective }
    }

    /// The parse stage's view of the attested compose file, when it is attested.
    pub fn effective(&self) -> Option<&Effective> {
        match self {
            AttestedCompose::Attested { effective, .. } => Some(effective),
            _ => None,
        }
    }
}

/// What Compose and the git-launcher will make of an attested compose file.
#[derive(Debug, Clone)]
pub struct Effective {
    model: Result<ComposeModel, ParseError>,
    configs: BTreeMap<String, Result<LauncherConfig, ConfigError>>,
}

impl Effective {
    /// Builds the effective-deployment model of `compose` and reads every top-level config with
    /// literal inline `content:` as a git-launcher config (whichever one the launcher mounts is
    /// chosen later, by check 3).
    pub fn of(compose: &ComposeFile) -> Self {
        let model = model(&compose.text);
        let mut configs = BTreeMap::new();
        if let Ok(m) = &model {
            for top in &m.configs {
                if let Content::Inline(Text { value: Interpolated::Literal(text), .. }) = &top.content {
                    configs.insert(top.name.clone(), parse_config(text));
                }
            }
        }
        Effective { model, configs }
    }

    /// The effective-deployment model, or why Compose would refuse the file.
    pub fn model(&self) -> Result<&ComposeModel, &ParseError> {
        self.model.as_ref()
    }

    /// The inline config `name` read by the git-launcher's rules (`None`: no literal inline
    /// content under that name).
    pub fn launcher_config(&self, name: &str) -> Option<&Result<LauncherConfig, ConfigError>> {
        self.configs.get(name)
    }
}
