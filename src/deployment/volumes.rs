//! Top-level `volumes:` as Docker will create them. A named volume is storage the engine keeps
//! in the CVM only when it uses the `local` driver without options: `driver_opts` can make it a
//! bind of any path of the CVM (`o: bind`, `device: /var/run`) or a network share (`type: nfs`),
//! and another driver is a plugin. Two entries with one `name:` are one volume, so a service can
//! reach another's volume under a second key. None of these is modelled (docs/decisions.md 79).

use super::interpolate::interpolate;
use super::problem::Problem;
use super::yaml::YNode;

/// What in the top-level `volumes:` the model does not understand.
pub(crate) fn problems(n: &YNode) -> Vec<Problem> {
    let mut out = Vec::new();
    let entries = n.entries().unwrap_or_default();
    let mut named: Vec<(&str, String, usize)> = Vec::new();
    for e in entries {
        let at = |what: &str| format!("volumes.{}.{what}", e.key);
        if let Some(o) = e.value.get("driver_opts") {
            let why = "sets driver options: the volume can bind any path of the CVM or mount a network share";
            out.push(Problem { field: at("driver_opts"), line: o.line.max(e.line), why: why.into() });
        }
        if let Some(d) = e.value.get("driver").filter(|d| d.text() != Some("local")) {
            out.push(Problem {
                field: at("driver"),
                line: d.line.max(e.line),
                why: format!("uses the volume driver {}: a plugin decides what the volume holds", d.kind()),
            });
        }
        if let Some(name) = e.value.get("name") {
            let literal = name.text().and_then(|t| interpolate(t).ok()).and_then(|v| v.literal().map(str::to_string));
            match literal {
                Some(l) => named.push((e.key.as_str(), l, name.line.max(e.line))),
                None => out.push(Problem {
                    field: at("name"),
                    line: name.line.max(e.line),
                    why: "is not a literal name: the deployer chooses which volume it is".into(),
                }),
            }
        }
    }
    for (key, name, line) in &named {
        let alias = entries.iter().find(|o| {
            o.key != *key
                && (named.iter().any(|(k, n, _)| *k == o.key && n == name)
                    || name.strip_suffix(o.key.as_str()).is_some_and(|p| p.is_empty() || p.ends_with('_')))
        });
        if let Some(o) = alias {
            out.push(Problem {
                field: format!("volumes.{key}.name"),
                line: *line,
                why: format!("names the volume {name}, which is also volumes.{}: two keys for one volume", o.key),
            });
        }
    }
    out
}
