//! TD policy from the quote body (SPEC §1 check 1.4): a debug or untrusted TD, reserved TD
//! attribute bits, migration, a missing SEPT_VE_DISABLE, a bound service TD, non-zero SEAM
//! attributes. Bit positions: Intel TDX Module ABI specification 348551-008US, table 3.23
//! (TD attributes: TUD bits 0–7, SEC bits 8–31, OTHER bits 32–63).

use crate::finding_code::FindingCode;
use crate::report::Finding;
use crate::tdx::quote::TdReport;

/// TUD.DEBUG: the host can read and write the TD's memory and registers.
const DEBUG: u64 = 1 << 0;
/// The other TUD bits (4–6 are defined, e.g. profiling): any set TUD bit makes the TD untrusted.
const TUD_OTHER: u64 = 0xfe;
/// Bits the ABI requires to be zero: 1–3, 7–15, 23–26, 32–61.
const RESERVED_MBZ: u64 = mask(1, 3) | mask(7, 15) | mask(23, 26) | mask(32, 61);
/// SEC.SEPT_VE_DISABLE: EPT violations on pending pages do not become #VE in the guest.
const SEPT_VE_DISABLE: u64 = 1 << 28;
/// SEC.MIGRATABLE: a migration TD may move the TD (and its secrets) to another platform.
const MIGRATABLE: u64 = 1 << 29;

/// Bits `lo..=hi` set.
const fn mask(lo: u32, hi: u32) -> u64 {
    (u64::MAX << lo) & (u64::MAX >> 63u32.wrapping_sub(hi))
}

pub fn check(b: &TdReport, f: &mut Vec<Finding>) {
    let attrs = b.td_attributes_u64();
    let shown = hex::encode(b.td_attributes);
    let mut ok = true;
    let mut fail = |code: FindingCode, message: &str, expected: &str| {
        ok = false;
        f.push(Finding::fail(code, message).expected(expected).actual(shown.clone()));
    };
    if attrs & DEBUG != 0 {
        fail(
            FindingCode::TdDebug,
            "the TD runs in debug mode: the host can read and change its memory",
            "td_attributes bit 0 (DEBUG) clear",
        );
    }
    if attrs & TUD_OTHER & !RESERVED_MBZ != 0 {
        fail(
            FindingCode::TdUnderDebug,
            "TD-under-debug bits (4–6) are set: the TD is not trustworthy",
            "td_attributes bits 0–7 clear",
        );
    }
    if attrs & RESERVED_MBZ != 0 {
        fail(
            FindingCode::TdAttributesReserved,
            "reserved TD attribute bits are set (must be zero: 1–3, 7–15, 23–26, 32–61)",
            &format!("no bit of mask {RESERVED_MBZ:016x} (little-endian value)"),
        );
    }
    if attrs & MIGRATABLE != 0 {
        fail(
            FindingCode::TdMigratable,
            "the TD is migratable: a migration TD can move it and its keys",
            "td_attributes bit 29 clear",
        );
    }
    if attrs & SEPT_VE_DISABLE == 0 {
        fail(
            FindingCode::TdSeptVeNotDisabled,
            "SEPT_VE_DISABLE is clear: the host can inject #VE on pending pages (dstack always sets it)",
            "td_attributes bit 28 set",
        );
    }
    if ok {
        f.push(
            Finding::pass(
                FindingCode::TdAttributesOk,
                "TD attributes: not debug, no reserved bits, not migratable, SEPT_VE_DISABLE set",
            )
            .actual(shown),
        );
    }
    if b.seam_attributes != [0u8; 8] {
        f.push(
            Finding::fail(FindingCode::SeamAttributesNonzero, "the TDX module reports non-zero SEAM attributes")
                .expected("0000000000000000")
                .actual(hex::encode(b.seam_attributes)),
        );
    }
    if b.mr_signer_seam != [0u8; 48] {
        f.push(
            Finding::fail(
                FindingCode::MrSignerSeamNotIntel,
                "the TDX module is not signed by Intel (mr_signer_seam is not zero)",
            )
            .expected("48 zero bytes")
            .actual(hex::encode(b.mr_signer_seam)),
        );
    }
    if let Some(td15) = &b.td15 {
        if td15.mr_servicetd != [0u8; 48] {
            f.push(
                Finding::fail(
                    FindingCode::TdServiceTdBound,
                    "a service TD is bound to this TD (mr_servicetd is not zero)",
                )
                .expected("48 zero bytes")
                .actual(hex::encode(td15.mr_servicetd)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_abi_table() {
        assert_eq!(mask(1, 3), 0b1110);
        assert_eq!(RESERVED_MBZ, 0x3fff_ffff_0780_ff8e);
        // dstack's value: only SEPT_VE_DISABLE.
        let dstack = u64::from_le_bytes([0, 0, 0, 0x10, 0, 0, 0, 0]);
        assert_eq!(dstack, SEPT_VE_DISABLE);
        assert_eq!(dstack & (RESERVED_MBZ | DEBUG | TUD_OTHER | MIGRATABLE), 0);
    }
}
