//! `inspect`, `replay` and `compose-hash`: views of the evidence, no verdict.

use dstack_audit::compose::app_compose::AppCompose;
use dstack_audit::error::Error;
use dstack_audit::report::human;
use dstack_audit::views::{ComposeView, Inspection, ReplayView};

use super::config::{ComposeHashConfig, EvidencePaths, ShowConfig};
use super::input::{read_input, sources};
use super::render::render;
use super::Outcome;

/// The evidence read, parsed and replayed.
pub(super) fn observe(e: &EvidencePaths) -> Result<dstack_audit::pipeline::Observed, Error> {
    dstack_audit::pipeline::observe(dstack_audit::evidence::load(&sources(e)?)?)
}

/// `inspect`: the decoded quote, the event log and the app-compose; exit 0.
pub(super) fn inspect(c: &ShowConfig) -> Result<Outcome, Error> {
    let observed = observe(&c.evidence)?;
    let view = Inspection::of(&observed);
    Ok((render(c.format, &view, human::inspect_doc), 0))
}

/// `replay`: exit 0 when every RTMR replays, 1 otherwise.
pub(super) fn replay(c: &ShowConfig) -> Result<Outcome, Error> {
    let observed = observe(&c.evidence)?;
    let view = ReplayView::of(&observed)
        .ok_or_else(|| Error::Usage("the evidence holds no event log to replay (pass --event-log FILE)".into()))?;
    let code = if view.rtmrs.iter().all(|r| r.matches) { 0 } else { 1 };
    Ok((render(c.format, &view, human::replay_doc), code))
}

/// `compose-hash`: SHA-256 of the app-compose's exact bytes and the default app-id.
pub(super) fn compose_hash(c: &ComposeHashConfig) -> Result<Outcome, Error> {
    let f = read_input(&c.file)?;
    let text = dstack_audit::evidence::app_compose_text(&f.bytes).map_err(|e| e.in_input(&f.name))?;
    let compose = AppCompose::new(text);
    let view = ComposeView::of(&compose, f.name.clone());
    Ok((render(c.format, &view, human::compose_hash_doc), 0))
}
