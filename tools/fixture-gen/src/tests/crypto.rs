//! Every signature in the fixtures verifies (or, in the tampered scenarios, exactly the
//! intended one does not), and the SGX extension has Intel's structure.

use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

use super::layout::parse;
use super::{collateral, file, scenario_file};
use crate::quote::QE_AUTH_DATA;
use crate::scenarios;

fn key_of(cert: &Certificate) -> VerifyingKey {
    VerifyingKey::from_sec1_bytes(cert.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes())
        .unwrap()
}

fn verify_cert(cert: &Certificate, issuer: &Certificate) -> bool {
    assert_eq!(cert.tbs_certificate().issuer(), issuer.tbs_certificate().subject(), "issuer name");
    let tbs = cert.tbs_certificate().to_der().unwrap();
    let sig = DerSignature::from_bytes(cert.signature().raw_bytes()).unwrap();
    key_of(issuer).verify(&tbs, &sig).is_ok()
}

fn verify_crl(crl_der: &[u8], issuer: &Certificate) -> bool {
    let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl_der).unwrap();
    assert_eq!(&crl.tbs_cert_list.issuer, issuer.tbs_certificate().subject());
    let sig = DerSignature::from_bytes(crl.signature.raw_bytes()).unwrap();
    key_of(issuer).verify(&crl.tbs_cert_list.to_der().unwrap(), &sig).is_ok()
}

fn pem_chain(text: &[u8]) -> Vec<Certificate> {
    Certificate::load_pem_chain(text.strip_suffix(&[0]).unwrap_or(text)).unwrap()
}

fn raw_sig(bytes: &[u8]) -> Signature {
    Signature::from_slice(bytes).unwrap()
}

#[test]
fn quote_and_qe_report_signatures_and_binding() {
    for s in scenarios::all() {
        let q = parse(scenario_file(s.name, "quote.bin"));
        let mut sec1 = vec![0x04];
        sec1.extend_from_slice(q.attestation_key);
        let attestation_key = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let quote_ok = attestation_key.verify(q.signed, &raw_sig(q.quote_signature)).is_ok();
        assert_eq!(quote_ok, s.name != "bad-quote-signature", "{} quote signature", s.name);

        let chain = pem_chain(q.pck_chain);
        let qe_ok = key_of(&chain[0]).verify(q.qe_report, &raw_sig(q.qe_report_signature)).is_ok();
        assert!(qe_ok, "{} QE report signature", s.name);

        let mut hashed = Sha256::new();
        hashed.update(q.attestation_key);
        hashed.update(QE_AUTH_DATA);
        let binding_ok = q.qe_report[320..352] == hashed.finalize()[..];
        assert_eq!(binding_ok, s.name != "bad-qe-binding", "{} QE binding", s.name);
    }
}

#[test]
fn certificate_chains_and_crls_verify() {
    let test_root = pem_chain(file("test-root-ca.pem")).remove(0);
    let other_root = pem_chain(file("dcap/wrong-root/other-root-ca.pem")).remove(0);
    assert_eq!(test_root.tbs_certificate().subject(), other_root.tbs_certificate().subject(), "same name");
    assert_ne!(key_of(&test_root), key_of(&other_root), "different key");
    for s in scenarios::all() {
        let root = if s.name == "wrong-root" { &other_root } else { &test_root };
        let wrong = if s.name == "wrong-root" { &test_root } else { &other_root };
        let chain = pem_chain(parse(scenario_file(s.name, "quote.bin")).pck_chain);
        assert_eq!(chain[2], *root, "{} chain root", s.name);
        assert!(verify_cert(&chain[0], &chain[1]), "{} leaf", s.name);
        assert!(verify_cert(&chain[1], root), "{} PCK CA", s.name);
        assert!(verify_cert(root, root), "{} root self-signature", s.name);
        assert!(!verify_cert(&chain[1], wrong), "{} PCK CA must not verify under the other root", s.name);

        let c = collateral(s.name);
        let tcb_chain = pem_chain(c["tcb_info_issuer_chain"].as_str().unwrap().as_bytes());
        assert!(verify_cert(&tcb_chain[0], root), "{} TCB signer", s.name);
        assert_eq!(tcb_chain[1], *root);
        let crl_chain = pem_chain(c["pck_crl_issuer_chain"].as_str().unwrap().as_bytes());
        assert_eq!(crl_chain[0], chain[1], "{} PCK CRL issuer chain starts at the PCK CA", s.name);
        let root_crl = hex::decode(c["root_ca_crl"].as_str().unwrap()).unwrap();
        let pck_crl = hex::decode(c["pck_crl"].as_str().unwrap()).unwrap();
        assert!(verify_crl(&root_crl, root), "{} root CRL", s.name);
        assert!(verify_crl(&pck_crl, &chain[1]), "{} PCK CRL", s.name);

        let leaf_serial = chain[0].tbs_certificate().serial_number().clone();
        let revoked = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&pck_crl)
            .unwrap()
            .tbs_cert_list
            .revoked_certificates
            .unwrap();
        let listed = revoked.iter().any(|r| r.serial_number == leaf_serial);
        assert_eq!(listed, s.name == "pck-revoked", "{} leaf in PCK CRL", s.name);
    }
}

#[test]
fn collateral_json_signatures_verify() {
    for s in scenarios::all() {
        let c = collateral(s.name);
        let signer = pem_chain(c["tcb_info_issuer_chain"].as_str().unwrap().as_bytes()).remove(0);
        let cn = signer.tbs_certificate().subject().common_name().unwrap().unwrap();
        assert_eq!(cn.value(), "Intel SGX TCB Signing");
        for (text, sig) in [("tcb_info", "tcb_info_signature"), ("qe_identity", "qe_identity_signature")] {
            let signature = hex::decode(c[sig].as_str().unwrap()).unwrap();
            let ok = key_of(&signer).verify(c[text].as_str().unwrap().as_bytes(), &raw_sig(&signature)).is_ok();
            assert!(ok, "{} {text}", s.name);
        }
    }
}

/// The SGX extension (extnValue) of the PCK leaf in fixtures/tdx/dcap-qvl/tdx_quote (serial
/// 3C16ED54…6E36), copied from `openssl asn1parse`: the reference for the structure.
const INTEL_SGX_EXTENSION: &str = "30820226301E060A2A864886F84D010D01010410811DCA2A26B952E85BB6448B097BA4FD30820163060A2A864886F84D010D0102308201533010060B2A864886F84D010D0102010201033010060B2A864886F84D010D0102020201033010060B2A864886F84D010D0102030201023010060B2A864886F84D010D0102040201023010060B2A864886F84D010D0102050201043010060B2A864886F84D010D0102060201013010060B2A864886F84D010D0102070201003010060B2A864886F84D010D0102080201053010060B2A864886F84D010D0102090201003010060B2A864886F84D010D01020A0201003010060B2A864886F84D010D01020B0201003010060B2A864886F84D010D01020C0201003010060B2A864886F84D010D01020D0201003010060B2A864886F84D010D01020E0201003010060B2A864886F84D010D01020F0201003010060B2A864886F84D010D0102100201003010060B2A864886F84D010D01021102010B301F060B2A864886F84D010D0102120410030302020401000500000000000000003010060A2A864886F84D010D0103040200003014060A2A864886F84D010D01040406B0C06F000000300F060A2A864886F84D010D01050A0101301E060A2A864886F84D010D0106041007828474603E7019DC930775FFE8CDD23044060A2A864886F84D010D010730363010060B2A864886F84D010D0107010101FF3010060B2A864886F84D010D0107020101FF3010060B2A864886F84D010D0107030101FF";

/// The DER skeleton: every tag, with OIDs spelled out and primitive lengths, values omitted.
fn skeleton(der: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    walk(der, &mut out);
    out
}

fn walk(der: &[u8], out: &mut Vec<String>) {
    let mut reader = SliceReader::new(der).unwrap();
    while !reader.is_finished() {
        let any = der::Any::decode(&mut reader).unwrap();
        if any.tag() == Tag::Sequence {
            out.push("SEQUENCE".into());
            walk(any.value(), out);
            out.push("END".into());
        } else if any.tag() == Tag::ObjectIdentifier {
            out.push(any.decode_as::<der::asn1::ObjectIdentifier>().unwrap().to_string());
        } else {
            out.push(format!("{:?}/{}", any.tag(), any.value().len()));
        }
    }
}

#[test]
fn sgx_extension_has_intel_structure() {
    let leaf = pem_chain(file("pki/pck-leaf-current.pem")).remove(0);
    let ext = leaf
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "1.2.840.113741.1.13.1")
        .unwrap();
    assert!(!ext.critical);
    let ours = skeleton(ext.extn_value.as_bytes());
    let intel = skeleton(&hex::decode(INTEL_SGX_EXTENSION).unwrap());
    assert_eq!(ours, intel);
    assert_eq!(ours.iter().filter(|t| t.starts_with("1.2.840.113741.1.13.1.2.")).count(), 18);
}

#[test]
fn certificate_names_and_constraints() {
    let root = pem_chain(file("test-root-ca.pem")).remove(0);
    let cn = |c: &Certificate| c.tbs_certificate().subject().common_name().unwrap().unwrap().value().into_owned();
    assert_eq!(cn(&root), "dstack-audit TEST Root CA — not Intel");
    assert_eq!(cn(&pem_chain(file("pki/pck-platform-ca.pem"))[0]), "dstack-audit TEST PCK Platform CA");
    assert_eq!(cn(&pem_chain(file("pki/pck-leaf-current.pem"))[0]), "Intel SGX PCK Certificate");
    assert_eq!(cn(&pem_chain(file("pki/tcb-signing.pem"))[0]), "Intel SGX TCB Signing");
    let (_, bc) = root.tbs_certificate().get_extension::<x509_cert::ext::pkix::BasicConstraints>().unwrap().unwrap();
    assert!(bc.ca);
    assert_eq!(bc.path_len_constraint, Some(1));
}
