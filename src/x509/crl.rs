//! X.509 certificate revocation lists (RFC 5280 §5): parsing, the CRL's signature by its issuer,
//! and the serial lookup. Which CRL applies to which certificate, and whether it is current, is
//! the chain verifier's decision (`dcap::chain` for Intel's PKI).
//!
//! Intel publishes two CRLs for TDX (Intel SGX PCK Certificate and CRL Profile Specification;
//! QVL `PckCrlVerifier`): the root CA CRL (issuer "Intel SGX Root CA"; covers the PCK
//! Platform/Processor CA and the TCB Signing certificate) and the PCK CRL (issuer = the PCK
//! leaf's issuer; covers PCK leaves). Both are DER, signed ecdsa-with-SHA256 like the
//! certificates, and are verified over their exact `tbsCertList` bytes.

use der::Decode;
use sha2::{Digest, Sha256};
use x509_cert::crl::CertificateList;

use super::asn1::{der_error, sequence_items, split_sequence};
use super::name::name_text;
use super::signature::{check_ecdsa_sha256, verify_der_signature};
use super::{Certificate, Signed, X509Error};
use crate::clock::UnixTime;
use crate::error::{Location, ParseError};
use crate::limits::{MAX_CRL_BYTES, MAX_CRL_ENTRIES};

/// A parsed CRL that keeps its exact DER and signed bytes. Not trusted until its signature was
/// checked against the issuing CA.
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Vec<u8>,
    issuer_der: Vec<u8>,
    parsed: CertificateList,
    signature: Vec<u8>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    revoked_serials: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer())
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .field("entries", &self.revoked_serials.len())
            .finish()
    }
}

impl Crl {
    /// Parses one DER CRL. The whole input must be the CRL.
    pub fn from_der(der: &[u8]) -> Result<Crl, ParseError> {
        if der.len() > MAX_CRL_BYTES {
            return Err(ParseError::new(
                Location::Whole,
                format!("a CRL of at most {MAX_CRL_BYTES} bytes"),
                format!("{} bytes", der.len()),
            ));
        }
        let parsed = CertificateList::from_der(der).map_err(|e| der_error(&e, "a DER X.509 CRL"))?;
        let [tbs, _, _] = split_sequence::<3>(der, "CertificateList")?;
        let issuer_der = tbs_cert_list_issuer(tbs)?;
        let signature = parsed
            .signature
            .as_bytes()
            .ok_or_else(|| ParseError::field("signatureValue", "a BIT STRING without unused bits", "unused bits"))?
            .to_vec();
        let entries = parsed.tbs_cert_list.revoked_certificates.as_deref().unwrap_or_default();
        if entries.len() > MAX_CRL_ENTRIES {
            return Err(ParseError::field(
                "revokedCertificates",
                format!("at most {MAX_CRL_ENTRIES} entries"),
                format!("{}", entries.len()),
            ));
        }
        let revoked_serials = entries.iter().map(|e| e.serial_number.as_bytes().to_vec()).collect();
        let this_update = UnixTime::from(parsed.tbs_cert_list.this_update.to_date_time());
        let next_update = parsed.tbs_cert_list.next_update.map(|t| UnixTime::from(t.to_date_time()));
        Ok(Crl {
            der: der.to_vec(),
            tbs: tbs.to_vec(),
            issuer_der: issuer_der.to_vec(),
            parsed,
            signature,
            this_update,
            next_update,
            revoked_serials,
        })
    }

    /// The CRL exactly as parsed.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the DER encoding.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// The issuer as text, attributes in encoding order (`CN=Intel SGX Root CA, O=…`).
    pub fn issuer(&self) -> String {
        name_text(&self.parsed.tbs_cert_list.issuer)
    }

    /// The DER encoding of the issuer name (what CRL selection compares).
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// thisUpdate.
    pub fn this_update(&self) -> UnixTime {
        self.this_update
    }

    /// nextUpdate; `None` when the CRL does not say.
    pub fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }

    /// The revoked serial numbers, as INTEGER content bytes (same form as `Certificate::serial`).
    pub fn revoked_serials(&self) -> &[Vec<u8>] {
        &self.revoked_serials
    }

    /// Dotted OIDs of critical extensions, of the CRL itself and of its entries (RFC 5280 §5.2:
    /// a CRL with a critical extension the verifier does not process must not be used).
    pub fn critical_extensions(&self) -> Vec<String> {
        let list = &self.parsed.tbs_cert_list;
        let crl_exts = list.crl_extensions.iter().flatten();
        let entry_exts =
            list.revoked_certificates.iter().flatten().flat_map(|e| e.crl_entry_extensions.iter().flatten());
        crl_exts.chain(entry_exts).filter(|e| e.critical).map(|e| e.extn_id.to_string()).collect()
    }

    /// Checks that `issuer` signed this CRL: issuer name equal to the certificate's subject (DER),
    /// ecdsa-with-SHA256 in both algorithm fields, signature valid over the exact `tbsCertList`.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), X509Error> {
        let object = Signed::Crl(self.issuer());
        if self.issuer_der != issuer.subject_der() {
            return Err(X509Error::WrongIssuerName { object, expected: issuer.subject(), found: self.issuer() });
        }
        check_ecdsa_sha256(&object, &self.parsed.signature_algorithm)?;
        if self.parsed.signature_algorithm != self.parsed.tbs_cert_list.signature {
            return Err(X509Error::UnsupportedAlgorithm {
                object,
                expected: "the same signature algorithm in tbsCertList and signatureAlgorithm",
                found: "two different algorithm identifiers".to_string(),
            });
        }
        verify_der_signature(&object, issuer, &self.tbs, &self.signature)
    }

    /// True when this CRL covers `cert` (same issuer name, DER) and lists its serial number.
    pub fn is_revoked(&self, cert: &Certificate) -> bool {
        self.issuer_der == cert.issuer_der() && self.revoked_serials.iter().any(|s| s.as_slice() == cert.serial())
    }
}

/// The raw issuer name inside a `tbsCertList` (RFC 5280 §5.1: optional version INTEGER,
/// signature, issuer, …).
fn tbs_cert_list_issuer(tbs: &[u8]) -> Result<&[u8], ParseError> {
    const INTEGER: u8 = 0x02;
    let items = sequence_items(tbs, "tbsCertList")?;
    let skip = usize::from(items.first().and_then(|v| v.first()) == Some(&INTEGER));
    items
        .into_iter()
        .nth(skip.saturating_add(1))
        .ok_or_else(|| ParseError::field("tbsCertList", "an issuer name", "a short SEQUENCE"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcap::test_support::{collateral, collateral_crls, quote_chain, root};

    const DCAP_QVL: &str = "tdx/dcap-qvl/tdx_quote_collateral.json";

    #[test]
    fn parses_and_verifies_the_real_crls() {
        let (root_crl, pck_crl) = collateral_crls(DCAP_QVL);
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        assert_eq!(root_crl.issuer(), "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US");
        assert_eq!(root_crl.this_update().to_string(), "2025-03-20T11:21:57Z");
        assert_eq!(root_crl.next_update(), Some(UnixTime::from_secs(1775215317))); // SOURCES.md row 2
        assert!(root_crl.revoked_serials().is_empty());
        root_crl.verify_signed_by(&root()).unwrap();
        assert_eq!(pck_crl.issuer(), chain[0].issuer());
        assert_eq!(pck_crl.issuer_der(), chain[0].issuer_der());
        assert_eq!(pck_crl.next_update().unwrap().to_string(), "2025-07-19T10:00:35Z");
        assert_eq!(pck_crl.revoked_serials().len(), 44);
        pck_crl.verify_signed_by(&chain[1]).unwrap();
        assert!(root_crl.critical_extensions().is_empty() && pck_crl.critical_extensions().is_empty());
        assert!(!pck_crl.is_revoked(&chain[0]));
        assert!(!root_crl.is_revoked(&chain[1]));
    }

    #[test]
    fn wrong_signer_and_flipped_byte_fail() {
        let (root_crl, pck_crl) = collateral_crls(DCAP_QVL);
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        assert!(matches!(pck_crl.verify_signed_by(&root()), Err(X509Error::WrongIssuerName { .. })));
        assert!(matches!(root_crl.verify_signed_by(&chain[1]), Err(X509Error::WrongIssuerName { .. })));
        let mut der = pck_crl.der().to_vec();
        *der.last_mut().unwrap() ^= 0x01;
        let tampered = Crl::from_der(&der).unwrap();
        let err = tampered.verify_signed_by(&chain[1]).unwrap_err();
        assert!(matches!(err, X509Error::BadSignature { .. }), "{err}");
        assert!(err.to_string().starts_with("CRL of `CN=Intel SGX PCK Platform CA"), "{err}");
        // A flipped byte inside a listed serial keeps the CRL parseable but breaks the signature.
        let serial = &pck_crl.revoked_serials()[3];
        let mut der = pck_crl.der().to_vec();
        let at = der.windows(serial.len()).position(|w| w == serial.as_slice()).unwrap();
        der[at + 5] ^= 0x01;
        assert!(Crl::from_der(&der).unwrap().verify_signed_by(&chain[1]).is_err());
    }

    #[test]
    fn is_revoked_matches_serial_and_issuer() {
        // The real PCK CRL lists 6FC34E50…; a PCK leaf with that serial would be revoked. We
        // cannot obtain such a certificate, so we give a real leaf that serial (its signature
        // breaks, which `is_revoked` does not look at: it only matches issuer and serial).
        let (root_crl, pck_crl) = collateral_crls(DCAP_QVL);
        let listed = pck_crl.revoked_serials()[0].clone();
        assert_eq!(hex::encode_upper(&listed), "6FC34E5023E728923435D61AA4B83C618166AD35");
        let chain = quote_chain("tdx/dcap-qvl/tdx_quote");
        let leaf = &chain[0]; // serial 3C16ED54…, 20 bytes like the listed one
        assert_eq!(leaf.serial().len(), listed.len());
        let mut der = leaf.der().to_vec();
        let at = der.windows(leaf.serial().len()).position(|w| w == leaf.serial()).unwrap();
        der[at..at + listed.len()].copy_from_slice(&listed);
        let relabelled = Certificate::from_der(&der).unwrap();
        assert_eq!(relabelled.serial(), listed.as_slice());
        assert!(pck_crl.is_revoked(&relabelled));
        assert!(!pck_crl.is_revoked(leaf));
        // Same serial, other issuer: the root CRL does not cover PCK leaves.
        assert!(!root_crl.is_revoked(&relabelled));
    }

    #[test]
    fn every_collateral_crl_parses_and_verifies() {
        for rel in [
            "dstack/near-mpc-dstack-0.5.4/collateral.json",
            "dstack/near-mpc-dstack-dev-0.5.8/collateral.json",
            "dstack/tee-solver-phala-prod-0.3/quote_collateral.json",
            "dstack/tee-solver-phala-prod-0.5/quote_collateral.json",
            "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json",
            "tdx/dcap-qvl/tdx_quote_collateral.json",
            "tdx/dcap-qvl/tdx_quote_outdated_collateral.json",
            "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
            "tdx/go-tdx-guest/assembled_collateral_v4_2023.json",
            "tdx/go-tdx-guest/assembled_collateral_v5_2026.json",
            "tdx/tee-solver/alice/quote_collateral.json",
        ] {
            let (root_crl, pck_crl) = collateral_crls(rel);
            root_crl.verify_signed_by(&root()).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let issuer_chain = collateral(rel)["pck_crl_issuer_chain"].as_str().unwrap().to_string();
            let issuers = crate::x509::parse_pem_chain(issuer_chain.as_bytes(), "pck_crl_issuer_chain").unwrap();
            pck_crl.verify_signed_by(&issuers[0]).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert!(pck_crl.this_update() < pck_crl.next_update().unwrap());
        }
    }

    #[test]
    fn rejects_malformed_crls() {
        let (root_crl, _) = collateral_crls(DCAP_QVL);
        let der = root_crl.der();
        assert!(Crl::from_der(&der[..der.len() - 1]).is_err());
        assert!(Crl::from_der(root().der()).is_err());
        assert!(Crl::from_der(&vec![0u8; MAX_CRL_BYTES + 1]).unwrap_err().to_string().contains("at most"));
    }
}
