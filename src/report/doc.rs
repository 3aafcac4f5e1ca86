//! A small document model for human output: a title, then sections holding key/value rows or
//! tables. `table.rs` renders it for terminals and `markdown.rs` as GitHub Markdown, so both
//! say the same things.

/// A status mark that renderers may colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Warn,
    Plain,
    /// An identifier (a finding code): Markdown shows it as inline code.
    Code,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Self {
        Cell { text: text.into(), tone: Tone::Plain }
    }

    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Cell { text: text.into(), tone }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Label/value rows.
    Pairs(Vec<(String, Cell)>),
    /// A table with headers.
    Table { headers: Vec<String>, rows: Vec<Vec<Cell>> },
    /// A paragraph of text.
    Text(String),
}

/// Whether a section is detail that a renderer may fold away (Markdown `<details>`); terminals
/// show every section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Always shown.
    Never,
    /// Foldable, shown unfolded (detail that explains a failure).
    Open,
    /// Foldable, folded (detail behind a pass).
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
    pub fold: Fold,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub title: Cell,
    pub sections: Vec<Section>,
}

impl Doc {
    pub fn new(title: Cell) -> Self {
        Doc { title, sections: Vec::new() }
    }

    pub fn section(&mut self, heading: impl Into<String>, blocks: Vec<Block>) {
        self.sections.push(Section { heading: heading.into(), blocks, fold: Fold::Never });
    }

    /// A section of detail that Markdown may fold.
    pub fn detail(&mut self, heading: impl Into<String>, blocks: Vec<Block>, fold: Fold) {
        self.sections.push(Section { heading: heading.into(), blocks, fold });
    }
}
