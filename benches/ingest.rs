//! Ingest + replay + compose-hash + appraisal on a real attestation (NEAR MPC public_data,
//! dstack 0.5.8, 65 KiB, 29 events). Run: `cargo bench --bench ingest`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use dstack_audit::evidence::{InputFile, Sources};
use dstack_audit::reference::Reference;

fn bench(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json");
    let bytes = std::fs::read(path).unwrap();
    let sources =
        Sources { attestation: Some(InputFile { name: "public_data.json".into(), bytes }), ..Sources::default() };
    let at = dstack_audit::clock::EvalTime::from_unix(1_788_000_000).unwrap();
    c.bench_function("load+replay+compose-hash (near 0.5.8)", |b| {
        b.iter(|| {
            let evidence = dstack_audit::evidence::load(&sources).unwrap();
            dstack_audit::checks::observe(evidence).unwrap()
        })
    });
    c.bench_function("verify report (near 0.5.8)", |b| {
        b.iter(|| dstack_audit::verify(&sources, &Reference::none(), None, at).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches, p);

fn parts(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json");
    let bytes = std::fs::read(path).unwrap();
    c.bench_function("json parse only", |b| b.iter(|| dstack_audit::evidence::parse_json(&bytes).unwrap()));
    let q = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dstack/dstack-verifier-quote-report/quote-report.json");
    let qb = std::fs::read(q).unwrap();
    c.bench_function("json parse getquote", |b| b.iter(|| dstack_audit::evidence::parse_json(&qb).unwrap()));
    let s = Sources { attestation: Some(InputFile { name: "q".into(), bytes: qb.clone() }), ..Sources::default() };
    c.bench_function("observe getquote", |b| {
        b.iter(|| dstack_audit::checks::observe(dstack_audit::evidence::load(&s).unwrap()).unwrap())
    });
}
criterion_group!(p, parts);
