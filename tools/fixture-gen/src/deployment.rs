//! Synthetic dstack deployments: attestations whose quote (under the TEST root) measures an
//! app-compose through dstack runtime events in RTMR3 and MRCONFIGID (V1 form), so that
//! `verify` can run all three checks end to end.
//!
//! - `deployments/opa-launcher/`: the launcher is GitHub's OPA-provider image (it has a real
//!   GitHub build-provenance bundle in fixtures/sigstore), with no workload config.
//! - `git-launcher/`: the same image runs as a git-launcher whose inline config pins a commit of
//!   the example workload repository (`scripts/example-workload-repo.sh`); with its `args`,
//!   `verify` gives PASS.
//! - `git-launcher-variants/<name>/`: one change each, with `args` and `expected.json` saying
//!   which check must fail (or stay not checked) with which finding code.
//!
//! Runtime event digests follow dstack's V1 rule: SHA-384(u32_le(0x08000001) ‖ ":" ‖ name ‖ ":" ‖
//! payload); RTMR3 = SHA-384(RTMR3 ‖ digest) from 48 zero bytes.

use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha384};

use crate::collateral::collateral_json;
use crate::error::Result;
use crate::generate::{Files, ATTESTATION_KEY_LABEL};
use crate::keys::{self, label_bytes};
use crate::pki::{LeafKind, Pki};
use crate::quote::{build_quote, Measured, Signers};
use crate::scenarios::{spec, UP_TO_DATE_SVN};
use crate::tcb::TcbInfoVariant;

const RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;
pub const LAUNCHER_IMAGE: &str = "ghcr.io/github/artifact-attestations-opa-provider";
pub const LAUNCHER_DIGEST: &str = "d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813";
/// The GitHub build-provenance bundle of the launcher image (real, from fixtures/sigstore).
const BUNDLE: &[u8] = include_bytes!(
    "../../../fixtures/sigstore/github-artifact-attestations-opa-provider/ghcr.io_github_artifact-attestations-opa-provider.sigstore.json"
);
/// The evaluation time of every deployment (inside the TEST collateral's window).
pub const AT: &str = "2026-01-15T00:00:00Z";
/// The example workload: `scripts/example-workload-repo.sh` makes this commit.
pub const WORKLOAD_REPO: &str = "https://github.com/dstack-audit-example/workload";
pub const WORKLOAD_COMMIT: &str = "1d6918c65fc08f781f61f47255e91702f05278b3";
pub(crate) const CONFIG_PATH: &str = "/etc/git-launcher/config.conf";
const DIR: &str = "git-launcher";
const VARIANTS: &str = "git-launcher-variants";

/// What a deployment's app-compose declares.
#[derive(Clone)]
pub(crate) struct App {
    pub name: &'static str,
    pub compose: String,
    pub allowed_envs: Vec<&'static str>,
    /// app-compose keys set or replaced after the defaults (`runner`, `pre_launch_script`).
    pub extra: Vec<(&'static str, Value)>,
}

/// A built deployment: the attestation and the measured values a reference needs.
pub(crate) struct Built {
    pub attestation: Value,
    pub compose_hash: [u8; 32],
}

/// The exact app-compose text (compact JSON, as dstack's tools write it).
fn app_compose(app: &App) -> Result<String> {
    let mut doc = json!({
        "manifest_version": 2,
        "name": app.name,
        "runner": "docker-compose",
        "docker_compose_file": app.compose,
        "kms_enabled": false,
        "gateway_enabled": false,
        "local_key_provider_enabled": false,
        "key_provider_id": "",
        "public_logs": false,
        "public_sysinfo": false,
        "allowed_envs": app.allowed_envs,
        "no_instance_id": true,
        "secure_time": true
    });
    if let Some(obj) = doc.as_object_mut() {
        for (k, v) in &app.extra {
            obj.insert((*k).to_string(), v.clone());
        }
    }
    Ok(serde_json::to_string(&doc)?)
}

fn event_digest(name: &str, payload: &[u8]) -> [u8; 48] {
    let mut h = Sha384::new();
    h.update(RUNTIME_EVENT_TYPE.to_le_bytes());
    h.update(b":");
    h.update(name.as_bytes());
    h.update(b":");
    h.update(payload);
    h.finalize().into()
}

/// Signs a quote that measures `app` and returns the attestation.
pub(crate) fn build(pki: &Pki, app: &App) -> Result<Built> {
    let compose = app_compose(app)?;
    let compose_hash: [u8; 32] = Sha256::digest(compose.as_bytes()).into();
    let app_id = compose_hash.get(..20).unwrap_or_default().to_vec();
    let events: Vec<(&str, Vec<u8>)> = vec![
        ("system-preparing", Vec::new()),
        ("app-id", app_id),
        ("compose-hash", compose_hash.to_vec()),
        ("instance-id", Vec::new()),
        ("boot-mr-done", Vec::new()),
        ("key-provider", br#"{"name":"none","id":""}"#.to_vec()),
        ("system-ready", Vec::new()),
    ];
    let mut rtmr3 = [0u8; 48];
    let mut log = Vec::new();
    for (name, payload) in &events {
        let digest = event_digest(name, payload);
        let mut h = Sha384::new();
        h.update(rtmr3);
        h.update(digest);
        rtmr3 = h.finalize().into();
        log.push(json!({"imr": 3, "event_type": RUNTIME_EVENT_TYPE, "digest": hex::encode(digest),
                        "event": name, "event_payload": hex::encode(payload)}));
    }
    let mut mr_config_id = [0u8; 48];
    for (i, b) in std::iter::once(1u8).chain(compose_hash.iter().copied()).enumerate() {
        if let Some(slot) = mr_config_id.get_mut(i) {
            *slot = b;
        }
    }
    let mut quote_spec = spec(UP_TO_DATE_SVN);
    quote_spec.measured = Some(Measured { mr_config_id, rtmr3 });
    let leaf = pki.leaf(LeafKind::Current)?;
    let attestation_key = keys::signing_key(ATTESTATION_KEY_LABEL)?;
    let chain = pki.pck_chain_pem(LeafKind::Current)?;
    let signers = Signers {
        attestation_key: &attestation_key,
        pck_key: &leaf.cert.key,
        pck_chain_pem: &chain,
        cpu_svn: leaf.platform.cpusvn(),
    };
    let quote = build_quote(&quote_spec, &signers)?;
    let attestation = json!({"quote": hex::encode(&quote), "event_log": log, "app_compose": compose});
    Ok(Built { attestation, compose_hash })
}

/// The reference for a built deployment: its measured values, the launcher and its provenance
/// policy (allowing the bundle's pull-request ref explicitly unless `source_ref` says
/// otherwise), and `workload` when given.
pub(crate) fn reference(built: &Built, source_ref: Option<&[&str]>, workload: Option<Value>) -> Value {
    let label = |l: &str| hex::encode(label_bytes::<48>(l));
    let app_id = built.compose_hash.get(..20).map(hex::encode).unwrap_or_default();
    let mut provenance = json!({
        "repository": "https://github.com/github/artifact-attestations-opa-provider",
        "signer_workflow": "https://github.com/github/artifact-attestations-opa-provider/.github/workflows/docker.yaml"
    });
    if let (Some(refs), Some(obj)) = (source_ref, provenance.as_object_mut()) {
        obj.insert("source_ref".into(), json!(refs));
    }
    let mut r = json!({
        "schema": "dstack-audit/reference/v1",
        "tdx": {"mrtd": [label("dstack-audit synthetic mr_td")], "rtmr0": [label("dstack-audit synthetic rtmr0")],
                "rtmr1": [label("dstack-audit synthetic rtmr1")], "rtmr2": [label("dstack-audit synthetic rtmr2")]},
        "tcb": {"allowed_statuses": ["UpToDate"], "allowed_advisories": []},
        "dstack": {"compose_hash": [hex::encode(built.compose_hash)], "app_id": [app_id],
                   "key_provider": {"name": "none"}},
        "launcher": {"image": LAUNCHER_IMAGE, "provenance": provenance}
    });
    if let (Some(w), Some(obj)) = (workload, r.as_object_mut()) {
        obj.insert("workload".into(), w);
    }
    r
}

pub(crate) fn pretty(v: &Value) -> Result<Vec<u8>> {
    let mut t = serde_json::to_string_pretty(v)?;
    t.push('\n');
    Ok(t.into_bytes())
}

/// The OPA-provider launcher alone (checks 1 and 2; no workload config).
fn add_opa_launcher(files: &mut Files, pki: &Pki) -> Result<()> {
    let compose = format!(
        "services:\n  launcher:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n"
    );
    let built = build(pki, &App { name: "opa-launcher-demo", compose, allowed_envs: Vec::new(), extra: Vec::new() })?;
    let dir = "deployments/opa-launcher";
    files.insert(format!("{dir}/attestation.json"), pretty(&built.attestation)?);
    files.insert(format!("{dir}/collateral.json"), collateral_json(pki, TcbInfoVariant::Standard)?.into_bytes());
    files.insert(format!("{dir}/reference.json"), pretty(&reference(&built, Some(&["refs/pull/*/merge"]), None))?);
    Ok(())
}

/// How the git-launcher compose file is written.
#[derive(Clone)]
struct GitLauncher {
    image: String,
    config: Vec<String>,
    /// Mount the config from the host instead of an inline `configs:` entry.
    host_config: bool,
    allowed_envs: Vec<&'static str>,
}

impl GitLauncher {
    fn base() -> Self {
        GitLauncher {
            image: format!("{LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}"),
            config: vec![
                "# git-launcher config: the workload pin".into(),
                format!("REPO_URL={WORKLOAD_REPO}"),
                format!("COMMIT_SHA={WORKLOAD_COMMIT}"),
                "WORK_DIR=/var/lib/git-launcher/workload".into(),
                "ENTRYPOINT_SCRIPT=entrypoint.sh".into(),
            ],
            host_config: false,
            allowed_envs: Vec::new(),
        }
    }

    fn with_line(mut self, key: &str, value: &str) -> Self {
        let prefix = format!("{key}=");
        let line = format!("{key}={value}");
        match self.config.iter_mut().find(|l| l.starts_with(&prefix)) {
            Some(l) => *l = line,
            None => self.config.push(line),
        }
        self
    }

    fn app(&self) -> App {
        let mut c = format!(
            "services:\n  launcher:\n    image: {}\n    command: [\"{CONFIG_PATH}\"]\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n",
            self.image
        );
        if self.host_config {
            c.push_str(&format!("      - ./config.conf:{CONFIG_PATH}:ro\n"));
        } else {
            c.push_str(&format!(
                "    configs:\n      - source: launcher-config\n        target: {CONFIG_PATH}\nconfigs:\n  launcher-config:\n    content: |\n"
            ));
            for line in &self.config {
                c.push_str(&format!("      {line}\n"));
            }
        }
        App { name: "git-launcher-demo", compose: c, allowed_envs: self.allowed_envs.clone(), extra: Vec::new() }
    }
}

fn workload() -> Value {
    json!({"repo_url": WORKLOAD_REPO, "commit_sha": WORKLOAD_COMMIT, "repo_subdir": null,
           "entrypoint_script": "entrypoint.sh"})
}

/// What a variant must produce.
struct Expect {
    exit: u8,
    /// Status of attestation, launcher, workload.
    statuses: [&'static str; 3],
    /// The check (`attestation`, `launcher`, `workload`) and code that decide the verdict.
    check: &'static str,
    code: &'static str,
}

struct Variant {
    name: &'static str,
    what: &'static str,
    /// `None`: the base deployment's attestation.
    compose: Option<GitLauncher>,
    source_ref: Option<&'static [&'static str]>,
    workload: Value,
    bundle: bool,
    expect: Expect,
}

pub(crate) const PR_REFS: &[&str] = &["refs/pull/*/merge"];

fn fail(check: &'static str, code: &'static str) -> Expect {
    let statuses = match check {
        "launcher" => ["pass", "fail", "pass"],
        _ => ["pass", "pass", "fail"],
    };
    Expect { exit: 1, statuses, check, code }
}

fn variants() -> Vec<Variant> {
    let v = |name, what, compose, expect| Variant {
        name,
        what,
        compose,
        source_ref: Some(PR_REFS),
        workload: workload(),
        bundle: true,
        expect,
    };
    let base = GitLauncher::base;
    let mut other_commit = workload();
    if let Some(o) = other_commit.as_object_mut() {
        o.insert("commit_sha".into(), json!("2e5b7c0f4d3a1e6b9c8d7f0a1b2c3d4e5f607182"));
    }
    let mut other_digest = base();
    other_digest.image =
        format!("{LAUNCHER_IMAGE}@sha256:{}", hex::encode(Sha256::digest(b"some other launcher image")));
    let mut by_tag = base();
    by_tag.image = format!("{LAUNCHER_IMAGE}:latest");
    let mut allowed = base();
    allowed.allowed_envs = vec!["BASH_ENV"];
    let mut host = base();
    host.host_config = true;
    vec![
        Variant {
            workload: other_commit,
            ..v(
                "wrong-commit",
                "the reference expects another commit",
                None,
                fail("workload", "workload-commit-mismatch"),
            )
        },
        v(
            "short-sha",
            "COMMIT_SHA is a 7-hex short id",
            Some(base().with_line("COMMIT_SHA", WORKLOAD_COMMIT.get(..7).unwrap_or_default())),
            fail("workload", "workload-commit-not-full"),
        ),
        v(
            "branch-name",
            "COMMIT_SHA names the branch main",
            Some(base().with_line("COMMIT_SHA", "main")),
            fail("workload", "workload-commit-not-full"),
        ),
        v(
            "bash-env-in-allowed-envs",
            "allowed_envs lists BASH_ENV, which bash reads before running app-compose.sh's commands",
            Some(allowed),
            fail("workload", "allowed-env-unsafe"),
        ),
        v(
            "commit-interpolated",
            "the config takes COMMIT_SHA from ${COMMIT} at deploy time",
            Some(base().with_line("COMMIT_SHA", "${COMMIT}")),
            fail("workload", "workload-override"),
        ),
        v(
            "config-from-host",
            "the config is bind-mounted from the host, outside the compose-hash",
            Some(host),
            fail("workload", "launcher-config-not-attested"),
        ),
        v(
            "unexpected-advanced-mode",
            "the config sets RUN_CMD but the reference expects the default mode",
            Some(base().with_line("RUN_CMD", "\"python3 -m app\"")),
            fail("workload", "workload-advanced-mode-unexpected"),
        ),
        v(
            "launcher-by-tag",
            "the launcher image is named by tag",
            Some(by_tag),
            fail("launcher", "launcher-not-pinned"),
        ),
        v(
            "bundle-for-another-digest",
            "the launcher digest is not the one the bundle attests",
            Some(other_digest),
            fail("launcher", "subject-digest-mismatch"),
        ),
        Variant {
            source_ref: None,
            ..v(
                "default-ref-policy",
                "the reference leaves source_ref at its default, which refuses the bundle's pull-request ref",
                None,
                fail("launcher", "source-ref-rejected"),
            )
        },
        Variant {
            bundle: false,
            ..v(
                "missing-bundle",
                "no --bundle is given: the launcher's provenance is not checked",
                None,
                Expect {
                    exit: 3,
                    statuses: ["pass", "not-checked", "pass"],
                    check: "launcher",
                    code: "launcher-bundle-missing",
                },
            )
        },
    ]
}

/// The variants' table for the README.
pub fn write_variants(out: &mut String) -> Result<()> {
    use std::fmt::Write as _;
    writeln!(out, "| variant | what changed | exit | decided by |")?;
    writeln!(out, "|---|---|---|---|")?;
    for v in variants() {
        let e = &v.expect;
        writeln!(out, "| `{}` | {} | {} | {} `{}` |", v.name, v.what, e.exit, e.check, e.code)?;
    }
    Ok(())
}

/// `verify` arguments, one line, paths relative to the folder they are in.
pub(crate) fn args(attestation: &str, reference: &str, shared: &str, bundle: bool) -> String {
    let mut a = format!(
        "{attestation} --reference {reference} --collateral {shared}collateral.json --tdx-root-ca {shared}test-root-ca.pem"
    );
    if bundle {
        a.push_str(&format!(" --bundle {shared}bundle.sigstore.json"));
    }
    a.push_str(&format!(" --at {AT}\n"));
    a
}

fn add_git_launcher(files: &mut Files, pki: &Pki) -> Result<()> {
    let built = build(pki, &GitLauncher::base().app())?;
    files.insert(format!("{DIR}/attestation.json"), pretty(&built.attestation)?);
    files.insert(format!("{DIR}/collateral.json"), collateral_json(pki, TcbInfoVariant::Standard)?.into_bytes());
    files.insert(format!("{DIR}/reference.json"), pretty(&reference(&built, Some(PR_REFS), Some(workload())))?);
    files.insert(format!("{DIR}/test-root-ca.pem"), pki.root.pem()?.into_bytes());
    files.insert(format!("{DIR}/bundle.sigstore.json"), BUNDLE.to_vec());
    files.insert(format!("{DIR}/args"), args("attestation.json", "reference.json", "", true).into_bytes());
    for variant in variants() {
        let dir = format!("{VARIANTS}/{}", variant.name);
        let (attestation, measured) = match &variant.compose {
            None => ("../../git-launcher/attestation.json".to_string(), None),
            Some(g) => {
                let b = build(pki, &g.app())?;
                files.insert(format!("{dir}/attestation.json"), pretty(&b.attestation)?);
                ("attestation.json".to_string(), Some(b))
            }
        };
        let r = reference(measured.as_ref().unwrap_or(&built), variant.source_ref, Some(variant.workload.clone()));
        files.insert(format!("{dir}/reference.json"), pretty(&r)?);
        files.insert(
            format!("{dir}/args"),
            args(&attestation, "reference.json", "../../git-launcher/", variant.bundle).into_bytes(),
        );
        let e = &variant.expect;
        let expected = json!({"what": variant.what, "exit": e.exit,
            "statuses": {"attestation": e.statuses[0], "launcher": e.statuses[1], "workload": e.statuses[2]},
            "check": e.check, "code": e.code});
        files.insert(format!("{dir}/expected.json"), pretty(&expected)?);
    }
    Ok(())
}

pub fn add_deployments(files: &mut Files, pki: &Pki) -> Result<()> {
    add_opa_launcher(files, pki)?;
    add_git_launcher(files, pki)?;
    crate::workload_model::add(files, pki)
}
