//! JSON rendering: the report and command views serialised as they are (schemas in docs/).

use serde::Serialize;

pub fn render<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serialising these plain data types cannot fail; keep a valid JSON answer anyway.
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}
