//! `fetch collateral` against a PCS-shaped server this test starts on loopback, serving recorded
//! collateral the way Intel's PCS v4 API does (signed JSON bodies, URL-encoded issuer chains in
//! headers, DER CRLs, the root CA CRL as hex as a PCCS sends it). `verify --collateral` with what
//! was fetched gives the same verdict as with the recorded collateral; a server that alters a
//! byte of the signed TCB Info is fetched without complaint and then fails verification.
#![cfg(feature = "fetch")]

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use crate::common::http::read_request;
use serde_json::Value;

use crate::common::{root, run_cli as bin};

/// Bytes from a collateral field written as hex or as an array of byte values.
fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => hex::decode(s).unwrap(),
        Value::Array(a) => a.iter().map(|b| u8::try_from(b.as_u64().unwrap()).unwrap()).collect(),
        other => panic!("{other}"),
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Good,
    NoIssuerHeader,
    AlteredTcbInfo,
}

/// Serves `collateral` (QuoteCollateralV3 JSON) in PCS v4 form; records request lines.
fn pcs_server(collateral: Value, mode: Mode) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut BufReader::new(stream.try_clone().unwrap())) else { continue };
            log.lock().unwrap().push(request.line.clone());
            let path = request.path();
            let c = &collateral;
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            let (ctype, header, body): (&str, Option<(&str, String)>, Vec<u8>) =
                if path.starts_with("/tdx/certification/v4/tcb?") {
                    let mut info = s("tcb_info");
                    if mode == Mode::AlteredTcbInfo {
                        info = info.replacen("\"version\":3", "\"version\":3 ", 1);
                    }
                    let body = format!(
                        "{{\"tcbInfo\":{info},\"signature\":\"{}\"}}",
                        hex::encode(bytes(&c["tcb_info_signature"]))
                    );
                    ("application/json", Some(("TCB-Info-Issuer-Chain", s("tcb_info_issuer_chain"))), body.into_bytes())
                } else if path == "/tdx/certification/v4/qe/identity" {
                    let body = format!(
                        "{{\"enclaveIdentity\":{},\"signature\":\"{}\"}}",
                        s("qe_identity"),
                        hex::encode(bytes(&c["qe_identity_signature"]))
                    );
                    (
                        "application/json",
                        Some(("SGX-Enclave-Identity-Issuer-Chain", s("qe_identity_issuer_chain"))),
                        body.into_bytes(),
                    )
                } else if path.starts_with("/sgx/certification/v4/pckcrl?") {
                    (
                        "application/pkix-crl",
                        Some(("SGX-PCK-CRL-Issuer-Chain", s("pck_crl_issuer_chain"))),
                        bytes(&c["pck_crl"]),
                    )
                } else if path == "/sgx/certification/v4/rootcacrl" {
                    ("text/plain", None, hex::encode(bytes(&c["root_ca_crl"])).into_bytes())
                } else {
                    ("text/plain", None, Vec::new())
                };
            let status = if body.is_empty() { "404 Not Found" } else { "200 OK" };
            let mut head = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n", body.len());
            if let Some((name, chain)) = header.filter(|_| mode != Mode::NoIssuerHeader) {
                head.push_str(&format!("{name}: {}\r\n", url_encode(&chain)));
            }
            head.push_str("Connection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (url, seen)
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dstack-audit-collateral-{name}-{}.json", std::process::id()))
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn statuses(r: &Value) -> Vec<String> {
    r["checks"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_synthetic_deployment_verifies_with_fetched_collateral() {
    let dir = root().join("fixtures/synthetic/git-launcher");
    let recorded: Value = serde_json::from_slice(&std::fs::read(dir.join("collateral.json")).unwrap()).unwrap();
    let (url, seen) = pcs_server(recorded, Mode::Good);
    let out_file = tmp("synthetic");
    let att = dir.join("attestation.json");
    let out = bin(&["fetch", "collateral", att.to_str().unwrap(), "--pccs", &url, "-o", out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests[0], "GET /tdx/certification/v4/tcb?fmspc=7E57F0000000 HTTP/1.1");
    assert_eq!(requests[2], "GET /sgx/certification/v4/pckcrl?ca=platform&encoding=der HTTP/1.1");
    let fetched: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(fetched["fetched"]["responses"].as_array().unwrap().len(), 4);

    let verify = |collateral: &Path| {
        let args = std::fs::read_to_string(dir.join("args")).unwrap();
        let mut v: Vec<String> = vec!["verify".into()];
        for a in args.split_whitespace() {
            v.push(match a {
                "collateral.json" => collateral.display().to_string(),
                a if a.ends_with(".json") || a.ends_with(".pem") => dir.join(a).display().to_string(),
                a => a.to_string(),
            });
        }
        v.extend(["--format".into(), "json".into()]);
        let v: Vec<&str> = v.iter().map(String::as_str).collect();
        let out = bin(&v);
        (out.status.code().unwrap(), json_of(&out))
    };
    let (code, r) = verify(&out_file);
    let (original, o) = verify(&dir.join("collateral.json"));
    assert_eq!((code, original), (0, 0), "{r:#}");
    assert_eq!(statuses(&r), statuses(&o));
    std::fs::remove_file(&out_file).unwrap();
}

#[test]
fn a_real_attestation_verifies_with_its_collateral_fetched() {
    let att = "fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json";
    let reference = "fixtures/reference/near-mpc-dstack-dev-0.5.8.json";
    let doc: Value = serde_json::from_slice(&std::fs::read(root().join(att)).unwrap()).unwrap();
    let recorded = doc["tee_participant_info"]["Dstack"]["collateral"].clone();
    let (url, seen) = pcs_server(recorded, Mode::Good);
    let out_file = tmp("near");
    let out = bin(&["fetch", "collateral", att, "--pccs", &url, "--output", out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(seen.lock().unwrap()[0].starts_with("GET /tdx/certification/v4/tcb?fmspc="));
    let run = |extra: &[&str]| {
        let mut v = vec!["verify", att, "--reference", reference, "--at", "2026-09-01T00:00:00Z", "--format", "json"];
        v.extend_from_slice(extra);
        let out = bin(&v);
        (out.status.code().unwrap(), json_of(&out))
    };
    let (code, r) = run(&["--collateral", out_file.to_str().unwrap()]);
    let (embedded, e) = run(&[]);
    assert_eq!(code, embedded);
    assert_eq!(statuses(&r), statuses(&e));
    assert_eq!(r["checks"][0]["status"], "pass", "{r:#}");
    assert_eq!(r["facts"]["tcb_status"], e["facts"]["tcb_status"]);
    std::fs::remove_file(&out_file).unwrap();
}

#[test]
fn fetched_collateral_is_not_trusted_because_it_was_fetched() {
    let dir = root().join("fixtures/synthetic/git-launcher");
    let recorded: Value = serde_json::from_slice(&std::fs::read(dir.join("collateral.json")).unwrap()).unwrap();
    let (url, _) = pcs_server(recorded, Mode::AlteredTcbInfo);
    let out_file = tmp("altered");
    let att = dir.join("attestation.json");
    let out = bin(&["fetch", "collateral", att.to_str().unwrap(), "--pccs", &url, "-o", out_file.to_str().unwrap()]);
    assert!(out.status.success());
    let out = bin(&[
        "verify",
        att.to_str().unwrap(),
        "--collateral",
        out_file.to_str().unwrap(),
        "--tdx-root-ca",
        dir.join("test-root-ca.pem").to_str().unwrap(),
        "--at",
        "2026-01-15T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json_of(&out);
    let codes: Vec<&str> =
        r["checks"][0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.iter().any(|c| c.contains("tcb-info")), "{codes:?}");
    std::fs::remove_file(&out_file).unwrap();
}

#[test]
fn a_response_without_its_issuer_chain_is_refused() {
    let dir = root().join("fixtures/synthetic/git-launcher");
    let recorded: Value = serde_json::from_slice(&std::fs::read(dir.join("collateral.json")).unwrap()).unwrap();
    let (url, _) = pcs_server(recorded, Mode::NoIssuerHeader);
    let out_file = tmp("noheader");
    let att = dir.join("attestation.json");
    let out = bin(&["fetch", "collateral", att.to_str().unwrap(), "--pccs", &url, "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("-Issuer-Chain header, found none") && stderr.contains(&url), "{stderr}");
    assert!(!out_file.exists());
}
