//! Reading what a checked configuration names: files and standard input (bounded by
//! `MAX_INPUT_BYTES`, artifacts by `MAX_ARTIFACT_BYTES`), and the one clock read.

use std::io::Read;

use dstack_audit::clock::EvalTime;
use dstack_audit::error::{Error, Location};
use dstack_audit::evidence::{InputFile, Select, Sources};
use dstack_audit::limits::{MAX_ARTIFACT_BYTES, MAX_INPUT_BYTES};
use dstack_audit::Settings;

use super::config::{At, EvidencePaths, TrustPaths};
use super::select_child;

/// Reads a file or standard input, refusing anything over `MAX_INPUT_BYTES`.
pub(super) fn read_input(path: &str) -> Result<InputFile, Error> {
    let (name, reader): (String, Box<dyn Read>) = if path == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::Io { input: path.into(), message: e.to_string() })?;
        (path.into(), Box::new(file))
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_INPUT_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io { input: name.clone(), message: e.to_string() })?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::Input {
            input: name,
            at: Location::Whole,
            expected: format!("at most {MAX_INPUT_BYTES} bytes (MAX_INPUT_BYTES)"),
            found: "a larger input".into(),
        });
    }
    Ok(InputFile { name, bytes })
}

/// Reads an artifact to hash, refusing anything over `MAX_ARTIFACT_BYTES`.
pub(super) fn read_artifact(path: &str) -> Result<Vec<u8>, Error> {
    let io = |e: std::io::Error| Error::Io { input: path.to_string(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_ARTIFACT_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > MAX_ARTIFACT_BYTES {
        return Err(Error::Input {
            input: path.to_string(),
            at: Location::Whole,
            expected: format!(
                "an artifact of at most {MAX_ARTIFACT_BYTES} bytes (MAX_ARTIFACT_BYTES); give larger ones as sha256:HEX"
            ),
            found: "a larger file".into(),
        });
    }
    Ok(bytes)
}

/// Reads each path in order.
pub(super) fn read_all(paths: &[String]) -> Result<Vec<InputFile>, Error> {
    paths.iter().map(|p| read_input(p)).collect()
}

/// The evidence files; `--select` runs in a bounded child process (`select_child.rs`).
pub(super) fn sources(e: &EvidencePaths) -> Result<Sources, Error> {
    let read = |p: &Option<String>| p.as_deref().map(read_input).transpose();
    Ok(Sources {
        attestation: read(&e.attestation)?,
        quote: read(&e.quote)?,
        event_log: read(&e.event_log)?,
        app_compose: read(&e.app_compose)?,
        select: e.select.as_deref().map(|f| Select::with_runner(f, select_child::run_bounded)),
        instance: e.instance,
    })
}

/// The trust files and the evaluation time.
pub(super) fn settings(t: &TrustPaths, workload_repo: Option<std::path::PathBuf>) -> Result<Settings, Error> {
    let at = match t.at {
        At::Given(at) => at,
        At::Now => now()?,
    };
    Ok(Settings {
        at,
        tdx_root: t.tdx_root_ca.as_deref().map(read_input).transpose()?,
        collateral: t.collateral.as_deref().map(read_input).transpose()?,
        bundles: read_all(&t.bundles)?,
        trusted_roots: read_all(&t.trusted_roots)?,
        workload_repo,
    })
}

/// The one clock read, when no `--at` is given.
pub(super) fn now() -> Result<EvalTime, Error> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Usage("the system clock is before 1970; pass --at".into()))?
        .as_secs();
    EvalTime::from_unix(secs).ok_or_else(|| Error::Usage("the system clock is out of range; pass --at".into()))
}
