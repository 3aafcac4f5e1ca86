//! Check 3 judged in-process on a compose text: the helpers the workload test files share.

use dstack_audit::checks::launcher::{AppSettings, AttestedCompose};
use dstack_audit::checks::workload::{check, WorkloadInputs};
use dstack_audit::compose::docker_compose::parse_compose;
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{CheckResult, Outcome, Status};
use serde_json::Value;

/// `yaml` as an attested compose file with `app`'s settings.
pub(crate) fn attested(yaml: &str, app: AppSettings) -> AttestedCompose {
    AttestedCompose::attested(parse_compose(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}")), "test compose".into(), app)
}

/// Check 3's result on `yaml` with reference `r`.
pub(crate) fn judge_with(yaml: &str, app: AppSettings, r: &Reference) -> CheckResult {
    check(&attested(yaml, app), r, WorkloadInputs::default()).0
}

/// A reference file given as JSON.
pub(crate) fn reference_from(r: &Value) -> Reference {
    parse_reference(&serde_json::to_vec(r).unwrap(), "ref.json").unwrap()
}

/// Fails with `code`, and some failure's message holds every one of `words`.
pub(crate) fn fails(r: &CheckResult, code: &str, words: &[&str]) {
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    let hit = r
        .findings
        .iter()
        .any(|f| f.outcome == Outcome::Fail && f.code == code && words.iter().all(|w| f.message.contains(w)));
    assert!(hit, "expected {code} with {words:?}: {r:#?}");
}

/// A git-launcher deployment that passes check 3, to be edited one attack at a time.
pub(crate) mod git_launcher {
    use dstack_audit::checks::launcher::AppSettings;
    use dstack_audit::reference::Reference;
    use serde_json::{json, Value};

    pub(crate) const IMAGE: &str =
        "docker.io/example/git-launcher@sha256:1111111111111111111111111111111111111111111111111111111111111111";
    pub(crate) const SIDECAR: &str =
        "docker.io/example/cache@sha256:3333333333333333333333333333333333333333333333333333333333333333";
    pub(crate) const COMMIT: &str = "1d6918c65fc08f781f61f47255e91702f05278b3";
    pub(crate) const REPO: &str = "https://github.com/example/app";

    /// A deployment that passes: the launcher reads an inline config at the default path, its
    /// checkout lives in the container, the guest-agent socket is mounted. `service` is indented
    /// under the launcher; `top` is appended at the top level.
    pub(crate) fn compose(service: &str, top: &str) -> String {
        format!(
            "services:\n  launcher:\n    image: {IMAGE}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n{service}    configs:\n      - source: pin\n        target: /etc/git-launcher/config.conf\nconfigs:\n  pin:\n    content: |\n      REPO_URL={REPO}\n      COMMIT_SHA={COMMIT}\n      WORK_DIR=/var/lib/git-launcher/app\n{top}"
        )
    }

    pub(crate) fn app(runner: &str, envs: &[&str]) -> AppSettings {
        AppSettings {
            allowed_envs: envs.iter().map(|s| s.to_string()).collect(),
            runner: Some(runner.into()),
            ..AppSettings::default()
        }
    }

    /// The launcher image and the pinned commit, after `edit`.
    pub(crate) fn reference(edit: impl FnOnce(&mut Value)) -> Reference {
        let mut r = json!({
            "schema": "dstack-audit/reference/v1",
            "launcher": {"image": "docker.io/example/git-launcher"},
            "workload": {"repo_url": REPO, "commit_sha": COMMIT}
        });
        edit(&mut r);
        super::reference_from(&r)
    }
}
