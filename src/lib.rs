//! dstack-audit: an offline verifier for dstack (Intel TDX) attestations.
//!
//! Layers (docs/architecture.md): `evidence` reads input shapes into canonical evidence;
//! `tdx` and `compose` parse and replay without policy; `dcap` authenticates the quote; `checks`
//! appraise established facts against the `reference`; `report` holds the result as data and
//! renders it. `pipeline` runs these stages in order and is the only place that assembles a
//! report. The command line is the binary's (`src/main.rs`, `src/cmd/`), a thin shell around
//! `pipeline::verify`; `fetch` (the only network access) is built with the `fetch` feature.

pub mod attested;
pub(crate) mod bytes;
pub mod checks;
pub mod clock;
pub mod compose;
pub mod dcap;
pub mod deployment;
pub mod error;
pub mod evidence;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod finding_code;
pub(crate) mod json;
pub mod limits;
pub(crate) mod measured;
pub mod pipeline;
pub mod provenance;
pub mod reference;
pub mod reference_init;
pub mod report;
pub mod signature;
pub mod tdx;
pub mod views;
pub mod workload;
pub mod x509;

/// The pipeline's entry points, under the names the tests and the binary use.
pub use pipeline::{verify, Settings};
