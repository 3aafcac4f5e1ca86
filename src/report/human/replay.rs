//! The `replay` view as a `Doc`: replayed RTMR0–3 next to the quoted ones, event by event.

use super::{event_rows, short_hex};
use crate::report::doc::{Block, Cell, Doc, Tone};
use crate::views::ReplayView;

pub fn replay_doc(v: &ReplayView) -> Doc {
    let all = v.rtmrs.iter().all(|r| r.matches);
    let mut doc = Doc::new(Cell::toned(
        format!("dstack-audit replay: {}", if all { "all RTMRs replay" } else { "not every RTMR replays" }),
        if all { Tone::Good } else { Tone::Warn },
    ));
    let rows = v
        .rtmrs
        .iter()
        .map(|r| {
            vec![
                Cell::plain(format!("RTMR{}", r.rtmr)),
                Cell::plain(r.events.to_string()),
                if r.matches { Cell::toned("match", Tone::Good) } else { Cell::toned("MISMATCH", Tone::Bad) },
                Cell::plain(format!(
                    "quoted   {}\nreplayed {}",
                    r.quoted,
                    r.replayed.as_deref().unwrap_or("(not computable)")
                )),
            ]
        })
        .collect();
    doc.section(
        format!("Registers ({})", v.source),
        vec![
            Block::Table { headers: vec!["RTMR".into(), "Events".into(), "Result".into(), "Values".into()], rows },
            Block::Text(format!("runtime events: {}", v.runtime_events)),
        ],
    );
    let rows = event_rows(&v.events, |e| e.rtmr_after.as_deref().map(short_hex).unwrap_or_else(|| "-".into()));
    doc.section(
        "Events",
        vec![Block::Table {
            headers: vec!["#".into(), "IMR".into(), "Event".into(), "Digest".into(), "RTMR after".into()],
            rows,
        }],
    );
    doc
}
