//! Cryptographic verification of one Sigstore bundle against the trusted roots, producing a
//! `VerifiedStatement`; no identity policy is applied here (that is `policy.rs`).
//!
//! Steps (research/sigstore.md §2; Sigstore client spec "Verification"; protobuf-specs
//! `sigstore_bundle.proto`):
//! 1. Parse the bundle (v0.1–v0.3 media types) with sigstore-types.
//! 2. Choose the trust root by the signing certificate's issuer: a root is a candidate when a
//!    certificate of one of its Fulcio CA chains has the issuer's name (gh's `chooseVerifier`
//!    chooses by the issuer's O=; the name match is the same idea, made exact). Managed-key
//!    bundles (`--key`) have no certificate and are tried under every root.
//! 3. Require what the root's trust domain needs (`trust.rs`): a tlog entry for a log domain, an
//!    RFC 3161 timestamp for a TSA domain.
//! 4. sigstore-verify 0.15.1 checks verified times (SET-backed integrated time, RFC 3161), the
//!    chain at each time, the SCT, inclusion proof + signed checkpoint + SET, the DSSE/message
//!    signature, the subject binding and tlog/bundle consistency. For a TSA domain it runs with
//!    `skip_tlog_unsafe` + `skip_sct`, the options its docs name for GitHub's instance.
//! 5. Read the in-toto statement from the verified DSSE payload and check again, ourselves, that
//!    a subject digest (sha256 or sha512) equals the artifact's.
//!
//! sigstore-verify reads the clock only to refuse integrated times in the future; every time it
//! validates certificates at comes from a SET or a TSA, never from "now".

use sha2::{Digest, Sha256, Sha512};

use super::error::{from_sigstore, ProvenanceError, Step};
use super::trust::{json_documents, LoadedRoot, TrustDomain, TrustRoots};
use crate::dcap::x509::Certificate;
use crate::error::{Error, Location};
use crate::limits::{
    MAX_BUNDLES_PER_FILE, MAX_BUNDLE_BYTES, MAX_BUNDLE_FILE_BYTES, MAX_STATEMENT_SUBJECTS, MAX_SUBJECT_DIGESTS,
};
use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::{
    Artifact as SigArtifact, ArtifactDigest, Bundle, DerPublicKey, HashAlgorithm, KindVersion, MediaType, Sha256Hash,
    Sha512Hash, SignatureContent,
};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, VerificationResult};

/// What the bundle must be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// The artifact's bytes (a file).
    Bytes(Vec<u8>),
    /// A SHA-256 digest (`sha256:HEX`, e.g. an OCI manifest digest).
    Sha256([u8; 32]),
    /// A SHA-512 digest (`sha512:HEX`, e.g. an npm tarball).
    Sha512([u8; 64]),
}

impl Artifact {
    /// Parses `sha256:HEX` or `sha512:HEX` (hex in either case). `None` when `text` has neither
    /// prefix; `Some(Err)` when it has one but the hex is wrong.
    pub fn parse_digest(text: &str) -> Option<Result<Artifact, String>> {
        if let Some(h) = text.strip_prefix("sha256:") {
            return Some(decode_fixed::<32>(h).map(Artifact::Sha256).ok_or_else(|| bad_digest("sha256", 64, h)));
        }
        if let Some(h) = text.strip_prefix("sha512:") {
            return Some(decode_fixed::<64>(h).map(Artifact::Sha512).ok_or_else(|| bad_digest("sha512", 128, h)));
        }
        None
    }

    /// The digests a subject may match: both algorithms for bytes, the one given otherwise.
    pub fn digests(&self) -> Vec<(&'static str, Vec<u8>)> {
        match self {
            Artifact::Bytes(b) => {
                vec![("sha256", Sha256::digest(b).to_vec()), ("sha512", Sha512::digest(b).to_vec())]
            }
            Artifact::Sha256(d) => vec![("sha256", d.to_vec())],
            Artifact::Sha512(d) => vec![("sha512", d.to_vec())],
        }
    }

    /// `sha256:HEX` (or `sha512:HEX`); for bytes, their SHA-256.
    pub fn describe(&self) -> String {
        match self {
            Artifact::Bytes(b) => format!("sha256:{}", hex::encode(Sha256::digest(b))),
            Artifact::Sha256(d) => format!("sha256:{}", hex::encode(d)),
            Artifact::Sha512(d) => format!("sha512:{}", hex::encode(d)),
        }
    }

    fn for_sigstore(&self) -> SigArtifact<'_> {
        match self {
            Artifact::Bytes(b) => SigArtifact::Blob(b),
            Artifact::Sha256(d) => SigArtifact::Digest(ArtifactDigest::sha256(Sha256Hash::from(*d))),
            Artifact::Sha512(d) => match ArtifactDigest::new(HashAlgorithm::Sha2512, Sha512Hash::from(*d)) {
                Ok(digest) => SigArtifact::Digest(digest),
                // A 64-byte array always has the SHA-512 length; keep a value that cannot match.
                Err(_) => SigArtifact::Blob(&[]),
            },
        }
    }
}

fn decode_fixed<const N: usize>(h: &str) -> Option<[u8; N]> {
    hex::decode(h).ok()?.try_into().ok()
}

fn bad_digest(alg: &str, len: usize, h: &str) -> String {
    format!("{alg} digest: expected {len} hex digits, found {}", crate::error::describe(h))
}

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

/// A bundle whose signature, certificate, log and timestamps verified under a trusted root, and
/// whose statement names the artifact. Only `verify_bundle` makes one; policy comes after.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VerifiedStatement {
    /// Which bundle (`file.jsonl line 2`).
    pub source: String,
    /// Bundle media-type version: `v0.1`, `v0.2`, `v0.3`.
    pub bundle_version: &'static str,
    /// `DSSE envelope` or `message signature`.
    pub content: String,
    /// The trusted root it verified under, and that root's kind.
    pub root: String,
    pub root_kind: &'static str,
    /// What the root's trust domain required (all of it verified).
    pub trust_domain: &'static str,
    /// The log evidence: `rekor v1 dsse/0.0.1 (https://rekor.sigstore.dev, index N)`,
    /// `rekor v2 hashedrekord/0.0.2 (…) + RFC 3161 timestamp`, or `rfc3161 only (no transparency log)`.
    pub log: String,
    /// The earliest verified signing time (Unix seconds), and all of them.
    pub signing_time: u64,
    pub verified_times: Vec<u64>,
    pub sct_verified: bool,
    pub tlog_verified: bool,
    /// Certificate claims (absent for managed-key bundles).
    pub issuer: Option<String>,
    pub san: Option<String>,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub source_ref: Option<String>,
    pub source_commit: Option<String>,
    pub run_url: Option<String>,
    pub runner: Option<String>,
    pub repository_id: Option<String>,
    pub owner: Option<String>,
    pub owner_id: Option<String>,
    pub trigger: Option<String>,
    pub visibility: Option<String>,
    pub build_config: Option<String>,
    /// In-toto statement (absent for message signatures).
    pub statement_type: Option<String>,
    pub predicate_type: Option<String>,
    /// The name of the subject whose digest equals the artifact's.
    pub subject_name: Option<String>,
    /// Every subject digest, `alg:hex`.
    pub subject_digests: Vec<String>,
    /// Observations that do not reject the bundle (e.g. a v0.1 bundle).
    pub notes: Vec<String>,
}

impl VerifiedStatement {
    /// The earliest verified signing time as RFC 3339.
    pub fn signing_time_text(&self) -> String {
        crate::clock::EvalTime::from_unix(self.signing_time)
            .map_or_else(|| format!("{} (Unix seconds)", self.signing_time), |t| t.to_string())
    }
}

/// Checks that `pem` is a PEM `PUBLIC KEY` usable for `--key`.
pub fn check_key_pem(pem: &[u8]) -> Result<(), String> {
    parse_key(pem).map(|_| ())
}

fn parse_key(pem: &[u8]) -> Result<DerPublicKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "expected a PEM public key, found non-UTF-8 bytes".to_string())?;
    DerPublicKey::from_pem(text).map_err(|e| format!("expected a PEM `PUBLIC KEY`, found: {e}"))
}

/// Verifies one bundle for `artifact` under `roots`. `key` (PEM) selects managed-key bundles.
pub fn verify_bundle(
    input: &BundleInput,
    artifact: &Artifact,
    roots: &TrustRoots,
    key: Option<&[u8]>,
) -> Result<VerifiedStatement, ProvenanceError> {
    let bundle = parse_bundle(&input.text)?;
    let key = key
        .map(parse_key)
        .transpose()
        .map_err(|found| ProvenanceError::MaterialMismatch { expected: "a PEM public key (--key)".into(), found })?;
    let candidates: Vec<&LoadedRoot> = match (&key, bundle.signing_certificate()) {
        (Some(_), None) => roots.roots.iter().collect(),
        (Some(_), Some(_)) => {
            return Err(ProvenanceError::MaterialMismatch {
                expected: "a public-key hint (a managed-key bundle, as --key asks)".into(),
                found: "a signing certificate".into(),
            })
        }
        (None, None) => {
            let found = match &bundle.verification_material.content {
                VerificationMaterialContent::PublicKey(_) => {
                    "a public-key hint (verify managed-key bundles with --key)"
                }
                _ => "an empty certificate chain",
            };
            return Err(ProvenanceError::MaterialMismatch {
                expected: "a Fulcio signing certificate".into(),
                found: found.into(),
            });
        }
        (None, Some(_)) => issuing_roots(&bundle, roots)?,
    };
    let mut first_error = None;
    for root in candidates {
        match verify_under(root, &bundle, artifact, key.as_ref()) {
            Ok(result) => return statement(input, &bundle, root, &result, artifact),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| ProvenanceError::Unsupported { detail: "no trusted root was given".into() }))
}

fn parse_bundle(text: &[u8]) -> Result<Bundle, ProvenanceError> {
    if text.len() > MAX_BUNDLE_BYTES {
        return Err(ProvenanceError::Malformed {
            detail: format!("expected at most {MAX_BUNDLE_BYTES} bytes (MAX_BUNDLE_BYTES), found {}", text.len()),
        });
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| ProvenanceError::Malformed { detail: "expected UTF-8 JSON, found other bytes".into() })?;
    Bundle::from_json(text).map_err(|e| ProvenanceError::Malformed { detail: e.to_string() })
}

/// The roots with a Fulcio CA whose name is the issuer of a certificate in the bundle's chain.
fn issuing_roots<'a>(bundle: &Bundle, roots: &'a TrustRoots) -> Result<Vec<&'a LoadedRoot>, ProvenanceError> {
    let ders: Vec<&[u8]> = match &bundle.verification_material.content {
        VerificationMaterialContent::Certificate(c) => vec![c.raw_bytes.as_bytes()],
        VerificationMaterialContent::X509CertificateChain { certificates } => {
            certificates.iter().map(|c| c.raw_bytes.as_bytes()).collect()
        }
        _ => Vec::new(),
    };
    let mut issuers = Vec::new();
    let mut leaf_issuer = String::new();
    for (i, der) in ders.iter().enumerate() {
        let cert = Certificate::from_der(der)
            .map_err(|e| ProvenanceError::Malformed { detail: format!("verificationMaterial certificate {i}: {e}") })?;
        if i == 0 {
            leaf_issuer = cert.issuer();
        }
        issuers.push(cert.issuer_der().to_vec());
    }
    let found: Vec<&LoadedRoot> =
        roots.roots.iter().filter(|r| r.fulcio_subjects.iter().any(|s| issuers.contains(s))).collect();
    if found.is_empty() {
        return Err(ProvenanceError::IssuerNotTrusted {
            issuer: leaf_issuer,
            roots: roots.roots.iter().map(|r| r.name.clone()).collect(),
        });
    }
    Ok(found)
}

/// Runs sigstore-verify under one root with what the root's trust domain requires.
fn verify_under(
    root: &LoadedRoot,
    bundle: &Bundle,
    artifact: &Artifact,
    key: Option<&DerPublicKey>,
) -> Result<VerificationResult, ProvenanceError> {
    let material = &bundle.verification_material;
    let has_tsa = !material.timestamp_verification_data.rfc3161_timestamps.is_empty();
    let log_domain = match root.domain {
        TrustDomain::TransparencyLog { .. } if material.tlog_entries.is_empty() => {
            return Err(ProvenanceError::TlogMissing { root: root.name.clone() })
        }
        TrustDomain::TimestampAuthority if !has_tsa => {
            return Err(ProvenanceError::TimestampMissing {
                root: root.name.clone(),
                detail: "an RFC 3161 timestamp".into(),
            })
        }
        TrustDomain::TransparencyLog { .. } => true,
        TrustDomain::TimestampAuthority => false,
    };
    let verified = match key {
        Some(k) => {
            let mut policy = PublicKeyVerificationPolicy::new(k.clone());
            if !log_domain {
                policy = policy.skip_tlog_unsafe();
            }
            root.verifier.verify(artifact.for_sigstore(), bundle, &policy)
        }
        None => {
            let mut policy = VerificationPolicy::any_identity();
            match root.domain {
                TrustDomain::TransparencyLog { sct: true } => {}
                TrustDomain::TransparencyLog { sct: false } => policy = policy.skip_sct(),
                TrustDomain::TimestampAuthority => policy = policy.skip_tlog_unsafe().skip_sct(),
            }
            root.verifier.verify(artifact.for_sigstore(), bundle, &policy)
        }
    };
    let result = verified.map_err(|e| match e {
        sigstore_verify::Error::ArtifactMismatch(_) => subject_mismatch(bundle, artifact),
        other => from_sigstore(&other, &root.name),
    })?;
    // What the domain required must show in the result, not only in the policy we passed.
    let missing = |what: &str| ProvenanceError::Verification {
        step: Step::Other,
        root: root.name.clone(),
        detail: format!("sigstore-verify accepted the bundle without {what}"),
    };
    if key.is_none() && !result.certificate_verified() {
        return Err(missing("verifying the certificate chain"));
    }
    if log_domain && !result.tlog_verified() {
        return Err(missing("verifying the transparency-log entry"));
    }
    if key.is_none() && matches!(root.domain, TrustDomain::TransparencyLog { sct: true }) && !result.sct_verified() {
        return Err(missing("verifying the SCT"));
    }
    if result.verified_timestamps().is_empty() {
        return Err(ProvenanceError::TimestampMissing {
            root: root.name.clone(),
            detail: "a verified signing time (SET-backed integrated time or RFC 3161 timestamp)".into(),
        });
    }
    Ok(result)
}

/// The in-toto statement fields we read.
struct Statement {
    statement_type: String,
    predicate_type: String,
    /// (subject name, algorithm, lowercase hex)
    digests: Vec<(String, String, String)>,
}

fn parse_statement(payload: &[u8]) -> Result<Statement, ProvenanceError> {
    let bad = |detail: String| ProvenanceError::Statement { detail };
    let v: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| bad(format!("expected an in-toto statement (JSON), found: {}", crate::error::json_message(&e))))?;
    let text = |field: &str| {
        v.get(field)
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| bad(format!("field `{field}`: expected a string, found {}", kind(v.get(field)))))
    };
    let statement_type = text("_type")?;
    if !matches!(statement_type.as_str(), "https://in-toto.io/Statement/v1" | "https://in-toto.io/Statement/v0.1") {
        return Err(bad(format!(
            "field `_type`: expected `https://in-toto.io/Statement/v1` (or v0.1), found `{statement_type}`"
        )));
    }
    let predicate_type = text("predicateType")?;
    let subjects = v
        .get("subject")
        .and_then(|s| s.as_array())
        .ok_or_else(|| bad(format!("field `subject`: expected an array, found {}", kind(v.get("subject")))))?;
    if subjects.len() > MAX_STATEMENT_SUBJECTS {
        return Err(bad(format!(
            "field `subject`: expected at most {MAX_STATEMENT_SUBJECTS} subjects (MAX_STATEMENT_SUBJECTS), found {}",
            subjects.len()
        )));
    }
    let mut digests = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        let name = s.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
        let map = s.get("digest").and_then(|d| d.as_object()).ok_or_else(|| {
            bad(format!("field `subject[{i}].digest`: expected an object, found {}", kind(s.get("digest"))))
        })?;
        if map.len() > MAX_SUBJECT_DIGESTS {
            return Err(bad(format!(
                "field `subject[{i}].digest`: expected at most {MAX_SUBJECT_DIGESTS} digests (MAX_SUBJECT_DIGESTS), found {}",
                map.len()
            )));
        }
        for (alg, value) in map {
            if let Some(h) = value.as_str() {
                digests.push((name.clone(), alg.clone(), h.to_ascii_lowercase()));
            }
        }
    }
    Ok(Statement { statement_type, predicate_type, digests })
}

fn kind(v: Option<&serde_json::Value>) -> &'static str {
    match v {
        None => "nothing",
        Some(serde_json::Value::Null) => "null",
        Some(serde_json::Value::Bool(_)) => "a boolean",
        Some(serde_json::Value::Number(_)) => "a number",
        Some(serde_json::Value::String(_)) => "a string",
        Some(serde_json::Value::Array(_)) => "an array",
        Some(serde_json::Value::Object(_)) => "an object",
    }
}

/// The subject (name) whose digest equals the artifact's, if any.
fn matching_subject(statement: &Statement, artifact: &Artifact) -> Option<String> {
    let wanted = artifact.digests();
    statement
        .digests
        .iter()
        .find(|(_, alg, h)| wanted.iter().any(|(a, d)| a == alg && hex::encode(d) == *h))
        .map(|(name, _, _)| name.clone())
}

fn subject_mismatch(bundle: &Bundle, artifact: &Artifact) -> ProvenanceError {
    let (object, found) = match &bundle.content {
        SignatureContent::DsseEnvelope(env) => (
            "in-toto statement subject",
            match parse_statement(env.payload.as_bytes()) {
                Ok(s) => s.digests.iter().map(|(_, alg, h)| format!("{alg}:{h}")).collect(),
                Err(e) => vec![e.to_string()],
            },
        ),
        SignatureContent::MessageSignature(m) => (
            "messageSignature",
            match &m.message_digest {
                Some(d) => vec![format!("{}:{}", algorithm_name(d.algorithm), hex::encode(d.digest.as_bytes()))],
                None => vec!["a signature that does not verify over the artifact".to_string()],
            },
        ),
        _ => ("bundle content", Vec::new()),
    };
    let expected = artifact.digests().iter().map(|(a, d)| format!("{a}:{}", hex::encode(d))).collect::<Vec<_>>();
    ProvenanceError::SubjectMismatch { object, expected: expected.join(" or "), found }
}

fn algorithm_name(a: HashAlgorithm) -> &'static str {
    match a {
        HashAlgorithm::Sha2256 => "sha256",
        HashAlgorithm::Sha2384 => "sha384",
        HashAlgorithm::Sha2512 => "sha512",
        _ => "another algorithm",
    }
}

/// Builds the verified statement from a successful verification.
fn statement(
    input: &BundleInput,
    bundle: &Bundle,
    root: &LoadedRoot,
    result: &VerificationResult,
    artifact: &Artifact,
) -> Result<VerifiedStatement, ProvenanceError> {
    let mut notes = Vec::new();
    let bundle_version = match bundle.media_type() {
        MediaType::Bundle0_1 => "v0.1",
        MediaType::Bundle0_2 => "v0.2",
        MediaType::Bundle0_3 => "v0.3",
        _ => "unknown",
    };
    if bundle_version == "v0.1" {
        notes.push("bundle v0.1 (gh attestation verify rejects bundles older than v0.2)".to_string());
    }
    if matches!(root.domain, TrustDomain::TransparencyLog { sct: false }) {
        notes.push(format!("trusted root {} lists no CT logs: no SCT was required", root.name));
    }
    let (content, parsed) = match &bundle.content {
        SignatureContent::DsseEnvelope(env) => ("DSSE envelope", Some(parse_statement(env.payload.as_bytes())?)),
        _ => ("message signature", None),
    };
    let subject_name = match &parsed {
        Some(s) => Some(matching_subject(s, artifact).ok_or_else(|| ProvenanceError::SubjectMismatch {
            object: "in-toto statement subject",
            expected: artifact.describe(),
            found: s.digests.iter().map(|(_, alg, h)| format!("{alg}:{h}")).collect(),
        })?),
        None => None,
    };
    let mut times: Vec<u64> =
        result.verified_timestamps().iter().filter_map(|t| u64::try_from(t.as_second()).ok()).collect();
    times.sort_unstable();
    times.dedup();
    let signing_time = times.first().copied().ok_or_else(|| ProvenanceError::TimestampMissing {
        root: root.name.clone(),
        detail: "a verified signing time after 1970".into(),
    })?;
    let cert = result.certificate();
    let claims = cert.map(|c| &c.ci_claims);
    let claim = |f: fn(&sigstore_verify::crypto::FulcioCiClaims) -> &Option<String>| claims.and_then(|c| f(c).clone());
    Ok(VerifiedStatement {
        source: input.source.clone(),
        bundle_version,
        content: content.to_string(),
        root: root.name.clone(),
        root_kind: root.kind.as_str(),
        trust_domain: root.domain.describe(),
        log: describe_log(bundle, root),
        signing_time,
        verified_times: times,
        sct_verified: result.sct_verified(),
        tlog_verified: result.tlog_verified(),
        issuer: result.issuer().map(str::to_string),
        san: result.identity().map(|s| s.as_str().to_string()),
        repository: claim(|c| &c.source_repository_uri),
        workflow: claim(|c| &c.build_signer_uri),
        source_ref: claim(|c| &c.source_repository_ref),
        source_commit: claim(|c| &c.source_repository_digest),
        run_url: claim(|c| &c.run_invocation_uri),
        runner: claim(|c| &c.runner_environment),
        repository_id: claim(|c| &c.source_repository_identifier),
        owner: claim(|c| &c.source_repository_owner_uri),
        owner_id: claim(|c| &c.source_repository_owner_identifier),
        trigger: claim(|c| &c.build_trigger),
        visibility: claim(|c| &c.source_repository_visibility_at_signing),
        build_config: claim(|c| &c.build_config_uri),
        statement_type: parsed.as_ref().map(|s| s.statement_type.clone()),
        predicate_type: parsed.as_ref().map(|s| s.predicate_type.clone()),
        subject_name,
        subject_digests: parsed
            .as_ref()
            .map(|s| s.digests.iter().map(|(_, alg, h)| format!("{alg}:{h}")).collect())
            .unwrap_or_default(),
        notes,
    })
}

/// Which log evidence the bundle carried and the root verified.
fn describe_log(bundle: &Bundle, root: &LoadedRoot) -> String {
    let material = &bundle.verification_material;
    let tsa = !material.timestamp_verification_data.rfc3161_timestamps.is_empty();
    if root.domain == TrustDomain::TimestampAuthority {
        return "rfc3161 only (no transparency log)".to_string();
    }
    let entries: Vec<String> = material
        .tlog_entries
        .iter()
        .map(|e| {
            let generation = if e.kind_version == KindVersion::HashedRekordV002 { "rekor v2" } else { "rekor v1" };
            let url = root
                .tlogs
                .iter()
                .find(|(id, _)| id.as_slice() == e.log_id.key_id.as_bytes())
                .map_or("an unlisted log", |(_, u)| u.as_str());
            format!(
                "{generation} {}/{} ({url}, index {})",
                e.kind_version.kind(),
                e.kind_version.version(),
                e.log_index.get()
            )
        })
        .collect();
    let mut text = entries.join("; ");
    if tsa {
        text.push_str(" + RFC 3161 timestamp");
    }
    text
}
