//! The `docker_compose_file` of every real app-compose in fixtures/: found wherever the
//! evidence shapes carry it (app-compose files, `tcb_info.app_compose`, NEAR `public_data`
//! `tee_participant_info.Dstack.tcb_info.app_compose`, Phala's `tcb_info` JSON string), parsed,
//! and compared with the services and images read off the files by hand.

use std::path::{Path, PathBuf};

use dstack_audit::compose::docker_compose::{parse_compose, ComposeFile, Interpolation, VolumeKind, VolumeMount};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every app-compose text in one fixture file, with the JSON path it was found at.
fn app_composes(rel: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(fixtures().join(rel)).unwrap();
    let mut out = Vec::new();
    let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
    if name.contains("compose") {
        out.push(("(the file)".to_string(), text.clone()));
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        walk(&v, String::new(), &mut out);
    }
    out
}

fn walk(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let at = format!("{path}.{k}");
                match (k.as_str(), x) {
                    ("app_compose", Value::String(s)) => out.push((at, s.clone())),
                    // Phala's attestation info carries tcb_info as a JSON string.
                    ("tcb_info", Value::String(s)) => {
                        if let Ok(inner) = serde_json::from_str::<Value>(s) {
                            walk(&inner, at, out);
                        }
                    }
                    _ => walk(x, at, out),
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, format!("{path}[{i}]"), out)),
        _ => {}
    }
}

fn docker_compose(app_compose: &str) -> ComposeFile {
    let v: Value = serde_json::from_str(app_compose).unwrap();
    let yaml = v["docker_compose_file"].as_str().expect("docker_compose_file");
    parse_compose(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// (service, image as written, pinned) per service, in document order.
type Services = &'static [(&'static str, &'static str, bool)];

const NEAR_054: Services = &[(
    "launcher",
    "nearone/mpc-launcher@sha256:e28cb0425db06255fe5fc7aadb79534ac63c94c7a721f75c1af1e934d2eb0701",
    true,
)];
const NEAR_058: Services = &[
    ("launcher", "nearone/mpc-launcher@sha256:5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54", true),
    (
        "signer-key-export",
        "nearone/mpc-launcher@sha256:5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54",
        true,
    ),
];
const NEAR_MEASUREMENTS_058: Services = &[(
    "launcher",
    "nearone/mpc-launcher@sha256:84c7537a2f84d3477eac2e5ef3ba0765b5d688f86096947eea4744ce25b27054",
    true,
)];
const JUPYTER: Services = &[("jupyter", "quay.io/jupyter/base-notebook", false)];

/// Every fixture file holding an app-compose, and what its compose file runs.
const CASES: &[(&str, Services)] = &[
    ("dstack/dstack-examples-rtmr3-v0.4/app-compose.json", JUPYTER),
    ("dstack/dstack-simulator-2025-04/app-compose.json", JUPYTER),
    (
        "dstack/dstack-simulator-attestation-bin/app-compose.json",
        &[("dstack-agent", "ubuntu", false), ("dstack-verifier", "dstacktee/dstack-verifier:0.5.4", false)],
    ),
    ("dstack/near-mpc-dstack-0.5.4/app_compose.json", NEAR_054),
    ("dstack/near-mpc-dstack-0.5.4/public_data.json", NEAR_054),
    ("dstack/near-mpc-dstack-0.5.4/tcb_info.json", NEAR_054),
    ("dstack/near-mpc-dstack-dev-0.5.8/app_compose.json", NEAR_058),
    ("dstack/near-mpc-dstack-dev-0.5.8/public_data.json", NEAR_058),
    ("dstack/near-mpc-dstack-dev-0.5.8/tcb_info.json", NEAR_058),
    ("dstack/near-mpc-measurements-0.5.8/tcb_info.json", NEAR_MEASUREMENTS_058),
    ("dstack/near-mpc-measurements-0.5.8/tcb_info_dev.json", NEAR_MEASUREMENTS_058),
    (
        "dstack/tee-solver-phala-prod-0.3/tcb_info.json",
        &[(
            "intents_tee_amm_solver",
            "robortyan/intents-tee-amm-solver:latest@sha256:69f1a94f8c2725523087083139f925aae588ffaa76efd08d7ba06529451c31ed",
            true,
        )],
    ),
    (
        "dstack/tee-solver-phala-prod-0.5/tcb_info.json",
        &[(
            "intents_tee_amm_solver",
            "robortyan/intents-tee-amm-solver@sha256:660825a1ef7c98ee64bacf5b00ee4d526364a4a8417e1b8898fa9f6bcebef6c7",
            true,
        )],
    ),
    ("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json", &[("box", "debian:stable-slim", false)]),
];

#[test]
fn every_real_compose_file_parses_with_the_expected_services_and_images() {
    for (rel, want) in CASES {
        let found = app_composes(rel);
        assert!(!found.is_empty(), "{rel}: no app_compose found");
        for (at, app_compose) in found {
            let compose = docker_compose(&app_compose);
            let got: Vec<(&str, &str, bool)> = compose
                .services
                .iter()
                .map(|s| {
                    let image = s.image.as_ref().unwrap_or_else(|| panic!("{rel}{at}: {} has no image", s.name));
                    (s.name.as_str(), image.raw.as_str(), image.is_pinned())
                })
                .collect();
            assert_eq!(got, *want, "{rel} {at}");
        }
    }
}

#[test]
fn the_table_covers_every_fixture_with_an_app_compose() {
    let mut files = Vec::new();
    for dir in ["dstack", "phala"] {
        collect_json(&fixtures().join(dir), &mut files);
    }
    let root = fixtures();
    for path in files {
        let rel = path.strip_prefix(&root).unwrap().to_str().unwrap().to_string();
        if !app_composes(&rel).is_empty() {
            assert!(CASES.iter().any(|(r, _)| *r == rel), "{rel} holds an app-compose but is not in CASES");
        }
    }
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_json(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn only(rel: &str) -> ComposeFile {
    let found = app_composes(rel);
    docker_compose(&found[0].1)
}

#[test]
fn near_058_launcher_details() {
    let c = only("dstack/near-mpc-dstack-dev-0.5.8/app_compose.json");
    let launcher = c.service("launcher").unwrap();
    let image = launcher.image.as_ref().unwrap();
    assert_eq!(image.name(), "docker.io/nearone/mpc-launcher");
    assert!(image.matches_repository("nearone/mpc-launcher"));
    assert!(image.matches_repository("docker.io/nearone/mpc-launcher"));
    assert_eq!(image.digest.as_ref().unwrap().hex, "5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54");
    assert_eq!(image.tag, None);
    let env: Vec<(&str, Option<&str>)> = launcher.environment.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    assert_eq!(
        env,
        [
            ("PLATFORM", Some("TEE")),
            ("DOCKER_CONTENT_TRUST", Some("1")),
            ("DEFAULT_IMAGE_DIGEST", Some("sha256:564a5aebc33495d5610626d23cb9e3da8e9d531d0edff9e38aa1ccaf059c15d3")),
        ]
    );
    let bind = |s: &str, t: &str, ro| VolumeMount {
        kind: VolumeKind::Bind,
        source: Some(s.into()),
        target: t.into(),
        read_only: ro,
    };
    assert_eq!(
        launcher.volumes,
        vec![
            bind("/var/run/docker.sock", "/var/run/docker.sock", false),
            bind("/var/run/dstack.sock", "/var/run/dstack.sock", false),
            bind("/tapp", "/tapp", true),
            VolumeMount {
                kind: VolumeKind::Volume,
                source: Some("shared-volume".into()),
                target: "/mnt/shared".into(),
                read_only: false
            },
        ]
    );
    assert!(launcher.command.is_none() && launcher.interpolated.is_empty() && launcher.env_file.is_empty());
    // `$$f` is Compose's escape for `$f`, not an interpolation.
    let export = c.service("signer-key-export").unwrap();
    let entrypoint = export.entrypoint.as_ref().unwrap();
    assert_eq!(entrypoint[..2], ["/bin/sh", "-c"]);
    assert!(entrypoint[2].contains("[ -f \"$$f\" ]"));
    assert!(export.interpolated.is_empty());
    assert!(c.configs.is_empty() && c.include.is_empty());
}

#[test]
fn near_054_mounts_the_shared_volume_read_only() {
    let c = only("dstack/near-mpc-dstack-0.5.4/app_compose.json");
    let v = c.service("launcher").unwrap().volumes.last().unwrap().clone();
    assert_eq!((v.kind, v.target.as_str(), v.read_only), (VolumeKind::Volume, "/mnt/shared", true));
}

#[test]
fn tee_solver_takes_its_environment_from_deploy_time_variables() {
    for rel in ["dstack/tee-solver-phala-prod-0.3/tcb_info.json", "dstack/tee-solver-phala-prod-0.5/tcb_info.json"] {
        let c = only(rel);
        let s = &c.services[0];
        let vars = [
            "NEAR_NETWORK_ID",
            "NEAR_NODE_URL",
            "INTENTS_CONTRACT",
            "SOLVER_REGISTRY_CONTRACT",
            "SOLVER_POOL_ID",
            "AMM_TOKEN1_ID",
            "AMM_TOKEN2_ID",
        ];
        let want: Vec<Interpolation> = vars
            .iter()
            .map(|v| Interpolation {
                field: format!("services.intents_tee_amm_solver.environment.{v}"),
                variable: v.to_string(),
            })
            .collect();
        assert_eq!(s.interpolated, want, "{rel}");
        assert_eq!(s.environment[0], ("NEAR_NETWORK_ID".to_string(), Some("${NEAR_NETWORK_ID}".to_string())));
    }
    let tagged = only("dstack/tee-solver-phala-prod-0.3/tcb_info.json");
    let image = tagged.services[0].image.as_ref().unwrap();
    assert_eq!((image.tag.as_deref(), image.is_pinned()), (Some("latest"), true));
}

#[test]
fn unpinned_examples_and_their_commands() {
    let sim = only("dstack/dstack-simulator-attestation-bin/app-compose.json");
    let agent = sim.service("dstack-agent").unwrap();
    assert_eq!(agent.image.as_ref().unwrap().name(), "docker.io/library/ubuntu");
    let entrypoint = agent.entrypoint.as_ref().unwrap();
    assert_eq!(entrypoint[..2], ["bash", "-c"]);
    assert!(entrypoint[2].contains("socat TCP-LISTEN:2000,fork UNIX-CONNECT:/var/run/tappd.sock &"));
    assert_eq!(entrypoint.len(), 3);
    let verifier = sim.service("dstack-verifier").unwrap().image.as_ref().unwrap();
    assert_eq!((verifier.repository.as_str(), verifier.tag.as_deref()), ("dstacktee/dstack-verifier", Some("0.5.4")));

    let jupyter = only("dstack/dstack-examples-rtmr3-v0.4/app-compose.json");
    let j = &jupyter.services[0];
    assert_eq!(j.image.as_ref().unwrap().registry, "quay.io");
    assert_eq!(j.environment, vec![("GRANT_SUDO".to_string(), Some("yes".to_string()))]);
    assert_eq!(j.volumes[0].source.as_deref(), Some("/"));
    assert_eq!(j.volumes[0].kind, VolumeKind::Bind);

    let crabbox = only("phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json");
    let b = &crabbox.services[0];
    assert_eq!(b.command.as_deref(), Some(&["sleep".to_string(), "infinity".to_string()][..]));
    assert_eq!(b.image.as_ref().unwrap().name(), "docker.io/library/debian");
}
