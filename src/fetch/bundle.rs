//! `fetch bundle REPO@sha256:…`: the Sigstore bundles attached to an image in its OCI registry
//! (how GitHub stores artifact attestations), written as JSONL for `verify --bundle`.
//!
//! Discovery follows OCI distribution 1.1: the referrers API
//! (`/v2/<name>/referrers/<digest>`), and when the registry has none, the referrers tag schema
//! (an index tagged `sha256-<hex>`). A referrer counts when its manifest's `artifactType` (or
//! config media type) is a Sigstore bundle type and its `subject` is the image; its bundle layers
//! are downloaded. Every manifest and blob is checked against its digest and size bound.
//! Authentication: anonymous (with the registry's token exchange), or a bearer token or
//! user/password from the environment (never from the command line, which other users can see).

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::limits::{MAX_BUNDLES_PER_FILE, MAX_BUNDLE_BYTES, MAX_OCI_MANIFEST_BYTES};

/// The media-type prefix of Sigstore bundles (`…bundle.v0.3+json` and earlier).
pub const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Environment variables holding registry credentials.
pub const TOKEN_ENV: &str = "DSTACK_AUDIT_REGISTRY_TOKEN";
pub const USERNAME_ENV: &str = "DSTACK_AUDIT_REGISTRY_USERNAME";
pub const PASSWORD_ENV: &str = "DSTACK_AUDIT_REGISTRY_PASSWORD";

/// How to reach the registry.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Plain HTTP (a local test registry), not HTTPS.
    pub plain_http: bool,
    pub timeout: std::time::Duration,
    pub auth: RegistryAuth,
}

/// Credentials from the environment: a bearer token, else user and password, else anonymous.
pub fn auth_from_env() -> RegistryAuth {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var(TOKEN_ENV), var(USERNAME_ENV), var(PASSWORD_ENV)) {
        (Some(t), _, _) => RegistryAuth::Bearer(t),
        (None, Some(u), Some(p)) => RegistryAuth::Basic(u, p),
        _ => RegistryAuth::Anonymous,
    }
}

/// Finds the bundles attached to `image` (`registry/repository@sha256:hex`).
pub fn fetch(image: &str, opts: &RegistryOptions) -> Result<Vec<Value>, Error> {
    let fail = |message: String| Error::Fetch { request: format!("fetch bundle {image}"), message };
    let reference: Reference = image.parse().map_err(|e| fail(format!("expected REPOSITORY@sha256:HEX ({e})")))?;
    let digest = reference
        .digest()
        .filter(|d| d.starts_with("sha256:"))
        .ok_or_else(|| fail("expected an image pinned by digest (REPOSITORY@sha256:HEX)".into()))?
        .to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the I/O runtime: {e}")))?;
    let protocol = if opts.plain_http {
        ClientProtocol::HttpsExcept(vec![reference.resolve_registry().to_string()])
    } else {
        ClientProtocol::Https
    };
    let client = Client::new(ClientConfig {
        protocol,
        read_timeout: Some(opts.timeout),
        connect_timeout: Some(opts.timeout),
        ..ClientConfig::default()
    });
    let future = discover(&client, &reference, &digest, &opts.auth);
    match runtime.block_on(async { tokio::time::timeout(opts.timeout.saturating_mul(8), future).await }) {
        Err(_) => Err(fail(format!("timed out after {} s", opts.timeout.saturating_mul(8).as_secs()))),
        Ok(result) => result.map_err(fail),
    }
}

async fn discover(client: &Client, image: &Reference, digest: &str, auth: &RegistryAuth) -> Result<Vec<Value>, String> {
    let registry = image.resolve_registry().to_string();
    let repository = image.repository().to_string();
    client.store_auth_if_needed(&registry, auth).await;
    if !matches!(auth, RegistryAuth::Bearer(_)) {
        client
            .auth(image, auth, RegistryOperation::Pull)
            .await
            .map_err(|e| format!("authentication with {registry} failed: {e}"))?;
    }
    let candidates: Vec<String> = match client.pull_referrers(image, None).await {
        Ok(index) => index.manifests.into_iter().map(|m| m.digest).collect(),
        Err(api_error) => {
            // The referrers tag schema: an index tagged `sha256-<hex>`.
            let tag = digest.replacen(':', "-", 1);
            let fallback = Reference::with_tag(registry.clone(), repository.clone(), tag.clone());
            match client.pull_manifest_raw(&fallback, auth, &[OCI_INDEX]).await {
                Ok((bytes, _)) => index_digests(&bytes).map_err(|e| format!("the referrers index {tag}: {e}"))?,
                Err(tag_error) if is_not_found(&tag_error) => Vec::new(),
                Err(tag_error) => {
                    return Err(format!(
                        "the referrers API failed ({api_error}) and so did the referrers tag {tag} ({tag_error})"
                    ))
                }
            }
        }
    };
    let mut found = Vec::new();
    for manifest_digest in candidates.iter().take(MAX_BUNDLES_PER_FILE) {
        let at = Reference::with_digest(registry.clone(), repository.clone(), manifest_digest.clone());
        let (bytes, _) = client
            .pull_manifest_raw(&at, auth, &[OCI_MANIFEST])
            .await
            .map_err(|e| format!("referrer manifest {manifest_digest}: {e}"))?;
        check_digest(&bytes, manifest_digest, MAX_OCI_MANIFEST_BYTES).map_err(|e| format!("referrer manifest {e}"))?;
        let m: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("referrer manifest {manifest_digest}: {e}"))?;
        if !is_bundle_manifest(&m) || m.pointer("/subject/digest").and_then(Value::as_str) != Some(digest) {
            continue;
        }
        for layer in m.get("layers").and_then(Value::as_array).into_iter().flatten() {
            let media = layer.get("mediaType").and_then(Value::as_str).unwrap_or_default();
            let (Some(layer_digest), Some(size)) =
                (layer.get("digest").and_then(Value::as_str), layer.get("size").and_then(Value::as_u64))
            else {
                continue;
            };
            if !media.starts_with(SIGSTORE_BUNDLE_PREFIX) {
                continue;
            }
            if usize::try_from(size).map_or(true, |s| s > MAX_BUNDLE_BYTES) {
                return Err(format!("bundle {layer_digest} is {size} bytes, more than MAX_BUNDLE_BYTES"));
            }
            let descriptor = OciDescriptor {
                media_type: media.to_string(),
                digest: layer_digest.to_string(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                ..OciDescriptor::default()
            };
            let mut blob = Vec::new();
            client.pull_blob(&at, &descriptor, &mut blob).await.map_err(|e| format!("bundle {layer_digest}: {e}"))?;
            check_digest(&blob, layer_digest, MAX_BUNDLE_BYTES).map_err(|e| format!("bundle {e}"))?;
            let json: Value =
                serde_json::from_slice(&blob).map_err(|e| format!("bundle {layer_digest} is not JSON: {e}"))?;
            found.push(json);
        }
    }
    Ok(found)
}

/// The registry says the tag (or repository) does not exist: no referrers, not a failure.
fn is_not_found(e: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::{OciDistributionError as E, OciErrorCode as C};
    match e {
        E::ImageManifestNotFoundError(_) => true,
        E::ServerError { code, .. } => *code == 404,
        E::RegistryError { envelope, .. } => {
            envelope.errors.iter().any(|x| matches!(x.code, C::ManifestUnknown | C::NameUnknown))
        }
        _ => false,
    }
}

fn is_bundle_manifest(m: &Value) -> bool {
    let artifact = m.get("artifactType").and_then(Value::as_str);
    let config = m.pointer("/config/mediaType").and_then(Value::as_str);
    artifact.or(config).is_some_and(|t| t.starts_with(SIGSTORE_BUNDLE_PREFIX))
}

fn index_digests(bytes: &[u8]) -> Result<Vec<String>, String> {
    if bytes.len() > MAX_OCI_MANIFEST_BYTES {
        return Err("larger than MAX_OCI_MANIFEST_BYTES".into());
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(v.get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("digest").and_then(Value::as_str).map(str::to_string))
        .collect())
}

fn check_digest(bytes: &[u8], digest: &str, max: usize) -> Result<(), String> {
    if bytes.len() > max {
        return Err(format!("{digest}: {} bytes, more than the limit of {max}", bytes.len()));
    }
    let actual = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
    if actual != digest {
        return Err(format!("{digest}: the content's digest is {actual}"));
    }
    Ok(())
}

/// JSONL: one compact bundle per line, as `gh attestation download` writes.
pub fn to_jsonl(found: &[Value]) -> String {
    found.iter().map(|b| format!("{b}\n")).collect()
}
