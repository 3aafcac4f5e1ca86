//! DCAP collateral in dcap-qvl's `QuoteCollateralV3` JSON layout (research §2; fixture format in
//! `fixtures/tdx/SOURCES.md`): the PCK CRL and its issuer chain, the root CA CRL, the TCB Info and
//! QE Identity with their issuer chains and signatures, and an optional PCK chain.
//!
//! Shape only: this module reads the fields and keeps the signed JSON texts byte for byte (a
//! signature is over the exact text, never a re-serialization, research §1.5 item 6). It parses
//! no certificate, CRL or JSON inside (`crate::x509`, `tcb_info`) and verifies nothing (`verify`).
//! Binary fields may be hex strings (dcap-qvl, PCCS) or JSON arrays of byte values (NEAR's
//! embedded collateral, a serde `Vec<u8>`). Unknown fields are ignored.
//!
//! The three CRL fields are optional as a group: dcap-qvl 0.1.5–0.2.x wrote collateral with only
//! the six TCB Info and QE Identity fields (dcap-qvl commit 3088178 removed the CRLs, 23e1f94 put
//! them back for 0.3.0), and dstack 0.3-era tools passed that form on. Such collateral still
//! proves the TCB status, but not revocation; `verify` reports that (decision 39). Some CRL
//! fields without the others is no known form and is refused.

use serde_json::{Map, Value};

use crate::error::ParseError;
use crate::json::kind as json_kind;

/// The revocation lists of a collateral: all three fields, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollateralCrls {
    /// PEM chain of the PCK CRL's issuer (PCK Platform or Processor CA, then the root).
    pub pck_crl_issuer_chain: String,
    /// Intel SGX Root CA CRL, DER.
    pub root_ca_crl: Vec<u8>,
    /// PCK CRL, DER.
    pub pck_crl: Vec<u8>,
}

/// The collateral for one quote. `tcb_info` and `qe_identity` are the exact signed texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collateral {
    /// The CRLs; `None` for the six-field form of dcap-qvl 0.1.5–0.2.x, which cannot show
    /// revocation.
    pub crls: Option<CollateralCrls>,
    /// PEM chain of the TCB Info signer (Intel SGX TCB Signing, then the root).
    pub tcb_info_issuer_chain: String,
    /// The exact signed JSON text of the `tcbInfo` value.
    pub tcb_info: String,
    /// Raw ECDSA P-256 signature r‖s over `tcb_info`.
    pub tcb_info_signature: [u8; 64],
    pub qe_identity_issuer_chain: String,
    /// The exact signed JSON text of the `enclaveIdentity` value.
    pub qe_identity: String,
    /// Raw ECDSA P-256 signature r‖s over `qe_identity`.
    pub qe_identity_signature: [u8; 64],
    /// A PCK chain shipped with the collateral (dcap-qvl prefers it to the quote's own chain;
    /// Intel QVL uses the quote's — SOURCES.md row 16). Kept as written, e.g. with a trailing NUL.
    pub pck_certificate_chain: Option<String>,
}

/// Reads a `QuoteCollateralV3` object. Errors name the field (`tcb_info_signature`,
/// `root_ca_crl[12]`); callers put the input's name or a prefix in front.
pub fn parse_collateral(v: &Value) -> Result<Collateral, ParseError> {
    let o = match v {
        Value::Object(map) => map,
        other => return Err(ParseError::field("", "a collateral JSON object", json_kind(other))),
    };
    Ok(Collateral {
        crls: crls(o)?,
        tcb_info_issuer_chain: text(o, "tcb_info_issuer_chain")?,
        tcb_info: signed_text(o, "tcb_info")?,
        tcb_info_signature: signature(o, "tcb_info_signature")?,
        qe_identity_issuer_chain: text(o, "qe_identity_issuer_chain")?,
        qe_identity: signed_text(o, "qe_identity")?,
        qe_identity_signature: signature(o, "qe_identity_signature")?,
        pck_certificate_chain: match o.get("pck_certificate_chain") {
            None | Some(Value::Null) => None,
            Some(_) => Some(text(o, "pck_certificate_chain")?),
        },
    })
}

/// The CRL fields and what each is called in Intel's collateral.
const CRL_FIELDS: [(&str, &str); 3] =
    [("pck_crl_issuer_chain", "PCK CRL issuer chain"), ("root_ca_crl", "root CA CRL"), ("pck_crl", "PCK CRL")];

/// All three CRL fields, or none of them (the six-field form).
fn crls(o: &Map<String, Value>) -> Result<Option<CollateralCrls>, ParseError> {
    let present = |key: &str| o.get(key).is_some_and(|v| !v.is_null());
    let missing: Vec<(&str, &str)> = CRL_FIELDS.into_iter().filter(|(key, _)| !present(key)).collect();
    match missing.as_slice() {
        [] => Ok(Some(CollateralCrls {
            pck_crl_issuer_chain: text(o, "pck_crl_issuer_chain")?,
            root_ca_crl: bytes(o, "root_ca_crl")?,
            pck_crl: bytes(o, "pck_crl")?,
        })),
        [_, _, _] => Ok(None),
        [(key, _), ..] => {
            let names: Vec<&str> = missing.iter().map(|(_, what)| *what).collect();
            Err(ParseError::field(
                *key,
                "all three CRL fields (the PCK CRL issuer chain, the root CA CRL, the PCK CRL) or none of them",
                format!("no {}, but other CRL fields", names.join(" and no ")),
            ))
        }
    }
}

/// What a required field is, in the words of Intel's collateral, for "no such field".
fn describe_field(key: &str) -> &'static str {
    match key {
        "tcb_info" => "the TCB Info (its exact signed JSON text)",
        "tcb_info_signature" => "the TCB Info signature",
        "tcb_info_issuer_chain" => "the TCB Info issuer chain (PEM)",
        "qe_identity" => "the QE Identity (its exact signed JSON text)",
        "qe_identity_signature" => "the QE Identity signature",
        "qe_identity_issuer_chain" => "the QE Identity issuer chain (PEM)",
        "pck_crl_issuer_chain" => "the PCK CRL issuer chain (PEM)",
        "root_ca_crl" => "the root CA CRL",
        "pck_crl" => "the PCK CRL",
        _ => "a value",
    }
}

fn required<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a Value, ParseError> {
    o.get(key).filter(|v| !v.is_null()).ok_or_else(|| ParseError::field(key, describe_field(key), "no such field"))
}

fn text(o: &Map<String, Value>, key: &str) -> Result<String, ParseError> {
    let v = required(o, key)?;
    v.as_str().map(str::to_string).ok_or_else(|| ParseError::field(key, "a string", json_kind(v)))
}

/// The signed JSON text must be a string: an already-parsed object has lost the exact bytes the
/// signature covers.
fn signed_text(o: &Map<String, Value>, key: &str) -> Result<String, ParseError> {
    match required(o, key)? {
        Value::String(s) => Ok(s.clone()),
        other => Err(ParseError::field(
            key,
            "the exact signed JSON text as a string (a parsed object cannot be checked against its signature)",
            json_kind(other),
        )),
    }
}

/// Hex text (any case, optional `0x`) or an array of byte values.
fn bytes(o: &Map<String, Value>, key: &str) -> Result<Vec<u8>, ParseError> {
    match required(o, key)? {
        Value::String(s) => crate::bytes::decode_hex(s, key),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| ParseError::field(format!("{key}[{i}]"), "a byte value 0..=255", json_kind(item)))
            })
            .collect(),
        other => Err(ParseError::field(key, "hex text or an array of byte values", json_kind(other))),
    }
}

fn signature(o: &Map<String, Value>, key: &str) -> Result<[u8; 64], ParseError> {
    let b = bytes(o, key)?;
    let n = b.len();
    b.try_into()
        .map_err(|_| ParseError::field(key, "a 64-byte raw ECDSA signature (r‖s)", crate::error::count(n, "byte")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn fixture(path: &str) -> Value {
        let full = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
    }

    const DCAP_QVL: &str = "tdx/dcap-qvl/tdx_quote_collateral.json";

    #[test]
    fn parses_the_dcap_qvl_collateral_exactly() {
        let v = fixture(DCAP_QVL);
        let c = parse_collateral(&v).unwrap();
        // The signed texts are kept byte for byte.
        assert_eq!(c.tcb_info, v["tcb_info"].as_str().unwrap());
        assert_eq!(c.qe_identity, v["qe_identity"].as_str().unwrap());
        assert!(c.tcb_info.starts_with("{\"id\":\"TDX\",\"version\":3,"));
        let crls = c.crls.as_ref().unwrap();
        assert_eq!(&crls.root_ca_crl[..2], &[0x30, 0x82]);
        assert_eq!(hex::encode(&crls.pck_crl), v["pck_crl"].as_str().unwrap());
        assert_eq!(hex::encode(c.tcb_info_signature)[..8], *"027ef6ca");
        assert!(crls.pck_crl_issuer_chain.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(c.pck_certificate_chain, None);
    }

    #[test]
    fn reads_the_optional_pck_chain() {
        let c = parse_collateral(&fixture("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json")).unwrap();
        assert!(c.pck_certificate_chain.unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
        let mut v = fixture(DCAP_QVL);
        v["pck_certificate_chain"] = Value::Null;
        assert_eq!(parse_collateral(&v).unwrap().pck_certificate_chain, None);
    }

    /// NEAR's MPC contract embeds the collateral with byte arrays (serde `Vec<u8>`); the same
    /// collateral as hex text is in `collateral.json` next to it. Only the PCK chain differs: the
    /// embedded one ends with a NUL, as the PEM blob in the quote does.
    #[test]
    fn byte_arrays_and_hex_give_the_same_collateral() {
        let dir = "dstack/near-mpc-dstack-dev-0.5.8";
        let public = fixture(&format!("{dir}/public_data.json"));
        let embedded = &public["tee_participant_info"]["Dstack"]["collateral"];
        assert!(embedded["root_ca_crl"].is_array() && embedded["tcb_info_signature"].is_array());
        let from_arrays = parse_collateral(embedded).unwrap();
        let from_hex = parse_collateral(&fixture(&format!("{dir}/collateral.json"))).unwrap();
        let hex_chain = from_hex.pck_certificate_chain.clone().unwrap();
        assert_eq!(from_arrays.pck_certificate_chain, Some(format!("{hex_chain}\0")));
        assert_eq!(Collateral { pck_certificate_chain: Some(hex_chain), ..from_arrays }, from_hex);
    }

    fn err(edit: impl FnOnce(&mut Value)) -> ParseError {
        let mut v = fixture(DCAP_QVL);
        edit(&mut v);
        parse_collateral(&v).unwrap_err()
    }

    fn at(e: &ParseError) -> &str {
        match &e.at {
            Location::Field(p) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e = err(|v| {
            v.as_object_mut().unwrap().remove("tcb_info_signature");
        });
        assert_eq!(at(&e), "tcb_info_signature");
        let e = err(|v| v["tcb_info_signature"] = Value::String("00".repeat(63)));
        assert_eq!(at(&e), "tcb_info_signature");
        assert!(e.to_string().contains("64-byte") && e.to_string().contains("63 bytes"), "{e}");
        let e = err(|v| v["root_ca_crl"] = serde_json::json!([48, 130, 256]));
        assert_eq!(at(&e), "root_ca_crl[2]");
        let e = err(|v| v["pck_crl"] = Value::String("30zz".into()));
        assert_eq!(at(&e), "pck_crl");
        let e = err(|v| v["qe_identity_signature"] = serde_json::json!({"r": 1}));
        assert_eq!(at(&e), "qe_identity_signature");
        let e = err(|v| v["tcb_info"] = serde_json::json!({"id": "TDX"}));
        assert_eq!(at(&e), "tcb_info");
        assert!(e.to_string().contains("exact signed JSON text"), "{e}");
        let e = err(|v| v["pck_crl_issuer_chain"] = serde_json::json!(1));
        assert_eq!(at(&e), "pck_crl_issuer_chain");
        let e = err(|v| v["pck_certificate_chain"] = serde_json::json!([1]));
        assert_eq!(at(&e), "pck_certificate_chain");
        assert!(parse_collateral(&serde_json::json!([])).is_err());
    }

    #[test]
    fn hex_may_be_upper_case_or_prefixed_and_extra_fields_are_ignored() {
        let mut v = fixture(DCAP_QVL);
        let sig = v["qe_identity_signature"].as_str().unwrap().to_uppercase();
        v["qe_identity_signature"] = Value::String(format!("0x{sig}"));
        v["some_new_field"] = serde_json::json!({"x": [1, 2]});
        let c = parse_collateral(&v).unwrap();
        assert_eq!(hex::encode_upper(c.qe_identity_signature), sig);
    }
}
