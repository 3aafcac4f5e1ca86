//! The dstack-examples "git-launcher" config file (by default `/etc/git-launcher/config.conf`).
//!
//! This module owns reading that file by the real launcher's rules (`parse_config` and
//! `validate_config` in `bin/git-launcher`, versions v0.1.0 `c8b49a9` and `14686aa`, run in
//! the image's C locale), and refusing, with a numbered reason in `docs/decisions.md`
//! (42–46), the configs the launcher would run but whose pin a reader cannot trust. What the
//! values mean for a deployment is judged by the checks, not here.
//!
//! The launcher's rules: the text is split on `\n`; leading whitespace is dropped; a line that
//! is then empty or starts with `#` is skipped; every other line must be `KEY=VALUE` with KEY
//! matching `[A-Z_][A-Z0-9_]*` directly before the first `=`; VALUE loses one pair of matching
//! surrounding quotes (`"…"` or `'…'`) and nothing else. Unknown keys are refused. REPO_URL,
//! COMMIT_SHA and WORK_DIR must be non-empty; COMMIT_SHA is 40 or 64 lower-case hex digits;
//! REPO_SUBDIR and ENTRYPOINT_SCRIPT, when non-empty, neither start with `/` nor contain `..`;
//! INSTALL_CMD (even empty) needs RUN_CMD, and RUN_CMD, once set, must not be empty.
//!
//! Refused here although the launcher runs them: control characters other than tab, repeated
//! keys and oversized input (43); `CHILD_ENV_FILE` (42); a REPO_URL other than `https://…` or
//! `git@HOST:PATH` (44); a WORK_DIR that is relative, has a `..` component or is `/` (45); an
//! ENTRYPOINT_SCRIPT that bash would take as an option or that cannot name a file (46).
//! `tests/suite/git_launcher_differential.rs` runs both launcher versions on a generated corpus and
//! holds this module to exactly that.

use crate::finding_code::FindingCode;
use std::fmt;

use crate::error::{count, describe};
use crate::limits::{MAX_LAUNCHER_CONFIG_BYTES, MAX_LAUNCHER_VALUE_BYTES};

#[cfg(test)]
mod tests;

pub const DEFAULT_CONFIG_PATH: &str = "/etc/git-launcher/config.conf";
pub const DEFAULT_ENTRYPOINT: &str = "entrypoint.sh";

/// A config key. Serialises as its name in the file (`REPO_URL`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Key {
    RepoUrl,
    CommitSha,
    WorkDir,
    RepoSubdir,
    EntrypointScript,
    RunCmd,
    InstallCmd,
    /// Known only to v0.1.0, which exports a host file into the workload's bash; never accepted.
    ChildEnvFile,
}

impl Key {
    pub const ALL: [Key; 8] = [
        Key::RepoUrl,
        Key::CommitSha,
        Key::WorkDir,
        Key::RepoSubdir,
        Key::EntrypointScript,
        Key::RunCmd,
        Key::InstallCmd,
        Key::ChildEnvFile,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::RepoUrl => "REPO_URL",
            Key::CommitSha => "COMMIT_SHA",
            Key::WorkDir => "WORK_DIR",
            Key::RepoSubdir => "REPO_SUBDIR",
            Key::EntrypointScript => "ENTRYPOINT_SCRIPT",
            Key::RunCmd => "RUN_CMD",
            Key::InstallCmd => "INSTALL_CMD",
            Key::ChildEnvFile => "CHILD_ENV_FILE",
        }
    }

    pub fn from_name(s: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the key can change the code that runs. Every key can: WORK_DIR chooses the
    /// checkout git works in (an old `.git/hooks` or `.git/config` there runs code), and
    /// CHILD_ENV_FILE exports a host file into the workload's bash (`BASH_ENV`, …).
    pub fn is_trust_bearing(self) -> bool {
        true
    }
}

/// What runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Mode {
    /// The pinned commit's entry script: `REPO_SUBDIR/ENTRYPOINT_SCRIPT` (or just the script).
    Default { script: String },
    /// RUN_CMD (and INSTALL_CMD) run; these commands are trust-bearing.
    Advanced { run_cmd: String, install_cmd: Option<String> },
}

/// The launcher's own variables after `parse_config` (`CFG_*`), byte for byte: empty when a key
/// is unset. Kept to show, and to test, that this module reads what the launcher reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LauncherValues {
    pub repo_url: String,
    pub commit_sha: String,
    pub work_dir: String,
    pub repo_subdir: String,
    pub entrypoint_script: String,
    pub run_cmd: String,
    pub install_cmd: String,
    /// `CFG_RUN_CMD_SET`: the key appears, even with an empty value.
    pub run_cmd_set: bool,
    /// `CFG_INSTALL_CMD_SET`.
    pub install_cmd_set: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LauncherConfig {
    pub repo_url: String,
    /// 40 or 64 lower-case hex digits.
    pub commit_sha: String,
    /// Always `Some` (the launcher requires WORK_DIR): an absolute path with `.` and empty
    /// components dropped, which names the same directory.
    pub work_dir: Option<String>,
    /// With `.` and empty components (a trailing `/` included) dropped; `None` for the
    /// repository root (unset, empty or only `.`).
    pub repo_subdir: Option<String>,
    /// [`DEFAULT_ENTRYPOINT`] when unset or empty; `.` and empty components dropped.
    pub entrypoint_script: String,
    /// `None` in default mode; never empty.
    pub run_cmd: Option<String>,
    /// `None` when unset or empty (the launcher skips an empty INSTALL_CMD).
    pub install_cmd: Option<String>,
    /// Always `None`: a config with CHILD_ENV_FILE is refused (`launcher-config-child-env-file`).
    pub child_env_file: Option<String>,
    /// 1-based line number of each key that was set, in file order.
    pub lines: Vec<(Key, usize)>,
    /// What the launcher holds, unnormalised.
    #[serde(skip)]
    pub as_read: LauncherValues,
}

impl LauncherConfig {
    pub fn mode(&self) -> Mode {
        match &self.run_cmd {
            Some(run_cmd) => Mode::Advanced { run_cmd: run_cmd.clone(), install_cmd: self.install_cmd.clone() },
            None => Mode::Default { script: self.script_path() },
        }
    }

    /// The repository path of the entry script: `subdir/script` or `script`.
    pub fn script_path(&self) -> String {
        match &self.repo_subdir {
            Some(dir) => format!("{dir}/{}", self.entrypoint_script),
            None => self.entrypoint_script.clone(),
        }
    }

    pub fn line_of(&self, key: Key) -> Option<usize> {
        self.lines.iter().find(|(k, _)| *k == key).map(|(_, n)| *n)
    }
}

/// Which finding an invalid config maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Syntax, unknown or repeated key, limits, REPO_URL, WORK_DIR, paths, commands.
    Invalid,
    /// COMMIT_SHA is not a full commit id (short SHA, branch, tag, empty).
    CommitNotFull,
    /// REPO_URL, COMMIT_SHA or WORK_DIR missing.
    Incomplete,
    /// CHILD_ENV_FILE is set (decision 42).
    ChildEnvFile,
}

/// On whose rule a config is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Every modelled launcher version refuses this config too.
    Launcher,
    /// Some launcher version would run it; dstack-audit refuses it for the reason recorded
    /// under this number in `docs/decisions.md`.
    Decision(u16),
}

/// Why a config is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub key: Option<Key>,
    pub expected: String,
    pub found: String,
    pub kind: ErrorKind,
    pub basis: Basis,
}

impl ConfigError {
    fn new(kind: ErrorKind, line: Option<usize>, key: Option<Key>, expected: &str, found: String) -> Self {
        ConfigError { line, key, expected: expected.to_string(), found, kind, basis: Basis::Launcher }
    }

    fn by(mut self, decision: u16) -> Self {
        self.basis = Basis::Decision(decision);
        self
    }

    /// Stable kebab-case finding code.
    pub fn code(&self) -> FindingCode {
        match self.kind {
            ErrorKind::Invalid => FindingCode::LauncherConfigInvalid,
            ErrorKind::CommitNotFull => FindingCode::WorkloadCommitNotFull,
            ErrorKind::Incomplete => FindingCode::LauncherConfigIncomplete,
            ErrorKind::ChildEnvFile => FindingCode::LauncherConfigChildEnvFile,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.key) {
            (Some(n), Some(k)) => write!(f, "line {n} ({})", k.name())?,
            (Some(n), None) => write!(f, "line {n}")?,
            (None, Some(k)) => write!(f, "{}", k.name())?,
            (None, None) => write!(f, "git-launcher config")?,
        }
        write!(f, ": expected {}, found {}", self.expected, self.found)?;
        match self.basis {
            Basis::Launcher => write!(f, " (the launcher refuses it too)"),
            Basis::Decision(n) => write!(f, " (refused by dstack-audit: docs/decisions.md, decision {n})"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One `KEY=VALUE` line, quotes stripped.
struct Assignment<'a> {
    key: Key,
    value: &'a str,
    line: usize,
}

/// Leading blanks as the launcher drops them (`[[:space:]]` in the C locale; the other
/// space characters are control characters, refused before this runs).
fn trim_blanks(line: &str) -> &str {
    line.trim_start_matches([' ', '\t'])
}

/// Non-blank, non-comment lines with their 1-based numbers.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    (1usize..).zip(text.split('\n')).filter_map(|(n, line)| {
        let t = trim_blanks(line);
        (!t.is_empty() && !t.starts_with('#')).then_some((n, t))
    })
}

/// Splits `KEY=VALUE` as `^([A-Z_][A-Z0-9_]*)=(.*)$` does.
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))?;
    let (key, rest) = line.split_at(end);
    let first_ok = key.starts_with(|c: char| c.is_ascii_uppercase() || c == '_');
    let value = rest.strip_prefix('=')?;
    first_ok.then_some((key, value))
}

/// Why a line is not an assignment, for the message.
fn syntax_problem(line: &str) -> String {
    let why = match line.split_once('=') {
        None => "no `=`",
        Some((k, _)) if k.starts_with("export ") => "an `export` prefix",
        Some((k, _)) if k.trim_end() != k => "whitespace around the key",
        Some(_) => "not an upper-case name",
    };
    let shown = line.split_once('=').map_or(line, |(k, _)| k);
    format!("{} ({why})", describe(shown))
}

/// Strips one layer of matching surrounding quotes.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v.get(1..v.len().saturating_sub(1)).unwrap_or(v);
        }
    }
    v
}

/// `.` and empty components dropped, which names the same path on any filesystem; `None`
/// when nothing is left.
fn clean_relative(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn lex(text: &str) -> Result<Vec<Assignment<'_>>, ConfigError> {
    use ErrorKind::*;
    let bad_line = |n, expected: &str, found| ConfigError::new(Invalid, Some(n), None, expected, found);
    for (n, line) in (1usize..).zip(text.split('\n')) {
        if let Some(c) = line.chars().find(|c| c.is_ascii_control() && *c != '\t') {
            let found = match c {
                '\r' => "a carriage return (CRLF line endings)".to_string(),
                c => format!("control character U+{:04X}", u32::from(c)),
            };
            return Err(bad_line(n, "no control characters other than tab", found).by(43));
        }
    }
    let mut out: Vec<Assignment> = Vec::new();
    for (n, line) in content_lines(text) {
        let Some((k, raw)) = split_assignment(line) else {
            return Err(bad_line(n, "a `KEY=VALUE` line with KEY `[A-Z_][A-Z0-9_]*`", syntax_problem(line)));
        };
        let Some(key) = Key::from_name(k).filter(|k| *k != Key::ChildEnvFile) else {
            if k == Key::ChildEnvFile.name() {
                let expected = "no CHILD_ENV_FILE (v0.1.0 exports that host file into the workload's bash; later launchers refuse the key)";
                let e = ConfigError::new(ChildEnvFile, Some(n), Some(Key::ChildEnvFile), expected, describe(raw));
                return Err(e.by(42));
            }
            let names: Vec<&str> = Key::ALL.iter().filter(|k| **k != Key::ChildEnvFile).map(|k| k.name()).collect();
            let expected = format!("one of {}", names.join(", "));
            return Err(bad_line(n, &expected, format!("{} (unknown key)", describe(k))));
        };
        let err = |expected: &str, found: String| ConfigError::new(Invalid, Some(n), Some(key), expected, found);
        if let Some(first) = out.iter().find(|a| a.key == key) {
            let found = format!("a second assignment (first on line {}; the launcher keeps the last)", first.line);
            return Err(err("each key set once", found).by(43));
        }
        if raw.len() > MAX_LAUNCHER_VALUE_BYTES {
            let expected = format!("at most {} (MAX_LAUNCHER_VALUE_BYTES)", count(MAX_LAUNCHER_VALUE_BYTES, "byte"));
            return Err(err(&expected, count(raw.len(), "byte")).by(43));
        }
        out.push(Assignment { key, value: unquote(raw), line: n });
    }
    Ok(out)
}

fn values_of(assignments: &[Assignment]) -> LauncherValues {
    let mut v = LauncherValues::default();
    for a in assignments {
        let s = a.value.to_string();
        match a.key {
            Key::RepoUrl => v.repo_url = s,
            Key::CommitSha => v.commit_sha = s,
            Key::WorkDir => v.work_dir = s,
            Key::RepoSubdir => v.repo_subdir = s,
            Key::EntrypointScript => v.entrypoint_script = s,
            Key::RunCmd => (v.run_cmd, v.run_cmd_set) = (s, true),
            Key::InstallCmd => (v.install_cmd, v.install_cmd_set) = (s, true),
            Key::ChildEnvFile => {}
        }
    }
    v
}

pub fn parse_config(text: &str) -> Result<LauncherConfig, ConfigError> {
    if text.len() > MAX_LAUNCHER_CONFIG_BYTES {
        let expected = format!("at most {} (MAX_LAUNCHER_CONFIG_BYTES)", count(MAX_LAUNCHER_CONFIG_BYTES, "byte"));
        let e = ConfigError::new(ErrorKind::Invalid, None, None, &expected, count(text.len(), "byte"));
        return Err(e.by(43));
    }
    let assignments = lex(text)?;
    let lines: Vec<(Key, usize)> = assignments.iter().map(|a| (a.key, a.line)).collect();
    let v = values_of(&assignments);
    let at = |key: Key| lines.iter().find(|(k, _)| *k == key).map(|(_, n)| *n);
    rules::launcher(&v, &at)?;
    rules::stricter(&v, &at)?;
    let work_dir = format!("/{}", clean_relative(&v.work_dir).unwrap_or_default());
    Ok(LauncherConfig {
        repo_url: v.repo_url.clone(),
        commit_sha: v.commit_sha.clone(),
        work_dir: Some(work_dir),
        repo_subdir: clean_relative(&v.repo_subdir),
        entrypoint_script: clean_relative(&v.entrypoint_script).unwrap_or_else(|| DEFAULT_ENTRYPOINT.to_string()),
        run_cmd: v.run_cmd_set.then(|| v.run_cmd.clone()),
        install_cmd: (!v.install_cmd.is_empty()).then(|| v.install_cmd.clone()),
        child_env_file: None,
        lines,
        as_read: v,
    })
}

/// The value rules: first the launcher's own `validate_config`, then dstack-audit's.
mod rules {
    use super::{describe, Basis, ConfigError, ErrorKind, Key, LauncherValues};
    use ErrorKind::*;

    type Result = std::result::Result<(), ConfigError>;

    const COMMIT_EXPECTED: &str = "a full 40- or 64-hex commit id, in lower case";
    const PATH_EXPECTED: &str = "a relative path inside the repository (no leading `/`, no `..` anywhere)";

    fn error(
        kind: ErrorKind,
        key: Key,
        at: &dyn Fn(Key) -> Option<usize>,
        expected: &str,
        found: String,
    ) -> ConfigError {
        ConfigError::new(kind, at(key), Some(key), expected, found)
    }

    /// `validate_config`, in its order; every refusal here is the launcher's.
    pub(super) fn launcher(v: &LauncherValues, at: &dyn Fn(Key) -> Option<usize>) -> Result {
        for (key, value) in [(Key::RepoUrl, &v.repo_url), (Key::CommitSha, &v.commit_sha), (Key::WorkDir, &v.work_dir)]
        {
            if !value.is_empty() {
                continue;
            }
            let e = match at(key) {
                None => {
                    error(Incomplete, key, at, "the key to be set (the launcher requires it)", "no assignment".into())
                }
                Some(_) if key == Key::CommitSha => {
                    error(CommitNotFull, key, at, COMMIT_EXPECTED, "an empty value".into())
                }
                Some(_) => error(Invalid, key, at, "a non-empty value", "an empty value".into()),
            };
            return Err(e);
        }
        if v.install_cmd_set && !v.run_cmd_set {
            let expected = "RUN_CMD as well (INSTALL_CMD runs only in advanced mode)";
            return Err(error(Invalid, Key::InstallCmd, at, expected, "no RUN_CMD".into()));
        }
        if v.run_cmd_set && v.run_cmd.is_empty() {
            return Err(error(Invalid, Key::RunCmd, at, "a non-empty command", "an empty value".into()));
        }
        check_commit(&v.commit_sha).map_err(|(kind, found)| error(kind, Key::CommitSha, at, COMMIT_EXPECTED, found))?;
        for (key, value) in [(Key::RepoSubdir, &v.repo_subdir), (Key::EntrypointScript, &v.entrypoint_script)] {
            let why = if value.starts_with('/') {
                "an absolute path"
            } else if value.contains("..") {
                "`..`"
            } else {
                continue;
            };
            return Err(error(Invalid, key, at, PATH_EXPECTED, format!("{} ({why})", describe(value))));
        }
        Ok(())
    }

    fn check_commit(v: &str) -> std::result::Result<(), (ErrorKind, String)> {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        let hex = v.bytes().all(|b| b.is_ascii_hexdigit());
        match v.len() {
            40 | 64 if v.bytes().all(lower_hex) => Ok(()),
            40 | 64 if hex => {
                Err((Invalid, format!("{} (upper-case hex: the launcher takes lower case only)", describe(v))))
            }
            n @ 4..=39 if hex => Err((CommitNotFull, format!("{} (a short SHA of {n} hex digits)", describe(v)))),
            n if hex => Err((CommitNotFull, format!("{} ({n} hex digits)", describe(v)))),
            _ => Err((CommitNotFull, format!("{} (a branch or tag name)", describe(v)))),
        }
    }

    /// What the launcher runs but dstack-audit refuses, each with its decision number.
    pub(super) fn stricter(v: &LauncherValues, at: &dyn Fn(Key) -> Option<usize>) -> Result {
        let refuse = |key: Key, decision: u16, expected: &str, found: String| {
            let mut e = error(Invalid, key, at, expected, found);
            e.basis = Basis::Decision(decision);
            Err(e)
        };
        if let Err(why) = check_repo_url(&v.repo_url) {
            let expected = "`https://HOST/…` or `git@HOST:PATH`, without whitespace";
            return refuse(Key::RepoUrl, 44, expected, format!("{} ({why})", describe(&v.repo_url)));
        }
        if let Err(why) = check_work_dir(&v.work_dir) {
            let expected = "an absolute directory other than `/`, without a `..` component";
            return refuse(Key::WorkDir, 45, expected, format!("{} ({why})", describe(&v.work_dir)));
        }
        if let Err(why) = check_entry(&v.entrypoint_script) {
            let expected = "a file name that bash cannot take as an option";
            return refuse(Key::EntrypointScript, 46, expected, format!("{} ({why})", describe(&v.entrypoint_script)));
        }
        Ok(())
    }

    fn check_repo_url(v: &str) -> std::result::Result<(), &'static str> {
        if v.chars().any(char::is_whitespace) {
            return Err("whitespace");
        }
        if let Some(rest) = v.strip_prefix("https://") {
            return match rest.split('/').next() {
                Some("") | None => Err("no host after `https://`"),
                Some(_) => Ok(()),
            };
        }
        if let Some(rest) = v.strip_prefix("git@") {
            return match rest.split_once(':') {
                Some((host, path))
                    if !host.is_empty() && !host.contains('/') && !host.starts_with('-') && !path.is_empty() =>
                {
                    Ok(())
                }
                _ => Err("not `git@HOST:PATH`"),
            };
        }
        if v.starts_with('-') {
            return Err("a leading `-`: `git clone` would read it as an option");
        }
        if v.contains("::") {
            return Err("a remote-helper transport such as `ext::`");
        }
        Err("another scheme or a local path")
    }

    fn check_work_dir(v: &str) -> std::result::Result<(), &'static str> {
        if !v.starts_with('/') {
            return Err("a relative path: the launcher's second `cd` would resolve it inside the checkout");
        }
        if v.split('/').any(|c| c == "..") {
            return Err("a `..` component");
        }
        if v.split('/').all(|c| c.is_empty() || c == ".") {
            return Err("the root directory, never empty, so the launcher cannot clone into it");
        }
        Ok(())
    }

    fn check_entry(v: &str) -> std::result::Result<(), &'static str> {
        if v.starts_with(['-', '+']) {
            return Err("a leading `-` or `+`: `bash` would read it as an option");
        }
        match v.rsplit('/').next() {
            _ if v.is_empty() => Ok(()),
            Some("" | ".") => Err("a directory, not a file"),
            _ => Ok(()),
        }
    }
}
