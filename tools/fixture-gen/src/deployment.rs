//! A synthetic dstack deployment: an attestation whose quote (under the TEST root) measures an
//! app-compose through dstack runtime events in RTMR3 and MRCONFIGID (V1 form), and whose compose
//! file runs GitHub's OPA-provider image as the launcher — the image with a real GitHub
//! build-provenance bundle in fixtures/sigstore. It lets `verify` run checks 1 and 2 end to end.
//!
//! Runtime event digests follow dstack's V1 rule: SHA-384(u32_le(0x08000001) ‖ ":" ‖ name ‖ ":" ‖
//! payload); RTMR3 = SHA-384(RTMR3 ‖ digest) from 48 zero bytes.

use serde_json::json;
use sha2::{Digest, Sha256, Sha384};

use crate::collateral::collateral_json;
use crate::error::Result;
use crate::generate::{Files, ATTESTATION_KEY_LABEL};
use crate::keys::{self, label_bytes};
use crate::pki::{LeafKind, Pki};
use crate::quote::{build_quote, Measured, Signers};
use crate::scenarios::{spec, UP_TO_DATE_SVN};
use crate::tcb::TcbInfoVariant;

const DIR: &str = "deployments/opa-launcher";
const RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;
pub const LAUNCHER_IMAGE: &str = "ghcr.io/github/artifact-attestations-opa-provider";
pub const LAUNCHER_DIGEST: &str = "d57f9212097b86c8d75158ea1d974721e7c6f8c33bd77838b242c8f6a2d21813";

/// The exact app-compose text (compact JSON, as dstack's tools write it).
fn app_compose() -> Result<String> {
    let compose = format!(
        "services:\n  launcher:\n    image: {LAUNCHER_IMAGE}@sha256:{LAUNCHER_DIGEST}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n"
    );
    Ok(serde_json::to_string(&json!({
        "manifest_version": 2,
        "name": "opa-launcher-demo",
        "runner": "docker-compose",
        "docker_compose_file": compose,
        "kms_enabled": false,
        "gateway_enabled": false,
        "local_key_provider_enabled": false,
        "key_provider_id": "",
        "public_logs": false,
        "public_sysinfo": false,
        "allowed_envs": [],
        "no_instance_id": true,
        "secure_time": true
    }))?)
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

pub fn add_deployment(files: &mut Files, pki: &Pki) -> Result<()> {
    let compose = app_compose()?;
    let compose_hash: [u8; 32] = Sha256::digest(compose.as_bytes()).into();
    let app_id = compose_hash.get(..20).unwrap_or_default().to_vec();
    let events: Vec<(&str, Vec<u8>)> = vec![
        ("system-preparing", Vec::new()),
        ("app-id", app_id.clone()),
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
    let label = |l: &str| hex::encode(label_bytes::<48>(l));
    let reference = json!({
        "schema": "dstack-audit/reference/v1",
        "tdx": {"mrtd": [label("dstack-audit synthetic mr_td")], "rtmr0": [label("dstack-audit synthetic rtmr0")],
                "rtmr1": [label("dstack-audit synthetic rtmr1")], "rtmr2": [label("dstack-audit synthetic rtmr2")]},
        "tcb": {"allowed_statuses": ["UpToDate"], "allowed_advisories": []},
        "dstack": {"compose_hash": [hex::encode(compose_hash)], "app_id": [hex::encode(&app_id)],
                   "key_provider": {"name": "none"}},
        "launcher": {"image": LAUNCHER_IMAGE, "provenance": {
            "repository": "https://github.com/github/artifact-attestations-opa-provider",
            "signer_workflow": "https://github.com/github/artifact-attestations-opa-provider/.github/workflows/docker.yaml",
            "source_ref": ["refs/pull/*/merge"]}}
    });
    let pretty = |v: &serde_json::Value| -> Result<Vec<u8>> {
        let mut t = serde_json::to_string_pretty(v)?;
        t.push('\n');
        Ok(t.into_bytes())
    };
    files.insert(format!("{DIR}/attestation.json"), pretty(&attestation)?);
    files.insert(format!("{DIR}/collateral.json"), collateral_json(pki, TcbInfoVariant::Standard)?.into_bytes());
    files.insert(format!("{DIR}/reference.json"), pretty(&reference)?);
    Ok(())
}
