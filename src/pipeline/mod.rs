//! The verification pipeline: the one place that runs the stages in order and assembles the
//! report.
//!
//! 1. parse (`parse.rs`): canonical evidence → parsed quote, event log replayed against it;
//! 2. authenticate (`authenticate.rs`): DCAP → `VerifiedQuote`; replay against it →
//!    `MeasuredRuntimeEvents`; the app-compose attested by the measured compose-hash; the
//!    workload repository inspected for the pinned commit (launcher-image signatures are
//!    verified by check 2 through its own API);
//! 3. observe (`observe.rs`): the facts the report shows;
//! 4. appraise (`appraise.rs`): the three checks, with the expectations the pipeline chose
//!    (`TdxExpectations` from the reference file today);
//! 5. report (`report.rs`): `Report` assembled.
//!
//! `views.rs` builds the views of `inspect`, `replay` and `compose show` from stage 1's output.
//!
//! Reading files is the binary's job (it hands `InputFile`s in); trust material and side inputs
//! are read from `Settings` by `settings.rs`.

pub(crate) mod appraise;
pub(crate) mod authenticate;
pub mod observe;
pub(crate) mod parse;
pub(crate) mod report;
pub(crate) mod settings;
mod views;

use crate::error::Error;
use crate::evidence::{self, InputFile, Sources};
use crate::reference::Reference;
use crate::report::Report;

pub use appraise::{tdx_expectations, Appraisal};
pub use authenticate::Authenticated;
pub use parse::{observe, Observed};
pub use report::input_record;
pub use settings::{prepare, Prepared, Settings};

/// Reads the canonical evidence out of the sources, parses it, and authenticates it.
pub fn parse_and_authenticate(
    sources: &Sources,
    prepared: &Prepared,
    settings: &Settings,
) -> Result<(Observed, Authenticated), Error> {
    let evidence = evidence::load(sources)?;
    let mut observed = observe(evidence)?;
    if prepared.collateral.is_some() && observed.collateral.is_some() {
        observed.notes.push("the --collateral file is used instead of the collateral inside the attestation".into());
    }
    let authenticated = authenticate::authenticate(&observed, prepared, settings.at);
    Ok((observed, authenticated))
}

/// Runs every stage on the given sources and returns the report.
pub fn verify(
    sources: &Sources,
    reference: &Reference,
    reference_file: Option<&InputFile>,
    settings: &Settings,
) -> Result<Report, Error> {
    let prepared = prepare(settings)?;
    let (observed, authenticated) = parse_and_authenticate(sources, &prepared, settings)?;
    let compose = authenticate::attested_compose(&observed, &authenticated);
    let repo = match settings.workload_repo.as_deref() {
        None => None,
        Some(dir) => authenticate::inspect_workload_repo(Some(dir), &appraise::workload_pin(&compose, reference).1),
    };
    let appraisal = appraise::appraise(&observed, &authenticated, &compose, reference, repo.as_ref());
    let tdx = tdx_expectations(reference);
    let tdx_source = (reference.is_given() && tdx.values.is_some())
        .then(|| observe::expectation_source_kind(&tdx.source).to_string());
    let facts =
        observe::facts(&observed, &authenticated, &compose, &appraisal.launcher, &appraisal.workload, tdx_source);
    Ok(report::assemble(report::Parts {
        sources,
        reference_file,
        settings,
        prepared: &prepared,
        observed: &observed,
        authenticated: &authenticated,
        appraisal,
        facts,
    }))
}
