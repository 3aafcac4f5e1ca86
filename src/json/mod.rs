//! JSON helpers shared by every parser of JSON evidence: what a value is, for "found …" in error
//! messages (`kind`, `type_name`); a typed reader that names the JSON path in its errors
//! (`reader`); and the check for a key written twice in one object (`duplicate_keys`). Nothing
//! here knows a document format: the formats (collateral, TCB Info, event logs, attestations)
//! live with their parsers.

mod duplicate_keys;
mod reader;

pub use duplicate_keys::{first_duplicate_key, DuplicateKey};
pub(crate) use reader::Obj;

use serde_json::Value;

use crate::error::{count, describe};

/// What a JSON value is, with its value when short, for "found …" in error messages:
/// `null`, `the boolean true`, `the number 5`, ``the string `x` ``, `an array of 3 elements`,
/// `an object`.
pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", describe(s)),
        Value::Array(a) => format!("an array of {}", count(a.len(), "element")),
        Value::Object(_) => "an object".to_string(),
    }
}

/// The JSON type of a value alone (`a boolean`, `an array`), for messages about bytes that are
/// not shown (fetched responses, signed statements).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_name_the_type_and_short_values() {
        let cases = [
            (json!(null), "null", "null"),
            (json!(true), "the boolean true", "a boolean"),
            (json!(5), "the number 5", "a number"),
            (json!("x"), "the string `x`", "a string"),
            (json!([1, 2]), "an array of 2 elements", "an array"),
            (json!({"a": 1}), "an object", "an object"),
        ];
        for (v, long, short) in cases {
            assert_eq!((kind(&v).as_str(), type_name(&v)), (long, short));
        }
    }
}
