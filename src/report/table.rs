//! Terminal rendering of a `Doc` with comfy-table, at most 100 columns wide. Colour only when
//! the caller says so (a terminal, and `NO_COLOR` unset).

use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell as TCell, Color, ContentArrangement, Table};

use super::doc::{Block, Cell, Doc, Tone};

/// Total width of rendered tables.
pub const TABLE_WIDTH: u16 = 100;

pub fn render(doc: &Doc, color: bool) -> String {
    let mut out = String::new();
    out.push_str(&paint(&doc.title, color, true));
    out.push('\n');
    for s in &doc.sections {
        out.push('\n');
        out.push_str(&paint(&Cell::plain(s.heading.clone()), color, true));
        out.push('\n');
        for b in &s.blocks {
            match b {
                Block::Text(t) => {
                    out.push_str(t);
                    out.push('\n');
                }
                Block::Pairs(rows) => {
                    let mut t = table(color);
                    for (k, v) in rows {
                        t.add_row(vec![TCell::new(k), cell(v, color)]);
                    }
                    out.push_str(&t.to_string());
                    out.push('\n');
                }
                Block::Table { headers, rows } => {
                    let mut t = table(color);
                    t.set_header(headers.iter().map(|h| TCell::new(h).add_attribute(Attribute::Bold)));
                    for r in rows {
                        t.add_row(r.iter().map(|c| cell(c, color)));
                    }
                    out.push_str(&t.to_string());
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn table(color: bool) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_width(TABLE_WIDTH);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn cell(c: &Cell, color: bool) -> TCell {
    let t = TCell::new(&c.text);
    match (color, c.tone) {
        (false, _) | (_, Tone::Plain) | (_, Tone::Code) => t,
        (true, Tone::Good) => t.fg(Color::Green),
        (true, Tone::Bad) => t.fg(Color::Red).add_attribute(Attribute::Bold),
        (true, Tone::Warn) => t.fg(Color::Yellow),
    }
}

fn paint(c: &Cell, color: bool, bold: bool) -> String {
    if !color {
        return c.text.clone();
    }
    let code = match c.tone {
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Warn => "33",
        Tone::Plain | Tone::Code => "0",
    };
    let weight = if bold { "1;" } else { "" };
    format!("\u{1b}[{weight}{code}m{}\u{1b}[0m", c.text)
}
