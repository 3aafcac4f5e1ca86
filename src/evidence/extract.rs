//! Pulls the quote, event log, app-compose, collateral and unmeasured claims out of a
//! recognised attestation shape. Every error names the input and the field path.

use serde_json::{Map, Value};

use super::duplicates::{self, Duplicate};
use super::shape::{detect, Shape};
use super::{parse_json, Claim, Evidence, InputFile, Origin, RaTlsOrigin};
use crate::bytes::{decode_hex, to_hex};
use crate::compose::app_compose::AppCompose;
use crate::error::{Error, Location, ParseError};
use crate::json::kind;
use crate::limits::{MAX_APP_COMPOSE_BYTES, MAX_INSTANCES, MAX_QUOTE_BYTES};
use crate::tdx::event_log::{parse_event_log, EventLog, EventLogEntry, DSTACK_RUNTIME_EVENT_TYPE};

/// Hex-valued fields kept as unmeasured claims wherever they appear.
const HEX_CLAIMS: &[&str] = &[
    "app_id",
    "instance_id",
    "device_id",
    "os_image_hash",
    "compose_hash",
    "mr_aggregated",
    "mrtd",
    "rtmr0",
    "rtmr1",
    "rtmr2",
    "rtmr3",
    "rootfs_hash",
    "report_data",
];
/// Text-valued fields kept as unmeasured claims.
const TEXT_CLAIMS: &[&str] = &["key_provider_info", "image_version", "app_name"];

/// Evidence gathered so far.
#[derive(Debug)]
pub(crate) struct Found {
    pub shape: Shape,
    pub quote: Option<(Vec<u8>, Origin)>,
    pub event_log: Option<(EventLog, Origin)>,
    pub app_compose: Option<(AppCompose, Origin)>,
    pub collateral: Option<(Value, Origin)>,
    pub claims: Vec<Claim>,
    pub ratls: Option<RaTlsOrigin>,
    pub notes: Vec<String>,
    pub lite_boot_log: bool,
    /// Values the input carries twice, compared (`duplicates.rs`).
    pub duplicates: Vec<Duplicate>,
    other_logs: Vec<(EventLog, Origin)>,
    cert_candidate: Option<(super::ratls::RaTlsLeaf, Origin)>,
}

impl Found {
    pub(crate) fn new(shape: Shape) -> Self {
        Found {
            shape,
            quote: None,
            event_log: None,
            app_compose: None,
            collateral: None,
            claims: Vec::new(),
            ratls: None,
            notes: Vec::new(),
            lite_boot_log: false,
            duplicates: Vec::new(),
            other_logs: Vec::new(),
            cert_candidate: None,
        }
    }

    /// Completes the evidence; a quote is required.
    pub(crate) fn finish(mut self, input: &str) -> Result<Evidence, Error> {
        if let Some((leaf, origin)) = self.cert_candidate.take() {
            self.use_certificate(leaf, origin)?;
        }
        self.compare_other_logs();
        let Some((quote, quote_origin)) = self.quote else {
            return Err(Error::Input {
                input: input.to_string(),
                at: Location::Whole,
                expected: format!("a TDX quote (this {} carries none; pass --quote FILE)", self.shape.describe()),
                found: match self.notes.iter().find(|n| n.contains("app_cert")) {
                    Some(why) => format!("no quote ({why})"),
                    None => "no quote".into(),
                },
            });
        };
        Ok(Evidence {
            shape: self.shape,
            quote,
            quote_origin,
            event_log: self.event_log,
            app_compose: self.app_compose,
            collateral: self.collateral,
            claims: self.claims,
            ratls: self.ratls,
            notes: self.notes,
            lite_boot_log: self.lite_boot_log,
            duplicates: self.duplicates,
        })
    }

    /// An RA-TLS leaf supplies the quote (and event log) only when nothing else did.
    fn use_certificate(&mut self, leaf: super::ratls::RaTlsLeaf, origin: Origin) -> Result<(), Error> {
        let Some(cert_quote) = leaf.quote.clone() else { return Ok(()) };
        if let Some((_, used)) = &self.quote {
            // Not a second copy: the certificate's quote is its own attestation (its
            // report_data binds the TLS key), so it differs from any other (decision 32).
            self.notes.push(format!(
                "{origin} carries its own quote (an attestation of its TLS key); it is neither used nor verified: the quote in {used} is"
            ));
            return Ok(());
        }
        if let Some(text) = &leaf.event_log {
            let v = parse_json(text).map_err(|e| e.in_input(&origin.input))?;
            let log = parse_event_log(&v)
                .map_err(|e| e.under(&format!("{} (event log extension)", origin.field)).in_input(&origin.input))?;
            let at = Origin { input: origin.input.clone(), field: format!("{} event log extension", origin.field) };
            self.offer_event_log(log, at);
        }
        self.quote = Some((
            cert_quote,
            Origin { input: origin.input.clone(), field: format!("{} quote extension", origin.field) },
        ));
        if self.shape == Shape::Info {
            self.shape = Shape::RaTlsInfo;
        }
        self.ratls = Some(RaTlsOrigin {
            source: origin.to_string(),
            subject: leaf.subject,
            spki_der: leaf.spki_der,
            app_id: leaf.app_id,
            usage: leaf.usage,
        });
        Ok(())
    }
}

impl Found {
    fn compare_other_logs(&mut self) {
        let Some((used, used_at)) = &self.event_log else { return };
        for (log, at) in std::mem::take(&mut self.other_logs) {
            self.duplicates.push(Duplicate {
                what: "event log",
                used: used_at.clone(),
                other: at,
                difference: duplicates::compare_logs(used, &log, self.lite_boot_log),
                rule: duplicates::log_rule(self.lite_boot_log),
            });
        }
    }

    /// Takes `quote` when none was found yet; else records how it compares with the one found.
    fn offer_quote(&mut self, quote: Vec<u8>, at: Origin) {
        match &self.quote {
            None => self.quote = Some((quote, at)),
            Some((used, used_at)) => self.duplicates.push(Duplicate {
                what: "quote",
                used: used_at.clone(),
                other: at,
                difference: duplicates::quote_difference(used, &quote),
                rule: duplicates::BYTE_FOR_BYTE,
            }),
        }
    }

    /// Compared in `finish`, once the whole input says whether its boot log is the lite form.
    fn offer_event_log(&mut self, log: EventLog, at: Origin) {
        match &self.event_log {
            None => self.event_log = Some((log, at)),
            Some(_) => self.other_logs.push((log, at)),
        }
    }

    fn offer_app_compose(&mut self, text: String, at: Origin) {
        match &self.app_compose {
            None => self.app_compose = Some((AppCompose::new(text), at)),
            Some((used, used_at)) => self.duplicates.push(Duplicate {
                what: "app-compose",
                used: used_at.clone(),
                other: at,
                difference: duplicates::text_difference(used.text(), &text),
                rule: duplicates::BYTE_FOR_BYTE,
            }),
        }
    }
}

/// Reads an attestation file of any known shape. With `--select`, the filter's output is read
/// as the file would be (`from_selected`): `--select '.'` changes nothing.
pub(crate) fn from_attestation(
    file: &InputFile,
    select: Option<&super::Select>,
    instance: Option<usize>,
) -> Result<Found, Error> {
    let name = file.name.as_str();
    match select {
        Some(s) => {
            if !looks_like_json(&file.bytes) {
                return Err(ParseError::field(
                    "--select",
                    "a JSON attestation to apply the filter to (use a binary or hex file without --select)",
                    "an input that is not JSON",
                )
                .in_input(name));
            }
            let v = (s.runner)(&s.filter, &file.bytes).map_err(|e| e.in_input(name))?;
            from_selected(v, name, instance)
        }
        None => from_bytes(&file.bytes, name, instance),
    }
}

/// A JSON document rather than a quote: it starts with `{`, or holds a `{` after a text prefix.
fn looks_like_json(bytes: &[u8]) -> bool {
    match bytes.iter().copied().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[' | b'"') => true,
        Some(0x00) | None => false,
        Some(_) => !looks_binary(bytes) && bytes.contains(&b'{'),
    }
}

/// A file's bytes: binary VersionedAttestation, a quote file (binary, hex, base64, JSON byte
/// array or string), or a JSON attestation object.
fn from_bytes(bytes: &[u8], name: &str, instance: Option<usize>) -> Result<Found, Error> {
    let json = || from_json(parse_json(bytes).map_err(|e| e.in_input(name))?, name, instance);
    match bytes.iter().copied().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{') => json(),
        Some(0x00) => from_versioned_binary(bytes, name, ""),
        Some(b'[' | b'"') => raw_quote(bytes, name),
        _ if looks_binary(bytes) => raw_quote(bytes, name),
        _ if bytes.contains(&b'{') => json(),
        // Text: a quote in hex or base64; text that is neither is reported as not JSON.
        _ => match super::quote_file::decode_quote_file(bytes) {
            Ok(quote) => Ok(raw_quote_found(quote, name)),
            Err(e) if looks_hex(bytes) => Err(e.in_input(name)),
            Err(_) => json(),
        },
    }
}

/// Hex text, or text that says it is (`0x…`): its errors are hex errors.
fn looks_hex(bytes: &[u8]) -> bool {
    let t = String::from_utf8_lossy(bytes);
    let t = t.trim_start();
    t.starts_with("0x") || t.starts_with("0X") || crate::tdx::quote::is_hex_text(bytes)
}

/// The output of `--select`: an object is recognised like a file's object (an unknown one is
/// read as the canonical object); a string is read like a file's text (hex, base64, JSON).
fn from_selected(v: Value, name: &str, instance: Option<usize>) -> Result<Found, Error> {
    match &v {
        Value::String(s) => from_bytes(s.as_bytes(), name, instance),
        Value::Object(obj) if detect(obj).is_none() => {
            let mut found = Found::new(Shape::Selected);
            take_fields(&mut found, obj, "", name)?;
            Ok(found)
        }
        Value::Object(_) => from_json(v, name, instance),
        Value::Array(_) => raw_quote(v.to_string().as_bytes(), name),
        other => Err(ParseError::field(
            "--select",
            "the filter to produce an object {quote, event_log, app_compose, collateral}, or a quote",
            kind(other),
        )
        .in_input(name)),
    }
}

fn from_json(v: Value, name: &str, instance: Option<usize>) -> Result<Found, Error> {
    let obj = v.as_object().ok_or_else(|| {
        ParseError::new(Location::Whole, "a JSON object (an attestation)", format!("valid JSON that is {}", kind(&v)))
            .in_input(name)
    })?;
    let shape = detect(obj).ok_or_else(|| Error::Input {
        input: name.to_string(),
        at: Location::Whole,
        expected: "a known attestation shape (GetQuote, Info, Phala Cloud, NEAR public_data, VersionedAttestation, \
                   {quote, event_log, app_compose}); map other shapes with --select"
            .into(),
        found: format!("an object with keys {}", key_list(obj)),
    })?;
    let mut found = Found::new(shape);
    match shape {
        Shape::NearPublicData => {
            let dstack =
                obj.get("tee_participant_info").and_then(|t| t.get("Dstack")).and_then(Value::as_object).ok_or_else(
                    || ParseError::field("tee_participant_info.Dstack", "an object", "something else").in_input(name),
                )?;
            take_fields(&mut found, dstack, "tee_participant_info.Dstack", name)?;
        }
        Shape::PhalaAppAttestations => {
            let (inst, path) = pick_instance(obj, instance, name)?;
            take_fields(&mut found, inst, &path, name)?;
            found.notes.push(format!("instance taken from {path}"));
        }
        Shape::PhalaCvmAttestation => phala_cvm(&mut found, obj, name)?,
        Shape::VersionedAttestation => {
            let text = obj.get("attestation").and_then(Value::as_str).unwrap_or_default();
            let bytes = decode_hex(text, "attestation").map_err(|e| e.in_input(name))?;
            // The attestation's own quote and log come first (dstack-verifier reads only them);
            // a top-level `quote` or `event_log` beside it is a second copy, compared.
            let mut inner = from_versioned_binary(&bytes, name, "attestation")?;
            take_fields(&mut inner, obj, "", name)?;
            return Ok(inner);
        }
        Shape::QuoteAndInfo if obj.get("quote").is_some_and(Value::is_object) => {
            for key in ["quote", "info"] {
                if let Some(part) = obj.get(key).and_then(Value::as_object) {
                    take_fields(&mut found, part, key, name)?;
                }
            }
            take_fields(&mut found, obj, "", name)?;
        }
        _ => take_fields(&mut found, obj, "", name)?,
    }
    Ok(found)
}

/// Binary data (a raw quote) rather than JSON text: a NUL byte or invalid UTF-8 near the start.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(256)).unwrap_or(&[]);
    head.contains(&0) || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some())
}

fn raw_quote(bytes: &[u8], name: &str) -> Result<Found, Error> {
    let quote = super::quote_file::decode_quote_file(bytes).map_err(|e| e.in_input(name))?;
    Ok(raw_quote_found(quote, name))
}

fn raw_quote_found(quote: Vec<u8>, name: &str) -> Found {
    let mut found = Found::new(Shape::RawQuote);
    found.quote = Some((quote, Origin { input: name.into(), field: String::new() }));
    found
}

fn from_versioned_binary(bytes: &[u8], name: &str, field: &str) -> Result<Found, Error> {
    let va = super::scale::parse_versioned_attestation(bytes)
        .map_err(|e| if field.is_empty() { e } else { e.within(field) }.in_input(name))?;
    let origin = |what: &str| Origin {
        input: name.into(),
        field: if field.is_empty() { what.to_string() } else { format!("{field}.{what}") },
    };
    let mut found = Found::new(Shape::VersionedAttestation);
    found.quote = Some((va.quote, origin("quote")));
    let mut entries = va.event_log;
    let log_has_rtmr3 = entries.iter().any(|e| e.imr == 3);
    if log_has_rtmr3 && !va.runtime_events.is_empty() {
        // Both carry the RTMR3 events: the log is replayed, `runtime_events` must say the same.
        let log = EventLog { entries: entries.clone() };
        found.duplicates.push(Duplicate {
            what: "RTMR3 events",
            used: origin("event_log"),
            other: origin("runtime_events"),
            difference: duplicates::runtime_events_difference(&log, &va.runtime_events),
            rule: "the same names and payloads in the same order",
        });
    }
    if !log_has_rtmr3 && !va.runtime_events.is_empty() {
        // The V0 form keeps runtime events apart; they are RTMR3 events with recomputed digests.
        entries.extend(va.runtime_events.into_iter().map(|r| EventLogEntry {
            imr: 3,
            event_type: DSTACK_RUNTIME_EVENT_TYPE,
            digest: None,
            event: r.event,
            event_payload: r.payload,
            version: None,
            preimage: None,
        }));
        found.notes.push("RTMR3 events taken from the attestation's runtime_events".into());
    }
    found.event_log = Some((EventLog { entries }, origin("event_log")));
    found.claims.push(Claim {
        name: "report_data".into(),
        source: origin("report_data").to_string(),
        value: to_hex(&va.report_data),
    });
    // `config` is either a sys-config holding `vm_config`, or the vm_config itself.
    if let Ok(config @ Value::Object(_)) = serde_json::from_str::<Value>(&va.config) {
        match config.get("vm_config") {
            Some(inner) => take_vm_config(&mut found, Some(inner), &origin("config.vm_config")),
            None => take_vm_config(&mut found, Some(&config), &origin("config")),
        }
    }
    Ok(found)
}

fn pick_instance<'a>(
    obj: &'a Map<String, Value>,
    instance: Option<usize>,
    name: &str,
) -> Result<(&'a Map<String, Value>, String), Error> {
    let list = obj.get("instances").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if list.len() > MAX_INSTANCES {
        return Err(ParseError::field(
            "instances",
            format!("at most {MAX_INSTANCES} instances (MAX_INSTANCES)"),
            format!("{}", list.len()),
        )
        .in_input(name));
    }
    let index = match (instance, list.len()) {
        (Some(i), _) => i,
        (None, 1) => 0,
        (None, 0) => {
            return Err(ParseError::field("instances", "at least one instance", "an empty list").in_input(name))
        }
        (None, n) => {
            return Err(Error::Usage(format!(
                "{name} lists {n} instances; choose one with --instance 0..{}",
                n.saturating_sub(1)
            )))
        }
    };
    let path = format!("instances[{index}]");
    let inst = list
        .get(index)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--instance {index}: {name} lists only {}",
                crate::error::count(list.len(), "instance")
            ))
        })?
        .as_object()
        .ok_or_else(|| ParseError::field(path.clone(), "an instance object", "something else").in_input(name))?;
    Ok((inst, path))
}

fn phala_cvm(found: &mut Found, obj: &Map<String, Value>, name: &str) -> Result<(), Error> {
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        let message = err.as_str().map(str::to_string).unwrap_or_else(|| err.to_string());
        return Err(Error::NotFetched { input: name.into(), message });
    }
    if obj.get("success") == Some(&Value::Bool(false)) {
        return Err(Error::NotFetched { input: name.into(), message: "the response says success: false".into() });
    }
    let certs = obj.get("app_certificates").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let leaf = certs.iter().enumerate().find(|(_, c)| c.get("position_in_chain").and_then(Value::as_u64) == Some(0));
    match leaf {
        Some((i, cert)) => {
            let path = format!("app_certificates[{i}]");
            if let Some(q) = cert.get("quote") {
                let bytes = quote_value(q, &format!("{path}.quote")).map_err(|e| e.in_input(name))?;
                found.quote = Some((bytes, Origin { input: name.into(), field: format!("{path}.quote") }));
            }
        }
        None => found.notes.push("no app certificate with position_in_chain 0".into()),
    }
    take_fields(found, obj, "", name)
}

/// Takes the canonical fields and the claims from one object.
fn take_fields(found: &mut Found, obj: &Map<String, Value>, path: &str, name: &str) -> Result<(), Error> {
    let at = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    let origin = |k: &str| Origin { input: name.into(), field: at(k) };
    // A second copy that is empty or null carries nothing to compare.
    let second = found.quote.is_some();
    if let Some(q) = obj.get("quote").filter(|q| !(q.is_object() || (second && is_empty(q)))) {
        let bytes = quote_value(q, &at("quote")).map_err(|e| e.in_input(name))?;
        found.offer_quote(bytes, origin("quote"));
    }
    for key in ["event_log", "eventlog"] {
        if let Some(v) = obj.get(key).filter(|v| !is_empty(v)) {
            let log = parse_event_log(v).map_err(|e| e.under(&at(key)).in_input(name))?;
            found.offer_event_log(log, origin(key));
        }
    }
    if let Some(v) = obj.get("app_compose").filter(|v| !v.is_null()) {
        let text = match v {
            Value::String(s) if s.len() <= MAX_APP_COMPOSE_BYTES => s.clone(),
            Value::String(s) => {
                return Err(ParseError::field(at("app_compose"), format!("at most {MAX_APP_COMPOSE_BYTES} bytes (MAX_APP_COMPOSE_BYTES)"), format!("{} bytes", s.len())).in_input(name))
            }
            other => {
                return Err(ParseError::field(
                    at("app_compose"),
                    "the exact app-compose JSON text as a string (the compose-hash is over its bytes; an object cannot be hashed faithfully)",
                    kind(other),
                )
                .in_input(name))
            }
        };
        found.offer_app_compose(text, origin("app_compose"));
    }
    for key in ["collateral", "quote_collateral"] {
        if found.collateral.is_some() {
            break;
        }
        match obj.get(key) {
            Some(v @ Value::Object(_)) => found.collateral = Some((v.clone(), origin(key))),
            Some(Value::String(s)) if !s.is_empty() => {
                let v = serde_json::from_str::<Value>(s).map_err(|e| {
                    ParseError::field(at(key), "collateral JSON", crate::error::json_message(&e)).in_input(name)
                })?;
                found.collateral = Some((v, origin(key)));
            }
            _ => {}
        }
    }
    take_claims(found, obj, path, name);
    if let Some(t) = obj.get("tcb_info") {
        let owned;
        let tcb = match t {
            Value::Object(m) => Some(m),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => {
                owned = serde_json::from_str::<Value>(s).map_err(|e| {
                    ParseError::field(at("tcb_info"), "tcb_info JSON inside the string", crate::error::json_message(&e))
                        .in_input(name)
                })?;
                if let Some(d) = crate::json::first_duplicate_key(s) {
                    let e = ParseError::field(at("tcb_info"), "each key at most once in an object", d.to_string());
                    return Err(e.in_input(name));
                }
                owned.as_object()
            }
            _ => None,
        };
        match tcb {
            Some(m) => take_fields(found, m, &at("tcb_info"), name)?,
            None if !t.is_null() && t.as_str() != Some("") => {
                return Err(
                    ParseError::field(at("tcb_info"), "an object or a string holding one", kind(t)).in_input(name)
                )
            }
            None => {}
        }
    }
    if let Some(Value::String(pem)) = obj.get("app_cert") {
        if !pem.is_empty() && found.cert_candidate.is_none() {
            match super::ratls::parse_ratls_leaf(pem) {
                Ok(leaf) => found.cert_candidate = Some((leaf, origin("app_cert"))),
                Err(e) => found.notes.push(format!("{}: not usable as an RA-TLS certificate: {e}", origin("app_cert"))),
            }
        }
    }
    Ok(())
}

fn is_empty(v: &Value) -> bool {
    v.is_null() || v.as_str() == Some("")
}

fn take_claims(found: &mut Found, obj: &Map<String, Value>, path: &str, name: &str) {
    let at = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    for key in HEX_CLAIMS.iter().chain(TEXT_CLAIMS) {
        if let Some(Value::String(s)) = obj.get(*key) {
            if !s.is_empty() {
                found.claims.push(Claim {
                    name: key.to_string(),
                    source: format!("{name}:{}", at(key)),
                    value: s.trim().to_string(),
                });
            }
        }
    }
    take_vm_config(found, obj.get("vm_config"), &Origin { input: name.into(), field: at("vm_config") });
}

fn take_vm_config(found: &mut Found, v: Option<&Value>, origin: &Origin) {
    let parsed = match v {
        Some(Value::String(s)) if !s.is_empty() => serde_json::from_str::<Value>(s).ok(),
        Some(o @ Value::Object(_)) => Some(o.clone()),
        _ => None,
    };
    let Some(config) = parsed else { return };
    found.claims.push(Claim { name: "vm_config".into(), source: origin.to_string(), value: config.to_string() });
    if config.get("tdx_attestation_variant").and_then(Value::as_str) == Some("lite") {
        found.lite_boot_log = true;
    }
    if let Some(h) = config.get("os_image_hash").and_then(Value::as_str).filter(|h| !h.is_empty()) {
        found.claims.push(Claim {
            name: "os_image_hash".into(),
            source: format!("{origin}.os_image_hash"),
            value: h.to_string(),
        });
    }
}

/// A quote given as hex text or as a JSON array of bytes.
fn quote_value(v: &Value, field: &str) -> Result<Vec<u8>, ParseError> {
    match v {
        Value::String(s) => {
            if s.len() > MAX_QUOTE_BYTES.saturating_mul(2).saturating_add(2) {
                return Err(ParseError::field(
                    field,
                    format!("a quote of at most {MAX_QUOTE_BYTES} bytes (MAX_QUOTE_BYTES)"),
                    format!("{} hex digits", s.len()),
                ));
            }
            decode_hex(s, field)
        }
        Value::Array(items) => {
            if items.len() > MAX_QUOTE_BYTES {
                return Err(ParseError::field(
                    field,
                    format!("a quote of at most {MAX_QUOTE_BYTES} bytes (MAX_QUOTE_BYTES)"),
                    format!("{} items", items.len()),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    b.as_u64()
                        .and_then(|n| u8::try_from(n).ok())
                        .ok_or_else(|| ParseError::field(format!("{field}[{i}]"), "a byte 0..=255", kind(b)))
                })
                .collect()
        }
        other => Err(ParseError::field(field, "the quote as hex text or an array of bytes", kind(other))),
    }
}

fn key_list(obj: &Map<String, Value>) -> String {
    let keys: Vec<&str> = obj.keys().map(String::as_str).take(12).collect();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}
