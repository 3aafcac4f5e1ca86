//! `fetch bundle` against a real OCI registry this test starts on loopback: Debian's
//! `docker-registry` (the CNCF distribution registry, 2.8, which has no referrers API, so the
//! referrers tag schema is exercised). The test pushes an image and, as GitHub does, a referrer
//! manifest whose layer is the launcher's real Sigstore bundle; `fetch bundle` finds it, and
//! `verify` with the fetched JSONL gives the same verdict as with the original bundle file.
//!
//! `.ci/run` installs the registry and sets DSTACK_AUDIT_REQUIRE_REGISTRY=1, which turns a
//! missing registry binary into a failure instead of a skip.
#![cfg(feature = "fetch")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::http::read_request;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{root, run_cli as bin};

const GL: &str = "fixtures/synthetic/git-launcher";
const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

struct Registry {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn registry_binary() -> Option<PathBuf> {
    ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry", "/usr/bin/registry"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn start_registry(name: &str) -> Option<Registry> {
    let Some(binary) = registry_binary() else {
        assert!(
            std::env::var_os("DSTACK_AUDIT_REQUIRE_REGISTRY").is_none(),
            "docker-registry is required (apt-get install docker-registry)"
        );
        eprintln!("skipped: docker-registry is not installed (apt-get install docker-registry)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let dir = std::env::temp_dir().join(format!("dstack-audit-registry-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
        dir.join("data").display()
    );
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let child = Command::new(binary)
        .arg("serve")
        .arg(dir.join("config.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let registry = Registry { child, addr, dir };
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if client.get(format!("http://{}/v2/", registry.addr)).send().is_ok_and(|r| r.status().is_success()) {
            return Some(registry);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the registry did not start on {}", registry.addr);
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn push_blob(addr: &str, repo: &str, bytes: &[u8]) -> Value {
    let d = digest(bytes);
    let client = reqwest::blocking::Client::new();
    let start = client.post(format!("http://{addr}/v2/{repo}/blobs/uploads/")).send().unwrap();
    assert_eq!(start.status().as_u16(), 202);
    let location = start.headers()["location"].to_str().unwrap().to_string();
    let url = if location.starts_with("http") { location } else { format!("http://{addr}{location}") };
    let sep = if url.contains('?') { '&' } else { '?' };
    let put = client.put(format!("{url}{sep}digest={d}")).body(bytes.to_vec()).send().unwrap();
    assert_eq!(put.status().as_u16(), 201, "{}", put.text().unwrap());
    json!({"digest": d, "size": bytes.len()})
}

fn push_manifest(addr: &str, repo: &str, reference: &str, media_type: &str, manifest: &Value) -> (String, usize) {
    let bytes = serde_json::to_vec(manifest).unwrap();
    let r = reqwest::blocking::Client::new()
        .put(format!("http://{addr}/v2/{repo}/manifests/{reference}"))
        .header("content-type", media_type)
        .body(bytes.clone())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().unwrap());
    (digest(&bytes), bytes.len())
}

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Pushes an image and returns its digest; with `bundle`, attaches it as a referrer (listed in
/// the `sha256-<hex>` index tag) whose subject is `subject` (default: the image).
fn push_image_with_bundle(addr: &str, repo: &str, bundle: Option<&[u8]>, subject: Option<&str>) -> String {
    let config = push_blob(addr, repo, b"{}");
    let layer = push_blob(addr, repo, b"the launcher image's only layer");
    let image = json!({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config["digest"], "size": config["size"]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer["digest"], "size": layer["size"]}]});
    let (image_digest, image_size) = push_manifest(addr, repo, "v1", MANIFEST, &image);
    if let Some(bundle) = bundle {
        let empty = push_blob(addr, repo, b"{}");
        let blob = push_blob(addr, repo, bundle);
        let subject_digest = subject.unwrap_or(&image_digest);
        let referrer = json!({"schemaVersion": 2, "mediaType": MANIFEST, "artifactType": BUNDLE_TYPE,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty["digest"], "size": empty["size"]},
            "layers": [{"mediaType": BUNDLE_TYPE, "digest": blob["digest"], "size": blob["size"]}],
            "subject": {"mediaType": MANIFEST, "digest": subject_digest, "size": image_size}});
        let (ref_digest, ref_size) =
            push_manifest(addr, repo, &digest(&serde_json::to_vec(&referrer).unwrap()), MANIFEST, &referrer);
        let index = json!({"schemaVersion": 2, "mediaType": INDEX,
            "manifests": [{"mediaType": MANIFEST, "digest": ref_digest, "size": ref_size, "artifactType": BUNDLE_TYPE}]});
        push_manifest(addr, repo, &image_digest.replacen(':', "-", 1), INDEX, &index);
    }
    image_digest
}

fn verify_with_bundle(bundle: &str) -> (i32, Value) {
    let dir = root().join(GL);
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let mut v: Vec<String> = vec!["verify".into()];
    for a in args.split_whitespace() {
        v.push(match a {
            "bundle.sigstore.json" => bundle.to_string(),
            a if a.ends_with(".json") || a.ends_with(".pem") => dir.join(a).display().to_string(),
            a => a.to_string(),
        });
    }
    v.extend(["--format".into(), "json".into()]);
    let v: Vec<&str> = v.iter().map(String::as_str).collect();
    let out = bin(&v);
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn bundles_attached_in_a_registry_are_fetched_and_verify() {
    let Some(registry) = start_registry("ok") else { return };
    let bundle = std::fs::read(root().join(GL).join("bundle.sigstore.json")).unwrap();
    let image_digest = push_image_with_bundle(&registry.addr, "github/launcher", Some(&bundle), None);
    let out_file = registry.dir.join("bundles.jsonl");
    let image = format!("{}/github/launcher@{image_digest}", registry.addr);
    let out = bin(&["fetch", "bundle", &image, "--plain-http", "-o", out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(text.lines().count(), 1);
    let fetched: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let original: Value = serde_json::from_slice(&bundle).unwrap();
    assert_eq!(fetched, original);
    let (code, r) = verify_with_bundle(out_file.to_str().unwrap());
    let (original_code, _) = verify_with_bundle(root().join(GL).join("bundle.sigstore.json").to_str().unwrap());
    assert_eq!((code, original_code), (0, 0), "{r:#}");
    assert_eq!(r["checks"][1]["status"], "pass");
}

#[test]
fn an_image_without_bundles_or_with_a_foreign_referrer_yields_nothing() {
    let Some(registry) = start_registry("none") else { return };
    let bare = push_image_with_bundle(&registry.addr, "org/bare", None, None);
    let out_file = registry.dir.join("bundles.jsonl");
    let image = format!("{}/org/bare@{bare}", registry.addr);
    let out = bin(&["fetch", "bundle", &image, "--plain-http", "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("no Sigstore bundle is attached"), "{stderr}");
    assert!(!out_file.exists());
    // A referrer listed for this image whose subject is another image is ignored.
    let bundle = std::fs::read(root().join(GL).join("bundle.sigstore.json")).unwrap();
    let other = format!("sha256:{}", "ab".repeat(32));
    let image_digest = push_image_with_bundle(&registry.addr, "org/foreign", Some(&bundle), Some(&other));
    let image = format!("{}/org/foreign@{image_digest}", registry.addr);
    let out = bin(&["fetch", "bundle", &image, "--plain-http"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn unreachable_registries_and_unpinned_images_fail_cleanly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = bin(&[
        "fetch",
        "bundle",
        &format!("127.0.0.1:{port}/org/x@sha256:{}", "00".repeat(32)),
        "--plain-http",
        "--timeout",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fetch bundle 127.0.0.1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin(&["fetch", "bundle", "ghcr.io/org/x:latest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pinned by digest"));
}

/// A registry with the OCI 1.1 referrers API, served by this test on loopback, optionally
/// behind the distribution token flow: 401 with a Bearer challenge, a token endpoint, and only
/// requests carrying `Authorization: Bearer <token>` served. `expect_token` is the token the
/// client must present (issued by the endpoint, or given through DSTACK_AUDIT_REGISTRY_TOKEN).
fn referrers_api_registry(
    bundle: Vec<u8>,
    expect_token: Option<&'static str>,
) -> (String, String, Arc<Mutex<Vec<String>>>) {
    use std::io::{BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let blob = |b: &[u8]| (digest(b), b.to_vec());
    let (config_digest, config) = blob(b"{}");
    let image = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": 2},
        "layers": []}))
    .unwrap();
    let image_digest = digest(&image);
    let (bundle_digest, bundle) = blob(&bundle);
    let referrer = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": MANIFEST, "artifactType": BUNDLE_TYPE,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config_digest, "size": 2},
        "layers": [{"mediaType": BUNDLE_TYPE, "digest": bundle_digest, "size": bundle.len()}],
        "subject": {"mediaType": MANIFEST, "digest": image_digest, "size": image.len()}}))
    .unwrap();
    let referrer_digest = digest(&referrer);
    let index = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": INDEX,
        "manifests": [{"mediaType": MANIFEST, "digest": referrer_digest, "size": referrer.len(), "artifactType": BUNDLE_TYPE}]}))
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let realm = format!("http://{addr}/token");
    let image_ref = format!("{addr}/org/launcher@{image_digest}");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // One request per connection is enough for the client's keep-alive to retry.
            let Some(request) = read_request(&mut BufReader::new(stream.try_clone().unwrap())) else { continue };
            let auth = request.header("authorization").unwrap_or_default().to_string();
            let path = request.path().to_string();
            log.lock().unwrap().push(format!("{} {}", path, if auth.is_empty() { "-" } else { &auth }));
            let authorised = expect_token.is_none_or(|t| auth == format!("Bearer {t}"));
            let (status, ctype, body, extra): (&str, &str, Vec<u8>, String) = if path.starts_with("/token") {
                (
                    "200 OK",
                    "application/json",
                    serde_json::to_vec(&json!({"token": "issued-token"})).unwrap(),
                    String::new(),
                )
            } else if !authorised {
                let challenge = format!(
                    "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"test-registry\",scope=\"repository:org/launcher:pull\"\r\n"
                );
                ("401 Unauthorized", "application/json", br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.to_vec(), challenge)
            } else if path == "/v2/" {
                ("200 OK", "application/json", b"{}".to_vec(), String::new())
            } else if path.starts_with(&format!("/v2/org/launcher/referrers/{image_digest}")) {
                ("200 OK", INDEX, index.clone(), String::new())
            } else if path == format!("/v2/org/launcher/manifests/{referrer_digest}") {
                ("200 OK", MANIFEST, referrer.clone(), format!("Docker-Content-Digest: {referrer_digest}\r\n"))
            } else if path == format!("/v2/org/launcher/blobs/{bundle_digest}") {
                ("200 OK", "application/octet-stream", bundle.clone(), String::new())
            } else if path == format!("/v2/org/launcher/blobs/{config_digest}") {
                ("200 OK", "application/octet-stream", config.clone(), String::new())
            } else {
                (
                    "404 Not Found",
                    "application/json",
                    br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#.to_vec(),
                    String::new(),
                )
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (image_ref, addr, seen)
}

use std::sync::{Arc, Mutex};

#[test]
fn the_referrers_api_is_used_when_the_registry_has_it() {
    let bundle = std::fs::read(root().join(GL).join("bundle.sigstore.json")).unwrap();
    let (image, _, seen) = referrers_api_registry(bundle.clone(), None);
    let out = bin(&["fetch", "bundle", &image, "--plain-http"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fetched: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(fetched, serde_json::from_slice::<Value>(&bundle).unwrap());
    let paths = seen.lock().unwrap().clone();
    assert!(paths.iter().any(|p| p.contains("/referrers/sha256:")), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("/manifests/sha256-")), "no tag-schema fallback: {paths:?}");
}

#[test]
fn anonymous_token_exchange_and_an_explicit_token_both_work() {
    let bundle = std::fs::read(root().join(GL).join("bundle.sigstore.json")).unwrap();
    // Anonymous: the client follows the Bearer challenge to the token endpoint.
    let (image, _, seen) = referrers_api_registry(bundle.clone(), Some("issued-token"));
    let out = bin(&["fetch", "bundle", &image, "--plain-http"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(seen.lock().unwrap().iter().any(|p| p.starts_with("/token")), "{:?}", seen.lock().unwrap());
    // A token from the environment is presented as is.
    let (image, _, _) = referrers_api_registry(bundle.clone(), Some("secret-from-env"));
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .args(["fetch", "bundle", &image, "--plain-http"])
        .env("DSTACK_AUDIT_REGISTRY_TOKEN", "secret-from-env")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A wrong token is refused and named as an authentication failure, with no output.
    let (image, _, _) = referrers_api_registry(bundle, Some("secret-from-env"));
    let out = Command::new(env!("CARGO_BIN_EXE_dstack-audit"))
        .args(["fetch", "bundle", &image, "--plain-http", "--timeout", "5"])
        .env("DSTACK_AUDIT_REGISTRY_TOKEN", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
