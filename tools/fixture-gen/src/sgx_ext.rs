//! The Intel SGX PCK certificate extension, OID 1.2.840.113741.1.13.1, encoded exactly as in
//! Intel's PCK leaves (checked with `openssl asn1parse` against the PCK certificate inside
//! fixtures/tdx/dcap-qvl/tdx_quote): a SEQUENCE of SEQUENCE { OID, value } with
//! .1 PPID OCTET STRING (16), .2 TCB SEQUENCE { .2.1–.2.16 INTEGER, .2.17 PCESVN INTEGER,
//! .2.18 CPUSVN OCTET STRING (16) }, .3 PCE-ID OCTET STRING (2), .4 FMSPC OCTET STRING (6),
//! .5 SGX Type ENUMERATED, .6 PlatformInstanceID OCTET STRING (16, Platform CA leaves only),
//! .7 Configuration SEQUENCE { .7.1 dynamicPlatform, .7.2 cachedKeys, .7.3 SMTEnabled BOOLEAN }.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Any, Encode, Tag};

use crate::error::Result;

pub const SGX_EXTENSION_OID: &str = "1.2.840.113741.1.13.1";

/// The values one PCK leaf carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PckPlatform {
    pub ppid: [u8; 16],
    pub sgx_tcb_components: [u8; 16],
    pub pcesvn: u16,
    pub pce_id: [u8; 2],
    pub fmspc: [u8; 6],
    /// 0 standard, 1 scalable, 2 scalable with integrity.
    pub sgx_type: u8,
    pub platform_instance_id: [u8; 16],
    pub dynamic_platform: bool,
    pub cached_keys: bool,
    pub smt_enabled: bool,
}

impl PckPlatform {
    /// CPUSVN as Intel's PCK certificates carry it: the 16 SGX TCB component SVNs in order
    /// (dcap-qvl matches TCB levels on this field, Intel QVL on .2.1–.2.16; they agree).
    pub fn cpusvn(&self) -> [u8; 16] {
        self.sgx_tcb_components
    }
}

/// DER of the extension value (the contents of extnValue).
pub fn encode_sgx_extension(p: &PckPlatform) -> Result<Vec<u8>> {
    let tcb = encode_tcb(p)?;
    let configuration = sequence(&[
        entry(".7.1", &p.dynamic_platform.to_der()?)?,
        entry(".7.2", &p.cached_keys.to_der()?)?,
        entry(".7.3", &p.smt_enabled.to_der()?)?,
    ])?;
    sequence(&[
        entry(".1", &octets(&p.ppid)?)?,
        entry(".2", &tcb)?,
        entry(".3", &octets(&p.pce_id)?)?,
        entry(".4", &octets(&p.fmspc)?)?,
        entry(".5", &Any::new(Tag::Enumerated, [p.sgx_type])?.to_der()?)?,
        entry(".6", &octets(&p.platform_instance_id)?)?,
        entry(".7", &configuration)?,
    ])
}

fn encode_tcb(p: &PckPlatform) -> Result<Vec<u8>> {
    let mut items = Vec::with_capacity(18);
    for (index, svn) in (1u8..).zip(p.sgx_tcb_components.iter()) {
        items.push(entry(&format!(".2.{index}"), &svn.to_der()?)?);
    }
    items.push(entry(".2.17", &p.pcesvn.to_der()?)?);
    items.push(entry(".2.18", &octets(&p.cpusvn())?)?);
    sequence(&items)
}

/// SEQUENCE { OID (extension OID + `suffix`), value }.
fn entry(suffix: &str, value_der: &[u8]) -> Result<Vec<u8>> {
    let oid = ObjectIdentifier::new(&format!("{SGX_EXTENSION_OID}{suffix}"))?;
    sequence(&[oid.to_der()?, value_der.to_vec()])
}

fn octets(bytes: &[u8]) -> Result<Vec<u8>> {
    Ok(OctetStringRef::new(bytes)?.to_der()?)
}

/// SEQUENCE whose contents are the concatenated DER `items`.
fn sequence(items: &[Vec<u8>]) -> Result<Vec<u8>> {
    Ok(Any::new(Tag::Sequence, items.concat())?.to_der()?)
}
