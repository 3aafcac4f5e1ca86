//! `fetch`: getting evidence online, written to files that `verify` then checks offline.
//!
//! Nothing fetched is trusted because it was fetched: this module only moves bytes, records
//! where they came from (URL, time, SHA-256 of each response), and refuses to write anything
//! unless the whole result is complete and readable by `verify`. Network access lives in
//! `http.rs` alone; the verifier's modules never call it.

pub mod attestation;
pub mod bundle;
pub mod collateral;
pub mod http;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::Error;

/// One response, as the fetched file records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResponseRecord {
    pub request: String,
    pub status: u16,
    pub bytes: usize,
    pub sha256: String,
}

impl ResponseRecord {
    pub fn of(r: &http::Response) -> Self {
        ResponseRecord {
            request: r.request.clone(),
            status: r.status,
            bytes: r.body.len(),
            sha256: hex::encode(Sha256::digest(&r.body)),
        }
    }
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io { input: path.display().to_string(), message: e.to_string() };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
