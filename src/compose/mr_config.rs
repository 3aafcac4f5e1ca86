//! MRCONFIGID forms used by dstack (`dstack-types/src/mr_config.rs`).
//!
//! The host sets MRCONFIGID at TD launch; dstack gives it meaning:
//! all zero (unused), V1 `0x01 ‖ compose_hash ‖ 0…`, V2 `0x02 ‖ keccak256(…)`,
//! V3 `0x03 ‖ SHA-256("dstack-mr-config-v3:" ‖ 0x00 ‖ doc)`. Only V1 can be checked offline
//! from the compose-hash alone.

use crate::tdx::quote::Mr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MrConfigId {
    Zero,
    /// `0x01 ‖ compose_hash ‖ zero padding`; `padded` is false when the tail is not all zero.
    V1 {
        compose_hash: [u8; 32],
        padded: bool,
    },
    /// V2 or V3: recognised, not checkable offline without their inputs.
    Opaque {
        form: u8,
    },
    Unknown,
}

pub fn parse_mr_config_id(mr: &Mr) -> MrConfigId {
    if mr.iter().all(|b| *b == 0) {
        return MrConfigId::Zero;
    }
    let (head, rest) = mr.split_at(1);
    match head.first() {
        Some(1) => {
            let (hash, tail) = rest.split_at(32);
            let mut compose_hash = [0u8; 32];
            compose_hash.copy_from_slice(hash);
            MrConfigId::V1 { compose_hash, padded: tail.iter().all(|b| *b == 0) }
        }
        Some(f @ (2 | 3)) => MrConfigId::Opaque { form: *f },
        _ => MrConfigId::Unknown,
    }
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
        assert_eq!(parse_mr_config_id(&m), MrConfigId::Opaque { form: 2 });
        m[0] = 9;
        assert_eq!(parse_mr_config_id(&m), MrConfigId::Unknown);
    }
}
