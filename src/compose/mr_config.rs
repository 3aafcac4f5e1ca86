//! MRCONFIGID forms used by dstack (`dstack-types/src/mr_config.rs`, `dstack-util`
//! `system_setup/config_id_verifier.rs`).
//!
//! The host sets MRCONFIGID at TD launch; the dstack guest refuses to boot unless it equals the
//! form recomputed from what it measured (all zero is accepted as "unused"):
//! - V1 `0x01 ‖ compose_hash ‖ 15 zero bytes`;
//! - V2 `0x02 ‖ keccak256(compose_hash ‖ app_id ‖ kind ‖ key_provider_id) ‖ 15 zero bytes`, kind
//!   none=0, local=1, kms=2, tpm=3, the id being the provider's raw id (KMS root public key,
//!   local-sgx MR, empty for none and tpm);
//! - V3 `0x03 ‖ SHA-256("dstack-mr-config-v3:" ‖ 0x00 ‖ document) ‖ 15 zero bytes`, the document
//!   being a JSON text the host carries next to the VM (`mr_config`).
//!
//! This module computes and reads the V3 document; `checks/mr_config_id.rs` decides which
//! measured values go in.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

use crate::tdx::quote::Mr;

/// A V3 `mr_config` document as the evidence carries it (`vm_config.mr_config`), read as dstack's
/// guest reads it: the exact text (MRCONFIGID V3 is its hash) and its JSON, a key written twice
/// refused. Built by the parse stage; check 1 compares its fields with the measured values.
#[derive(Debug, Clone, PartialEq)]
pub struct MrConfigDocument {
    /// The document's exact text.
    pub text: String,
    /// Where it was found (`input:vm_config.mr_config`).
    pub source: String,
    /// The JSON value, or (field, expected, found) when dstack's guest would refuse the text.
    pub json: Result<serde_json::Value, (String, String, String)>,
}

impl MrConfigDocument {
    /// Finds and reads the document in a `vm_config` claim (the first that holds one).
    pub fn from_vm_config(claims: &[crate::evidence::Claim]) -> Option<Self> {
        claims.iter().filter(|c| c.name == "vm_config").find_map(|c| {
            let v: serde_json::Value = serde_json::from_str(&c.value).ok()?;
            let text = v.get("mr_config")?.as_str()?.to_string();
            let json = Self::read(&text);
            Some(MrConfigDocument { text, source: format!("{}.mr_config", c.source), json })
        })
    }

    /// The document's JSON as dstack's guest reads it, or (field, expected, found).
    pub(crate) fn read(text: &str) -> Result<serde_json::Value, (String, String, String)> {
        if let Some(d) = crate::json::first_duplicate_key(text) {
            return Err((
                d.key.clone(),
                "each key once (dstack's guest refuses a field written twice)".into(),
                d.to_string(),
            ));
        }
        serde_json::from_str(text).map_err(|e| ("(document)".into(), "a JSON object".into(), e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MrConfigId {
    Zero,
    /// `0x01 ‖ compose_hash ‖ zero padding`; `padded` is false when the tail is not all zero.
    V1 {
        compose_hash: [u8; 32],
        padded: bool,
    },
    /// `0x02 ‖ keccak256(…) ‖ zero padding`.
    V2 {
        digest: [u8; 32],
        padded: bool,
    },
    /// `0x03 ‖ SHA-256(domain ‖ 0 ‖ document) ‖ zero padding`.
    V3 {
        digest: [u8; 32],
        padded: bool,
    },
    Unknown,
}

pub(crate) fn parse_mr_config_id(mr: &Mr) -> MrConfigId {
    if mr.iter().all(|b| *b == 0) {
        return MrConfigId::Zero;
    }
    let (head, rest) = mr.split_at(1);
    let (hash, tail) = rest.split_at(32);
    let mut digest = [0u8; 32];
    digest.copy_from_slice(hash);
    let padded = tail.iter().all(|b| *b == 0);
    match head.first() {
        Some(1) => MrConfigId::V1 { compose_hash: digest, padded },
        Some(2) => MrConfigId::V2 { digest, padded },
        Some(3) => MrConfigId::V3 { digest, padded },
        _ => MrConfigId::Unknown,
    }
}

/// The key provider kinds dstack's `KeyProviderKind` knows, with their V2 byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyProviderKind {
    None,
    Local,
    Kms,
    Tpm,
}

impl KeyProviderKind {
    pub(crate) fn byte(self) -> u8 {
        match self {
            KeyProviderKind::None => 0,
            KeyProviderKind::Local => 1,
            KeyProviderKind::Kms => 2,
            KeyProviderKind::Tpm => 3,
        }
    }

    /// From the `name` of a `key-provider` runtime event (`none`, `local-sgx`, `kms`, `tpm`).
    pub(crate) fn from_event_name(name: &str) -> Option<Self> {
        Some(match name {
            "none" => KeyProviderKind::None,
            "local-sgx" => KeyProviderKind::Local,
            "kms" => KeyProviderKind::Kms,
            "tpm" => KeyProviderKind::Tpm,
            _ => return None,
        })
    }

    /// From the app-compose's `key_provider` field or a V3 document (`none`, `local`, `kms`, `tpm`).
    pub(crate) fn from_config_name(name: &str) -> Option<Self> {
        Some(match name {
            "none" => KeyProviderKind::None,
            "local" => KeyProviderKind::Local,
            "kms" => KeyProviderKind::Kms,
            "tpm" => KeyProviderKind::Tpm,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KeyProviderKind::None => "none",
            KeyProviderKind::Local => "local",
            KeyProviderKind::Kms => "kms",
            KeyProviderKind::Tpm => "tpm",
        }
    }
}

/// Places a form byte and a 32-byte value into a zero-padded MRCONFIGID.
fn with_form(form: u8, value: &[u8; 32]) -> Mr {
    let mut mr = [0u8; 48];
    let (head, rest) = mr.split_at_mut(1);
    if let Some(b) = head.first_mut() {
        *b = form;
    }
    let (slot, _) = rest.split_at_mut(32);
    slot.copy_from_slice(value);
    mr
}

/// The V1 MRCONFIGID of a compose-hash (the check compares a V1 value's compose-hash directly;
/// the tests build one).
#[cfg(test)]
pub(crate) fn mr_config_id_v1(compose_hash: &[u8; 32]) -> Mr {
    with_form(1, compose_hash)
}

/// The V2 MRCONFIGID of measured values.
pub(crate) fn mr_config_id_v2(compose_hash: &[u8; 32], app_id: &[u8; 20], kind: KeyProviderKind, id: &[u8]) -> Mr {
    let mut h = Keccak256::new();
    h.update(compose_hash);
    h.update(app_id);
    h.update([kind.byte()]);
    h.update(id);
    with_form(2, &h.finalize().into())
}

/// The V3 MRCONFIGID of a document's exact bytes.
pub(crate) fn mr_config_id_v3(document: &[u8]) -> Mr {
    let mut h = Sha256::new();
    h.update(b"dstack-mr-config-v3:");
    h.update([0u8]);
    h.update(document);
    with_form(3, &h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_mr_config_id(&[0u8; 48]), MrConfigId::Zero);
        let mut m = [0u8; 48];
        m[0] = 1;
        m[1] = 0xaa;
        assert!(
            matches!(parse_mr_config_id(&m), MrConfigId::V1 { compose_hash, padded: true } if compose_hash[0] == 0xaa)
        );
        m[47] = 1;
        assert!(matches!(parse_mr_config_id(&m), MrConfigId::V1 { padded: false, .. }));
        m[0] = 2;
        assert!(matches!(parse_mr_config_id(&m), MrConfigId::V2 { padded: false, .. }));
        m[0] = 3;
        assert!(matches!(parse_mr_config_id(&m), MrConfigId::V3 { padded: false, .. }));
        m[0] = 9;
        assert_eq!(parse_mr_config_id(&m), MrConfigId::Unknown);
    }

    #[test]
    fn keccak256_is_the_pre_standard_keccak() {
        // Keccak-256 of the empty string (not SHA3-256, whose value is a7ffc6f8…).
        let d: [u8; 32] = Keccak256::digest(b"").into();
        assert_eq!(hex::encode(d), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    #[test]
    fn v2_binds_every_input() {
        let base = mr_config_id_v2(&[1; 32], &[2; 20], KeyProviderKind::Kms, &[3, 4]);
        assert_eq!(base[0], 2);
        assert!(base[33..].iter().all(|b| *b == 0));
        assert_ne!(base, mr_config_id_v2(&[1; 32], &[2; 20], KeyProviderKind::Local, &[3, 4]));
        assert_ne!(base, mr_config_id_v2(&[1; 32], &[9; 20], KeyProviderKind::Kms, &[3, 4]));
        assert_ne!(base, mr_config_id_v2(&[1; 32], &[2; 20], KeyProviderKind::Kms, &[3]));
        assert_eq!(mr_config_id_v1(&[7; 32])[..33], [&[1u8][..], &[7u8; 32][..]].concat()[..]);
        assert_eq!(mr_config_id_v3(b"{}")[0], 3);
    }
}
