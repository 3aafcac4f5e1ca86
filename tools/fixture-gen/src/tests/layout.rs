//! A tiny independent reader of the quote layout (research §1.1–§1.4), enough to check that
//! every quote has Intel's shape; the full parser lives in dstack-audit's src/tdx/quote.rs.

use super::{collateral, scenario_file};
use crate::quote::{QE_AUTH_DATA, QE_VENDOR_ID_INTEL};
use crate::scenarios;

pub struct Parsed<'a> {
    pub version: u16,
    pub signed: &'a [u8],
    pub body: &'a [u8],
    pub quote_signature: &'a [u8],
    pub attestation_key: &'a [u8],
    pub qe_report: &'a [u8],
    pub qe_report_signature: &'a [u8],
    pub qe_auth_data: &'a [u8],
    pub pck_chain: &'a [u8],
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let end = self.at.checked_add(n).unwrap();
        let out = &self.data[self.at..end];
        self.at = end;
        out
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().unwrap())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
}

pub fn parse(quote: &[u8]) -> Parsed<'_> {
    let mut c = Cursor { data: quote, at: 0 };
    let version = c.u16();
    assert_eq!(c.u16(), 2, "att_key_type");
    assert_eq!(c.u32(), 0x81, "tee_type");
    assert_eq!(c.take(4), [0; 4], "reserved");
    assert_eq!(c.take(16), QE_VENDOR_ID_INTEL, "qe_vendor_id");
    c.take(20);
    let body_len = match version {
        4 => 584,
        5 => {
            assert_eq!(c.u16(), 3, "v5 body_type");
            let size = c.u32() as usize;
            assert_eq!(size, 648, "v5 body_size");
            size
        }
        v => panic!("version {v}"),
    };
    let body = c.take(body_len);
    let signed = &quote[..c.at];
    let sig_len = c.u32() as usize;
    assert_eq!(c.at.checked_add(sig_len), Some(quote.len()), "sig_data_len covers the rest");
    let quote_signature = c.take(64);
    let attestation_key = c.take(64);
    assert_eq!(c.u16(), 6, "certification data type");
    let cert_len = c.u32() as usize;
    assert_eq!(c.at.checked_add(cert_len), Some(quote.len()), "certification data size");
    let qe_report = c.take(384);
    let qe_report_signature = c.take(64);
    let auth_len = c.u16() as usize;
    let qe_auth_data = c.take(auth_len);
    assert_eq!(c.u16(), 5, "inner certification data type");
    let chain_len = c.u32() as usize;
    let pck_chain = c.take(chain_len);
    assert_eq!(c.at, quote.len());
    Parsed {
        version,
        signed,
        body,
        quote_signature,
        attestation_key,
        qe_report,
        qe_report_signature,
        qe_auth_data,
        pck_chain,
    }
}

#[test]
fn every_quote_has_intel_layout() {
    for s in scenarios::all() {
        let q = parse(scenario_file(s.name, "quote.bin"));
        let expected_version = if s.quote.tee_tcb_svn2.is_some() { 5 } else { 4 };
        assert_eq!(q.version, expected_version, "{}", s.name);
        assert_eq!(q.signed.len(), if q.version == 4 { 632 } else { 702 }, "{}", s.name);
        assert_eq!(&q.body[..16], s.quote.tee_tcb_svn, "{} tee_tcb_svn", s.name);
        assert_eq!(&q.body[64..112], [0u8; 48], "{} mr_signer_seam", s.name);
        assert_eq!(&q.body[112..120], [0u8; 8], "{} seam_attributes", s.name);
        assert_eq!(&q.body[120..128], s.quote.td_attributes, "{} td_attributes", s.name);
        if let Some(svn2) = s.quote.tee_tcb_svn2 {
            assert_eq!(&q.body[584..600], svn2, "{} tee_tcb_svn2", s.name);
            assert_eq!(&q.body[600..648], [0u8; 48], "{} mr_servicetd", s.name);
        }
        assert_eq!(q.qe_auth_data, QE_AUTH_DATA, "{}", s.name);
        assert_eq!(u16::from_le_bytes([q.qe_report[256], q.qe_report[257]]), 2, "{} isv_prod_id", s.name);
        assert_eq!(u16::from_le_bytes([q.qe_report[258], q.qe_report[259]]), s.quote.qe_isv_svn, "{}", s.name);
        assert_eq!(&q.qe_report[352..384], [0u8; 32], "{} report_data zero half", s.name);
        assert_eq!(q.pck_chain.last(), Some(&0), "{} PEM chain NUL-terminated", s.name);
        let certs = x509_cert::Certificate::load_pem_chain(q.pck_chain.strip_suffix(&[0]).unwrap()).unwrap();
        assert_eq!(certs.len(), 3, "{} leaf, PCK CA, root", s.name);
    }
}

/// The collateral has exactly the real files' fields (fixtures/tdx/dcap-qvl/tdx_quote_collateral.json).
#[test]
fn collateral_has_dcap_qvl_fields_in_order() {
    let fields = [
        "pck_crl_issuer_chain",
        "root_ca_crl",
        "pck_crl",
        "tcb_info_issuer_chain",
        "tcb_info",
        "tcb_info_signature",
        "qe_identity_issuer_chain",
        "qe_identity",
        "qe_identity_signature",
    ];
    for s in scenarios::all() {
        let text = std::str::from_utf8(scenario_file(s.name, "collateral.json")).unwrap();
        let mut last = 0;
        for f in fields {
            let at = text.find(&format!("\"{f}\"")).unwrap_or_else(|| panic!("{} lacks {f}", s.name));
            assert!(at >= last, "{}: {f} out of order", s.name);
            last = at;
        }
        assert_eq!(collateral(s.name).as_object().unwrap().len(), fields.len());
    }
}

/// TCB Info v3 shape: Intel's key order, 16 component objects, advisoryIDs only when non-empty.
#[test]
fn tcb_info_has_intel_shape() {
    let text = collateral("up-to-date")["tcb_info"].as_str().unwrap().to_owned();
    assert!(text.starts_with(
        "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2026-01-01T00:00:00Z\",\"nextUpdate\":\"2026-01-31T00:00:00Z\",\"fmspc\":\"7E57F0000000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":20,\"tdxModule\":{\"mrsigner\":\"000000"
    ));
    let info: serde_json::Value = serde_json::from_str(&text).unwrap();
    let levels = info["tcbLevels"].as_array().unwrap();
    assert_eq!(levels.len(), 8);
    for level in levels {
        assert_eq!(level["tcb"]["sgxtcbcomponents"].as_array().unwrap().len(), 16);
        assert_eq!(level["tcb"]["tdxtcbcomponents"].as_array().unwrap().len(), 16);
        let has_ids = level.get("advisoryIDs").is_some();
        assert_eq!(has_ids, level["tcbStatus"] != "UpToDate", "{level}");
    }
    let ids: Vec<&str> =
        info["tdxModuleIdentities"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["TDX_03", "TDX_01"]);
    let qe: serde_json::Value =
        serde_json::from_str(collateral("up-to-date")["qe_identity"].as_str().unwrap()).unwrap();
    assert_eq!(qe["id"], "TD_QE");
    assert_eq!(qe["version"], 2);
    assert_eq!(qe["isvprodid"], 2);
}
