//! DER structure walking that the `der` crate does not offer: the exact bytes of a SEQUENCE's
//! elements (signatures cover exact bytes, never a re-encoding), and `der` errors as
//! `ParseError`s at their byte offset.

use der::{Reader, SliceReader};

use crate::error::{Location, ParseError};

/// The first `N` top-level elements (as whole TLVs) of the DER SEQUENCE that is all of `der`;
/// it must hold exactly `N` elements.
pub(crate) fn split_sequence<'a, const N: usize>(der: &'a [u8], what: &str) -> Result<[&'a [u8]; N], ParseError> {
    let items = sequence_items(der, what)?;
    let count = items.len();
    items.try_into().map_err(|_| ParseError::field(what, format!("a SEQUENCE of {N} elements"), format!("{count}")))
}

/// Every top-level element (as a whole TLV) of the DER SEQUENCE that is all of `der`.
pub(crate) fn sequence_items<'a>(der: &'a [u8], what: &str) -> Result<Vec<&'a [u8]>, ParseError> {
    let walk = || -> der::Result<Vec<&'a [u8]>> {
        let mut reader = SliceReader::new(der)?;
        let items = reader.sequence(|inner| -> der::Result<Vec<&'a [u8]>> {
            let mut items = Vec::new();
            while !inner.is_finished() {
                items.push(inner.tlv_bytes()?);
            }
            Ok(items)
        })?;
        reader.finish()?;
        Ok(items)
    };
    walk().map_err(|e| der_error(&e, &format!("a DER SEQUENCE ({what})")))
}

/// A `der` decoding error as a ParseError at its byte offset.
pub(crate) fn der_error(e: &der::Error, expected: &str) -> ParseError {
    let at = e.position().and_then(|p| usize::try_from(p).ok()).map_or(Location::Whole, Location::Offset);
    ParseError::new(at, expected, e.kind().to_string())
}
