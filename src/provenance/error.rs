//! Why one Sigstore bundle was not accepted: a typed error per verification step or policy rule,
//! each with a stable kebab-case `code()` (docs/provenance.md lists them).
//!
//! These are findings about one bundle, not "cannot evaluate" errors: the caller tries the next
//! bundle and reports every attempt. sigstore-verify's own error type never leaves this module
//! tree; `from_sigstore` turns it into text here.

use crate::finding_code::FindingCode;
use std::fmt;

/// A certificate claim the identity policy compares (Fulcio OID arc 1.3.6.1.4.1.57264.1,
/// sigstore/fulcio `docs/oid-info.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// `.1.8` (or the deprecated `.1.1`): the OIDC issuer.
    Issuer,
    /// The subject alternative name (for GitHub Actions, the signer workflow with its ref).
    San,
    /// `.1.9`: build signer URI (the signer workflow with its ref).
    BuildSignerUri,
    /// `.1.12`: source repository URI.
    SourceRepository,
    /// `.1.14`: source repository ref.
    SourceRef,
    /// `.1.11`: runner environment.
    Runner,
    /// `.1.15`: source repository identifier.
    RepositoryId,
    /// `.1.17`: source repository owner identifier.
    OwnerId,
    /// `.1.13`: source repository digest (commit).
    SourceCommit,
}

impl Claim {
    /// Where the claim sits in the certificate.
    pub fn oid(self) -> &'static str {
        match self {
            Claim::Issuer => "1.3.6.1.4.1.57264.1.8",
            Claim::San => "2.5.29.17",
            Claim::BuildSignerUri => "1.3.6.1.4.1.57264.1.9",
            Claim::SourceRepository => "1.3.6.1.4.1.57264.1.12",
            Claim::SourceRef => "1.3.6.1.4.1.57264.1.14",
            Claim::Runner => "1.3.6.1.4.1.57264.1.11",
            Claim::RepositoryId => "1.3.6.1.4.1.57264.1.15",
            Claim::OwnerId => "1.3.6.1.4.1.57264.1.17",
            Claim::SourceCommit => "1.3.6.1.4.1.57264.1.13",
        }
    }

    /// The claim's name in Fulcio's documentation.
    pub fn name(self) -> &'static str {
        match self {
            Claim::Issuer => "OIDC issuer",
            Claim::San => "subject alternative name",
            Claim::BuildSignerUri => "build signer URI",
            Claim::SourceRepository => "source repository URI",
            Claim::SourceRef => "source repository ref",
            Claim::Runner => "runner environment",
            Claim::RepositoryId => "source repository identifier",
            Claim::OwnerId => "source repository owner identifier",
            Claim::SourceCommit => "source repository digest",
        }
    }

    /// The finding code of a mismatch on this claim.
    pub fn mismatch_code(self) -> FindingCode {
        match self {
            Claim::Issuer => FindingCode::IssuerMismatch,
            Claim::San => FindingCode::IdentityMismatch,
            Claim::BuildSignerUri => FindingCode::SignerWorkflowMismatch,
            Claim::SourceRepository => FindingCode::RepositoryMismatch,
            Claim::SourceRef => FindingCode::SourceRefRejected,
            Claim::Runner => FindingCode::SelfHostedRunner,
            Claim::RepositoryId => FindingCode::RepositoryIdMismatch,
            Claim::OwnerId => FindingCode::OwnerIdMismatch,
            Claim::SourceCommit => FindingCode::SourceCommitMismatch,
        }
    }
}

/// A cryptographic step of sigstore-verify that rejected the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Certificate chain to a Fulcio CA, validity at every verified time, code-signing EKU.
    Certificate,
    /// The embedded SCT against the trusted root's CT logs (RFC 6962 §3.2).
    Sct,
    /// Inclusion proof, signed checkpoint, SET, integrated time, entry/bundle consistency.
    TransparencyLog,
    /// RFC 3161 timestamps against the trusted root's TSAs.
    Timestamp,
    /// The DSSE (PAE) or message signature.
    Signature,
    /// The artifact supplied cannot be used with this bundle (e.g. a SHA-512 digest for a
    /// message signature).
    Artifact,
    /// The trusted root cannot be used.
    TrustedRoot,
    /// Anything sigstore-verify reports that fits none of the above.
    Other,
}

impl Step {
    /// Where the step looks and what it requires, for messages.
    fn expectation(self) -> (&'static str, &'static str) {
        match self {
            Step::Certificate => (
                "signing certificate",
                "a chain to a Fulcio CA of the trusted root, valid at every verified time, for code signing",
            ),
            Step::Sct => ("signing certificate SCT", "a valid SCT from a CT log of the trusted root"),
            Step::TransparencyLog => (
                "verificationMaterial.tlogEntries",
                "entries of a log of the trusted root with a valid inclusion proof, signed checkpoint and SET, \
                 describing this bundle",
            ),
            Step::Timestamp => (
                "verificationMaterial.timestampVerificationData",
                "RFC 3161 timestamps over the signature from a TSA of the trusted root, inside its validity",
            ),
            Step::Signature => ("signature", "a signature by the signing key over the artifact (DSSE: over the PAE)"),
            Step::Artifact => ("artifact", "a digest this bundle can be checked against"),
            Step::TrustedRoot => ("trusted root", "usable trust material"),
            Step::Other => ("bundle", "a bundle that verifies"),
        }
    }

    fn code(self) -> FindingCode {
        match self {
            Step::Certificate => FindingCode::CertificateInvalid,
            Step::Sct => FindingCode::SctInvalid,
            Step::TransparencyLog => FindingCode::TlogInvalid,
            Step::Timestamp => FindingCode::TimestampInvalid,
            Step::Signature => FindingCode::SignatureInvalid,
            Step::Artifact => FindingCode::ArtifactDigestUnsupported,
            Step::TrustedRoot => FindingCode::TrustedRootUnusable,
            Step::Other => FindingCode::VerificationFailed,
        }
    }
}

/// Why a bundle was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenanceError {
    /// The bundle is not a well-formed Sigstore bundle (shape, media type, encodings).
    Malformed { detail: String },
    /// The bundle is well formed but of a kind that cannot bind an artifact (e.g. a DSSE
    /// payload that is not an in-toto statement).
    Unsupported { detail: String },
    /// The bundle carries a certificate but the policy names a public key, or the reverse.
    MaterialMismatch { expected: String, found: String },
    /// No trusted root has a Fulcio CA that issued the signing certificate.
    IssuerNotTrusted { issuer: String, roots: Vec<String> },
    /// The trust domain requires a transparency-log entry and the bundle has none.
    TlogMissing { root: String },
    /// The trust domain requires an RFC 3161 timestamp (or some verified time) and the bundle
    /// has none.
    TimestampMissing { root: String, detail: String },
    /// A cryptographic step failed.
    Verification { step: Step, root: String, detail: String },
    /// No subject of the statement (or the message signature's digest) is the artifact's digest.
    /// `object` names what was compared.
    SubjectMismatch { object: &'static str, expected: String, found: Vec<String> },
    /// The in-toto statement in the DSSE payload is malformed or too large.
    Statement { detail: String },
    /// The bundle is a plain message signature, not an attestation.
    NotAnAttestation { content: String },
    /// The statement's `predicateType` is not the required one.
    PredicateType { expected: String, found: String },
    /// A certificate claim differs from the policy.
    Mismatch { claim: Claim, expected: String, found: String },
    /// The policy needs a certificate claim that the certificate does not carry.
    ClaimMissing { claim: Claim, expected: String },
}

impl ProvenanceError {
    /// The stable finding code.
    pub fn code(&self) -> FindingCode {
        match self {
            ProvenanceError::Malformed { .. } => FindingCode::BundleMalformed,
            ProvenanceError::Unsupported { .. } => FindingCode::BundleUnsupported,
            ProvenanceError::MaterialMismatch { .. } => FindingCode::VerificationMaterialMismatch,
            ProvenanceError::IssuerNotTrusted { .. } => FindingCode::CertificateIssuerUntrusted,
            ProvenanceError::TlogMissing { .. } => FindingCode::TlogEntryMissing,
            ProvenanceError::TimestampMissing { .. } => FindingCode::TimestampMissing,
            ProvenanceError::Verification { step, .. } => step.code(),
            ProvenanceError::SubjectMismatch { .. } => FindingCode::SubjectDigestMismatch,
            ProvenanceError::Statement { .. } => FindingCode::StatementMalformed,
            ProvenanceError::NotAnAttestation { .. } => FindingCode::NotAnAttestation,
            ProvenanceError::PredicateType { .. } => FindingCode::PredicateTypeMismatch,
            ProvenanceError::Mismatch { claim, .. } => claim.mismatch_code(),
            ProvenanceError::ClaimMissing { .. } => FindingCode::CertificateClaimMissing,
        }
    }

    /// What was expected, for reports (empty when the error is not a comparison).
    pub fn expected(&self) -> String {
        match self {
            ProvenanceError::MaterialMismatch { expected, .. }
            | ProvenanceError::PredicateType { expected, .. }
            | ProvenanceError::Mismatch { expected, .. }
            | ProvenanceError::ClaimMissing { expected, .. }
            | ProvenanceError::SubjectMismatch { expected, .. } => expected.clone(),
            _ => String::new(),
        }
    }

    /// What was found, for reports (empty when the error is not a comparison).
    pub fn actual(&self) -> String {
        match self {
            ProvenanceError::MaterialMismatch { found, .. }
            | ProvenanceError::PredicateType { found, .. }
            | ProvenanceError::Mismatch { found, .. } => found.clone(),
            ProvenanceError::SubjectMismatch { found, .. } => found.join(", "),
            ProvenanceError::ClaimMissing { .. } => "no such claim".into(),
            _ => String::new(),
        }
    }
}

impl fmt::Display for ProvenanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProvenanceError::Malformed { detail } => {
                write!(f, "bundle: expected a well-formed Sigstore bundle (v0.1–v0.3), found: {detail}")
            }
            ProvenanceError::Unsupported { detail } => write!(
                f,
                "bundle: expected a DSSE in-toto statement or a message signature that can bind an artifact, \
                 found: {detail}"
            ),
            ProvenanceError::MaterialMismatch { expected, found } => {
                write!(f, "verificationMaterial: expected {expected}, found {found}")
            }
            ProvenanceError::IssuerNotTrusted { issuer, roots } => write!(
                f,
                "signing certificate: expected an issuer that is a Fulcio CA of a trusted root ({}), found `{issuer}`",
                roots.join(", ")
            ),
            ProvenanceError::TlogMissing { root } => write!(
                f,
                "verificationMaterial.tlogEntries: expected at least one transparency-log entry (trust domain of \
                 root {root}), found none"
            ),
            ProvenanceError::TimestampMissing { root, detail } => write!(
                f,
                "verificationMaterial.timestampVerificationData: expected {detail} (trust domain of root {root}), \
                 found none"
            ),
            ProvenanceError::Verification { step, root, detail } => {
                let (at, expected) = step.expectation();
                write!(f, "{at}: expected {expected} (trusted root {root}), found: {detail}")
            }
            ProvenanceError::SubjectMismatch { object, expected, found } => write!(
                f,
                "{object}: expected a digest {expected}, found {}",
                if found.is_empty() { "no usable digest".to_string() } else { found.join(", ") }
            ),
            ProvenanceError::Statement { detail } => write!(f, "DSSE payload: {detail}"),
            ProvenanceError::NotAnAttestation { content } => write!(
                f,
                "bundle content: expected a DSSE envelope with an in-toto statement, found {content} \
                 (use --any-predicate to accept plain signatures)"
            ),
            ProvenanceError::PredicateType { expected, found } => {
                write!(f, "in-toto statement predicateType: expected `{expected}`, found `{found}`")
            }
            ProvenanceError::Mismatch { claim, expected, found } => {
                write!(f, "certificate {} ({}): expected {expected}, found `{found}`", claim.name(), claim.oid())
            }
            ProvenanceError::ClaimMissing { claim, expected } => {
                write!(f, "certificate {} ({}): expected {expected}, found no such claim", claim.name(), claim.oid())
            }
        }
    }
}

impl std::error::Error for ProvenanceError {}

/// Turns sigstore-verify's error into ours, keeping its text as the detail.
pub(crate) fn from_sigstore(e: &sigstore_verify::Error, root: &str) -> ProvenanceError {
    use sigstore_verify::{CertificateError, Error as E};
    let detail = e.to_string();
    let step = match e {
        E::InvalidBundle(_) | E::Bundle(_) | E::Types(_) => return ProvenanceError::Malformed { detail },
        E::UnsupportedBundle(_) => return ProvenanceError::Unsupported { detail },
        E::ArtifactMismatch(_) => {
            return ProvenanceError::SubjectMismatch {
                object: "bundle",
                expected: "equal to the artifact's".into(),
                found: vec![detail],
            }
        }
        E::Certificate(CertificateError::Sct(_)) => Step::Sct,
        E::Certificate(_) => Step::Certificate,
        E::TransparencyLog(_) => Step::TransparencyLog,
        E::Timestamp(_) => Step::Timestamp,
        E::SignatureInvalid(_) => Step::Signature,
        E::UnsupportedArtifact(_) => Step::Artifact,
        E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => Step::TrustedRoot,
        _ => Step::Other,
    };
    ProvenanceError::Verification { step, root: root.to_string(), detail }
}
