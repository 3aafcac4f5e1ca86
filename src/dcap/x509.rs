//! X.509 certificates of Intel's DCAP PKI (PCK chain, TCB Signing chain): parsing, and the check
//! of one certificate's signature by its issuer. Building and judging a whole chain (root pin,
//! validity, CA flags, CRLs) is `chain.rs`; the SGX extension of PCK certificates is `pck.rs`.
//!
//! Intel's PKI uses one algorithm everywhere (Intel SGX PCK Certificate and CRL Profile
//! Specification; QVL `PckCertVerifier`/`TCBSigningChain`): P-256 keys (id-ecPublicKey with
//! prime256v1) and ecdsa-with-SHA256 (1.2.840.10045.4.3.2) signatures, DER-encoded inside
//! certificates and CRLs. Anything else is refused with a clear error rather than guessed at.
//! Signatures are checked over the exact `tbsCertificate` bytes as they appear in the input,
//! never over a re-encoding; names are compared as DER bytes and shown as text.

use std::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::name::Name;

use crate::error::{Location, ParseError};
use crate::limits::{MAX_CERTS_IN_CHAIN, MAX_CERT_BYTES, MAX_PEM_CHAIN_BYTES};

/// ecdsa-with-SHA256 (RFC 5758 §3.2), the only signature algorithm of Intel's DCAP PKI.
pub const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// id-ecPublicKey (RFC 5480 §2.1.1).
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / secp256r1 (RFC 5480 §2.1.1.1).
pub const OID_PRIME256V1: &str = "1.2.840.10045.3.1.7";
/// basicConstraints (RFC 5280 §4.2.1.9).
pub const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
/// keyUsage (RFC 5280 §4.2.1.3).
pub const OID_KEY_USAGE: &str = "2.5.29.15";
/// id-at-commonName.
const OID_COMMON_NAME: &str = "2.5.4.3";

/// A parsed X.509 certificate that keeps its exact DER and the exact signed (`tbsCertificate`)
/// bytes. Parsing checks structure only; nothing here is trusted until `chain.rs` says so.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    issuer_der: Vec<u8>,
    subject_der: Vec<u8>,
    parsed: x509_cert::Certificate,
    signature: Vec<u8>,
    not_before: u64,
    not_after: u64,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("serial", &hex::encode(self.serial()))
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parses one DER certificate. The whole input must be the certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, ParseError> {
        if der.len() > MAX_CERT_BYTES {
            return Err(ParseError::new(
                Location::Whole,
                format!("a certificate of at most {MAX_CERT_BYTES} bytes"),
                format!("{} bytes", der.len()),
            ));
        }
        let parsed = x509_cert::Certificate::from_der(der).map_err(|e| der_error(&e, "a DER X.509 certificate"))?;
        let [tbs, _, _] = split_sequence::<3>(der, "Certificate")?;
        let (issuer_der, subject_der) = tbs_names(tbs)?;
        let signature = parsed
            .signature()
            .as_bytes()
            .ok_or_else(|| ParseError::field("signature", "a BIT STRING without unused bits", "unused bits"))?
            .to_vec();
        let tbs_cert = parsed.tbs_certificate();
        let not_before = unix_seconds(tbs_cert.validity().not_before);
        let not_after = unix_seconds(tbs_cert.validity().not_after);
        let basic_constraints = single_extension::<BasicConstraints>(&parsed, "basicConstraints")?;
        let key_usage = single_extension::<KeyUsage>(&parsed, "keyUsage")?;
        check_unique_extensions(&parsed)?;
        Ok(Certificate {
            der: der.to_vec(),
            tbs: tbs.to_vec(),
            issuer_der: issuer_der.to_vec(),
            subject_der: subject_der.to_vec(),
            parsed,
            signature,
            not_before,
            not_after,
            basic_constraints,
            key_usage,
        })
    }

    /// The certificate exactly as it was parsed.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the DER encoding (the usual certificate fingerprint).
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// The subject as text, attributes in encoding order: `CN=Intel SGX PCK Certificate, O=…, C=US`.
    pub fn subject(&self) -> String {
        name_text(self.parsed.tbs_certificate().subject())
    }

    /// The issuer as text, attributes in encoding order.
    pub fn issuer(&self) -> String {
        name_text(self.parsed.tbs_certificate().issuer())
    }

    /// The DER encoding of the subject name (what issuer/subject matching compares).
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The DER encoding of the issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// The subject's common name, when it has exactly one readable CN.
    pub fn subject_cn(&self) -> Option<String> {
        common_name(self.parsed.tbs_certificate().subject())
    }

    /// The serial number: the content bytes of the DER INTEGER, big-endian, exactly as encoded.
    /// A serial whose top bit is set keeps its leading 0x00 sign byte (so
    /// `00 B4 79 …` stays 21 bytes); CRL entries are compared in the same form.
    pub fn serial(&self) -> &[u8] {
        self.parsed.tbs_certificate().serial_number().as_bytes()
    }

    /// notBefore, in unix seconds.
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// notAfter, in unix seconds.
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// The subject public key, which must be a P-256 key (id-ecPublicKey, prime256v1).
    pub fn verifying_key(&self) -> Result<VerifyingKey, ParseError> {
        let spki = self.parsed.tbs_certificate().subject_public_key_info();
        let algorithm = spki.algorithm.oid.to_string();
        if algorithm != OID_EC_PUBLIC_KEY {
            return Err(ParseError::field(
                "subjectPublicKeyInfo.algorithm",
                format!("id-ecPublicKey ({OID_EC_PUBLIC_KEY})"),
                algorithm,
            ));
        }
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .map(|oid| oid.to_string())
            .unwrap_or_else(|| "no named curve".to_string());
        if curve != OID_PRIME256V1 {
            return Err(ParseError::field(
                "subjectPublicKeyInfo.algorithm.parameters",
                format!("prime256v1 ({OID_PRIME256V1})"),
                curve,
            ));
        }
        let point = spki.subject_public_key.as_bytes().unwrap_or_default();
        VerifyingKey::from_sec1_bytes(point).map_err(|_| {
            ParseError::field(
                "subjectPublicKeyInfo.subjectPublicKey",
                "a valid P-256 point",
                format!("{} bytes that are not one", point.len()),
            )
        })
    }

    /// basicConstraints cA; `None` when the extension is absent.
    pub fn is_ca(&self) -> Option<bool> {
        self.basic_constraints.as_ref().map(|bc| bc.ca)
    }

    /// basicConstraints pathLenConstraint; `None` when absent (no limit) or no extension.
    pub fn path_len(&self) -> Option<u8> {
        self.basic_constraints.as_ref().and_then(|bc| bc.path_len_constraint)
    }

    /// The keyCertSign bit of keyUsage; `None` when the extension is absent.
    pub fn key_usage_cert_sign(&self) -> Option<bool> {
        self.key_usage.as_ref().map(|ku| ku.key_cert_sign())
    }

    /// The cRLSign bit of keyUsage; `None` when the extension is absent.
    pub fn key_usage_crl_sign(&self) -> Option<bool> {
        self.key_usage.as_ref().map(|ku| ku.crl_sign())
    }

    /// The extnValue contents (inside the OCTET STRING) of the extension with this dotted OID.
    pub fn extension(&self, oid: &str) -> Option<&[u8]> {
        let wanted = ObjectIdentifier::new(oid).ok()?;
        self.extensions().find(|e| e.extn_id == wanted).map(|e| e.extn_value.as_bytes())
    }

    /// Dotted OIDs of the extensions marked critical.
    pub fn critical_extensions(&self) -> Vec<String> {
        self.extensions().filter(|e| e.critical).map(|e| e.extn_id.to_string()).collect()
    }

    /// Checks that `issuer` issued this certificate: the issuer name equals the issuer's subject
    /// (DER), both algorithm fields say ecdsa-with-SHA256, and the signature verifies with the
    /// issuer's P-256 key over the exact `tbsCertificate` bytes. Says nothing about trust or time.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), X509Error> {
        let object = Signed::Certificate(self.subject());
        if self.issuer_der != issuer.subject_der {
            return Err(X509Error::WrongIssuerName { object, expected: issuer.subject(), found: self.issuer() });
        }
        let outer = self.parsed.signature_algorithm();
        let inner = self.parsed.tbs_certificate().signature();
        check_ecdsa_sha256(&object, outer)?;
        if outer != inner {
            return Err(X509Error::UnsupportedAlgorithm {
                object,
                expected: "the same signature algorithm in tbsCertificate and signatureAlgorithm",
                found: "two different algorithm identifiers".to_string(),
            });
        }
        verify_der_signature(&object, issuer, &self.tbs, &self.signature)
    }

    fn extensions(&self) -> impl Iterator<Item = &x509_cert::ext::Extension> {
        self.parsed.tbs_certificate().extensions().map(|v| v.as_slice()).unwrap_or_default().iter()
    }
}

/// The signed object a signature check was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// A certificate, by subject.
    Certificate(String),
    /// A CRL, by issuer.
    Crl(String),
}

impl fmt::Display for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signed::Certificate(subject) => write!(f, "certificate `{subject}`"),
            Signed::Crl(issuer) => write!(f, "CRL of `{issuer}`"),
        }
    }
}

/// Why one signature check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum X509Error {
    /// The object names another issuer than the certificate offered as its issuer.
    WrongIssuerName { object: Signed, expected: String, found: String },
    /// The signature does not verify with the issuer's key.
    BadSignature { object: Signed, signer: String },
    /// The signature algorithm is not ecdsa-with-SHA256 (or is inconsistent).
    UnsupportedAlgorithm { object: Signed, expected: &'static str, found: String },
    /// The issuer's key or the signature value cannot be used.
    BadKey { object: Signed, reason: String },
}

impl X509Error {
    /// The object whose signature check failed.
    pub fn object(&self) -> &Signed {
        match self {
            X509Error::WrongIssuerName { object, .. }
            | X509Error::BadSignature { object, .. }
            | X509Error::UnsupportedAlgorithm { object, .. }
            | X509Error::BadKey { object, .. } => object,
        }
    }

    /// What went wrong, without naming the object (`Display` puts the two together).
    pub fn reason(&self) -> String {
        match self {
            X509Error::WrongIssuerName { expected, found, .. } => {
                format!("expected issuer `{expected}`, found issuer `{found}`")
            }
            X509Error::BadSignature { signer, .. } => {
                format!("the signature does not verify with the key of `{signer}`")
            }
            X509Error::UnsupportedAlgorithm { expected, found, .. } => format!("expected {expected}, found {found}"),
            X509Error::BadKey { reason, .. } => reason.clone(),
        }
    }
}

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object(), self.reason())
    }
}

impl std::error::Error for X509Error {}

/// Checks that an AlgorithmIdentifier is ecdsa-with-SHA256 without parameters (RFC 5758 §3.2).
pub(crate) fn check_ecdsa_sha256(
    object: &Signed,
    alg: &x509_cert::spki::AlgorithmIdentifierOwned,
) -> Result<(), X509Error> {
    let oid = alg.oid.to_string();
    if oid != OID_ECDSA_WITH_SHA256 {
        return Err(X509Error::UnsupportedAlgorithm {
            object: object.clone(),
            expected: "ecdsa-with-SHA256 (1.2.840.10045.4.3.2)",
            found: oid,
        });
    }
    if alg.parameters.is_some() {
        return Err(X509Error::UnsupportedAlgorithm {
            object: object.clone(),
            expected: "ecdsa-with-SHA256 without parameters",
            found: "parameters present".to_string(),
        });
    }
    Ok(())
}

/// Verifies a DER ECDSA signature by `signer`'s key over SHA-256 of `signed`.
pub(crate) fn verify_der_signature(
    object: &Signed,
    signer: &Certificate,
    signed: &[u8],
    signature_der: &[u8],
) -> Result<(), X509Error> {
    let key = signer.verifying_key().map_err(|e| X509Error::BadKey {
        object: object.clone(),
        reason: format!("the key of `{}` cannot be used: {e}", signer.subject()),
    })?;
    let bad = || X509Error::BadSignature { object: object.clone(), signer: signer.subject() };
    let signature = Signature::from_der(signature_der).map_err(|_| bad())?;
    key.verify(signed, &signature).map_err(|_| bad())
}

/// Verifies a raw `r ‖ s` ECDSA P-256 signature (32 + 32 bytes, big-endian) over SHA-256 of
/// `msg` — the form used by the quote, the QE report and the collateral JSON signatures.
pub fn verify_ecdsa_p256_raw(key: &VerifyingKey, msg: &[u8], sig_r_s: &[u8; 64]) -> bool {
    match Signature::from_slice(sig_r_s) {
        Ok(signature) => key.verify(msg, &signature).is_ok(),
        Err(_) => false,
    }
}

const PEM_BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const PEM_END: &[u8] = b"-----END CERTIFICATE-----";

/// Parses a PEM chain (`-----BEGIN CERTIFICATE-----` blocks, in order). Whitespace between and
/// after blocks and trailing NUL bytes (quotes NUL-terminate their PEM blob) are tolerated;
/// anything else outside the blocks is an error. `what` names the input for errors.
pub fn parse_pem_chain(text: &[u8], what: &str) -> Result<Vec<Certificate>, ParseError> {
    if text.len() > MAX_PEM_CHAIN_BYTES {
        return Err(ParseError::field(
            what,
            format!("a PEM chain of at most {MAX_PEM_CHAIN_BYTES} bytes"),
            format!("{} bytes", text.len()),
        ));
    }
    let body_end = text.iter().rposition(|b| *b != 0).map_or(0, |i| i.saturating_add(1));
    let body = text.get(..body_end).unwrap_or_default();
    let mut certs = Vec::new();
    let mut pos = 0usize;
    while let Some((start, end)) = next_pem_block(body, pos, what)? {
        if certs.len() >= MAX_CERTS_IN_CHAIN {
            return Err(ParseError::field(what, format!("at most {MAX_CERTS_IN_CHAIN} certificates"), "more"));
        }
        let field = format!("{what}[{}]", certs.len());
        certs.push(decode_pem_certificate(body.get(start..end).unwrap_or_default(), &field)?);
        pos = end;
    }
    if certs.is_empty() {
        return Err(ParseError::field(what, "at least one PEM certificate", "none"));
    }
    Ok(certs)
}

/// The byte range of the next `BEGIN … END CERTIFICATE` block at or after `pos`, skipping
/// whitespace; `None` at the end of the text.
fn next_pem_block(body: &[u8], pos: usize, what: &str) -> Result<Option<(usize, usize)>, ParseError> {
    let rest = body.get(pos..).unwrap_or_default();
    let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let start = pos.saturating_add(skip);
    let rest = body.get(start..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let at = format!("{what} (byte {start})");
    if !rest.starts_with(PEM_BEGIN) {
        let head = String::from_utf8_lossy(rest.get(..rest.len().min(30)).unwrap_or_default()).into_owned();
        return Err(ParseError::field(at, "`-----BEGIN CERTIFICATE-----`", crate::error::describe(&head)));
    }
    let len = find(rest, PEM_END)
        .ok_or_else(|| ParseError::field(at.as_str(), "`-----END CERTIFICATE-----`", "the end of the text"))?
        .saturating_add(PEM_END.len());
    Ok(Some((start, start.saturating_add(len))))
}

/// One PEM block's base64 (RFC 7468) to a certificate.
fn decode_pem_certificate(block: &[u8], field: &str) -> Result<Certificate, ParseError> {
    let (label, der) =
        der::pem::decode_vec(block).map_err(|e| ParseError::field(field, "a valid PEM block", e.to_string()))?;
    if label != "CERTIFICATE" {
        return Err(ParseError::field(field, "label CERTIFICATE", label.to_string()));
    }
    Certificate::from_der(&der).map_err(|e| e.within(field))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The first `N` top-level elements (as whole TLVs) of the DER SEQUENCE that is all of `der`;
/// it must hold exactly `N` elements.
pub(crate) fn split_sequence<'a, const N: usize>(der: &'a [u8], what: &str) -> Result<[&'a [u8]; N], ParseError> {
    let items = sequence_items(der, what)?;
    let count = items.len();
    items.try_into().map_err(|_| ParseError::field(what, format!("a SEQUENCE of {N} elements"), format!("{count}")))
}

/// Every top-level element (as a whole TLV) of the DER SEQUENCE that is all of `der`.
pub(crate) fn sequence_items<'a>(der: &'a [u8], what: &str) -> Result<Vec<&'a [u8]>, ParseError> {
    let walk = || -> der::Result<Vec<&'a [u8]>> {
        let mut reader = SliceReader::new(der)?;
        let items = reader.sequence(|inner| -> der::Result<Vec<&'a [u8]>> {
            let mut items = Vec::new();
            while !inner.is_finished() {
                items.push(inner.tlv_bytes()?);
            }
            Ok(items)
        })?;
        reader.finish()?;
        Ok(items)
    };
    walk().map_err(|e| der_error(&e, &format!("a DER SEQUENCE ({what})")))
}

/// The raw issuer and subject names inside a `tbsCertificate` (RFC 5280 §4.1: optional [0]
/// version, serialNumber, signature, issuer, validity, subject, …).
fn tbs_names(tbs: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    let items = sequence_items(tbs, "tbsCertificate")?;
    let skip = usize::from(items.first().and_then(|v| v.first()) == Some(&0xa0));
    let mut fields = items.into_iter().skip(skip);
    let (_serial, _alg, issuer, _validity, subject) =
        (fields.next(), fields.next(), fields.next(), fields.next(), fields.next());
    match (issuer, subject) {
        (Some(i), Some(s)) => Ok((i, s)),
        _ => Err(ParseError::field("tbsCertificate", "issuer and subject names", "a short SEQUENCE")),
    }
}

/// A `der` decoding error as a ParseError at its byte offset.
pub(crate) fn der_error(e: &der::Error, expected: &str) -> ParseError {
    let at = e.position().and_then(|p| usize::try_from(p).ok()).map_or(Location::Whole, Location::Offset);
    ParseError::new(at, expected, e.kind().to_string())
}

pub(crate) fn unix_seconds(t: x509_cert::time::Time) -> u64 {
    t.to_unix_duration().as_secs()
}

/// A unix time as RFC 3339 (`2025-07-19T10:00:35Z`) for messages.
pub(crate) fn rfc3339(secs: u64) -> String {
    crate::clock::EvalTime::from_unix(secs).map_or_else(|| format!("{secs} (unix seconds)"), |t| t.to_string())
}

/// A name as `CN=…, O=…, C=…` in encoding order (how Intel and OpenSSL print them; RFC 4514
/// would reverse the order), each attribute escaped as RFC 4514 says.
pub(crate) fn name_text(name: &Name) -> String {
    name.iter_rdn().map(|rdn| rdn.to_string()).collect::<Vec<_>>().join(", ")
}

fn common_name(name: &Name) -> Option<String> {
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

/// Decodes an extension that may appear at most once.
fn single_extension<'a, T>(cert: &'a x509_cert::Certificate, name: &str) -> Result<Option<T>, ParseError>
where
    T: Decode<'a, Error = der::Error> + der::oid::AssociatedOid,
{
    cert.tbs_certificate()
        .get_extension::<T>()
        .map(|found| found.map(|(_, v)| v))
        .map_err(|e| der_error(&e, &format!("one well-formed {name} extension")).within(&format!("extensions.{name}")))
}

/// RFC 5280 §4.2: a certificate must not include more than one instance of an extension.
fn check_unique_extensions(cert: &x509_cert::Certificate) -> Result<(), ParseError> {
    let exts = cert.tbs_certificate().extensions().map(|v| v.as_slice()).unwrap_or_default();
    for (i, e) in exts.iter().enumerate() {
        if exts.iter().skip(i.saturating_add(1)).any(|other| other.extn_id == e.extn_id) {
            return Err(ParseError::field("extensions", "each extension at most once", format!("{} twice", e.extn_id)));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const ROOT_PEM: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/Intel_SGX_Provisioning_Certification_RootCA.pem");
    const ROOT_SHA256: &str = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

    pub fn root() -> Certificate {
        let text = std::fs::read(ROOT_PEM).unwrap();
        parse_pem_chain(&text, "root").unwrap().remove(0)
    }

    /// The PCK chain inside a quote file (binary, hex text or a JSON byte array).
    pub fn quote_chain(rel: &str) -> Vec<Certificate> {
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

    #[test]
    fn parses_the_pinned_root() {
        let root = root();
        assert_eq!(hex::encode(root.sha256()), ROOT_SHA256);
        assert_eq!(root.subject(), "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US");
        assert_eq!(root.subject(), root.issuer());
        assert_eq!(root.subject_cn().as_deref(), Some("Intel SGX Root CA"));
        assert_eq!(hex::encode_upper(root.serial()), "22650CD65A9D3489F383B49552BF501B392706AC");
        assert_eq!(rfc3339(root.not_before()), "2018-05-21T10:45:10Z");
        assert_eq!(rfc3339(root.not_after()), "2049-12-31T23:59:59Z");
        assert_eq!((root.is_ca(), root.path_len(), root.key_usage_cert_sign()), (Some(true), Some(1), Some(true)));
        assert_eq!(root.key_usage_crl_sign(), Some(true));
        let mut crit = root.critical_extensions();
        crit.sort();
        assert_eq!(crit, [OID_KEY_USAGE, OID_BASIC_CONSTRAINTS]);
        assert!(root.verifying_key().is_ok());
        root.verify_signed_by(&root).unwrap();
        let der =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/dcap-qvl/TrustedRootCA.der")).unwrap();
        assert_eq!(Certificate::from_der(&der).unwrap(), root);
    }

    #[test]
    fn quote_chain_signatures_link_up() {
        // dcap-qvl/tdx_quote: PEM blob NUL-terminated inside the quote (SOURCES.md §1.4).
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        assert_eq!(chain.len(), 3);
        assert_eq!(chain[0].subject_cn().as_deref(), Some("Intel SGX PCK Certificate"));
        assert_eq!(chain[1].subject_cn().as_deref(), Some("Intel SGX PCK Platform CA"));
        assert_eq!(chain[2], root());
        assert_eq!(hex::encode_upper(chain[0].serial()), "3C16ED54EACBB4CED072BE72630C85788CF46E36");
        assert_eq!(rfc3339(chain[0].not_before()), "2025-02-06T23:25:51Z");
        assert_eq!(chain[0].is_ca(), Some(false));
        assert_eq!(chain[1].path_len(), Some(0));
        chain[0].verify_signed_by(&chain[1]).unwrap();
        chain[1].verify_signed_by(&chain[2]).unwrap();
    }

    #[test]
    fn flipped_signature_byte_is_a_bad_signature() {
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        let mut der = chain[0].der().to_vec();
        // The signature's last byte (the end of s) is the certificate's last byte.
        *der.last_mut().unwrap() ^= 0x01;
        let tampered = Certificate::from_der(&der).unwrap();
        let err = tampered.verify_signed_by(&chain[1]).unwrap_err();
        assert!(matches!(err, X509Error::BadSignature { .. }), "{err}");
        assert!(err.to_string().contains("Intel SGX PCK Platform CA"), "{err}");
    }

    #[test]
    fn flipped_tbs_byte_is_a_bad_signature() {
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        let mut der = chain[0].der().to_vec();
        let pos = find(&der, b"Santa Clara").unwrap();
        der[pos] ^= 0x20; // 'S' -> 's', still a valid UTF8String: only the signature breaks
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(matches!(tampered.verify_signed_by(&chain[1]), Err(X509Error::WrongIssuerName { .. })));
        let leaf_name = find(&der[pos + 1..], b"Santa Clara").unwrap() + pos + 1;
        let mut der = chain[0].der().to_vec();
        der[leaf_name] ^= 0x20; // in the subject name this time
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(matches!(tampered.verify_signed_by(&chain[1]), Err(X509Error::BadSignature { .. })));
    }

    #[test]
    fn other_algorithms_and_keys_are_refused() {
        const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
        const ECDSA_SHA384: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        let der = chain[0].der().to_vec();
        let occurrences: Vec<usize> =
            (0..der.len() - ECDSA_SHA256.len()).filter(|i| der[*i..].starts_with(ECDSA_SHA256)).collect();
        assert_eq!(occurrences.len(), 2); // tbsCertificate.signature and signatureAlgorithm
        let with = |at: usize| {
            let mut d = der.clone();
            d[at..at + ECDSA_SHA384.len()].copy_from_slice(ECDSA_SHA384);
            Certificate::from_der(&d).unwrap().verify_signed_by(&chain[1]).unwrap_err()
        };
        let outer = with(occurrences[1]);
        assert!(outer.to_string().ends_with("found 1.2.840.10045.4.3.3"), "{outer}");
        let inner = with(occurrences[0]);
        assert!(matches!(inner, X509Error::UnsupportedAlgorithm { .. }), "{inner}");
        // An issuer whose key is on another curve (prime256v1 -> 1.2.840.10045.3.1.8).
        let mut ca = chain[1].der().to_vec();
        let curve = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
        let at = ca.windows(curve.len()).position(|w| w == curve).unwrap();
        ca[at + 7] = 0x08;
        let odd_ca = Certificate::from_der(&ca).unwrap();
        assert!(odd_ca.verifying_key().unwrap_err().to_string().contains("prime256v1"));
        let err = chain[0].verify_signed_by(&odd_ca).unwrap_err();
        assert!(matches!(err, X509Error::BadKey { .. }), "{err}");
    }

    #[test]
    fn wrong_issuer_is_reported_with_both_names() {
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        let err = chain[0].verify_signed_by(&chain[2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "certificate `CN=Intel SGX PCK Certificate, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`: \
             expected issuer `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`, \
             found issuer `CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`"
        );
    }

    #[test]
    fn pem_chain_tolerates_nul_and_whitespace_but_not_garbage() {
        let text = std::fs::read(ROOT_PEM).unwrap();
        let mut padded = b"\n  ".to_vec();
        padded.extend_from_slice(&text);
        padded.extend_from_slice(b"\r\n\n");
        padded.extend_from_slice(&text);
        padded.extend_from_slice(b"\n\0\0");
        assert_eq!(parse_pem_chain(&padded, "x").unwrap().len(), 2);
        let mut bad = text.clone();
        bad.extend_from_slice(b"junk");
        let err = parse_pem_chain(&bad, "chain").unwrap_err();
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
        assert!(parse_pem_chain(b"\0", "x").is_err());
        let cut = &text[..text.len() - 30];
        assert!(parse_pem_chain(cut, "x").is_err());
        let many: Vec<u8> = std::iter::repeat_n(text.clone(), MAX_CERTS_IN_CHAIN + 1).flatten().collect();
        assert!(parse_pem_chain(&many, "x").unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn rejects_truncated_and_trailing_der() {
        let der = root().der().to_vec();
        assert!(Certificate::from_der(&der[..der.len() - 1]).is_err());
        let mut long = der.clone();
        long.push(0);
        assert!(Certificate::from_der(&long).is_err());
        assert!(Certificate::from_der(&[]).is_err());
        assert!(Certificate::from_der(&vec![0x30; MAX_CERT_BYTES + 1]).unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn raw_signature_helper() {
        use p256::ecdsa::signature::Signer;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let sig: Signature = sk.sign(b"hello");
        let raw: [u8; 64] = sig.to_bytes().into();
        assert!(verify_ecdsa_p256_raw(sk.verifying_key(), b"hello", &raw));
        assert!(!verify_ecdsa_p256_raw(sk.verifying_key(), b"hellp", &raw));
        let mut flipped = raw;
        flipped[63] ^= 1;
        assert!(!verify_ecdsa_p256_raw(sk.verifying_key(), b"hello", &flipped));
        assert!(!verify_ecdsa_p256_raw(sk.verifying_key(), b"hello", &[0u8; 64]));
    }
}
