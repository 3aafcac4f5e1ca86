//! `--quote FILE` as real tools write it (issue 10 §5, docs/decisions.md 33): the real
//! tee-solver quote written as binary, hex (with and without `0x`, with line breaks), base64
//! (with line breaks), a JSON string and a JSON byte array (NEAR MPC's `quote.json` form) gives
//! the same report; a bad file names the first offending character and its byte offset.

use crate::common::*;
use dstack_audit::evidence::Sources;

fn real_quote() -> Vec<u8> {
    hex::decode(std::fs::read_to_string(fixture("dstack/tee-solver-phala-prod-0.5/quote.hex")).unwrap().trim()).unwrap()
}

fn with_quote(name: &str, bytes: Vec<u8>) -> Sources {
    Sources {
        attestation: Some(input("dstack/tee-solver-phala-prod-0.5/tcb_info.json")),
        quote: Some(bytes_input(name, bytes)),
        ..Sources::default()
    }
}

/// RFC 4648 §4 base64 with `=` padding, lines of `width` characters.
fn base64(data: &[u8], width: usize) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                char::from(A[usize::try_from(n >> (18 - 6 * k) & 63).unwrap()])
            } else {
                '='
            });
        }
    }
    let chars: Vec<char> = out.chars().collect();
    chars.chunks(width).map(|l| l.iter().collect::<String>()).collect::<Vec<_>>().join("\n") + "\n"
}

fn lines(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|l| l.iter().collect::<String>()).collect::<Vec<_>>().join("\r\n")
}

#[test]
fn every_form_of_the_real_quote_gives_the_same_facts() {
    let q = real_quote();
    let hex = hex::encode(&q);
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("quote.bin", q.clone()),
        ("quote.hex", hex.clone().into_bytes()),
        ("quote-0x.hex", format!("0x{}\n", hex.to_uppercase()).into_bytes()),
        ("quote-lines.hex", lines(&hex, 64).into_bytes()),
        ("quote.b64", base64(&q, 76).into_bytes()),
        ("quote-string.json", format!("\"{hex}\"").into_bytes()),
        ("quote-b64-string.json", format!("\"{}\"", base64(&q, usize::MAX).trim_end()).into_bytes()),
        ("quote.json", serde_json::to_vec_pretty(&q).unwrap()),
    ];
    let reference = verify(&with_quote("quote.bin", q.clone()));
    assert!(reference.facts.compose_hash.as_deref().unwrap().starts_with("12a20aed"));
    for (name, bytes) in forms {
        let r = verify(&with_quote(name, bytes));
        assert_eq!(r.facts, reference.facts, "{name}");
        assert_eq!(r.checks[0].findings.len(), reference.checks[0].findings.len(), "{name}");
    }
}

#[test]
fn near_quote_json_is_read_as_a_quote_file() {
    let r = verify(&Sources {
        attestation: Some(input("dstack/near-mpc-dstack-0.5.4/tcb_info.json")),
        quote: Some(input("dstack/near-mpc-dstack-0.5.4/quote.json")),
        ..Sources::default()
    });
    let plain = verify(&attestation("dstack/near-mpc-dstack-0.5.4/public_data.json"));
    assert_eq!(r.facts.rtmr3, plain.facts.rtmr3);
    assert!(r.facts.compose_hash.is_some());
}

fn cli_error(name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("dstack-audit-quote-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    let p = p.to_str().unwrap().to_string();
    let out = run_cli(&["verify", "fixtures/dstack/tee-solver-phala-prod-0.5/tcb_info.json", "--quote", &p]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with(&format!("dstack-audit: error: {p}: ")), "{err}");
    err
}

#[test]
fn a_bad_quote_file_names_the_first_offending_character_and_its_offset() {
    let mut hex = hex::encode(real_quote()).into_bytes();
    hex[100] = b'.';
    let e = cli_error("dot.hex", &hex);
    assert!(e.contains("byte offset 100") && e.contains("'.'"), "{e}");

    let mut hex = format!("0x{}", hex::encode(real_quote())).into_bytes();
    hex[41] = b'g';
    let e = cli_error("g.hex", &hex);
    assert!(e.contains("byte offset 41") && e.contains("'g'") && e.contains("after `0x`"), "{e}");

    let mut arr = serde_json::to_vec(&real_quote()).unwrap();
    let at = arr.iter().position(|b| *b == b',').unwrap();
    arr[at] = b';';
    let e = cli_error("semicolon.json", &arr);
    assert!(e.contains(&format!("byte offset {at}")) && e.contains("';'"), "{e}");

    let e = cli_error("big.json", b"[4, 0, 2, 300]");
    assert!(e.contains("byte offset 10") && e.contains("the number 300"), "{e}");
}
