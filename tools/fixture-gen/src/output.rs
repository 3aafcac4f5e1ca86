//! Writing the generated files, and `--check`: comparing them with what is on disk.
//!
//! `--check` regenerates in memory (the generator is pure, so this is the same as
//! regenerating into a temporary folder) and compares byte for byte with OUT_DIR.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{msg, Result};
use crate::generate::Files;

/// Writes every file under `out_dir`, creating folders as needed. Files already there that
/// the generator does not produce are left alone (and reported by `--check`).
pub fn write_all(out_dir: &Path, files: &Files) -> Result<()> {
    for (relative, contents) in files {
        let path = out_dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| msg(format!("creating {}: {e}", parent.display())))?;
        }
        fs::write(&path, contents).map_err(|e| msg(format!("writing {}: {e}", path.display())))?;
    }
    Ok(())
}

/// One difference between the generated files and OUT_DIR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Missing(String),
    Differs(String),
    Extra(String),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing: {p}"),
            Drift::Differs(p) => write!(f, "differs: {p}"),
            Drift::Extra(p) => write!(f, "extra:   {p} (not produced by the generator)"),
        }
    }
}

/// Every file that is missing, differs or is extra, in path order.
pub fn check(out_dir: &Path, files: &Files) -> Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for (relative, contents) in files {
        match fs::read(out_dir.join(relative)) {
            Ok(on_disk) if on_disk == *contents => {}
            Ok(_) => drift.push(Drift::Differs(relative.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.push(Drift::Missing(relative.clone())),
            Err(e) => return Err(msg(format!("reading {}: {e}", out_dir.join(relative).display()))),
        }
    }
    for relative in list_files(out_dir)? {
        if !files.contains_key(&relative) {
            drift.push(Drift::Extra(relative));
        }
    }
    Ok(drift)
}

/// Relative paths (with `/`) of every file under `root`, sorted; empty if `root` is absent.
fn list_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut pending: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| msg(format!("listing {}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root)?;
                let parts: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}
