//! Documentation stays in step with the code: every finding code is documented.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

/// Kebab-case literals in src/checks that are not finding codes (event names, claim statuses).
const NOT_CODES: &[&str] = &["app-id", "compose-hash", "os-image-hash", "not-measured"];

#[test]
fn every_finding_code_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/finding-codes.md")).unwrap();
    let mut missing = Vec::new();
    let checks = std::fs::read_dir(format!("{root}/src/checks")).unwrap().map(|e| e.unwrap().path());
    // The DCAP and provenance layers' error codes reach the report as finding codes too.
    let dcap = ["dcap/verify.rs", "dcap/chain.rs", "dcap/tcb.rs", "provenance/error.rs"]
        .map(|f| std::path::PathBuf::from(format!("{root}/src/{f}")));
    for path in checks.chain(dcap) {
        let text = std::fs::read_to_string(&path).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let is_code = literal.contains('-')
                && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !literal.starts_with('-')
                && !literal.ends_with('-');
            if is_code && !NOT_CODES.contains(&literal) && !doc.contains(&format!("`{literal}`")) {
                missing.push(literal.to_string());
            }
        }
    }
    assert!(missing.is_empty(), "undocumented finding codes: {missing:?}");
}
