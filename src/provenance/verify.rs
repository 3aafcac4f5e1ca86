//! Cryptographic verification of one Sigstore bundle against the trusted roots, producing a
//! `VerifiedStatement`; no identity policy is applied here (that is `policy.rs`).
//!
//! Steps (research/sigstore.md §2; Sigstore client spec "Verification"; protobuf-specs
//! `sigstore_bundle.proto`):
//! 1. Parse the bundle (v0.1–v0.3 media types) with sigstore-types (`bundle.rs`).
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
//! 5. Read the in-toto statement from the verified DSSE payload (`statement.rs`) and check again,
//!    ourselves, that a subject digest (sha256 or sha512) equals the artifact's.
//!
//! `VerifiedStatement` is built only here; its fields are private and read through accessors.
//! sigstore-verify reads the clock only to refuse integrated times in the future; every time it
//! validates certificates at comes from a SET or a TSA, never from "now".

use super::artifact::Artifact;
use super::bundle::{parse_bundle, parse_key, BundleInput};
use super::error::{from_sigstore, ProvenanceError, Step};
use super::statement::{matching_subject, parse_statement, subject_mismatch};
use super::trust::{LoadedRoot, TrustDomain, TrustRoots};
use crate::x509::Certificate;
use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::{Bundle, DerPublicKey, HashAlgorithm, KindVersion, MediaType, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, VerificationResult};

/// One digest the verified signature covers: a statement subject's (with its name), or the
/// message digest of a message signature (no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDigest {
    name: Option<String>,
    algorithm: String,
    hex: String,
}

impl SignedDigest {
    /// The subject's name (`ghcr.io/org/image`, `pkg:npm/x@1`); `None` for a message signature.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// `sha256`, `sha512`, … as the statement spells it.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }
    /// Lowercase hex.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

/// A bundle whose signature, certificate, log and timestamps verified under a trusted root, and
/// whose statement names the artifact. Only `verify_bundle` makes one; policy comes after.
/// Serialised as the `statement` of the `provenance` command's JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedStatement {
    source: String,
    bundle_version: &'static str,
    content: String,
    root: String,
    root_kind: &'static str,
    #[serde(skip)]
    root_sha256: String,
    trust_domain: &'static str,
    log: String,
    signing_time: u64,
    verified_times: Vec<u64>,
    sct_verified: bool,
    tlog_verified: bool,
    issuer: Option<String>,
    san: Option<String>,
    repository: Option<String>,
    workflow: Option<String>,
    source_ref: Option<String>,
    source_commit: Option<String>,
    run_url: Option<String>,
    runner: Option<String>,
    repository_id: Option<String>,
    owner: Option<String>,
    owner_id: Option<String>,
    trigger: Option<String>,
    visibility: Option<String>,
    build_config: Option<String>,
    statement_type: Option<String>,
    predicate_type: Option<String>,
    subject_name: Option<String>,
    subject_digests: Vec<String>,
    notes: Vec<String>,
    #[serde(skip)]
    signed: Vec<SignedDigest>,
}

impl VerifiedStatement {
    /// Which bundle (`file.jsonl line 2`).
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Bundle media-type version: `v0.1`, `v0.2`, `v0.3`.
    pub fn bundle_version(&self) -> &'static str {
        self.bundle_version
    }
    /// `DSSE envelope` or `message signature`.
    pub fn content(&self) -> &str {
        &self.content
    }
    /// The trusted root it verified under.
    pub fn root(&self) -> &str {
        &self.root
    }
    /// That root's kind: `sigstore-public-good`, `github`, `custom`.
    pub fn root_kind(&self) -> &'static str {
        self.root_kind
    }
    /// SHA-256 of that root's text, hex.
    pub fn root_sha256(&self) -> &str {
        &self.root_sha256
    }
    /// What the root's trust domain required (all of it verified).
    pub fn trust_domain(&self) -> &'static str {
        self.trust_domain
    }
    /// The log evidence: `rekor v1 dsse/0.0.1 (https://rekor.sigstore.dev, index N)`,
    /// `rekor v2 hashedrekord/0.0.2 (…) + RFC 3161 timestamp`, or `rfc3161 only (no transparency log)`.
    pub fn log(&self) -> &str {
        &self.log
    }
    /// The earliest verified signing time (Unix seconds).
    pub fn signing_time(&self) -> u64 {
        self.signing_time
    }
    /// Every verified signing time (Unix seconds), sorted.
    pub fn verified_times(&self) -> &[u64] {
        &self.verified_times
    }
    pub fn sct_verified(&self) -> bool {
        self.sct_verified
    }
    pub fn tlog_verified(&self) -> bool {
        self.tlog_verified
    }
    /// OIDC issuer claim (`.1.8` or `.1.1`); absent for managed-key bundles.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
    /// The certificate's subject alternative name.
    pub fn san(&self) -> Option<&str> {
        self.san.as_deref()
    }
    /// Source repository URI (`.1.12`).
    pub fn repository(&self) -> Option<&str> {
        self.repository.as_deref()
    }
    /// Build signer URI (`.1.9`): the signer workflow with its ref.
    pub fn workflow(&self) -> Option<&str> {
        self.workflow.as_deref()
    }
    /// Source repository ref (`.1.14`).
    pub fn source_ref(&self) -> Option<&str> {
        self.source_ref.as_deref()
    }
    /// Source repository digest (`.1.13`).
    pub fn source_commit(&self) -> Option<&str> {
        self.source_commit.as_deref()
    }
    /// Run invocation URI (`.1.21`).
    pub fn run_url(&self) -> Option<&str> {
        self.run_url.as_deref()
    }
    /// Runner environment (`.1.11`).
    pub fn runner(&self) -> Option<&str> {
        self.runner.as_deref()
    }
    /// Source repository identifier (`.1.15`).
    pub fn repository_id(&self) -> Option<&str> {
        self.repository_id.as_deref()
    }
    /// Source repository owner URI (`.1.16`).
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
    /// Source repository owner identifier (`.1.17`).
    pub fn owner_id(&self) -> Option<&str> {
        self.owner_id.as_deref()
    }
    /// Build trigger (`.1.20`).
    pub fn trigger(&self) -> Option<&str> {
        self.trigger.as_deref()
    }
    /// Repository visibility at signing (`.1.22`).
    pub fn visibility(&self) -> Option<&str> {
        self.visibility.as_deref()
    }
    /// Build config URI (`.1.18`).
    pub fn build_config(&self) -> Option<&str> {
        self.build_config.as_deref()
    }
    /// In-toto statement `_type` (absent for message signatures).
    pub fn statement_type(&self) -> Option<&str> {
        self.statement_type.as_deref()
    }
    /// In-toto `predicateType` (absent for message signatures).
    pub fn predicate_type(&self) -> Option<&str> {
        self.predicate_type.as_deref()
    }
    /// The name of the subject whose digest equals the artifact's.
    pub fn subject_name(&self) -> Option<&str> {
        self.subject_name.as_deref()
    }
    /// Every subject digest, `alg:hex`.
    pub fn subject_digests(&self) -> &[String] {
        &self.subject_digests
    }
    /// Every digest the verified signature covers, with the subject names.
    pub fn signed_digests(&self) -> &[SignedDigest] {
        &self.signed
    }
    /// Observations that do not reject the bundle (e.g. a v0.1 bundle).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The earliest verified signing time as RFC 3339.
    pub fn signing_time_text(&self) -> String {
        crate::clock::EvalTime::from_unix(self.signing_time)
            .map_or_else(|| format!("{} (Unix seconds)", self.signing_time), |t| t.to_string())
    }
}

/// Verifies a keyless bundle for whatever image it claims to sign: the first sha256 digest of
/// its statement's subjects (or its message digest) names the artifact for sigstore-verify, which
/// then checks that the signature covers it. The claim is read before verification only to name
/// the artifact; every digest the result reports comes from the verified payload.
pub fn verify_image_bundle(input: &BundleInput, roots: &TrustRoots) -> Result<VerifiedStatement, ProvenanceError> {
    let bundle = parse_bundle(&input.text)?;
    let claimed = claimed_sha256(&bundle)?;
    verify_bundle(input, &Artifact::Sha256(claimed), roots, None)
}

/// The first sha256 digest the (not yet verified) bundle says it signs.
fn claimed_sha256(bundle: &Bundle) -> Result<[u8; 32], ProvenanceError> {
    let none = |found: Vec<String>| ProvenanceError::SubjectMismatch {
        object: "in-toto statement subject",
        expected: "a sha256 digest (an OCI image manifest digest)".into(),
        found,
    };
    match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            let s = parse_statement(env.payload.as_bytes())?;
            let sha256 = s.digests.iter().filter(|(_, alg, _)| alg == "sha256");
            sha256
                .filter_map(|(_, _, h)| hex::decode(h).ok()?.try_into().ok())
                .next()
                .ok_or_else(|| none(s.digests.iter().map(|(_, alg, h)| format!("{alg}:{h}")).collect()))
        }
        SignatureContent::MessageSignature(m) => match &m.message_digest {
            Some(d) if d.algorithm == HashAlgorithm::Sha2256 => {
                d.digest.as_bytes().try_into().map_err(|_| none(vec!["a sha256 digest of another length".into()]))
            }
            _ => Err(ProvenanceError::SubjectMismatch {
                object: "messageSignature",
                expected: "a sha256 message digest (an OCI image manifest digest)".into(),
                found: vec!["another digest, or none".into()],
            }),
        },
        _ => Err(ProvenanceError::Unsupported {
            detail: "the bundle has neither a DSSE envelope nor a message signature".into(),
        }),
    }
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
    let signed = match &parsed {
        Some(s) => s
            .digests
            .iter()
            .map(|(name, alg, h)| SignedDigest { name: Some(name.clone()), algorithm: alg.clone(), hex: h.clone() })
            .collect(),
        None => artifact
            .digests()
            .into_iter()
            .map(|(alg, d)| SignedDigest { name: None, algorithm: alg.to_string(), hex: hex::encode(d) })
            .collect(),
    };
    Ok(VerifiedStatement {
        signed,
        source: input.source.clone(),
        bundle_version,
        content: content.to_string(),
        root: root.name.clone(),
        root_kind: root.kind.as_str(),
        root_sha256: root.sha256.clone(),
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
