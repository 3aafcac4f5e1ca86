//! Self-checks of the generated fixtures: layout, every signature, the SGX extension against
//! Intel's, determinism, `--check`, and a differential run through dcap-qvl 0.7 with the TEST root.

mod crypto;
mod dcap_qvl;
mod determinism;
mod layout;

use std::sync::OnceLock;

use crate::generate::{generate, Files};

/// The generated files, built once for all tests.
pub fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| generate().unwrap())
}

pub fn file(path: &str) -> &'static [u8] {
    files().get(path).unwrap_or_else(|| panic!("{path} not generated"))
}

pub fn scenario_file(scenario: &str, name: &str) -> &'static [u8] {
    file(&format!("dcap/{scenario}/{name}"))
}

pub fn collateral(scenario: &str) -> serde_json::Value {
    serde_json::from_slice(scenario_file(scenario, "collateral.json")).unwrap()
}
