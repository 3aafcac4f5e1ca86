//! GitHub-flavoured Markdown rendering of a `Doc`, for release checklists and job summaries
//! (`$GITHUB_STEP_SUMMARY`): the verdict and the checks first, detail folded in `<details>`
//! (unfolded where it explains a failure), finding codes as inline code.

use super::doc::{Block, Cell, Doc, Fold, Tone};

pub fn render(doc: &Doc) -> String {
    let mut out = format!("## {}\n", mark(&doc.title));
    for s in &doc.sections {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        match s.fold {
            Fold::Never => out.push_str(&format!("### {}\n\n", escape(&s.heading))),
            Fold::Open => out.push_str(&format!("<details open>\n<summary><b>{}</b></summary>\n\n", html(&s.heading))),
            Fold::Closed => out.push_str(&format!("<details>\n<summary><b>{}</b></summary>\n\n", html(&s.heading))),
        }
        for b in &s.blocks {
            match b {
                Block::Text(t) => out.push_str(&format!("{}\n\n", escape(t))),
                Block::Pairs(rows) => {
                    out.push_str("| | |\n|---|---|\n");
                    for (k, v) in rows {
                        out.push_str(&format!("| {} | {} |\n", escape(k), mark(v)));
                    }
                    out.push('\n');
                }
                Block::Table { headers, rows } => {
                    let hs: Vec<String> = headers.iter().map(|h| escape(h)).collect();
                    out.push_str(&format!("| {} |\n|{}\n", hs.join(" | "), "---|".repeat(headers.len())));
                    for r in rows {
                        let cs: Vec<String> = r.iter().map(mark).collect();
                        out.push_str(&format!("| {} |\n", cs.join(" | ")));
                    }
                    out.push('\n');
                }
            }
        }
        if s.fold != Fold::Never {
            out.push_str("</details>\n\n");
        }
    }
    out
}

/// Escapes text for an HTML element (the `<summary>` of a fold).
fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn mark(c: &Cell) -> String {
    let text = escape(&c.text);
    match c.tone {
        Tone::Good => format!("✅ {text}"),
        Tone::Bad => format!("❌ **{text}**"),
        Tone::Warn => format!("⚠️ {text}"),
        Tone::Plain => text,
        Tone::Code if c.text.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') => format!("`{}`", c.text),
        Tone::Code => text,
    }
}

/// Escapes what would break a table cell or start Markdown formatting.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '*' | '_' | '`' | '<' | '>' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
