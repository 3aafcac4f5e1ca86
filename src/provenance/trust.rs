//! Trusted roots for Sigstore bundles and the trust domain each one implies.
//!
//! Two roots are embedded as data files, each pinned by its SHA-256 and checked when loaded (as
//! `dcap/roots.rs` pins Intel's root): the Sigstore public-good production root (the
//! `trusted_root.json` target of tuf-repo-cdn.sigstore.dev) and GitHub's private-instance root
//! (the target of tuf-repo.github.com). Refreshing either is a reviewed change of the file and its
//! constant (docs/provenance.md, "Refreshing the roots"). `--trusted-root FILE` (one root as
//! JSON, or JSONL with one root per line as `gh attestation trusted-root` writes) replaces both.
//!
//! The trust domain (research/sigstore.md §2.2, after gh's `chooseVerifier`) says what a bundle
//! must carry to be accepted under a root: public-good needs an SCT, a transparency-log entry
//! (inclusion proof + signed checkpoint, SET for v0.1) and a verified time; GitHub's instance has
//! no logs and needs an RFC 3161 timestamp. A custom root gets the domain its content supports:
//! a log when it lists logs (and an SCT when it lists CT logs), otherwise a timestamp authority.
//! Which root a bundle is judged under is decided in `verify.rs` by the certificate's issuer.

use sha2::{Digest, Sha256};

use crate::error::{count, Error, Location, ParseError};
use crate::limits::{MAX_TRUSTED_ROOTS, MAX_TRUSTED_ROOT_FILE_BYTES};
use crate::x509::Certificate;
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::Verifier;

/// SHA-256 of `roots/sigstore-public-good.json` (tuf-repo-cdn.sigstore.dev `trusted_root.json`,
/// as embedded in sigstore-python 4.5 and sigstore-trust-root 0.15.1).
pub const SIGSTORE_PUBLIC_GOOD_ROOT_SHA256: &str = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";
/// SHA-256 of `roots/github.json` (tuf-repo.github.com `trusted_root.json`, as embedded in
/// sigstore-trust-root 0.15.1; six Fulcio CA and TSA windows, the newest open from 2026-06-12).
pub const GITHUB_ROOT_SHA256: &str = "484cdfe1a7c65479c5ba2a22193d1be90f0020db1997de696ab207434c62fbb7";

const SIGSTORE_PUBLIC_GOOD_ROOT: &[u8] = include_bytes!("roots/sigstore-public-good.json");
const GITHUB_ROOT: &[u8] = include_bytes!("roots/github.json");

/// Where a root came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootKind {
    /// The embedded Sigstore public-good production root.
    SigstorePublicGood,
    /// The embedded root of GitHub's private Sigstore instance.
    GitHub,
    /// A root given with `--trusted-root`.
    Custom,
}

impl RootKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RootKind::SigstorePublicGood => "sigstore-public-good",
            RootKind::GitHub => "github",
            RootKind::Custom => "custom",
        }
    }
}

/// What a bundle must carry to be accepted under a root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrustDomain {
    /// A transparency-log entry verified against the root's logs (inclusion proof + signed
    /// checkpoint, or SET) and a verified time (SET-backed integrated time or RFC 3161); an SCT
    /// when `sct` (always for public-good).
    TransparencyLog { sct: bool },
    /// At least one RFC 3161 timestamp from the root's TSAs; no log, no SCT (GitHub's instance).
    TimestampAuthority,
}

impl TrustDomain {
    /// For reports: what this domain required.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            TrustDomain::TransparencyLog { sct: true } => "SCT + transparency log + verified time",
            TrustDomain::TransparencyLog { sct: false } => {
                "transparency log + verified time (no SCT: the root lists no CT logs)"
            }
            TrustDomain::TimestampAuthority => "RFC 3161 timestamp (no transparency log, no SCT)",
        }
    }
}

/// A description of one loaded root, for reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RootInfo {
    pub name: String,
    pub sha256: String,
    /// `sigstore-public-good`, `github` or `custom`.
    pub kind: &'static str,
    /// What a bundle must carry under this root.
    pub requires: &'static str,
}

/// One loaded root: the sigstore-verify verifier built from it, and what `verify.rs` needs to
/// choose it for a bundle.
pub(crate) struct LoadedRoot {
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) kind: RootKind,
    pub(crate) domain: TrustDomain,
    pub(crate) verifier: Verifier,
    /// DER subjects of every certificate in the root's Fulcio CA chains.
    pub(crate) fulcio_subjects: Vec<Vec<u8>>,
    /// Key ids (log ids) and base URLs of the root's transparency logs.
    pub(crate) tlogs: Vec<(Vec<u8>, String)>,
}

/// The set of roots a verification trusts.
pub struct TrustRoots {
    pub(crate) roots: Vec<LoadedRoot>,
}

impl std::fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.roots.iter().map(|r| (&r.name, r.kind.as_str()))).finish()
    }
}

impl TrustRoots {
    /// The embedded public-good and GitHub roots, after checking their pins.
    pub fn embedded() -> Result<TrustRoots, ParseError> {
        let roots = vec![
            embedded_root(
                "embedded Sigstore public-good root",
                SIGSTORE_PUBLIC_GOOD_ROOT,
                SIGSTORE_PUBLIC_GOOD_ROOT_SHA256,
                RootKind::SigstorePublicGood,
                TrustDomain::TransparencyLog { sct: true },
            )?,
            embedded_root(
                "embedded GitHub root",
                GITHUB_ROOT,
                GITHUB_ROOT_SHA256,
                RootKind::GitHub,
                TrustDomain::TimestampAuthority,
            )?,
        ];
        Ok(TrustRoots { roots })
    }

    /// Roots from `--trusted-root` files (name, bytes): each file holds one root as JSON, or
    /// several as JSONL. They replace the embedded roots.
    pub fn from_files(files: &[(String, Vec<u8>)]) -> Result<TrustRoots, Error> {
        let mut roots = Vec::new();
        for (name, bytes) in files {
            if bytes.len() > MAX_TRUSTED_ROOT_FILE_BYTES {
                return Err(Error::Input {
                    input: name.clone(),
                    at: Location::Whole,
                    expected: format!(
                        "a trusted root of at most {MAX_TRUSTED_ROOT_FILE_BYTES} bytes (MAX_TRUSTED_ROOT_FILE_BYTES)"
                    ),
                    found: format!("{} bytes", bytes.len()),
                });
            }
            for (label, text) in json_documents(bytes).map_err(|e| e.in_input(name))? {
                if roots.len() >= MAX_TRUSTED_ROOTS {
                    return Err(Error::Input {
                        input: name.clone(),
                        at: Location::Whole,
                        expected: format!("at most {MAX_TRUSTED_ROOTS} trusted roots in all (MAX_TRUSTED_ROOTS)"),
                        found: "more".into(),
                    });
                }
                let full = match &label {
                    Some(line) => format!("{name} {line}"),
                    None => name.clone(),
                };
                let root = load_root(&full, text, RootKind::Custom, None).map_err(|e| e.in_input(&full))?;
                roots.push(root);
            }
        }
        if roots.is_empty() {
            return Err(Error::Usage("no trusted root was given".into()));
        }
        Ok(TrustRoots { roots })
    }

    /// Name, SHA-256, kind and requirements of each root, in the order they are tried.
    pub fn describe(&self) -> Vec<RootInfo> {
        self.roots
            .iter()
            .map(|r| RootInfo {
                name: r.name.clone(),
                sha256: r.sha256.clone(),
                kind: r.kind.as_str(),
                requires: r.domain.describe(),
            })
            .collect()
    }
}

fn embedded_root(
    name: &str,
    bytes: &[u8],
    pin: &str,
    kind: RootKind,
    domain: TrustDomain,
) -> Result<LoadedRoot, ParseError> {
    let digest = hex::encode(Sha256::digest(bytes));
    if digest != pin {
        return Err(ParseError::new(
            Location::Whole,
            format!("the {name} with SHA-256 {pin}"),
            format!("SHA-256 {digest}"),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::new(Location::Whole, "UTF-8 JSON", "other bytes"))?;
    load_root(name, text, kind, Some(domain))
}

/// Parses one root and builds its verifier. `domain` is given for the embedded roots; a custom
/// root gets the domain its content supports.
fn load_root(name: &str, text: &str, kind: RootKind, domain: Option<TrustDomain>) -> Result<LoadedRoot, ParseError> {
    let root = TrustedRoot::from_json(text)
        .map_err(|e| ParseError::new(Location::Whole, "a Sigstore trusted root (TrustedRoot JSON)", e.to_string()))?;
    let verifier = Verifier::new(&root)
        .map_err(|e| ParseError::new(Location::Whole, "a usable Sigstore trusted root", e.to_string()))?;
    let domain = match domain {
        Some(d) => d,
        None if !root.tlogs.is_empty() => TrustDomain::TransparencyLog { sct: !root.ctlogs.is_empty() },
        None if !root.timestamp_authorities.is_empty() => TrustDomain::TimestampAuthority,
        None => {
            return Err(ParseError::field(
                "tlogs",
                "a transparency log or a timestamp authority (without either no signing time can be verified)",
                "neither",
            ))
        }
    };
    let mut fulcio_subjects = Vec::new();
    for (i, ca) in root.certificate_authorities.iter().enumerate() {
        for (j, cert) in ca.cert_chain.certificates.iter().enumerate() {
            let parsed = Certificate::from_der(cert.raw_bytes.as_bytes())
                .map_err(|e| e.under(&format!("certificateAuthorities[{i}].certChain.certificates[{j}]")))?;
            fulcio_subjects.push(parsed.subject_der().to_vec());
        }
    }
    let tlogs = root.tlogs.iter().map(|t| (t.log_id.key_id.as_bytes().to_vec(), t.base_url.clone())).collect();
    Ok(LoadedRoot {
        name: name.to_string(),
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
        kind,
        domain,
        verifier,
        fulcio_subjects,
        tlogs,
    })
}

/// Splits a file into JSON documents: the whole file when it is one JSON value, otherwise one
/// document per non-blank line (JSONL). Each document is checked to be JSON; its label is
/// `line N` for JSONL. Shared with the bundle reader.
pub(crate) fn json_documents(bytes: &[u8]) -> Result<Vec<(Option<String>, &str)>, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ParseError::offset(e.valid_up_to(), "UTF-8 text (JSON or JSON Lines)", "a byte that is not UTF-8")
    })?;
    if text.trim().is_empty() {
        return Err(ParseError::new(Location::Whole, "JSON or JSON Lines", "an empty file"));
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return Ok(vec![(None, text)]);
    }
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = i.saturating_add(1);
        serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(|e| {
            ParseError::new(
                Location::Line { line: number, column: e.column() },
                "one JSON document per line (JSON Lines) or a single JSON document",
                crate::error::json_message(&e),
            )
        })?;
        docs.push((Some(format!("line {number}")), line));
    }
    if docs.is_empty() {
        return Err(ParseError::new(Location::Whole, "JSON or JSON Lines", count(0, "document")));
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_match_their_pins_and_the_fixtures() {
        let roots = TrustRoots::embedded().unwrap();
        let info = roots.describe();
        assert_eq!(info.len(), 2);
        assert_eq!(info[0].sha256, SIGSTORE_PUBLIC_GOOD_ROOT_SHA256);
        assert_eq!(info[1].sha256, GITHUB_ROOT_SHA256);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sigstore");
        let pg = std::fs::read(format!("{dir}/sigstore-python/trusted_root.json")).unwrap();
        let gh = std::fs::read(format!("{dir}/sigstore-rust/trusted_root_github.json")).unwrap();
        assert_eq!(pg, SIGSTORE_PUBLIC_GOOD_ROOT);
        assert_eq!(gh, GITHUB_ROOT);
    }

    #[test]
    fn a_root_without_logs_or_tsas_is_refused() {
        let text = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#.to_vec();
        let err = TrustRoots::from_files(&[("r.json".into(), text)]).unwrap_err();
        assert!(err.to_string().contains("transparency log or a timestamp authority"), "{err}");
    }
}
