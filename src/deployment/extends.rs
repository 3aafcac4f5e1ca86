//! `extends` within the attested file, merged as Docker Compose v2 merges it, so that each
//! service is judged as the effective service Compose will run (docs/decisions.md 65–68).
//!
//! Rules (compose-go v2 at e70e961: `loader/extends.go`, `override/extends.go`,
//! `override/merge.go`, `override/uncity.go`, `loader/reset.go`):
//! - `extends: NAME` or `extends: {service: NAME}` names a service of this file; the base's own
//!   `extends` is resolved first (chains), a service met twice on the chain is a cycle, and a
//!   chain longer than [`MAX_COMPOSE_EXTENDS_DEPTH`] is refused here (Compose has no bound).
//!   `extends.file` reads another file, which is not attested: never merged, always a problem.
//! - Every key of the base is inherited (compose-go excludes none: `depends_on`,
//!   `volumes_from`, `links` included). Before merging, every key the extending service tags
//!   `!reset` or `!override` (at any depth of mappings) is removed from the base's copy.
//! - Mappings merge key by key, the extending service's scalars win, sequences are the base's
//!   followed by the extending service's; `command`, `entrypoint`, `healthcheck.test` and each
//!   `ulimits` entry are replaced; `environment`, `labels`, `env_file`, `tmpfs`, `dns*`,
//!   `sysctls`, `annotations` become sequences (a mapping as sorted `KEY=VALUE`) and are
//!   concatenated; `extra_hosts` drops repeated entries; `depends_on`, `networks`, `models` become
//!   mappings; `build` as a string is `{context: …}`; `logging` merges only for one driver.
//! - Then sequences are made unique by their index (environment and other `KEY=VALUE` lists by
//!   name, `volumes` and `devices` by target, `configs`/`secrets` by target, `ports`, `expose`,
//!   `env_file` by text): a later entry replaces the earlier one in place. Compose indexes
//!   interpolated text; an entry whose index uses a variable is never folded here, so the model
//!   may keep an entry Compose drops, never the reverse.

use std::collections::HashMap;

use super::interpolate::interpolate;
use super::problem::Problem;
use super::yaml::{Entry, YNode, YValue};
use crate::error::{Location, ParseError};
use crate::limits::{MAX_COMPOSE_EXTENDS_DEPTH, MAX_COMPOSE_NODES};

/// One service after `extends`: its effective node, and why it could not be merged.
pub(crate) struct Resolved {
    pub node: YNode,
    pub problem: Option<Problem>,
}

enum State {
    Todo,
    /// The effective node and its number of `extends` hops to a service without one.
    Done(YNode, usize),
    Failed(String),
}

struct Resolver<'a> {
    services: &'a [Entry],
    state: Vec<State>,
    nodes: usize,
}

/// Applies `extends` to every service of the `services:` mapping, in file order. `Err` when the
/// merged services together exceed the compose node budget.
pub(crate) fn resolve(services: &[Entry]) -> Result<Vec<Resolved>, ParseError> {
    let mut r = Resolver { services, state: services.iter().map(|_| State::Todo).collect(), nodes: 0 };
    let mut out = Vec::new();
    for (i, e) in services.iter().enumerate() {
        let mut chain = Vec::new();
        let resolved = match r.service(i, &mut chain)? {
            Ok((node, _)) => Resolved { node, problem: None },
            Err(why) => {
                let line = e.value.get("extends").map_or(e.line, |x| x.line);
                let field = format!("services.{}.extends", e.key);
                Resolved { node: without(&e.value, "extends"), problem: Some(Problem { field, line, why }) }
            }
        };
        out.push(resolved);
    }
    Ok(out)
}

impl Resolver<'_> {
    /// The effective node of service `i`; the inner `Err` says why it has none.
    fn service(&mut self, i: usize, chain: &mut Vec<usize>) -> Result<Result<(YNode, usize), String>, ParseError> {
        match self.state.get(i) {
            Some(State::Done(n, hops)) => return Ok(Ok((n.clone(), *hops))),
            Some(State::Failed(why)) => return Ok(Err(why.clone())),
            _ => {}
        }
        let Some(entry) = self.services.get(i) else { return Ok(Err("no such service".into())) };
        let name = entry.key.as_str();
        if chain.contains(&i) {
            let mut names: Vec<&str> =
                chain.iter().filter_map(|c| self.services.get(*c)).map(|e| e.key.as_str()).collect();
            names.push(name);
            return Ok(Err(format!("a cycle of `extends` ({}); Compose refuses the file", names.join(" → "))));
        }
        if chain.len() > MAX_COMPOSE_EXTENDS_DEPTH {
            return Ok(Err(format!(
                "a chain of more than {MAX_COMPOSE_EXTENDS_DEPTH} `extends`, beyond this tool's bound"
            )));
        }
        let result = match entry.value.get("extends") {
            None => Ok((entry.value.clone(), 0)),
            Some(x) => match target(x) {
                Err(why) => Err(why),
                Ok(base) => match self.services.iter().position(|e| e.key == base) {
                    None => Err(format!("extends the service {base:?}, which is not in the file; Compose refuses it")),
                    Some(b) => {
                        chain.push(i);
                        let inner = self.service(b, chain)?;
                        chain.pop();
                        match inner {
                            Err(why) if why.starts_with("a cycle") || why.starts_with("a chain") => Err(why),
                            Err(why) => {
                                Err(format!("extends services.{base}, whose effective service is not known: {why}"))
                            }
                            Ok((_, hops)) if hops >= MAX_COMPOSE_EXTENDS_DEPTH => Err(format!(
                                "a chain of more than {MAX_COMPOSE_EXTENDS_DEPTH} `extends`, beyond this tool's bound"
                            )),
                            Ok((base_node, hops)) => {
                                extend(&base_node, &entry.value).map(|n| (n, hops.saturating_add(1)))
                            }
                        }
                    }
                },
            },
        };
        if let Ok((n, _)) = &result {
            self.nodes = self.nodes.saturating_add(n.size());
            if self.nodes > MAX_COMPOSE_NODES {
                return Err(ParseError::new(
                    Location::Field(format!("services.{name}.extends")),
                    format!("services within the compose limits ({MAX_COMPOSE_NODES} nodes after `extends`)"),
                    "more nodes once `extends` is merged",
                ));
            }
        }
        // A chain too long is measured from the service first asked for: not remembered, so a
        // base with a shorter chain of its own is still resolved.
        let remember = !matches!(&result, Err(why) if why.starts_with("a chain"));
        if let (true, Some(s)) = (remember, self.state.get_mut(i)) {
            *s = match &result {
                Ok((n, hops)) => State::Done(n.clone(), *hops),
                Err(why) => State::Failed(why.clone()),
            };
        }
        Ok(result)
    }
}

/// The service named by an `extends` value in this file, or why it is not one.
fn target(x: &YNode) -> Result<String, String> {
    if let Some(name) = x.text() {
        return Ok(name.to_string());
    }
    if x.entries().is_none() {
        return Err(format!("`extends` must be a service name or a mapping, found {}", x.kind()));
    }
    if let Some(file) = x.get("file") {
        let path = file.text().unwrap_or("?");
        return Err(format!(
            "reads {path:?} (line {}), a file outside the attested compose: the base service is not attested",
            file.line
        ));
    }
    match x.get("service").and_then(YNode::text) {
        Some(name) => Ok(name.to_string()),
        None => Err("`extends` without `service`; Compose refuses it".into()),
    }
}

/// `base` extended by `local`, as compose-go's `ExtendService` after the reset processor.
fn extend(base: &YNode, local: &YNode) -> Result<YNode, String> {
    let mut base = without(base, "extends");
    let mut paths = Vec::new();
    tagged_paths(local, &mut Vec::new(), &mut paths);
    for p in &paths {
        remove_path(&mut base, p);
    }
    let local = without(local, "extends");
    let mut merged = merge(&base, &local, &mut Vec::new())?;
    if let YValue::Map { entries, .. } = &mut merged.value {
        for e in entries.iter_mut() {
            if let Some(index) = indexer(&e.key) {
                if let YValue::Seq(items) = &mut e.value.value {
                    *items = unique(std::mem::take(items), index);
                }
            }
        }
    }
    Ok(merged)
}

/// A copy of the mapping `n` without `key`.
fn without(n: &YNode, key: &str) -> YNode {
    let mut n = n.clone();
    if let YValue::Map { entries, .. } = &mut n.value {
        entries.retain(|e| e.key != key);
    }
    n
}

/// Paths (below the service) of keys tagged `!reset` or `!override`, through mappings.
fn tagged_paths(n: &YNode, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let YValue::Map { entries, resets, overrides } = &n.value {
        for k in resets.iter().chain(overrides.iter()) {
            let mut p = at.clone();
            p.push(k.clone());
            out.push(p);
        }
        for e in entries {
            at.push(e.key.clone());
            tagged_paths(&e.value, at, out);
            at.pop();
        }
    }
}

fn remove_path(n: &mut YNode, path: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = n;
    for k in parents {
        let YValue::Map { entries, .. } = &mut cur.value else { return };
        let Some(e) = entries.iter_mut().find(|e| &e.key == k) else { return };
        cur = &mut e.value;
    }
    if let YValue::Map { entries, .. } = &mut cur.value {
        entries.retain(|e| &e.key != last);
    }
}

fn is(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len() && path.iter().zip(pattern).all(|(p, q)| *q == "*" || p == q)
}

/// compose-go's `MergeYaml` with the special rules for a service (paths below the service).
fn merge(base: &YNode, local: &YNode, path: &mut Vec<String>) -> Result<YNode, String> {
    let at = |path: &[String]| path.join(".");
    let replaced = [&["command"][..], &["entrypoint"], &["healthcheck", "test"], &["ulimits", "*"]];
    if replaced.iter().any(|p| is(path, p)) {
        return Ok(local.clone());
    }
    let sequences: [&[&str]; 13] = [
        &["annotations"],
        &["build", "args"],
        &["build", "additional_contexts"],
        &["build", "labels"],
        &["deploy", "labels"],
        &["dns"],
        &["dns_opt"],
        &["dns_search"],
        &["env_file"],
        &["label_file"],
        &["environment"],
        &["labels"],
        &["sysctls"],
    ];
    if sequences.iter().any(|p| is(path, p)) || is(path, &["tmpfs"]) {
        let mut items = to_sequence(base)?;
        items.extend(to_sequence(local)?);
        return Ok(YNode { value: YValue::Seq(items), line: local.line, tag: local.tag.clone() });
    }
    if is(path, &["extra_hosts"]) || is(path, &["build", "extra_hosts"]) {
        let mut items = to_sequence(base)?;
        let texts: Vec<Option<&str>> = items.iter().map(YNode::text).collect();
        let extra: Vec<YNode> =
            to_sequence(local)?.into_iter().filter(|i| i.text().is_none() || !texts.contains(&i.text())).collect();
        items.extend(extra);
        return Ok(YNode { value: YValue::Seq(items), line: local.line, tag: local.tag.clone() });
    }
    if is(path, &["depends_on"]) || is(path, &["networks"]) || is(path, &["models"]) {
        let default = is(path, &["depends_on"]);
        let (b, l) = (to_mapping(base, default, &at(path))?, to_mapping(local, default, &at(path))?);
        return merge_maps(&b, &l, local, path);
    }
    if is(path, &["build"]) {
        let b = to_build(base, &at(path))?;
        let l = to_build(local, &at(path))?;
        return merge_maps(&b, &l, local, path);
    }
    if is(path, &["logging"]) {
        let (Some(_), Some(_)) = (base.entries(), local.entries()) else {
            return Err(format!("`{}` is not a mapping on both sides; Compose cannot merge it", at(path)));
        };
        let driver = |n: &YNode| n.get("driver").map(|d| d.text().map(str::to_string));
        let (b, l) = (driver(base), driver(local));
        if b.is_none() || l.is_none() || b == l {
            return merge_maps(base, local, local, path);
        }
        return Ok(local.clone());
    }
    if local.is_null() {
        return Ok(base.clone());
    }
    match (&base.value, &local.value) {
        (YValue::Map { .. }, YValue::Map { .. }) => merge_maps(base, local, local, path),
        (YValue::Map { .. }, _) | (YValue::Seq(_), YValue::Map { .. } | YValue::Scalar { .. }) => Err(format!(
            "`{}` is {} in the base and {} here; Compose refuses to merge them",
            at(path),
            base.kind(),
            local.kind()
        )),
        (YValue::Seq(b), YValue::Seq(l)) => {
            let items = b.iter().chain(l.iter()).cloned().collect();
            Ok(YNode { value: YValue::Seq(items), line: local.line, tag: local.tag.clone() })
        }
        _ => Ok(local.clone()),
    }
}

/// Key by key: the base's keys in its order (merged where both have one, at the extending
/// service's line), then the keys only the extending service has.
fn merge_maps(base: &YNode, local: &YNode, shape: &YNode, path: &mut Vec<String>) -> Result<YNode, String> {
    let mut entries: Vec<Entry> = base.entries().unwrap_or_default().to_vec();
    for l in local.entries().unwrap_or_default() {
        match entries.iter_mut().find(|e| e.key == l.key) {
            Some(e) => {
                path.push(l.key.clone());
                let merged = merge(&e.value, &l.value, path);
                path.pop();
                e.value = merged?;
                e.line = l.line;
            }
            None => entries.push(l.clone()),
        }
    }
    let (resets, overrides) = match &shape.value {
        YValue::Map { resets, overrides, .. } => (resets.clone(), overrides.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    Ok(YNode { value: YValue::Map { entries, resets, overrides }, line: shape.line, tag: shape.tag.clone() })
}

fn scalar(text: String, line: usize) -> YNode {
    YNode { value: YValue::Scalar { text, quoted: true }, line, tag: None }
}

/// compose-go's `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` (a null value just
/// `KEY`, a list one entry per element), a string a one-element list.
fn to_sequence(n: &YNode) -> Result<Vec<YNode>, String> {
    match &n.value {
        YValue::Null => Ok(Vec::new()),
        YValue::Scalar { .. } => Ok(vec![n.clone()]),
        YValue::Seq(items) => Ok(items.clone()),
        YValue::Map { entries, .. } => {
            let mut out = Vec::new();
            for e in entries {
                match &e.value.value {
                    YValue::Null => out.push(scalar(e.key.clone(), e.line)),
                    YValue::Scalar { text, .. } => out.push(scalar(format!("{}={text}", e.key), e.line)),
                    YValue::Seq(items) => {
                        for i in items {
                            let t =
                                i.text().ok_or_else(|| format!("a value of {} that Compose cannot merge", e.key))?;
                            out.push(scalar(format!("{}={t}", e.key), i.line));
                        }
                    }
                    YValue::Map { .. } => return Err(format!("the mapping under {} cannot be merged", e.key)),
                }
            }
            out.sort_by(|a, b| a.text().cmp(&b.text()));
            Ok(out)
        }
    }
}

/// compose-go's `convertIntoMapping`: a list of names becomes a mapping (for `depends_on`,
/// each name gets `{condition: service_started, required: true}`).
fn to_mapping(n: &YNode, depends_on: bool, at: &str) -> Result<YNode, String> {
    match &n.value {
        YValue::Map { .. } | YValue::Null => Ok(n.clone()),
        YValue::Seq(items) => {
            let mut entries = Vec::new();
            for i in items {
                let key = i.text().ok_or_else(|| format!("`{at}` lists {}; Compose cannot merge it", i.kind()))?;
                let value = if depends_on {
                    let e = |k: &str, v: &str| Entry { key: k.into(), line: i.line, value: scalar(v.into(), i.line) };
                    YNode {
                        value: YValue::Map {
                            entries: vec![e("condition", "service_started"), e("required", "true")],
                            resets: Vec::new(),
                            overrides: Vec::new(),
                        },
                        line: i.line,
                        tag: None,
                    }
                } else {
                    YNode { value: YValue::Null, line: i.line, tag: None }
                };
                entries.push(Entry { key: key.to_string(), line: i.line, value });
            }
            let value = YValue::Map { entries, resets: Vec::new(), overrides: Vec::new() };
            Ok(YNode { value, line: n.line, tag: n.tag.clone() })
        }
        YValue::Scalar { .. } => Err(format!("`{at}` is {}; Compose cannot merge it", n.kind())),
    }
}

fn to_build(n: &YNode, at: &str) -> Result<YNode, String> {
    match &n.value {
        YValue::Map { .. } => Ok(n.clone()),
        YValue::Scalar { .. } => {
            let entries = vec![Entry { key: "context".into(), line: n.line, value: n.clone() }];
            let value = YValue::Map { entries, resets: Vec::new(), overrides: Vec::new() };
            Ok(YNode { value, line: n.line, tag: None })
        }
        _ => Err(format!("`{at}` is {}; Compose cannot merge it", n.kind())),
    }
}

type Index = fn(&YNode) -> Option<String>;

/// compose-go's unicity indexers, by service key.
fn indexer(key: &str) -> Option<Index> {
    Some(match key {
        "annotations" | "cap_add" | "cap_drop" | "dns" | "dns_opt" | "dns_search" | "environment" | "labels"
        | "links" | "profiles" | "sysctls" | "tmpfs" => key_value,
        "volumes" => volume_target,
        "devices" => device_target,
        "configs" => config_target,
        "secrets" => secret_target,
        "expose" | "ports" | "env_file" => whole,
        _ => return None,
    })
}

/// The text Compose sees after interpolation, when it uses no variable.
fn literal(n: &YNode) -> Option<String> {
    interpolate(n.text()?).ok()?.literal().map(str::to_string)
}

fn key_value(n: &YNode) -> Option<String> {
    let t = literal(n)?;
    Some(t.split_once('=').map_or(t.clone(), |(k, _)| k.to_string()))
}

fn whole(n: &YNode) -> Option<String> {
    match n.entries() {
        Some(_) => literal(n.get("path")?),
        None => literal(n),
    }
}

fn volume_target(n: &YNode) -> Option<String> {
    if n.entries().is_some() {
        return literal(n.get("target")?);
    }
    let t = literal(n)?;
    match t.split(':').collect::<Vec<_>>().as_slice() {
        [target] | [_, target] | [_, target, _] => Some((*target).to_string()),
        _ => None,
    }
}

fn device_target(n: &YNode) -> Option<String> {
    if n.entries().is_some() {
        return literal(n.get("target")?);
    }
    let t = literal(n)?;
    let parts: Vec<&str> = t.split(':').collect();
    parts.get(1).or(parts.first()).map(|s| (*s).to_string())
}

fn mount_target(n: &YNode, dir: &str) -> Option<String> {
    if n.entries().is_none() {
        return Some(format!("{dir}/{}", literal(n)?));
    }
    match n.get("target") {
        Some(t) => literal(t),
        None => Some(format!("{dir}/{}", literal(n.get("source")?)?)),
    }
}

fn config_target(n: &YNode) -> Option<String> {
    mount_target(n, "")
}

fn secret_target(n: &YNode) -> Option<String> {
    mount_target(n, "/run/secrets")
}

/// compose-go's `EnforceUnicity` for one sequence: a later entry with the same index replaces
/// the earlier one in its place; entries without a known index are kept.
fn unique(items: Vec<YNode>, index: Index) -> Vec<YNode> {
    let mut out: Vec<YNode> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items {
        match index(&item) {
            Some(k) => match seen.get(&k).and_then(|j| out.get_mut(*j)) {
                Some(slot) => *slot = item,
                None => {
                    seen.insert(k, out.len());
                    out.push(item);
                }
            },
            None => out.push(item),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::deployment::yaml::load;

    /// A node as text without lines, so a merged service compares with its flattened form.
    fn render(n: &YNode) -> String {
        match &n.value {
            YValue::Null => "~".into(),
            YValue::Scalar { text, .. } => format!("{text:?}"),
            YValue::Seq(items) => format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", ")),
            YValue::Map { entries, .. } => format!(
                "{{{}}}",
                entries.iter().map(|e| format!("{}: {}", e.key, render(&e.value))).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn effective(services: &str) -> Vec<(String, Result<String, String>)> {
        let root = load(&format!("services:\n{services}")).unwrap();
        let entries = root.get("services").unwrap().entries().unwrap();
        let resolved = resolve(entries).unwrap();
        entries
            .iter()
            .zip(resolved)
            .map(|(e, r)| (e.key.clone(), r.problem.map_or_else(|| Ok(render(&r.node)), |p| Err(p.why))))
            .collect()
    }

    /// `a` is the base; `b: {extends: a, …local}` must equal `flat`.
    fn merges(base: &str, local: &str, flat: &str) {
        let got = effective(&format!("  a: {base}\n  b:\n    extends: a\n{local}"));
        let want = render(&load(flat).unwrap());
        assert_eq!(got[1].1, Ok(want), "base {base} local {local}");
    }

    #[test]
    fn scalars_and_mappings_merge_key_by_key_local_wins() {
        merges(
            "{image: x, user: root, deploy: {replicas: 1, resources: {limits: {cpus: '1'}}}}",
            "    image: y\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n",
            "{image: y, user: root, deploy: {replicas: 1, resources: {limits: {cpus: '1', memory: 1G}}}}",
        );
        // A null local value keeps the base's.
        merges("{image: x, user: root}", "    user:\n", "{image: x, user: root}");
    }

    #[test]
    fn command_entrypoint_healthcheck_test_and_ulimits_are_replaced() {
        merges(
            "{command: [a, b], entrypoint: [x], healthcheck: {test: [CMD, t], interval: 5s}, ulimits: {nofile: {soft: 1, hard: 2}}}",
            "    command: [c]\n    entrypoint: []\n    healthcheck:\n      test: [NONE]\n    ulimits:\n      nofile: {soft: 3}\n",
            "{command: [c], entrypoint: [], healthcheck: {test: [NONE], interval: 5s}, ulimits: {nofile: {soft: 3}}}",
        );
    }

    #[test]
    fn sequences_are_appended_and_unique_by_their_index() {
        merges(
            "{ports: ['80:80', '443:443'], expose: ['1'], external_links: [l1], dns: 1.1.1.1, dns_search: [a], tmpfs: /t, cap_add: [NET_ADMIN], volumes_from: [c]}",
            "    ports: ['443:443', '8080:80']\n    expose: ['1', '2']\n    external_links: [l1]\n    dns: [1.1.1.1, 8.8.8.8]\n    dns_search: b\n    tmpfs: [/t, /u]\n    cap_add: [NET_ADMIN, SYS_TIME]\n    volumes_from: [d]\n",
            "{ports: ['80:80', '443:443', '8080:80'], expose: ['1', '2'], external_links: [l1, l1], dns: [1.1.1.1, 8.8.8.8], dns_search: [a, b], tmpfs: [/t, /u], cap_add: [NET_ADMIN, SYS_TIME], volumes_from: [c, d]}",
        );
    }

    #[test]
    fn environment_and_labels_become_sorted_lists_and_local_wins_by_name() {
        merges(
            "{environment: {B: '1', A: '2', C: ~}, labels: [x=1]}",
            "    environment:\n      - A=3\n      - D\n    labels:\n      x: '2'\n      y: '3'\n",
            "{environment: [A=3, B=1, C, D], labels: [x=2, y=3]}",
        );
        // Only one side: kept as written.
        merges("{environment: {A: '1'}}", "    image: i\n", "{environment: {A: '1'}, image: i}");
    }

    #[test]
    fn volumes_devices_configs_secrets_merge_by_target_local_wins() {
        merges(
            "{volumes: ['./a:/data', 'v:/cache', {type: bind, source: /s, target: /etc/x}], devices: ['/dev/a:/dev/a'], configs: [c, {source: d, target: /d2}], secrets: [s]}",
            "    volumes:\n      - w:/data:ro\n      - {type: volume, source: z, target: /etc/x}\n    devices: ['/dev/b:/dev/a']\n    configs:\n      - {source: e, target: /c}\n    secrets:\n      - {source: t, target: /run/secrets/s}\n",
            "{volumes: ['w:/data:ro', 'v:/cache', {type: volume, source: z, target: /etc/x}], devices: ['/dev/b:/dev/a'], configs: [{source: e, target: /c}, {source: d, target: /d2}], secrets: [{source: t, target: /run/secrets/s}]}",
        );
        // An index that uses a variable is never folded: the model keeps both mounts.
        merges(
            "{volumes: ['./evil:/etc/gitconfig']}",
            "    volumes: ['${X}:/etc/gitconfig']\n",
            "{volumes: ['./evil:/etc/gitconfig', '${X}:/etc/gitconfig']}",
        );
    }

    #[test]
    fn depends_on_networks_build_logging_extra_hosts() {
        merges(
            "{depends_on: [db], networks: [front], build: ./b, logging: {driver: json-file, options: {max-size: 1m}}, extra_hosts: ['h=1.2.3.4']}",
            "    depends_on:\n      cache: {condition: service_healthy}\n    networks:\n      back: {}\n    build:\n      dockerfile: D\n    logging:\n      options: {max-file: '3'}\n    extra_hosts: {h: 1.2.3.4, k: 5.6.7.8}\n",
            "{depends_on: {db: {condition: service_started, required: 'true'}, cache: {condition: service_healthy}}, networks: {front: ~, back: {}}, build: {context: ./b, dockerfile: D}, logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}, extra_hosts: ['h=1.2.3.4', 'k=5.6.7.8']}",
        );
        // Another logging driver replaces the base's options.
        merges(
            "{logging: {driver: json-file, options: {max-size: 1m}}}",
            "    logging: {driver: syslog}\n",
            "{logging: {driver: syslog}}",
        );
    }

    #[test]
    fn nothing_is_excluded_from_inheritance() {
        merges(
            "{depends_on: {db: {condition: service_started}}, volumes_from: [db], links: [db], privileged: true, network_mode: host}",
            "    image: i\n",
            "{depends_on: {db: {condition: service_started}}, volumes_from: [db], links: [db], privileged: true, network_mode: host, image: i}",
        );
    }

    #[test]
    fn reset_and_override_in_the_extending_service_remove_the_base_value() {
        merges(
            "{command: [x], volumes: ['./a:/a'], environment: {A: '1', B: '2'}, user: root}",
            "    command: !reset []\n    volumes: !override ['./b:/b']\n    environment:\n      A: !reset\n",
            "{environment: [B=2], user: root, volumes: ['./b:/b']}",
        );
        // A `!reset` inside the base was applied when the base was read.
        merges("{image: x, command: !reset [y]}", "    user: u\n", "{image: x, user: u}");
        // Under `<<`, a tag counts at the merging service's path, as in compose-go.
        let got =
            effective("  a: {command: [x], image: i}\n  t: &t {command: !reset}\n  b:\n    <<: *t\n    extends: a\n");
        assert_eq!(got[2].1, Ok(render(&load("{image: i}").unwrap())));
    }

    #[test]
    fn string_and_mapping_forms_chains_and_order() {
        let got = effective(
            "  c: {image: c, environment: [A=c]}\n  b:\n    extends: {service: c}\n    environment: [B=b]\n  a:\n    extends: b\n    environment: [A=a]\n",
        );
        assert_eq!(got[2].1, Ok(render(&load("{image: c, environment: [A=a, B=b]}").unwrap())));
        // The extending service may come before its base in the file.
        let got = effective("  a:\n    extends: b\n  b: {image: x}\n");
        assert_eq!(got[0].1, Ok(render(&load("{image: x}").unwrap())));
    }

    #[test]
    fn cycles_depth_other_files_and_missing_bases_are_problems() {
        let got = effective("  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: c\n");
        for (name, r) in &got {
            assert!(r.as_ref().unwrap_err().contains("cycle"), "{name}: {r:?}");
        }
        let mut chain = String::from("  s0: {image: x}\n");
        for i in 1..=MAX_COMPOSE_EXTENDS_DEPTH + 1 {
            chain.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
        }
        let got = effective(&chain);
        assert!(got[MAX_COMPOSE_EXTENDS_DEPTH].1.is_ok(), "a chain at the bound merges");
        assert!(got[MAX_COMPOSE_EXTENDS_DEPTH + 1].1.as_ref().unwrap_err().contains("chain of more than"));
        // The same chain written deepest first: the bound is per service, not per file order.
        let mut reversed = String::new();
        for i in (1..=MAX_COMPOSE_EXTENDS_DEPTH + 1).rev() {
            reversed.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
        }
        reversed.push_str("  s0: {image: x}\n");
        let got = effective(&reversed);
        assert!(got[0].1.as_ref().unwrap_err().contains("chain of more than"), "{:?}", got[0]);
        assert!(got[1].1.is_ok(), "{:?}", got[1]);
        for local in
            ["    extends: {file: other.yaml, service: a}\n", "    extends: {file: docker-compose.yaml, service: a}\n"]
        {
            let got = effective(&format!("  a: {{image: x}}\n  b:\n{local}"));
            assert!(got[1].1.as_ref().unwrap_err().contains("outside the attested compose"), "{local}");
        }
        let got = effective("  b:\n    extends: nope\n  c:\n    extends: b\n  d:\n    extends: {file: x}\n");
        assert!(got[0].1.as_ref().unwrap_err().contains("not in the file"));
        assert!(got[1].1.as_ref().unwrap_err().contains("services.b"));
        assert!(got[2].1.is_err());
        let got = effective("  a: {volumes: [x]}\n  b:\n    extends: a\n    volumes: {x: y}\n");
        assert!(got[1].1.as_ref().unwrap_err().contains("refuses"));
    }

    #[test]
    fn fan_out_is_bounded_by_the_node_budget() {
        let big: Vec<String> = (0..2000).map(|i| format!("E{i}=x")).collect();
        let mut text = format!("  base:\n    environment: [{}]\n", big.join(", "));
        for i in 0..60 {
            text.push_str(&format!("  s{i}:\n    extends: base\n"));
        }
        let root = load(&format!("services:\n{text}")).unwrap();
        assert!(resolve(root.get("services").unwrap().entries().unwrap()).is_err());
    }
}
