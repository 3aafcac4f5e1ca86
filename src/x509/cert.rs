//! X.509 certificates: parsing one DER certificate, keeping its exact DER and signed bytes, and
//! the check that an issuer signed it. Building and judging a whole chain (root pin, validity,
//! CA flags, CRLs) is the caller's (`dcap::chain`); the SGX extension of PCK certificates is
//! `dcap::pck`.

use std::fmt;

use der::asn1::ObjectIdentifier;
use der::Decode;
use p256::ecdsa::VerifyingKey;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use super::asn1::{der_error, sequence_items, split_sequence};
use super::ext::{check_unique_extensions, single_extension};
use super::name::{common_name, name_text};
use super::signature::{check_ecdsa_sha256, verify_der_signature, OID_EC_PUBLIC_KEY, OID_PRIME256V1};
use super::{Signed, X509Error};
use crate::clock::UnixTime;
use crate::error::{Location, ParseError};
use crate::limits::MAX_CERT_BYTES;

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
    not_before: UnixTime,
    not_after: UnixTime,
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
        let not_before = UnixTime::from(tbs_cert.validity().not_before.to_date_time());
        let not_after = UnixTime::from(tbs_cert.validity().not_after.to_date_time());
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

    /// notBefore.
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> UnixTime {
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

#[cfg(test)]
mod tests {
    use p256::ecdsa::Signature;

    use super::*;
    use crate::dcap::test_support::{quote_chain, root, ROOT_PEM};
    use crate::limits::MAX_CERTS_IN_CHAIN;
    use crate::x509::{parse_pem_chain, verify_ecdsa_p256_raw, OID_BASIC_CONSTRAINTS, OID_KEY_USAGE};

    const ROOT_SHA256: &str = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn parses_the_pinned_root() {
        let root = root();
        assert_eq!(hex::encode(root.sha256()), ROOT_SHA256);
        assert_eq!(root.subject(), "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US");
        assert_eq!(root.subject(), root.issuer());
        assert_eq!(root.subject_cn().as_deref(), Some("Intel SGX Root CA"));
        assert_eq!(hex::encode_upper(root.serial()), "22650CD65A9D3489F383B49552BF501B392706AC");
        assert_eq!(root.not_before().to_string(), "2018-05-21T10:45:10Z");
        assert_eq!(root.not_after().to_string(), "2049-12-31T23:59:59Z");
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
        assert_eq!(chain[0].not_before().to_string(), "2025-02-06T23:25:51Z");
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
