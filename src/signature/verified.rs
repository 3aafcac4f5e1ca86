//! The one type check 2 judges: a verified image signature — which image digest it covers, who
//! signed, when, and under which trust material — and the record of a signature that did not
//! verify. Fields are private and read through accessors; only the format modules of
//! `signature/` (through `pub(super)` constructors) make them, after verifying.

use crate::finding_code::FindingCode;
use std::fmt;

use crate::provenance::{ProvenanceError, VerifiedStatement};

/// The evidence formats that can become a `VerifiedImageSignature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFormat {
    /// A Sigstore bundle (v0.1–v0.3) with a Fulcio certificate: GitHub artifact attestations,
    /// `cosign attest`/`cosign sign` v3 bundles.
    SigstoreBundle,
}

impl SignatureFormat {
    /// Stable name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFormat::SigstoreBundle => "sigstore-bundle",
        }
    }
}

/// An OCI image manifest digest (SHA-256), what a compose file pins with `@sha256:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageDigest([u8; 32]);

impl ImageDigest {
    pub fn new(sha256: [u8; 32]) -> Self {
        ImageDigest(sha256)
    }
    pub fn sha256(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ImageDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

/// One image digest the signature covers, with the name the signed payload gives it (a
/// statement subject's name), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredImage {
    digest: ImageDigest,
    name: Option<String>,
}

impl CoveredImage {
    pub(super) fn new(digest: ImageDigest, name: Option<String>) -> Self {
        CoveredImage { digest, name }
    }
    pub fn digest(&self) -> &ImageDigest {
        &self.digest
    }
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// Who signed, as the verified evidence states it. Each format adds its kind of signer (a public
/// key by fingerprint, an OpenPGP key, a Notary root and GUN); check 2 compares it with the
/// reference's `launcher.signers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A Sigstore keyless signature: the Fulcio certificate's identity and claims.
    Fulcio(FulcioIdentity),
}

impl Signer {
    /// For messages: who signed, in a few words.
    pub fn describe(&self) -> String {
        match self {
            Signer::Fulcio(id) => format!(
                "built from {} by {} at {}",
                id.repository().unwrap_or("?"),
                id.workflow().unwrap_or("?"),
                id.source_ref().unwrap_or("?")
            ),
        }
    }
}

/// A Fulcio certificate's identity: OIDC issuer, subject alternative name, and the GitHub
/// workflow claims (Fulcio OID arc 1.3.6.1.4.1.57264.1) the identity policy compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulcioIdentity {
    issuer: Option<String>,
    san: Option<String>,
    repository: Option<String>,
    workflow: Option<String>,
    source_ref: Option<String>,
    source_commit: Option<String>,
    runner: Option<String>,
    repository_id: Option<String>,
    owner_id: Option<String>,
}

impl FulcioIdentity {
    pub(super) fn of(s: &VerifiedStatement) -> Self {
        let own = |v: Option<&str>| v.map(str::to_string);
        FulcioIdentity {
            issuer: own(s.issuer()),
            san: own(s.san()),
            repository: own(s.repository()),
            workflow: own(s.workflow()),
            source_ref: own(s.source_ref()),
            source_commit: own(s.source_commit()),
            runner: own(s.runner()),
            repository_id: own(s.repository_id()),
            owner_id: own(s.owner_id()),
        }
    }
    /// OIDC issuer (`.1.8`).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
    /// Certificate identity (SAN).
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
    /// Source commit (`.1.13`).
    pub fn source_commit(&self) -> Option<&str> {
        self.source_commit.as_deref()
    }
    /// Runner environment (`.1.11`).
    pub fn runner(&self) -> Option<&str> {
        self.runner.as_deref()
    }
    /// Source repository identifier (`.1.15`).
    pub fn repository_id(&self) -> Option<&str> {
        self.repository_id.as_deref()
    }
    /// Source repository owner identifier (`.1.17`).
    pub fn owner_id(&self) -> Option<&str> {
        self.owner_id.as_deref()
    }
}

/// When the signature was made, and whether the evidence proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningTime {
    /// Proved by the evidence (a Rekor SET or inclusion proof, an RFC 3161 timestamp): the
    /// earliest such time, in Unix seconds.
    Verified { unix: u64 },
    /// The evidence carries no proof of time (a key signature without a log entry).
    NotVerified,
}

impl fmt::Display for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningTime::Verified { unix } => match crate::clock::EvalTime::from_unix(*unix) {
                Some(t) => write!(f, "{t}"),
                None => write!(f, "{unix} (Unix seconds)"),
            },
            SigningTime::NotVerified => f.write_str("at a time that is not verified"),
        }
    }
}

/// The trust material a signature verified under: a Sigstore trusted root today; later a public
/// key, an OpenPGP key or a Notary root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustUsed {
    kind: &'static str,
    name: String,
    sha256: String,
}

impl TrustUsed {
    /// `sigstore-public-good`, `github`, `custom`, …
    pub fn kind(&self) -> &'static str {
        self.kind
    }
    /// Its name (`embedded GitHub root`, a file name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// SHA-256 of its bytes, hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// The format's own verified record: what its signer policy and reports read beyond the
/// common fields. One variant per format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatRecord {
    /// A verified Sigstore bundle's statement and certificate claims.
    Sigstore(VerifiedStatement),
}

/// A launcher-image signature that verified: the digests it covers, who signed, when, and under
/// which trust material. Made only by the format modules of `signature/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedImageSignature {
    source: String,
    format: SignatureFormat,
    covers: Vec<CoveredImage>,
    signer: Signer,
    time: SigningTime,
    trust: TrustUsed,
    /// The log or timestamp evidence, in words.
    evidence: String,
    record: FormatRecord,
}

impl VerifiedImageSignature {
    /// A verified Sigstore bundle. `covers` comes from its verified payload.
    pub(super) fn sigstore(statement: VerifiedStatement, covers: Vec<CoveredImage>) -> Self {
        VerifiedImageSignature {
            source: statement.source().to_string(),
            format: SignatureFormat::SigstoreBundle,
            covers,
            signer: Signer::Fulcio(FulcioIdentity::of(&statement)),
            time: SigningTime::Verified { unix: statement.signing_time() },
            trust: TrustUsed {
                kind: statement.root_kind(),
                name: statement.root().to_string(),
                sha256: statement.root_sha256().to_string(),
            },
            evidence: statement.log().to_string(),
            record: FormatRecord::Sigstore(statement),
        }
    }

    /// Which input (`file.jsonl line 2`).
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn format(&self) -> SignatureFormat {
        self.format
    }
    /// The image digests the signature covers.
    pub fn covers(&self) -> &[CoveredImage] {
        &self.covers
    }
    /// The covered image with this digest, if the signature covers it.
    pub fn covering(&self, digest: &ImageDigest) -> Option<&CoveredImage> {
        self.covers.iter().find(|c| c.digest == *digest)
    }
    pub fn signer(&self) -> &Signer {
        &self.signer
    }
    pub fn time(&self) -> &SigningTime {
        &self.time
    }
    pub fn trust(&self) -> &TrustUsed {
        &self.trust
    }
    /// The log or timestamp evidence, in words.
    pub fn evidence(&self) -> &str {
        &self.evidence
    }
    /// The format's own verified record.
    pub fn record(&self) -> &FormatRecord {
        &self.record
    }
    /// The verified Sigstore statement, for a Sigstore bundle.
    pub fn sigstore_statement(&self) -> Option<&VerifiedStatement> {
        match &self.record {
            FormatRecord::Sigstore(s) => Some(s),
        }
    }
}

/// Why one signature did not verify, per format, each with a stable finding code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Sigstore(ProvenanceError),
}

impl Rejection {
    pub fn code(&self) -> FindingCode {
        match self {
            Rejection::Sigstore(e) => e.code(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Sigstore(e) => e.fmt(f),
        }
    }
}

/// A signature input that did not verify: where it came from, its format, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    source: String,
    format: SignatureFormat,
    reason: Rejection,
}

impl Rejected {
    pub(super) fn new(source: String, format: SignatureFormat, reason: Rejection) -> Self {
        Rejected { source, format, reason }
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn format(&self) -> SignatureFormat {
        self.format
    }
    pub fn reason(&self) -> &Rejection {
        &self.reason
    }
    pub fn code(&self) -> FindingCode {
        self.reason.code()
    }
}
