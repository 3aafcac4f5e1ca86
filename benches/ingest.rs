//! Ingest + replay + compose-hash + appraisal on real attestations, in-process.
//! Run: `cargo bench --bench ingest`. Figures are recorded in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use dstack_audit::evidence::{InputFile, Sources};
use dstack_audit::reference::Reference;

/// (label, fixture): a guest-agent GetQuote response (17 KiB, 28 events) and a NEAR MPC
/// public_data document (65 KiB, quote and collateral as JSON byte arrays, 29 events).
const CASES: &[(&str, &str)] = &[
    ("getquote", "dstack/dstack-verifier-quote-report/quote-report.json"),
    ("near-public-data", "dstack/near-mpc-dstack-dev-0.5.8/public_data.json"),
];

fn bench(c: &mut Criterion) {
    let at = dstack_audit::clock::EvalTime::from_unix(1_788_000_000).unwrap();
    let settings = dstack_audit::Settings::at(at);
    for (label, rel) in CASES {
        let bytes = std::fs::read(format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let sources = Sources { attestation: Some(InputFile { name: (*rel).into(), bytes }), ..Sources::default() };
        c.bench_function(&format!("{label}: parse + replay + compose-hash"), |b| {
            b.iter(|| dstack_audit::pipeline::observe(dstack_audit::evidence::load(&sources).unwrap()).unwrap())
        });
        c.bench_function(&format!("{label}: whole verify report"), |b| {
            b.iter(|| dstack_audit::verify(&sources, &Reference::none(), None, &settings).unwrap())
        });
        c.bench_function(&format!("{label}: JSON parse alone"), |b| {
            b.iter(|| dstack_audit::evidence::parse_json(&sources.attestation.as_ref().unwrap().bytes).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
