//! MRCONFIGID appraisal (part of check 1): recomputes each dstack form from attested inputs only.
//!
//! The inputs are the measured runtime events (compose-hash, app-id, key-provider, …), which
//! reach here only as `MeasuredRuntimeEvents`, the app-compose only when its SHA-256 is the
//! measured compose-hash, and a V3 document only after its hash equals the quoted MRCONFIGID.
//! dstack's guest compares the same forms with what it measured before it boots
//! (`dstack-util/src/system_setup/config_id_verifier.rs`); the V2 key provider is the one the
//! guest got its keys from, which is what the `key-provider` event records (decision 28).

use crate::finding_code::FindingCode;
use serde_json::Value;

use crate::compose::mr_config::{
    mr_config_id_v2, mr_config_id_v3, parse_mr_config_id, KeyProviderKind, MrConfigDocument, MrConfigId,
};
use crate::report::Finding;
use crate::tdx::runtime_events::DstackMeasurements;

use super::{not_authenticated, Established};

pub(crate) fn check(o: &Established, f: &mut Vec<Finding>) {
    let Some(q) = o.quote() else {
        f.push(not_authenticated(FindingCode::MrConfigIdMatch));
        return;
    };
    let mr = &q.td_report().mr_config_id;
    match parse_mr_config_id(mr) {
        MrConfigId::Zero => {
            f.push(Finding::note(FindingCode::MrConfigIdUnused, "MRCONFIGID is zero (not used by this deployment)"))
        }
        MrConfigId::V1 { compose_hash, padded } => {
            let expected = o.measured().and_then(|m| m.compose_hash.clone());
            match expected {
                Some(h) if h.as_slice() == compose_hash.as_slice() && padded => f.push(Finding::pass(
                    FindingCode::MrConfigIdMatch,
                    "MRCONFIGID (V1 form) carries the measured compose-hash",
                )),
                Some(h) => f.push(
                    Finding::fail(
                        FindingCode::MrConfigIdMismatch,
                        "MRCONFIGID (V1 form 0x01 ‖ compose-hash ‖ zeros) does not carry the measured compose-hash",
                    )
                    .expected(format!("01{}{}", hex::encode(h), "00".repeat(15)))
                    .actual(hex::encode(mr)),
                ),
                None => f.push(Finding::note(
                    FindingCode::MrConfigIdV1,
                    "MRCONFIGID is in V1 form, but no measured compose-hash is available to compare",
                )),
            }
        }
        MrConfigId::V2 { .. } => v2(o, mr, f),
        MrConfigId::V3 { .. } => v3(o, mr, f),
        MrConfigId::Unknown => f.push(
            Finding::warn(FindingCode::MrConfigIdUnknown, "MRCONFIGID is in no form dstack defines")
                .actual(hex::encode(mr)),
        ),
    }
}

fn not_recomputable(form: u8, why: impl std::fmt::Display) -> Finding {
    Finding::note(
        FindingCode::MrConfigIdNotRecomputable,
        format!("MRCONFIGID is in V{form} form, but {why}: it is not verified (this is not a pass of anything)"),
    )
}

/// The measured inputs of V2 and V3: compose-hash, app-id and the key provider's kind and id.
struct Inputs {
    compose_hash: [u8; 32],
    app_id: [u8; 20],
    kind: KeyProviderKind,
    id: Vec<u8>,
}

fn inputs(m: &DstackMeasurements) -> Result<Inputs, String> {
    let compose_hash = m
        .compose_hash
        .as_deref()
        .and_then(|h| <[u8; 32]>::try_from(h).ok())
        .ok_or("no 32-byte compose-hash is measured")?;
    let app_id =
        m.app_id.as_deref().and_then(|a| <[u8; 20]>::try_from(a).ok()).ok_or("no 20-byte app-id is measured")?;
    let kp = m.key_provider.as_ref().ok_or("no key-provider event is measured")?;
    let kind = KeyProviderKind::from_event_name(&kp.name)
        .ok_or_else(|| format!("the measured key provider `{}` is not one dstack names", kp.name))?;
    let id =
        crate::bytes::decode_hex(&kp.id, "id").map_err(|e| format!("the measured key provider id is not hex ({e})"))?;
    Ok(Inputs { compose_hash, app_id, kind, id })
}

fn v2(o: &Established, mr: &[u8; 48], f: &mut Vec<Finding>) {
    let Some(m) = o.measured() else {
        f.push(not_recomputable(2, "the runtime events are not measured"));
        return;
    };
    let i = match inputs(m) {
        Ok(i) => i,
        Err(why) => return f.push(not_recomputable(2, why)),
    };
    compose_key_provider(o, m, &i, f);
    let expected = mr_config_id_v2(&i.compose_hash, &i.app_id, i.kind, &i.id);
    let what = format!(
        "keccak256 of the measured compose-hash, app-id and key provider ({} = {}, id of {} bytes)",
        i.kind.as_str(),
        i.kind.byte(),
        i.id.len()
    );
    f.push(if expected == *mr {
        Finding::pass(FindingCode::MrConfigIdMatch, format!("MRCONFIGID (V2 form) is 0x02 ‖ {what}"))
            .actual(hex::encode(mr))
    } else {
        Finding::fail(FindingCode::MrConfigIdMismatch, format!("MRCONFIGID (V2 form) is not 0x02 ‖ {what}"))
            .expected(hex::encode(expected))
            .actual(hex::encode(mr))
    });
}

/// The key provider the attested app-compose asks for (`key_provider`, else `kms_enabled` /
/// `local_key_provider_enabled`, as dstack's `AppCompose::key_provider`) and its
/// `key_provider_id` pin must agree with the measured key-provider event.
fn compose_key_provider(o: &Established, m: &DstackMeasurements, i: &Inputs, f: &mut Vec<Finding>) {
    let Some((compose, origin)) = o.app_compose else { return };
    if m.compose_hash.as_deref() != Some(compose.compose_hash().as_slice()) {
        return;
    }
    let Some(s) = compose.summary() else { return };
    let kind = match s.key_provider.as_deref() {
        Some(name) => KeyProviderKind::from_config_name(name),
        None if s.kms_enabled == Some(true) => Some(KeyProviderKind::Kms),
        None if s.local_key_provider_enabled == Some(true) => Some(KeyProviderKind::Local),
        None => Some(KeyProviderKind::None),
    };
    if kind != Some(i.kind) {
        let declared = kind.map(KeyProviderKind::as_str).unwrap_or("an unknown kind");
        f.push(
            Finding::fail(
                FindingCode::KeyProviderComposeDisagree,
                format!(
                    "{origin} (attested) asks for key provider {declared}, but the measured key-provider event says {}",
                    i.kind.as_str()
                ),
            )
            .expected(declared.to_string())
            .actual(i.kind.as_str().to_string()),
        );
    }
    let pin = s.key_provider_id.as_deref().unwrap_or("");
    if !pin.is_empty() && crate::bytes::decode_hex(pin, "key_provider_id").ok().as_deref() != Some(i.id.as_slice()) {
        f.push(
            Finding::fail(
                FindingCode::KeyProviderComposeDisagree,
                format!("{origin} (attested) pins key_provider_id, but the measured key-provider event has another id"),
            )
            .expected(pin.to_string())
            .actual(hex::encode(&i.id)),
        );
    }
}

fn v3(o: &Established, mr: &[u8; 48], f: &mut Vec<Finding>) {
    let Some(MrConfigDocument { text: doc, source, json }) = o.mr_config_document else {
        f.push(not_recomputable(3, "the evidence carries no mr_config document (vm_config.mr_config)"));
        return;
    };
    let expected = mr_config_id_v3(doc.as_bytes());
    if expected != *mr {
        f.push(
            Finding::fail(FindingCode::MrConfigIdMismatch, format!("MRCONFIGID (V3 form) is not the hash of {source}"))
                .expected(hex::encode(expected))
                .actual(hex::encode(mr)),
        );
        return;
    }
    let Some(m) = o.measured() else {
        f.push(not_recomputable(3, "the runtime events are not measured, so the document cannot be compared"));
        return;
    };
    match json.as_ref().map_err(Clone::clone).and_then(|v| v3_fields(v, m)) {
        Ok(()) => f.push(
            Finding::pass(
                FindingCode::MrConfigIdMatch,
                format!("MRCONFIGID (V3 form) is the hash of {source}, whose values equal the measured ones"),
            )
            .actual(hex::encode(mr)),
        ),
        Err((field, expected, actual)) => f.push(
            Finding::fail(
                FindingCode::MrConfigIdMismatch,
                format!("{source} (bound by MRCONFIGID V3) says `{field}`, which is not the measured value"),
            )
            .expected(expected)
            .actual(actual),
        ),
    }
}

type FieldMismatch = (String, String, String);

/// The fields of dstack's `MrConfigV3` (`dstack-types/src/mr_config.rs`, `deny_unknown_fields`).
const V3_FIELDS: [&str; 8] = [
    "version",
    "app_id",
    "compose_hash",
    "gpu_policy_hash",
    "key_provider",
    "key_provider_id",
    "instance_id",
    "init_script_hashes",
];

/// Compares a V3 document's fields (dstack `MrConfigV3`) with the measured values, as dstack's
/// guest does before it boots (`verify_mr_config_v3_document`): `compose_hash` and
/// `key_provider` always, the optional fields when present.
fn v3_fields(v: &Value, m: &DstackMeasurements) -> Result<(), FieldMismatch> {
    let bad = |field: &str, want: String, got: String| (field.to_string(), want, got);
    if let Some(obj) = v.as_object() {
        if let Some(key) = obj.keys().find(|k| !V3_FIELDS.contains(&k.as_str())) {
            return Err(bad(
                key,
                format!("one of {} (dstack's MrConfigV3 denies unknown fields)", V3_FIELDS.join(", ")),
                "an unknown key".into(),
            ));
        }
    }
    let hex_field = |name: &str| -> Result<Option<Vec<u8>>, FieldMismatch> {
        match v.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                crate::bytes::decode_hex(s, name).map(Some).map_err(|e| bad(name, "hex".into(), e.to_string()))
            }
            Some(other) => Err(bad(name, "a hex string".into(), other.to_string())),
        }
    };
    let same = |name: &str, doc: Option<Vec<u8>>, measured: Option<&Vec<u8>>, required: bool| match (doc, measured) {
        (None, _) if !required => Ok(()),
        (Some(d), Some(mv)) if d == *mv => Ok(()),
        (d, mv) => Err(bad(
            name,
            mv.map(hex::encode).unwrap_or_else(|| "(not measured)".into()),
            d.map(hex::encode).unwrap_or_else(|| "(absent)".into()),
        )),
    };
    match v.get("version") {
        None => {}
        Some(n) if n.as_u64() == Some(3) => {}
        Some(other) => return Err(bad("version", "3".into(), other.to_string())),
    }
    same("compose_hash", hex_field("compose_hash")?, m.compose_hash.as_ref(), true)?;
    same("app_id", hex_field("app_id")?, m.app_id.as_ref(), false)?;
    same("instance_id", hex_field("instance_id")?, m.instance_id.as_ref(), false)?;
    same("gpu_policy_hash", hex_field("gpu_policy_hash")?, m.gpu_policy_hash.as_ref(), false)?;
    let kp = m.key_provider.as_ref();
    let doc_kind = v.get("key_provider").and_then(Value::as_str).and_then(KeyProviderKind::from_config_name);
    let measured_kind = kp.and_then(|k| KeyProviderKind::from_event_name(&k.name));
    if doc_kind.is_none() || doc_kind != measured_kind {
        return Err(bad(
            "key_provider",
            measured_kind.map(KeyProviderKind::as_str).unwrap_or("(not measured)").into(),
            v.get("key_provider").map(Value::to_string).unwrap_or_else(|| "(absent)".into()),
        ));
    }
    let measured_id = kp.and_then(|k| crate::bytes::decode_hex(&k.id, "id").ok());
    same("key_provider_id", hex_field("key_provider_id")?, measured_id.as_ref(), false)?;
    if let Some(Value::Array(list)) = v.get("init_script_hashes") {
        let doc_list: Vec<String> = list.iter().map(|x| x.as_str().unwrap_or("").to_ascii_lowercase()).collect();
        let got: Vec<String> = m.init_script_hashes.iter().map(hex::encode).collect();
        if doc_list != got {
            return Err(bad("init_script_hashes", got.join(","), doc_list.join(",")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parse stage's reading of `text`, then the field comparison.
    fn fields(text: &str, m: &DstackMeasurements) -> Result<(), FieldMismatch> {
        MrConfigDocument::read(text).and_then(|v| v3_fields(&v, m))
    }
    use crate::tdx::runtime_events::KeyProvider;

    fn measured() -> DstackMeasurements {
        DstackMeasurements {
            compose_hash: Some(vec![0x22; 32]),
            app_id: Some(vec![0x11; 20]),
            instance_id: Some(Vec::new()),
            key_provider: Some(KeyProvider { name: "kms".into(), id: "3333".into() }),
            init_script_hashes: vec![vec![0x44; 32]],
            ..DstackMeasurements::default()
        }
    }

    fn doc(extra: &str) -> String {
        format!(r#"{{"compose_hash":"{}","key_provider":"kms"{extra}}}"#, "22".repeat(32))
    }

    #[test]
    fn v3_fields_follow_dstacks_guest() {
        assert_eq!(fields(&doc(""), &measured()), Ok(()));
        assert_eq!(
            fields(&doc(r#","version":3,"app_id":"1111111111111111111111111111111111111111""#), &measured()),
            Ok(())
        );
        assert_eq!(fields(&doc(r#","key_provider_id":"3333","instance_id":"""#), &measured()), Ok(()));
        let field = |extra: &str| fields(&doc(extra), &measured()).err().map(|(f, _, _)| f);
        assert_eq!(field(r#","version":4"#).as_deref(), Some("version"));
        assert_eq!(field(r#","app_id":"00""#).as_deref(), Some("app_id"));
        assert_eq!(field(r#","key_provider_id":"33""#).as_deref(), Some("key_provider_id"));
        assert_eq!(field(r#","instance_id":"01""#).as_deref(), Some("instance_id"));
        assert_eq!(field(r#","gpu_policy_hash":"01""#).as_deref(), Some("gpu_policy_hash"));
        let other_script = format!(r#","init_script_hashes":["{}"]"#, "55".repeat(32));
        assert_eq!(field(&other_script).as_deref(), Some("init_script_hashes"));
        let same_script = format!(r#","init_script_hashes":["{}"]"#, "44".repeat(32));
        assert_eq!(field(&same_script), None);
        let none = r#"{"compose_hash":"2222222222222222222222222222222222222222222222222222222222222222","key_provider":"none"}"#;
        assert_eq!(fields(none, &measured()).err().map(|(f, _, _)| f).as_deref(), Some("key_provider"));
        assert_eq!(fields("[", &measured()).err().map(|(f, _, _)| f).as_deref(), Some("(document)"));
        // As dstack's guest reads it: a field written twice, or a field it does not know, is refused.
        assert_eq!(
            field(r#","app_id":"00","app_id":"1111111111111111111111111111111111111111""#).as_deref(),
            Some("app_id")
        );
        assert_eq!(field(r#","key_provider":"kms""#).as_deref(), Some("key_provider"));
        assert_eq!(field(r#","extra":1"#).as_deref(), Some("extra"));
        assert_eq!(field(r#","Version":3"#).as_deref(), Some("Version"));
    }
}
