//! The TEST PKI, shaped like Intel's SGX/TDX provisioning PKI but signed by keys anyone can
//! re-derive (see keys.rs): root CA → PCK Platform CA → PCK leaves, root CA → TCB Signing,
//! a root CA CRL and a PCK CRL.
//!
//! Certificate profiles mirror Intel's (fixtures/tdx: Intel SGX Root CA, PCK Platform CA, PCK
//! Certificate, TCB Signing): ecdsa-with-SHA256 over P-256, extensions in Intel's order —
//! authorityKeyIdentifier, subjectKeyIdentifier, keyUsage (critical), basicConstraints
//! (critical), then the SGX extension on PCK leaves. CRLs are v2 with a CRL Number and an
//! authorityKeyIdentifier, like Intel's. CRL distribution points are left out (nothing is
//! fetched offline).

use der::asn1::{BitString, ObjectIdentifier, OctetString, Utf8StringRef};
use der::oid::AssociatedOid;
use der::{Any, Decode, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use spki::{DynSignatureAlgorithmIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlNumber, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use crate::dates::{self, Date};
use crate::error::{msg, Result};
use crate::keys;
use crate::sgx_ext::{encode_sgx_extension, PckPlatform, SGX_EXTENSION_OID};

pub const ROOT_CN: &str = "dstack-audit TEST Root CA — not Intel";
pub const PLATFORM_CA_CN: &str = "dstack-audit TEST PCK Platform CA";
/// The PCK leaf and TCB signer keep Intel's CNs: verifiers check them by name.
pub const PCK_LEAF_CN: &str = "Intel SGX PCK Certificate";
pub const TCB_SIGNING_CN: &str = "Intel SGX TCB Signing";
pub const ORGANIZATION: &str = "dstack-audit TEST";
pub const ORGANIZATIONAL_UNIT: &str = "TEST fixtures - not Intel, not for production";

/// Serial numbers (20 bytes like Intel's, leading 0x7E so they are positive and visibly TEST).
pub const ROOT_SERIAL: &str = "7E57000000000000000000000000000000000001";
pub const PLATFORM_CA_SERIAL: &str = "7E57000000000000000000000000000000000002";
pub const TCB_SIGNING_SERIAL: &str = "7E57000000000000000000000000000000000003";
/// Listed in the PCK CRL next to the revoked leaf, so that a lookup must compare serials.
pub const CRL_DECOY_SERIALS: [&str; 2] =
    ["7E570000000000000000000000000000DEAD0001", "7E570000000000000000000000000000DEAD0003"];
pub const ROOT_CRL_NUMBER: u8 = 1;
pub const PCK_CRL_NUMBER: u8 = 1;

/// Which root the PKI hangs from. `Other` has the same names and serials as `Test` but
/// different keys: a chain under it must be rejected by a verifier pinned to `Test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Test,
    Other,
}

impl Root {
    fn label_prefix(self) -> &'static str {
        match self {
            Root::Test => "dstack-audit test",
            Root::Other => "dstack-audit other",
        }
    }
}

/// One certificate with its key.
pub struct Issued {
    pub der: Vec<u8>,
    pub key: SigningKey,
    pub name: Name,
}

impl Issued {
    pub fn pem(&self) -> Result<String> {
        let cert = Certificate::from_der(&self.der)?;
        Ok(cert.to_pem(der::pem::LineEnding::LF)?)
    }
}

/// A PCK leaf with the platform values its SGX extension carries.
pub struct PckLeaf {
    pub cert: Issued,
    pub platform: PckPlatform,
}

/// The PCK leaves the scenarios need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    /// SGX components of the newest TCB level.
    Current,
    /// Older SGX microcode: only the second SGX tier of the TCB Info matches.
    OldSgx,
    /// SGX component 0 below every TCB level.
    BelowEveryLevel,
    /// Current components, but its serial is in the PCK CRL.
    Revoked,
}

impl LeafKind {
    pub const ALL: [LeafKind; 4] = [LeafKind::Current, LeafKind::OldSgx, LeafKind::BelowEveryLevel, LeafKind::Revoked];

    pub fn slug(self) -> &'static str {
        match self {
            LeafKind::Current => "current",
            LeafKind::OldSgx => "old-sgx",
            LeafKind::BelowEveryLevel => "below-every-level",
            LeafKind::Revoked => "revoked",
        }
    }

    pub fn serial_hex(self) -> &'static str {
        match self {
            LeafKind::Current => "7E57000000000000000000000000000000000101",
            LeafKind::OldSgx => "7E57000000000000000000000000000000000102",
            LeafKind::BelowEveryLevel => "7E57000000000000000000000000000000000103",
            LeafKind::Revoked => "7E570000000000000000000000000000DEAD0002",
        }
    }

    pub fn sgx_tcb_components(self) -> [u8; 16] {
        match self {
            LeafKind::Current | LeafKind::Revoked => crate::tcb::SGX_TIER_A,
            LeafKind::OldSgx => crate::tcb::SGX_TIER_B,
            LeafKind::BelowEveryLevel => [1, 1, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0],
        }
    }
}

/// The whole PKI under one root.
pub struct Pki {
    pub root: Issued,
    pub platform_ca: Issued,
    pub tcb_signing: Issued,
    pub leaves: Vec<(LeafKind, PckLeaf)>,
    pub root_crl: Vec<u8>,
    pub pck_crl: Vec<u8>,
}

impl Pki {
    pub fn build(which: Root) -> Result<Pki> {
        let prefix = which.label_prefix();
        let root_key = keys::signing_key(&format!("{prefix} root"))?;
        let root_name = name(ROOT_CN, false)?;
        let root = issue(
            Subject { name: root_name.clone(), key: root_key.clone(), serial_hex: ROOT_SERIAL },
            None,
            (dates::CERT_NOT_BEFORE, dates::ROOT_NOT_AFTER),
            ca_extensions(&root_key, &root_key, 1)?,
        )?;
        let platform_key = keys::signing_key(&format!("{prefix} pck platform ca"))?;
        let platform_ca = issue(
            Subject { name: name(PLATFORM_CA_CN, false)?, key: platform_key.clone(), serial_hex: PLATFORM_CA_SERIAL },
            Some(&root),
            (dates::CERT_NOT_BEFORE, dates::CA_NOT_AFTER),
            ca_extensions(&platform_key, &root.key, 0)?,
        )?;
        let tcb_key = keys::signing_key(&format!("{prefix} tcb signing"))?;
        let tcb_signing = issue(
            Subject { name: name(TCB_SIGNING_CN, true)?, key: tcb_key.clone(), serial_hex: TCB_SIGNING_SERIAL },
            Some(&root),
            (dates::CERT_NOT_BEFORE, dates::LEAF_NOT_AFTER),
            leaf_extensions(&tcb_key, &root.key, None)?,
        )?;
        let mut leaves = Vec::with_capacity(LeafKind::ALL.len());
        for kind in LeafKind::ALL {
            leaves.push((kind, issue_pck_leaf(prefix, kind, &platform_ca)?));
        }
        let root_crl =
            build_crl(&root, ROOT_CRL_NUMBER, (dates::ROOT_CRL_THIS_UPDATE, dates::ROOT_CRL_NEXT_UPDATE), &[])?;
        let revoked = [CRL_DECOY_SERIALS[0], LeafKind::Revoked.serial_hex(), CRL_DECOY_SERIALS[1]];
        let pck_crl = build_crl(
            &platform_ca,
            PCK_CRL_NUMBER,
            (dates::PCK_CRL_THIS_UPDATE, dates::PCK_CRL_NEXT_UPDATE),
            &revoked,
        )?;
        Ok(Pki { root, platform_ca, tcb_signing, leaves, root_crl, pck_crl })
    }

    pub fn leaf(&self, kind: LeafKind) -> Result<&PckLeaf> {
        self.leaves
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, leaf)| leaf)
            .ok_or_else(|| msg(format!("no PCK leaf {kind:?}")))
    }

    /// The PEM chain a quote carries: leaf → PCK Platform CA → root, as Intel's quotes do.
    pub fn pck_chain_pem(&self, kind: LeafKind) -> Result<String> {
        Ok([self.leaf(kind)?.cert.pem()?, self.platform_ca.pem()?, self.root.pem()?].concat())
    }

    /// `pck_crl_issuer_chain`: PCK Platform CA → root.
    pub fn pck_crl_issuer_chain(&self) -> Result<String> {
        Ok([self.platform_ca.pem()?, self.root.pem()?].concat())
    }

    /// `tcb_info_issuer_chain` / `qe_identity_issuer_chain`: TCB Signing → root.
    pub fn tcb_issuer_chain(&self) -> Result<String> {
        Ok([self.tcb_signing.pem()?, self.root.pem()?].concat())
    }
}

/// The platform values for a leaf kind (FMSPC, PCE-ID etc. shared by all leaves).
fn pck_platform(prefix: &str, kind: LeafKind) -> PckPlatform {
    let ppid = crate::keys::label_bytes::<16>(&format!("{prefix} ppid {}", kind.slug()));
    PckPlatform {
        ppid,
        sgx_tcb_components: kind.sgx_tcb_components(),
        pcesvn: crate::tcb::PCESVN_CURRENT,
        pce_id: crate::tcb::PCE_ID,
        fmspc: crate::tcb::FMSPC,
        sgx_type: 1,
        platform_instance_id: crate::keys::label_bytes::<16>(&format!("{prefix} platform instance id")),
        dynamic_platform: false,
        cached_keys: true,
        smt_enabled: true,
    }
}

fn issue_pck_leaf(prefix: &str, kind: LeafKind, platform_ca: &Issued) -> Result<PckLeaf> {
    let key = keys::signing_key(&format!("{prefix} pck leaf {}", kind.slug()))?;
    let platform = pck_platform(prefix, kind);
    let sgx = extension(ObjectIdentifier::new(SGX_EXTENSION_OID)?, false, encode_sgx_extension(&platform)?)?;
    let cert = issue(
        Subject { name: name(PCK_LEAF_CN, true)?, key: key.clone(), serial_hex: kind.serial_hex() },
        Some(platform_ca),
        (dates::CERT_NOT_BEFORE, dates::LEAF_NOT_AFTER),
        leaf_extensions(&key, &platform_ca.key, Some(sgx))?,
    )?;
    Ok(PckLeaf { cert, platform })
}

/// CN, O and (for certificates that keep Intel's CN) OU, all UTF8String as in Intel's names.
pub fn name(common_name: &str, with_unit: bool) -> Result<Name> {
    let mut rdns = RdnSequence::default();
    let mut attributes =
        vec![(ObjectIdentifier::new("2.5.4.3")?, common_name), (ObjectIdentifier::new("2.5.4.10")?, ORGANIZATION)];
    if with_unit {
        attributes.push((ObjectIdentifier::new("2.5.4.11")?, ORGANIZATIONAL_UNIT));
    }
    for (oid, text) in attributes {
        let value = Any::encode_from(&Utf8StringRef::new(text)?)?;
        rdns.push(RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }])?);
    }
    Ok(Name::from_der(&rdns.to_der()?)?)
}

pub struct Subject {
    pub name: Name,
    pub key: SigningKey,
    pub serial_hex: &'static str,
}

/// A builder profile that sets exactly the given names and extensions, nothing else.
struct FixedProfile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for FixedProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// Issues a certificate; `issuer` None means self-signed.
pub fn issue(
    subject: Subject,
    issuer: Option<&Issued>,
    validity: (Date, Date),
    extensions: Vec<Extension>,
) -> Result<Issued> {
    let (issuer_name, issuer_key) = match issuer {
        Some(i) => (i.name.clone(), &i.key),
        None => (subject.name.clone(), &subject.key),
    };
    let profile = FixedProfile { subject: subject.name.clone(), issuer: issuer_name, extensions };
    let serial = SerialNumber::new(&hex::decode(subject.serial_hex)?)?;
    let spki = SubjectPublicKeyInfoOwned::from_key(subject.key.verifying_key())?;
    let builder =
        CertificateBuilder::new(profile, serial, Validity::new(validity.0.x509()?, validity.1.x509()?), spki)?;
    let cert = builder.build::<_, DerSignature>(issuer_key)?;
    Ok(Issued { der: cert.to_der()?, key: subject.key, name: subject.name })
}

pub fn extension(extn_id: ObjectIdentifier, critical: bool, value_der: Vec<u8>) -> Result<Extension> {
    Ok(Extension { extn_id, critical, extn_value: OctetString::new(value_der)? })
}

fn key_identifiers(subject_key: &SigningKey, issuer_key: &SigningKey) -> Result<Vec<Extension>> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(keys::key_id(issuer_key).to_vec())?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let ski = SubjectKeyIdentifier(OctetString::new(keys::key_id(subject_key).to_vec())?);
    Ok(vec![
        extension(AuthorityKeyIdentifier::OID, false, aki.to_der()?)?,
        extension(SubjectKeyIdentifier::OID, false, ski.to_der()?)?,
    ])
}

/// CA: keyCertSign + cRLSign, basicConstraints CA with the given pathlen (root 1, PCK CA 0).
fn ca_extensions(subject_key: &SigningKey, issuer_key: &SigningKey, path_len: u8) -> Result<Vec<Extension>> {
    let mut exts = key_identifiers(subject_key, issuer_key)?;
    let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    exts.push(extension(KeyUsage::OID, true, usage.to_der()?)?);
    let constraints = BasicConstraints { ca: true, path_len_constraint: Some(path_len) };
    exts.push(extension(BasicConstraints::OID, true, constraints.to_der()?)?);
    Ok(exts)
}

/// End entity: digitalSignature + nonRepudiation, basicConstraints CA:FALSE (as Intel's leaves).
fn leaf_extensions(
    subject_key: &SigningKey,
    issuer_key: &SigningKey,
    sgx: Option<Extension>,
) -> Result<Vec<Extension>> {
    let mut exts = key_identifiers(subject_key, issuer_key)?;
    let usage = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
    exts.push(extension(KeyUsage::OID, true, usage.to_der()?)?);
    let constraints = BasicConstraints { ca: false, path_len_constraint: None };
    exts.push(extension(BasicConstraints::OID, true, constraints.to_der()?)?);
    exts.extend(sgx);
    Ok(exts)
}

/// A v2 CRL signed by `issuer` listing `revoked_serials` (reason keyCompromise, as Intel's).
fn build_crl(issuer: &Issued, number: u8, window: (Date, Date), revoked_serials: &[&str]) -> Result<Vec<u8>> {
    let mut revoked: Vec<RevokedCert> = Vec::with_capacity(revoked_serials.len());
    for serial in revoked_serials {
        let reason = extension(CrlReason::OID, false, CrlReason::KeyCompromise.to_der()?)?;
        revoked.push(RevokedCert {
            serial_number: SerialNumber::new(&hex::decode(serial)?)?,
            revocation_date: dates::REVOCATION_DATE.x509()?,
            crl_entry_extensions: Some(vec![reason]),
        });
    }
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(keys::key_id(&issuer.key).to_vec())?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let crl_number = CrlNumber::from(der::asn1::Uint::new(&[number])?);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: issuer.key.signature_algorithm_identifier()?,
        issuer: issuer.name.clone(),
        this_update: window.0.x509()?,
        next_update: Some(window.1.x509()?),
        revoked_certificates: if revoked.is_empty() { None } else { Some(revoked) },
        crl_extensions: Some(vec![
            extension(CrlNumber::OID, false, crl_number.to_der()?)?,
            extension(AuthorityKeyIdentifier::OID, false, aki.to_der()?)?,
        ]),
    };
    let tbs_der = tbs.to_der()?;
    let signature = BitString::from_bytes(&keys::sign_der(&issuer.key, &tbs_der)?)?;
    let crl = CertificateList { signature_algorithm: tbs.signature.clone(), tbs_cert_list: tbs, signature };
    Ok(crl.to_der()?)
}
