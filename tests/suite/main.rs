//! The integration tests, in one test crate (one link): per-layer tests, byte flips, attacks,
//! CLI goldens and differentials, one module per file. Run one file's tests with
//! `cargo test --test suite <file>::`, or any test by a part of its name.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

mod attestation_attacks;
mod bad_input;
mod ci_action;
mod cli;
mod compose;
mod dcap_real;
mod dcap_synthetic;
mod deployment;
mod differential;
mod docs;
mod duplicates;
mod event_log_attacks;
mod fetch_attestation;
mod fetch_bundle;
mod fetch_collateral;
mod git_launcher;
mod git_launcher_differential;
mod launcher;
mod no_panic;
mod provenance_conformance;
mod provenance_github;
mod quote_files;
mod quote_parsing;
mod real_fixtures;
mod reference_init;
mod select;
mod shapes;
mod tamper;
mod workload;
mod workload_attacks;
mod workload_images;
mod workload_model;
mod workload_repo;
mod workload_variants;
