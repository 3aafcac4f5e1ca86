//! The compose text as a YAML tree that keeps what Compose's own loader sees: tags (`!reset`,
//! `!override`), anchors and aliases, `<<` merge keys, and the line of every node, so that a
//! finding can name the line it is about.
//!
//! Built on the granit-parser event API (the parser serde-saphyr uses; docs/decisions.md 48),
//! because a serde data model has no place for tags or positions. Resources are bounded by the
//! compose limits of `crate::limits` (input size, depth, nodes after alias expansion).
//!
//! Rules (compose-go `loader/reset.go` at 01608cf; YAML 1.2 merge keys): a mapping value tagged
//! `!reset` is removed with its key; `!override` is kept and remembered (it only matters when
//! files are merged, and only one file is attested). A `<<` merge adds the keys the mapping
//! does not have; where Compose versions would resolve a merge differently (a key written
//! before the merge, supplied twice, or reset; a second `<<`) the text is refused (see
//! `finish_map`). Duplicate keys are an error, as in Compose.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::error::{describe, Location, ParseError};
use crate::limits::{MAX_COMPOSE_BYTES, MAX_COMPOSE_DEPTH, MAX_COMPOSE_EXPANDED_BYTES, MAX_COMPOSE_NODES};

/// One node with its 1-based line and its tag as written (`!reset`, `!!str`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YNode {
    pub value: YValue,
    pub line: usize,
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum YValue {
    Null,
    /// A scalar's text; `quoted` when it was not written plain (so `"true"` stays a string).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<YNode>),
    /// Keys in document order, each with the line it is on; `resets` are the keys removed by
    /// `!reset`, `overrides` the keys tagged `!override`.
    Map {
        entries: Vec<Entry>,
        resets: Vec<String>,
        overrides: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub line: usize,
    pub value: YNode,
}

impl YNode {
    /// The text of a scalar, `None` for null and collections.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.value {
            YValue::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            YValue::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&YNode> {
        self.entries()?.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, YValue::Null)
    }

    /// What kind of node this is, for messages.
    pub(crate) fn kind(&self) -> String {
        match &self.value {
            YValue::Null => "null".into(),
            YValue::Scalar { text, .. } => format!("the scalar {}", describe(text)),
            YValue::Seq(_) => "a sequence".into(),
            YValue::Map { .. } => "a mapping".into(),
        }
    }

    /// Nodes in this subtree.
    pub(crate) fn size(&self) -> usize {
        let mut n: usize = 0;
        let mut stack = vec![self];
        while let Some(x) = stack.pop() {
            n = n.saturating_add(1);
            match &x.value {
                YValue::Seq(items) => stack.extend(items.iter()),
                YValue::Map { entries, .. } => stack.extend(entries.iter().map(|e| &e.value)),
                _ => {}
            }
        }
        n
    }

    fn bytes(&self) -> usize {
        let mut n: usize = 0;
        let mut stack = vec![self];
        while let Some(x) = stack.pop() {
            match &x.value {
                YValue::Scalar { text, .. } => n = n.saturating_add(text.len()),
                YValue::Seq(items) => stack.extend(items.iter()),
                YValue::Map { entries, .. } => {
                    for e in entries {
                        n = n.saturating_add(e.key.len());
                        stack.push(&e.value);
                    }
                }
                YValue::Null => {}
            }
        }
        n
    }
}

/// A collection being built.
enum Frame {
    Seq { node: Meta, items: Vec<YNode> },
    Map { node: Meta, pending: Option<(String, usize, bool)>, map: MapBuild },
}

struct Meta {
    line: usize,
    tag: Option<String>,
    anchor: usize,
}

#[derive(Default)]
struct MapBuild {
    entries: Vec<Entry>,
    merges: Vec<YNode>,
    /// How many keys were written before the first `<<`.
    before_merge: Option<usize>,
    resets: Vec<String>,
    overrides: Vec<String>,
}

struct Budget {
    nodes: usize,
    bytes: usize,
}

impl Budget {
    fn charge(&mut self, nodes: usize, bytes: usize, line: usize) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > MAX_COMPOSE_NODES || self.bytes > MAX_COMPOSE_EXPANDED_BYTES {
            return Err(error(
                format!(
                    "more than {MAX_COMPOSE_NODES} nodes or {MAX_COMPOSE_EXPANDED_BYTES} bytes after alias expansion"
                ),
                line,
            ));
        }
        Ok(())
    }
}

fn expectation() -> String {
    format!(
        "one YAML document within the compose limits (at most {MAX_COMPOSE_BYTES} bytes, nesting depth \
         {MAX_COMPOSE_DEPTH}, {MAX_COMPOSE_NODES} nodes after alias expansion)"
    )
}

fn error(found: impl Into<String>, line: usize) -> ParseError {
    let found = found.into();
    let found = if line > 0 { format!("{found} (line {line})") } else { found };
    ParseError::new(Location::Whole, expectation(), found)
}

fn tag_text(tag: Option<Cow<'_, Tag>>) -> Option<String> {
    let t = tag?;
    let (handle, suffix) = (t.handle(), t.suffix());
    Some(match handle {
        "tag:yaml.org,2002:" => format!("!!{suffix}"),
        "!" => format!("!{suffix}"),
        other => format!("{other}{suffix}"),
    })
}

/// Parses one bounded YAML document into a [`YNode`] tree; an empty text is null.
pub(crate) fn load(text: &str) -> Result<YNode, ParseError> {
    if text.len() > MAX_COMPOSE_BYTES {
        return Err(error(format!("{} bytes", text.len()), 0));
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, YNode, usize, usize)> = Vec::new();
    let mut budget = Budget { nodes: 0, bytes: 0 };
    let mut root: Option<YNode> = None;
    let mut documents: usize = 0;
    for event in Parser::new_from_str(text) {
        let (event, span): (Event, Span) = event.map_err(|e| error(e.info(), e.marker().line()))?;
        let line = span.start.line();
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => None,
            Event::DocumentStart(..) => {
                documents = documents.saturating_add(1);
                if documents > 1 {
                    return Err(error("a second YAML document", line));
                }
                None
            }
            Event::Alias(id) => {
                let Some((_, node, size, bytes)) = anchors.iter().rev().find(|(a, ..)| *a == id) else {
                    return Err(error("an alias to an unknown anchor", line));
                };
                budget.charge(*size, *bytes, line)?;
                Some((node.clone(), 0, false))
            }
            Event::Scalar(value, style, anchor, tag) => {
                budget.charge(1, value.len(), line)?;
                let tag = tag_text(tag);
                let plain = style == ScalarStyle::Plain;
                let null = plain && tag.is_none() && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let v = if null { YValue::Null } else { YValue::Scalar { text: value.into_owned(), quoted: !plain } };
                Some((YNode { value: v, line, tag }, anchor, plain))
            }
            Event::SequenceStart(_, anchor, tag) => {
                open(&mut stack, &mut budget, line)?;
                stack.push(Frame::Seq { node: Meta { line, tag: tag_text(tag), anchor }, items: Vec::new() });
                None
            }
            Event::MappingStart(_, anchor, tag) => {
                open(&mut stack, &mut budget, line)?;
                stack.push(Frame::Map {
                    node: Meta { line, tag: tag_text(tag), anchor },
                    pending: None,
                    map: MapBuild::default(),
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { node, items }) => {
                    Some((YNode { value: YValue::Seq(items), line: node.line, tag: node.tag }, node.anchor, false))
                }
                Some(Frame::Map { node, pending, map }) => {
                    if let Some((key, at, _)) = pending {
                        return Err(error(format!("the key {} has no value", describe(&key)), at));
                    }
                    let value = finish_map(map, node.line)?;
                    Some((YNode { value, line: node.line, tag: node.tag }, node.anchor, false))
                }
                None => return Err(error("an unbalanced collection end", line)),
            },
            _ => None,
        };
        let Some((node, anchor, plain)) = done else { continue };
        if anchor != 0 {
            anchors.push((anchor, node.clone(), node.size(), node.bytes()));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(frame) => add(frame, node, plain)?,
        }
    }
    Ok(root.unwrap_or(YNode { value: YValue::Null, line: 0, tag: None }))
}

fn open(stack: &mut [Frame], budget: &mut Budget, line: usize) -> Result<(), ParseError> {
    budget.charge(1, 0, line)?;
    if stack.len() >= MAX_COMPOSE_DEPTH {
        return Err(error(format!("nesting deeper than {MAX_COMPOSE_DEPTH}"), line));
    }
    Ok(())
}

/// Adds a finished node to the collection being built.
fn add(frame: &mut Frame, node: YNode, plain: bool) -> Result<(), ParseError> {
    match frame {
        Frame::Seq { items, .. } => items.push(node),
        Frame::Map { pending, map, .. } => match pending.take() {
            None => {
                let key = match &node.value {
                    YValue::Scalar { text, .. } => text.clone(),
                    _ => return Err(error(format!("a scalar mapping key, found {}", node.kind()), node.line)),
                };
                *pending = Some((key, node.line, plain && node.tag.is_none()));
            }
            Some((key, line, plain_key)) => {
                let taken = |k: &str| map.entries.iter().any(|e| e.key == k) || map.resets.iter().any(|r| r == k);
                if plain_key && key == "<<" {
                    if !map.merges.is_empty() {
                        return Err(error("a second `<<` merge key in one mapping", line));
                    }
                    map.before_merge = Some(map.entries.len());
                    map.merges.push(node);
                } else if taken(&key) {
                    return Err(error(format!("the duplicate key {}", describe(&key)), line));
                } else if node.tag.as_deref() == Some("!reset") {
                    map.resets.push(key);
                } else {
                    if node.tag.as_deref() == Some("!override") {
                        map.overrides.push(key.clone());
                    }
                    map.entries.push(Entry { key, line, value: node });
                }
            }
        },
    }
    Ok(())
}

/// Applies `<<` merges. Compose versions disagree on precedence: those on yaml.v3 let keys
/// written in the mapping win, then the first merged mapping; those on goccy/go-yaml apply
/// entries in order, so a merge overrides keys written before it and a later merged mapping
/// an earlier one. And `!reset` removes its key before merges are applied, so it does not stop
/// a merge from supplying it (compose-go `loader/reset.go` at 01608cf). Where the outcome
/// depends on which of these holds, the text is refused (docs/decisions.md 69).
fn finish_map(mut map: MapBuild, line: usize) -> Result<YValue, ParseError> {
    let mut sources: Vec<YNode> = Vec::new();
    for m in std::mem::take(&mut map.merges) {
        match m.value {
            YValue::Map { .. } => sources.push(m),
            YValue::Seq(items) => {
                for i in items {
                    if !matches!(i.value, YValue::Map { .. }) {
                        return Err(error(format!("a mapping to merge with `<<`, found {}", i.kind()), i.line));
                    }
                    sources.push(i);
                }
            }
            _ => return Err(error(format!("a mapping to merge with `<<`, found {}", m.kind()), m.line.max(line))),
        }
    }
    let (mut source_resets, mut source_overrides) = (Vec::new(), Vec::new());
    let before = map.before_merge.unwrap_or(0);
    let written = map.entries.len();
    let ambiguous = |key: &str, why: &str| {
        error(format!("the key {} {why}, which Compose versions resolve differently", describe(key)), line)
    };
    for source in sources {
        if let YValue::Map { entries, resets, overrides } = source.value {
            source_resets.extend(resets);
            source_overrides.extend(overrides);
            for e in entries {
                if map.resets.contains(&e.key) {
                    return Err(ambiguous(&e.key, "is `!reset` and also supplied by a `<<` merge"));
                }
                match map.entries.iter().position(|x| x.key == e.key) {
                    Some(i) if i >= written => {
                        return Err(ambiguous(&e.key, "is supplied by two merged mappings"));
                    }
                    Some(i) if i < before => {
                        return Err(ambiguous(&e.key, "is written before a `<<` merge that also supplies it"));
                    }
                    Some(_) => {}
                    None => map.entries.push(e),
                }
            }
        }
    }
    // compose-go records a tag under `<<` at the merging mapping's path (`loader/reset.go`); it
    // matters only when the service is extended (`extends.rs`), never for the keys merged here.
    for k in source_resets {
        if !map.resets.contains(&k) {
            map.resets.push(k);
        }
    }
    for k in source_overrides {
        if !map.overrides.contains(&k) {
            map.overrides.push(k);
        }
    }
    Ok(YValue::Map { entries: map.entries, resets: map.resets, overrides: map.overrides })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn keys(n: &YNode) -> Vec<&str> {
        n.entries().unwrap().iter().map(|e| e.key.as_str()).collect()
    }

    #[test]
    fn lines_and_tags_are_kept() {
        let n = load("services:\n  a:\n    image: x\n    command: !reset []\n    volumes: !override\n      - a:/b\n")
            .unwrap();
        let a = n.get("services").unwrap().get("a").unwrap();
        assert_eq!(keys(a), ["image", "volumes"]);
        assert_eq!(a.entries().unwrap()[0].line, 3);
        let YValue::Map { resets, overrides, .. } = &a.value else { panic!() };
        assert_eq!(resets, &["command"]);
        assert_eq!(overrides, &["volumes"]);
        assert_eq!(a.get("volumes").unwrap().tag.as_deref(), Some("!override"));
    }

    #[test]
    fn merges_where_compose_versions_agree() {
        // A merge first, keys written after it win, disjoint merged mappings: every version agrees.
        let t = "x: &x {a: 1, b: 2}\ny: &y {d: 4}\nz:\n  <<: [*x, *y]\n  b: 5\n";
        let n = load(t).unwrap();
        let z = n.get("z").unwrap();
        assert_eq!(z.get("a").unwrap().text(), Some("1"));
        assert_eq!(z.get("b").unwrap().text(), Some("5"));
        assert_eq!(z.get("d").unwrap().text(), Some("4"));
        assert!(load("x: &x {a: 1}\nz:\n  b: 2\n  <<: *x\n  c: !reset\n").is_ok());
    }

    #[test]
    fn merges_where_compose_versions_disagree_are_refused() {
        for (t, why) in [
            // yaml.v3: the written key wins; goccy/go-yaml: the later merge does.
            ("x: &x {a: 1}\nz:\n  a: 2\n  <<: *x\n", "written before"),
            // yaml.v3: the first merged mapping wins; goccy/go-yaml: the last.
            ("x: &x {a: 1}\ny: &y {a: 2}\nz:\n  <<: [*x, *y]\n", "two merged"),
            // `!reset` is applied before merges: it does not stop one.
            ("x: &x {a: 1}\nz:\n  <<: *x\n  a: !reset\n", "!reset"),
            ("x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n", "second `<<`"),
        ] {
            let e = load(t).unwrap_err();
            assert!(e.found.contains(why), "{t}: {e}");
        }
    }

    #[test]
    fn quoted_merge_key_is_an_ordinary_key() {
        let n = load("a: &a {k: 1}\nb:\n  '<<': *a\n").unwrap();
        assert_eq!(keys(n.get("b").unwrap()), ["<<"]);
    }

    #[test]
    fn aliases_copy_and_plain_nulls() {
        let n = load("a: &v [1, 2]\nb: *v\nc: ~\nd:\ne: 'null'\n").unwrap();
        assert_eq!(n.get("a").map(|x| &x.value), n.get("b").map(|x| &x.value));
        assert!(n.get("c").unwrap().is_null());
        assert!(n.get("d").unwrap().is_null());
        assert_eq!(n.get("e").unwrap().text(), Some("null"));
    }

    #[test]
    fn errors() {
        assert!(load("a: 1\na: 2\n").unwrap_err().found.contains("line 2"));
        assert!(load("a: 1\n---\nb: 2\n").is_err());
        assert!(load("a: *nope\n").is_err());
        assert!(load("? [a]\n: 1\n").is_err());
        assert!(load(&"[".repeat(MAX_COMPOSE_DEPTH + 1)).is_err());
        assert!(load(&"#".repeat(MAX_COMPOSE_BYTES + 1)).is_err());
        assert!(load("a: &a [x]\nb:\n  <<: *a\n").is_err());
        assert!(load("").unwrap().is_null());
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let names: Vec<char> = "abcdefghi".chars().collect();
        for pair in names.windows(2) {
            let refs = vec![format!("*{}", pair[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
        }
        assert!(load(&text).is_err());
    }
}
