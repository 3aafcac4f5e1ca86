//! What a bundle must be about: an artifact's bytes or its digest, as the `provenance` command
//! and check 2 name it. Parsing `sha256:HEX` / `sha512:HEX` and the digests a statement subject
//! may match; no verification here.

use sha2::{Digest, Sha256, Sha512};
use sigstore_verify::types::{Artifact as SigArtifact, ArtifactDigest, HashAlgorithm, Sha256Hash, Sha512Hash};

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

    pub(super) fn for_sigstore(&self) -> SigArtifact<'_> {
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
