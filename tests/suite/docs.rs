//! Documentation stays in step with the code: every finding code is documented.

/// Kebab-case literals in src/checks that are not finding codes (event names, claim statuses,
/// Docker options).
const NOT_CODES: &[&str] = &[
    "app-id",
    "compose-hash",
    "os-image-hash",
    "not-measured",
    "git-launcher",
    "rev-parse",
    "ls-tree",
    "no-new-privileges",
];

#[test]
fn every_finding_code_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/finding-codes.md")).unwrap();
    let mut missing = Vec::new();
    let dir = |d: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(format!("{root}/src/{d}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect()
    };
    let checks = dir("checks").into_iter().chain(dir("checks/workload"));
    // The DCAP, provenance, git-launcher and local-clone layers' error codes reach the report
    // as finding codes too.
    let dcap = [
        "dcap/verify.rs",
        "dcap/chain/error.rs",
        "dcap/tcb/error.rs",
        "provenance/error.rs",
        "compose/git_launcher.rs",
        "workload/repo.rs",
    ]
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
