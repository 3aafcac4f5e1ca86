//! One rule each, under a correctly signed quote: the trusted deployment of `mr-config-v2`
//! (check 1 passes) with one change that only the rule under test can see. The quote is signed
//! under the TEST root and RTMR3 replays, so DCAP authenticates every value check 1 reads.
//! - `duplicate-compose-hash`: the compose-hash event measured twice before `system-ready`, the
//!   trusted value and then the host's (`runtime-event-duplicate`).
//! - `malformed-instance-id`: an instance-id event of 16 bytes, where dstack measures 20 or none
//!   (`runtime-event-malformed`).
//! - `malformed-key-provider`: a key-provider event that is not JSON, under a reference that
//!   names no key provider (`runtime-event-malformed`).
//! - `compose-hash-after-ready`: the host's compose-hash emitted after `system-ready`
//!   (`runtime-event-after-ready`).
//! - `ratls-bound`: the quote in an RA-TLS certificate for the key its report_data names.
//! - `ratls-other-key`: the same quote in a certificate for another key
//!   (`ratls-binding-mismatch`): a host that copies the CVM's quote into its own certificate.

use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

use super::{attestation, boot, ev, mr_config_v2, sha256, signed, Case, Event, World};
use crate::error::{msg, Result};
use crate::keys::{self, label_bytes};
use crate::pki::Pki;
use crate::ratls_cert::{self, RaTlsContent};

fn position(events: &[Event], name: &str) -> Result<usize> {
    events.iter().position(|e| e.name == name).ok_or_else(|| msg(format!("no `{name}` event")))
}

pub(super) fn cases(pki: &Pki, w: &World, trusted_ref: &Value) -> Result<Vec<Case>> {
    let trusted_hash = sha256(&w.trusted_compose);
    let host_hash = sha256(&w.host_compose);
    let v2 = mr_config_v2(&trusted_hash, &w.trusted_app_id, &w.trusted_kms);
    let trusted = || boot(trusted_hash, w.trusted_app_id, &w.trusted_kms);

    let mut twice = trusted();
    twice.insert(position(&twice, "instance-id")?, ev("compose-hash", host_hash));
    let mut malformed = trusted();
    let at = position(&malformed, "instance-id")?;
    if let Some(e) = malformed.get_mut(at) {
        e.payload = label_bytes::<16>("dstack-audit attacks: a 16-byte instance-id").to_vec();
    }
    let mut not_json = trusted();
    let at = position(&not_json, "key-provider")?;
    if let Some(e) = not_json.get_mut(at) {
        e.payload = format!("kms:{}", hex::encode(&w.trusted_kms.id)).into_bytes();
    }
    let mut no_kms_ref = trusted_ref.clone();
    if let Some(d) = no_kms_ref.get_mut("dstack").and_then(Value::as_object_mut) {
        d.remove("key_provider");
    }
    let mut late = trusted();
    late.push(ev("compose-hash", host_hash));

    let cvm_key = keys::signing_key("dstack-audit attacks: the CVM's RA-TLS key")?;
    let host_key = keys::signing_key("dstack-audit attacks: the host's TLS key")?;
    let (quote, log) = signed(pki, &trusted(), v2, Some(ratls_cert::report_data(&cvm_key)?))?;

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
    Ok(vec![
        case(
            "duplicate-compose-hash",
            "the trusted deployment (MRCONFIGID V2) whose compose-hash event is measured twice before system-ready: the trusted value, then the host's",
            attestation(pki, &twice, v2, &w.trusted_compose)?,
            1,
            "fail",
            "runtime-event-duplicate",
            "fail",
        ),
        case(
            "malformed-instance-id",
            "the trusted deployment (MRCONFIGID V2) whose instance-id event carries 16 bytes (dstack measures 20, or none)",
            attestation(pki, &malformed, v2, &w.trusted_compose)?,
            1,
            "fail",
            "runtime-event-malformed",
            "fail",
        ),
        Case {
            reference: no_kms_ref,
            ..case(
                "malformed-key-provider",
                "the trusted deployment whose key-provider event is not JSON (`kms:` and the id in hex); the reference names no key provider, so only the event's form is judged",
                attestation(pki, &not_json, v2, &w.trusted_compose)?,
                1,
                "fail",
                "runtime-event-malformed",
                "fail",
            )
        },
        case(
            "compose-hash-after-ready",
            "the trusted deployment (MRCONFIGID V2) with the host's compose-hash emitted after system-ready",
            attestation(pki, &late, v2, &w.trusted_compose)?,
            1,
            "fail",
            "runtime-event-after-ready",
            "fail",
        ),
        case(
            "ratls-bound",
            "the trusted deployment's quote in an RA-TLS certificate (dstack Info shape) for the key its report_data names",
            ratls_info(&cvm_key, &quote, &log, w)?,
            3,
            "pass",
            "ratls-binding-match",
            "pass",
        ),
        case(
            "ratls-other-key",
            "the quote of ratls-bound copied into an RA-TLS certificate for the host's own key",
            ratls_info(&host_key, &quote, &log, w)?,
            1,
            "fail",
            "ratls-binding-mismatch",
            "fail",
        ),
    ])
}

/// A dstack `Info` response: the RA-TLS certificate (quote and event log extensions) and
/// `tcb_info` (a JSON string, as dstack serves it) with the log and the trusted app-compose.
fn ratls_info(key: &SigningKey, quote: &[u8], log: &[Value], w: &World) -> Result<Value> {
    let log_json = serde_json::to_string(log)?;
    let content = RaTlsContent { quote, event_log_json: log_json.as_bytes(), app_id: &w.trusted_app_id };
    let tcb_info = serde_json::to_string(&json!({"event_log": log, "app_compose": w.trusted_compose}))?;
    Ok(json!({"app_cert": ratls_cert::leaf_pem(key, &content)?, "tcb_info": tcb_info}))
}
