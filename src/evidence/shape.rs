//! Recognises which of the known attestation file shapes an input is (SPEC §2).
//! Detection looks only at which keys are present; extraction is in `extract.rs`.

use serde_json::{Map, Value};

/// The shape an attestation input was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// dstack guest-agent `GetQuote` response `{quote, event_log, report_data, vm_config}`.
    GetQuote,
    /// Legacy Tappd `TdxQuote` response `{quote, event_log, hash_algorithm, prefix}`.
    TappdTdxQuote,
    /// dstack-verifier request `{quote, event_log, vm_config}`.
    VerifierRequest,
    /// A guest-agent `Info` response (`tcb_info` with the event log and app-compose).
    Info,
    /// An `Info` response whose quote comes from its RA-TLS `app_cert`.
    RaTlsInfo,
    /// `GetQuote` and `Info` together (flat, or as `{quote: {…}, info: {…}}`).
    QuoteAndInfo,
    /// Phala Cloud `GET /api/v1/apps/{id}/attestations` (`instances[]`).
    PhalaAppAttestations,
    /// `phala cvms attestation --json` / `GET /cvms/{id}/attestation` (`app_certificates[]`).
    PhalaCvmAttestation,
    /// NEAR MPC node `public_data` (`tee_participant_info.Dstack`).
    NearPublicData,
    /// dstack `VersionedAttestation` (SCALE V0), binary or as `{attestation: hex}`.
    VersionedAttestation,
    /// A bare `tcb_info` object (needs `--quote`).
    TcbInfo,
    /// The canonical `{quote, event_log, app_compose, collateral}` object.
    Canonical,
    /// The canonical object produced by `--select`.
    Selected,
    /// A raw quote, binary or hex.
    RawQuote,
    /// Only `--quote` / `--event-log` / `--app-compose` were given.
    SeparateFiles,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::GetQuote => "dstack guest-agent GetQuote response",
            Shape::TappdTdxQuote => "legacy Tappd TdxQuote response",
            Shape::VerifierRequest => "dstack-verifier request",
            Shape::Info => "dstack guest-agent Info response",
            Shape::RaTlsInfo => "dstack Info response with an RA-TLS app certificate",
            Shape::QuoteAndInfo => "GetQuote and Info responses combined",
            Shape::PhalaAppAttestations => "Phala Cloud app attestations (instances[])",
            Shape::PhalaCvmAttestation => "Phala Cloud CVM attestation (app_certificates[])",
            Shape::NearPublicData => "NEAR MPC public_data",
            Shape::VersionedAttestation => "dstack VersionedAttestation (SCALE V0)",
            Shape::TcbInfo => "bare tcb_info object",
            Shape::Canonical => "canonical {quote, event_log, app_compose, collateral}",
            Shape::Selected => "canonical object produced by --select",
            Shape::RawQuote => "raw TDX quote",
            Shape::SeparateFiles => "separate --quote/--event-log/--app-compose files",
        }
    }
}

/// Names the shape of a JSON object, or `None` when it is none of the known ones.
pub(crate) fn detect(obj: &Map<String, Value>) -> Option<Shape> {
    let has = |k: &str| obj.contains_key(k);
    if obj.get("tee_participant_info").and_then(|t| t.get("Dstack")).is_some() {
        return Some(Shape::NearPublicData);
    }
    if obj.get("instances").is_some_and(Value::is_array) {
        return Some(Shape::PhalaAppAttestations);
    }
    if has("app_certificates") || (has("is_online") && has("tcb_info")) {
        return Some(Shape::PhalaCvmAttestation);
    }
    if obj.get("attestation").is_some_and(Value::is_string) {
        return Some(Shape::VersionedAttestation);
    }
    match obj.get("quote") {
        Some(Value::Object(_)) => return Some(Shape::QuoteAndInfo),
        Some(_) => {
            return Some(if has("hash_algorithm") || has("prefix") {
                Shape::TappdTdxQuote
            } else if has("tcb_info") || has("app_id") {
                Shape::QuoteAndInfo
            } else if has("vm_config") && has("report_data") {
                Shape::GetQuote
            } else if has("vm_config") {
                Shape::VerifierRequest
            } else {
                Shape::Canonical
            })
        }
        None => {}
    }
    if has("tcb_info") {
        return Some(if has("app_cert") { Shape::RaTlsInfo } else { Shape::Info });
    }
    if has("mrtd") && has("event_log") {
        return Some(Shape::TcbInfo);
    }
    None
}
