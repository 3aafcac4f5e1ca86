//! Sigstore bundles as launcher-image evidence: each bundle is verified by `provenance/` (trusted
//! roots, sigstore-verify, the in-toto statement) for the image digests its verified payload
//! names, and becomes a `VerifiedImageSignature` whose signer is the Fulcio identity. No identity
//! policy here: which signer is acceptable is check 2's question.

use super::verified::{CoveredImage, ImageDigest, Rejected, Rejection, SignatureFormat, VerifiedImageSignature};
use crate::limits::MAX_BUNDLES;
use crate::provenance::{verify_image_bundle, BundleInput, TrustRoots, VerifiedStatement};

/// Verifies each bundle (at most `MAX_BUNDLES`), in order.
pub(super) fn verify_bundles(
    bundles: &[BundleInput],
    roots: &TrustRoots,
    results: &mut Vec<Result<VerifiedImageSignature, Rejected>>,
    warnings: &mut Vec<String>,
) {
    if bundles.len() > MAX_BUNDLES {
        warnings.push(format!("only the first {MAX_BUNDLES} of {} bundles were tried (MAX_BUNDLES)", bundles.len()));
    }
    for input in bundles.iter().take(MAX_BUNDLES) {
        let result = verify_image_bundle(input, roots)
            .map(|s| {
                let covers = covered_images(&s);
                VerifiedImageSignature::sigstore(s, covers)
            })
            .map_err(|e| Rejected::new(input.source.clone(), SignatureFormat::SigstoreBundle, Rejection::Sigstore(e)));
        results.push(result);
    }
}

/// The sha256 digests the verified statement's subjects (or the message digest) name.
fn covered_images(s: &VerifiedStatement) -> Vec<CoveredImage> {
    s.signed_digests()
        .iter()
        .filter(|d| d.algorithm() == "sha256")
        .filter_map(|d| {
            let bytes: [u8; 32] = hex::decode(d.hex()).ok()?.try_into().ok()?;
            Some(CoveredImage::new(ImageDigest::new(bytes), d.name().map(str::to_string)))
        })
        .collect()
}
