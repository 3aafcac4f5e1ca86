//! Quote layout on real quotes: v4, v5 with TD report 1.5 and 1.5-ex bodies, driver padding,
//! hex forms, and rejection of SGX quotes. Values from fixtures/SOURCES.md.

use crate::common::fixture;
use dstack_audit::error::Location;
use dstack_audit::tdx::quote::{decode_quote_bytes, parse_quote, BodyType};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

#[test]
fn v4_quote_with_driver_padding() {
    let q = parse_quote(&read("tdx/dcap-qvl/tdx_quote")).unwrap();
    assert_eq!(q.header.version, 4);
    assert_eq!(q.body_type, BodyType::TdReport10);
    assert_eq!(q.signed_bytes().len(), 632);
    assert_eq!(q.trailing_bytes, 70);
    assert_eq!(
        hex::encode(q.body.mr_td),
        "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"
    );
    assert_eq!(hex::encode(q.body.tee_tcb_svn), "06010300000000000000000000000000");
    assert_eq!(hex::encode(q.header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
    assert_eq!(q.signature.cert_data_type, 6);
    assert_eq!(q.signature.pck_cert_data_type, 5);
    assert_eq!(q.signature.qe_auth_data.len(), 32);
    assert!(q.signature.pck_cert_data.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(q.signature.qe_report.isv_prod_id, 2);
    assert!(hex::encode(q.signature.qe_report.mr_signer).starts_with("dc9e2a7c"));
}

#[test]
fn long_zero_padding_is_tolerated() {
    let q = parse_quote(&read("tdx/dcap-rs/quote_tdx_00806f050000.dat")).unwrap();
    assert_eq!(q.trailing_bytes, 3065);
    assert_eq!(hex::encode(q.body.xfam), "e700060000000000");
}

#[test]
fn v5_td_report_15() {
    let q = parse_quote(&read("tdx/go-tdx-guest/quote_v5_sample.dat")).unwrap();
    assert_eq!(q.header.version, 5);
    assert_eq!(q.body_type, BodyType::TdReport15);
    assert_eq!(q.signed_bytes().len(), 702);
    assert_eq!(q.trailing_bytes, 0);
    assert!(hex::encode(q.body.mr_td).starts_with("7348651a34b2d2d3"));
    assert!(hex::encode(q.body.rtmr2).starts_with("6369b9c9"));
    assert_eq!(hex::encode(q.body.tee_tcb_svn), "0b010400000000000000000000000000");
    assert_eq!(hex::encode(q.body.td15.as_ref().unwrap().tee_tcb_svn2), "0d010400000000000000000000000000");
    assert!(q.body.td15_ex.is_none());
}

#[test]
fn v5_td_report_15_ex() {
    let q = parse_quote(&read("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex")).unwrap();
    assert_eq!(q.body_type, BodyType::TdReport15Ex);
    assert_eq!(q.signed_bytes().len(), 939);
    assert!(hex::encode(q.body.rtmr3).starts_with("556d4986"));
    assert!(hex::encode(q.body.mr_config_id).starts_with("0151ed70"));
    assert!(hex::encode(q.body.td15_ex.as_ref().unwrap().td_id).starts_with("e1f3ee82"));
}

#[test]
fn sgx_quote_is_rejected_as_not_tdx() {
    // A version-3 SGX quote: the TEE type at offset 4 says what it is.
    let e = parse_quote(&read("tdx/dcap-qvl/sgx_quote")).unwrap_err();
    assert_eq!(e.at, Location::Offset(4));
    assert!(e.to_string().contains("SGX quote"), "{e}");
    assert!(e.to_string().contains("expected a TDX quote"), "{e}");
}

#[test]
fn version_and_body_type_errors_name_their_offset() {
    let mut q = read("tdx/dcap-qvl/tdx_quote");
    q[0] = 7;
    let e = parse_quote(&q).unwrap_err();
    assert_eq!(e.at, Location::Offset(0));
    assert!(e.to_string().contains("version 7"));

    let mut q = read("tdx/go-tdx-guest/quote_v5_sample.dat");
    q[48] = 9;
    let e = parse_quote(&q).unwrap_err();
    assert_eq!(e.at, Location::Offset(48));
    let mut q = read("tdx/go-tdx-guest/quote_v5_sample.dat");
    q[48] = 1;
    assert!(parse_quote(&q).unwrap_err().to_string().contains("SGX enclave report"));
    let mut q = read("tdx/go-tdx-guest/quote_v5_sample.dat");
    q[50] = 0;
    assert_eq!(parse_quote(&q).unwrap_err().at, Location::Offset(50));
}

#[test]
fn a_signature_length_past_the_end_is_rejected_at_its_offset() {
    let mut q = read("tdx/dcap-qvl/tdx_quote");
    q[632..636].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(parse_quote(&q).unwrap_err().at, Location::Offset(632));
}

#[test]
fn hex_forms_decode_to_the_same_quote() {
    let bin = read("tdx/dcap-qvl/tdx_quote");
    let hex_text = hex::encode(&bin);
    assert_eq!(decode_quote_bytes(&bin, "q").unwrap(), bin);
    assert_eq!(decode_quote_bytes(hex_text.as_bytes(), "q").unwrap(), bin);
    assert_eq!(decode_quote_bytes(format!("0x{hex_text}\n").as_bytes(), "q").unwrap(), bin);
    assert_eq!(decode_quote_bytes(hex_text.to_uppercase().as_bytes(), "q").unwrap(), bin);
    assert!(decode_quote_bytes(b"0x12g4", "q").is_err());
}
