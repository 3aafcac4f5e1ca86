//! PEM certificate chains (RFC 7468), as quotes and collateral carry them.

use super::Certificate;
use crate::error::ParseError;
use crate::limits::{MAX_CERTS_IN_CHAIN, MAX_PEM_CHAIN_BYTES};

const PEM_BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const PEM_END: &[u8] = b"-----END CERTIFICATE-----";

/// Parses a PEM chain (`-----BEGIN CERTIFICATE-----` blocks, in order). Whitespace between and
/// after blocks and trailing NUL bytes (quotes NUL-terminate their PEM blob) are tolerated;
/// anything else outside the blocks is an error. `what` names the input for errors.
pub fn parse_pem_chain(text: &[u8], what: &str) -> Result<Vec<Certificate>, ParseError> {
    if text.len() > MAX_PEM_CHAIN_BYTES {
        return Err(ParseError::field(
            what,
            format!("a PEM chain of at most {MAX_PEM_CHAIN_BYTES} bytes"),
            format!("{} bytes", text.len()),
        ));
    }
    let body_end = text.iter().rposition(|b| *b != 0).map_or(0, |i| i.saturating_add(1));
    let body = text.get(..body_end).unwrap_or_default();
    let mut certs = Vec::new();
    let mut pos = 0usize;
    while let Some((start, end)) = next_pem_block(body, pos, what)? {
        if certs.len() >= MAX_CERTS_IN_CHAIN {
            return Err(ParseError::field(what, format!("at most {MAX_CERTS_IN_CHAIN} certificates"), "more"));
        }
        let field = format!("{what}[{}]", certs.len());
        certs.push(decode_pem_certificate(body.get(start..end).unwrap_or_default(), &field)?);
        pos = end;
    }
    if certs.is_empty() {
        return Err(ParseError::field(what, "at least one PEM certificate", "none"));
    }
    Ok(certs)
}

/// The byte range of the next `BEGIN … END CERTIFICATE` block at or after `pos`, skipping
/// whitespace; `None` at the end of the text.
fn next_pem_block(body: &[u8], pos: usize, what: &str) -> Result<Option<(usize, usize)>, ParseError> {
    let rest = body.get(pos..).unwrap_or_default();
    let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let start = pos.saturating_add(skip);
    let rest = body.get(start..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let at = format!("{what} (byte {start})");
    if !rest.starts_with(PEM_BEGIN) {
        let head = String::from_utf8_lossy(rest.get(..rest.len().min(30)).unwrap_or_default()).into_owned();
        return Err(ParseError::field(at, "`-----BEGIN CERTIFICATE-----`", crate::error::describe(&head)));
    }
    let len = find(rest, PEM_END)
        .ok_or_else(|| ParseError::field(at.as_str(), "`-----END CERTIFICATE-----`", "the end of the text"))?
        .saturating_add(PEM_END.len());
    Ok(Some((start, start.saturating_add(len))))
}

/// One PEM block's base64 (RFC 7468) to a certificate.
fn decode_pem_certificate(block: &[u8], field: &str) -> Result<Certificate, ParseError> {
    let (label, der) =
        der::pem::decode_vec(block).map_err(|e| ParseError::field(field, "a valid PEM block", e.to_string()))?;
    if label != "CERTIFICATE" {
        return Err(ParseError::field(field, "label CERTIFICATE", label.to_string()));
    }
    Certificate::from_der(&der).map_err(|e| e.within(field))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
