//! Test support for the DCAP unit tests: the pinned Intel root, real PCK chains and CRLs from
//! the fixtures, and a throwaway CA that re-signs real certificates and CRLs (Intel's keys are
//! not available, so revocation and constraint failures are built from real TBS bytes signed by
//! a test key acting as the root). Compiled for tests only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use der::{Decode, Encode};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

use crate::x509::{parse_pem_chain, split_sequence, Certificate, Crl};

/// The Intel SGX Root CA as fixtures/tdx holds it (PEM).
pub(crate) const ROOT_PEM: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/Intel_SGX_Provisioning_Certification_RootCA.pem");

/// The pinned Intel SGX Root CA.
pub(crate) fn root() -> Certificate {
    let text = std::fs::read(ROOT_PEM).unwrap();
    parse_pem_chain(&text, "root").unwrap().remove(0)
}

/// The PCK chain inside a quote file (binary, hex text or a JSON byte array).
pub(crate) fn quote_chain(rel: &str) -> Vec<Certificate> {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).unwrap();
    let bytes = if rel.ends_with(".json") {
        serde_json::from_slice::<Vec<u8>>(&data).unwrap()
    } else {
        crate::tdx::quote::decode_quote_bytes(&data, rel).unwrap()
    };
    let quote = crate::tdx::quote::parse_quote(&bytes).unwrap();
    assert_eq!(quote.signature.pck_cert_data_type, 5, "{rel}");
    parse_pem_chain(&quote.signature.pck_cert_data, rel).unwrap()
}

/// `(root_ca_crl, pck_crl)` of a collateral JSON file (hex or byte-array fields).
pub(crate) fn collateral_crls(rel: &str) -> (Crl, Crl) {
    let v = collateral(rel);
    (Crl::from_der(&binary(&v["root_ca_crl"])).unwrap(), Crl::from_der(&binary(&v["pck_crl"])).unwrap())
}

/// A collateral JSON file under fixtures/.
pub(crate) fn collateral(rel: &str) -> serde_json::Value {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A binary collateral field: hex text or a JSON byte array.
pub(crate) fn binary(v: &serde_json::Value) -> Vec<u8> {
    match v {
        serde_json::Value::String(s) => hex::decode(s).unwrap(),
        other => serde_json::from_value(other.clone()).unwrap(),
    }
}

pub(crate) fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

/// DER TLV with a definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(u8::try_from(len).unwrap()),
        0x80..=0xff => out.extend_from_slice(&[0x81, u8::try_from(len).unwrap()]),
        _ => {
            out.push(0x82);
            out.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        }
    }
    out.extend_from_slice(content);
    out
}

fn signed(tbs: &[u8], alg: &[u8], key: &SigningKey) -> Vec<u8> {
    let sig: Signature = key.sign(tbs);
    let mut bits = vec![0u8];
    bits.extend_from_slice(sig.to_der().as_bytes());
    tlv(0x30, &[tbs, alg, &tlv(0x03, &bits)].concat())
}

/// `cert` with its TBS edited by `edit`, signed by `signer`.
pub(crate) fn resign(cert: &Certificate, signer: &SigningKey, edit: impl FnOnce(&mut Vec<u8>)) -> Certificate {
    let [tbs, alg, _] = split_sequence::<3>(cert.der(), "test").unwrap();
    let mut tbs = tbs.to_vec();
    edit(&mut tbs);
    Certificate::from_der(&signed(&tbs, alg, signer)).unwrap()
}

/// Replaces the subject key (an uncompressed P-256 point inside the TBS) by `new`'s.
pub(crate) fn rekey(cert: &Certificate, new: &SigningKey) -> impl FnOnce(&mut Vec<u8>) {
    let old = cert.verifying_key().unwrap().to_sec1_point(false).as_bytes().to_vec();
    let new = new.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    move |tbs: &mut Vec<u8>| replace(tbs, &old, &new)
}

pub(crate) fn replace(bytes: &mut [u8], old: &[u8], new: &[u8]) {
    assert_eq!(old.len(), new.len());
    let at = bytes.windows(old.len()).position(|w| w == old).expect("pattern present");
    bytes[at..][..old.len()].copy_from_slice(new);
}

/// `crl` with `extra` serials added as revoked, signed by `signer`.
pub(crate) fn resign_crl(crl: &Crl, signer: &SigningKey, extra: &[&[u8]]) -> Crl {
    let mut list = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl.der()).unwrap();
    let tbs = &mut list.tbs_cert_list;
    let entries = tbs.revoked_certificates.get_or_insert_with(Vec::new);
    for serial in extra {
        entries.push(x509_cert::crl::RevokedCert {
            serial_number: x509_cert::serial_number::SerialNumber::from_der(&tlv(0x02, serial)).unwrap(),
            revocation_date: tbs.this_update,
            crl_entry_extensions: None,
        });
    }
    let tbs_der = tbs.to_der().unwrap();
    let [_, alg, _] = split_sequence::<3>(crl.der(), "test").unwrap();
    Crl::from_der(&signed(&tbs_der, alg, signer)).unwrap()
}
