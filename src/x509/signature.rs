//! One signature by one issuer: the ecdsa-with-SHA256 algorithm check, DER and raw `r ‖ s`
//! ECDSA P-256 verification, and the error that names the signed object. Whether the issuer is
//! trusted is not decided here.

use std::fmt;

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};

use super::Certificate;

/// ecdsa-with-SHA256 (RFC 5758 §3.2), the only signature algorithm of Intel's DCAP PKI.
pub const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// id-ecPublicKey (RFC 5480 §2.1.1).
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / secp256r1 (RFC 5480 §2.1.1.1).
pub const OID_PRIME256V1: &str = "1.2.840.10045.3.1.7";

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
