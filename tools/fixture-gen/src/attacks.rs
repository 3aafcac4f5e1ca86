//! Event-log and MRCONFIGID attacks, end to end under the TEST PKI (`attacks/`).
//!
//! A host controls everything the quote does not sign: entry labels (`event_type`, `imr`), the
//! app-compose it serves, MRCONFIGID at launch. The scenarios:
//! - `relabelled-zero-config`: the host boots its own compose with MRCONFIGID zero; its app
//!   emits `app-id`, `compose-hash` and `key-provider` events after `system-ready` carrying the
//!   trusted deployment's values; the host serves the genuine quote, relabels the genuine
//!   `app-id`, `compose-hash`, `key-provider` and `system-ready` entries to another event type
//!   (digests unchanged, RTMR3 still replays) and serves the trusted app-compose.
//! - `relabelled-v1-config`: the host boots the trusted compose (MRCONFIGID V1 protects the
//!   compose-hash) with its own app-id and KMS, and spoofs app-id and key provider the same way.
//! - `honest-log`: the quote of `relabelled-zero-config` with its log as measured (no
//!   relabelling), still served with the trusted app-compose.
//! - `mr-config-v2`: a KMS deployment whose MRCONFIGID is V2 over its measured values.
//! - `mr-config-v2-mismatch`: the same events under a V2 MRCONFIGID computed for another KMS.
//! - `mr-config-v2-compose-disagree`: V2 matches, but the attested app-compose asks for no key
//!   provider while the measured key-provider event says KMS.
//! - `mr-config-v3`: MRCONFIGID V3 over an `mr_config` document carried in `vm_config`.
//! - `mr-config-v3-document-mismatch`: the document hashes to MRCONFIGID but names another app-id.
//! - `app-compose-duplicate-key`: the measured app-compose writes `docker_compose_file` twice,
//!   the trusted compose file first and the host's last; everything else (V2 MRCONFIGID,
//!   reference) is the trusted deployment's. The hash binds the bytes, not which value counts.
//! - `mr-config-v1-tail`: the trusted deployment under MRCONFIGID V1 whose last byte is not zero
//!   (dstack's guest compares all 48 bytes and refuses it).
//! - `os-image-hash-unpinned-kms`: the trusted deployment with an `os-image-hash` event (the
//!   value its KMS returned), allowed by a reference that names the key provider but no KMS id.
//!
//! `rules.rs` adds one scenario per runtime-event and RA-TLS rule under the same signed quote.

use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha384};
use sha3::Keccak256;

use crate::collateral::collateral_json;
use crate::deployment::AT;
use crate::error::Result;
use crate::generate::{Files, ATTESTATION_KEY_LABEL};
use crate::keys::{self, label_bytes};
use crate::pki::{LeafKind, Pki};
use crate::quote::{build_quote, Measured, Signers};
use crate::scenarios::{spec, UP_TO_DATE_SVN};
use crate::tcb::TcbInfoVariant;

mod rules;

const RUNTIME: u32 = 0x0800_0001;
/// The type relabelled entries are given (EV_IPL); any type but RUNTIME would do.
const RELABEL: u32 = 0x0000_000d;
const DIR: &str = "attacks";

/// A measured event and the type the served log claims for it.
struct Event {
    name: &'static str,
    payload: Vec<u8>,
    served_type: u32,
}

fn ev(name: &'static str, payload: impl Into<Vec<u8>>) -> Event {
    Event { name, payload: payload.into(), served_type: RUNTIME }
}

/// A key provider as the `key-provider` event carries it.
#[derive(Clone)]
struct Kms {
    id: Vec<u8>,
}

impl Kms {
    fn payload(&self) -> Vec<u8> {
        format!(r#"{{"name":"kms","id":"{}"}}"#, hex::encode(&self.id)).into_bytes()
    }
}

/// The deployment the auditor trusts, and the host's own values.
struct World {
    trusted_compose: String,
    trusted_app_id: [u8; 20],
    trusted_kms: Kms,
    host_compose: String,
    host_app_id: [u8; 20],
    host_kms: Kms,
}

fn compose(name: &str, service: &str, kms_enabled: bool) -> Result<String> {
    let docker = format!(
        "services:\n  {service}:\n    image: ghcr.io/dstack-audit-example/{service}@sha256:{}\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n",
        hex::encode(Sha256::digest(service.as_bytes()))
    );
    Ok(serde_json::to_string(&json!({
        "manifest_version": 2, "name": name, "runner": "docker-compose", "docker_compose_file": docker,
        "kms_enabled": kms_enabled, "gateway_enabled": false, "local_key_provider_enabled": false,
        "key_provider_id": "", "public_logs": false, "public_sysinfo": false, "allowed_envs": [],
        "no_instance_id": true, "secure_time": true
    }))?)
}

fn world() -> Result<World> {
    Ok(World {
        trusted_compose: compose("trusted-app", "app", true)?,
        trusted_app_id: label_bytes("dstack-audit attacks: trusted app-id"),
        trusted_kms: Kms { id: label_bytes::<65>("dstack-audit attacks: trusted KMS root key").to_vec() },
        host_compose: compose("host-app", "emitter", true)?,
        host_app_id: label_bytes("dstack-audit attacks: host app-id"),
        host_kms: Kms { id: label_bytes::<65>("dstack-audit attacks: host KMS root key").to_vec() },
    })
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn digest(name: &str, payload: &[u8]) -> [u8; 48] {
    let mut h = Sha384::new();
    h.update(RUNTIME.to_le_bytes());
    h.update(b":");
    h.update(name.as_bytes());
    h.update(b":");
    h.update(payload);
    h.finalize().into()
}

/// dstack's boot events up to `system-ready`, for a compose-hash, app-id and key provider.
fn boot(compose_hash: [u8; 32], app_id: [u8; 20], kms: &Kms) -> Vec<Event> {
    vec![
        ev("system-preparing", []),
        ev("app-id", app_id),
        ev("compose-hash", compose_hash),
        ev("instance-id", []),
        ev("boot-mr-done", []),
        ev("key-provider", kms.payload()),
        ev("system-ready", []),
    ]
}

fn relabel(events: &mut [Event], names: &[&str], before: usize) {
    for e in events.iter_mut().take(before).filter(|e| names.contains(&e.name)) {
        e.served_type = RELABEL;
    }
}

fn mr_config_v1(compose_hash: &[u8; 32]) -> [u8; 48] {
    let mut mr = [0u8; 48];
    for (slot, b) in mr.iter_mut().zip(std::iter::once(1u8).chain(compose_hash.iter().copied())) {
        *slot = b;
    }
    mr
}

fn mr_config_v2(compose_hash: &[u8; 32], app_id: &[u8; 20], kms: &Kms) -> [u8; 48] {
    let mut h = Keccak256::new();
    h.update(compose_hash);
    h.update(app_id);
    h.update([2u8]); // kms
    h.update(&kms.id);
    let d: [u8; 32] = h.finalize().into();
    let mut mr = [0u8; 48];
    for (slot, b) in mr.iter_mut().zip(std::iter::once(2u8).chain(d.iter().copied())) {
        *slot = b;
    }
    mr
}

/// Signs a quote whose RTMR3 is the replay of the events as measured, and serves the log with
/// the served types (digests as measured).
fn attestation(pki: &Pki, events: &[Event], mr_config_id: [u8; 48], served_compose: &str) -> Result<Value> {
    let (quote, log) = signed(pki, events, mr_config_id, None)?;
    Ok(json!({"quote": hex::encode(&quote), "event_log": log, "app_compose": served_compose}))
}

/// The quote (RTMR3 the replay of the events as measured, report_data given or filler) and the
/// log as served.
fn signed(
    pki: &Pki,
    events: &[Event],
    mr_config_id: [u8; 48],
    report_data: Option<[u8; 64]>,
) -> Result<(Vec<u8>, Vec<Value>)> {
    let mut rtmr3 = [0u8; 48];
    let mut log = Vec::new();
    for e in events {
        let d = digest(e.name, &e.payload);
        let mut h = Sha384::new();
        h.update(rtmr3);
        h.update(d);
        rtmr3 = h.finalize().into();
        log.push(json!({"imr": 3, "event_type": e.served_type, "digest": hex::encode(d),
                        "event": e.name, "event_payload": hex::encode(&e.payload)}));
    }
    let mut quote_spec = spec(UP_TO_DATE_SVN);
    quote_spec.measured = Some(Measured { mr_config_id, rtmr3 });
    quote_spec.report_data = report_data;
    let leaf = pki.leaf(LeafKind::Current)?;
    let attestation_key = keys::signing_key(ATTESTATION_KEY_LABEL)?;
    let chain = pki.pck_chain_pem(LeafKind::Current)?;
    let signers = Signers {
        attestation_key: &attestation_key,
        pck_key: &leaf.cert.key,
        pck_chain_pem: &chain,
        cpu_svn: leaf.platform.cpusvn(),
    };
    Ok((build_quote(&quote_spec, &signers)?, log))
}

/// The auditor's reference: the trusted deployment's values and the synthetic TDX values.
fn reference(compose_hash: [u8; 32], app_id: [u8; 20], kms: &Kms) -> Value {
    let label = |l: &str| hex::encode(label_bytes::<48>(l));
    json!({
        "schema": "dstack-audit/reference/v1",
        "tdx": {"mrtd": [label("dstack-audit synthetic mr_td")], "rtmr0": [label("dstack-audit synthetic rtmr0")],
                "rtmr1": [label("dstack-audit synthetic rtmr1")], "rtmr2": [label("dstack-audit synthetic rtmr2")]},
        "tcb": {"allowed_statuses": ["UpToDate"], "allowed_advisories": []},
        "dstack": {"compose_hash": [hex::encode(compose_hash)], "app_id": [hex::encode(app_id)],
                   "key_provider": {"name": "kms", "id": hex::encode(&kms.id)}}
    })
}

/// One scenario: what is served and what `verify` must say.
struct Case {
    name: &'static str,
    what: &'static str,
    attestation: Value,
    reference: Value,
    exit: u8,
    attestation_status: &'static str,
    /// The finding code that decides check 1, and its outcome.
    code: &'static str,
    outcome: &'static str,
}

fn cases(pki: &Pki) -> Result<Vec<Case>> {
    let w = world()?;
    let trusted_hash = sha256(&w.trusted_compose);
    let host_hash = sha256(&w.host_compose);
    let trusted_ref = reference(trusted_hash, w.trusted_app_id, &w.trusted_kms);
    let spoofed = || {
        vec![
            ev("app-id", w.trusted_app_id),
            ev("compose-hash", trusted_hash),
            ev("key-provider", w.trusted_kms.payload()),
        ]
    };

    // (a) The host's own CVM, MRCONFIGID zero, emitted trusted values after system-ready.
    let mut host_run = boot(host_hash, w.host_app_id, &w.host_kms);
    let ready = host_run.len();
    host_run.extend(spoofed());
    let honest = attestation(pki, &host_run, [0u8; 48], &w.trusted_compose)?;
    relabel(&mut host_run, &["app-id", "compose-hash", "key-provider", "system-ready"], ready);
    let relabelled_zero = attestation(pki, &host_run, [0u8; 48], &w.trusted_compose)?;

    // (b) The trusted compose under MRCONFIGID V1, the host's app-id and KMS, spoofed after ready.
    let mut v1_run = boot(trusted_hash, w.host_app_id, &w.host_kms);
    let ready = v1_run.len();
    v1_run.extend(vec![ev("app-id", w.trusted_app_id), ev("key-provider", w.trusted_kms.payload())]);
    relabel(&mut v1_run, &["app-id", "key-provider", "system-ready"], ready);
    let relabelled_v1 = attestation(pki, &v1_run, mr_config_v1(&trusted_hash), &w.trusted_compose)?;

    // V2: the trusted deployment itself, and a V2 value computed for the host's KMS.
    let trusted_run = boot(trusted_hash, w.trusted_app_id, &w.trusted_kms);
    let v2 = mr_config_v2(&trusted_hash, &w.trusted_app_id, &w.trusted_kms);
    let v2_ok = attestation(pki, &trusted_run, v2, &w.trusted_compose)?;
    let v2_other = mr_config_v2(&trusted_hash, &w.trusted_app_id, &w.host_kms);
    let v2_bad = attestation(pki, &trusted_run, v2_other, &w.trusted_compose)?;

    // V2 whose attested app-compose asks for no key provider while the event says KMS.
    let no_kms = compose("trusted-app", "app", false)?;
    let no_kms_hash = sha256(&no_kms);
    let v2_disagree = attestation(
        pki,
        &boot(no_kms_hash, w.trusted_app_id, &w.trusted_kms),
        mr_config_v2(&no_kms_hash, &w.trusted_app_id, &w.trusted_kms),
        &no_kms,
    )?;

    // V3: the document travels in the VM config; its hash is MRCONFIGID.
    let doc = v3_document(&trusted_hash, &w.trusted_app_id, &w.trusted_kms);
    let v3_ok = with_vm_config(attestation(pki, &trusted_run, mr_config_v3(&doc), &w.trusted_compose)?, &doc)?;
    let lying = v3_document(&trusted_hash, &w.host_app_id, &w.trusted_kms);
    let v3_bad = with_vm_config(attestation(pki, &trusted_run, mr_config_v3(&lying), &w.trusted_compose)?, &lying)?;

    // The app-compose writes docker_compose_file twice: the trusted file first, the host's last.
    let dup = duplicate_compose_file(&w.trusted_compose, &w.host_compose)?;
    let dup_hash = sha256(&dup);
    let dup_run = boot(dup_hash, w.trusted_app_id, &w.trusted_kms);
    let dup_att = attestation(pki, &dup_run, mr_config_v2(&dup_hash, &w.trusted_app_id, &w.trusted_kms), &dup)?;

    // An os-image-hash event (the KMS's answer) before system-ready; the reference pins no KMS id.
    let os_image_hash = label_bytes::<32>("dstack-audit attacks: os-image-hash from the KMS");
    let mut os_run = boot(trusted_hash, w.trusted_app_id, &w.trusted_kms);
    os_run.insert(os_run.len().saturating_sub(1), ev("os-image-hash", os_image_hash));
    let os_att = attestation(pki, &os_run, v2, &w.trusted_compose)?;
    let mut os_ref = reference(trusted_hash, w.trusted_app_id, &w.trusted_kms);
    if let Some(d) = os_ref.get_mut("dstack").and_then(Value::as_object_mut) {
        d.insert("os_image_hash".into(), json!([hex::encode(os_image_hash)]));
        d.insert("key_provider".into(), json!({"name": "kms"}));
    }

    // V1 with the trusted compose-hash, but a non-zero byte in the padding.
    let mut v1_tail = mr_config_v1(&trusted_hash);
    if let Some(last) = v1_tail.last_mut() {
        *last = 1;
    }
    let v1_tail_att = attestation(pki, &trusted_run, v1_tail, &w.trusted_compose)?;

    let case = |name, what, attestation, exit, attestation_status, code, outcome| Case {
        name,
        what,
        attestation,
        reference: trusted_ref.clone(),
        exit,
        attestation_status,
        code,
        outcome,
    };
    let mut all = vec![
        case(
            "relabelled-zero-config",
            "the host's CVM (MRCONFIGID zero) emitted the trusted values after system-ready; the genuine app-id, compose-hash, key-provider and system-ready entries are relabelled",
            relabelled_zero,
            1,
            "fail",
            "rtmr3-event-not-runtime",
            "fail",
        ),
        case(
            "relabelled-v1-config",
            "the trusted compose under MRCONFIGID V1 with the host's app-id and KMS; trusted app-id and key provider emitted after system-ready, genuine entries relabelled",
            relabelled_v1,
            1,
            "fail",
            "rtmr3-event-not-runtime",
            "fail",
        ),
        case(
            "honest-log",
            "the quote of relabelled-zero-config with its log as measured, served with the trusted app-compose",
            honest,
            1,
            "fail",
            "compose-hash-mismatch",
            "fail",
        ),
        case(
            "mr-config-v2",
            "a KMS deployment whose MRCONFIGID is V2 over its measured compose-hash, app-id and key provider",
            v2_ok,
            3,
            "pass",
            "mr-config-id-match",
            "pass",
        ),
        case(
            "mr-config-v2-mismatch",
            "the same events under a V2 MRCONFIGID computed for the host's KMS",
            v2_bad,
            1,
            "fail",
            "mr-config-id-mismatch",
            "fail",
        ),
        Case {
            reference: reference(no_kms_hash, w.trusted_app_id, &w.trusted_kms),
            ..case(
                "mr-config-v2-compose-disagree",
                "MRCONFIGID V2 matches, but the attested app-compose asks for no key provider while the key-provider event says KMS",
                v2_disagree,
                1,
                "fail",
                "key-provider-compose-disagree",
                "fail",
            )
        },
        case(
            "mr-config-v3",
            "MRCONFIGID V3 is the hash of the vm_config's mr_config document, whose values are the measured ones",
            v3_ok,
            3,
            "pass",
            "mr-config-id-match",
            "pass",
        ),
        case(
            "mr-config-v3-document-mismatch",
            "MRCONFIGID V3 is the hash of its document, but the document names the host's app-id",
            v3_bad,
            1,
            "fail",
            "mr-config-id-mismatch",
            "fail",
        ),
        Case {
            reference: reference(dup_hash, w.trusted_app_id, &w.trusted_kms),
            ..case(
                "app-compose-duplicate-key",
                "the measured app-compose writes docker_compose_file twice (the trusted file, then the host's); MRCONFIGID V2 and the reference match it",
                dup_att,
                1,
                "fail",
                "app-compose-duplicate-key",
                "fail",
            )
        },
        case(
            "mr-config-v1-tail",
            "the trusted deployment under MRCONFIGID V1 (0x01 ‖ compose-hash) whose last padding byte is 1",
            v1_tail_att,
            1,
            "fail",
            "mr-config-id-mismatch",
            "fail",
        ),
        Case {
            reference: os_ref,
            ..case(
                "os-image-hash-unpinned-kms",
                "the trusted deployment with an os-image-hash event (its KMS's answer), allowed by a reference that pins no KMS id",
                os_att,
                3,
                "pass",
                "os-image-hash-from-unpinned-kms",
                "note",
            )
        },
    ];
    all.extend(rules::cases(pki, &w, &trusted_ref)?);
    Ok(all)
}

/// `trusted` with `other`'s `docker_compose_file` appended as a second member of the same name.
fn duplicate_compose_file(trusted: &str, other: &str) -> Result<String> {
    let other: Value = serde_json::from_str(other)?;
    let extra = serde_json::to_string(other.get("docker_compose_file").unwrap_or(&Value::Null))?;
    let body = trusted.strip_suffix('}').unwrap_or(trusted);
    Ok(format!("{body},\"docker_compose_file\":{extra}}}"))
}

/// A V3 document in dstack's JCS form (keys sorted, hex without prefix).
fn v3_document(compose_hash: &[u8; 32], app_id: &[u8; 20], kms: &Kms) -> String {
    format!(
        r#"{{"app_id":"{}","compose_hash":"{}","key_provider":"kms","key_provider_id":"{}","version":3}}"#,
        hex::encode(app_id),
        hex::encode(compose_hash),
        hex::encode(&kms.id)
    )
}

fn mr_config_v3(document: &str) -> [u8; 48] {
    let mut h = Sha256::new();
    h.update(b"dstack-mr-config-v3:");
    h.update([0u8]);
    h.update(document.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    let mut mr = [0u8; 48];
    for (slot, b) in mr.iter_mut().zip(std::iter::once(3u8).chain(d.iter().copied())) {
        *slot = b;
    }
    mr
}

/// Adds the VM config (a JSON string, as dstack serves it) carrying the V3 document.
fn with_vm_config(mut attestation: Value, document: &str) -> Result<Value> {
    let vm_config = serde_json::to_string(&json!({"mr_config": document}))?;
    if let Some(obj) = attestation.as_object_mut() {
        obj.insert("vm_config".into(), Value::String(vm_config));
    }
    Ok(attestation)
}

fn pretty(v: &Value) -> Result<Vec<u8>> {
    let mut t = serde_json::to_string_pretty(v)?;
    t.push('\n');
    Ok(t.into_bytes())
}

pub fn add_attacks(files: &mut Files, pki: &Pki) -> Result<()> {
    files.insert(format!("{DIR}/collateral.json"), collateral_json(pki, TcbInfoVariant::Standard)?.into_bytes());
    files.insert(format!("{DIR}/test-root-ca.pem"), pki.root.pem()?.into_bytes());
    for c in cases(pki)? {
        let dir = format!("{DIR}/{}", c.name);
        files.insert(format!("{dir}/attestation.json"), pretty(&c.attestation)?);
        files.insert(format!("{dir}/reference.json"), pretty(&c.reference)?);
        let args = format!(
            "attestation.json --reference reference.json --collateral ../collateral.json --tdx-root-ca ../test-root-ca.pem --at {AT}\n"
        );
        files.insert(format!("{dir}/args"), args.into_bytes());
        let expected = json!({"what": c.what, "exit": c.exit, "check": "attestation",
            "status": c.attestation_status, "code": c.code, "outcome": c.outcome});
        files.insert(format!("{dir}/expected.json"), pretty(&expected)?);
    }
    Ok(())
}

/// The scenarios' table for the README.
pub fn write_table(out: &mut String, pki: &Pki) -> Result<()> {
    use std::fmt::Write as _;
    out.push_str(README);
    writeln!(out, "| scenario | what | exit | check 1 decided by |")?;
    writeln!(out, "|---|---|---|---|")?;
    for c in cases(pki)? {
        writeln!(out, "| `{}` | {} | {} | {} `{}` |", c.name, c.what, c.exit, c.outcome, c.code)?;
    }
    Ok(())
}

const README: &str = "
## Event-log and MRCONFIGID attacks (check 1)

`attacks/<scenario>/` — a signed attestation (TEST root), the auditor's reference (the trusted
deployment's compose-hash, app-id and KMS), `args` (paths relative to the folder) and
`expected.json` (exit code, check 1's status, and the finding that decides it). The trusted
deployment and the host's own values are fixed labels; RTMR3 is the replay of the events as the
CVM measured them, and a relabelled entry keeps its measured digest, so RTMR3 still replays.
The scenarios from `duplicate-compose-hash` on change one thing each in `mr-config-v2` (which
passes check 1), so that the finding named is check 1's only failure; `ratls-*` serve the quote
inside an RA-TLS certificate (dstack `Info` shape, `app_cert`; the certificate is self-signed by
its own TEST key, which nothing checks), whose report_data binds the `ratls-bound` key.
`attacks/collateral.json` and `attacks/test-root-ca.pem` are shared.

";
