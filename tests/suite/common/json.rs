//! Reading `verify --format json` output: a check by id, its finding codes by outcome.

use serde_json::Value;

/// The check `id` of a JSON report.
pub(crate) fn check<'r>(r: &'r Value, id: &str) -> &'r Value {
    r["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

/// The codes of a JSON check's findings with `outcome`.
pub(crate) fn codes(c: &Value, outcome: &str) -> Vec<String> {
    c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == outcome)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}
