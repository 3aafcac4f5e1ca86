//! The one place that talks to the network: bounded HTTP requests for `fetch`.
//!
//! `http://` and `https://` go through reqwest (rustls, the web PKI roots); `unix://SOCKET`
//! speaks HTTP/1.1 to a guest agent's Unix socket directly (reqwest has no Unix sockets). Every
//! request has a timeout and a size bound (`limits.rs`); a status other than 2xx, a body past
//! the bound, a truncated body or a wrong content type is an error that names the request.

use std::io::{Read, Write};
use std::time::Duration;

use crate::error::Error;
use crate::limits::{FETCH_TIMEOUT_SECS, MAX_FETCH_BYTES, MAX_FETCH_HEAD_BYTES, MAX_FETCH_REDIRECTS};

/// Bounds of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(FETCH_TIMEOUT_SECS), max_bytes: MAX_FETCH_BYTES }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    /// `GET https://…` or `POST unix:///var/run/dstack.sock /GetQuote`.
    pub request: String,
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object; the content type must be JSON.
    pub fn json_object(&self) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let ct = self.header("content-type").unwrap_or("(none)");
        if !ct.to_ascii_lowercase().starts_with("application/json") {
            return Err(self.error(format!("expected content type application/json, found {ct}")));
        }
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(o)) => Ok(o),
            Ok(other) => Err(self.error(format!("expected a JSON object, found {}", crate::json::type_name(&other)))),
            Err(e) => Err(self.error(format!(
                "expected JSON, found invalid JSON ({}) in {} bytes",
                crate::error::json_message(&e),
                self.body.len()
            ))),
        }
    }

    pub fn error(&self, message: String) -> Error {
        Error::Fetch { request: self.request.clone(), message }
    }
}

/// GET `url` (`http://`, `https://`).
pub fn get(url: &str, limits: Limits) -> Result<Response, Error> {
    send(url, None, limits)
}

/// GET `url`; `Ok(None)` when the server answers 404 Not Found.
pub fn get_optional(url: &str, limits: Limits) -> Result<Option<Response>, Error> {
    match send_unchecked(url, None, limits)? {
        r if r.status == 404 => Ok(None),
        r => check_status(r).map(Some),
    }
}

/// POST a JSON body to `url` (`http://`, `https://`).
pub fn post_json(url: &str, body: &[u8], limits: Limits) -> Result<Response, Error> {
    send(url, Some(body), limits)
}

fn send(url: &str, body: Option<&[u8]>, limits: Limits) -> Result<Response, Error> {
    send_unchecked(url, body, limits).and_then(check_status)
}

fn send_unchecked(url: &str, body: Option<&[u8]>, limits: Limits) -> Result<Response, Error> {
    let request = format!("{} {url}", if body.is_some() { "POST" } else { "GET" });
    let fail = |message: String| Error::Fetch { request: request.clone(), message };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(fail("expected an http:// or https:// URL".into()));
    }
    let client = reqwest::blocking::Client::builder()
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::limited(MAX_FETCH_REDIRECTS))
        .build()
        .map_err(|e| fail(format!("cannot set up the HTTP client: {e}")))?;
    let builder = match body {
        None => client.get(url),
        Some(b) => client.post(url).header("content-type", "application/json").body(b.to_vec()),
    };
    let mut resp = builder.send().map_err(|e| fail(describe_reqwest(&e)))?;
    let status = resp.status().as_u16();
    let headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    if resp.content_length().is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limits.max_bytes)) {
        return Err(fail(too_large(limits.max_bytes)));
    }
    let mut out = Vec::new();
    let cap = u64::try_from(limits.max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    (&mut resp).take(cap).read_to_end(&mut out).map_err(|e| fail(format!("reading the body failed{}", chain(&e))))?;
    if out.len() > limits.max_bytes {
        return Err(fail(too_large(limits.max_bytes)));
    }
    Ok(Response { request: request.clone(), status, headers, body: out })
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_redirect() {
        format!("too many redirects (more than {MAX_FETCH_REDIRECTS})")
    } else {
        "request failed".to_string()
    };
    // The source chain says why (DNS, refused, TLS certificate, …).
    if let Some(s) = std::error::Error::source(e) {
        text.push_str(&chain(s));
    }
    text
}

/// `: a: b: c` for an error and its sources (the innermost says what happened).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = format!(": {e}");
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn too_large(max: usize) -> String {
    format!("the response is larger than {} (MAX_FETCH_BYTES)", crate::error::count(max, "byte"))
}

fn check_status(r: Response) -> Result<Response, Error> {
    if (200..300).contains(&r.status) {
        return Ok(r);
    }
    let head: String = String::from_utf8_lossy(&r.body).chars().take(200).collect();
    let detail = if head.trim().is_empty() { String::new() } else { format!(": {}", head.trim()) };
    Err(r.error(format!("HTTP status {}{detail}", r.status)))
}

/// Status, headers (names in lower case) and body of a response read off a socket.
type RawResponse = (u16, Vec<(String, String)>, Vec<u8>);

/// A request to a guest agent on a Unix socket: `socket` is the file path, `path` the HTTP path.
/// POST with a JSON body when `body` is given, else GET.
pub fn unix(socket: &str, path: &str, body: Option<&[u8]>, limits: Limits) -> Result<Response, Error> {
    let request = format!("{} unix://{socket} {path}", if body.is_some() { "POST" } else { "GET" });
    let fail = |message: String| Error::Fetch { request: request.clone(), message };
    unix_exchange(socket, path, body, limits)
        .map_err(fail)
        .and_then(|(status, headers, body)| check_status(Response { request: request.clone(), status, headers, body }))
}

#[cfg(unix)]
fn unix_exchange(socket: &str, path: &str, body: Option<&[u8]>, limits: Limits) -> Result<RawResponse, String> {
    use std::os::unix::net::UnixStream;
    let mut stream = UnixStream::connect(socket).map_err(|e| format!("cannot connect: {e}"))?;
    let timeout = Some(limits.timeout);
    stream.set_read_timeout(timeout).and_then(|_| stream.set_write_timeout(timeout)).map_err(|e| e.to_string())?;
    let mut req = format!(
        "{} {path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n",
        if body.is_some() { "POST" } else { "GET" }
    )
    .into_bytes();
    if let Some(b) = body {
        req.extend_from_slice(format!("Content-Type: application/json\r\nContent-Length: {}\r\n", b.len()).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&req).map_err(|e| format!("sending the request failed: {e}"))?;
    let cap = limits.max_bytes.saturating_add(MAX_FETCH_HEAD_BYTES);
    let mut raw = Vec::new();
    let read = (&mut stream).take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1)).read_to_end(&mut raw);
    match read {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            return Err(format!("timed out after {} s", limits.timeout.as_secs()));
        }
        Err(e) => return Err(format!("reading the response failed: {e}")),
    }
    if raw.len() > cap {
        return Err(too_large(limits.max_bytes));
    }
    parse_http_response(&raw, limits.max_bytes)
}

#[cfg(not(unix))]
fn unix_exchange(_socket: &str, _path: &str, _body: Option<&[u8]>, _limits: Limits) -> Result<RawResponse, String> {
    Err("Unix sockets are not available on this platform".into())
}

/// Parses a whole HTTP/1.1 response read until the server closed the connection.
fn parse_http_response(raw: &[u8], max_body: usize) -> Result<RawResponse, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("expected an HTTP response head, found {} bytes without one", raw.len()))?;
    if end > MAX_FETCH_HEAD_BYTES {
        return Err(format!("the response head is larger than {MAX_FETCH_HEAD_BYTES} bytes"));
    }
    let head = std::str::from_utf8(raw.get(..end).unwrap_or_default()).map_err(|_| "the response head is not text")?;
    let body = raw.get(end.saturating_add(4)..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    if !version.starts_with("HTTP/1.") {
        return Err(format!(
            "expected an HTTP/1.x status line, found `{}`",
            status_line.chars().take(60).collect::<String>()
        ));
    }
    let status: u16 = code.parse().map_err(|_| format!("expected a status code, found `{code}`"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (k, v) = line.split_once(':').ok_or_else(|| format!("malformed header line `{line}`"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let body = if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(body, max_body)?
    } else if let Some(len) = header("content-length") {
        let len: usize = len.parse().map_err(|_| format!("expected a Content-Length, found `{len}`"))?;
        if len > max_body {
            return Err(too_large(max_body));
        }
        match body.get(..len) {
            Some(b) => b.to_vec(),
            None => return Err(format!("truncated body: Content-Length {len}, received {} bytes", body.len())),
        }
    } else {
        body.to_vec()
    };
    if body.len() > max_body {
        return Err(too_large(max_body));
    }
    Ok((status, headers, body))
}

/// Decodes a chunked body (RFC 9112 §7.1); trailers are ignored.
fn dechunk(mut data: &[u8], max_body: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").ok_or("truncated chunked body")?;
        let size_text = std::str::from_utf8(data.get(..line_end).unwrap_or_default()).map_err(|_| "bad chunk size")?;
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size `{size_hex}`"))?;
        data = data.get(line_end.saturating_add(2)..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(size) > max_body {
            return Err(too_large(max_body));
        }
        let chunk = data.get(..size).ok_or("truncated chunked body")?;
        out.extend_from_slice(chunk);
        data = data.get(size..).and_then(|d| d.strip_prefix(b"\r\n")).ok_or("truncated chunked body")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_length_and_chunked_bodies() {
        let (s, h, b) =
            parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\n{}", 10).unwrap_or_default();
        assert_eq!((s, b.as_slice()), (200, b"{}".as_slice()));
        assert!(h.contains(&("x-a".to_string(), "b".to_string())));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(chunked, 10).map(|r| r.2), Ok(b"abcde".to_vec()));
    }

    #[test]
    fn refuses_truncated_oversized_and_malformed() {
        let e = parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 10);
        assert!(e.is_err_and(|m| m.contains("truncated body")));
        let e = parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nab", 10);
        assert!(e.is_err_and(|m| m.contains("MAX_FETCH_BYTES")));
        let e = parse_http_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 10);
        assert!(e.is_err_and(|m| m.contains("truncated chunked")));
        assert!(parse_http_response(b"SSH-2.0\r\n\r\n", 10).is_err());
        assert!(parse_http_response(b"HTTP/1.1 200 OK\r\n", 10).is_err());
    }
}
