//! The Docker Compose file inside an app-compose (`docker_compose_file`): its services, their
//! images, and what checks 2 and 3 need to know about where a service's inputs come from
//! (SPEC §1 checks 2 and 3).
//!
//! This module parses and reports; it decides nothing. It keeps what Compose would run
//! (images with their digests, commands, environment) and what the compose-hash does not cover
//! (`${VAR}` interpolation, `env_file:`, host bind mounts, config `file:`s, `include:` and
//! `extends:` of other files), so that the checks can tell attested from swappable. Values are
//! the YAML text before Compose's interpolation; [`literal_value`] gives what Compose makes of a
//! value that uses no variable. The YAML itself is loaded under named bounds (`yaml.rs`); the
//! Compose rules follow compose-spec/compose-go (`loader`, `format/volume.go`, `template`).

mod text;
mod yaml;

use crate::deployment::command::split_command;
pub use crate::deployment::image::{Digest, ImageRef};
pub use text::{literal_value, variables, Interpolation};

use crate::error::{Location, ParseError};
use crate::limits::MAX_SERVICES;
use yaml::Node;

/// A parsed compose file.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ComposeFile {
    /// In document order.
    pub services: Vec<Service>,
    /// Top-level `configs:`, in document order.
    pub configs: Vec<TopConfig>,
    /// Top-level `name:` (the project name).
    pub name: Option<String>,
    /// Paths of other compose files pulled in by top-level `include:` (not attested).
    pub include: Vec<String>,
    /// The YAML text itself, for the effective-deployment model (`crate::deployment`).
    #[serde(skip)]
    pub text: String,
}

/// One service.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Service {
    pub name: String,
    pub image: Option<ImageRef>,
    /// A `build:` section is present (the image is built on the host, from outside the compose).
    pub build: bool,
    /// The string form is split into words as Compose does; the list form is kept.
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// `K=V` → `(K, Some(V))`; a bare `K` or `K:` with no value → `(K, None)` (taken from the
    /// deployment's environment).
    pub environment: Vec<(String, Option<String>)>,
    /// Files read on the host at deploy time (not attested).
    pub env_file: Vec<String>,
    pub volumes: Vec<VolumeMount>,
    /// `tmpfs:` mount targets (the `:options` suffix dropped).
    pub tmpfs: Vec<String>,
    /// `volumes_from:` other services or containers whose volumes are mounted here too.
    pub volumes_from: Vec<String>,
    pub configs: Vec<ServiceConfig>,
    /// `extends:` another service, possibly from another file (not attested when it is).
    pub extends: Option<Extends>,
    /// Every variable interpolated anywhere in this service, in document order.
    pub interpolated: Vec<Interpolation>,
}

/// `extends: {service, file}` (or the short `extends: service`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Extends {
    pub service: String,
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeKind {
    /// A host path (short form: a source starting with `.`, `/` or `~`).
    Bind,
    /// A named or anonymous volume.
    Volume,
    Tmpfs,
    /// Another long-form `type:` (`npipe`, `cluster`, `image`, …).
    Other(String),
}

/// One entry of a service's `volumes:`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VolumeMount {
    pub kind: VolumeKind,
    /// Host path or volume name; `None` for an anonymous volume or a tmpfs.
    pub source: Option<String>,
    /// Path inside the container.
    pub target: String,
    pub read_only: bool,
}

/// One entry of a service's `configs:`: the top-level config `source` mounted at `target`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceConfig {
    pub source: String,
    /// `/<source>` when not given, as in Compose.
    pub target: String,
}

/// One top-level `configs:` entry: where its content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TopConfig {
    pub name: String,
    /// Inline `content:`, part of the compose file (and so of the compose-hash).
    pub content: Option<String>,
    /// `file:` on the host (not attested).
    pub file: Option<String>,
    /// `environment:` variable whose value is the content (not attested).
    pub environment: Option<String>,
    /// `external: true`: created outside Compose (not attested).
    pub external: bool,
    /// Variables interpolated in this entry (its `content:` included), in document order.
    pub interpolated: Vec<Interpolation>,
}

impl ComposeFile {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn config(&self, name: &str) -> Option<&TopConfig> {
        self.configs.iter().find(|c| c.name == name)
    }
}

/// Parses a compose file. Errors name the field (`services.launcher.image`) or, for YAML
/// errors, the line and column; callers add the path of the compose text with `under`.
pub fn parse_compose(yaml: &str) -> Result<ComposeFile, ParseError> {
    let root = yaml::load(yaml)?;
    let Node::Map(top) = &root else {
        return Err(ParseError::new(Location::Whole, "a YAML mapping with `services:`", root.kind()));
    };
    let mut file = ComposeFile { text: yaml.to_string(), ..ComposeFile::default() };
    for (key, value) in top {
        match key.as_str() {
            "services" => file.services = parse_services(value)?,
            "configs" => file.configs = parse_top_configs(value)?,
            "name" => file.name = optional_string(value, "name")?,
            "include" => file.include = parse_include(value)?,
            _ => {}
        }
    }
    Ok(file)
}

fn wrong(field: &str, expected: &str, found: &Node) -> ParseError {
    ParseError::field(field, expected, found.kind())
}

fn child(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// The value of `key` in a mapping; null when absent.
fn lookup<'n>(map: &'n [(String, Node)], key: &str) -> &'n Node {
    const NULL: &Node = &Node::Null;
    map.iter().find(|(k, _)| k == key).map_or(NULL, |(_, v)| v)
}

/// The entries of a mapping; null (`key:` with nothing) is an empty mapping.
fn entries<'n>(node: &'n Node, field: &str) -> Result<&'n [(String, Node)], ParseError> {
    match node {
        Node::Map(m) => Ok(m),
        Node::Null => Ok(&[]),
        other => Err(wrong(field, "a mapping", other)),
    }
}

/// The items of a sequence; null is an empty sequence.
fn items<'n>(node: &'n Node, field: &str) -> Result<&'n [Node], ParseError> {
    match node {
        Node::Seq(s) => Ok(s),
        Node::Null => Ok(&[]),
        other => Err(wrong(field, "a sequence", other)),
    }
}

fn optional_string(node: &Node, field: &str) -> Result<Option<String>, ParseError> {
    match node {
        Node::Null => Ok(None),
        Node::Str(s) => Ok(Some(s.clone())),
        other => Err(wrong(field, "a string", other)),
    }
}

fn required_string(node: &Node, field: &str) -> Result<String, ParseError> {
    optional_string(node, field)?.ok_or_else(|| ParseError::field(field, "a string", "nothing"))
}

fn parse_services(node: &Node) -> Result<Vec<Service>, ParseError> {
    let services = entries(node, "services")?;
    if services.len() > MAX_SERVICES {
        return Err(ParseError::field(
            "services",
            format!("at most {MAX_SERVICES} services"),
            format!("{} services", services.len()),
        ));
    }
    services.iter().map(|(name, body)| parse_service(name, body)).collect()
}

fn parse_service(name: &str, node: &Node) -> Result<Service, ParseError> {
    let path = child("services", name);
    let Node::Map(fields) = node else {
        return Err(wrong(&path, "a mapping", node));
    };
    // Compose interpolates before it reads any field, so template errors come first.
    let mut interpolated = Vec::new();
    collect_interpolations(node, &path, &mut interpolated)?;
    let mut s = Service { name: name.to_string(), interpolated, ..Service::default() };
    for (key, value) in fields {
        let at = child(&path, key);
        match key.as_str() {
            "image" => s.image = parse_image(value, &at)?,
            "build" => s.build = !matches!(value, Node::Null),
            "command" => s.command = parse_command(value, &at)?,
            "entrypoint" => s.entrypoint = parse_command(value, &at)?,
            "environment" => s.environment = parse_environment(value, &at)?,
            "env_file" => s.env_file = parse_env_file(value, &at)?,
            "volumes" => s.volumes = parse_volumes(value, &at)?,
            "configs" => s.configs = parse_service_configs(value, &at)?,
            "extends" => s.extends = parse_extends(value, &at)?,
            "tmpfs" => {
                s.tmpfs = string_list(value, &at)?
                    .into_iter()
                    .map(|t| t.split_once(':').map_or(t.clone(), |(path, _)| path.to_string()))
                    .collect()
            }
            "volumes_from" => s.volumes_from = string_list(value, &at)?,
            _ => {}
        }
    }
    Ok(s)
}

/// An image fixed in the file. One chosen by interpolation is refused: which image runs
/// would be decided at deploy time, and no digest in the file pins it.
fn parse_image(node: &Node, field: &str) -> Result<Option<ImageRef>, ParseError> {
    let Some(text) = optional_string(node, field)? else {
        return Ok(None);
    };
    if literal_value(&text).as_deref() != Some(text.as_str()) {
        return Err(ParseError::field(
            field,
            "an image reference written in the compose file (no `$` interpolation)",
            crate::error::describe(&text),
        ));
    }
    ImageRef::parse(&text).map(Some).map_err(|e| e.under(field))
}

/// `command:`/`entrypoint:`: null, a string (split into words) or a list of strings.
fn parse_command(node: &Node, field: &str) -> Result<Option<Vec<String>>, ParseError> {
    match node {
        Node::Null => Ok(None),
        Node::Str(s) => split_command(s, field).map(Some),
        Node::Seq(args) => args
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                Node::Str(s) | Node::Number(s) => Ok(s.clone()),
                other => Err(wrong(&item(field, i), "a string", other)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(wrong(field, "a string or a list of strings", other)),
    }
}

/// `environment:` as a list of `K=V`/`K` or a mapping `K: V`/`K:`.
fn parse_environment(node: &Node, field: &str) -> Result<Vec<(String, Option<String>)>, ParseError> {
    let entry = |name: &str, value: Option<String>, at: &str| {
        if name.is_empty() {
            return Err(ParseError::field(at, "a variable name", "an empty name"));
        }
        Ok((name.to_string(), value))
    };
    match node {
        Node::Null => Ok(Vec::new()),
        Node::Seq(list) => list
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let at = item(field, i);
                let Node::Str(s) = n else {
                    return Err(wrong(&at, "a `NAME=value` string", n));
                };
                match s.split_once('=') {
                    Some((k, v)) => entry(k, Some(v.to_string()), &at),
                    None => entry(s, None, &at),
                }
            })
            .collect(),
        Node::Map(map) => map
            .iter()
            .map(|(k, v)| {
                let at = child(field, k);
                match v {
                    Node::Null => entry(k, None, &at),
                    Node::Seq(_) | Node::Map(_) => Err(wrong(&at, "a scalar value", v)),
                    scalar => entry(k, scalar.scalar_text(), &at),
                }
            })
            .collect(),
        other => Err(wrong(field, "a list of `NAME=value` or a mapping", other)),
    }
}

/// `env_file:` as a path, a list of paths, or a list of `{path, required}`.
fn parse_env_file(node: &Node, field: &str) -> Result<Vec<String>, ParseError> {
    match node {
        Node::Null => Ok(Vec::new()),
        Node::Str(s) => Ok(vec![s.clone()]),
        Node::Seq(list) => list
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let at = item(field, i);
                match n {
                    Node::Str(s) => Ok(s.clone()),
                    Node::Map(m) => required_string(lookup(m, "path"), &child(&at, "path")),
                    other => Err(wrong(&at, "a path or `{path: …}`", other)),
                }
            })
            .collect(),
        other => Err(wrong(field, "a path or a list of paths", other)),
    }
}

/// A string or a list of strings.
fn string_list(node: &Node, field: &str) -> Result<Vec<String>, ParseError> {
    match node {
        Node::Null => Ok(Vec::new()),
        Node::Str(s) => Ok(vec![s.clone()]),
        Node::Seq(list) => list
            .iter()
            .enumerate()
            .map(|(i, n)| match n {
                Node::Str(s) => Ok(s.clone()),
                other => Err(wrong(&item(field, i), "a string", other)),
            })
            .collect(),
        other => Err(wrong(field, "a string or a list of strings", other)),
    }
}

fn parse_volumes(node: &Node, field: &str) -> Result<Vec<VolumeMount>, ParseError> {
    items(node, field)?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let at = item(field, i);
            match n {
                Node::Str(s) => parse_short_volume(s, &at),
                Node::Map(m) => parse_long_volume(m, &at),
                other => Err(wrong(&at, "`source:target[:mode]` or a mapping with `type` and `target`", other)),
            }
        })
        .collect()
}

/// `target`, `source:target` or `source:target:mode` (compose-go `format.ParseVolume`):
/// a source starting with `.`, `/` or `~` is a host path; `ro` in the mode makes it read-only.
fn parse_short_volume(spec: &str, field: &str) -> Result<VolumeMount, ParseError> {
    let bad = |what: &str| {
        ParseError::field(
            field,
            "a volume `[source:]target[:mode]`",
            format!("{what} in {}", crate::error::describe(spec)),
        )
    };
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(bad("an empty section"));
    }
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, None),
        [source, target] => (Some(*source), *target, None),
        [source, target, mode] => (Some(*source), *target, Some(*mode)),
        _ => return Err(bad("too many colons")),
    };
    let mut read_only = false;
    for option in mode.unwrap_or_default().split(',') {
        match option {
            "ro" => read_only = true,
            "rw" => read_only = false,
            _ => {}
        }
    }
    let kind = match source {
        Some(s) if s.starts_with(['.', '/', '~']) || s.starts_with("\\\\") => VolumeKind::Bind,
        _ => VolumeKind::Volume,
    };
    Ok(VolumeMount { kind, source: source.map(str::to_string), target: target.to_string(), read_only })
}

fn parse_long_volume(m: &[(String, Node)], field: &str) -> Result<VolumeMount, ParseError> {
    let get = |k: &str| lookup(m, k);
    let kind = match required_string(get("type"), &child(field, "type"))?.as_str() {
        "bind" => VolumeKind::Bind,
        "volume" => VolumeKind::Volume,
        "tmpfs" => VolumeKind::Tmpfs,
        other => VolumeKind::Other(other.to_string()),
    };
    let read_only = match get("read_only") {
        Node::Null => false,
        Node::Bool(b) => *b,
        Node::Str(s) if s == "true" => true,
        Node::Str(s) if s == "false" => false,
        other => return Err(wrong(&child(field, "read_only"), "true or false", other)),
    };
    Ok(VolumeMount {
        kind,
        source: optional_string(get("source"), &child(field, "source"))?,
        target: required_string(get("target"), &child(field, "target"))?,
        read_only,
    })
}

/// A service's `configs:`: `name` (mounted at `/name`) or `{source, target}`.
fn parse_service_configs(node: &Node, field: &str) -> Result<Vec<ServiceConfig>, ParseError> {
    items(node, field)?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let at = item(field, i);
            let (source, target) = match n {
                Node::Str(s) => (s.clone(), None),
                Node::Map(m) => {
                    let get = |k: &str| lookup(m, k);
                    (
                        required_string(get("source"), &child(&at, "source"))?,
                        optional_string(get("target"), &child(&at, "target"))?,
                    )
                }
                other => return Err(wrong(&at, "a config name or `{source, target}`", other)),
            };
            let target = target.unwrap_or_else(|| format!("/{source}"));
            Ok(ServiceConfig { source, target })
        })
        .collect()
}

fn parse_extends(node: &Node, field: &str) -> Result<Option<Extends>, ParseError> {
    match node {
        Node::Null => Ok(None),
        Node::Str(s) => Ok(Some(Extends { service: s.clone(), file: None })),
        Node::Map(m) => {
            let get = |k: &str| lookup(m, k);
            Ok(Some(Extends {
                service: required_string(get("service"), &child(field, "service"))?,
                file: optional_string(get("file"), &child(field, "file"))?,
            }))
        }
        other => Err(wrong(field, "a service name or `{service, file}`", other)),
    }
}

fn parse_top_configs(node: &Node) -> Result<Vec<TopConfig>, ParseError> {
    entries(node, "configs")?
        .iter()
        .map(|(name, body)| {
            let path = child("configs", name);
            let Node::Map(m) = body else {
                return Err(wrong(&path, "a mapping with `content`, `file`, `environment` or `external`", body));
            };
            let mut c = TopConfig { name: name.clone(), ..TopConfig::default() };
            collect_interpolations(body, &path, &mut c.interpolated)?;
            for (key, value) in m {
                let at = child(&path, key);
                match key.as_str() {
                    "content" => {
                        c.content = match value {
                            Node::Seq(_) | Node::Map(_) => return Err(wrong(&at, "a string", value)),
                            scalar => scalar.scalar_text(),
                        }
                    }
                    "file" => c.file = optional_string(value, &at)?,
                    "environment" => c.environment = optional_string(value, &at)?,
                    "external" => {
                        c.external = match value {
                            Node::Null => false,
                            Node::Bool(b) => *b,
                            Node::Str(s) if s == "true" => true,
                            Node::Str(s) if s == "false" => false,
                            // Legacy `external: {name: …}`.
                            Node::Map(_) => true,
                            other => return Err(wrong(&at, "true or false", other)),
                        }
                    }
                    _ => {}
                }
            }
            Ok(c)
        })
        .collect()
}

/// Top-level `include:`: a list of paths or of `{path: one or several paths, …}`.
fn parse_include(node: &Node) -> Result<Vec<String>, ParseError> {
    let mut paths = Vec::new();
    for (i, n) in items(node, "include")?.iter().enumerate() {
        let at = item("include", i);
        match n {
            Node::Str(s) => paths.push(s.clone()),
            Node::Map(m) => {
                let path = lookup(m, "path");
                let path_at = child(&at, "path");
                match path {
                    Node::Str(s) => paths.push(s.clone()),
                    Node::Seq(list) => {
                        for (j, p) in list.iter().enumerate() {
                            paths.push(required_string(p, &item(&path_at, j))?);
                        }
                    }
                    other => return Err(wrong(&path_at, "a path or a list of paths", other)),
                }
            }
            other => return Err(wrong(&at, "a path or `{path: …}`", other)),
        }
    }
    Ok(paths)
}

/// Every interpolation in the string values under `node` (mapping keys are not interpolated).
/// Iterative, so the depth of the tree costs no stack.
fn collect_interpolations(node: &Node, path: &str, out: &mut Vec<Interpolation>) -> Result<(), ParseError> {
    let mut stack: Vec<(&Node, String)> = vec![(node, path.to_string())];
    while let Some((n, at)) = stack.pop() {
        match n {
            Node::Str(s) if s.contains('$') => text::scan_interpolations(s, &at, out)?,
            Node::Seq(list) => stack.extend(list.iter().enumerate().rev().map(|(i, x)| (x, item(&at, i)))),
            Node::Map(m) => stack.extend(m.iter().rev().map(|(k, x)| (x, child(&at, k)))),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
