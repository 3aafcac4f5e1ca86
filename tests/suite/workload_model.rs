//! Check 3 on the effective-deployment model (issue §1–4): every way found to make the
//! attested compose run something other than the pinned commit, each with the finding that
//! catches it, and the variants that must still pass. Each attack is one edit of a deployment
//! that passes, so each assertion fails without its rule.

use crate::common::workload::git_launcher::*;
use crate::common::workload::*;
use dstack_audit::checks::launcher::AppSettings;
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{CheckResult, Outcome, Status};
use serde_json::json;
use sha2::{Digest, Sha256};

fn judge(yaml: &str) -> CheckResult {
    judge_with(yaml, app("docker-compose", &[]), &reference(|_| {}))
}

#[test]
fn the_base_deployment_passes() {
    let r = judge(&compose("", ""));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn environment_read_by_bash_git_or_the_loader_fails() {
    for (env, name) in [
        ("GIT_CONFIG_PARAMETERS: \"'core.fsmonitor=touch /tmp/x'\"", "GIT_CONFIG_PARAMETERS"),
        ("BASH_ENV: /tmp/x", "BASH_ENV"),
        ("LD_PRELOAD: /tmp/x.so", "LD_PRELOAD"),
        ("PATH: /tmp:/usr/bin", "PATH"),
        ("HOME: /tmp", "HOME"),
        ("GIT_SSH_COMMAND:", "GIT_SSH_COMMAND"),
    ] {
        let r = judge(&compose(&format!("    environment:\n      {env}\n"), ""));
        fails(&r, "workload-override", &[&format!("environment.{name}"), "line 7"]);
    }
    // Other names are runtime configuration, shown and passed.
    let r = judge(&compose("    environment:\n      LOG_LEVEL: debug\n      API_URL: ${API_URL}\n", ""));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "workload-runtime-configuration" && f.message.contains("API_URL")));
}

#[test]
fn mounts_over_programs_configuration_and_the_config_fail() {
    for target in [
        "/etc//git-launcher",
        "/etc/git-launcher/.",
        "/etc/x/../git-launcher/config.conf",
        "/usr/bin/git",
        "/etc/gitconfig",
        "/etc/ld.so.preload",
        "/usr/local/bin/git-launcher",
        "/root/.gitconfig",
        "/usr/local/sbin",
    ] {
        let r = judge(&compose(&format!("      - ./evil:{target}:ro\n"), ""));
        assert_eq!(r.status, Status::Fail, "{target}: {r:#?}");
        assert!(
            r.findings.iter().any(|f| f.outcome == Outcome::Fail && f.message.contains("line 6")),
            "{target}: {r:#?}"
        );
    }
    let r = judge(&compose("    tmpfs: /etc/git-launcher\n", ""));
    fails(&r, "launcher-config-not-attested", &["tmpfs"]);
    let r = judge(&compose("      - ${SRC}:/data\n", ""));
    fails(&r, "workload-override", &["interpolated target"]);
    let r = judge(&compose("      - type: bind\n        source: ${SRC}\n        target: /data\n", ""));
    fails(&r, "workload-override", &["interpolated source"]);
}

#[test]
fn the_config_comes_from_exactly_one_attested_content() {
    let two = compose("", "").replace(
        "        target: /etc/git-launcher/config.conf\n",
        "        target: /etc/git-launcher/config.conf\n      - source: pin\n        target: /etc/git-launcher//config.conf\n",
    );
    fails(&judge(&two), "launcher-config-ambiguous", &["2 configs"]);
    let secret = compose(
        "    secrets:\n      - source: s\n        target: /etc/git-launcher/config.conf\n",
        "secrets:\n  s:\n    file: ./s\n",
    );
    fails(&judge(&secret), "launcher-config-not-attested", &["secret s"]);
    let interpolated = compose("", "").replace(&format!("COMMIT_SHA={COMMIT}"), "COMMIT_SHA=${COMMIT}");
    fails(&judge(&interpolated), "workload-override", &["${COMMIT}"]);
    // `$(…)` is literal for Compose: such content is valid and attested.
    let dollar = compose("", "").replace("      WORK_DIR=", "      # salt $(head -c 32 /dev/urandom)\n      WORK_DIR=");
    assert_eq!(judge(&dollar).status, Status::Pass, "{:#?}", judge(&dollar));
}

#[test]
fn the_launcher_runs_as_itself_with_its_real_arguments() {
    fails(&judge(&compose("    entrypoint: []\n", "")), "workload-override", &["clears the image's entrypoint"]);
    fails(&judge(&compose("    entrypoint: ''\n", "")), "workload-override", &["clears"]);
    fails(&judge(&compose("    entrypoint: /bin/sh\n", "")), "workload-override", &["/bin/sh"]);
    // No flags: `--config=/p` is a file of that name under the working directory `/`.
    let r = judge(&compose("    command: [\"--config=/etc/git-launcher/config.conf\"]\n", ""));
    assert!(r.status != Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.message.contains("/--config=/etc/git-launcher/config.conf")), "{r:#?}");
    fails(&judge(&compose("    command: a b\n", "")), "launcher-not-started", &["2 arguments"]);
    fails(&judge(&compose("    command: --help\n", "")), "launcher-not-started", &["usage"]);
    // A relative path is read from the working directory.
    let rel = compose("    working_dir: /etc\n    command: git-launcher/config.conf\n", "");
    assert_eq!(judge(&rel).status, Status::Pass, "{:#?}", judge(&rel));
    // `!reset` removes the key in one file: the default path is read (the config is there).
    let reset = compose("    command: !reset [\"/elsewhere\"]\n", "");
    assert_eq!(judge(&reset).status, Status::Pass, "{:#?}", judge(&reset));
    // A merge key bringing a command in is seen.
    let merged = format!(
        "x-base: &base\n  command: [\"/elsewhere/c\"]\n{}",
        compose("", "").replace("    volumes:\n", "    <<: *base\n    volumes:\n")
    );
    let r = judge(&merged);
    assert!(r.status != Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.message.contains("/elsewhere/c")), "{r:#?}");
}

#[test]
fn the_reference_config_path_never_changes_what_the_launcher_reads() {
    let r = judge_with(
        &compose("", ""),
        app("docker-compose", &[]),
        &reference(|r| r["workload"]["config_path"] = json!("/opt/other.conf")),
    );
    fails(&r, "launcher-config-path-mismatch", &["/etc/git-launcher/config.conf"]);
}

#[test]
fn keys_outside_the_model_are_not_passed_and_named() {
    let r = judge(&compose("    frobnicate: true\n", ""));
    fails(&r, "workload-key-not-modelled", &["services.launcher.frobnicate", "line 6"]);
    // `extends` within the file is merged (see `extends_*` below); from another file it is not.
    let r = judge(&compose("    extends:\n      file: other.yaml\n      service: x\n", ""));
    fails(&r, "workload-key-not-modelled", &["services.launcher.extends", "other.yaml"]);
    let r = judge(&compose("", "include:\n  - other.yaml\n"));
    fails(&r, "workload-key-not-modelled", &["include"]);
    let r = judge(&compose("    labels: !custom {a: b}\n", ""));
    fails(&r, "workload-key-not-modelled", &["!custom"]);
}

#[test]
fn a_launcher_that_never_starts_runs_nothing() {
    for extra in ["    profiles: [debug]\n", "    scale: 0\n", "    deploy:\n      replicas: 0\n"] {
        fails(&judge(&compose(extra, "")), "launcher-not-started", &["never starts"]);
    }
    fails(&judge(&compose("    deploy:\n      replicas: ${N:-1}\n", "")), "workload-override", &["deploy.replicas"]);
}

#[test]
fn power_over_the_host_fails_unless_accepted_by_name() {
    for (extra, key) in [
        ("    privileged: true\n", "privileged"),
        ("    cap_add: [SYS_ADMIN]\n", "cap_add"),
        ("    pid: host\n", "pid"),
        ("    network_mode: host\n", "network_mode"),
        ("    security_opt: [seccomp:unconfined]\n", "security_opt"),
    ] {
        let y = compose(extra, "");
        fails(&judge(&y), "workload-power", &[key]);
        let r = judge_with(&y, app("docker-compose", &[]), &reference(|r| r["workload"]["accept"] = json!([key])));
        assert_eq!(r.status, Status::Pass, "{key}: {r:#?}");
        assert!(r.findings.iter().any(|f| f.code == "workload-power-accepted"));
    }
    assert_eq!(judge(&compose("    privileged: false\n    network_mode: bridge\n", "")).status, Status::Pass);
    fails(&judge(&compose("    volumes_from: [other]\n", "")), "workload-override", &["volumes_from"]);
}

#[test]
fn the_checkout_volume_is_a_persistent_checkout() {
    // The launcher README's recommended compose keeps the checkout in a named volume.
    let y = compose("      - checkout:/var/lib/git-launcher\n", "volumes:\n  checkout:\n");
    let r = judge(&y);
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    let f = r.findings.iter().find(|f| f.code == "workload-persistent-checkout").unwrap();
    assert!(f.message.contains(".git/hooks") && f.message.contains("persistent-checkout"), "{f:?}");
    let r = judge_with(
        &y,
        app("docker-compose", &[]),
        &reference(|r| r["workload"]["accept"] = json!(["persistent-checkout"])),
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "workload-persistent-checkout" && f.outcome == Outcome::Note));
    // A host path at the checkout: the host supplies the code.
    fails(&judge(&compose("      - /srv/app:/var/lib/git-launcher/app\n", "")), "workload-override", &["checkout"]);
    // A tmpfs is empty at every start.
    assert_eq!(judge(&compose("    tmpfs: /var/lib/git-launcher\n", "")).status, Status::Pass);
}

#[test]
fn other_services_cannot_change_the_launcher() {
    let sidecar = |body: &str| {
        compose("", "").replace("configs:\n  pin:", &format!("  cache:\n    image: {SIDECAR}\n{body}configs:\n  pin:"))
    };
    let listed = reference(|r| r["images"] = json!([SIDECAR]));
    let ok = judge_with(&sidecar(""), app("docker-compose", &[]), &listed);
    assert_eq!(ok.status, Status::Pass, "{ok:#?}");
    // Without an allow-list the sidecar is listed, not checked.
    let r = judge(&sidecar(""));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "workload-images-not-checked" && f.message.contains("cache")));
    for (body, words) in [
        ("    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n", "container engine"),
        ("    volumes:\n      - /run:/host-run\n", "container engine"),
        ("    privileged: true\n", "privileged"),
        ("    pid: service:launcher\n", "pid"),
        ("    volumes_from: [launcher]\n", "volumes_from"),
    ] {
        let r = judge_with(&sidecar(body), app("docker-compose", &[]), &listed);
        fails(&r, "workload-sidecar-controls-launcher", &[words]);
    }
    let tagged = compose("", "").replace("configs:\n  pin:", "  cache:\n    image: redis:7\nconfigs:\n  pin:");
    fails(&judge(&tagged), "workload-image-not-pinned", &["cache"]);
    let built = compose("", "").replace("configs:\n  pin:", "  cache:\n    build: .\nconfigs:\n  pin:");
    fails(&judge(&built), "workload-image-built", &["cache"]);
    // A volume shared with the launcher's checkout.
    let shared = compose("      - checkout:/var/lib/git-launcher\n", "volumes:\n  checkout:\n").replace(
        "configs:\n  pin:",
        &format!("  cache:\n    image: {SIDECAR}\n    volumes:\n      - checkout:/x\nconfigs:\n  pin:"),
    );
    let r = judge_with(
        &shared,
        app("docker-compose", &[]),
        &reference(|r| {
            r["images"] = json!([SIDECAR]);
            r["workload"]["accept"] = json!(["persistent-checkout"]);
        }),
    );
    fails(&r, "workload-sidecar-controls-launcher", &["checkout"]);
}

#[test]
fn the_boot_path_runs_the_compose_only_under_a_compose_runner() {
    let y = compose("", "");
    fails(&judge_with(&y, app("bash", &[]), &reference(|_| {})), "runner-not-compose", &["bash_script"]);
    let none = AppSettings { runner: None, ..AppSettings::default() };
    fails(&judge_with(&y, none, &reference(|_| {})), "runner-not-compose", &["refuses"]);
    assert_eq!(judge_with(&y, app("nerdctl-compose", &[]), &reference(|_| {})).status, Status::Pass);
    for env in ["BASH_ENV", "COMPOSE_FILE", "APP_COMPOSE_FILE", "DOCKER_HOST", "LD_PRELOAD", "COMPOSE_PROFILES"] {
        fails(&judge_with(&y, app("docker-compose", &[env]), &reference(|_| {})), "allowed-env-unsafe", &[env]);
    }
    // Another name is followed to where the compose interpolates it.
    let uses = compose("    environment:\n      API: ${API_TOKEN}\n", "");
    let r = judge_with(&uses, app("docker-compose", &["API_TOKEN"]), &reference(|_| {}));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "allowed-env" && f.message.contains("line 7")), "{r:#?}");
}

#[test]
fn a_pre_launch_script_passes_only_when_pinned() {
    let script = "mount --bind /tmp/x /usr/bin/git\n";
    let with = AppSettings {
        pre_launch_script: true,
        pre_launch_script_text: Some(script.into()),
        ..app("docker-compose", &[])
    };
    let y = compose("", "");
    let r = judge_with(&y, with.clone(), &reference(|_| {}));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    let sha = hex::encode(Sha256::digest(script.as_bytes()));
    let pinned = judge_with(&y, with.clone(), &reference(|r| r["workload"]["pre_launch_script_sha256"] = json!(sha)));
    assert_eq!(pinned.status, Status::Pass, "{pinned:#?}");
    let other = "0".repeat(64);
    let r = judge_with(&y, with, &reference(|r| r["workload"]["pre_launch_script_sha256"] = json!(other)));
    fails(&r, "pre-launch-script-not-pinned", &["not the one"]);
}

#[test]
fn the_reference_rejects_unknown_weakenings() {
    let r = serde_json::to_vec(&json!({"schema": "dstack-audit/reference/v1", "workload": {"accept": ["everything"]}}))
        .unwrap();
    assert!(parse_reference(&r, "ref.json").is_err());
    let r = serde_json::to_vec(
        &json!({"schema": "dstack-audit/reference/v1", "workload": {"pre_launch_script_sha256": "abc"}}),
    )
    .unwrap();
    assert!(parse_reference(&r, "ref.json").is_err());
}

#[test]
fn check_2_finds_the_launcher_only_where_compose_runs_it() {
    use dstack_audit::checks::launcher::check as launcher_check;
    use dstack_audit::provenance::TrustRoots;
    use dstack_audit::signature::{verify_all, SignatureInputs, SignatureTrust};
    let roots = TrustRoots::embedded().unwrap();
    let at = dstack_audit::clock::EvalTime::from_unix(1_800_000_000).unwrap();
    let none = verify_all(&SignatureInputs::default(), &SignatureTrust { sigstore: &roots }, at);
    let r = reference(|_| {});
    let run = |y: &str, app: AppSettings| launcher_check(&attested(y, app), &r, &none).0;
    // Without a bundle the provenance is not checked, but the launcher is found and pinned.
    let found = run(&compose("", ""), app("docker-compose", &[]));
    assert!(found.findings.iter().any(|f| f.code == "launcher-pinned"), "{found:#?}");
    // `!reset` removes the image: no service runs the launcher.
    let reset = compose("", "").replace(&format!("image: {IMAGE}"), &format!("image: !reset {IMAGE}"));
    let r2 = run(&reset, app("docker-compose", &[]));
    fails(&r2, "launcher-service-missing", &[]);
    // runner bash: the compose file never runs.
    fails(&run(&compose("", ""), app("bash", &[])), "runner-not-compose", &["bash"]);
}

#[test]
fn child_env_file_is_never_a_pass() {
    let y = compose("", "").replace("      WORK_DIR=", "      CHILD_ENV_FILE=/data/child.env\n      WORK_DIR=");
    let r = judge(&y);
    assert_eq!(r.status, Status::Fail, "{r:#?}");
}

#[test]
fn commands_beside_the_launcher_are_not_passed() {
    let y = compose(
        "    healthcheck:\n      test: [\"CMD\", \"git\", \"config\", \"--global\", \"core.hooksPath\", \"/x\"]\n",
        "",
    );
    fails(&judge(&y), "workload-key-not-modelled", &["healthcheck"]);
}

#[test]
fn image_pinned_services_cannot_take_their_program_from_the_deployment() {
    let listed = |y: &str| {
        let r = serde_json::to_vec(&json!({"schema": "dstack-audit/reference/v1", "images": [SIDECAR]})).unwrap();
        judge_with(y, app("docker-compose", &[]), &parse_reference(&r, "ref.json").unwrap())
    };
    let ok = format!("services:\n  cache:\n    image: {SIDECAR}\n    command: [redis-server]\n");
    assert_eq!(listed(&ok).status, Status::Pass, "{:#?}", listed(&ok));
    let cmd = format!("services:\n  cache:\n    image: {SIDECAR}\n    command: [sh, -c, \"${{CMD}}\"]\n");
    fails(&listed(&cmd), "workload-override", &["${CMD}"]);
    let env = format!("services:\n  cache:\n    image: {SIDECAR}\n    env_file: .env\n");
    fails(&listed(&env), "workload-override", &["env_file"]);
}

#[test]
fn a_relative_work_dir_is_refused_and_an_interpolated_working_dir_fails() {
    // A relative WORK_DIR would be resolved against the launcher's working directory, and again
    // inside the checkout by its second `cd`: the config is refused (decision 45).
    let y = compose("      - checkout:/app\n", "volumes:\n  checkout:\n")
        .replace("WORK_DIR=/var/lib/git-launcher/app", "WORK_DIR=app");
    fails(&judge(&y), "launcher-config-invalid", &["WORK_DIR", "decision 45"]);
    let moved = compose("    working_dir: ${DIR}\n", "");
    fails(&judge(&moved), "workload-override", &["working_dir"]);
}

#[test]
fn sidecars_with_devices_strong_capabilities_or_the_engine_state_fail() {
    let listed = reference(|r| r["images"] = json!([SIDECAR]));
    let sidecar = |body: &str| {
        compose("", "").replace("configs:\n  pin:", &format!("  cache:\n    image: {SIDECAR}\n{body}configs:\n  pin:"))
    };
    for (body, words) in [
        ("    devices: [/dev/vdb]\n", "devices"),
        ("    cap_add: [CAP_SYS_ADMIN]\n", "cap_add"),
        ("    volumes:\n      - /dstack:/d\n", "container engine"),
        ("    volumes:\n      - /var/lib/containerd:/c\n", "container engine"),
    ] {
        fails(
            &judge_with(&sidecar(body), app("docker-compose", &[]), &listed),
            "workload-sidecar-controls-launcher",
            &[words],
        );
    }
    let mild = judge_with(&sidecar("    cap_add: [NET_ADMIN]\n"), app("docker-compose", &[]), &listed);
    assert_eq!(mild.status, Status::Pass, "{mild:#?}");
}

#[test]
fn files_placed_in_the_checkout_fail() {
    for (service, top) in [
        (
            "    secrets:\n      - source: s\n        target: /var/lib/git-launcher/app/.git/hooks/post-checkout\n",
            "secrets:\n  s:\n    file: ./hook\n",
        ),
        ("", ""),
    ] {
        let y = if service.is_empty() {
            compose("", "").replace(
                "        target: /etc/git-launcher/config.conf\n",
                "        target: /etc/git-launcher/config.conf\n      - source: pin\n        target: /var/lib/git-launcher/app/.git/config\n",
            )
        } else {
            compose(service, top)
        };
        fails(&judge(&y), "workload-override", &["checkout"]);
    }
}

mod never_panics {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn interpolation(s in "[$a-z{}:?+\\-]{0,40}") {
            let _ = dstack_audit::deployment::interpolate::interpolate(&s);
        }

        #[test]
        fn model(s in "[a-z:&*<!{}\\[\\], \n-]{0,120}") {
            let _ = dstack_audit::deployment::model::model(&s);
        }
    }
}

#[test]
fn a_git_launcher_with_its_config_baked_in_is_still_judged_as_one() {
    // No workload section, the image in `images`: the launcher's keys are still judged.
    let y = format!("services:\n  launcher:\n    image: {IMAGE}\n    environment:\n      BASH_ENV: /tmp/x\n");
    let r = serde_json::to_vec(&json!({
        "schema": "dstack-audit/reference/v1",
        "launcher": {"image": "docker.io/example/git-launcher"},
        "images": [IMAGE]
    }))
    .unwrap();
    let r = judge_with(&y, app("docker-compose", &[]), &parse_reference(&r, "ref.json").unwrap());
    fails(&r, "workload-override", &["BASH_ENV"]);
}

#[test]
fn init_scripts_pass_only_when_each_is_pinned() {
    let scripts = vec!["echo one\n".to_string(), "echo two\n".to_string()];
    let with =
        AppSettings { init_script: true, init_script_texts: Some(scripts.clone()), ..app("docker-compose", &[]) };
    let y = compose("", "");
    let open = judge_with(&y, with.clone(), &reference(|_| {}));
    assert_eq!(open.status, Status::NotChecked, "{open:#?}");
    let hashes: Vec<String> = scripts.iter().map(|t| hex::encode(Sha256::digest(t.as_bytes()))).collect();
    let pinned = judge_with(&y, with.clone(), &reference(|r| r["workload"]["init_script_sha256"] = json!(hashes)));
    assert_eq!(pinned.status, Status::Pass, "{pinned:#?}");
    let one = judge_with(&y, with, &reference(|r| r["workload"]["init_script_sha256"] = json!([hashes[0]])));
    fails(&one, "init-script-not-pinned", &["not the one"]);
    let odd = AppSettings { init_script: true, init_script_texts: None, ..app("docker-compose", &[]) };
    fails(&judge_with(&y, odd, &reference(|_| {})), "init-script-not-pinned", &["neither"]);
}

/// A deployment whose launcher `extends` the service `common` (a pinned, listed sidecar image)
/// with `base` as its body, and the same deployment with `base` written into the launcher.
fn extended_and_flat(base: &str) -> (String, String) {
    let common = format!("  common:\n    image: {SIDECAR}\n{base}configs:\n  pin:");
    let extended = compose("    extends: common\n", "").replace("configs:\n  pin:", &common);
    let sock = "      - /var/run/dstack.sock:/var/run/dstack.sock\n";
    let flat = match base.strip_prefix("    volumes:\n") {
        Some(items) => compose("", "").replace(sock, &format!("{items}{sock}")),
        None => compose(base, ""),
    };
    (extended, flat)
}

fn listed() -> Reference {
    reference(|r| r["images"] = json!([SIDECAR]))
}

/// The failing codes of findings that are not about the base service `common` itself.
fn launcher_failures(r: &CheckResult) -> Vec<String> {
    let mut codes: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail && !f.message.contains("services.common"))
        .map(|f| f.code.to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn extends_of_a_harmless_base_passes_like_its_flattened_form() {
    let (extended, flat) =
        extended_and_flat("    restart: always\n    environment:\n      LOG_LEVEL: debug\n    ports: ['8080:80']\n");
    for y in [&extended, &flat] {
        let r = judge_with(y, app("docker-compose", &[]), &listed());
        assert_eq!(r.status, Status::Pass, "{y}\n{r:#?}");
    }
    // The inherited variable is runtime configuration of the launcher, as if written there.
    let r = judge_with(&extended, app("docker-compose", &[]), &listed());
    assert!(r.findings.iter().any(|f| f.code == "workload-runtime-configuration" && f.message.contains("LOG_LEVEL")));
}

#[test]
fn extends_inherits_what_changes_the_launcher_and_fails_like_its_flattened_form() {
    for (base, words) in [
        ("    privileged: true\n", "privileged"),
        ("    volumes:\n      - /etc/gitconfig:/etc/gitconfig:ro\n", "/etc/gitconfig"),
        ("    volumes:\n      - ./evil.conf:/etc/git-launcher/config.conf\n", "/etc/git-launcher"),
        ("    environment:\n      BASH_ENV: /tmp/x\n", "BASH_ENV"),
        ("    environment:\n      - GIT_CONFIG_PARAMETERS='core.fsmonitor=touch /tmp/x'\n", "GIT_CONFIG_PARAMETERS"),
        ("    entrypoint: [sh, -c, 'curl x | sh']\n", "entrypoint"),
        // The inherited argument moves the config path: the config is then looked for in the image.
        ("    command: [/tmp/other.conf]\n", "launcher image"),
        ("    volumes_from: [cache]\n", "volumes_from"),
        ("    user: root\n", "user"),
    ] {
        let (extended, flat) = extended_and_flat(base);
        let ext = judge_with(&extended, app("docker-compose", &[]), &listed());
        let fl = judge_with(&flat, app("docker-compose", &[]), &listed());
        assert_eq!(fl.status, Status::Fail, "the flattened form fails: {base}\n{fl:#?}");
        assert_eq!(ext.status, Status::Fail, "{base}\n{ext:#?}");
        assert!(!launcher_failures(&fl).is_empty(), "{base}\n{fl:#?}");
        assert_eq!(launcher_failures(&ext), launcher_failures(&fl), "{base}\n{ext:#?}");
        assert!(
            ext.findings.iter().any(|f| f.outcome == Outcome::Fail
                && !f.message.contains("services.common")
                && f.message.contains(words)),
            "{base}: {ext:#?}"
        );
    }
}

#[test]
fn extends_local_reset_override_and_values_win_over_the_base() {
    // The launcher removes the inherited entrypoint, replaces the inherited mounts and the
    // inherited variable: what remains passes. (The base service runs too, so its own mount is
    // read-only: a writable one of the CVM's /etc fails on its own, decision 82.)
    let (extended, _) = extended_and_flat(
        "    entrypoint: [sh, -c, x]\n    volumes:\n      - /etc/gitconfig:/etc/gitconfig:ro\n    environment:\n      BASH_ENV: /tmp/x\n",
    );
    let local = "    extends: common\n    entrypoint: !reset\n    environment:\n      BASH_ENV: !reset\n";
    let fixed = extended.replace("    extends: common\n", local).replace(
        "    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n",
        "    volumes: !override\n      - /var/run/dstack.sock:/var/run/dstack.sock\n",
    );
    let r = judge_with(&fixed, app("docker-compose", &[]), &listed());
    assert_eq!(r.status, Status::Pass, "{fixed}\n{r:#?}");
    // Without `!override` the inherited mount is kept beside the launcher's own.
    let kept = fixed.replace("volumes: !override", "volumes:");
    let r = judge_with(&kept, app("docker-compose", &[]), &listed());
    fails(&r, "workload-override", &["services.launcher.volumes", "/etc/gitconfig"]);
}

#[test]
fn extends_cycles_long_chains_and_other_files_fail_and_name_the_service() {
    let cycle = compose("    extends: loop\n", "")
        .replace("configs:\n  pin:", "  loop:\n    extends: launcher\nconfigs:\n  pin:");
    fails(&judge(&cycle), "workload-key-not-modelled", &["services.launcher.extends", "cycle"]);
    let mut chain = String::new();
    for i in 0..=dstack_audit::limits::MAX_COMPOSE_EXTENDS_DEPTH {
        let base = if i == 0 { format!("    image: {SIDECAR}\n") } else { format!("    extends: c{}\n", i - 1) };
        chain.push_str(&format!("  c{i}:\n{base}"));
    }
    let top = dstack_audit::limits::MAX_COMPOSE_EXTENDS_DEPTH;
    let long =
        compose(&format!("    extends: c{top}\n"), "").replace("configs:\n  pin:", &format!("{chain}configs:\n  pin:"));
    fails(
        &judge_with(&long, app("docker-compose", &[]), &listed()),
        "workload-key-not-modelled",
        &["services.launcher.extends", "chain"],
    );
    for file in ["other.yaml", "docker-compose.yaml", "./docker-compose.yml"] {
        let y = compose(&format!("    extends:\n      file: {file}\n      service: common\n"), "");
        fails(&judge(&y), "workload-key-not-modelled", &["services.launcher.extends", file, "not attested"]);
    }
    // A sidecar built from another file is unknown too.
    let y = compose("", "")
        .replace("configs:\n  pin:", "  cache:\n    extends: {file: sidecar.yaml, service: cache}\nconfigs:\n  pin:");
    fails(
        &judge_with(&y, app("docker-compose", &[]), &listed()),
        "workload-key-not-modelled",
        &["services.cache.extends"],
    );
}
