//! app-compose.json: the exact bytes the CVM hashed, and a summary of what it declares.
//!
//! dstack measures `compose-hash = SHA-256(app-compose.json bytes)` with no normalisation
//! (`dstack-util` `sha256_file`), so the hash is taken over the exact text found in the
//! evidence; re-serialising would hide tampering and break real documents. The default app-id
//! is the first 20 bytes of the compose-hash (used when the host supplies none).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// An app-compose document, hashed over its exact bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCompose {
    text: String,
    compose_hash: [u8; 32],
    summary: Option<ComposeSummary>,
    docker_compose_file: Option<String>,
}

/// What the document declares, for display (nothing here is trusted by itself: it is trusted
/// only when the compose-hash matches the measured one).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ComposeSummary {
    pub manifest_version: Option<String>,
    pub name: Option<String>,
    pub runner: Option<String>,
    pub kms_enabled: Option<bool>,
    pub gateway_enabled: Option<bool>,
    pub local_key_provider_enabled: Option<bool>,
    pub key_provider: Option<String>,
    pub key_provider_id: Option<String>,
    pub allowed_envs: Vec<String>,
    pub no_instance_id: Option<bool>,
    pub public_tcbinfo: Option<bool>,
    pub has_pre_launch_script: bool,
    pub has_init_script: bool,
    pub docker_compose_file_bytes: Option<usize>,
}

impl AppCompose {
    pub fn new(text: String) -> Self {
        let compose_hash = Sha256::digest(text.as_bytes()).into();
        let parsed = serde_json::from_str::<Value>(&text).ok();
        let summary = parsed.as_ref().and_then(summarise);
        let docker_compose_file =
            parsed.as_ref().and_then(|v| v.get("docker_compose_file")).and_then(Value::as_str).map(str::to_string);
        AppCompose { text, compose_hash, summary, docker_compose_file }
    }

    /// The exact text that was hashed.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn compose_hash(&self) -> &[u8; 32] {
        &self.compose_hash
    }

    /// `None` when the text is not a JSON object (it still has a compose-hash).
    pub fn summary(&self) -> Option<&ComposeSummary> {
        self.summary.as_ref()
    }

    /// The `docker_compose_file` YAML text, when the document has one.
    pub fn docker_compose_file(&self) -> Option<&str> {
        self.docker_compose_file.as_deref()
    }

    /// The app-id dstack uses when the host supplies none: compose_hash[0..20].
    pub fn default_app_id(&self) -> [u8; 20] {
        default_app_id(&self.compose_hash)
    }
}

pub fn default_app_id(compose_hash: &[u8; 32]) -> [u8; 20] {
    let mut id = [0u8; 20];
    id.iter_mut().zip(compose_hash.iter()).for_each(|(d, s)| *d = *s);
    id
}

fn summarise(v: &Value) -> Option<ComposeSummary> {
    let o = v.as_object()?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    let b = |k: &str| o.get(k).and_then(Value::as_bool);
    let features: Vec<&str> = o
        .get("features")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Some(ComposeSummary {
        manifest_version: o.get("manifest_version").map(|m| match m {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        name: s("name"),
        runner: s("runner"),
        kms_enabled: b("kms_enabled").or_else(|| features.contains(&"kms").then_some(true)),
        gateway_enabled: b("gateway_enabled")
            .or_else(|| b("tproxy_enabled"))
            .or_else(|| features.contains(&"tproxy-net").then_some(true)),
        local_key_provider_enabled: b("local_key_provider_enabled"),
        key_provider: s("key_provider"),
        key_provider_id: s("key_provider_id"),
        allowed_envs: o
            .get("allowed_envs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        no_instance_id: b("no_instance_id"),
        public_tcbinfo: b("public_tcbinfo"),
        has_pre_launch_script: o.get("pre_launch_script").is_some_and(|v| !v.is_null()),
        has_init_script: o.get("init_script").is_some_and(|v| !v.is_null()),
        docker_compose_file_bytes: s("docker_compose_file").map(|f| f.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_over_exact_bytes() {
        let a = AppCompose::new("{\"name\":\"x\"}".into());
        let b = AppCompose::new("{ \"name\": \"x\" }".into());
        assert_ne!(a.compose_hash(), b.compose_hash());
        assert_eq!(a.summary().and_then(|s| s.name.clone()).as_deref(), Some("x"));
        assert_eq!(&a.default_app_id()[..], &a.compose_hash()[..20]);
    }

    #[test]
    fn non_json_text_still_hashes() {
        let a = AppCompose::new("not json".into());
        assert!(a.summary().is_none());
        assert_eq!(hex::encode(a.compose_hash()).len(), 64);
    }
}
