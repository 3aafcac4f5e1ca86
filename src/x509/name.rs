//! Distinguished names as text (`CN=…, O=…, C=…`) and their common name. Names are compared
//! as DER bytes elsewhere; the text is for messages and for the leaf-name rule.

use x509_cert::name::Name;

/// id-at-commonName.
const OID_COMMON_NAME: &str = "2.5.4.3";

/// A name as `CN=…, O=…, C=…` in encoding order (how Intel and OpenSSL print them; RFC 4514
/// would reverse the order), each attribute escaped as RFC 4514 says.
pub(crate) fn name_text(name: &Name) -> String {
    name.iter_rdn().map(|rdn| rdn.to_string()).collect::<Vec<_>>().join(", ")
}

pub(crate) fn common_name(name: &Name) -> Option<String> {
    let mut values = name.iter().filter(|atv| atv.oid.to_string() == OID_COMMON_NAME);
    let atv = values.next()?;
    if values.next().is_some() {
        return None;
    }
    directory_string(&atv.value)
}

/// The text of a DirectoryString value (UTF8String, PrintableString, IA5String).
pub(crate) fn directory_string(value: &der::Any) -> Option<String> {
    use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
    use der::{Tag, Tagged};
    match value.tag() {
        Tag::Utf8String => value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        Tag::PrintableString => value.decode_as::<PrintableStringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        Tag::Ia5String => value.decode_as::<Ia5StringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        _ => None,
    }
}
