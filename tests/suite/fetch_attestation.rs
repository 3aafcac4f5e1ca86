//! `fetch attestation` against real servers this test starts on loopback: an app serving
//! `/quote` and `/info` over HTTP, and a guest agent on a Unix socket. What is fetched verifies
//! with the same verdict as the original fixture; every failure (server down, 404, 500, slow,
//! truncated, wrong JSON, wrong content type) ends with exit 2, names the URL, and writes nothing.
#![cfg(feature = "fetch")]

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use crate::common::http::read_request;
use serde_json::{json, Value};
use sha2::Digest;

const BASE: &str = "fixtures/synthetic/git-launcher";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dstack-audit")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

/// The synthetic deployment split into what a guest agent returns: a GetQuote and an Info
/// response (event logs and tcb_info as JSON strings, as the agent writes them).
fn responses() -> (Value, Value) {
    let a: Value = serde_json::from_slice(&std::fs::read(root().join(BASE).join("attestation.json")).unwrap()).unwrap();
    let quote_hex = a["quote"].as_str().unwrap();
    let quote = hex::decode(quote_hex).unwrap();
    // TD report body starts after the 48-byte header; report_data is its last 64 bytes (v4, 584-byte body).
    let report_data = hex::encode(&quote[48 + 520..48 + 584]);
    let event_log = serde_json::to_string(&a["event_log"]).unwrap();
    let get_quote = json!({"quote": quote_hex, "event_log": event_log, "report_data": report_data, "vm_config": "{}"});
    let tcb_info = json!({"event_log": a["event_log"], "app_compose": a["app_compose"]}).to_string();
    // The generator's app-id is the compose-hash's first 20 bytes.
    let compose_hash = sha2::Sha256::digest(a["app_compose"].as_str().unwrap().as_bytes());
    let app_id = hex::encode(&compose_hash[..20]);
    let info = json!({"app_id": app_id, "instance_id": "", "tcb_info": tcb_info,
                      "app_name": "git-launcher-demo"});
    (get_quote, info)
}

fn report_data() -> String {
    responses().0["report_data"].as_str().unwrap().to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Good,
    NotFound,
    ServerError,
    Slow,
    Truncated,
    BadJson,
    Html,
    Huge,
}

/// Serves `/quote` and `/info` on 127.0.0.1; records the request lines it saw.
fn http_server(mode: Mode) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let (quote, info) = responses();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut BufReader::new(stream.try_clone().unwrap())) else { continue };
            log.lock().unwrap().push(request.line.clone());
            let path = request.path();
            let body = if path.starts_with("/quote") {
                quote.to_string()
            } else if path == "/info" {
                info.to_string()
            } else {
                String::new()
            };
            let (status, ctype, body) = match mode {
                _ if body.is_empty() => ("404 Not Found", "text/plain", "no such endpoint".to_string()),
                Mode::NotFound => ("404 Not Found", "text/plain", "gone".to_string()),
                Mode::ServerError => ("500 Internal Server Error", "text/plain", "agent exploded".to_string()),
                Mode::BadJson => ("200 OK", "application/json", body[..body.len() / 2].to_string()),
                Mode::Html => ("200 OK", "text/html", "<html>login</html>".to_string()),
                _ => ("200 OK", "application/json", body),
            };
            if mode == Mode::Slow {
                std::thread::sleep(std::time::Duration::from_secs(3));
            }
            let length = match mode {
                Mode::Truncated => body.len() + 100,
                Mode::Huge => 17 * 1024 * 1024,
                _ => body.len(),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    (url, seen)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dstack-audit-fetch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `verify` on `attestation` with the synthetic deployment's other arguments.
fn verify_fetched(attestation: &Path, extra: &[&str]) -> (i32, Value) {
    let args = std::fs::read_to_string(root().join(BASE).join("args")).unwrap();
    let mut v: Vec<String> = vec!["verify".into()];
    for a in args.split_whitespace() {
        v.push(if a == "attestation.json" { attestation.display().to_string() } else { a.to_string() });
    }
    v.extend(extra.iter().map(|s| s.to_string()));
    v.extend(["--format".to_string(), "json".to_string()]);
    let v: Vec<&str> = v.iter().map(String::as_str).collect();
    let out = bin(&v, &root().join(BASE));
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn fetched_from_an_app_verifies_like_the_original() {
    let (url, seen) = http_server(Mode::Good);
    let dir = tmp("app");
    let out_file = dir.join("attestation.json");
    let nonce = report_data();
    let out =
        bin(&["fetch", "attestation", &url, "--report-data", &nonce, "--output", out_file.to_str().unwrap()], &root());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(seen.lock().unwrap()[0], format!("GET /quote?report_data={nonce} HTTP/1.1"));
    let fetched: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(fetched["fetched"]["from"], url.as_str());
    assert_eq!(fetched["fetched"]["responses"].as_array().unwrap().len(), 2);
    assert_eq!(fetched["fetched"]["responses"][0]["sha256"].as_str().unwrap().len(), 64);

    let (code, r) = verify_fetched(&out_file, &[]);
    let (original, _) = verify_fetched(&root().join(BASE).join("attestation.json"), &[]);
    assert_eq!((code, original), (0, 0), "{r:#}");
    assert_eq!(r["evidence_shape"], "GetQuote and Info responses combined");
    // The nonce is checked; another nonce fails the attestation check.
    let (code, r) = verify_fetched(&out_file, &["--report-data", &nonce]);
    assert_eq!(code, 0);
    assert!(r["checks"][0]["findings"].as_array().unwrap().iter().any(|f| f["code"] == "report-data-match"));
    let other = format!("00{}", &nonce[2..]);
    let (code, r) = verify_fetched(&out_file, &["--report-data", &other]);
    assert_eq!(code, 1);
    assert!(r["checks"][0]["findings"].as_array().unwrap().iter().any(|f| f["code"] == "report-data-mismatch"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn fetched_from_a_guest_agent_socket_verifies_like_the_original() {
    use std::os::unix::net::UnixListener;
    let dir = tmp("agent");
    let socket = dir.join("dstack.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let (quote, info) = responses();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let log = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut BufReader::new(stream.try_clone().unwrap())) else { continue };
            log.lock().unwrap().push(format!("{} {}", request.line, String::from_utf8_lossy(&request.body)));
            let payload = if request.line.starts_with("POST /GetQuote") { quote.to_string() } else { info.to_string() };
            // Chunked, as an HTTP/1.1 server may answer.
            let (a, b) = payload.split_at(payload.len() / 2);
            let text = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                a.len(),
                b.len()
            );
            let _ = stream.write_all(text.as_bytes());
        }
    });
    let out_file = dir.join("attestation.json");
    let url = format!("unix://{}", socket.display());
    let out =
        bin(&["fetch", "attestation", &url, "--report-data", "0xABCD", "-o", out_file.to_str().unwrap()], &root());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = bodies.lock().unwrap().clone();
    assert!(
        seen[0].starts_with("POST /GetQuote HTTP/1.1") && seen[0].ends_with(r#"{"report_data":"abcd"}"#),
        "{seen:?}"
    );
    assert!(seen[1].starts_with("POST /Info HTTP/1.1"), "{seen:?}");
    let (code, r) = verify_fetched(&out_file, &[]);
    assert_eq!(code, 0, "{r:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `fetch attestation` expecting exit 2, no output file, and `want` in the message.
fn fails(url: &str, extra: &[&str], want: &str) {
    let dir = tmp("fail");
    let out_file = dir.join("attestation.json");
    let mut args = vec!["fetch", "attestation", url, "--output", out_file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = bin(&args, &root());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
    assert!(stderr.contains(want), "{url}: expected `{want}` in: {stderr}");
    assert!(stderr.contains(url.trim_end_matches('/')) || url.starts_with("unix://"), "{stderr}");
    assert!(!out_file.exists(), "nothing partial is written");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no temporary file is left");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn failures_name_the_url_and_write_nothing() {
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    fails(&down, &[], "cannot connect");
    fails(&http_server(Mode::NotFound).0, &[], "HTTP status 404");
    fails(&http_server(Mode::ServerError).0, &[], "HTTP status 500: agent exploded");
    fails(&http_server(Mode::Slow).0, &["--timeout", "1"], "timed out");
    fails(&http_server(Mode::Truncated).0, &[], "reading the body failed");
    fails(&http_server(Mode::BadJson).0, &[], "invalid JSON");
    fails(&http_server(Mode::Html).0, &[], "expected content type application/json, found text/html");
    fails(&http_server(Mode::Huge).0, &[], "larger than 16777216 bytes (MAX_FETCH_BYTES)");
    // TLS to a server that speaks plain HTTP: the handshake fails, and says so.
    let plain = http_server(Mode::Good).0;
    fails(&plain.replace("http://", "https://"), &[], "cannot connect");
    fails("ftp://example.invalid", &[], "expected an http:// or https:// URL");
    fails("unix:///nonexistent/dstack.sock", &[], "cannot connect");
}

#[test]
fn a_bad_nonce_is_a_usage_error() {
    let out = bin(&["fetch", "attestation", "http://127.0.0.1:9", "--report-data", "xyz"], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--report-data"));
    let out = bin(&["verify", "x.json", "--report-data", &"00".repeat(65)], &root());
    assert_eq!(out.status.code(), Some(2));
}
