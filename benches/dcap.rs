//! Quote + collateral verification next to dcap-qvl's on the same input, in one run.
//! Run: `cargo bench --bench dcap`. Figures are recorded in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use dcap_qvl::verify::QuoteVerifier;
use dcap_qvl::QuoteCollateralV3;
use dstack_audit::clock::UnixTime;
use dstack_audit::dcap::collateral::parse_collateral;
use dstack_audit::dcap::roots::TrustAnchor;
use dstack_audit::dcap::verify::verify_dcap;
use dstack_audit::tdx::quote::{decode_quote_bytes, parse_quote};

fn bench(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tdx/tee-solver/alice");
    let raw = decode_quote_bytes(&std::fs::read(format!("{dir}/quote.hex")).unwrap(), "quote").unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/quote_collateral.json")).unwrap()).unwrap();
    let now = 1_757_894_400; // 2025-09-15T00:00:00Z, inside the collateral window
    let anchor = TrustAnchor::intel().unwrap();
    let collateral = parse_collateral(&json).unwrap();
    let crls = collateral.crls.as_ref().expect("the alice collateral carries its CRLs");
    let peer_collateral = QuoteCollateralV3 {
        pck_crl_issuer_chain: crls.pck_crl_issuer_chain.clone(),
        root_ca_crl: crls.root_ca_crl.clone(),
        pck_crl: crls.pck_crl.clone(),
        tcb_info_issuer_chain: collateral.tcb_info_issuer_chain.clone(),
        tcb_info: collateral.tcb_info.clone(),
        tcb_info_signature: collateral.tcb_info_signature.to_vec(),
        qe_identity_issuer_chain: collateral.qe_identity_issuer_chain.clone(),
        qe_identity: collateral.qe_identity.clone(),
        qe_identity_signature: collateral.qe_identity_signature.to_vec(),
        pck_certificate_chain: None,
    };
    let mut g = c.benchmark_group("quote + collateral (tee-solver alice)");
    g.bench_function("dstack-audit", |b| {
        b.iter(|| {
            let quote = parse_quote(&raw).unwrap();
            let collateral = parse_collateral(&json).unwrap();
            let o = verify_dcap(&quote, Some(&collateral), &anchor, UnixTime::from_secs(now));
            assert!(matches!(o.tcb, Some(Ok(_))));
        })
    });
    g.bench_function("dcap-qvl 0.7 (rustcrypto)", |b| {
        b.iter(|| QuoteVerifier::new_prod().verify(&raw, &peer_collateral, now).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
