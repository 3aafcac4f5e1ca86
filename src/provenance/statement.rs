//! The in-toto statement inside a DSSE payload, read by us (not by sigstore-verify): `_type`
//! in-toto Statement v1 (or v0.1), `predicateType`, at most `MAX_STATEMENT_SUBJECTS` subjects of
//! at most `MAX_SUBJECT_DIGESTS` digests each; and which subject names the artifact. It only
//! parses: `verify.rs` calls it on a payload whose signature verified.

use super::artifact::Artifact;
use super::error::ProvenanceError;
use crate::json::type_name;
use crate::limits::{MAX_STATEMENT_SUBJECTS, MAX_SUBJECT_DIGESTS};
use sigstore_verify::types::{Bundle, HashAlgorithm, SignatureContent};

/// The in-toto statement fields we read.
pub(super) struct Statement {
    pub(super) statement_type: String,
    pub(super) predicate_type: String,
    /// (subject name, algorithm, lowercase hex)
    pub(super) digests: Vec<(String, String, String)>,
}

pub(super) fn parse_statement(payload: &[u8]) -> Result<Statement, ProvenanceError> {
    let bad = |detail: String| ProvenanceError::Statement { detail };
    let v: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| bad(format!("expected an in-toto statement (JSON), found: {}", crate::error::json_message(&e))))?;
    let text = |field: &str| {
        v.get(field).and_then(|t| t.as_str()).map(str::to_string).ok_or_else(|| {
            bad(format!("field `{field}`: expected a string, found {}", v.get(field).map_or("nothing", type_name)))
        })
    };
    let statement_type = text("_type")?;
    if !matches!(statement_type.as_str(), "https://in-toto.io/Statement/v1" | "https://in-toto.io/Statement/v0.1") {
        return Err(bad(format!(
            "field `_type`: expected `https://in-toto.io/Statement/v1` (or v0.1), found `{statement_type}`"
        )));
    }
    let predicate_type = text("predicateType")?;
    let subjects = v.get("subject").and_then(|s| s.as_array()).ok_or_else(|| {
        bad(format!("field `subject`: expected an array, found {}", v.get("subject").map_or("nothing", type_name)))
    })?;
    if subjects.len() > MAX_STATEMENT_SUBJECTS {
        return Err(bad(format!(
            "field `subject`: expected at most {MAX_STATEMENT_SUBJECTS} subjects (MAX_STATEMENT_SUBJECTS), found {}",
            subjects.len()
        )));
    }
    let mut digests = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        let name = s.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
        let map = s.get("digest").and_then(|d| d.as_object()).ok_or_else(|| {
            bad(format!(
                "field `subject[{i}].digest`: expected an object, found {}",
                s.get("digest").map_or("nothing", type_name)
            ))
        })?;
        if map.len() > MAX_SUBJECT_DIGESTS {
            return Err(bad(format!(
                "field `subject[{i}].digest`: expected at most {MAX_SUBJECT_DIGESTS} digests (MAX_SUBJECT_DIGESTS), found {}",
                map.len()
            )));
        }
        for (alg, value) in map {
            if let Some(h) = value.as_str() {
                digests.push((name.clone(), alg.clone(), h.to_ascii_lowercase()));
            }
        }
    }
    Ok(Statement { statement_type, predicate_type, digests })
}

/// The subject (name) whose digest equals the artifact's, if any.
pub(super) fn matching_subject(statement: &Statement, artifact: &Artifact) -> Option<String> {
    let wanted = artifact.digests();
    statement
        .digests
        .iter()
        .find(|(_, alg, h)| wanted.iter().any(|(a, d)| a == alg && hex::encode(d) == *h))
        .map(|(name, _, _)| name.clone())
}

pub(super) fn subject_mismatch(bundle: &Bundle, artifact: &Artifact) -> ProvenanceError {
    let (object, found) = match &bundle.content {
        SignatureContent::DsseEnvelope(env) => (
            "in-toto statement subject",
            match parse_statement(env.payload.as_bytes()) {
                Ok(s) => s.digests.iter().map(|(_, alg, h)| format!("{alg}:{h}")).collect(),
                Err(e) => vec![e.to_string()],
            },
        ),
        SignatureContent::MessageSignature(m) => (
            "messageSignature",
            match &m.message_digest {
                Some(d) => vec![format!("{}:{}", algorithm_name(d.algorithm), hex::encode(d.digest.as_bytes()))],
                None => vec!["a signature that does not verify over the artifact".to_string()],
            },
        ),
        _ => ("bundle content", Vec::new()),
    };
    let expected = artifact.digests().iter().map(|(a, d)| format!("{a}:{}", hex::encode(d))).collect::<Vec<_>>();
    ProvenanceError::SubjectMismatch { object, expected: expected.join(" or "), found }
}

fn algorithm_name(a: HashAlgorithm) -> &'static str {
    match a {
        HashAlgorithm::Sha2256 => "sha256",
        HashAlgorithm::Sha2384 => "sha384",
        HashAlgorithm::Sha2512 => "sha512",
        _ => "another algorithm",
    }
}
