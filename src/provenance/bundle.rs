//! `--bundle` files → bundles: one JSON document or JSON Lines, bounded (`MAX_BUNDLE_FILE_BYTES`,
//! `MAX_BUNDLES_PER_FILE`, `MAX_BUNDLE_BYTES`), then each parsed as a Sigstore bundle (media
//! types v0.1–v0.3) with sigstore-types; `--key` PEM public keys. Shape only: no signature is
//! checked here (`verify.rs`).

use super::error::ProvenanceError;
use super::trust::json_documents;
use crate::error::{Error, Location};
use crate::limits::{MAX_BUNDLES_PER_FILE, MAX_BUNDLE_BYTES, MAX_BUNDLE_FILE_BYTES};
use sigstore_verify::types::{Bundle, DerPublicKey};

/// One bundle to try, with where it came from (`file.jsonl line 2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInput {
    pub source: String,
    pub text: Vec<u8>,
}

/// Splits a `--bundle` file into bundles: one JSON document, or JSON Lines (one bundle per line,
/// as `gh attestation download` writes). Only JSON syntax is checked here; a line that is JSON
/// but not a bundle is a failed attempt later, not an unusable input.
pub fn split_bundles(name: &str, bytes: &[u8]) -> Result<Vec<BundleInput>, Error> {
    let too_big = |expected: String, found: String| Error::Input {
        input: name.to_string(),
        at: Location::Whole,
        expected,
        found,
    };
    if bytes.len() > MAX_BUNDLE_FILE_BYTES {
        return Err(too_big(
            format!("a bundle file of at most {MAX_BUNDLE_FILE_BYTES} bytes (MAX_BUNDLE_FILE_BYTES)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    let docs = json_documents(bytes).map_err(|e| e.in_input(name))?;
    if docs.len() > MAX_BUNDLES_PER_FILE {
        return Err(too_big(
            format!("at most {MAX_BUNDLES_PER_FILE} bundles in one file (MAX_BUNDLES_PER_FILE)"),
            format!("{} bundles", docs.len()),
        ));
    }
    Ok(docs
        .into_iter()
        .map(|(label, text)| BundleInput {
            source: label.map_or_else(|| name.to_string(), |l| format!("{name} {l}")),
            text: text.as_bytes().to_vec(),
        })
        .collect())
}

/// Checks that `pem` is a PEM `PUBLIC KEY` usable for `--key`.
pub fn check_key_pem(pem: &[u8]) -> Result<(), String> {
    parse_key(pem).map(|_| ())
}

pub(super) fn parse_key(pem: &[u8]) -> Result<DerPublicKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "expected a PEM public key, found non-UTF-8 bytes".to_string())?;
    DerPublicKey::from_pem(text).map_err(|e| format!("expected a PEM `PUBLIC KEY`, found: {e}"))
}

pub(super) fn parse_bundle(text: &[u8]) -> Result<Bundle, ProvenanceError> {
    if text.len() > MAX_BUNDLE_BYTES {
        return Err(ProvenanceError::Malformed {
            detail: format!("expected at most {MAX_BUNDLE_BYTES} bytes (MAX_BUNDLE_BYTES), found {}", text.len()),
        });
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| ProvenanceError::Malformed { detail: "expected UTF-8 JSON, found other bytes".into() })?;
    Bundle::from_json(text).map_err(|e| ProvenanceError::Malformed { detail: e.to_string() })
}
