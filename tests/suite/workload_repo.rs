//! `workload::repo::inspect` against real repositories built with the local `git`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use dstack_audit::workload::repo::{inspect, RepoError, ScriptFacts};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary directory removed on drop.
struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("dstack-audit-repo-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have_git() -> bool {
    let ok = Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: git not found; skipping");
    }
    ok
}

/// Runs git in `dir` with a fixed identity and dates; returns trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A repository with `entrypoint.sh` (executable), `app/run.sh`, `README`, and `link -> README`.
fn sample(format: &str) -> (Tmp, String) {
    let tmp = Tmp::new();
    let r = &tmp.0;
    git(r, &["init", "-q", &format!("--object-format={format}")]);
    std::fs::write(r.join("entrypoint.sh"), "#!/bin/sh\nexec app/run.sh\n").unwrap();
    std::fs::create_dir(r.join("app")).unwrap();
    std::fs::write(r.join("app/run.sh"), "#!/bin/sh\necho run\n").unwrap();
    std::fs::write(r.join("README"), "readme\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("README", r.join("link")).unwrap();
    git(r, &["add", "."]);
    git(r, &["update-index", "--chmod=+x", "entrypoint.sh"]);
    git(r, &["commit", "-q", "-m", "init"]);
    let head = git(r, &["rev-parse", "HEAD"]);
    (tmp, head)
}

#[test]
fn commit_and_scripts_present() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha1");
    let r = &tmp.0;
    assert_eq!(head.len(), 40);
    let facts = inspect(r, &head, Some("entrypoint.sh")).unwrap();
    assert_eq!(facts.dir, r.display().to_string());
    assert_eq!(facts.commit, head);
    assert_eq!(facts.tree, git(r, &["rev-parse", "HEAD^{tree}"]));
    let blob = git(r, &["hash-object", "entrypoint.sh"]);
    let want = ScriptFacts { path: "entrypoint.sh".into(), blob, mode: "100755".into(), symlink: false };
    assert_eq!(facts.script, Some(want));
    assert!(facts.remotes.is_empty());

    let sub = inspect(r, &head, Some("app/run.sh")).unwrap().script.unwrap();
    assert_eq!(sub.blob, git(r, &["hash-object", "app/run.sh"]));
    assert_eq!(sub.mode, "100644");

    assert_eq!(inspect(r, &head, None).unwrap().script, None);
}

#[cfg(unix)]
#[test]
fn symlink_reported() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha1");
    let s = inspect(&tmp.0, &head, Some("link")).unwrap().script.unwrap();
    assert_eq!((s.mode.as_str(), s.symlink), ("120000", true));
}

#[test]
fn commit_absent() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha1");
    let r = &tmp.0;
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let e = inspect(r, missing, Some("entrypoint.sh")).unwrap_err();
    assert_eq!(e, RepoError::CommitAbsent { dir: r.display().to_string(), commit: missing.into() });
    assert_eq!(e.code(), "workload-commit-absent");
    assert!(e.to_string().contains(missing), "{e}");

    let blob = git(r, &["hash-object", "README"]);
    assert!(matches!(inspect(r, &blob, None), Err(RepoError::CommitAbsent { .. })));
    let tree = git(r, &["rev-parse", "HEAD^{tree}"]);
    assert!(matches!(inspect(r, &tree, None), Err(RepoError::CommitAbsent { .. })));
    // Not full lower-case ids: a ref name, an abbreviation, upper case, an option.
    let long = "ab".repeat(32);
    for bad in ["HEAD", &head[..12], &head.to_uppercase(), "--all", &long] {
        assert!(matches!(inspect(r, bad, None), Err(RepoError::CommitAbsent { .. })), "{bad}");
    }
}

#[test]
fn path_absent_or_not_a_file() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha1");
    let r = &tmp.0;
    for p in ["nope.sh", "app/nope.sh", "README/x", "app/", "./README", "-x"] {
        let e = inspect(r, &head, Some(p)).unwrap_err();
        assert!(matches!(e, RepoError::PathAbsent { .. }), "{p}: {e:?}");
        assert_eq!(e.code(), "workload-script-absent");
    }
    let e = inspect(r, &head, Some("app")).unwrap_err();
    match &e {
        RepoError::NotAFile { path, kind, .. } => {
            assert_eq!(path, "app");
            assert!(kind.contains("directory"), "{kind}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "workload-script-absent");
    // Literal pathspecs: a glob does not match.
    assert!(matches!(inspect(r, &head, Some("*.sh")), Err(RepoError::PathAbsent { .. })));
}

#[test]
fn not_a_repository() {
    if !have_git() {
        return;
    }
    let tmp = Tmp::new();
    let e = inspect(&tmp.0, "0123456789abcdef0123456789abcdef01234567", None).unwrap_err();
    assert!(matches!(e, RepoError::NotARepository { .. }), "{e:?}");
    assert_eq!(e.code(), "workload-repo-unusable");
    // A plain subdirectory of a work tree is not taken for the repository.
    let (repo, head) = sample("sha1");
    let e = inspect(&repo.0.join("app"), &head, None).unwrap_err();
    assert!(matches!(e, RepoError::NotARepository { .. }), "{e:?}");
    let e = inspect(&tmp.0.join("absent"), &head, None).unwrap_err();
    assert!(matches!(e, RepoError::NotARepository { .. }), "{e:?}");
    assert!(matches!(inspect(Path::new(""), &head, None), Err(RepoError::NotARepository { .. })));
}

#[test]
fn remotes_listed() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha1");
    let r = &tmp.0;
    git(r, &["remote", "add", "origin", "https://example.invalid/x.git"]);
    git(r, &["remote", "add", "mirror", "https://example.invalid/x.git"]);
    git(r, &["remote", "add", "other", "https://example.invalid/a.git"]);
    let facts = inspect(r, &head, None).unwrap();
    assert_eq!(facts.remotes, ["https://example.invalid/a.git", "https://example.invalid/x.git"]);
}

#[test]
fn sha256_repository() {
    if !have_git() {
        return;
    }
    let (tmp, head) = sample("sha256");
    let r = &tmp.0;
    assert_eq!(head.len(), 64);
    let facts = inspect(r, &head, Some("entrypoint.sh")).unwrap();
    assert_eq!(facts.tree.len(), 64);
    let s = facts.script.unwrap();
    assert_eq!(s.blob, git(r, &["hash-object", "entrypoint.sh"]));
    assert_eq!(s.mode, "100755");
    // A 40-hex prefix of the SHA-256 id is not that commit.
    assert!(matches!(inspect(r, &head[..40], None), Err(RepoError::CommitAbsent { .. })));
}
