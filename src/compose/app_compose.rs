//! app-compose.json: the exact bytes the CVM hashed, and a summary of what it declares.
//!
//! dstack measures `compose-hash = SHA-256(app-compose.json bytes)` with no normalisation
//! (`dstack-util` `sha256_file`), so the hash is taken over the exact text found in the
//! evidence; re-serialising would hide tampering and break real documents. The default app-id
//! is the first 20 bytes of the compose-hash (used when the host supplies none).
//!
//! The hash binds bytes, not meaning: a key written twice in one object is read as the last
//! value by `serde_json::Value` (and `jq`), while dstack's guest reads the document into a
//! derived struct, which refuses a known field written twice. Such a document has no single
//! meaning, so its summary and compose file are withheld and check 1 fails on it (decision 71).

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use crate::json::{first_duplicate_key, DuplicateKey};

/// An app-compose document, hashed over its exact bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCompose {
    text: String,
    compose_hash: [u8; 32],
    summary: Option<ComposeSummary>,
    docker_compose_file: Option<String>,
    duplicate_key: Option<DuplicateKey>,
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
        let duplicate_key = first_duplicate_key(&text);
        // A document with a key written twice has no single meaning: nothing is read from it.
        let parsed = serde_json::from_str::<Value>(&text).ok().filter(|_| duplicate_key.is_none());
        let summary = parsed.as_ref().and_then(summarise);
        let docker_compose_file =
            parsed.as_ref().and_then(|v| v.get("docker_compose_file")).and_then(Value::as_str).map(str::to_string);
        AppCompose { text, compose_hash, summary, docker_compose_file, duplicate_key }
    }

    /// The first key written twice in one object, if any: then neither `summary` nor
    /// `docker_compose_file` is read.
    pub fn duplicate_key(&self) -> Option<&DuplicateKey> {
        self.duplicate_key.as_ref()
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
    fn a_key_written_twice_is_found_with_its_place() {
        let text = "{\"runner\":\"docker-compose\",\n\"x\":{\"a\":[{\"b\":1,\"b\":2}]},\"runner\":\"bash\"}";
        let d = first_duplicate_key(text).unwrap();
        assert_eq!((d.key.as_str(), d.path.as_str(), d.line), ("b", "x.a[0]", 2));
        assert_eq!(text.get(..d.offset).map(|t| t.ends_with("\"b\"")), Some(true), "{d}");
        let top = first_duplicate_key("{\"runner\":\"docker-compose\",\"runner\":\"bash\"}").unwrap();
        assert_eq!((top.key.as_str(), top.path.as_str(), top.offset), ("runner", "", 35));
        assert_eq!(first_duplicate_key("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}"), None);
        assert_eq!(first_duplicate_key("not json"), None);
        // An escaped spelling is the same key to every JSON reader.
        let escaped = first_duplicate_key("{\"runner\":\"a\",\"r\\u0075nner\":\"b\"}").unwrap();
        assert_eq!(escaped.key, "runner");
        // Nothing is read from such a document, though its hash is still the hash of its bytes.
        let a = AppCompose::new("{\"docker_compose_file\":\"a\",\"docker_compose_file\":\"b\"}".into());
        assert!(a.duplicate_key().is_some() && a.summary().is_none() && a.docker_compose_file().is_none());
    }

    #[test]
    fn a_bom_or_crlf_changes_the_hash_and_a_bom_leaves_nothing_to_read() {
        let lf = "{\n\"docker_compose_file\": \"services: {}\"\n}";
        let crlf = AppCompose::new(lf.replace('\n', "\r\n"));
        let bom = AppCompose::new(format!("\u{feff}{lf}"));
        let lf = AppCompose::new(lf.into());
        assert_ne!(lf.compose_hash(), crlf.compose_hash());
        assert_ne!(lf.compose_hash(), bom.compose_hash());
        // CRLF is JSON whitespace; a BOM is not JSON, and dstack's serde_json refuses it too.
        assert_eq!(crlf.docker_compose_file(), Some("services: {}"));
        assert!(bom.summary().is_none() && bom.docker_compose_file().is_none());
    }

    #[test]
    fn non_json_text_still_hashes() {
        let a = AppCompose::new("not json".into());
        assert!(a.summary().is_none());
        assert_eq!(hex::encode(a.compose_hash()).len(), 64);
    }
}
