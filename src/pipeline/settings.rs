//! The evaluation settings and the trust material and side inputs read from them (TDX root,
//! collateral, Sigstore roots, bundles): parsed once, before any evidence is authenticated.

use crate::clock::EvalTime;
use crate::dcap::roots::TrustAnchor;
use crate::error::Error;
use crate::evidence::{self, InputFile};
use crate::provenance;

/// How to evaluate: the time, the TDX root to trust, and a collateral file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The evaluation time (the CLI reads the clock once, or takes `--at`).
    pub at: EvalTime,
    /// `--tdx-root-ca`: an untrusted test root instead of the pinned Intel root.
    pub tdx_root: Option<InputFile>,
    /// `--collateral`: DCAP collateral (dcap-qvl `QuoteCollateralV3` JSON).
    pub collateral: Option<InputFile>,
    /// `--bundle`: Sigstore bundles (JSON or JSONL) for the launcher image.
    pub bundles: Vec<InputFile>,
    /// `--trusted-root`: Sigstore trusted roots replacing the embedded ones.
    pub trusted_roots: Vec<InputFile>,
    /// `--workload-repo`: a local clone of the workload repository.
    pub workload_repo: Option<std::path::PathBuf>,
}

impl Settings {
    pub fn at(at: EvalTime) -> Self {
        Settings {
            at,
            tdx_root: None,
            collateral: None,
            bundles: Vec::new(),
            trusted_roots: Vec::new(),
            workload_repo: None,
        }
    }
}

/// Trust material and side inputs read from `Settings`, shared by `verify` and
/// `reference init`.
pub struct Prepared {
    pub anchor: TrustAnchor,
    pub collateral: Option<(serde_json::Value, evidence::Origin)>,
    pub roots: provenance::TrustRoots,
    pub bundles: Vec<provenance::BundleInput>,
}

/// Loads the TDX root, the collateral, the Sigstore roots and the bundles.
pub fn prepare(settings: &Settings) -> Result<Prepared, Error> {
    let anchor = match &settings.tdx_root {
        None => TrustAnchor::intel().map_err(|e| e.in_input("the embedded Intel SGX Root CA"))?,
        Some(f) => TrustAnchor::untrusted_test_root(&f.bytes, &f.name).map_err(|e| e.in_input(&f.name))?,
    };
    let collateral = match &settings.collateral {
        None => None,
        Some(f) => {
            let value = evidence::parse_json(&f.bytes).map_err(|e| e.in_input(&f.name))?;
            Some((value, evidence::Origin { input: f.name.clone(), field: String::new() }))
        }
    };
    let roots = if settings.trusted_roots.is_empty() {
        provenance::TrustRoots::embedded().map_err(|e| e.in_input("the embedded Sigstore trusted roots"))?
    } else {
        let files: Vec<(String, Vec<u8>)> =
            settings.trusted_roots.iter().map(|f| (f.name.clone(), f.bytes.clone())).collect();
        provenance::TrustRoots::from_files(&files)?
    };
    let mut bundles = Vec::new();
    for f in &settings.bundles {
        bundles.extend(provenance::split_bundles(&f.name, &f.bytes)?);
    }
    Ok(Prepared { anchor, collateral, roots, bundles })
}
