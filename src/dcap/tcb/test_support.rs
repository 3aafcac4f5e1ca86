//! Test support for the TCB algorithm's tests: real quotes and collateral from the fixtures, the
//! PCK values read straight from the leaf's DER (independently of `pck.rs`), and row 1's inputs
//! with the synthetic variations built on them.

use super::*;
use crate::dcap::collateral::parse_collateral;
use crate::dcap::tcb_info::{parse_qe_identity, parse_tcb_info};
use crate::finding_code::FindingCode;
use crate::tdx::quote::{decode_quote_bytes, parse_quote, Quote};

pub(super) const QVL_COLLATERAL: &str = "dcap-qvl/tdx_quote_collateral.json";
pub(super) const DCAP_RS_COLLATERAL: &str = "dcap-rs/assembled_collateral_00806f050000_2025-02.json";
pub(super) const SA_2026: [&str; 4] = ["INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312", "INTEL-SA-01313"];

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/tdx/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

pub(super) fn quote(path: &str) -> Quote {
    parse_quote(&decode_quote_bytes(&read(path), path).unwrap()).unwrap()
}

pub(super) fn collateral(path: &str) -> (TcbInfo, QeIdentity) {
    let c = parse_collateral(&serde_json::from_slice(&read(path)).unwrap()).unwrap();
    (parse_tcb_info(&c.tcb_info).unwrap(), parse_qe_identity(&c.qe_identity).unwrap())
}

/// The SGX extension arc 1.2.840.113741.1.13.1 (DER content bytes of the OID).
const SGX_EXTENSION: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01];

/// Test-only stand-in for the PCK extension parser (`pck.rs`, another module): finds the
/// sub-OID `SGX_EXTENSION.arcs` in the PCK leaf's DER and returns the value that follows it
/// (short-form lengths suffice for these fields).
fn value_after(der: &[u8], arcs: &[u8]) -> Vec<u8> {
    let mut content = SGX_EXTENSION.to_vec();
    content.extend(arcs);
    let mut oid = vec![0x06, u8::try_from(content.len()).unwrap()];
    oid.extend(content);
    let at = der.windows(oid.len()).position(|w| w == oid.as_slice()).unwrap();
    let tlv = &der[at..][oid.len()..];
    let len = usize::from(tlv[1]);
    assert!(len < 0x80);
    tlv[2..][..len].to_vec()
}

fn integer(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |acc, b| acc.wrapping_shl(8) | u16::from(*b))
}

/// FMSPC, PCE-ID, SGX TCB components and PCESVN of the quote's PCK leaf certificate.
fn pck_values(q: &Quote) -> ([u8; 6], [u8; 2], [u8; 16], u16) {
    let pem = String::from_utf8_lossy(&q.signature.pck_cert_data);
    let first = pem.split("-----END CERTIFICATE-----").next().unwrap();
    let leaf = format!("{}\n-----END CERTIFICATE-----", first.trim());
    let (label, der) = der::pem::decode_vec(leaf.as_bytes()).unwrap();
    assert_eq!(label, "CERTIFICATE");
    let fmspc = value_after(&der, &[0x04]).try_into().unwrap();
    let pce_id = value_after(&der, &[0x03]).try_into().unwrap();
    let mut sgx = [0u8; 16];
    for (c, arc) in sgx.iter_mut().zip(1u8..=16) {
        *c = u8::try_from(integer(&value_after(&der, &[0x02, arc]))).unwrap();
    }
    let pcesvn = integer(&value_after(&der, &[0x02, 17]));
    (fmspc, pce_id, sgx, pcesvn)
}

pub(super) fn inputs_of(quote_path: &str) -> TcbInputs {
    let q = quote(quote_path);
    let (fmspc, pce_id, sgx, pcesvn) = pck_values(&q);
    TcbInputs::from_quote(&q, fmspc, pce_id, sgx, pcesvn)
}

/// One row of SOURCES.md "Expected outcomes" (time and signatures are other layers').
pub(super) fn row(quote_path: &str, collateral_path: &str) -> Result<TcbEvaluation, TcbError> {
    let (tcb_info, qe) = collateral(collateral_path);
    evaluate_tcb(&inputs_of(quote_path), &tcb_info, &qe)
}

pub(super) fn assert_status(
    r: Result<TcbEvaluation, TcbError>,
    status: TcbStatus,
    advisories: &[&str],
) -> TcbEvaluation {
    let e = r.unwrap_or_else(|e| panic!("{} {e}", e.code()));
    assert_eq!(e.status, status, "{e:?}");
    assert_eq!(e.advisory_ids, advisories, "{e:?}");
    assert!(!e.relaunch_advised);
    e
}

pub(super) fn assert_no_level(r: Result<TcbEvaluation, TcbError>, stage: PlatformStage) {
    match r {
        Err(e @ TcbError::NoMatchingPlatformLevel { .. }) => {
            assert_eq!(e.code(), FindingCode::TcbLevelNotSupported);
            assert!(e.to_string().starts_with("no matching TCB level"), "{e}");
            assert!(matches!(e, TcbError::NoMatchingPlatformLevel { stage: s, .. } if s == stage), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
}

pub(super) fn base() -> (TcbInputs, TcbInfo, QeIdentity) {
    let (t, q) = collateral(QVL_COLLATERAL);
    (inputs_of("dcap-qvl/tdx_quote"), t, q)
}

pub(super) fn eval(i: &TcbInputs, t: &TcbInfo, q: &QeIdentity) -> TcbEvaluation {
    evaluate_tcb(i, t, q).unwrap_or_else(|e| panic!("{} {e}", e.code()))
}

pub(super) fn code(i: &TcbInputs, t: &TcbInfo, q: &QeIdentity) -> FindingCode {
    evaluate_tcb(i, t, q).unwrap_err().code()
}

pub(super) fn module_level(isvsvn: u16, status: TcbStatus, advisories: &[&str]) -> ModuleTcbLevel {
    ModuleTcbLevel {
        isvsvn,
        tcb_date: "2020-01-01T00:00:00Z".into(),
        tcb_status: status,
        advisory_ids: advisories.iter().map(|s| s.to_string()).collect(),
    }
}

/// A TD 1.5 report of row 1's platform whose module was updated in place: TEE_TCB_SVN (at TD
/// launch) is OutOfDate for the module, TEE_TCB_SVN2 (now) reaches the latest level.
pub(super) fn td15() -> (TcbInputs, TcbInfo, QeIdentity) {
    let (mut i, t, q) = base();
    i.quote_version = 5;
    i.td15 = true;
    i.tee_tcb_svn[0] = 3; // module level isvsvn 2: OutOfDate
    let mut svn2 = i.tee_tcb_svn;
    svn2[0] = 4; // TDX_01's first level
    i.tee_tcb_svn2 = Some(svn2);
    (i, t, q)
}
