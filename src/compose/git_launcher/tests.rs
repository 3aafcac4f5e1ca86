#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::finding_code::FindingCode;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const INVALID: FindingCode = FindingCode::LauncherConfigInvalid;
const NOT_FULL: FindingCode = FindingCode::WorkloadCommitNotFull;
const INCOMPLETE: FindingCode = FindingCode::LauncherConfigIncomplete;
const CHILD_ENV: FindingCode = FindingCode::LauncherConfigChildEnvFile;

fn base(extra: &str) -> String {
    format!("REPO_URL=https://github.com/o/r.git\nCOMMIT_SHA={SHA}\nWORK_DIR=/w\n{extra}")
}

fn commit(v: &str) -> String {
    format!("REPO_URL=https://x/r\nCOMMIT_SHA={v}\nWORK_DIR=/w\n")
}

fn url(v: &str) -> String {
    format!("REPO_URL={v}\nCOMMIT_SHA={SHA}\nWORK_DIR=/w\n")
}

/// Parses, expects an error with `code` and `basis` whose message contains `needle`.
fn fails(text: &str, code: FindingCode, basis: Basis, needle: &str) -> ConfigError {
    let e = parse_config(text).unwrap_err();
    assert_eq!((e.code(), e.basis), (code, basis), "{e}");
    assert!(e.to_string().contains(needle), "{e}");
    e
}

#[test]
fn default_mode() {
    let c = parse_config(&base("REPO_SUBDIR=svc/\n")).unwrap();
    assert_eq!(c.mode(), Mode::Default { script: "svc/entrypoint.sh".into() });
    assert_eq!(c.line_of(Key::EntrypointScript), None);
    assert_eq!(c.work_dir.as_deref(), Some("/w"));
    assert_eq!(c.lines, vec![(Key::RepoUrl, 1), (Key::CommitSha, 2), (Key::WorkDir, 3), (Key::RepoSubdir, 4)]);
    assert_eq!(c.as_read.repo_subdir, "svc/");
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
fn empty_install_cmd_with_run_cmd_is_skipped() {
    let c = parse_config(&base("RUN_CMD=make run\nINSTALL_CMD=\n")).unwrap();
    assert_eq!(c.install_cmd, None);
    assert!(c.as_read.install_cmd_set);
}

#[test]
fn quotes_stripped_one_layer_only() {
    let c = parse_config(&base("RUN_CMD=\"'x'\"\nREPO_SUBDIR='a#b'\n")).unwrap();
    assert_eq!(c.run_cmd.as_deref(), Some("'x'"));
    assert_eq!(c.repo_subdir.as_deref(), Some("a#b"));
    assert_eq!((unquote("\"x'"), unquote("\""), unquote("\"\"")), ("\"x'", "\"", ""));
}

#[test]
fn comments_skipped() {
    let text =
        format!("# header\n   # indented = comment\nREPO_URL=git@github.com:o/r.git\nCOMMIT_SHA={SHA}\nWORK_DIR=/w");
    assert_eq!(parse_config(&text).unwrap().line_of(Key::RepoUrl), Some(3));
    assert_eq!(parse_config(&text).unwrap().line_of(Key::CommitSha), Some(4));
}

#[test]
fn blank_lines_and_leading_blanks_skipped() {
    let c = parse_config(&format!("\n  \t\n  REPO_URL=https://x/r\n\n\tCOMMIT_SHA={SHA}\nWORK_DIR=/w\n\n")).unwrap();
    assert_eq!((c.line_of(Key::RepoUrl), c.line_of(Key::CommitSha)), (Some(3), Some(5)));
}

#[test]
fn trailing_blanks_stay_in_the_value() {
    let c = parse_config(&base("RUN_CMD=make \t\n")).unwrap();
    assert_eq!(c.run_cmd.as_deref(), Some("make \t"));
}

#[test]
fn paths_are_normalised_without_changing_what_they_name() {
    let c = parse_config(&base("REPO_SUBDIR=./a//b/.\nENTRYPOINT_SCRIPT=./bin//run.sh\n")).unwrap();
    assert_eq!(c.script_path(), "a/b/bin/run.sh");
    let c = parse_config(&base("REPO_SUBDIR=.\nENTRYPOINT_SCRIPT=\n")).unwrap();
    assert_eq!((c.repo_subdir.as_deref(), c.script_path().as_str()), (None, DEFAULT_ENTRYPOINT));
    let c = parse_config(&commit(SHA).replace("/w", "//var/./lib/app/")).unwrap();
    assert_eq!(c.work_dir.as_deref(), Some("/var/lib/app"));
    assert_eq!(c.as_read.work_dir, "//var/./lib/app/");
}

#[test]
fn commit_64_hex() {
    assert_eq!(parse_config(&commit(&"b".repeat(64))).unwrap().commit_sha, "b".repeat(64));
}

#[test]
fn every_key_is_trust_bearing() {
    assert!(Key::ALL.iter().all(|k| k.is_trust_bearing()));
}

#[test]
fn git_at_urls() {
    assert!(parse_config(&url("git@github.com:o/r.git")).is_ok());
    for bad in ["git@github.com", "git@/srv/repo:x", "git@-oProxyCommand=x:r", "git@host:"] {
        fails(&url(bad), INVALID, Basis::Decision(44), "not `git@HOST:PATH`");
    }
}

/// One test per rule: the input that breaks it, the code, the basis and a piece of the message.
macro_rules! rejects {
    ($($name:ident: $text:expr => $code:expr, $basis:expr, $needle:expr;)*) => {
        $(#[test] fn $name() { fails(&$text, $code, $basis, $needle); })*
    };
}

const L: Basis = Basis::Launcher;
const D42: Basis = Basis::Decision(42);
const D43: Basis = Basis::Decision(43);
const D44: Basis = Basis::Decision(44);
const D45: Basis = Basis::Decision(45);
const D46: Basis = Basis::Decision(46);

rejects! {
    unknown_key: base("FOO=1\n") => INVALID, L, "line 4: expected one of REPO_URL";
    lower_case_key: base("work_dir=/x\n") => INVALID, L, "not an upper-case name";
    digit_first_key: base("1A=x\n") => INVALID, L, "not an upper-case name";
    no_equals: base("WORK_DIR\n") => INVALID, L, "`WORK_DIR` (no `=`)";
    space_before_equals: base("COMMIT_SHA =x\n") => INVALID, L, "`COMMIT_SHA ` (whitespace around the key)";
    export_prefix: base("export RUN_CMD=x\n") => INVALID, L, "an `export` prefix";
    child_env_file: base("CHILD_ENV_FILE=/run/child.env\n") => CHILD_ENV, D42, "line 4 (CHILD_ENV_FILE): expected no CHILD_ENV_FILE";
    child_env_file_empty: base("CHILD_ENV_FILE=\n") => CHILD_ENV, D42, "decision 42";
    duplicate_key: base("RUN_CMD=a\nRUN_CMD=b\n") => INVALID, D43, "line 5 (RUN_CMD): expected each key set once";
    crlf: "REPO_URL=https://x/r\r\nCOMMIT_SHA=1\n" => INVALID, D43, "line 1: expected no control characters";
    control_char: base("# \u{1}\n") => INVALID, D43, "line 4: expected no control characters other than tab, found control character U+0001";
    nul: base("RUN_CMD=a\u{0}b\n") => INVALID, D43, "U+0000";
    missing_repo_url: format!("COMMIT_SHA={SHA}\nWORK_DIR=/w\n") => INCOMPLETE, L, "REPO_URL: expected the key to be set";
    missing_commit: "REPO_URL=https://x/r\nWORK_DIR=/w\n" => INCOMPLETE, L, "COMMIT_SHA: expected the key to be set";
    missing_work_dir: format!("REPO_URL=https://x/r\nCOMMIT_SHA={SHA}\n") => INCOMPLETE, L, "WORK_DIR: expected the key to be set";
    empty_work_dir: commit(SHA).replace("/w", "''") => INVALID, L, "line 3 (WORK_DIR): expected a non-empty value";
    empty_repo_url: url("\"\"") => INVALID, L, "line 1 (REPO_URL): expected a non-empty value";
    repo_url_http: url("http://x/r") => INVALID, D44, "line 1 (REPO_URL): expected `https://HOST/…` or `git@HOST:PATH`";
    repo_url_file: url("file:///srv/r") => INVALID, D44, "another scheme or a local path";
    repo_url_local: url("/srv/r") => INVALID, D44, "another scheme or a local path";
    repo_url_ext: url("ext::sh -c touch% /tmp/x") => INVALID, D44, "whitespace";
    repo_url_ext_no_space: url("ext::true") => INVALID, D44, "`ext::`";
    repo_url_option: url("--upload-pack=touch%20/tmp/x") => INVALID, D44, "a leading `-`";
    repo_url_bare_scheme: url("https://") => INVALID, D44, "no host";
    repo_url_whitespace: url("https://a b") => INVALID, D44, "(whitespace)";
    short_sha: commit("abc1234") => NOT_FULL, L, "found `abc1234` (a short SHA of 7 hex digits)";
    upper_case_sha: commit(&SHA.to_uppercase()) => INVALID, L, "upper-case hex";
    long_hex: commit(&"a".repeat(41)) => NOT_FULL, L, "(41 hex digits)";
    branch_name: commit("main") => NOT_FULL, L, "line 2 (COMMIT_SHA): expected a full 40- or 64-hex commit id, in lower case, found `main` (a branch or tag name)";
    tag_name: commit("v1.2.3") => NOT_FULL, L, "`v1.2.3` (a branch or tag name)";
    empty_commit: commit("''") => NOT_FULL, L, "found an empty value";
    sha_with_trailing_space: commit(&format!("{SHA} ")) => NOT_FULL, L, "a branch or tag name";
    absolute_subdir: base("REPO_SUBDIR=/etc\n") => INVALID, L, "line 4 (REPO_SUBDIR): expected a relative path inside the repository";
    dotdot_entrypoint: base("ENTRYPOINT_SCRIPT=a/../../x.sh\n") => INVALID, L, "line 4 (ENTRYPOINT_SCRIPT): expected a relative path";
    dotdot_inside_a_name: base("REPO_SUBDIR=a..b\n") => INVALID, L, "(`..`)";
    install_without_run: base("INSTALL_CMD=make deps\n") => INVALID, L, "line 4 (INSTALL_CMD): expected RUN_CMD as well";
    empty_install_without_run: base("INSTALL_CMD=\n") => INVALID, L, "expected RUN_CMD as well";
    empty_run_cmd: base("RUN_CMD=\"\"\n") => INVALID, L, "line 4 (RUN_CMD): expected a non-empty command";
    relative_work_dir: commit(SHA).replace("/w", "app") => INVALID, D45, "a relative path";
    option_work_dir: commit(SHA).replace("/w", "-p") => INVALID, D45, "a relative path";
    dotdot_work_dir: commit(SHA).replace("/w", "/a/../etc") => INVALID, D45, "a `..` component";
    root_work_dir: commit(SHA).replace("/w", "/./") => INVALID, D45, "the root directory";
    option_entrypoint: base("ENTRYPOINT_SCRIPT=-s\n") => INVALID, D46, "bash` would read it as an option";
    plus_entrypoint: base("ENTRYPOINT_SCRIPT=+O\n") => INVALID, D46, "a leading `-` or `+`";
    directory_entrypoint: base("ENTRYPOINT_SCRIPT=bin/\n") => INVALID, D46, "a directory, not a file";
    dot_entrypoint: base("ENTRYPOINT_SCRIPT=.\n") => INVALID, D46, "a directory, not a file";
    value_past_limit: base(&format!("RUN_CMD={}\n", "x".repeat(MAX_LAUNCHER_VALUE_BYTES + 1))) => INVALID, D43, &format!("(MAX_LAUNCHER_VALUE_BYTES), found {} bytes", MAX_LAUNCHER_VALUE_BYTES + 1);
    text_past_limit: base(&"#".repeat(MAX_LAUNCHER_CONFIG_BYTES)) => INVALID, D43, "git-launcher config: expected at most";
}
