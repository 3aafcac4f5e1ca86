//! The one output-format type and the one render path every command's data goes through:
//! JSON serialises the data; a table or Markdown renders the data's human `Doc`
//! (`report::human`). Colour only on a terminal, and never under `NO_COLOR`.

use std::io::IsTerminal;

use clap::ValueEnum;
use dstack_audit::report::doc::Doc;
use dstack_audit::report::{json, markdown, table};

/// `--format` of every command that prints a report or a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
    Markdown,
}

/// Whether tables may use colour: standard output is a terminal and `NO_COLOR` is unset or empty.
pub(super) fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `data` in `format`; `doc` builds the human document only when a table or Markdown is asked for.
pub(super) fn render<T: serde::Serialize>(format: Format, data: &T, doc: impl FnOnce(&T) -> Doc) -> String {
    match format {
        Format::Json => json::render(data),
        Format::Table => table::render(&doc(data), color()),
        Format::Markdown => markdown::render(&doc(data)),
    }
}
