//! The views of `inspect`, `replay` and `compose show` built from the parse stage's `Observed`
//! (the view types are `crate::views`, which depends on no stage; their constructors that need
//! a stage live here).

use super::observe::launcher_config;
use super::parse::Observed;
use crate::compose::app_compose::AppCompose;
use crate::views::{ComposeView, Inspection, QuoteView, ReplayView, INSPECT_SCHEMA};

impl Inspection {
    pub fn of(o: &Observed) -> Self {
        Inspection {
            schema: INSPECT_SCHEMA,
            evidence_shape: o.shape.describe(),
            quote_source: o.quote_origin.to_string(),
            quote: QuoteView::of(&o.quote),
            replay: ReplayView::of(o),
            app_compose: o.app_compose.as_ref().map(|(c, origin)| ComposeView::of(c, origin.to_string())),
            claims: o.claims.clone(),
            notes: o.notes.clone(),
        }
    }
}

impl ReplayView {
    pub fn of(o: &Observed) -> Option<Self> {
        let (r, (log, origin)) = (o.replay.as_ref()?, o.event_log.as_ref()?);
        Some(ReplayView::from_replay(r, log, origin.to_string(), &o.runtime))
    }
}

impl ComposeView {
    pub fn of(c: &AppCompose, source: String) -> Self {
        ComposeView::with_launcher_config(c, source, launcher_config)
    }
}
