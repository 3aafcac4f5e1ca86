//! Check-3 deployments for the effective-deployment model (`workload-model-variants/<name>/`):
//! one deployment per way of changing what runs, each under the TEST root so that check 1
//! passes and checks 2–3 are what is tested, with `args` and `expected.json` as in
//! `git-launcher-variants/`. Two come from the git-launcher README (dstack-examples 14686aa,
//! Apache-2.0; fixtures/SOURCES.md) with its placeholders filled: the recommended inline config
//! with a checkout volume, and the host-mounted config it warns against.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::deployment::{
    args, build, pretty, reference, App, CONFIG_PATH, LAUNCHER_DIGEST, LAUNCHER_IMAGE, PR_REFS, WORKLOAD_COMMIT,
    WORKLOAD_REPO,
};
use crate::error::Result;
use crate::generate::Files;
use crate::pki::Pki;

const DIR: &str = "workload-model-variants";
const SIDECAR: &str = "docker.io/library/redis@sha256:3333333333333333333333333333333333333333333333333333333333333333";
const PRE_LAUNCH: &str = "echo preparing\n";

/// The README's recommended compose ("attest config through compose"), placeholders filled.
fn readme_inline() -> String {
    format!(
        "services:\n  workload:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    configs:\n      - source: pin\n        target: /etc/git-launcher/config.conf\n    environment:\n      APP_CONFIG_PATH: /var/lib/example-workload/config.json\n    volumes:\n      - workload-checkout:/var/lib/git-launcher\n      - workload-state:/var/lib/example-workload\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    restart: unless-stopped\n\nconfigs:\n  pin:\n    content: |\n      REPO_URL={WORKLOAD_REPO}\n      COMMIT_SHA={WORKLOAD_COMMIT}\n      WORK_DIR=/var/lib/git-launcher/example-workload\n\nvolumes:\n  workload-checkout:\n  workload-state:\n"
    )
}

/// The README's local-iteration compose (config bind-mounted from the host).
fn readme_host() -> String {
    format!(
        "services:\n  workload:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    volumes:\n      - ./config.conf:/etc/git-launcher/config.conf:ro\n      - workload-checkout:/var/lib/git-launcher\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    restart: unless-stopped\n\nvolumes:\n  workload-checkout:\n"
    )
}

/// A launcher that passes: inline config, checkout inside the container. `service` is added
/// under the launcher, `top` at the top level.
fn base(service: &str, top: &str) -> String {
    format!(
        "services:\n  launcher:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n{service}    configs:\n      - source: pin\n        target: {CONFIG_PATH}\n{top}configs:\n  pin:\n    content: |\n      REPO_URL={WORKLOAD_REPO}\n      COMMIT_SHA={WORKLOAD_COMMIT}\n      WORK_DIR=/var/lib/git-launcher/app\n"
    )
}

/// An image-pinned deployment (decisions 59–60): the OPA-provider launcher runs with no config
/// mounted; the reference lists its digest in `images` and has a `workload` section with no
/// launcher key. `service` is added under the service's volumes.
fn image_pinned(service: &str) -> String {
    format!(
        "services:\n  launcher:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n{service}"
    )
}

/// `v` as an image-pinned variant: `images` lists the launcher's digest; `workload` has no
/// launcher key.
fn pinned_images(mut v: Variant) -> Variant {
    v.workload = json!({});
    v.images = Some(vec![format!("{LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}")]);
    v
}

struct Variant {
    name: &'static str,
    what: &'static str,
    compose: String,
    allowed_envs: Vec<&'static str>,
    extra: Vec<(&'static str, Value)>,
    /// Edits of the reference's `workload` (and `images`).
    workload: Value,
    images: Option<Vec<String>>,
    exit: u8,
    statuses: [&'static str; 3],
    check: &'static str,
    code: &'static str,
}

fn workload() -> Value {
    json!({"repo_url": WORKLOAD_REPO, "commit_sha": WORKLOAD_COMMIT})
}

fn v(name: &'static str, what: &'static str, compose: String, code: &'static str) -> Variant {
    Variant {
        name,
        what,
        compose,
        allowed_envs: Vec::new(),
        extra: Vec::new(),
        workload: workload(),
        images: None,
        exit: 1,
        statuses: ["pass", "pass", "fail"],
        check: "workload",
        code,
    }
}

fn with_workload(mut v: Variant, key: &str, value: Value) -> Variant {
    if let Some(o) = v.workload.as_object_mut() {
        o.insert(key.into(), value);
    }
    v
}

fn passes(mut v: Variant) -> Variant {
    v.exit = 0;
    v.statuses = ["pass", "pass", "pass"];
    v
}

fn open(mut v: Variant) -> Variant {
    v.exit = 3;
    v.statuses = ["pass", "pass", "not-checked"];
    v
}

fn variants() -> Vec<Variant> {
    let sidecar = |body: &str| base("", &format!("  cache:\n    image: {SIDECAR}\n{body}"));
    let pre_sha = hex::encode(Sha256::digest(PRE_LAUNCH.as_bytes()));
    vec![
        open(v(
            "readme-inline-config",
            "the launcher README's recommended compose: inline config, checkout in a named volume (persistent checkout)",
            readme_inline(),
            "workload-persistent-checkout",
        )),
        passes(with_workload(
            v(
                "readme-inline-config-accepted",
                "the same, with `persistent-checkout` in the reference's workload.accept",
                readme_inline(),
                "",
            ),
            "accept",
            json!(["persistent-checkout"]),
        )),
        v(
            "readme-host-config",
            "the launcher README's local-iteration compose: config bind-mounted from the host",
            readme_host(),
            "launcher-config-not-attested",
        ),
        v(
            "env-git-config-parameters",
            "the launcher's environment sets GIT_CONFIG_PARAMETERS (core.fsmonitor runs code)",
            base("    environment:\n      GIT_CONFIG_PARAMETERS: \"'core.fsmonitor=sh -c id'\"\n", ""),
            "workload-override",
        ),
        v(
            "mount-over-git",
            "a host file is mounted over /usr/bin/git",
            base("      - ./git:/usr/bin/git:ro\n", ""),
            "workload-override",
        ),
        v(
            "config-path-spelled-differently",
            "a host directory is mounted at /etc//git-launcher/. (the config's directory, spelled differently)",
            base("      - ./evil:/etc//git-launcher/.\n", ""),
            "launcher-config-not-attested",
        ),
        v("entrypoint-cleared", "`entrypoint: []` clears the launcher program", base("    entrypoint: []\n", ""), "workload-override"),
        v(
            "two-arguments",
            "`command: [--config, PATH]`: the launcher has no flags and refuses two arguments",
            base(&format!("    command: [\"--config\", \"{CONFIG_PATH}\"]\n"), ""),
            "launcher-not-started",
        ),
        v(
            "launcher-in-a-profile",
            "the launcher has `profiles:`, so `docker compose up` does not start it",
            base("    profiles: [debug]\n", ""),
            "launcher-not-started",
        ),
        v("unknown-key", "the launcher has a key the model does not know", base("    runtime: sysbox-runc\n", ""), "workload-key-not-modelled"),
        v(
            "extends-same-file",
            "the launcher `extends:` a service of the file that sets `BASH_ENV` (merged as Compose does)",
            base(
                "    extends: launcher-base\n",
                &format!("  launcher-base:\n    image: {SIDECAR}\n    environment:\n      BASH_ENV: /tmp/x\n"),
            ),
            "workload-override",
        ),
        v("privileged-launcher", "the launcher runs privileged", base("    privileged: true\n", ""), "workload-power"),
        Variant {
            images: Some(vec![SIDECAR.into()]),
            ..v(
                "sidecar-docker-socket",
                "a sidecar mounts the Docker socket (it can replace the launcher)",
                sidecar("    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"),
                "workload-sidecar-controls-launcher",
            )
        },
        v("sidecar-by-tag", "a sidecar runs an image by tag", base("", "  cache:\n    image: redis:7\n"), "workload-image-not-pinned"),
        Variant {
            extra: vec![("runner", json!("bash")), ("bash_script", json!("echo not the compose\n"))],
            statuses: ["pass", "fail", "fail"],
            ..v(
                "runner-bash",
                "`runner: bash`: dstack runs bash_script and never the compose file",
                base("", ""),
                "runner-not-compose",
            )
        },
        Variant {
            allowed_envs: vec!["COMPOSE_FILE"],
            ..v(
                "compose-file-in-allowed-envs",
                "allowed_envs lists COMPOSE_FILE, which chooses the compose file that runs",
                base("", ""),
                "allowed-env-unsafe",
            )
        },
        Variant {
            extra: vec![("pre_launch_script", json!(PRE_LAUNCH))],
            ..open(v(
                "pre-launch-script",
                "a pre_launch_script (sourced as root before Compose) that the reference does not pin",
                base("", ""),
                "pre-launch-script-not-pinned",
            ))
        },
        Variant {
            extra: vec![("pre_launch_script", json!(PRE_LAUNCH))],
            ..passes(with_workload(
                v(
                    "pre-launch-script-pinned",
                    "the same pre_launch_script, pinned by workload.pre_launch_script_sha256",
                    base("", ""),
                    "",
                ),
                "pre_launch_script_sha256",
                json!(pre_sha),
            ))
        },
        passes(pinned_images(v(
            "image-pinned",
            "image-pinned: every service pinned and in `images`, runtime configuration and data listed",
            image_pinned("      - ./data:/data\n    environment:\n      LOG_LEVEL: debug\n"),
            "",
        ))),
        pinned_images(v(
            "image-docker-socket",
            "image-pinned: the allowed image holds the Docker socket (it can start any container)",
            image_pinned("      - /var/run/docker.sock:/var/run/docker.sock\n"),
            "workload-engine-access",
        )),
        pinned_images(v(
            "image-ld-preload",
            "image-pinned: the allowed image gets LD_PRELOAD of a library from a host bind mount",
            image_pinned("      - ./lib:/data\n    environment:\n      LD_PRELOAD: /data/x.so\n"),
            "workload-override",
        )),
        pinned_images(v(
            "image-host-over-usr",
            "image-pinned: a host directory is mounted over /usr/local/bin of the allowed image",
            image_pinned("      - ./bin:/usr/local/bin:ro\n"),
            "workload-override",
        )),
        Variant {
            extra: vec![("pre_launch_script", json!(PRE_LAUNCH))],
            ..passes(with_workload(
                pinned_images(v(
                    "image-pre-launch-script-pinned",
                    "image-pinned with a pre_launch_script pinned by workload.pre_launch_script_sha256 (no launcher key: still image-pinned)",
                    image_pinned(""),
                    "",
                )),
                "pre_launch_script_sha256",
                json!(pre_sha),
            ))
        },
    ]
}

/// The table for the README.
pub fn write_variants(out: &mut String) -> Result<()> {
    use std::fmt::Write as _;
    writeln!(
        out,
        "\n### `{DIR}/` — check 3 on the effective deployment\n\n| variant | what changed | exit | decided by |\n|---|---|---|---|"
    )?;
    for v in variants() {
        let by = if v.code.is_empty() { "—".to_string() } else { format!("{} `{}`", v.check, v.code) };
        writeln!(out, "| `{}` | {} | {} | {by} |", v.name, v.what, v.exit)?;
    }
    Ok(())
}

pub fn add(files: &mut Files, pki: &Pki) -> Result<()> {
    for variant in variants() {
        let dir = format!("{DIR}/{}", variant.name);
        let app = App {
            name: "git-launcher-demo",
            compose: variant.compose.clone(),
            allowed_envs: variant.allowed_envs.clone(),
            extra: variant.extra.clone(),
        };
        let built = build(pki, &app)?;
        files.insert(format!("{dir}/attestation.json"), pretty(&built.attestation)?);
        let mut r = reference(&built, Some(PR_REFS), Some(variant.workload.clone()));
        if let (Some(images), Some(o)) = (&variant.images, r.as_object_mut()) {
            o.insert("images".into(), json!(images));
        }
        files.insert(format!("{dir}/reference.json"), pretty(&r)?);
        files.insert(
            format!("{dir}/args"),
            args("attestation.json", "reference.json", "../../git-launcher/", true).into_bytes(),
        );
        let expected = json!({"what": variant.what, "exit": variant.exit,
            "statuses": {"attestation": variant.statuses[0], "launcher": variant.statuses[1], "workload": variant.statuses[2]},
            "check": variant.check, "code": variant.code});
        files.insert(format!("{dir}/expected.json"), pretty(&expected)?);
    }
    Ok(())
}
