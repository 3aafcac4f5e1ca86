//! The dstack RA-TLS leaf certificate: finding it in a PEM chain and reading its dstack
//! extensions. Parsing only: no signature, chain or validity check happens here.
//!
//! Follows dstack `ra-tls/src/cert.rs` and `ra-tls/src/oids.rs`. The private-enterprise OIDs
//! under 1.3.6.1.4.1.62397.1 are `.1` TDX quote, `.2` event log (JSON text), `.3` app id, `.4`
//! certificate usage (e.g. `app:custom`). dstack writes each value with `add_ext`, which wraps
//! the raw bytes in one DER OCTET STRING (`yasna::construct_der(|w| w.write_bytes(..))`) before
//! it becomes the extension's `extnValue`; dstack reads them back with `get_extension_bytes`,
//! which requires exactly that one OCTET STRING and nothing after it. So `extnValue` is
//! `04 <len> <raw bytes>` (the usage is an OCTET STRING holding UTF-8, not a UTF8String), and
//! this module accepts exactly that encoding: no raw fallback, as a raw TDX quote (`04 00 …`)
//! would otherwise be ambiguous with a wrapped one.
//!
//! The quote binds the leaf key through `report_data = SHA-512("ratls-cert:" || SPKI DER)`
//! (dstack `QuoteContentType::RaTlsCert` in `dstack-attest/src/attestation.rs`);
//! [`ratls_report_data`] computes that value. Comparing it with the quote belongs to the checks.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, DecodePem, Encode};
use sha2::{Digest, Sha512};
use x509_cert::Certificate;

use crate::error::{describe, ParseError};
use crate::limits::MAX_CERTS_IN_CHAIN;

/// OID of the TDX quote extension (`PHALA_RATLS_TDX_QUOTE`).
pub const OID_RATLS_QUOTE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.1");
/// OID of the event-log extension (`PHALA_RATLS_EVENT_LOG`).
pub const OID_RATLS_EVENT_LOG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.2");
/// OID of the app-id extension (`PHALA_RATLS_APP_ID`).
pub const OID_RATLS_APP_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.3");
/// OID of the certificate-usage extension (`PHALA_RATLS_CERT_USAGE`).
pub const OID_RATLS_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.4");

/// The tag dstack hashes in front of the SPKI for RA-TLS report data.
const RATLS_REPORT_DATA_TAG: &[u8] = b"ratls-cert:";

const PEM_BEGIN_CERT: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END_CERT: &str = "-----END CERTIFICATE-----";
const PEM_BEGIN_ANY: &str = "-----BEGIN ";

/// What the leaf of a dstack RA-TLS chain says about itself. Nothing in it is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaTlsLeaf {
    /// The subject name in RFC 4514 form, e.g. `CN=demo-cert`.
    pub subject: String,
    /// The DER of the leaf's SubjectPublicKeyInfo (what `report_data` commits to).
    pub spki_der: Vec<u8>,
    /// Extension 1.3.6.1.4.1.62397.1.1: the raw TDX quote.
    pub quote: Option<Vec<u8>>,
    /// Extension 1.3.6.1.4.1.62397.1.2: the event log as JSON bytes (unparsed).
    pub event_log: Option<Vec<u8>>,
    /// Extension 1.3.6.1.4.1.62397.1.3: the app id (20 bytes in practice).
    pub app_id: Option<Vec<u8>>,
    /// Extension 1.3.6.1.4.1.62397.1.4: the certificate usage, e.g. `app:custom`.
    pub usage: Option<String>,
}

/// Parses the first certificate (the leaf) of a PEM chain and reads its dstack extensions.
/// Error paths are relative to the chain (`[0]`, `[0].extensions[1.3.6.1.4.1.62397.1.1]`).
pub fn parse_ratls_leaf(pem_chain: &str) -> Result<RaTlsLeaf, ParseError> {
    let leaf = parse_leaf_certificate(pem_chain)?;
    let tbs = leaf.tbs_certificate();
    let spki_der = tbs
        .subject_public_key_info()
        .to_der()
        .map_err(|e| ParseError::field("[0].subject_public_key_info", "an encodable public key", e.to_string()))?;
    let usage = match extension_bytes(&leaf, &OID_RATLS_USAGE, "usage")? {
        None => None,
        Some(bytes) => Some(String::from_utf8(bytes).map_err(|e| {
            ParseError::field(ext_path(&OID_RATLS_USAGE), "UTF-8 text (usage)", e.utf8_error().to_string())
        })?),
    };
    Ok(RaTlsLeaf {
        subject: tbs.subject().to_string(),
        spki_der,
        quote: extension_bytes(&leaf, &OID_RATLS_QUOTE, "quote")?,
        event_log: extension_bytes(&leaf, &OID_RATLS_EVENT_LOG, "event log")?,
        app_id: extension_bytes(&leaf, &OID_RATLS_APP_ID, "app id")?,
        usage,
    })
}

/// dstack's RA-TLS report data: SHA-512 over `"ratls-cert:" || spki_der` (64 bytes, no padding).
pub fn ratls_report_data(spki_der: &[u8]) -> [u8; 64] {
    let mut hasher = Sha512::new();
    hasher.update(RATLS_REPORT_DATA_TAG);
    hasher.update(spki_der);
    hasher.finalize().into()
}

/// Finds the first PEM block, checks the chain length, and decodes the block as X.509.
fn parse_leaf_certificate(pem_chain: &str) -> Result<Certificate, ParseError> {
    let blocks = pem_chain.matches(PEM_BEGIN_ANY).count();
    if blocks > MAX_CERTS_IN_CHAIN {
        return Err(ParseError::field(
            "",
            format!("at most {MAX_CERTS_IN_CHAIN} PEM certificates (MAX_CERTS_IN_CHAIN)"),
            format!("{blocks} PEM blocks"),
        ));
    }
    let text = pem_chain.trim_start();
    if !text.starts_with(PEM_BEGIN_CERT) {
        return Err(ParseError::field(
            "[0]",
            format!("a PEM certificate starting with `{PEM_BEGIN_CERT}`"),
            if text.is_empty() { "no text".to_string() } else { describe(text) },
        ));
    }
    let end = text
        .find(PEM_END_CERT)
        .and_then(|i| i.checked_add(PEM_END_CERT.len()))
        .ok_or_else(|| ParseError::field("[0]", format!("a PEM end line `{PEM_END_CERT}`"), "end of text"))?;
    let block = text.get(..end).ok_or_else(|| ParseError::field("[0]", "a complete PEM block", "a cut-off block"))?;
    Certificate::from_pem(block.as_bytes())
        .map_err(|e| ParseError::field("[0]", "a DER X.509 certificate in PEM", e.to_string()))
}

/// The content of the extension `oid`, unwrapped from its one DER OCTET STRING.
/// Absent → `None`; present twice (forbidden by RFC 5280 §4.2) → error.
fn extension_bytes(cert: &Certificate, oid: &ObjectIdentifier, name: &str) -> Result<Option<Vec<u8>>, ParseError> {
    let mut found = cert.tbs_certificate().extensions().into_iter().flatten().filter(|ext| ext.extn_id == *oid);
    let Some(ext) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(ParseError::field(ext_path(oid), format!("one {name} extension"), "the extension twice"));
    }
    let inner = <&OctetStringRef>::from_der(ext.extn_value.as_bytes()).map_err(|e| {
        ParseError::field(
            ext_path(oid),
            format!("the {name} wrapped in one DER OCTET STRING (dstack ra-tls add_ext)"),
            e.to_string(),
        )
    })?;
    Ok(Some(inner.as_bytes().to_vec()))
}

fn ext_path(oid: &ObjectIdentifier) -> String {
    format!("[0].extensions[{oid}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    const INFO_JSON: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_attestation_info.json"
    );
    const QUOTE_BIN: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/phala/crabbox-phala-dstack-dev-0.5.9/real_tdx_quote.bin");

    /// TD report body at quote offset 48 (v4 header), report_data at body offset 520.
    const QUOTE_REPORT_DATA: std::ops::Range<usize> = 568..632;

    /// The leaf PEM block (up to its end line) and the rest of the chain.
    fn split_leaf(chain: &str) -> (&str, &str) {
        let leaf = chain.split_inclusive(PEM_END_CERT).next().unwrap();
        (leaf, &chain[leaf.len()..])
    }

    fn app_cert() -> String {
        let info: serde_json::Value = serde_json::from_slice(&std::fs::read(INFO_JSON).unwrap()).unwrap();
        info["app_cert"].as_str().unwrap().to_string()
    }

    #[test]
    fn reads_the_real_phala_leaf() {
        let leaf = parse_ratls_leaf(&app_cert()).unwrap();
        assert_eq!(leaf.subject, "CN=demo-cert");
        let quote = std::fs::read(QUOTE_BIN).unwrap();
        assert_eq!(leaf.quote.as_deref(), Some(quote.as_slice()), "quote extension == real_tdx_quote.bin");
        assert_eq!(leaf.usage.as_deref(), Some("app:custom"));
        assert_eq!(
            leaf.app_id.as_deref().map(hex::encode).as_deref(),
            Some("944edab771280ede410e7b9e66fcaee6b2c4a12c")
        );
        let log: serde_json::Value = serde_json::from_slice(leaf.event_log.as_deref().unwrap()).unwrap();
        assert!(log.as_array().is_some_and(|a| !a.is_empty()), "event log is a JSON array");
        // P-256 SPKI: SEQUENCE { AlgorithmIdentifier, BIT STRING (65-byte point) } = 91 bytes
        assert_eq!(leaf.spki_der.len(), 91);
    }

    #[test]
    fn report_data_commits_to_the_leaf_key() {
        let leaf = parse_ratls_leaf(&app_cert()).unwrap();
        let quote = std::fs::read(QUOTE_BIN).unwrap();
        assert_eq!(ratls_report_data(&leaf.spki_der)[..], quote[QUOTE_REPORT_DATA]);
        assert_ne!(ratls_report_data(b"other key")[..], quote[QUOTE_REPORT_DATA]);
    }

    #[test]
    fn leaf_is_the_first_certificate_and_chain_length_is_bounded() {
        let chain = app_cert();
        let (leaf, rest) = split_leaf(&chain);
        assert_eq!(parse_ratls_leaf(leaf).unwrap(), parse_ratls_leaf(&chain).unwrap());
        // the second certificate (the App CA) has no quote
        let ca = parse_ratls_leaf(rest).unwrap();
        assert_eq!(ca.quote, None);
        assert_eq!(ca.usage.as_deref(), Some("app:ca"));

        let long = chain.repeat(MAX_CERTS_IN_CHAIN);
        let e = parse_ratls_leaf(&long).unwrap_err();
        assert!(e.to_string().contains("MAX_CERTS_IN_CHAIN"), "{e}");
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        for bad in
            ["", "   \n", "hello", PEM_BEGIN_CERT, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"]
        {
            let e = parse_ratls_leaf(bad).unwrap_err();
            assert_eq!(e.at, Location::Field("[0]".into()), "{bad:?}: {e}");
        }
        let chain = app_cert();
        let first_end = chain.find(PEM_END_CERT).unwrap();
        for cut in (0..first_end).step_by(97) {
            assert!(parse_ratls_leaf(&chain[..cut]).is_err(), "cut at {cut}");
        }
        // flipped base64 characters inside the leaf: never a panic
        for i in (30..first_end).step_by(13) {
            let mut bytes = chain.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let _ = parse_ratls_leaf(&String::from_utf8(bytes).unwrap());
        }
    }

    /// A certificate whose extensions are edited at the DER level.
    fn leaf_with_edited_der(edit: impl Fn(&mut Vec<u8>)) -> Result<RaTlsLeaf, ParseError> {
        let chain = app_cert();
        let (leaf, _) = split_leaf(&chain);
        let mut der = Certificate::from_pem(leaf.as_bytes()).unwrap().to_der().unwrap();
        edit(&mut der);
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
        parse_ratls_leaf(&pem)
    }

    #[test]
    fn extension_value_must_be_one_octet_string() {
        // The usage extension value is `04 0a "app:custom"`; turn its OCTET STRING tag into a
        // UTF8String tag (0x0c): same length, so the certificate stays well-formed.
        let e = leaf_with_edited_der(|der| {
            let at = der.windows(12).position(|w| w == b"\x04\x0aapp:custom").unwrap();
            der[at] = 0x0c;
        })
        .unwrap_err();
        assert_eq!(e.at, Location::Field("[0].extensions[1.3.6.1.4.1.62397.1.4]".into()));
        assert!(e.to_string().contains("OCTET STRING"), "{e}");

        // Invalid UTF-8 in the usage.
        let e = leaf_with_edited_der(|der| {
            let at = der.windows(10).position(|w| w == b"app:custom").unwrap();
            der[at] = 0xff;
        })
        .unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }
}
