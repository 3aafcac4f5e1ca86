//! Builds the human-readable `Doc` of each command's data, one file per command (`verify.rs`,
//! `inspect.rs`, `replay.rs`, `compose.rs` for `compose-hash`, `provenance.rs`). Wording lives
//! here; layout lives in the renderers (`table.rs`, `markdown.rs`). This file keeps the cells and
//! helpers more than one command uses.

mod compose;
mod inspect;
mod provenance;
mod replay;
mod verify;

pub use compose::{compose_blocks, compose_hash_doc};
pub use inspect::inspect_doc;
pub use provenance::provenance_doc;
pub use replay::replay_doc;
pub use verify::verify_doc;

use super::doc::{Cell, Tone};
use crate::views::EventView;

fn clip(v: &str) -> String {
    const MAX: usize = 96;
    if v.chars().count() > MAX {
        format!("{}…", v.chars().take(MAX).collect::<String>())
    } else {
        v.to_string()
    }
}

/// One row per event: index, IMR, name (or type), digest status, and a last column of choice.
fn event_rows(events: &[EventView], last: impl Fn(&EventView) -> String) -> Vec<Vec<Cell>> {
    events
        .iter()
        .map(|e| {
            let status = if e.digest_status == "ok" {
                Cell::plain(e.digest_source)
            } else {
                Cell::toned(e.digest_status.clone(), Tone::Bad)
            };
            vec![
                Cell::plain(e.index.to_string()),
                Cell::plain(e.imr.to_string()),
                Cell::plain(if e.event.is_empty() { e.event_type.clone() } else { e.event.clone() }),
                status,
                Cell::plain(last(e)),
            ]
        })
        .collect()
}

fn short_hex(h: &str) -> String {
    match (h.get(..12), h.get(h.len().saturating_sub(8)..)) {
        (Some(a), Some(b)) if h.len() > 24 => format!("{a}…{b}"),
        _ => h.to_string(),
    }
}
