//! The config contract against the real launcher: `parse_config` and `validate_config` from
//! both launcher versions (`../shared/reference-impl/git-launcher/{c8b49a9,14686aa}/bin/git-launcher`,
//! read in place, unmodified)
//! run in one bash process over a generated corpus, and dstack-audit must accept exactly what
//! the launcher accepts, holding the same values, or refuse for a reason numbered in
//! `docs/decisions.md`. A refusal that claims the launcher refuses too must be true of every
//! version. The functions are cut out of the script by name, so its top level (argument
//! checks, `require_tool git`, `main`) never runs; the harness runs no other program, with an
//! empty environment, a temporary HOME and the image's C locale.

mod corpus;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dstack_audit::compose::git_launcher::{parse_config, Basis, LauncherValues};

const VERSIONS: [&str; 2] = ["c8b49a9", "14686aa"];
const FUNCTIONS: [&str; 3] = ["die", "parse_config", "validate_config"];
/// The decisions that may refuse a config the launcher runs.
const DECISIONS: std::ops::RangeInclusive<u16> = 42..=46;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real launcher of version `v`, read where the reference implementations live (beside the
/// repository, `../shared/reference-impl/`; CI has them there). Missing is a failure, not a skip.
fn launcher_script(v: &str) -> String {
    let path = root().join("../shared/reference-impl/git-launcher").join(v).join("bin/git-launcher");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the real launcher {} is needed by this test and could not be read: {e}", path.display())
    })
}

/// A top-level function's text: a one-line `name() { …; }`, or from `name() {` to the first
/// line that is exactly `}`.
fn function(script: &str, name: &str) -> String {
    let head = format!("{name}() {{");
    let lines: Vec<&str> = script.lines().collect();
    let start =
        lines.iter().position(|l| l.starts_with(&head)).unwrap_or_else(|| panic!("no `{head}` in the launcher"));
    if lines[start].trim_end().ends_with('}') {
        return lines[start].to_string();
    }
    let len = lines[start..].iter().position(|l| *l == "}").unwrap_or_else(|| panic!("`{name}` never closes"));
    lines[start..=start + len].join("\n")
}

const RUNNER: &str = r#"
run_all() {
  local version=$1 dir=$2 n=$3 i
  for ((i = 0; i < n; i++)); do
    printf '@@case %s %d\n' "$version" "$i"
    if ( set -euo pipefail
         parse_config "$dir/$i.conf"
         validate_config
         printf '@@ok\n'
         printf 'REPO_URL=%s\n' "$CFG_REPO_URL"
         printf 'COMMIT_SHA=%s\n' "$CFG_COMMIT_SHA"
         printf 'WORK_DIR=%s\n' "$CFG_WORK_DIR"
         printf 'REPO_SUBDIR=%s\n' "$CFG_REPO_SUBDIR"
         printf 'ENTRYPOINT_SCRIPT=%s\n' "$CFG_ENTRYPOINT_SCRIPT"
         printf 'RUN_CMD=%s\n' "$CFG_RUN_CMD"
         printf 'INSTALL_CMD=%s\n' "$CFG_INSTALL_CMD"
         printf 'RUN_CMD_SET=%s\n' "$CFG_RUN_CMD_SET"
         printf 'INSTALL_CMD_SET=%s\n' "$CFG_INSTALL_CMD_SET"
         printf 'CHILD_ENV_FILE=%s\n' "${CFG_CHILD_ENV_FILE-}"
       ) 2>&1; then :; else printf '@@refused\n'; fi
  done
}
"#;

/// What one launcher version made of one text: `Ok(values)` or `Err(its message)`.
type Outcome = Result<BTreeMap<String, String>, String>;

fn parse_output(out: &str) -> BTreeMap<(String, usize), Outcome> {
    let mut all = BTreeMap::new();
    let mut current: Option<((String, usize), Vec<&str>)> = None;
    let mut finish = |c: Option<((String, usize), Vec<&str>)>| {
        if let Some((id, lines)) = c {
            let outcome = if lines.contains(&"@@ok") {
                let values = lines
                    .iter()
                    .skip_while(|l| **l != "@@ok")
                    .skip(1)
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                Ok(values)
            } else {
                assert!(lines.contains(&"@@refused"), "{id:?}: neither accepted nor refused: {lines:?}");
                Err(lines.iter().filter(|l| !l.starts_with("@@")).copied().collect::<Vec<_>>().join(" | "))
            };
            all.insert(id, outcome);
        }
    };
    for line in out.split('\n') {
        if let Some(rest) = line.strip_prefix("@@case ") {
            finish(current.take());
            let (v, i) = rest.split_once(' ').unwrap();
            current = Some(((v.to_string(), i.parse().unwrap()), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    finish(current);
    all
}

/// Runs every version's functions over `texts` in one bash process under `locale`; `None`
/// when bash cannot set that locale.
fn run_launchers(
    bash: &Path,
    texts: &[String],
    dir: &Path,
    locale: &str,
) -> Option<BTreeMap<(String, usize), Outcome>> {
    std::fs::create_dir_all(dir.join("home")).unwrap();
    for (i, t) in texts.iter().enumerate() {
        std::fs::write(dir.join(format!("{i}.conf")), t).unwrap();
    }
    let mut harness = String::from("set -u\nPROG=git-launcher\n");
    harness.push_str(RUNNER);
    for v in VERSIONS {
        let script = launcher_script(v);
        for f in FUNCTIONS {
            harness.push_str(&function(&script, f));
            harness.push('\n');
        }
        harness.push_str(&format!("run_all {v} \"$1\" {}\n", texts.len()));
    }
    std::fs::write(dir.join("harness.sh"), &harness).unwrap();
    let out = Command::new(bash)
        .args(["--noprofile", "--norc"])
        .arg(dir.join("harness.sh"))
        .arg(dir)
        .env_clear()
        .env("HOME", dir.join("home"))
        .env("PATH", "/nonexistent")
        .env("LC_ALL", locale)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("setlocale") {
        return None;
    }
    assert!(out.status.success(), "harness failed: {stderr}");
    assert!(stderr.is_empty(), "harness wrote to stderr: {stderr}");
    Some(parse_output(&String::from_utf8(out.stdout).unwrap()))
}

fn launcher_view(v: &LauncherValues) -> BTreeMap<String, String> {
    let flag = |b: bool| if b { "1" } else { "0" }.to_string();
    [
        ("REPO_URL", v.repo_url.clone()),
        ("COMMIT_SHA", v.commit_sha.clone()),
        ("WORK_DIR", v.work_dir.clone()),
        ("REPO_SUBDIR", v.repo_subdir.clone()),
        ("ENTRYPOINT_SCRIPT", v.entrypoint_script.clone()),
        ("RUN_CMD", v.run_cmd.clone()),
        ("INSTALL_CMD", v.install_cmd.clone()),
        ("RUN_CMD_SET", flag(v.run_cmd_set)),
        ("INSTALL_CMD_SET", flag(v.install_cmd_set)),
        ("CHILD_ENV_FILE", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// bash on the caller's PATH (the harness itself runs with an unusable PATH).
fn bash() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("bash")).find(|p| p.is_file())
}

fn documented_decisions() -> Vec<u16> {
    let text = std::fs::read_to_string(root().join("docs/decisions.md")).unwrap();
    DECISIONS.filter(|n| text.lines().any(|l| l.starts_with(&format!("{n}. **")))).collect()
}

#[test]
fn dstack_audit_reads_configs_as_the_real_launcher_does() {
    let Some(bash) = bash() else {
        eprintln!("\n*** SKIPPED: bash is not on PATH, so the real git-launcher cannot be run. ***\n");
        return;
    };
    let mut texts = corpus::targeted();
    let targeted = texts.len();
    texts.extend(corpus::random(400, 0x6769_742d_6c61_756e));
    let dir = std::env::temp_dir().join(format!("dstack-audit-launcher-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let launchers = run_launchers(&bash, &texts, &dir, "C").expect("the C locale always exists");
    let utf8 = run_launchers(&bash, &texts, &dir, "C.UTF-8");
    let _ = std::fs::remove_dir_all(&dir);
    let decisions = documented_decisions();
    assert_eq!(decisions, DECISIONS.collect::<Vec<_>>(), "docs/decisions.md must hold every decision a refusal names");

    let mut tally = BTreeMap::<&str, usize>::new();
    for (i, t) in texts.iter().enumerate() {
        let ours = parse_config(t);
        let outcomes: Vec<(&str, &Outcome)> = VERSIONS.iter().map(|v| (*v, &launchers[&(v.to_string(), i)])).collect();
        let case = || format!("case {i} ({}): {t:?}", if i < targeted { "targeted" } else { "random" });
        for (version, outcome) in &outcomes {
            match (outcome, &ours) {
                (Err(_), Ok(c)) => panic!("{}: {version} refuses it, dstack-audit accepts {c:?}", case()),
                (Ok(values), Ok(c)) => {
                    assert_eq!(&launcher_view(&c.as_read), values, "{}: {version} holds other values", case());
                    *tally.entry("accepted by both").or_default() += 1;
                }
                (Ok(_), Err(e)) => match e.basis {
                    Basis::Decision(n) if decisions.contains(&n) => {
                        *tally.entry("launcher runs it, refused by a decision").or_default() += 1;
                    }
                    _ => panic!("{}: {version} accepts it, dstack-audit refuses without a decision: {e}", case()),
                },
                (Err(_), Err(_)) => *tally.entry("refused by both").or_default() += 1,
            }
        }
        if let Err(e) = &ours {
            if e.basis == Basis::Launcher {
                for (version, outcome) in &outcomes {
                    assert!(outcome.is_err(), "{}: `{e}` claims the launcher refuses, but {version} accepts", case());
                }
            }
        }
    }
    eprintln!("{} texts, outcomes per launcher version: {tally:?}", texts.len());
    // The corpus exercises every outcome, and the versions disagree where they should.
    for (what, at_least) in
        [("accepted by both", 150), ("refused by both", 300), ("launcher runs it, refused by a decision", 100)]
    {
        assert!(tally.get(what).copied().unwrap_or(0) >= at_least, "too few cases {what}: {tally:?}");
    }
    match utf8 {
        None => eprintln!("\n*** C.UTF-8 locale missing: the locale cross-check did not run. ***\n"),
        Some(utf8) => accepted_configs_do_not_depend_on_the_locale(&texts, &utf8),
    }
    let child_env = texts.iter().position(|t| t.contains("CHILD_ENV_FILE=/run/child.env")).unwrap();
    assert!(launchers[&("c8b49a9".to_string(), child_env)].is_ok(), "v0.1.0 takes CHILD_ENV_FILE");
    assert!(launchers[&("14686aa".to_string(), child_env)].is_err(), "14686aa refuses CHILD_ENV_FILE");
    assert!(texts.len() >= 500, "{} texts", texts.len());
}

/// The model is the image's C locale. A deployment that sets `LC_ALL`/`LANG` changes how
/// bash trims and matches (a leading U+3000 is a blank in C.UTF-8); whatever dstack-audit
/// accepts must still be read the same way there.
fn accepted_configs_do_not_depend_on_the_locale(texts: &[String], utf8: &BTreeMap<(String, usize), Outcome>) {
    let mut compared = 0;
    for (i, t) in texts.iter().enumerate() {
        let Ok(c) = parse_config(t) else { continue };
        for v in VERSIONS {
            match &utf8[&(v.to_string(), i)] {
                Ok(values) => assert_eq!(&launcher_view(&c.as_read), values, "case {i} under C.UTF-8, {v}: {t:?}"),
                Err(e) => panic!("case {i}: {v} under C.UTF-8 refuses what dstack-audit accepts ({e}): {t:?}"),
            }
            compared += 1;
        }
    }
    assert!(compared >= 150, "{compared}");
}

#[test]
fn functions_are_cut_out_whole() {
    let script = "x() { a; }\nparse_config() {\n  if y; then\n  fi\n}\nmain\n";
    assert_eq!(function(script, "x"), "x() { a; }");
    assert_eq!(function(script, "parse_config"), "parse_config() {\n  if y; then\n  fi\n}");
}
