//! `fetch attestation URL`: a quote and the app information from a running dstack app or its
//! guest agent, written as one `{quote, info, fetched}` object, a shape `verify` reads without
//! flags (`GetQuote` + `Info`, docs/evidence-shapes.md).
//!
//! - `http://…` / `https://…`: an app exposing `GET /quote` (a `GetQuote` response) and
//!   `GET /info` (an `Info` response), as dstack's reference apps do; a caller nonce is sent as
//!   the `report_data` query parameter.
//! - `unix:///var/run/dstack.sock`: the guest agent itself, `POST /GetQuote {"report_data": …}`
//!   and `POST /Info {}`.

use serde_json::{json, Map, Value};

use super::http::{self, Limits, Response};
use super::ResponseRecord;
use crate::clock::EvalTime;
use crate::error::Error;

/// A caller nonce: at most 64 bytes of hex (the guest agent zero-pads it to 64).
pub fn parse_report_data(text: &str) -> Result<String, Error> {
    let t = text.strip_prefix("0x").unwrap_or(text);
    crate::reference::report_data(t, "--report-data").map_err(|e| Error::Usage(e.to_string()))?;
    Ok(t.to_ascii_lowercase())
}

/// Fetches and assembles the attestation; `Err` (and nothing to write) unless both responses
/// are JSON objects of the expected kinds.
pub fn fetch(url: &str, report_data: Option<&str>, limits: Limits, at: EvalTime) -> Result<Value, Error> {
    let (quote, info) = match url.strip_prefix("unix://") {
        Some(socket) => {
            let body = json!({"report_data": report_data.unwrap_or_default()}).to_string();
            let q = http::unix(socket, "/GetQuote", Some(body.as_bytes()), limits)?;
            let i = http::unix(socket, "/Info", Some(b"{}"), limits)?;
            (q, i)
        }
        None => {
            let base = url.trim_end_matches('/');
            let quote_url = match report_data {
                Some(r) => format!("{base}/quote?report_data={r}"),
                None => format!("{base}/quote"),
            };
            (http::get(&quote_url, limits)?, http::get(&format!("{base}/info"), limits)?)
        }
    };
    let quote_obj = expect(&quote, "a GetQuote response (`quote` and `event_log`)", |o| {
        o.get("quote").is_some_and(Value::is_string)
    })?;
    let info_obj = expect(&info, "an Info response (`tcb_info` or `app_id`)", |o| {
        o.contains_key("tcb_info") || o.contains_key("app_id")
    })?;
    Ok(json!({
        "quote": Value::Object(quote_obj),
        "info": Value::Object(info_obj),
        "fetched": {
            "from": url,
            "at": at.to_string(),
            "report_data": report_data,
            "responses": [ResponseRecord::of(&quote), ResponseRecord::of(&info)],
            "note": "fetched online; trusted only as far as `dstack-audit verify` establishes"
        }
    }))
}

fn expect(r: &Response, what: &str, ok: impl Fn(&Map<String, Value>) -> bool) -> Result<Map<String, Value>, Error> {
    let o = r.json_object()?;
    if ok(&o) {
        Ok(o)
    } else {
        let keys: Vec<&str> = o.keys().map(String::as_str).take(8).collect();
        Err(r.error(format!("expected {what}, found an object with keys [{}]", keys.join(", "))))
    }
}
