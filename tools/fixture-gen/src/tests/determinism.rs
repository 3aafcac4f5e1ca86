//! Two runs give the same bytes, and `--check` sees exactly what drifted.

use std::fs;

use super::files;
use crate::generate::generate;
use crate::output::{check, write_all, Drift};

#[test]
fn two_runs_are_byte_identical() {
    assert_eq!(&generate().unwrap(), files());
}

#[test]
fn check_is_clean_after_write_and_lists_every_drift() {
    let dir = std::env::temp_dir().join(format!("fixture-gen-test-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    write_all(&dir, files()).unwrap();
    assert_eq!(check(&dir, files()).unwrap(), vec![]);

    fs::write(dir.join("dcap/up-to-date/expected.json"), b"{}").unwrap();
    fs::remove_file(dir.join("test-root-ca.pem")).unwrap();
    fs::write(dir.join("dcap/stray.txt"), b"x").unwrap();
    let drift = check(&dir, files()).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        drift,
        vec![
            Drift::Differs("dcap/up-to-date/expected.json".into()),
            Drift::Missing("test-root-ca.pem".into()),
            Drift::Extra("dcap/stray.txt".into()),
        ]
    );
}

#[test]
fn expected_files_name_every_scenario_once() {
    let names: Vec<&str> = crate::scenarios::all().iter().map(|s| s.name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert_eq!(names.len(), 20);
    for name in names {
        let expected: serde_json::Value = serde_json::from_slice(super::scenario_file(name, "expected.json")).unwrap();
        let keys: Vec<&String> = expected.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{name}");
        assert!(expected["status"].is_string() || expected["error_code"].is_string(), "{name}");
    }
    let readme = std::str::from_utf8(super::file("README.md")).unwrap();
    assert!(readme.contains("not Intel"));
    assert!(readme.contains("--tdx-root-ca test-root-ca.pem"));
}
