//! A dstack RA-TLS leaf certificate under TEST keys (`attacks/ratls-*`).
//!
//! Shaped as dstack `ra-tls/src/cert.rs` writes it: the TDX quote (1.3.6.1.4.1.62397.1.1), the
//! event log as JSON text (.2), the app id (.3) and the usage (.4), each value wrapped in one DER
//! OCTET STRING inside `extnValue`. The quote binds the key through
//! `report_data = SHA-512("ratls-cert:" ‖ SubjectPublicKeyInfo DER)`. The certificate is
//! self-signed by its own key: nothing in the verifier checks its signature, only whether the
//! quote's report_data names its key.

use der::asn1::{ObjectIdentifier, OctetString};
use der::Encode;
use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha512};
use spki::SubjectPublicKeyInfoOwned;

use crate::dates;
use crate::error::Result;
use crate::pki::{self, Subject};

const OID_QUOTE: &str = "1.3.6.1.4.1.62397.1.1";
const OID_EVENT_LOG: &str = "1.3.6.1.4.1.62397.1.2";
const OID_APP_ID: &str = "1.3.6.1.4.1.62397.1.3";
const OID_USAGE: &str = "1.3.6.1.4.1.62397.1.4";
const CN: &str = "dstack-audit TEST RA-TLS leaf";
const SERIAL: &str = "7E57000000000000000000000000000000000201";

/// What the certificate carries besides its key.
pub struct RaTlsContent<'a> {
    pub quote: &'a [u8],
    pub event_log_json: &'a [u8],
    pub app_id: &'a [u8],
}

/// The report_data that binds `key` as dstack's RA-TLS does.
pub fn report_data(key: &SigningKey) -> Result<[u8; 64]> {
    let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key())?.to_der()?;
    let mut h = Sha512::new();
    h.update(b"ratls-cert:");
    h.update(&spki);
    Ok(h.finalize().into())
}

/// The leaf certificate for `key`, PEM.
pub fn leaf_pem(key: &SigningKey, content: &RaTlsContent<'_>) -> Result<String> {
    let mut extensions = Vec::new();
    for (oid, raw) in [
        (OID_QUOTE, content.quote),
        (OID_EVENT_LOG, content.event_log_json),
        (OID_APP_ID, content.app_id),
        (OID_USAGE, b"app:custom".as_slice()),
    ] {
        let wrapped = OctetString::new(raw.to_vec())?.to_der()?;
        extensions.push(pki::extension(ObjectIdentifier::new(oid)?, false, wrapped)?);
    }
    let subject = Subject { name: pki::name(CN, true)?, key: key.clone(), serial_hex: SERIAL };
    pki::issue(subject, None, (dates::CERT_NOT_BEFORE, dates::LEAF_NOT_AFTER), extensions)?.pem()
}
