//! Local clone inspection for `--workload-repo DIR`: given the commit pinned in an attested
//! git-launcher config (and optionally the entry script's repository path), establish from the
//! auditor's clone that the commit exists, that the path is a blob at it, and which object ids
//! (commit, tree, blob) and file mode the auditor must read; also list the clone's fetch URLs.
//!
//! It shells out to the `git` program (never a shell): the dependency set has no git library, and
//! the plumbing commands used here (`rev-parse --verify`, `ls-tree -z`, `remote -v`) have stable
//! output. It stays offline and reads only what it asked for: `GIT_NO_LAZY_FETCH=1` and an empty
//! `GIT_ALLOW_PROTOCOL` (no transport at all) stop partial clones from fetching missing objects;
//! `GIT_NO_REPLACE_OBJECTS=1` makes replace refs unable to substitute objects; no prompts, no
//! system config, no optional locks, literal pathspecs, and repository discovery stops at DIR
//! (`GIT_CEILING_DIRECTORIES`), so a non-clone inside some other repository is not mistaken for
//! it. Inherited `GIT_DIR`-style variables are removed. Output read from git is bounded.

use crate::finding_code::FindingCode;
use std::ffi::OsStr;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Most bytes read from one git command's stdout (and kept from its stderr).
pub const MAX_GIT_OUTPUT_BYTES: u64 = 65_536;
/// Longest git error detail kept in a [`RepoError`], in characters.
const MAX_DETAIL_CHARS: usize = 240;
/// Inherited variables that would redirect git away from `-C DIR` or inject configuration.
const REMOVED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_REPLACE_REF_BASE",
    "GIT_SHALLOW_FILE",
];

/// What the clone says about the pinned commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommitFacts {
    /// DIR as given.
    pub dir: String,
    /// The full commit id (equal to the one asked for).
    pub commit: String,
    /// The commit's root tree id.
    pub tree: String,
    /// The entry script at that commit; `None` when no path was asked.
    pub script: Option<ScriptFacts>,
    /// The clone's remote fetch URLs, sorted and deduplicated.
    pub remotes: Vec<String>,
}

/// The entry script's tree entry at the pinned commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScriptFacts {
    pub path: String,
    /// The blob's git object id.
    pub blob: String,
    /// The tree entry mode: "100644", "100755", or "120000" for a symlink.
    pub mode: String,
    /// Mode 120000: the blob holds the link target, and what runs is that target.
    pub symlink: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoError {
    /// The git program cannot be run (message from the OS).
    GitUnavailable(String),
    NotARepository {
        dir: String,
        detail: String,
    },
    CommitAbsent {
        dir: String,
        commit: String,
    },
    PathAbsent {
        dir: String,
        commit: String,
        path: String,
    },
    NotAFile {
        dir: String,
        commit: String,
        path: String,
        kind: String,
    },
    /// Anything else, with git's stderr (bounded, one line).
    Git {
        dir: String,
        command: String,
        detail: String,
    },
}

impl RepoError {
    pub fn code(&self) -> FindingCode {
        match self {
            RepoError::GitUnavailable(_) | RepoError::NotARepository { .. } | RepoError::Git { .. } => {
                FindingCode::WorkloadRepoUnusable
            }
            RepoError::CommitAbsent { .. } => FindingCode::WorkloadCommitAbsent,
            RepoError::PathAbsent { .. } | RepoError::NotAFile { .. } => FindingCode::WorkloadScriptAbsent,
        }
    }
}

impl fmt::Display for RepoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepoError::GitUnavailable(msg) => write!(f, "cannot run the git program: {msg}"),
            RepoError::NotARepository { dir, detail } => {
                write!(f, "workload repository {dir}: expected a git repository, found none ({detail})")
            }
            RepoError::CommitAbsent { dir, commit } => {
                write!(f, "workload repository {dir}: expected commit {commit}, found no commit with that id")
            }
            RepoError::PathAbsent { dir, commit, path } => {
                write!(f, "workload repository {dir}: expected file {path} at commit {commit}, found no such path")
            }
            RepoError::NotAFile { dir, commit, path, kind } => {
                write!(f, "workload repository {dir}: expected file {path} at commit {commit}, found a {kind}")
            }
            RepoError::Git { dir, command, detail } => {
                write!(f, "workload repository {dir}: `git {command}` failed: {detail}")
            }
        }
    }
}

impl std::error::Error for RepoError {}

/// Inspects the clone at `dir` for `commit` and, if given, the entry script path `script`.
pub fn inspect(dir: &Path, commit: &str, script: Option<&str>) -> Result<CommitFacts, RepoError> {
    let git = Git::new(dir)?;
    let out = git.run(&["rev-parse", "--git-dir"])?;
    if !out.ok {
        return Err(RepoError::NotARepository { dir: git.shown.clone(), detail: out.detail });
    }
    let absent = || RepoError::CommitAbsent { dir: git.shown.clone(), commit: commit.to_owned() };
    // Not a full lower-case id: no commit has it (and nothing reaching git starts with `-`).
    if !matches!(commit.len(), 40 | 64) || !commit.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(absent());
    }
    // Exit 1: unknown, or not a commit. A 40-hex prefix may resolve to a longer SHA-256 id,
    // so the answer must equal the id asked for.
    match git.object(&format!("{commit}^{{commit}}"))? {
        Some(id) if id == commit => {}
        _ => return Err(absent()),
    }
    let tree = git.object(&format!("{commit}^{{tree}}"))?.ok_or_else(absent)?;
    let script = script.map(|path| git.script(commit, path)).transpose()?;
    Ok(CommitFacts { dir: git.shown.clone(), commit: commit.to_owned(), tree, script, remotes: git.remotes()? })
}

/// A git invocation context for one DIR.
struct Git<'a> {
    dir: &'a Path,
    shown: String,
    ceiling: Option<std::path::PathBuf>,
}

/// One finished git command: exit success, stdout (bounded), first stderr line (bounded).
struct Output {
    ok: bool,
    code: Option<i32>,
    stdout: Vec<u8>,
    detail: String,
}

impl<'a> Git<'a> {
    fn new(dir: &'a Path) -> Result<Self, RepoError> {
        let shown = dir.display().to_string();
        // `git -C ""` would silently mean the current directory.
        if dir.as_os_str().is_empty() {
            return Err(RepoError::NotARepository { dir: shown, detail: "empty directory path".to_owned() });
        }
        let real =
            dir.canonicalize().map_err(|e| RepoError::NotARepository { dir: shown.clone(), detail: e.to_string() })?;
        Ok(Git { dir, shown, ceiling: real.parent().map(Path::to_path_buf) })
    }

    fn fail(&self, command: &str, detail: String) -> RepoError {
        RepoError::Git { dir: self.shown.clone(), command: command.to_owned(), detail }
    }

    fn run(&self, args: &[&str]) -> Result<Output, RepoError> {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.dir).args(args.iter().map(OsStr::new));
        for name in REMOVED_ENV {
            cmd.env_remove(name);
        }
        cmd.env("GIT_NO_LAZY_FETCH", "1")
            .env("GIT_ALLOW_PROTOCOL", "")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_LITERAL_PATHSPECS", "1")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ceiling) = &self.ceiling {
            cmd.env("GIT_CEILING_DIRECTORIES", ceiling);
        }
        let mut child = cmd.spawn().map_err(|e| RepoError::GitUnavailable(e.to_string()))?;
        let command = args.join(" ");
        let fail = |detail: String| self.fail(&command, detail);
        // stderr drains on its own thread so git never blocks on a full pipe.
        let err_reader = child.stderr.take().map(|mut e| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let _ = e.by_ref().take(MAX_GIT_OUTPUT_BYTES).read_to_end(&mut kept);
                let _ = std::io::copy(&mut e, &mut std::io::sink());
                kept
            })
        });
        let mut stdout = Vec::new();
        let read = match child.stdout.take() {
            Some(o) => o.take(MAX_GIT_OUTPUT_BYTES.saturating_add(1)).read_to_end(&mut stdout).map(|_| ()),
            None => Ok(()),
        };
        let too_long = u64::try_from(stdout.len()).map_or(true, |n| n > MAX_GIT_OUTPUT_BYTES);
        if too_long {
            let _ = child.kill();
        }
        let status = child.wait().map_err(|e| fail(e.to_string()))?;
        let stderr = match err_reader.map(std::thread::JoinHandle::join) {
            Some(Ok(bytes)) => bytes,
            Some(Err(_)) => return Err(fail("stderr reader failed".to_owned())),
            None => Vec::new(),
        };
        read.map_err(|e| fail(e.to_string()))?;
        if too_long {
            return Err(fail(format!("output exceeds {MAX_GIT_OUTPUT_BYTES} bytes")));
        }
        Ok(Output { ok: status.success(), code: status.code(), stdout, detail: one_line(&stderr) })
    }

    /// `rev-parse --verify` of `rev`: `Some(id)` when it names an object of the asked type,
    /// `None` when git says no (exit 1); other failures are errors.
    fn object(&self, rev: &str) -> Result<Option<String>, RepoError> {
        let out = self.run(&["rev-parse", "--verify", "--quiet", "--end-of-options", rev])?;
        if out.code == Some(1) {
            return Ok(None);
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !out.ok || !matches!(id.len(), 40 | 64) {
            let detail = if out.detail.is_empty() { format!("unexpected output {id:?}") } else { out.detail };
            return Err(self.fail(&format!("rev-parse {rev}"), detail));
        }
        Ok(Some(id))
    }

    fn script(&self, commit: &str, path: &str) -> Result<ScriptFacts, RepoError> {
        let absent =
            || RepoError::PathAbsent { dir: self.shown.clone(), commit: commit.to_owned(), path: path.to_owned() };
        // A tree entry name is never empty, `.`, `..`, or holds a NUL: no such path can exist.
        if path.contains('\0') || path.split('/').any(|c| matches!(c, "" | "." | "..")) {
            return Err(absent());
        }
        let out = self.run(&["ls-tree", "-z", "--full-tree", "--end-of-options", commit, "--", path])?;
        if !out.ok {
            return Err(self.fail(&format!("ls-tree {commit} -- {path}"), out.detail));
        }
        // Entries: "<mode> <type> <id>\t<path>\0"; only an exact path match counts.
        let entry = out.stdout.split(|&b| b == 0).find_map(|rec| {
            let rec = std::str::from_utf8(rec).ok()?;
            let (meta, name) = rec.split_once('\t')?;
            let mut parts = meta.split(' ');
            let fields = (parts.next()?, parts.next()?, parts.next()?);
            (name == path).then_some(fields)
        });
        let (mode, kind, id) = entry.ok_or_else(absent)?;
        if kind != "blob" {
            let kind = match kind {
                "tree" => "directory (tree object)".to_owned(),
                "commit" => "submodule (commit object)".to_owned(),
                other => format!("{other} object"),
            };
            return Err(RepoError::NotAFile {
                dir: self.shown.clone(),
                commit: commit.to_owned(),
                path: path.to_owned(),
                kind,
            });
        }
        Ok(ScriptFacts { path: path.to_owned(), blob: id.to_owned(), mode: mode.to_owned(), symlink: mode == "120000" })
    }

    /// Fetch URLs from `git remote -v` ("<name>\t<url> (fetch)" lines).
    fn remotes(&self) -> Result<Vec<String>, RepoError> {
        let out = self.run(&["remote", "-v"])?;
        if !out.ok {
            return Err(self.fail("remote -v", out.detail));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut urls: Vec<String> = text
            .lines()
            .filter_map(|line| line.split_once('\t')?.1.strip_suffix(" (fetch)").map(str::to_owned))
            .collect();
        urls.sort();
        urls.dedup();
        Ok(urls)
    }
}

/// The first non-empty line of git's stderr, trimmed and bounded.
fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    line.chars().take(MAX_DETAIL_CHARS).collect()
}
