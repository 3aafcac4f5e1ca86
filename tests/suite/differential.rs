//! Differential test against the `dcap-qvl` crate (0.7, RustCrypto backend) on the same inputs:
//! every real pairing and every generated scenario. Where the two differ on purpose, the reason
//! is written next to the case (docs/dcap.md, "Differences from dcap-qvl").

use crate::common;

use crate::common::fixture;
use dcap_qvl::verify::QuoteVerifier;
use dcap_qvl::QuoteCollateralV3;
use dstack_audit::clock::UnixTime;
use dstack_audit::dcap::collateral::Collateral;
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::verify_dcap;
use dstack_audit::tdx::quote::parse_quote;

/// Every collateral compared here carries its CRLs (dcap-qvl 0.7 requires them).
fn to_peer(c: &Collateral) -> QuoteCollateralV3 {
    let crls = c.crls.as_ref().expect("the differential rows carry CRLs");
    QuoteCollateralV3 {
        pck_crl_issuer_chain: crls.pck_crl_issuer_chain.clone(),
        root_ca_crl: crls.root_ca_crl.clone(),
        pck_crl: crls.pck_crl.clone(),
        tcb_info_issuer_chain: c.tcb_info_issuer_chain.clone(),
        tcb_info: c.tcb_info.clone(),
        tcb_info_signature: c.tcb_info_signature.to_vec(),
        qe_identity_issuer_chain: c.qe_identity_issuer_chain.clone(),
        qe_identity: c.qe_identity.clone(),
        qe_identity_signature: c.qe_identity_signature.to_vec(),
        pck_certificate_chain: c.pck_certificate_chain.clone(),
    }
}

/// Ours as `Ok((status, advisories))` or `Err(code)`.
fn ours(raw: &[u8], c: &Collateral, anchor: &TrustAnchor, now: u64) -> Result<(String, Vec<String>), &'static str> {
    common::dcap::result(&verify_dcap(&parse_quote(raw).unwrap(), Some(c), anchor, UnixTime::from_secs(now)))
}

#[test]
fn real_pairings_agree_with_dcap_qvl() {
    for (row, q, c, at, _) in common::dcap::ROWS {
        let raw = dstack_audit::tdx::quote::decode_quote_bytes(&std::fs::read(fixture(q)).unwrap(), q).unwrap();
        let collateral = common::dcap::load_collateral(c);
        let now = common::dcap::unix(at).secs();
        let mine = ours(&raw, &collateral, &TrustAnchor::intel().unwrap(), now);
        let peer = QuoteVerifier::new_prod().verify(&raw, &to_peer(&collateral), now);
        match (*row, &mine, &peer) {
            // dcap-qvl prefers the collateral's PCK chain, which is not this quote's (SOURCES row 16);
            // Intel's QVL and dstack-audit use the quote's own chain.
            (16, Ok(_), Err(e)) => assert!(e.to_string().contains("qe_report"), "row 16: {e}"),
            (_, Ok((s, a)), Ok(p)) => {
                assert_eq!(s, &p.status, "row {row}");
                assert_eq!(a, &p.advisory_ids, "row {row}");
            }
            (_, Err(_), Err(_)) => {}
            _ => panic!("row {row}: ours {mine:?}, dcap-qvl {:?}", peer.map(|p| p.status)),
        }
    }
}

#[test]
fn generated_scenarios_agree_with_dcap_qvl() {
    let root_pem = std::fs::read(fixture("synthetic/test-root-ca.pem")).unwrap();
    let anchor = TrustAnchor::untrusted_test_root(&root_pem, "test root").unwrap();
    let root_der = anchor.cert.der().to_vec();
    for name in common::dcap::scenarios() {
        let want = common::dcap::expected(&name);
        let raw = std::fs::read(fixture(&format!("synthetic/dcap/{name}/quote.bin"))).unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture(&format!("synthetic/dcap/{name}/collateral.json"))).unwrap())
                .unwrap();
        let collateral = dstack_audit::dcap::collateral::parse_collateral(&v).unwrap();
        let now = common::dcap::unix(want["at"].as_str().unwrap()).secs();
        let mine = ours(&raw, &collateral, &anchor, now);
        // dcap-qvl refuses debug TDs inside verification; dstack-audit reports the TCB and fails
        // the TD policy separately (`td-debug`). Compare the TCB with debug allowed.
        let peer = QuoteVerifier::new(root_der.clone()).allow_debug(name == "debug-td").verify(
            &raw,
            &to_peer(&collateral),
            now,
        );
        match (name.as_str(), &mine, &peer) {
            // dcap-qvl turns a Revoked TCB status into an error; dstack-audit reports the status,
            // which the default policy then refuses (`tcb-status-not-allowed`).
            ("revoked-tcb", Ok((s, _)), Err(e)) => {
                assert_eq!(s, "Revoked");
                assert!(e.to_string().contains("Revoked"), "{e}");
            }
            (_, Ok((s, a)), Ok(p)) => {
                assert_eq!(s, &p.status, "{name}");
                assert_eq!(a, &p.advisory_ids, "{name}");
            }
            (_, Err(_), Err(_)) => {}
            _ => panic!("{name}: ours {mine:?}, dcap-qvl {:?}", peer.map(|p| p.status)),
        }
    }
}
