//! Tests of the chain rules on real Intel chains and CRLs, and on chains re-signed by a test CA.

use super::*;
use crate::clock::UnixTime;
use crate::dcap::test_support::*;
use crate::finding_code::FindingCode;
use crate::x509::parse_pem_chain;

/// (quote file, collateral whose CRLs apply, a time inside the collateral's window).
/// Times: SOURCES.md "Expected outcomes" rows where the pair is listed; otherwise a time
/// inside the collateral's CRL windows (noted).
const CASES: &[(&str, &str, u64)] = &[
    ("tdx/dcap-qvl/tdx_quote", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 1
    ("tdx/dcap-qvl/tdx_quote_outdated", "tdx/dcap-qvl/tdx_quote_outdated_collateral.json", 1772323200), // row 3
    ("tdx/dcap-qvl/tdx-quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 4
    ("tdx/dcap-qvl/quote-from-tappd.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000), // row 5
    ("tdx/tee-solver/alice/quote.hex", "tdx/tee-solver/alice/quote_collateral.json", 1757894400), // row 6
    ("tdx/tee-solver/bob/quote.hex", "tdx/tee-solver/bob/quote_collateral.json", 1757894400), // row 7
    ("tdx/dcap-qvl/near_gas_test_quote_hex.txt", "tdx/dcap-qvl/near_gas_test_quote_collateral.json", 1757894400),
    ("tdx/go-tdx-guest/quote_v5_sample.dat", "tdx/dcap-qvl/tdx_quote_outdated_collateral.json", 1772323200), // row 8
    ("tdx/go-tdx-guest/quote_v5_sample.dat", "tdx/go-tdx-guest/assembled_collateral_v5_2026.json", 1771977600), // row 9
    ("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "tdx/go-tdx-guest/assembled_collateral_v4_2023.json", 1688173200), // row 11
    (
        "tdx/dcap-rs/quote_tdx_00806f050000.dat",
        "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
        1740787200,
    ), // row 12
    (
        "tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat",
        "tdx/dcap-rs/assembled_collateral_00806f050000_2025-02.json",
        1740787200,
    ), // row 13
    ("tdx/dcap-qvl-0.7.1/tdx_quote_td15ex", "tdx/dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json", 1792454400), // row 14
    ("tdx/dcap-qvl/tdx_quote", "tdx/derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json", 1792454400), // row 15
    // No own collateral: same PCK Platform CA, so the dcap-qvl CRLs apply (row 1's time).
    ("tdx/dstack/ra-tls_assets_tdx_quote", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
    ("tdx/dstack/sdk_simulator_quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
    ("dstack/dstack-simulator-2025-04/quote.hex", "tdx/dcap-qvl/tdx_quote_collateral.json", 1751328000),
    // fixtures/dstack: own collateral; times inside its PCK CRL window (2025-09-15,
    // 2026-03-01, 2026-09-01).
    (
        "dstack/tee-solver-phala-prod-0.5/quote.hex",
        "dstack/tee-solver-phala-prod-0.5/quote_collateral.json",
        1757894400,
    ),
    (
        "dstack/tee-solver-phala-prod-0.3/quote.hex",
        "dstack/tee-solver-phala-prod-0.3/quote_collateral.json",
        1757894400,
    ),
    ("dstack/near-mpc-dstack-0.5.4/quote.json", "dstack/near-mpc-dstack-0.5.4/collateral.json", 1772323200),
    ("dstack/near-mpc-dstack-dev-0.5.8/quote.json", "dstack/near-mpc-dstack-dev-0.5.8/collateral.json", 1788220800),
];

fn pck_opts<'a>(root: &'a Certificate, crls: &'a [&'a Crl], now: UnixTime) -> ChainOptions<'a> {
    ChainOptions { root, crls: Some(crls), now, leaf_cn: Some(PCK_LEAF_CN) }
}

/// The tdx_quote chain with its collateral's CRLs, at row 1's time.
fn row1() -> (Vec<Certificate>, Crl, Crl) {
    let (root_crl, pck_crl) = collateral_crls("tdx/dcap-qvl/tdx_quote_collateral.json");
    (quote_chain("tdx/dcap-qvl/tdx_quote"), root_crl, pck_crl)
}
const ROW1_NOW: UnixTime = UnixTime::from_secs(1751328000);

#[test]
fn every_quote_pck_chain_verifies_to_the_intel_root() {
    let root = root();
    for (quote, coll, now) in CASES {
        let now = &UnixTime::from_secs(*now);
        let (root_crl, pck_crl) = collateral_crls(coll);
        let chain = quote_chain(quote);
        let v = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], *now))
            .unwrap_or_else(|e| panic!("{quote} with {coll}: {e}"));
        assert_eq!(hex::encode(v.root_sha256()), "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
        assert_eq!(v.intermediates().len(), 1);
        assert_eq!(v.intermediates()[0].subject_cn().as_deref(), Some("Intel SGX PCK Platform CA"));
        assert!(v.earliest_expiry() >= *now && v.earliest_expiry() <= pck_crl.next_update().unwrap());
        // The same chain without the root verifies too.
        verify_chain(&chain[..2], &pck_opts(&root, &[&pck_crl, &root_crl], *now)).unwrap();
    }
}

#[test]
fn every_tcb_signing_chain_verifies() {
    let root = root();
    let mut files: Vec<(&str, u64)> = CASES.iter().map(|(_, c, t)| (*c, *t)).collect();
    files.dedup();
    for (coll, now) in files {
        let now = UnixTime::from_secs(now);
        let v = collateral(coll);
        let root_crl = Crl::from_der(&binary(&v["root_ca_crl"])).unwrap();
        for field in ["tcb_info_issuer_chain", "qe_identity_issuer_chain"] {
            let chain = parse_pem_chain(v[field].as_str().unwrap().as_bytes(), field).unwrap();
            let opts = ChainOptions { root: &root, crls: Some(&[&root_crl]), now, leaf_cn: Some(TCB_SIGNING_CN) };
            let verified = verify_chain(&chain, &opts).unwrap_or_else(|e| panic!("{coll} {field}: {e}"));
            assert!(verified.intermediates().is_empty());
            // The PCK chain's leaf name is refused here.
            let opts = ChainOptions { leaf_cn: Some(PCK_LEAF_CN), ..opts };
            assert_eq!(verify_chain(&chain, &opts).unwrap_err().code(), FindingCode::ChainLeafName);
        }
    }
}

#[test]
fn collateral_pck_chain_with_nul_terminator_verifies() {
    // NEAR's embedded collateral carries the PCK chain as a string ending in NUL.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let c = &v["tee_participant_info"]["Dstack"]["collateral"];
    let text = c["pck_certificate_chain"].as_str().unwrap();
    assert!(text.ends_with('\0'));
    let chain = parse_pem_chain(text.as_bytes(), "pck_certificate_chain").unwrap();
    let root_crl = Crl::from_der(&binary(&c["root_ca_crl"])).unwrap();
    let pck_crl = Crl::from_der(&binary(&c["pck_crl"])).unwrap();
    verify_chain(&chain, &pck_opts(&root(), &[&root_crl, &pck_crl], UnixTime::from_secs(1788220800))).unwrap();
}

#[test]
fn window_spans_certificates_and_crls() {
    let (chain, root_crl, pck_crl) = row1();
    let v = verify_chain(&chain, &pck_opts(&root(), &[&root_crl, &pck_crl], ROW1_NOW)).unwrap();
    assert_eq!(v.earliest_expiry().to_string(), "2025-07-19T10:00:35Z"); // PCK CRL nextUpdate
    assert_eq!(v.latest_not_before().to_string(), "2025-06-19T10:00:35Z"); // PCK CRL thisUpdate
    assert!(v.revocation_checked());
    assert_eq!((v.leaf().clone(), v.verified_at()), (chain[0].clone(), ROW1_NOW));
}

#[test]
fn without_crls_revocation_is_skipped_and_says_so() {
    let (chain, _, _) = row1();
    let root = root();
    let opts = ChainOptions { root: &root, crls: None, now: ROW1_NOW, leaf_cn: Some(PCK_LEAF_CN) };
    let v = verify_chain(&chain, &opts).unwrap();
    assert!(!v.revocation_checked());
    assert_eq!(v.earliest_expiry().to_string(), "2032-02-06T23:25:51Z"); // the leaf's notAfter
    assert_eq!(v.latest_not_before().to_string(), "2025-02-06T23:25:51Z");
    // `Some(&[])` is not the same: every certificate then lacks its CRL.
    let opts = ChainOptions { crls: Some(&[]), ..opts };
    assert_eq!(verify_chain(&chain, &opts).unwrap_err().code(), FindingCode::CrlMissing);
}

#[test]
fn pck_crl_issuer_chain_has_no_leaf_name() {
    // The collateral's pck_crl_issuer_chain is Platform CA → Root: its leaf is a CA.
    let coll = collateral("tdx/dcap-qvl/tdx_quote_collateral.json");
    let (root_crl, pck_crl) = collateral_crls("tdx/dcap-qvl/tdx_quote_collateral.json");
    let chain = parse_pem_chain(coll["pck_crl_issuer_chain"].as_str().unwrap().as_bytes(), "x").unwrap();
    let root = root();
    let opts = ChainOptions { root: &root, crls: Some(&[&root_crl]), now: ROW1_NOW, leaf_cn: None };
    let v = verify_chain(&chain, &opts).unwrap();
    pck_crl.verify_signed_by(v.leaf()).unwrap();
    // A CRL signature failure maps to crl-bad-signature.
    let err = root_crl.verify_signed_by(v.leaf()).unwrap_err();
    let err = ChainError::from_x509(err);
    assert_eq!(err.code(), FindingCode::CrlBadSignature, "{err}");
    assert_eq!(
        err.to_string(),
        "CRL of `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`: expected issuer \
         `CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`, found issuer \
         `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`"
    );
}

#[test]
fn flipped_signature_byte_is_bad_signature() {
    let (chain, root_crl, pck_crl) = row1();
    for i in 0..2 {
        let mut der = chain[i].der().to_vec();
        *der.last_mut().unwrap() ^= 0x01;
        let mut tampered = chain.clone();
        tampered[i] = Certificate::from_der(&der).unwrap();
        let err = verify_chain(&tampered, &pck_opts(&root(), &[&root_crl, &pck_crl], ROW1_NOW)).unwrap_err();
        assert!(matches!(&err, ChainError::BadSignature { subject, .. } if *subject == chain[i].subject()), "{err}");
        assert_eq!(err.code(), FindingCode::ChainBadSignature);
    }
}

#[test]
fn time_outside_validity_is_expired_or_not_yet_valid() {
    let (chain, root_crl, pck_crl) = row1();
    let crls = [&root_crl, &pck_crl];
    let root = root();
    let after = chain[0].not_after().plus_secs(1);
    let err = verify_chain(&chain, &pck_opts(&root, &crls, after)).unwrap_err();
    assert_eq!(err, ChainError::Expired { subject: chain[0].subject(), not_after: chain[0].not_after(), now: after });
    assert_eq!(
        err.to_string(),
        "certificate `CN=Intel SGX PCK Certificate, O=Intel Corporation, L=Santa Clara, ST=CA, C=US` has \
         expired: valid until 2032-02-06T23:25:51Z, evaluated at 2032-02-06T23:25:52Z"
    );
    verify_chain(&chain, &pck_opts(&root, &crls, after.minus_secs(1))).unwrap_err(); // CRLs long expired by then
    let before = chain[0].not_before().minus_secs(1);
    let err = verify_chain(&chain, &pck_opts(&root, &crls, before)).unwrap_err();
    assert_eq!(err.code(), FindingCode::ChainNotYetValid);
    // Intermediates are judged too: the Platform CA expires 2033-05-21.
    let pca_after = chain[1].not_after().plus_secs(1);
    let opts = ChainOptions { leaf_cn: None, ..pck_opts(&root, &crls, pca_after) };
    let err = verify_chain(&chain[1..2], &opts);
    assert!(matches!(err, Err(ChainError::Expired { ref subject, .. }) if subject.contains("Platform CA")), "{err:?}");
}

#[test]
fn wrong_root_is_root_mismatch() {
    let (chain, root_crl, pck_crl) = row1();
    let crls = [&root_crl, &pck_crl];
    // The Platform CA pinned as the "root": the presented chain goes on past it.
    let err = verify_chain(&chain, &pck_opts(&chain[1], &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::ChainRootMismatch, "{err}");
    // The TCB Signing cert pinned: the chain (without root) is issued by someone else.
    let tcb = parse_pem_chain(
        collateral("tdx/dcap-qvl/tdx_quote_collateral.json")["tcb_info_issuer_chain"].as_str().unwrap().as_bytes(),
        "t",
    )
    .unwrap();
    let err = verify_chain(&chain[..2], &pck_opts(&tcb[0], &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::ChainRootMismatch, "{err}");
    // Another self-signed root with the same name (like Intel's QVL sample root).
    let other = key(0x51);
    let fake_root = resign(&chain[2], &other, rekey(&chain[2], &other));
    assert_eq!(fake_root.subject_der(), chain[2].subject_der());
    let err = verify_chain(&chain, &pck_opts(&fake_root, &crls, ROW1_NOW)).unwrap_err();
    assert!(err.to_string().contains("another self-issued root"), "{err}");
    // Without the presented root, the same-name impostor fails on the signature.
    let err = verify_chain(&chain[..2], &pck_opts(&fake_root, &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::ChainBadSignature, "{err}");
    assert_eq!(verify_chain(&chain[2..], &pck_opts(&chain[2], &crls, ROW1_NOW)).unwrap_err(), ChainError::Empty);
    assert_eq!(verify_chain(&[], &pck_opts(&chain[2], &crls, ROW1_NOW)).unwrap_err(), ChainError::Empty);
}

#[test]
fn crl_problems() {
    let (chain, root_crl, pck_crl) = row1();
    let root = root();
    // Missing: only the root CRL.
    let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl], ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlMissing);
    assert!(err.to_string().contains("expected a CRL issued by `CN=Intel SGX PCK Platform CA"), "{err}");
    let err = verify_chain(&chain, &pck_opts(&root, &[&pck_crl], ROW1_NOW)).unwrap_err();
    assert!(matches!(err, ChainError::CrlMissing { ref issuer, .. } if issuer.contains("Root CA")), "{err}");
    // Expired: one second after the PCK CRL's nextUpdate (SOURCES.md, row 1 edges).
    let next = pck_crl.next_update().unwrap();
    verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], next)).unwrap();
    let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], next.plus_secs(1))).unwrap_err();
    assert_eq!(err, ChainError::CrlExpired { issuer: pck_crl.issuer(), next_update: next, now: next.plus_secs(1) });
    assert!(err.to_string().contains("next update was due 2025-07-19T10:00:35Z, evaluated at 2025-07-19T10:00:36Z"));
    // Not yet valid.
    let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl], pck_crl.this_update().minus_secs(1)))
        .unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlNotYetValid);
    // Tampered CRL signature.
    let mut der = pck_crl.der().to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    let bad = Crl::from_der(&der).unwrap();
    let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &bad], ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlBadSignature);
    // A good and a bad CRL of the same issuer: all must pass.
    let err = verify_chain(&chain, &pck_opts(&root, &[&root_crl, &pck_crl, &bad], ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlBadSignature);
    let many: Vec<&Crl> = std::iter::repeat_n(&pck_crl, MAX_CRLS + 1).collect();
    assert_eq!(verify_chain(&chain, &pck_opts(&root, &many, ROW1_NOW)).unwrap_err().code(), FindingCode::ChainTooLong);
}

/// A copy of the Intel root under a test key, and the Platform CA re-signed by it; the
/// real PCK leaf still verifies (the Platform CA's key is unchanged).
fn test_root_chain() -> (TestRoot, Vec<Certificate>) {
    let (chain, _, _) = row1();
    let root_key = key(0x11);
    let fake_root = resign(&chain[2], &root_key, rekey(&chain[2], &root_key));
    let pca = resign(&chain[1], &root_key, |_| {});
    (TestRoot { root_key, root: fake_root }, vec![chain[0].clone(), pca])
}

struct TestRoot {
    root_key: p256::ecdsa::SigningKey,
    root: Certificate,
}

#[test]
fn revoked_intermediate_and_leaf_are_refused() {
    let (_, root_crl, pck_crl) = row1();
    let (ca, chain) = test_root_chain();
    // Control: the test root's CRL without entries accepts the chain.
    let clean = resign_crl(&root_crl, &ca.root_key, &[]);
    verify_chain(&chain, &pck_opts(&ca.root, &[&clean, &pck_crl], ROW1_NOW)).unwrap();
    // The root CRL lists the Platform CA (serial 00956F5D…, with its sign byte).
    let listing = resign_crl(&root_crl, &ca.root_key, &[chain[1].serial()]);
    assert!(listing.is_revoked(&chain[1]));
    let err = verify_chain(&chain, &pck_opts(&ca.root, &[&listing, &pck_crl], ROW1_NOW)).unwrap_err();
    assert_eq!(
        err,
        ChainError::Revoked {
            subject: chain[1].subject(),
            serial: "00956F5DCDBD1BE1E94049C9D4F433CE01570BDE54".to_string()
        }
    );
    assert_eq!(err.code(), FindingCode::CertRevoked);
    // The PCK leaf revoked by a re-keyed Platform CA's CRL.
    let pca_key = key(0x22);
    let pca = resign(&chain[1], &ca.root_key, rekey(&chain[1], &pca_key));
    let leaf = resign(&chain[0], &pca_key, |_| {});
    let pck_listing = resign_crl(&pck_crl, &pca_key, &[leaf.serial()]);
    let err =
        verify_chain(&[leaf.clone(), pca.clone()], &pck_opts(&ca.root, &[&clean, &pck_listing], ROW1_NOW)).unwrap_err();
    assert!(matches!(err, ChainError::Revoked { ref subject, .. } if subject.contains("PCK Certificate")), "{err}");
    let pck_clean = resign_crl(&pck_crl, &pca_key, &[]);
    verify_chain(&[leaf, pca], &pck_opts(&ca.root, &[&clean, &pck_clean], ROW1_NOW)).unwrap();
}

#[test]
fn revocation_verdict_helper() {
    let (chain, _, _) = row1();
    assert!(check_not_revoked(&chain[0], false).is_ok());
    let err = check_not_revoked(&chain[0], true).unwrap_err();
    assert!(err.to_string().contains("serial 3C16ED54EACBB4CED072BE72630C85788CF46E36"), "{err}");
}

#[test]
fn issuer_constraints_are_enforced() {
    let (_, root_crl, pck_crl) = row1();
    let (ca, chain) = test_root_chain();
    let clean = resign_crl(&root_crl, &ca.root_key, &[]);
    let crls = [&clean, &pck_crl];
    // basicConstraints pathlen 1 -> 0 on the root: one CA (the Platform CA) sits below it.
    const BC_PATHLEN_1: &[u8] = &[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01];
    let tight_root = resign(&ca.root, &ca.root_key, |tbs| replace(tbs, BC_PATHLEN_1, &[0x30, 6, 1, 1, 0xff, 2, 1, 0]));
    let err = verify_chain(&chain, &pck_opts(&tight_root, &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err, ChainError::PathLen { subject: tight_root.subject(), path_len: 0, below: 1 });
    // The Platform CA's basicConstraints turned into an unknown critical extension 2.5.29.99.
    let not_ca = resign(&chain[1], &ca.root_key, |tbs| replace(tbs, &[0x55, 0x1d, 0x13], &[0x55, 0x1d, 0x63]));
    let err = verify_chain(&[chain[0].clone(), not_ca], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err, ChainError::NotCa { subject: chain[1].subject() });
    // keyUsage keyCertSign|cRLSign (06) -> cRLSign only (02).
    let no_sign =
        resign(&chain[1], &ca.root_key, |tbs| replace(tbs, &[0x03, 0x02, 0x01, 0x06], &[0x03, 0x02, 0x01, 0x02]));
    let err = verify_chain(&[chain[0].clone(), no_sign], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err, ChainError::KeyUsage { subject: chain[1].subject(), missing: "keyCertSign" });
    // The leaf's critical basicConstraints renamed: an unknown critical extension.
    let pca_key = key(0x33);
    let pca = resign(&chain[1], &ca.root_key, rekey(&chain[1], &pca_key));
    let odd_leaf = resign(&chain[0], &pca_key, |tbs| replace(tbs, &[0x55, 0x1d, 0x13], &[0x55, 0x1d, 0x63]));
    let err = verify_chain(&[odd_leaf, pca], &pck_opts(&ca.root, &crls, ROW1_NOW)).unwrap_err();
    assert_eq!(err.code(), FindingCode::ChainUnknownCriticalExtension);
    assert!(err.to_string().ends_with("unknown critical extension 2.5.29.99"), "{err}");
}

#[test]
fn codes_are_kebab_case_and_distinct() {
    let s = String::new;
    let all = [
        ChainError::Empty,
        ChainError::TooLong { what: "x", count: 1, max: 0 },
        ChainError::RootMismatch { expected: s(), found: s() },
        ChainError::IssuerMismatch { subject: s(), expected: s(), found: s() },
        ChainError::BadSignature { subject: s(), issuer: s() },
        ChainError::Unsupported { subject: s(), detail: s() },
        ChainError::Expired { subject: s(), not_after: UnixTime::EPOCH, now: UnixTime::EPOCH },
        ChainError::NotYetValid { subject: s(), not_before: UnixTime::EPOCH, now: UnixTime::EPOCH },
        ChainError::NotCa { subject: s() },
        ChainError::PathLen { subject: s(), path_len: 0, below: 0 },
        ChainError::KeyUsage { subject: s(), missing: "x" },
        ChainError::CriticalExtension { subject: s(), oid: s() },
        ChainError::LeafName { expected: s(), found: s() },
        ChainError::CrlMissing { issuer: s(), subject: s() },
        ChainError::CrlBadSignature { issuer: s(), detail: s() },
        ChainError::CrlExpired { issuer: s(), next_update: UnixTime::EPOCH, now: UnixTime::EPOCH },
        ChainError::CrlNotYetValid { issuer: s(), this_update: UnixTime::EPOCH, now: UnixTime::EPOCH },
        ChainError::CrlNoNextUpdate { issuer: s() },
        ChainError::CrlCriticalExtension { issuer: s(), oid: s() },
        ChainError::Revoked { subject: s(), serial: s() },
    ];
    let mut codes: Vec<&str> = all.iter().map(|e| e.code().as_str()).collect();
    assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')));
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}

/// `cert` with the last byte of its signature flipped (still well-formed DER).
fn flip_signature(cert: &Certificate) -> Certificate {
    let mut der = cert.der().to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    Certificate::from_der(&der).unwrap()
}

#[test]
fn the_cache_skips_only_the_very_same_signature() {
    let (chain, root_crl, pck_crl) = row1();
    let root = root();
    let crls = [&root_crl, &pck_crl];
    let mut cache = SignatureCache::default();
    verify_chain_in(&chain, &pck_opts(&root, &crls, ROW1_NOW), &mut cache).unwrap();
    // Leaf by Platform CA, Platform CA by root, root CRL by root, PCK CRL by Platform CA.
    assert_eq!(cache.len(), 4);
    verify_chain_in(&chain, &pck_opts(&root, &crls, ROW1_NOW), &mut cache).unwrap();
    assert_eq!(cache.len(), 4, "a repeat adds nothing");

    // The same certificates with a flipped signature byte, in a later chain of the same run.
    for i in 0..2 {
        let mut tampered = chain.clone();
        tampered[i] = flip_signature(&chain[i]);
        assert_eq!(tampered[i].subject(), chain[i].subject());
        let err = verify_chain_in(&tampered, &pck_opts(&root, &crls, ROW1_NOW), &mut cache).unwrap_err();
        assert!(matches!(&err, ChainError::BadSignature { subject, .. } if *subject == chain[i].subject()), "{err}");
    }
    // The same CRL with a flipped signature byte.
    let mut der = pck_crl.der().to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    let bad_crl = Crl::from_der(&der).unwrap();
    let err = verify_chain_in(&chain, &pck_opts(&root, &[&root_crl, &bad_crl], ROW1_NOW), &mut cache).unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlBadSignature, "{err}");
    // Failures are not remembered as passes: a second try fails the same way. The one new entry
    // is the genuine leaf under the flipped Platform CA, whose key is unchanged (a true pass).
    let err = verify_chain_in(&chain, &pck_opts(&root, &[&root_crl, &bad_crl], ROW1_NOW), &mut cache).unwrap_err();
    assert_eq!(err.code(), FindingCode::CrlBadSignature, "{err}");
    assert_eq!(cache.len(), 5);
}

#[test]
fn the_cache_keys_on_the_issuer_too() {
    // The real leaf passed under the real Platform CA; under a same-name CA with another key
    // (issued by a test root) its signature is computed again, and fails.
    let (chain, root_crl, pck_crl) = row1();
    let (ca, test_chain) = test_root_chain();
    let mut cache = SignatureCache::default();
    verify_chain_in(&chain, &pck_opts(&root(), &[&root_crl, &pck_crl], ROW1_NOW), &mut cache).unwrap();
    let impostor = resign(&test_chain[1], &ca.root_key, rekey(&test_chain[1], &key(0x44)));
    assert_eq!(impostor.subject_der(), chain[1].subject_der());
    let opts = ChainOptions { root: &ca.root, crls: None, now: ROW1_NOW, leaf_cn: Some(PCK_LEAF_CN) };
    let err = verify_chain_in(&[chain[0].clone(), impostor], &opts, &mut cache).unwrap_err();
    assert!(matches!(&err, ChainError::BadSignature { subject, .. } if *subject == chain[0].subject()), "{err}");
}
