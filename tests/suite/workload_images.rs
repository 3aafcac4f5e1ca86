//! Check 3 on image-pinned deployments as a closed world (decisions 59–60): a digest in the
//! allow-list is not enough when the service around the image can change what runs. Each
//! attack is one edit of an image-pinned deployment that passes, so each assertion fails
//! without its rule.

use dstack_audit::checks::launcher::AppSettings;
use dstack_audit::reference::Reference;
use dstack_audit::report::{CheckResult, Outcome, Status};
use serde_json::{json, Value};

use crate::common::workload::{fails, judge_with, reference_from};
use sha2::{Digest, Sha256};

const APP: &str = "docker.io/example/app@sha256:4444444444444444444444444444444444444444444444444444444444444444";
const CACHE: &str = "docker.io/library/redis@sha256:3333333333333333333333333333333333333333333333333333333333333333";

/// Two services, both pinned and allowed. `app` is indented under the first service (its
/// keys start on line 4); `top` is appended at the top level.
fn compose(app: &str, top: &str) -> String {
    format!("services:\n  app:\n    image: {APP}\n{app}  cache:\n    image: {CACHE}\n{top}")
}

fn settings() -> AppSettings {
    AppSettings { runner: Some("docker-compose".into()), ..AppSettings::default() }
}

fn reference(edit: impl FnOnce(&mut Value)) -> Reference {
    let mut r = json!({"schema": "dstack-audit/reference/v1", "images": [APP, CACHE]});
    edit(&mut r);
    reference_from(&r)
}

fn judge(yaml: &str) -> CheckResult {
    judge_with(yaml, settings(), &reference(|_| {}))
}

fn noted(r: &CheckResult, code: &str, word: &str) -> bool {
    r.findings.iter().any(|f| f.code == code && f.message.contains(word))
}

#[test]
fn runtime_configuration_and_data_pass_and_are_listed() {
    let y = compose(
        "    environment:\n      LOG_LEVEL: debug\n      API_URL: ${API_URL}\n    volumes:\n      - ./data:/data\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    tmpfs: /tmp\n",
        "",
    );
    let r = judge(&y);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(noted(&r, "workload-runtime-configuration", "API_URL (interpolated, line 6)"), "{r:#?}");
    assert!(noted(&r, "workload-runtime-data", "/data (a host path)"), "{r:#?}");
}

#[test]
fn the_dynamic_loaders_names_fail() {
    for name in ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "GLIBC_TUNABLES", "MALLOC_CONF"] {
        let y = compose(&format!("    environment:\n      {name}: /data/x.so\n    volumes:\n      - ./x:/data\n"), "");
        fails(&judge(&y), "workload-override", &[&format!("services.app.environment.{name} (line 5)")]);
        // In list form, and with the value taken from the deployment, too.
        let y = compose(&format!("    environment:\n      - {name}\n"), "");
        fails(&judge(&y), "workload-override", &[name]);
    }
}

#[test]
fn the_container_engine_in_any_service_fails() {
    for (mount, source) in [
        ("/var/run/docker.sock:/var/run/docker.sock", "/var/run/docker.sock"),
        ("/run/docker.sock:/docker.sock:ro", "/run/docker.sock"),
        ("/var/run:/host-run", "/var/run"),
        ("/run/containerd/containerd.sock:/c.sock", "/run/containerd/containerd.sock"),
        ("/var/lib/docker:/d", "/var/lib/docker"),
        ("/dstack:/dstack", "/dstack"),
        ("/:/host", "/"),
    ] {
        let y = compose(&format!("    volumes:\n      - {mount}\n"), "");
        fails(&judge(&y), "workload-engine-access", &["services.app.volumes (line 5)", source, "start any container"]);
    }
    let y = compose("    volumes:\n      - type: bind\n        source: /var/run/docker.sock\n        target: /s\n", "");
    fails(&judge(&y), "workload-engine-access", &["docker.sock"]);
}

#[test]
fn host_code_over_the_images_system_paths_fails() {
    for target in ["/usr/local/bin", "/usr/lib/x.so", "/etc/ld.so.preload", "/lib64", "/bin/sh", "/root", "/proc"] {
        let y = compose(&format!("    volumes:\n      - ./evil:{target}\n"), "");
        fails(&judge(&y), "workload-override", &["line 5", "host would supply code"]);
        let y = compose(&format!("    volumes:\n      - cache:{target}\n"), "volumes:\n  cache:\n");
        fails(&judge(&y), "workload-override", &["a volume"]);
    }
    // A mount over /etc or / covers git-launcher's config path, which makes the deployment
    // a git-launcher one (decision 13); it fails there.
    for target in ["/etc", "/"] {
        let r = judge(&compose(&format!("    volumes:\n      - ./evil:{target}\n"), ""));
        assert_eq!(r.status, Status::Fail, "{target}: {r:#?}");
    }
    // A config with attested inline content may sit there; one the host supplies may not.
    let inline = "configs:\n  c:\n    content: \"x\"\n";
    let y = compose("    configs:\n      - source: c\n        target: /etc/app.conf\n", inline);
    assert_eq!(judge(&y).status, Status::Pass);
    let host = "configs:\n  c:\n    file: ./app.conf\n";
    let y = compose("    configs:\n      - source: c\n        target: /etc/app.conf\n", host);
    fails(&judge(&y), "workload-override", &["/etc/app.conf"]);
    let y = compose("    secrets:\n      - source: s\n        target: /usr/lib/s\n", "secrets:\n  s:\n    file: ./s\n");
    fails(&judge(&y), "workload-override", &["/usr/lib/s"]);
}

#[test]
fn what_the_image_runs_is_not_chosen_at_deploy_time() {
    for (body, words) in [
        ("    command: ${CMD}\n", &["services.app.command (line 4)"][..]),
        ("    entrypoint: [\"${SHELL_PATH}\", \"-c\"]\n", &["services.app.entrypoint (line 4)"]),
        ("    working_dir: ${DIR}\n", &["services.app.working_dir (line 4)"]),
        ("    env_file: .env\n", &["services.app.env_file (line 4)"]),
        ("    volumes:\n      - ${SRC}:/data\n", &["interpolated"]),
        ("    volumes:\n      - ./data:${DST}\n", &["interpolated target"]),
        ("    user: ${U}\n", &["services.app.user"]),
    ] {
        fails(&judge(&compose(body, "")), "workload-override", words);
    }
    // A literal command and user are part of the attested compose.
    let r = judge(&compose("    command: [\"serve\", \"--port\", \"80\"]\n    user: \"1000\"\n", ""));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn keys_the_model_does_not_know_fail() {
    for (body, key) in [
        ("    runtime: sysbox-runc\n", "runtime"),
        // Same-file `extends` is merged (decision 65); another file is never attested (67).
        ("    extends:\n      file: other.yaml\n      service: cache\n", "extends"),
        ("    healthcheck:\n      test: [\"CMD\", \"true\"]\n", "healthcheck"),
        ("    volumes_from: [cache]\n", "volumes_from"),
    ] {
        let line = if key == "extends" { 5 } else { 4 };
        fails(&judge(&compose(body, "")), "workload-key-not-modelled", &[&format!("services.app.{key} (line {line})")]);
    }
}

#[test]
fn power_over_the_cvm_fails_unless_the_reference_accepts_it() {
    for (body, key) in [
        ("    privileged: true\n", "privileged"),
        ("    cap_add: [SYS_ADMIN]\n", "cap_add"),
        ("    devices: [\"/dev/sda:/dev/sda\"]\n", "devices"),
        ("    pid: host\n", "pid"),
        ("    network_mode: \"service:cache\"\n", "network_mode"),
        ("    security_opt: [\"seccomp=unconfined\"]\n", "security_opt"),
        ("    security_opt: [\"no-new-privileges:true\", \"apparmor=unconfined\"]\n", "security_opt"),
    ] {
        let y = compose(body, "");
        fails(&judge(&y), "workload-power", &[&format!("services.app.{key} (line 4)")]);
        // The acceptance is read in image-pinned deployments too, and does not make them
        // git-launcher deployments (decision 59).
        let r = judge_with(&y, settings(), &reference(|r| r["workload"] = json!({"accept": [key]})));
        assert_eq!(r.status, Status::Pass, "{key}: {r:#?}");
        assert!(r.findings.iter().any(|f| f.code == "workload-power-accepted" && f.outcome == Outcome::Note));
    }
    // `no-new-privileges` only takes power away; `privileged: false` gives none.
    let r = judge(&compose("    security_opt: [\"no-new-privileges:true\"]\n    privileged: false\n", ""));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn near_mpcs_launcher_shape_does_not_pass() {
    // The shape of NEAR MPC's attested compose (fixtures/dstack/near-mpc-*): a launcher pinned
    // by digest that holds the Docker socket and starts the MPC node image itself.
    let y = compose(
        "    environment:\n      - DEFAULT_IMAGE_DIGEST=sha256:6e5b\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    security_opt:\n      - no-new-privileges:true\n    read_only: true\n",
        "",
    );
    let r = judge(&y);
    fails(&r, "workload-engine-access", &["services.app.volumes (line 7)", "/var/run/docker.sock"]);
    let fails: Vec<&str> = r.findings.iter().filter(|f| f.outcome == Outcome::Fail).map(|f| f.code.as_str()).collect();
    assert_eq!(fails, ["workload-engine-access"]);
}

#[test]
fn script_pins_do_not_make_a_deployment_a_git_launcher_one() {
    let script = "echo preparing\n";
    let sha = hex::encode(Sha256::digest(script.as_bytes()));
    let with = AppSettings {
        pre_launch_script: true,
        pre_launch_script_text: Some(script.into()),
        init_script: true,
        init_script_texts: Some(vec![script.into()]),
        ..settings()
    };
    let y = compose("", "");
    let pinned = reference(|r| r["workload"] = json!({"pre_launch_script_sha256": sha, "init_script_sha256": [sha]}));
    let r = judge_with(&y, with.clone(), &pinned);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "pre-launch-script-pinned"));
    assert!(r.findings.iter().any(|f| f.code == "workload-images-allowed"));
    // Without the pins it is not checked; with a launcher key, it is a git-launcher deployment.
    let r = judge_with(&y, with.clone(), &reference(|_| {}));
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    let launcher = reference(
        |r| r["workload"] = json!({"pre_launch_script_sha256": sha, "init_script_sha256": [sha], "commit_sha": "1d6918c65fc08f781f61f47255e91702f05278b3"}),
    );
    fails(&judge_with(&y, with, &launcher), "launcher-config-missing", &[]);
}

/// The same in an image-pinned deployment: a writable mount of the CVM's system directories fails
/// as engine access (decision 82); read-only it is runtime data.
#[test]
fn writable_mounts_of_the_cvms_system_directories_fail() {
    for body in ["    volumes:\n      - /etc:/host-etc\n", "    volumes:\n      - /usr:/u\n"] {
        fails(&judge(&compose(body, "")), "workload-engine-access", &["system directory"]);
    }
    assert_eq!(judge(&compose("    volumes:\n      - /etc:/host-etc:ro\n", "")).status, Status::Pass);
}
