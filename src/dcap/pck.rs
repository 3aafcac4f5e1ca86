//! The Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1): parsing only.
//!
//! Layout from Intel's "SGX PCK Certificate and CRL Profile Specification" §1.3.5 (research
//! §1.7): a SEQUENCE of (OID, value) pairs — .1 PPID, .2 TCB (.2.1–.2.16 SGX TCB component
//! SVNs, .2.17 PCESVN, .2.18 CPUSVN), .3 PCE-ID, .4 FMSPC, .5 SGX Type, .6 PlatformInstanceID
//! (Platform CA certificates only), .7 Configuration (.7.1 dynamicPlatform, .7.2 cachedKeys,
//! .7.3 SMTEnabled). QVL reads FMSPC, PCE-ID, the TCB components and PCESVN to pick the TCB
//! level (4.1.2.4.10, 4.1.2.4.17); matching them against TCB Info is `tcb.rs`, judging the
//! configuration flags is policy. Unknown OIDs are skipped (Intel may add members); a member
//! listed twice or of the wrong type or size is an error.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{AnyRef, Decode, Tag, Tagged};

use crate::error::ParseError;
use crate::x509::{sequence_items, split_sequence, Certificate};

/// The SGX extension of a PCK certificate.
pub(crate) const OID_SGX_EXTENSIONS: &str = "1.2.840.113741.1.13.1";

/// What a PCK certificate says about its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PckExtension {
    pub ppid: Vec<u8>,
    /// SGX TCB component SVNs 1–16 (OIDs .2.1–.2.16), in order.
    pub sgx_tcb_components: [u8; 16],
    pub pcesvn: u16,
    pub cpusvn: [u8; 16],
    pub pce_id: [u8; 2],
    pub fmspc: [u8; 6],
    /// 0 Standard, 1 Scalable, 2 Scalable with Integrity.
    pub sgx_type: u8,
    pub platform_instance_id: Option<Vec<u8>>,
    pub dynamic_platform: Option<bool>,
    pub cached_keys: Option<bool>,
    pub smt_enabled: Option<bool>,
}

/// Size of PPID, CPUSVN and PlatformInstanceID.
const ID_LEN: usize = 16;

/// Reads the SGX extension of `cert` (which must carry it).
pub(crate) fn parse_pck_extension(cert: &Certificate) -> Result<PckExtension, ParseError> {
    let value = cert.extension(OID_SGX_EXTENSIONS).ok_or_else(|| {
        ParseError::field(
            "sgxExtensions",
            format!("the SGX extension {OID_SGX_EXTENSIONS}"),
            format!("a certificate without it (`{}`)", cert.subject()),
        )
    })?;
    let top = members(value, OID_SGX_EXTENSIONS, "sgxExtensions")?;
    let tcb = members(required(&top, 2, "tcb")?, &format!("{OID_SGX_EXTENSIONS}.2"), "sgxExtensions.tcb")?;
    let mut sgx_tcb_components = [0u8; 16];
    for (slot, arc) in sgx_tcb_components.iter_mut().zip(1u32..) {
        let field = format!("tcb.sgxTcbComp{arc:02}Svn");
        *slot = svn::<u8>(required(&tcb, arc, &field)?, &field)?;
    }
    let config = match optional(&top, 7) {
        Some(v) => members(v, &format!("{OID_SGX_EXTENSIONS}.7"), "sgxExtensions.configuration")?,
        None => Vec::new(),
    };
    Ok(PckExtension {
        ppid: octets::<ID_LEN>(required(&top, 1, "ppid")?, "ppid")?.to_vec(),
        sgx_tcb_components,
        pcesvn: svn::<u16>(required(&tcb, 17, "tcb.pcesvn")?, "tcb.pcesvn")?,
        cpusvn: octets::<ID_LEN>(required(&tcb, 18, "tcb.cpusvn")?, "tcb.cpusvn")?,
        pce_id: octets::<2>(required(&top, 3, "pceId")?, "pceId")?,
        fmspc: octets::<6>(required(&top, 4, "fmspc")?, "fmspc")?,
        sgx_type: enumerated(required(&top, 5, "sgxType")?, "sgxType")?,
        platform_instance_id: optional(&top, 6)
            .map(|v| octets::<ID_LEN>(v, "platformInstanceId").map(|a| a.to_vec()))
            .transpose()?,
        dynamic_platform: flag(&config, 1, "configuration.dynamicPlatform")?,
        cached_keys: flag(&config, 2, "configuration.cachedKeys")?,
        smt_enabled: flag(&config, 3, "configuration.smtEnabled")?,
    })
}

/// One (OID, value) member: the last arc of its OID under the parent, and the value's TLV.
type Member<'a> = (u32, &'a [u8]);

/// The members `parent.N` of a DER SEQUENCE OF (OID, value). Other OIDs are skipped; a repeated
/// member is an error.
fn members<'a>(der: &'a [u8], parent: &str, field: &str) -> Result<Vec<Member<'a>>, ParseError> {
    let mut out: Vec<Member<'a>> = Vec::new();
    for item in sequence_items(der, field)? {
        let [oid_tlv, value] = split_sequence::<2>(item, field)?;
        let oid = ObjectIdentifier::from_der(oid_tlv)
            .map_err(|e| ParseError::field(field, "an OBJECT IDENTIFIER", e.to_string()))?;
        let Some(arc) = child_arc(&oid, parent) else { continue };
        if out.iter().any(|(a, _)| *a == arc) {
            return Err(ParseError::field(field, "each member once", format!("{oid} twice")));
        }
        out.push((arc, value));
    }
    Ok(out)
}

/// `N` when `oid` is `parent.N`.
fn child_arc(oid: &ObjectIdentifier, parent: &str) -> Option<u32> {
    oid.to_string().strip_prefix(parent)?.strip_prefix('.')?.parse().ok()
}

fn optional<'a>(members: &[Member<'a>], arc: u32) -> Option<&'a [u8]> {
    members.iter().find(|(a, _)| *a == arc).map(|(_, v)| *v)
}

fn required<'a>(members: &[Member<'a>], arc: u32, field: &str) -> Result<&'a [u8], ParseError> {
    optional(members, arc).ok_or_else(|| bad(field, "this member", "none"))
}

fn bad(field: &str, expected: impl Into<String>, found: impl Into<String>) -> ParseError {
    ParseError::field(format!("sgxExtensions.{field}"), expected, found)
}

/// An OCTET STRING of exactly `N` bytes.
fn octets<const N: usize>(tlv: &[u8], field: &str) -> Result<[u8; N], ParseError> {
    let value = <&OctetStringRef>::from_der(tlv).map_err(|e| bad(field, "an OCTET STRING", e.to_string()))?;
    let bytes = value.as_bytes();
    bytes.try_into().map_err(|_| bad(field, format!("{N} bytes"), format!("{} bytes", bytes.len())))
}

/// A non-negative INTEGER that fits `T` (u8 for component SVNs, u16 for PCESVN).
fn svn<T: TryFrom<u32> + Into<u32> + Bounded>(tlv: &[u8], field: &str) -> Result<T, ParseError> {
    let expected = format!("an INTEGER in 0..={}", T::MAX.into());
    let any = AnyRef::from_der(tlv).map_err(|e| bad(field, expected.as_str(), e.to_string()))?;
    let found = || format!("{} {}", any.tag(), hex::encode(any.value()));
    let value = u32::from_der(tlv).map_err(|_| bad(field, expected.as_str(), found()))?;
    T::try_from(value).map_err(|_| bad(field, expected.as_str(), found()))
}

/// The largest value of an SVN type.
trait Bounded: Copy {
    const MAX: Self;
}
impl Bounded for u8 {
    const MAX: u8 = u8::MAX;
}
impl Bounded for u16 {
    const MAX: u16 = u16::MAX;
}

/// A small ENUMERATED (the SGX type).
fn enumerated(tlv: &[u8], field: &str) -> Result<u8, ParseError> {
    let any = AnyRef::from_der(tlv).map_err(|e| bad(field, "an ENUMERATED", e.to_string()))?;
    match (any.tag(), any.value()) {
        (Tag::Enumerated, [v]) if *v < 0x80 => Ok(*v),
        (tag, value) => Err(bad(field, "an ENUMERATED of one byte", format!("{tag} {}", hex::encode(value)))),
    }
}

/// A BOOLEAN member of the Configuration sequence, if present.
fn flag(members: &[Member<'_>], arc: u32, field: &str) -> Result<Option<bool>, ParseError> {
    optional(members, arc)
        .map(|tlv| bool::from_der(tlv).map_err(|e| bad(field, "a DER BOOLEAN", e.to_string())))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcap::test_support::{quote_chain, root};

    fn ext(rel: &str) -> PckExtension {
        parse_pck_extension(&quote_chain(rel)[0]).unwrap()
    }

    fn h(bytes: &[u8]) -> String {
        hex::encode_upper(bytes)
    }

    #[test]
    fn dcap_qvl_tdx_quote() {
        // SOURCES.md: FMSPC B0C06F000000, dynamicPlatform TRUE, cachedKeys TRUE, SGX type 1.
        let e = ext("tdx/dcap-qvl/tdx_quote");
        assert_eq!(h(&e.fmspc), "B0C06F000000");
        assert_eq!(e.pce_id, [0, 0]);
        assert_eq!(e.sgx_type, 1);
        assert_eq!((e.dynamic_platform, e.cached_keys, e.smt_enabled), (Some(true), Some(true), Some(true)));
        assert_eq!(e.ppid.len(), 16);
        assert_eq!(e.platform_instance_id.as_ref().map(Vec::len), Some(16));
        // CPUSVN repeats the 16 component SVNs (Intel's encoding of the same TCB).
        assert_eq!(e.cpusvn, e.sgx_tcb_components);
    }

    #[test]
    fn dcap_rs_quote() {
        // SOURCES.md: FMSPC 00806F050000, PCK cpusvn 06 06 02 02 03 01 00 03…, pcesvn 11;
        // cachedKeys FALSE.
        let e = ext("tdx/dcap-rs/quote_tdx_00806f050000.dat");
        assert_eq!(h(&e.fmspc), "00806F050000");
        assert_eq!(e.pcesvn, 11);
        assert_eq!(h(&e.cpusvn), "06060202030100030000000000000000");
        assert_eq!(e.sgx_tcb_components, e.cpusvn);
        assert_eq!((e.dynamic_platform, e.cached_keys, e.smt_enabled), (Some(true), Some(false), Some(true)));
        assert_eq!(e.sgx_type, 1);
    }

    #[test]
    fn fmspc_and_flags_per_quote() {
        // (quote, FMSPC, cachedKeys) from SOURCES.md; every PCK has dynamicPlatform TRUE,
        // SMTEnabled TRUE, SGX type 1 (Scalable) and PCE-ID 0000.
        let cases = [
            ("tdx/dcap-qvl/tdx_quote", "B0C06F000000", true),
            ("tdx/dcap-qvl/tdx_quote_outdated", "90C06F000000", false),
            ("tdx/dcap-qvl/tdx-quote.hex", "B0C06F000000", true),
            ("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex", "B0C06F000000", true),
            ("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "50806F000000", false),
            ("tdx/go-tdx-guest/quote_v5_sample.dat", "90C06F000000", true),
            ("tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat", "00806F050000", false),
            ("tdx/dcap-rs/quote_tdx_00806f050000.dat", "00806F050000", false),
            ("tdx/tee-solver/alice/quote.hex", "20A06F000000", true),
            ("tdx/dstack/ra-tls_assets_tdx_quote", "B0C06F000000", true),
            ("tdx/dstack/sdk_simulator_quote.hex", "B0C06F000000", true),
        ];
        for (quote, fmspc, cached) in cases {
            let e = ext(quote);
            assert_eq!(h(&e.fmspc), fmspc, "{quote}");
            assert_eq!(e.cached_keys, Some(cached), "{quote}");
            assert_eq!(
                (e.dynamic_platform, e.smt_enabled, e.sgx_type, e.pce_id),
                (Some(true), Some(true), 1, [0, 0]),
                "{quote}"
            );
        }
    }

    #[test]
    fn outdated_quote_seamldr_component() {
        // SOURCES.md: tdx_quote_outdated's PCK cpusvn comp[7] (SEAMLDR ACM) = 3.
        let e = ext("tdx/dcap-qvl/tdx_quote_outdated");
        assert_eq!(e.sgx_tcb_components[7], 3);
    }

    #[test]
    fn dcap_rs_pck_certchain_file_is_another_platform() {
        // SOURCES.md lists dcap-rs/pck_certchain.pem as "the quote's PCK chain", but its leaf
        // (serial AC0FBDBA…, 2023-08-24 → 2030-08-24) is an SGX platform with FMSPC
        // 00606A000000, not the leaf inside quote_tdx_00806f050000.dat (B6E84ED5…, 00806F050000).
        use crate::dcap::chain::{verify_chain, ChainOptions, PCK_LEAF_CN};
        use crate::dcap::test_support::collateral_crls;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/dcap-rs/pck_certchain.pem");
        let chain = crate::x509::parse_pem_chain(&std::fs::read(path).unwrap(), "pck_certchain.pem").unwrap();
        let (root_crl, pck_crl) = collateral_crls("tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json");
        let root = root();
        let crls = [&root_crl, &pck_crl];
        let opts = ChainOptions {
            root: &root,
            crls: Some(&crls),
            now: crate::clock::UnixTime::from_secs(1740787200),
            leaf_cn: Some(PCK_LEAF_CN),
        };
        verify_chain(&chain, &opts).unwrap();
        assert_ne!(chain[0], quote_chain("tdx/dcap-rs/quote_tdx_00806f050000.dat")[0]);
        let e = parse_pck_extension(&chain[0]).unwrap();
        assert_eq!(h(&e.fmspc), "00606A000000");
        assert_eq!((e.pcesvn, e.cached_keys), (13, Some(false)));
    }

    #[test]
    fn certificates_without_the_extension_are_refused() {
        let err = parse_pck_extension(&root()).unwrap_err();
        assert!(err.to_string().contains("1.2.840.113741.1.13.1"), "{err}");
    }

    /// The leaf's DER with one byte pattern replaced (the signature no longer matters here).
    fn edited(old: &[u8], new: &[u8]) -> Result<PckExtension, ParseError> {
        let leaf = &quote_chain("tdx/dcap-qvl/tdx_quote")[0];
        let mut der = leaf.der().to_vec();
        crate::dcap::test_support::replace(&mut der, old, new);
        parse_pck_extension(&Certificate::from_der(&der).unwrap())
    }

    const FMSPC_MEMBER: &[u8] = &[0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x04, 0x04, 0x06];
    const SGX_TYPE_MEMBER: &[u8] =
        &[0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x05, 0x0a, 0x01];

    #[test]
    fn malformed_members_are_named() {
        // FMSPC becomes an OID .9 (unknown, skipped): FMSPC is then missing.
        let mut renamed = FMSPC_MEMBER.to_vec();
        renamed[11] = 0x09;
        let err = edited(FMSPC_MEMBER, &renamed).unwrap_err();
        assert_eq!(err.to_string(), "field `sgxExtensions.fmspc`: expected this member, found none");
        // FMSPC given as OID .1 too: PPID twice.
        let mut twice = FMSPC_MEMBER.to_vec();
        twice[11] = 0x01;
        assert!(edited(FMSPC_MEMBER, &twice).unwrap_err().to_string().contains("twice"));
        // FMSPC tagged as a UTF8String instead of an OCTET STRING.
        let mut utf8 = FMSPC_MEMBER.to_vec();
        utf8[12] = 0x0c;
        assert!(edited(FMSPC_MEMBER, &utf8).unwrap_err().to_string().contains("sgxExtensions.fmspc"));
        // SGX type as an INTEGER instead of ENUMERATED.
        let mut int = SGX_TYPE_MEMBER.to_vec();
        int[12] = 0x02;
        let err = edited(SGX_TYPE_MEMBER, &int).unwrap_err();
        assert!(err.to_string().contains("`sgxExtensions.sgxType`: expected an ENUMERATED"), "{err}");
    }
}
