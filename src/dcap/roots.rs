//! Trust anchors for DCAP: the pinned Intel SGX Root CA, or an explicitly untrusted test root.
//!
//! The Intel root is embedded as DER and pinned by its SHA-256 (research §1.6; Intel publishes it
//! at certificates.trustedservices.intel.com). A refresh is a reviewed change of both the file and
//! the constant. A test root (`--tdx-root-ca FILE`) is accepted only as `RootKind::UntrustedTest`,
//! and the report says so plainly.

use sha2::{Digest, Sha256};

use crate::error::{Location, ParseError};
use crate::x509::{parse_pem_chain, Certificate};

/// SHA-256 of the DER of the Intel SGX Root CA (serial 22650CD6…06AC, valid 2018-05-21 → 2049-12-31).
pub const INTEL_SGX_ROOT_CA_SHA256: [u8; 32] = [
    0x44, 0xa0, 0x19, 0x6b, 0x2b, 0x99, 0xf8, 0x89, 0xb8, 0xe1, 0x49, 0xe9, 0x5b, 0x80, 0x7a, 0x35, 0x0e, 0x74, 0x24,
    0x96, 0x43, 0x99, 0xe8, 0x85, 0xa7, 0xcb, 0xb8, 0xcc, 0xfa, 0xb6, 0x74, 0xd3,
];

const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("roots/intel_sgx_root_ca.der");

/// What kind of root the evaluation trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKind {
    /// The embedded, pinned Intel SGX Root CA.
    IntelPinned,
    /// A root given with `--tdx-root-ca` (test PKI): not Intel's, reported as untrusted.
    UntrustedTest { source: String },
}

/// The root that PCK and TCB Signing chains must end at.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    pub cert: Certificate,
    pub kind: RootKind,
}

impl TrustAnchor {
    /// The embedded Intel root, after checking its pin.
    pub fn intel() -> Result<TrustAnchor, ParseError> {
        let digest: [u8; 32] = Sha256::digest(INTEL_SGX_ROOT_CA_DER).into();
        if digest != INTEL_SGX_ROOT_CA_SHA256 {
            return Err(ParseError::new(
                Location::Whole,
                format!("the embedded Intel SGX Root CA with SHA-256 {}", hex::encode(INTEL_SGX_ROOT_CA_SHA256)),
                format!("SHA-256 {}", hex::encode(digest)),
            ));
        }
        Ok(TrustAnchor { cert: Certificate::from_der(INTEL_SGX_ROOT_CA_DER)?, kind: RootKind::IntelPinned })
    }

    /// A test root from PEM or DER. If it is in fact Intel's root, it is treated as such.
    pub fn untrusted_test_root(bytes: &[u8], source: &str) -> Result<TrustAnchor, ParseError> {
        let cert = if bytes.starts_with(b"-----") || bytes.iter().all(|b| b.is_ascii()) {
            let mut certs = parse_pem_chain(bytes, "test root")?;
            if certs.len() != 1 {
                return Err(ParseError::new(
                    Location::Whole,
                    "exactly one PEM certificate",
                    format!("{}", certs.len()),
                ));
            }
            certs.remove(0)
        } else {
            Certificate::from_der(bytes)?
        };
        let kind = if cert.sha256() == INTEL_SGX_ROOT_CA_SHA256 {
            RootKind::IntelPinned
        } else {
            RootKind::UntrustedTest { source: source.to_string() }
        };
        Ok(TrustAnchor { cert, kind })
    }

    pub fn is_test_root(&self) -> bool {
        matches!(self.kind, RootKind::UntrustedTest { .. })
    }

    pub fn sha256(&self) -> [u8; 32] {
        self.cert.sha256()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_root_matches_its_pin_and_the_fixture() {
        let a = TrustAnchor::intel().unwrap();
        assert_eq!(a.sha256(), INTEL_SGX_ROOT_CA_SHA256);
        assert_eq!(a.cert.subject_cn().as_deref(), Some("Intel SGX Root CA"));
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/tdx/Intel_SGX_Provisioning_Certification_RootCA.pem"
        ))
        .unwrap();
        let same = TrustAnchor::untrusted_test_root(&pem, "x").unwrap();
        assert_eq!(same.kind, RootKind::IntelPinned);
    }
}
