//! Decoding of dstack's binary `VersionedAttestation` (V0, SCALE codec): parsing only.
//!
//! Owns the byte layout of dstack `dstack-attest/src/attestation.rs` (`VersionedAttestation::V0
//! { attestation }` → `Attestation { quote: AttestationQuote, runtime_events, report_data,
//! config }`, `AttestationQuote::DstackTdx(TdxQuote { quote, event_log })`) and of `TdxEvent` /
//! `RuntimeEvent` in dstack `cc-eventlog`. The SCALE rules followed are those of
//! parity-scale-codec as dstack uses them: enum variants are one tag byte, integers are little
//! endian, `Vec<T>` and `String` carry a compact `u32` length prefix, `[u8; 64]` is 64 raw
//! bytes, `String` must be UTF-8. Like parity-scale-codec, non-canonical compact lengths are
//! rejected, so this parser accepts exactly what dstack's own decoder accepts.
//!
//! Only the `DstackTdx` quote variant is supported. dstack's V1 attestation (msgpack,
//! `dstack-attest/src/v1.rs`) is recognised by its first byte and refused with a clear error.
//! Quote layout, RTMR replay and event-digest checks belong to `tdx/`.

use crate::bytes::Reader;
use crate::error::ParseError;
use crate::limits::{MAX_CONFIG_BYTES, MAX_EVENTS, MAX_EVENT_PAYLOAD_BYTES, MAX_QUOTE_BYTES};
use crate::tdx::event_log::{EventLogEntry, DIGEST_LEN};

/// `VersionedAttestation::V0` tag.
const VERSION_V0: u8 = 0;
/// `AttestationQuote::DstackTdx` tag.
const QUOTE_DSTACK_TDX: u8 = 0;
/// Size of `Attestation::report_data`.
pub const REPORT_DATA_LEN: usize = 64;

/// A decoded V0 attestation. Nothing in it is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedAttestation {
    /// The raw TDX quote (`TdxQuote::quote`).
    pub quote: Vec<u8>,
    /// `TdxQuote::event_log`, in log order; `version` and `preimage` are always `None` here.
    pub event_log: Vec<EventLogEntry>,
    /// `Attestation::runtime_events` (the RTMR3 events as name + payload).
    pub runtime_events: Vec<RuntimeEventRecord>,
    /// `Attestation::report_data` as recorded next to the quote (not the quote's own field).
    pub report_data: [u8; REPORT_DATA_LEN],
    /// `Attestation::config`: the VM config JSON text, unparsed.
    pub config: String,
}

/// One dstack `RuntimeEvent { event, payload }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeEventRecord {
    pub event: String,
    pub payload: Vec<u8>,
}

/// Decodes a SCALE-encoded `VersionedAttestation::V0` holding a `DstackTdx` quote.
/// The whole input must be consumed. Errors name the byte offset where decoding stopped.
pub fn parse_versioned_attestation(bytes: &[u8]) -> Result<VersionedAttestation, ParseError> {
    let mut r = Reader::new(bytes);
    read_version(&mut r)?;
    read_quote_variant(&mut r)?;
    let quote = read_sized(&mut r, "quote", Bound::bytes(MAX_QUOTE_BYTES, "MAX_QUOTE_BYTES"))?.to_vec();
    let event_log = read_event_log(&mut r)?;
    let runtime_events = read_runtime_events(&mut r)?;
    let report_data = r.array::<REPORT_DATA_LEN>("report_data")?;
    let config = read_string(&mut r, "config", Bound::bytes(MAX_CONFIG_BYTES, "MAX_CONFIG_BYTES"))?;
    if r.remaining() != 0 {
        return Err(ParseError::offset(
            r.position(),
            "the end of the attestation after `config`",
            format!("{} trailing bytes", r.remaining()),
        ));
    }
    Ok(VersionedAttestation { quote, event_log, runtime_events, report_data, config })
}

fn read_version(r: &mut Reader<'_>) -> Result<(), ParseError> {
    let at = r.position();
    match r.u8("the VersionedAttestation version tag")? {
        VERSION_V0 => Ok(()),
        // fixmap (0x80..=0x8f), map16 (0xde), map32 (0xdf): dstack V1 is a msgpack map.
        b @ (0x80..=0x8f | 0xde | 0xdf) => Err(ParseError::offset(
            at,
            "a SCALE VersionedAttestation V0 (first byte 0x00)",
            format!("byte 0x{b:02x}, a msgpack map: V1 (msgpack) versioned attestations are not supported yet"),
        )),
        b => Err(ParseError::offset(
            at,
            "a SCALE VersionedAttestation V0 (first byte 0x00)",
            format!("version tag 0x{b:02x}"),
        )),
    }
}

fn read_quote_variant(r: &mut Reader<'_>) -> Result<(), ParseError> {
    let at = r.position();
    let tag = r.u8("the AttestationQuote variant tag")?;
    if tag == QUOTE_DSTACK_TDX {
        return Ok(());
    }
    let name = match tag {
        1 => "GcpTdx",
        2 => "NitroEnclave",
        3 => "SevSnp",
        4 => "AwsNitroTpm",
        _ => "unknown",
    };
    Err(ParseError::offset(
        at,
        "AttestationQuote variant 0 (DstackTdx; only DstackTdx supported)",
        format!("variant {tag} ({name})"),
    ))
}

fn read_event_log(r: &mut Reader<'_>) -> Result<Vec<EventLogEntry>, ParseError> {
    let count = read_length(r, "event_log", Bound::items(MAX_EVENTS, "MAX_EVENTS"))?;
    // Each entry takes at least 11 bytes, so the input size also bounds the allocation.
    let mut entries = Vec::with_capacity(count.min(r.remaining()));
    for i in 0..count {
        entries.push(read_tdx_event(r, i)?);
    }
    Ok(entries)
}

fn read_tdx_event(r: &mut Reader<'_>, i: usize) -> Result<EventLogEntry, ParseError> {
    let field = |name: &str| format!("event_log[{i}].{name}");
    let imr_at = r.position();
    let imr = r.u32_le(&field("imr"))?;
    if imr > 3 {
        return Err(ParseError::offset(imr_at, format!("an RTMR index 0..=3 in `{}`", field("imr")), imr.to_string()));
    }
    let event_type = r.u32_le(&field("event_type"))?;
    let digest = read_digest(r, &field("digest"))?;
    let payload_bound = Bound::bytes(MAX_EVENT_PAYLOAD_BYTES, "MAX_EVENT_PAYLOAD_BYTES");
    let event = read_string(r, &field("event"), payload_bound)?;
    let event_payload = read_sized(r, &field("event_payload"), payload_bound)?.to_vec();
    Ok(EventLogEntry { imr, event_type, digest, event, event_payload, version: None, preimage: None })
}

/// A `Vec<u8>` digest: empty for stripped logs, else exactly one SHA-384 value.
fn read_digest(r: &mut Reader<'_>, what: &str) -> Result<Option<[u8; DIGEST_LEN]>, ParseError> {
    let at = r.position();
    match read_compact_u32(r, what)? {
        0 => Ok(None),
        n if usize::try_from(n).is_ok_and(|n| n == DIGEST_LEN) => Ok(Some(r.array::<DIGEST_LEN>(what)?)),
        n => Err(ParseError::offset(
            at,
            format!("a {DIGEST_LEN}-byte SHA-384 digest or an empty one in `{what}`"),
            format!("a length of {n} bytes"),
        )),
    }
}

fn read_runtime_events(r: &mut Reader<'_>) -> Result<Vec<RuntimeEventRecord>, ParseError> {
    let count = read_length(r, "runtime_events", Bound::items(MAX_EVENTS, "MAX_EVENTS"))?;
    let payload_bound = Bound::bytes(MAX_EVENT_PAYLOAD_BYTES, "MAX_EVENT_PAYLOAD_BYTES");
    let mut events = Vec::with_capacity(count.min(r.remaining()));
    for i in 0..count {
        let event = read_string(r, &format!("runtime_events[{i}].event"), payload_bound)?;
        let payload = read_sized(r, &format!("runtime_events[{i}].payload"), payload_bound)?.to_vec();
        events.push(RuntimeEventRecord { event, payload });
    }
    Ok(events)
}

/// An upper bound on a length prefix, with the name of the limit for the error message.
#[derive(Clone, Copy)]
struct Bound {
    max: usize,
    limit: &'static str,
    unit: &'static str,
}

impl Bound {
    fn bytes(max: usize, limit: &'static str) -> Self {
        Bound { max, limit, unit: "bytes" }
    }

    fn items(max: usize, limit: &'static str) -> Self {
        Bound { max, limit, unit: "entries" }
    }
}

/// Reads a compact length prefix and checks it against `bound` before anything is allocated.
fn read_length(r: &mut Reader<'_>, what: &str, bound: Bound) -> Result<usize, ParseError> {
    let at = r.position();
    let n = read_compact_u32(r, what)?;
    usize::try_from(n).ok().filter(|&n| n <= bound.max).ok_or_else(|| {
        ParseError::offset(
            at,
            format!("a length of at most {} {} for `{what}` ({})", bound.max, bound.unit, bound.limit),
            format!("{n} {}", bound.unit),
        )
    })
}

/// A length-prefixed `Vec<u8>`.
fn read_sized<'a>(r: &mut Reader<'a>, what: &str, bound: Bound) -> Result<&'a [u8], ParseError> {
    let len = read_length(r, what, bound)?;
    r.take(len, what)
}

/// A length-prefixed UTF-8 `String`.
fn read_string(r: &mut Reader<'_>, what: &str, bound: Bound) -> Result<String, ParseError> {
    let len = read_length(r, what, bound)?;
    let at = r.position();
    let raw = r.take(len, what)?;
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(ParseError::offset(
            at.saturating_add(e.valid_up_to()),
            format!("UTF-8 text in `{what}`"),
            "an invalid UTF-8 sequence",
        )),
    }
}

/// SCALE `Compact<u32>`: the low two bits of the first byte select the mode.
/// `0b00`: value in the upper 6 bits; `0b01`: 2 bytes LE >> 2; `0b10`: 4 bytes LE >> 2;
/// `0b11`: `(first >> 2) + 4` LE bytes follow, which for a `u32` must be exactly 4.
/// Each mode must be the shortest one for its value (parity-scale-codec rejects the others).
fn read_compact_u32(r: &mut Reader<'_>, what: &str) -> Result<u32, ParseError> {
    let at = r.position();
    let prefix = format!("compact length of `{what}`");
    let first = r.u8(&prefix)?;
    let (value, min) = match first & 0b11 {
        0b00 => return Ok(u32::from(first >> 2)),
        0b01 => {
            let [b1] = r.array::<1>(&prefix)?;
            (u32::from(u16::from_le_bytes([first, b1]) >> 2), 1 << 6)
        }
        0b10 => {
            let [b1, b2, b3] = r.array::<3>(&prefix)?;
            (u32::from_le_bytes([first, b1, b2, b3]) >> 2, 1 << 14)
        }
        _ => {
            if first >> 2 != 0 {
                return Err(ParseError::offset(
                    at,
                    format!("a compact length of `{what}` that fits in 32 bits (4 bytes in big-integer mode)"),
                    format!("{} following bytes", usize::from(first >> 2).saturating_add(4)),
                ));
            }
            (r.u32_le(&prefix)?, 1 << 30)
        }
    };
    if value < min {
        return Err(ParseError::offset(
            at,
            format!("a canonical (shortest-form) compact length of `{what}`"),
            format!("the value {value} in a longer form (mode 0b{:02b})", first & 0b11),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::tdx::event_log::DSTACK_RUNTIME_EVENT_TYPE;

    const SIMULATOR_BIN: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/dstack-simulator-attestation-bin/attestation.bin");
    const TDX_LITE_JSON: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/dstack-verifier-tdx-lite/tdx-lite-attestation.json");

    const RUNTIME_NAMES: [&str; 9] = [
        "system-preparing",
        "app-id",
        "compose-hash",
        "instance-id",
        "boot-mr-done",
        "os-image-hash",
        "key-provider",
        "storage-fs",
        "system-ready",
    ];

    fn simulator_bytes() -> Vec<u8> {
        std::fs::read(SIMULATOR_BIN).unwrap()
    }

    fn tdx_lite_bytes() -> Vec<u8> {
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(TDX_LITE_JSON).unwrap()).unwrap();
        crate::bytes::decode_hex(json["attestation"].as_str().unwrap(), "attestation").unwrap()
    }

    fn per_imr(a: &VersionedAttestation) -> [usize; 4] {
        [0u32, 1, 2, 3].map(|imr| a.event_log.iter().filter(|e| e.imr == imr).count())
    }

    fn assert_runtime_events_mirror_rtmr3(a: &VersionedAttestation) {
        let names: Vec<&str> = a.runtime_events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, RUNTIME_NAMES);
        let rtmr3: Vec<&EventLogEntry> = a.event_log.iter().filter(|e| e.imr == 3).collect();
        assert_eq!(rtmr3.len(), a.runtime_events.len());
        for (log, rt) in rtmr3.iter().zip(&a.runtime_events) {
            assert_eq!(log.event_type, DSTACK_RUNTIME_EVENT_TYPE);
            assert_eq!(log.event, rt.event);
            assert_eq!(log.event_payload, rt.payload);
        }
    }

    #[test]
    fn decodes_simulator_attestation_bin() {
        let a = parse_versioned_attestation(&simulator_bytes()).unwrap();
        assert_eq!(a.quote.len(), 5010);
        assert_eq!(a.quote[..2], [4, 0], "TDX quote version 4");
        assert_eq!(a.event_log.len(), 33);
        assert_eq!(per_imr(&a), [17, 5, 2, 9]);
        assert!(a.event_log.iter().all(|e| e.digest.is_some() && e.version.is_none() && e.preimage.is_none()));
        assert_runtime_events_mirror_rtmr3(&a);
        assert_eq!(a.report_data, [0u8; 64]);
        let config: serde_json::Value = serde_json::from_str(&a.config).unwrap();
        assert!(config.get("vm_config").is_some(), "{config}");
    }

    #[test]
    fn decodes_tdx_lite_attestation() {
        let a = parse_versioned_attestation(&tdx_lite_bytes()).unwrap();
        assert_eq!(a.quote.len(), 5006);
        assert_eq!(a.quote[..2], [4, 0]);
        assert_eq!(a.event_log.len(), 12);
        assert_eq!(per_imr(&a), [3, 0, 0, 9]);
        // Lite-stripped log: RTMR0 ACPI events keep their digests, runtime events lose them.
        for e in &a.event_log {
            assert_eq!(e.digest.is_some(), e.imr == 0, "{e:?}");
        }
        let acpi: Vec<&str> = a.event_log.iter().filter(|e| e.imr == 0).map(|e| e.event.as_str()).collect();
        assert_eq!(acpi, ["acpi-loader", "acpi-rsdp", "acpi-tables"]);
        assert_runtime_events_mirror_rtmr3(&a);
        assert!(a.report_data.starts_with(b"dip1::secp256k1c-pk:"));
        let config: serde_json::Value = serde_json::from_str(&a.config).unwrap();
        assert!(config.get("os_image_hash").is_some(), "{config}");
    }

    #[test]
    fn every_truncation_is_an_error() {
        for data in [simulator_bytes(), tdx_lite_bytes()] {
            for len in 0..data.len() {
                assert!(parse_versioned_attestation(&data[..len]).is_err(), "prefix of {len} bytes");
            }
        }
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut data = simulator_bytes();
        let end = data.len();
        data.push(0);
        let e = parse_versioned_attestation(&data).unwrap_err();
        assert_eq!(e.at, Location::Offset(end));
        assert!(e.to_string().contains("1 trailing bytes"), "{e}");
    }

    #[test]
    fn msgpack_v1_and_other_versions_are_refused() {
        for first in [0x83u8, 0xde, 0xdf] {
            let e = parse_versioned_attestation(&[first, 0, 0]).unwrap_err();
            assert!(e.to_string().contains("V1 (msgpack)"), "{e}");
        }
        let e = parse_versioned_attestation(&[0x01, 0x00]).unwrap_err();
        assert!(e.to_string().contains("version tag 0x01"), "{e}");
    }

    #[test]
    fn other_quote_variants_are_refused_by_name() {
        let e = parse_versioned_attestation(&[0x00, 0x03]).unwrap_err();
        assert_eq!(e.at, Location::Offset(1));
        assert!(e.to_string().contains("SevSnp") && e.to_string().contains("only DstackTdx"), "{e}");
    }

    /// A minimal V0 blob with one event log entry, to edit byte by byte.
    /// Layout offsets: 2 quote len, 3..5 quote, 5 event count, 6 imr, 10 event_type, 14 digest len.
    fn tiny(imr: u8, digest: &[u8], event: &[u8]) -> Vec<u8> {
        let mut v = vec![0x00, 0x00, 2 << 2, 4, 0, 1 << 2, imr, 0, 0, 0, 1, 0, 0, 0];
        v.push(u8::try_from(digest.len()).unwrap() << 2);
        v.extend_from_slice(digest);
        v.push(u8::try_from(event.len()).unwrap() << 2);
        v.extend_from_slice(event);
        v.push(0); // event_payload: empty
        v.push(0); // runtime_events: none
        v.extend_from_slice(&[7u8; 64]);
        v.push(2 << 2);
        v.extend_from_slice(b"{}");
        v
    }

    #[test]
    fn tiny_blob_round_trips_and_field_errors_are_located() {
        let a = parse_versioned_attestation(&tiny(3, &[], b"x")).unwrap();
        assert_eq!(a.quote, [4, 0]);
        assert_eq!(a.event_log[0].digest, None);
        assert_eq!(a.event_log[0].event, "x");
        assert_eq!(a.report_data, [7u8; 64]);
        assert_eq!(a.config, "{}");
        assert!(parse_versioned_attestation(&tiny(0, &[9; 48], b"")).unwrap().event_log[0].digest == Some([9; 48]));

        let e = parse_versioned_attestation(&tiny(4, &[], b"")).unwrap_err();
        assert_eq!(e.at, Location::Offset(6));
        assert!(e.to_string().contains("event_log[0].imr"), "{e}");

        let e = parse_versioned_attestation(&tiny(0, &[1; 32], b"")).unwrap_err();
        assert_eq!(e.at, Location::Offset(14));
        assert!(e.to_string().contains("32 bytes"), "{e}");

        let e = parse_versioned_attestation(&tiny(0, &[], &[0xff, 0xfe])).unwrap_err();
        assert_eq!(e.at, Location::Offset(16));
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }

    #[test]
    fn lengths_over_the_limits_are_refused_before_reading() {
        // quote length 2^30 (four-byte big-integer mode) in a 7-byte input
        let e = parse_versioned_attestation(&[0x00, 0x00, 0x03, 0, 0, 0, 0x40]).unwrap_err();
        assert_eq!(e.at, Location::Offset(2));
        assert!(e.to_string().contains("MAX_QUOTE_BYTES"), "{e}");
        // event count 16383 (two-byte mode) > MAX_EVENTS
        let e = parse_versioned_attestation(&[0x00, 0x00, 0x00, 0xfd, 0xff]).unwrap_err();
        assert!(e.to_string().contains("MAX_EVENTS"), "{e}");
    }

    fn compact(bytes: &[u8]) -> Result<u32, ParseError> {
        read_compact_u32(&mut Reader::new(bytes), "x")
    }

    #[test]
    fn compact_modes_and_canonical_form() {
        assert_eq!(compact(&[0xfc]).unwrap(), 63);
        assert_eq!(compact(&[0x01, 0x01]).unwrap(), 64);
        assert_eq!(compact(&[0xfd, 0xff]).unwrap(), 16383);
        assert_eq!(compact(&[0x02, 0x00, 0x01, 0x00]).unwrap(), 16384);
        assert_eq!(compact(&[0x03, 0, 0, 0, 0x40]).unwrap(), 1 << 30);
        assert_eq!(compact(&[0x03, 0xff, 0xff, 0xff, 0xff]).unwrap(), u32::MAX);
        // non-canonical: 1 in two-byte mode, 64 in four-byte mode, 5 in big-integer mode
        assert!(compact(&[0x05, 0x00]).unwrap_err().to_string().contains("canonical"));
        assert!(compact(&[0x02, 0x01, 0x00, 0x00]).is_err());
        assert!(compact(&[0x03, 5, 0, 0, 0]).is_err());
        // more than 4 bytes in big-integer mode
        let e = compact(&[0x07, 0, 0, 0, 0, 1]).unwrap_err();
        assert!(e.to_string().contains("5 following bytes"), "{e}");
        // truncated
        assert!(compact(&[]).is_err());
        assert!(compact(&[0x01]).is_err());
        assert!(compact(&[0x02, 0, 0]).is_err());
        assert!(compact(&[0x03, 0, 0, 0]).is_err());
    }

    #[test]
    fn single_byte_flips_never_panic() {
        let data = tdx_lite_bytes();
        for i in 0..data.len().min(4096) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut d = data.clone();
                d[i] ^= flip;
                let _ = parse_versioned_attestation(&d);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_versioned_attestation(&data);
        }

        #[test]
        fn garbage_after_a_valid_header_never_panics(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut data = vec![0u8, 0u8];
            data.extend(tail);
            let _ = parse_versioned_attestation(&data);
        }
    }
}
