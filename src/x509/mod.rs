//! X.509 certificates and CRLs (RFC 5280): parsing (`cert`, `crl`, `pem`), names (`name`),
//! extensions (`ext`), and the check of one signature by its issuer (`signature`). Shared by
//! `dcap/` (Intel's PCK and TCB Signing PKI) and any other evidence format whose trust material
//! is X.509. Which chain is trusted, and when, is the caller's business (`dcap::chain` for Intel's
//! PKI): nothing here reads the clock, pins a root or decides policy.
//!
//! Intel's PKI uses one algorithm everywhere (Intel SGX PCK Certificate and CRL Profile
//! Specification; QVL `PckCertVerifier`/`TCBSigningChain`): P-256 keys (id-ecPublicKey with
//! prime256v1) and ecdsa-with-SHA256 (1.2.840.10045.4.3.2) signatures, DER-encoded inside
//! certificates and CRLs. Anything else is refused with a clear error rather than guessed at.
//! Signatures are checked over the exact to-be-signed bytes as they appear in the input, never
//! over a re-encoding; names are compared as DER bytes and shown as text.

mod asn1;
pub(crate) mod cert;
pub(crate) mod crl;
mod ext;
mod name;
mod pem;
mod signature;

pub(crate) use asn1::{der_error, sequence_items, split_sequence};
pub use cert::Certificate;
pub use crl::Crl;
pub use ext::{OID_BASIC_CONSTRAINTS, OID_KEY_USAGE};
pub use pem::parse_pem_chain;
pub use signature::{
    verify_ecdsa_p256_raw, Signed, X509Error, OID_ECDSA_WITH_SHA256, OID_EC_PUBLIC_KEY, OID_PRIME256V1,
};
