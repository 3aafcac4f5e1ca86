//! Bounded YAML loading: attacker-controlled compose text → a small tree of [`Node`]s.
//!
//! The compose file comes from the attestation, so every resource the YAML parser spends is
//! bounded by a named limit (`crate::limits`): input size, nesting depth, node count, alias
//! uses and the events alias expansion may copy (serde-saphyr's budget, checked while
//! parsing), and the nodes and scalar bytes the tree holds after alias expansion (counted
//! here, so that an alias of a large scalar cannot multiply it). Duplicate mapping keys are
//! rejected, as Docker Compose's YAML decoder does; `<<` merge keys are applied. Scalars keep
//! their written text where the YAML 1.2 core schema allows (`yes`, `0755` and `1_000` stay
//! strings); other numbers are kept in decimal form. Compose semantics live in the parent
//! module.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{describe, Location, ParseError};
use crate::limits::{
    MAX_COMPOSE_ALIASES, MAX_COMPOSE_ALIAS_EVENTS, MAX_COMPOSE_BYTES, MAX_COMPOSE_DEPTH, MAX_COMPOSE_EXPANDED_BYTES,
    MAX_COMPOSE_NODES,
};

/// One YAML node. Mapping keys are scalars, kept as text, in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// A number, in the text it was written with (or its decimal form).
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// What kind of node this is, for error messages.
    pub(crate) fn kind(&self) -> String {
        match self {
            Node::Null => "null".into(),
            Node::Bool(b) => format!("the boolean {b}"),
            Node::Number(n) => format!("the number {n}"),
            Node::Str(s) => format!("the string {}", describe(s)),
            Node::Seq(_) => "a sequence".into(),
            Node::Map(_) => "a mapping".into(),
        }
    }

    /// The text of a scalar (string, number or boolean); `None` for null and collections.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) | Node::Number(s) => Some(s.clone()),
            Node::Bool(b) => Some(b.to_string()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }
}

/// What the loader expects of any compose text, for YAML-level errors.
fn expectation() -> String {
    format!(
        "one YAML document within the compose limits (at most {MAX_COMPOSE_BYTES} bytes, nesting depth \
         {MAX_COMPOSE_DEPTH}, {MAX_COMPOSE_NODES} nodes, {MAX_COMPOSE_ALIASES} aliases expanding to at most \
         {MAX_COMPOSE_ALIAS_EVENTS} events)"
    )
}

/// Parses `text` as one bounded YAML document.
pub(crate) fn load(text: &str) -> Result<Node, ParseError> {
    if text.len() > MAX_COMPOSE_BYTES {
        return Err(ParseError::new(
            Location::Whole,
            format!("a compose file of at most {MAX_COMPOSE_BYTES} bytes"),
            format!("{} bytes", text.len()),
        ));
    }
    let counters = Counters::default();
    serde_saphyr::with_deserializer_from_str_with_options(text, options(), |d| NodeSeed(&counters).deserialize(d))
        .map_err(|e| yaml_error(&e))
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_COMPOSE_DEPTH;
    budget.max_nodes = MAX_COMPOSE_NODES;
    budget.max_aliases = MAX_COMPOSE_ALIASES;
    budget.max_anchors = MAX_COMPOSE_NODES;
    budget.max_merge_keys = MAX_COMPOSE_ALIASES;
    budget.max_recorded_anchor_events = MAX_COMPOSE_ALIAS_EVENTS;
    budget.max_recorded_anchor_bytes = MAX_COMPOSE_EXPANDED_BYTES;
    budget.max_total_scalar_bytes = MAX_COMPOSE_EXPANDED_BYTES;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_COMPOSE_ALIAS_EVENTS;
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    options.merge_keys = serde_saphyr::options::MergeKeyPolicy::Merge;
    // YAML 1.2 core schema, as Docker Compose's decoder: `yes`/`on` are strings.
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.non_finite_float_policy = serde_saphyr::options::NonFiniteFloatPolicy::AsString;
    options.with_snippet = false;
    options
}

/// The parser's message without its locations and API hints, then the location as text.
fn yaml_error(e: &serde_saphyr::Error) -> ParseError {
    let text = e.to_string();
    let end = [" at line ", " (defined at ", ", set DuplicateKeyPolicy"]
        .iter()
        .filter_map(|tail| text.find(tail))
        .min()
        .unwrap_or(text.len());
    let message = text.get(..end).unwrap_or(&text);
    let found = match e.location() {
        Some(l) if l.line() > 0 => format!("{message} (line {}, column {})", l.line(), l.column()),
        _ => message.to_string(),
    };
    ParseError::new(Location::Whole, expectation(), found)
}

/// Nodes and scalar bytes built so far, alias expansions included.
#[derive(Default)]
struct Counters {
    nodes: Cell<usize>,
    bytes: Cell<usize>,
}

impl Counters {
    fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        let nodes = self.nodes.get().saturating_add(1);
        let total = self.bytes.get().saturating_add(bytes);
        self.nodes.set(nodes);
        self.bytes.set(total);
        if nodes > MAX_COMPOSE_NODES {
            return Err(E::custom(format!("more than {MAX_COMPOSE_NODES} nodes after alias expansion")));
        }
        if total > MAX_COMPOSE_EXPANDED_BYTES {
            return Err(E::custom(format!(
                "more than {MAX_COMPOSE_EXPANDED_BYTES} bytes of scalar text after alias expansion"
            )));
        }
        Ok(())
    }
}

struct NodeSeed<'c>(&'c Counters);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor(self.0))
    }
}

struct NodeVisitor<'c>(&'c Counters);

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.0.charge(0)?;
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        NodeSeed(self.0).deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.0.charge(0)?;
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.number(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.number(v.to_string())
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.number(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        self.number(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.number(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.0.charge(v.len())?;
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.0.charge(v.len())?;
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        self.0.charge(0)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(NodeSeed(self.0))? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        self.0.charge(0)?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(NodeSeed(self.0))? {
            let key = match key.scalar_text() {
                Some(k) => k,
                None => return Err(de::Error::custom(format!("a scalar mapping key, found {}", key.kind()))),
            };
            let value = map.next_value_seed(NodeSeed(self.0))?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

impl NodeVisitor<'_> {
    fn number<E: de::Error>(self, text: String) -> Result<Node, E> {
        self.0.charge(text.len())?;
        Ok(Node::Number(text))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn str(s: &str) -> Node {
        Node::Str(s.into())
    }

    fn err(text: &str) -> String {
        match load(text) {
            Ok(n) => panic!("expected an error, got {n:?}"),
            Err(e) => e.found,
        }
    }

    #[test]
    fn scalars_keep_the_core_schema() {
        let n = load("a: yes\nb: 0755\nc: 1_000\nd: 8080\ne: 1.5\nf: true\ng: ~\nh: '80'\ni: .inf\n").unwrap();
        let want = Node::Map(vec![
            ("a".into(), str("yes")),
            ("b".into(), str("0755")),
            ("c".into(), str("1_000")),
            ("d".into(), Node::Number("8080".into())),
            ("e".into(), Node::Number("1.5".into())),
            ("f".into(), Node::Bool(true)),
            ("g".into(), Node::Null),
            ("h".into(), str("80")),
            ("i".into(), str(".inf")),
        ]);
        assert_eq!(n, want);
    }

    #[test]
    fn numeric_keys_become_text_and_complex_keys_fail() {
        assert_eq!(load("80: x").unwrap(), Node::Map(vec![("80".into(), str("x"))]));
        assert!(err("? [a]\n: 1\n").contains("scalar mapping key"));
        assert!(err("~: 1\n").contains("scalar mapping key"));
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let found = err("services:\n  a: {image: x}\n  a: {image: y}\n");
        assert!(found.contains("duplicate"), "{found}");
        assert!(found.contains("line 3"), "{found}");
    }

    #[test]
    fn merge_keys_and_anchors_are_applied() {
        let n = load("x: &d {a: 1, b: 2}\ny:\n  <<: *d\n  b: 3\n").unwrap();
        let Node::Map(top) = n else { panic!() };
        assert_eq!(top[1].0, "y");
        let Node::Map(y) = &top[1].1 else { panic!() };
        assert!(y.contains(&("a".into(), Node::Number("1".into()))));
        assert!(y.contains(&("b".into(), Node::Number("3".into()))));
    }

    #[test]
    fn one_document_only() {
        assert!(err("a: 1\n---\nb: 2\n").contains("ocument"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let found = err("a: [1, 2\nb: 3\n");
        assert!(found.contains("line 2"), "{found}");
    }

    #[test]
    fn oversized_input_is_rejected_before_parsing() {
        let text = "#".repeat(MAX_COMPOSE_BYTES + 1);
        let e = load(&text).unwrap_err();
        assert!(e.expected.contains("at most"));
    }

    /// The number after `key` in `found`.
    fn number_after(found: &str, key: &str) -> usize {
        let tail = found.split(key).nth(1).unwrap_or_else(|| panic!("no {key} in {found}"));
        tail.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    }

    /// The count a budget error reports (`Nodes { nodes: 100001 }` → 100001 for `nodes`): how
    /// much work the parser had done when it stopped.
    fn reported(found: &str, counter: &str) -> usize {
        number_after(found, &format!("{counter}: "))
    }

    /// The byte offset in `text` of the "(line L, column C)" an error names: how far the parser
    /// read before it stopped.
    fn stopped_at(text: &str, found: &str) -> usize {
        let (line, column) = (number_after(found, "(line "), number_after(found, ", column "));
        let before: usize = text.split_inclusive('\n').take(line.checked_sub(1).unwrap()).map(str::len).sum();
        before.checked_add(column).unwrap()
    }

    /// Nine levels of nine aliases: 9^9 (387 million) strings if expanded.
    pub(crate) fn billion_laughs() -> String {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let names: Vec<char> = "abcdefghi".chars().collect();
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn billion_laughs_stops_at_the_alias_event_limit() {
        let found = err(&billion_laughs());
        assert!(found.contains("udget") || found.contains("alias"), "{found}");
        // It stops at the first event past the bound, not after expanding anything more.
        assert_eq!(reported(&found, "recorded_anchor_events"), MAX_COMPOSE_ALIAS_EVENTS + 1, "{found}");
    }

    #[test]
    fn a_large_scalar_aliased_many_times_is_bounded() {
        let big = "x".repeat(100 * 1024);
        let mut text = format!("a: &a \"{big}\"\nb: [");
        text.push_str(&vec!["*a"; 100].join(","));
        text.push_str("]\n");
        let found = err(&text);
        assert!(found.contains("ScalarBytes") || found.contains("bytes of scalar text"), "{found}");
        // It stops within one copy of the scalar past the bound.
        assert!(reported(&found, "total_scalar_bytes") <= MAX_COMPOSE_EXPANDED_BYTES + big.len(), "{found}");
    }

    #[test]
    fn deep_nesting_stops_at_a_nesting_limit() {
        for text in [
            "[".repeat(100_000) + &"]".repeat(100_000),
            "{a: ".repeat(50_000) + &"}".repeat(50_000),
            "- ".repeat(100_000),
        ] {
            let found = err(&text);
            assert!(found.contains("recursion limit") || found.contains("Depth"), "{found}");
            // It stops where the nesting passes the limit, not after reading the rest.
            assert!(stopped_at(&text, &found) * 100 < text.len(), "{found}");
        }
        // Deep indentation costs bytes: this one is refused before it is parsed.
        let indented = (0..2_000).map(|i| format!("{}a:\n", " ".repeat(i))).collect::<String>();
        assert!(load(&indented).unwrap_err().expected.contains(&format!("at most {MAX_COMPOSE_BYTES} bytes")));
        let ok = "[".repeat(MAX_COMPOSE_DEPTH - 1) + &"]".repeat(MAX_COMPOSE_DEPTH - 1);
        assert!(load(&ok).is_ok());
    }

    #[test]
    fn many_nodes_stop_at_the_node_limit() {
        let text = format!("a: [{}]\n", vec!["1"; MAX_COMPOSE_NODES + 1].join(","));
        let found = err(&text);
        // The node budget names itself and stops at the first node past it.
        assert!(found.contains("Nodes"), "{found}");
        assert_eq!(reported(&found, "nodes"), MAX_COMPOSE_NODES + 1, "{found}");
        let ok = format!("a: [{}]\n", vec!["1"; MAX_COMPOSE_NODES - 3].join(","));
        assert!(load(&ok).is_ok());
    }

    #[test]
    fn empty_text_is_null() {
        assert_eq!(load("").unwrap(), Node::Null);
        assert_eq!(load("# only a comment\n").unwrap(), Node::Null);
    }
}
