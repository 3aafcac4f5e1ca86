//! The dstack-examples "git-launcher" config file (by default `/etc/git-launcher/config.conf`).
//!
//! This module owns reading that file the way the launcher reads it, and deciding whether it is
//! well formed; what the values mean for trust is judged by the checks, not here.
//!
//! Rules: the text is split on `\n`. Any line holding an ASCII control character other than tab
//! (a `\r` from CRLF endings included) is refused, since the launcher would keep it in a value.
//! Lines that are blank (spaces and tabs only) or whose first non-blank character is `#` are
//! skipped. Every other line is `KEY=VALUE`, where KEY is all text before the first `=` and must
//! be a bare upper-case name (`[A-Z_][A-Z0-9_]*`, no spaces, no `export`), and VALUE is all text
//! after it. A value loses one pair of matching surrounding quotes (`"…"` or `'…'`) and nothing
//! else: no escapes, no `$VAR` expansion, no inline comments. Only the eight known keys are
//! allowed, each at most once. REPO_URL (`https://…` or `git@…`) and COMMIT_SHA (a full 40- or
//! 64-hex commit id) are required; REPO_SUBDIR and ENTRYPOINT_SCRIPT must be relative paths that
//! stay inside the repository; INSTALL_CMD needs RUN_CMD; sizes are bounded by
//! [`MAX_LAUNCHER_CONFIG_BYTES`] and [`MAX_LAUNCHER_VALUE_BYTES`].

use std::fmt;

use crate::error::{count, describe};
use crate::limits::{MAX_LAUNCHER_CONFIG_BYTES, MAX_LAUNCHER_VALUE_BYTES};

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

    /// Whether the key decides which code runs (WORK_DIR and CHILD_ENV_FILE are local plumbing).
    pub fn is_trust_bearing(self) -> bool {
        !matches!(self, Key::WorkDir | Key::ChildEnvFile)
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

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LauncherConfig {
    pub repo_url: String,
    /// Lower-case hex.
    pub commit_sha: String,
    pub work_dir: Option<String>,
    /// Without a trailing `/`; `None` when unset or empty.
    pub repo_subdir: Option<String>,
    /// [`DEFAULT_ENTRYPOINT`] when not given.
    pub entrypoint_script: String,
    /// `None` when unset or empty.
    pub run_cmd: Option<String>,
    /// `None` when unset or empty.
    pub install_cmd: Option<String>,
    /// Runtime configuration of older launchers; not trust-bearing.
    pub child_env_file: Option<String>,
    /// 1-based line number of each key that was set, in file order.
    pub lines: Vec<(Key, usize)>,
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
    /// Syntax, unknown or duplicate key, limits, REPO_URL, paths, INSTALL_CMD.
    Invalid,
    /// COMMIT_SHA is not a full commit id (short SHA, branch, tag, empty).
    CommitNotFull,
    /// REPO_URL or COMMIT_SHA missing.
    Incomplete,
}

/// Why a config is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub key: Option<Key>,
    pub expected: String,
    pub found: String,
    pub kind: ErrorKind,
}

impl ConfigError {
    fn new(kind: ErrorKind, line: Option<usize>, key: Option<Key>, expected: &str, found: String) -> Self {
        ConfigError { line, key, expected: expected.to_string(), found, kind }
    }

    /// Stable kebab-case finding code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Invalid => "launcher-config-invalid",
            ErrorKind::CommitNotFull => "workload-commit-not-full",
            ErrorKind::Incomplete => "launcher-config-incomplete",
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
        write!(f, ": expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ConfigError {}

const COMMIT_EXPECTED: &str = "a full 40- or 64-hex commit id";
const PATH_EXPECTED: &str = "a relative path inside the repository (no leading `/`, no empty, `.` or `..` component)";

/// Non-blank, non-comment lines with their 1-based numbers.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    (1usize..).zip(text.split('\n')).filter(|(_, line)| {
        let t = line.trim_start_matches([' ', '\t']);
        !t.is_empty() && !t.starts_with('#')
    })
}

fn valid_key_syntax(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some('A'..='Z' | '_')) && chars.all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '_'))
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

/// Checks a repository-relative path; `Err` describes what was found.
fn check_rel_path(v: &str, allow_trailing_slash: bool) -> Result<String, String> {
    if v.starts_with('/') {
        return Err(format!("{} (an absolute path)", describe(v)));
    }
    if v.chars().any(|c| c.is_ascii_control()) {
        return Err(format!("{} (a control character)", describe(v)));
    }
    let p = if allow_trailing_slash { v.strip_suffix('/').unwrap_or(v) } else { v };
    for comp in p.split('/') {
        let why = match comp {
            "" => "an empty path component",
            "." => "a `.` component (write the path without `./`)",
            ".." => "a `..` component",
            _ => continue,
        };
        return Err(format!("{} ({why})", describe(v)));
    }
    Ok(p.to_string())
}

fn check_commit(v: &str) -> Result<String, String> {
    let hex = !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit());
    match v.len() {
        0 => Err("an empty value".to_string()),
        40 | 64 if hex => Ok(v.to_ascii_lowercase()),
        n @ 4..=39 if hex => Err(format!("{} (a short SHA of {n} hex digits)", describe(v))),
        _ => Err(format!("{} (a branch or tag name)", describe(v))),
    }
}

fn check_repo_url(v: &str) -> Result<(), String> {
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("git@"));
    match rest {
        None if v.is_empty() => Err("an empty value".to_string()),
        None => Err(format!("{} (another scheme)", describe(v))),
        Some("") => Err(format!("{} (nothing after the scheme)", describe(v))),
        Some(_) if v.chars().any(char::is_whitespace) => Err(format!("{} (whitespace)", describe(v))),
        Some(_) => Ok(()),
    }
}

fn non_empty(v: String) -> Option<String> {
    (!v.is_empty()).then_some(v)
}

pub fn parse_config(text: &str) -> Result<LauncherConfig, ConfigError> {
    use ErrorKind::*;
    if text.len() > MAX_LAUNCHER_CONFIG_BYTES {
        let expected = format!("at most {} (MAX_LAUNCHER_CONFIG_BYTES)", count(MAX_LAUNCHER_CONFIG_BYTES, "byte"));
        return Err(ConfigError::new(Invalid, None, None, &expected, count(text.len(), "byte")));
    }
    let bad_line = |n, expected: &str, found| ConfigError::new(Invalid, Some(n), None, expected, found);
    for (n, line) in (1usize..).zip(text.split('\n')) {
        if let Some(c) = line.chars().find(|c| c.is_ascii_control() && *c != '\t') {
            let found = match c {
                '\r' => "a carriage return (CRLF line endings)".to_string(),
                c => format!("control character U+{:04X}", u32::from(c)),
            };
            return Err(bad_line(n, "no control characters other than tab", found));
        }
    }
    let mut cfg = LauncherConfig {
        repo_url: String::new(),
        commit_sha: String::new(),
        work_dir: None,
        repo_subdir: None,
        entrypoint_script: DEFAULT_ENTRYPOINT.to_string(),
        run_cmd: None,
        install_cmd: None,
        child_env_file: None,
        lines: Vec::new(),
    };
    for (n, line) in content_lines(text) {
        let Some((k, raw)) = line.split_once('=') else {
            let found = format!("{} (no `=`)", describe(line));
            return Err(bad_line(n, "a `KEY=VALUE` assignment", found));
        };
        if !valid_key_syntax(k) {
            let why = if k.trim_start().starts_with("export ") {
                "an `export` prefix"
            } else if k.trim() != k {
                "whitespace around the key"
            } else {
                "not an upper-case name"
            };
            let found = format!("{} ({why})", describe(k));
            return Err(bad_line(n, "a key `[A-Z_][A-Z0-9_]*` directly before `=`", found));
        }
        let Some(key) = Key::from_name(k) else {
            let names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
            let expected = format!("one of {}", names.join(", "));
            return Err(bad_line(n, &expected, format!("{} (unknown key)", describe(k))));
        };
        let err = |kind, expected: &str, found: String| ConfigError::new(kind, Some(n), Some(key), expected, found);
        if let Some(first) = cfg.line_of(key) {
            return Err(err(Invalid, "each key set once", format!("a second assignment (first on line {first})")));
        }
        if raw.len() > MAX_LAUNCHER_VALUE_BYTES {
            let expected = format!("at most {} (MAX_LAUNCHER_VALUE_BYTES)", count(MAX_LAUNCHER_VALUE_BYTES, "byte"));
            return Err(err(Invalid, &expected, count(raw.len(), "byte")));
        }
        cfg.lines.push((key, n));
        let v = unquote(raw);
        match key {
            Key::RepoUrl => {
                check_repo_url(v).map_err(|f| err(Invalid, "an `https://` or `git@` URL without whitespace", f))?;
                cfg.repo_url = v.to_string();
            }
            Key::CommitSha => cfg.commit_sha = check_commit(v).map_err(|f| err(CommitNotFull, COMMIT_EXPECTED, f))?,
            Key::WorkDir if v.is_empty() => return Err(err(Invalid, "a non-empty directory", "an empty value".into())),
            Key::WorkDir => cfg.work_dir = Some(v.to_string()),
            Key::RepoSubdir if v.is_empty() => {}
            Key::RepoSubdir => {
                cfg.repo_subdir = Some(check_rel_path(v, true).map_err(|f| err(Invalid, PATH_EXPECTED, f))?)
            }
            Key::EntrypointScript => {
                cfg.entrypoint_script = check_rel_path(v, false).map_err(|f| err(Invalid, PATH_EXPECTED, f))?;
            }
            Key::RunCmd => cfg.run_cmd = non_empty(v.to_string()),
            Key::InstallCmd => cfg.install_cmd = non_empty(v.to_string()),
            Key::ChildEnvFile => cfg.child_env_file = non_empty(v.to_string()),
        }
    }
    for key in [Key::RepoUrl, Key::CommitSha] {
        if cfg.line_of(key).is_none() {
            return Err(ConfigError::new(Incomplete, None, Some(key), "the key to be set", "no assignment".into()));
        }
    }
    if cfg.install_cmd.is_some() && cfg.run_cmd.is_none() {
        let (line, expected) =
            (cfg.line_of(Key::InstallCmd), "RUN_CMD as well (INSTALL_CMD runs only in advanced mode)");
        return Err(ConfigError::new(Invalid, line, Some(Key::InstallCmd), expected, "no RUN_CMD".into()));
    }
    Ok(cfg)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
    const INVALID: &str = "launcher-config-invalid";
    const NOT_FULL: &str = "workload-commit-not-full";
    const INCOMPLETE: &str = "launcher-config-incomplete";

    fn base(extra: &str) -> String {
        format!("REPO_URL=https://github.com/o/r.git\nCOMMIT_SHA={SHA}\n{extra}")
    }

    fn commit(v: &str) -> String {
        format!("REPO_URL=https://x/r\nCOMMIT_SHA={v}\n")
    }

    /// Parses, expects an error with `code` whose message contains `needle`.
    fn fails(text: &str, code: &str, needle: &str) -> ConfigError {
        let e = parse_config(text).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(e.to_string().contains(needle), "{e}");
        e
    }

    #[test]
    fn default_mode() {
        let c = parse_config(&base("WORK_DIR=/app\nREPO_SUBDIR=svc/\n")).unwrap();
        assert_eq!(c.mode(), Mode::Default { script: "svc/entrypoint.sh".into() });
        assert_eq!(c.line_of(Key::EntrypointScript), None);
        assert_eq!(c.work_dir.as_deref(), Some("/app"));
        assert_eq!(c.lines, vec![(Key::RepoUrl, 1), (Key::CommitSha, 2), (Key::WorkDir, 3), (Key::RepoSubdir, 4)]);
        let c = parse_config(&base("ENTRYPOINT_SCRIPT=bin/run.sh\n")).unwrap();
        assert_eq!(c.script_path(), "bin/run.sh");
        assert!(c.line_of(Key::EntrypointScript).is_some() && Key::EntrypointScript.is_trust_bearing());
    }

    #[test]
    fn advanced_mode() {
        let c = parse_config(&base("RUN_CMD=make run\nINSTALL_CMD=\"apt-get install -y make\"\n")).unwrap();
        let install_cmd = Some("apt-get install -y make".to_string());
        assert_eq!(c.mode(), Mode::Advanced { run_cmd: "make run".into(), install_cmd });
    }

    #[test]
    fn quotes_stripped_one_layer_only() {
        let c = parse_config(&base("RUN_CMD=\"'x'\"\nWORK_DIR='a#b'\n")).unwrap();
        assert_eq!(c.run_cmd.as_deref(), Some("'x'"));
        assert_eq!(c.work_dir.as_deref(), Some("a#b"));
        assert_eq!((unquote("\"x'"), unquote("\"")), ("\"x'", "\""));
    }

    #[test]
    fn comments_skipped() {
        let text = format!("# header\n   # indented = comment\nREPO_URL=git@github.com:o/r.git\nCOMMIT_SHA={SHA}");
        assert_eq!(parse_config(&text).unwrap().line_of(Key::RepoUrl), Some(3));
        assert_eq!(parse_config(&text).unwrap().line_of(Key::CommitSha), Some(4));
    }

    #[test]
    fn blank_lines_skipped() {
        let c = parse_config(&format!("\n  \t\nREPO_URL=https://x/r\n\nCOMMIT_SHA={SHA}\n\n")).unwrap();
        assert_eq!((c.line_of(Key::RepoUrl), c.line_of(Key::CommitSha)), (Some(3), Some(5)));
    }

    #[test]
    fn child_env_file_accepted() {
        let c = parse_config(&base("CHILD_ENV_FILE=/run/child.env\n")).unwrap();
        assert_eq!(c.child_env_file.as_deref(), Some("/run/child.env"));
        assert!(!Key::ChildEnvFile.is_trust_bearing());
    }

    #[test]
    fn commit_64_hex() {
        assert_eq!(parse_config(&commit(&"b".repeat(64))).unwrap().commit_sha, "b".repeat(64));
    }

    #[test]
    fn commit_upper_case_normalised() {
        assert_eq!(parse_config(&commit(&format!("'{}'", SHA.to_uppercase()))).unwrap().commit_sha, SHA);
    }

    /// One test per rule: the input that breaks it, the code, and a piece of the message.
    macro_rules! rejects {
        ($($name:ident: $text:expr => $code:expr, $needle:expr;)*) => {
            $(#[test] fn $name() { fails(&$text, $code, $needle); })*
        };
    }

    rejects! {
        unknown_key: base("FOO=1\n") => INVALID, "line 3: expected one of REPO_URL";
        duplicate_key: base("WORK_DIR=a\nWORK_DIR=b\n") => INVALID, "line 4 (WORK_DIR): expected each key set once";
        no_equals: base("WORK_DIR\n") => INVALID, "`WORK_DIR` (no `=`)";
        space_before_equals: base("COMMIT_SHA =x\n") => INVALID, "`COMMIT_SHA ` (whitespace around the key)";
        space_before_key: base(" WORK_DIR=x\n") => INVALID, "whitespace around the key";
        export_prefix: base("export WORK_DIR=x\n") => INVALID, "an `export` prefix";
        crlf: "REPO_URL=https://x/r\r\nCOMMIT_SHA=1\n" => INVALID, "line 1: expected no control characters";
        control_char: base("# \u{1}\n") => INVALID, "line 3: expected no control characters other than tab, found control character U+0001";
        missing_repo_url: format!("COMMIT_SHA={SHA}\n") => INCOMPLETE, "REPO_URL: expected the key to be set";
        missing_commit: "REPO_URL=https://x/r\n" => INCOMPLETE, "COMMIT_SHA: expected the key to be set";
        repo_url_http: format!("REPO_URL=http://x/r\nCOMMIT_SHA={SHA}\n") => INVALID, "line 1 (REPO_URL): expected an `https://` or `git@` URL";
        repo_url_bare_scheme: format!("REPO_URL=https://\nCOMMIT_SHA={SHA}\n") => INVALID, "nothing after the scheme";
        repo_url_whitespace: format!("REPO_URL=https://a b\nCOMMIT_SHA={SHA}\n") => INVALID, "(whitespace)";
        short_sha: commit("abc1234") => NOT_FULL, "expected a full 40- or 64-hex commit id, found `abc1234` (a short SHA of 7 hex digits)";
        branch_name: commit("main") => NOT_FULL, "line 2 (COMMIT_SHA): expected a full 40- or 64-hex commit id, found `main` (a branch or tag name)";
        tag_name: commit("v1.2.3") => NOT_FULL, "`v1.2.3` (a branch or tag name)";
        empty_commit: commit("''") => NOT_FULL, "found an empty value";
        absolute_subdir: base("REPO_SUBDIR=/etc\n") => INVALID, "line 3 (REPO_SUBDIR): expected a relative path inside the repository";
        dotdot_entrypoint: base("ENTRYPOINT_SCRIPT=a/../../x.sh\n") => INVALID, "line 3 (ENTRYPOINT_SCRIPT): expected a relative path";
        dot_prefix_subdir: base("REPO_SUBDIR=./svc\n") => INVALID, "(write the path without `./`)";
        empty_component: base("REPO_SUBDIR=a//b\n") => INVALID, "an empty path component";
        install_without_run: base("INSTALL_CMD=make deps\n") => INVALID, "line 3 (INSTALL_CMD): expected RUN_CMD as well";
        value_past_limit: base(&format!("RUN_CMD={}\n", "x".repeat(MAX_LAUNCHER_VALUE_BYTES + 1))) => INVALID, &format!("(MAX_LAUNCHER_VALUE_BYTES), found {} bytes", MAX_LAUNCHER_VALUE_BYTES + 1);
        text_past_limit: base(&"#".repeat(MAX_LAUNCHER_CONFIG_BYTES)) => INVALID, "git-launcher config: expected at most";
    }
}
