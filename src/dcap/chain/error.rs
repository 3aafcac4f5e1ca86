//! Why a chain is not acceptable: one variant per rule of `verify_chain`, each with a stable
//! kebab-case code and a message that names the certificate or CRL, what was expected and what
//! was found.

use crate::finding_code::FindingCode;
use std::fmt;

use crate::clock::UnixTime;
use crate::x509::{Signed, X509Error};

/// Why a chain is not acceptable. `Display` names the certificate, what was expected and what
/// was found, with times in RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// No certificate below the root was presented.
    Empty,
    /// More certificates than `MAX_CERTS_IN_CHAIN`, or more CRLs than `MAX_CRLS`.
    TooLong {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// The chain does not end at the pinned root.
    RootMismatch {
        expected: String,
        found: String,
    },
    /// A certificate names another issuer than the next certificate of the chain.
    IssuerMismatch {
        subject: String,
        expected: String,
        found: String,
    },
    /// A signature does not verify with the issuer's key.
    BadSignature {
        subject: String,
        issuer: String,
    },
    /// Not ecdsa-with-SHA256, or an unusable P-256 key.
    Unsupported {
        subject: String,
        detail: String,
    },
    Expired {
        subject: String,
        not_after: UnixTime,
        now: UnixTime,
    },
    NotYetValid {
        subject: String,
        not_before: UnixTime,
        now: UnixTime,
    },
    /// An issuing certificate lacks basicConstraints cA=TRUE.
    NotCa {
        subject: String,
    },
    /// An issuing certificate has more CA certificates below it than its pathLenConstraint.
    PathLen {
        subject: String,
        path_len: u8,
        below: usize,
    },
    /// An issuing certificate's keyUsage lacks the bit it needs (keyCertSign or cRLSign).
    KeyUsage {
        subject: String,
        missing: &'static str,
    },
    /// A certificate has a critical extension this verifier does not process (RFC 5280 §4.2).
    CriticalExtension {
        subject: String,
        oid: String,
    },
    LeafName {
        expected: String,
        found: String,
    },
    /// No CRL among the inputs is issued by this certificate's issuer.
    CrlMissing {
        issuer: String,
        subject: String,
    },
    CrlBadSignature {
        issuer: String,
        detail: String,
    },
    CrlExpired {
        issuer: String,
        next_update: UnixTime,
        now: UnixTime,
    },
    CrlNotYetValid {
        issuer: String,
        this_update: UnixTime,
        now: UnixTime,
    },
    /// The CRL has no nextUpdate, so its freshness cannot be judged.
    CrlNoNextUpdate {
        issuer: String,
    },
    /// The CRL has a critical extension this verifier does not process (RFC 5280 §5.2).
    CrlCriticalExtension {
        issuer: String,
        oid: String,
    },
    /// A CRL of the certificate's issuer lists its serial number.
    Revoked {
        subject: String,
        serial: String,
    },
}

impl ChainError {
    /// A failed single signature check as a chain error: a certificate's becomes
    /// `IssuerMismatch`, `BadSignature` or `Unsupported`; a CRL's becomes `CrlBadSignature`.
    pub fn from_x509(e: X509Error) -> ChainError {
        match e.object().clone() {
            Signed::Crl(issuer) => ChainError::CrlBadSignature { issuer, detail: e.reason() },
            Signed::Certificate(subject) => match e {
                X509Error::WrongIssuerName { expected, found, .. } => {
                    ChainError::IssuerMismatch { subject, expected, found }
                }
                X509Error::BadSignature { signer, .. } => ChainError::BadSignature { subject, issuer: signer },
                other @ (X509Error::UnsupportedAlgorithm { .. } | X509Error::BadKey { .. }) => {
                    ChainError::Unsupported { subject, detail: other.reason() }
                }
            },
        }
    }

    /// Stable kebab-case code for reports. The codes are the same for every chain (PCK, TCB
    /// Signing); callers that need to tell them apart prefix them.
    pub fn code(&self) -> FindingCode {
        match self {
            ChainError::Empty => FindingCode::ChainEmpty,
            ChainError::TooLong { .. } => FindingCode::ChainTooLong,
            ChainError::RootMismatch { .. } => FindingCode::ChainRootMismatch,
            ChainError::IssuerMismatch { .. } => FindingCode::ChainIssuerMismatch,
            ChainError::BadSignature { .. } => FindingCode::ChainBadSignature,
            ChainError::Unsupported { .. } => FindingCode::ChainUnsupportedAlgorithm,
            ChainError::Expired { .. } => FindingCode::ChainExpired,
            ChainError::NotYetValid { .. } => FindingCode::ChainNotYetValid,
            ChainError::NotCa { .. } => FindingCode::ChainNotCa,
            ChainError::PathLen { .. } => FindingCode::ChainPathLenExceeded,
            ChainError::KeyUsage { .. } => FindingCode::ChainKeyUsage,
            ChainError::CriticalExtension { .. } => FindingCode::ChainUnknownCriticalExtension,
            ChainError::LeafName { .. } => FindingCode::ChainLeafName,
            ChainError::CrlMissing { .. } => FindingCode::CrlMissing,
            ChainError::CrlBadSignature { .. } => FindingCode::CrlBadSignature,
            ChainError::CrlExpired { .. } => FindingCode::CrlExpired,
            ChainError::CrlNotYetValid { .. } => FindingCode::CrlNotYetValid,
            ChainError::CrlNoNextUpdate { .. } => FindingCode::CrlNoNextUpdate,
            ChainError::CrlCriticalExtension { .. } => FindingCode::CrlUnknownCriticalExtension,
            ChainError::Revoked { .. } => FindingCode::CertRevoked,
        }
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Empty => write!(f, "the chain holds no certificate below the trusted root"),
            ChainError::TooLong { what, count, max } => write!(f, "expected at most {max} {what}, found {count}"),
            ChainError::RootMismatch { expected, found } => {
                write!(f, "the chain does not end at the pinned root: expected {expected}, found {found}")
            }
            ChainError::IssuerMismatch { subject, expected, found } => {
                write!(f, "certificate `{subject}`: expected issuer `{expected}`, found issuer `{found}`")
            }
            ChainError::BadSignature { subject, issuer } => {
                write!(f, "certificate `{subject}`: the signature does not verify with the key of `{issuer}`")
            }
            ChainError::Unsupported { subject, detail } => write!(f, "certificate `{subject}`: {detail}"),
            ChainError::Expired { subject, not_after, now } => {
                write!(f, "certificate `{subject}` has expired: valid until {}, evaluated at {}", not_after, now)
            }
            ChainError::NotYetValid { subject, not_before, now } => {
                write!(f, "certificate `{subject}` is not yet valid: valid from {}, evaluated at {}", not_before, now)
            }
            ChainError::NotCa { subject } => {
                write!(f, "certificate `{subject}` issues certificates: expected basicConstraints cA=TRUE, found none")
            }
            ChainError::PathLen { subject, path_len, below } => write!(
                f,
                "certificate `{subject}`: expected at most {path_len} CA certificate(s) below it \
                 (pathLenConstraint), found {below}"
            ),
            ChainError::KeyUsage { subject, missing } => {
                write!(f, "certificate `{subject}`: expected keyUsage {missing}, found a keyUsage without it")
            }
            ChainError::CriticalExtension { subject, oid } => {
                write!(f, "certificate `{subject}`: unknown critical extension {oid}")
            }
            ChainError::LeafName { expected, found } => {
                write!(f, "leaf certificate: expected common name `{expected}`, found `{found}`")
            }
            ChainError::CrlMissing { issuer, subject } => {
                write!(f, "certificate `{subject}`: expected a CRL issued by `{issuer}`, found none")
            }
            ChainError::CrlBadSignature { issuer, detail } => write!(f, "CRL of `{issuer}`: {detail}"),
            ChainError::CrlExpired { issuer, next_update, now } => {
                write!(f, "CRL of `{issuer}` has expired: next update was due {}, evaluated at {}", next_update, now)
            }
            ChainError::CrlNotYetValid { issuer, this_update, now } => {
                write!(f, "CRL of `{issuer}` is not yet valid: issued {}, evaluated at {}", this_update, now)
            }
            ChainError::CrlNoNextUpdate { issuer } => {
                write!(f, "CRL of `{issuer}`: expected a nextUpdate time, found none")
            }
            ChainError::CrlCriticalExtension { issuer, oid } => {
                write!(f, "CRL of `{issuer}`: unknown critical extension {oid}")
            }
            ChainError::Revoked { subject, serial } => {
                write!(f, "certificate `{subject}` (serial {serial}) is revoked by its issuer's CRL")
            }
        }
    }
}

impl std::error::Error for ChainError {}
