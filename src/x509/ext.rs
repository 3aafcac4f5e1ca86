//! Certificate extensions (RFC 5280 §4.2): the ones a chain verifier processes, each decoded
//! at most once, and the rule that no extension appears twice.

use der::Decode;

use super::der_error;
use crate::error::ParseError;

/// basicConstraints (RFC 5280 §4.2.1.9).
pub const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
/// keyUsage (RFC 5280 §4.2.1.3).
pub const OID_KEY_USAGE: &str = "2.5.29.15";

/// Decodes an extension that may appear at most once.
pub(crate) fn single_extension<'a, T>(cert: &'a x509_cert::Certificate, name: &str) -> Result<Option<T>, ParseError>
where
    T: Decode<'a, Error = der::Error> + der::oid::AssociatedOid,
{
    cert.tbs_certificate()
        .get_extension::<T>()
        .map(|found| found.map(|(_, v)| v))
        .map_err(|e| der_error(&e, &format!("one well-formed {name} extension")).within(&format!("extensions.{name}")))
}

/// RFC 5280 §4.2: a certificate must not include more than one instance of an extension.
pub(crate) fn check_unique_extensions(cert: &x509_cert::Certificate) -> Result<(), ParseError> {
    let exts = cert.tbs_certificate().extensions().map(|v| v.as_slice()).unwrap_or_default();
    for (i, e) in exts.iter().enumerate() {
        if exts.iter().skip(i.saturating_add(1)).any(|other| other.extn_id == e.extn_id) {
            return Err(ParseError::field("extensions", "each extension at most once", format!("{} twice", e.extn_id)));
        }
    }
    Ok(())
}
