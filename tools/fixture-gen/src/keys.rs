//! Deterministic P-256 keys and raw ECDSA signatures.
//!
//! Every private key is SHA-256 of a fixed label, so the whole test PKI is reproducible and
//! anyone can re-derive it from this file: these keys are public and protect nothing.
//! ECDSA signatures are RFC 6979 deterministic (`ecdsa::SigningKey` implements `Signer`
//! that way), so two runs produce the same bytes.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::error::{msg, Result};

/// The signing key whose scalar is SHA-256(`label`).
pub fn signing_key(label: &str) -> Result<SigningKey> {
    let seed = Sha256::digest(label.as_bytes());
    SigningKey::from_slice(seed.as_slice()).map_err(|e| msg(format!("key for label {label:?}: {e}")))
}

/// The public key as Intel's quote stores it: x ‖ y, 64 bytes, no SEC1 prefix.
pub fn raw_public_key(key: &SigningKey) -> Result<[u8; 64]> {
    let point = key.verifying_key().to_sec1_point(false);
    let tail = point.as_bytes().get(1..).ok_or_else(|| msg("SEC1 point shorter than 1 byte"))?;
    <[u8; 64]>::try_from(tail).map_err(|_| msg(format!("SEC1 point of {} bytes, expected 65", point.as_bytes().len())))
}

/// ECDSA-P256-SHA256 over `message`, as raw r ‖ s (quote, QE report and collateral JSON form).
pub fn sign_raw(key: &SigningKey, message: &[u8]) -> Result<[u8; 64]> {
    let signature: Signature = key.try_sign(message)?;
    let bytes = signature.to_bytes();
    <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| msg("raw ECDSA signature is not 64 bytes"))
}

/// ECDSA-P256-SHA256 over `message`, DER encoded (X.509 certificate and CRL form).
pub fn sign_der(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>> {
    let signature: DerSignature = key.try_sign(message)?;
    Ok(signature.as_bytes().to_vec())
}

/// 20-byte key identifier: SHA-256 of the SEC1 public key, truncated (RFC 7093 method 1).
pub fn key_id(key: &SigningKey) -> [u8; 20] {
    let digest = Sha256::digest(key.verifying_key().to_sec1_point(false).as_bytes());
    let mut id = [0u8; 20];
    for (out, byte) in id.iter_mut().zip(digest.iter()) {
        *out = *byte;
    }
    id
}

/// `N` deterministic bytes for a measurement-like field: SHA-512(`label`) truncated (N ≤ 64;
/// any further bytes stay zero).
pub fn label_bytes<const N: usize>(label: &str) -> [u8; N] {
    let digest = sha2::Sha512::digest(label.as_bytes());
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(digest.iter()) {
        *o = *b;
    }
    out
}
