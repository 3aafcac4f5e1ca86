//! `fetch attestation`, `collateral` and `bundle` (the `fetch` feature): the library's
//! `fetch` module gets the bytes; each result is checked to be readable by `verify` and then
//! printed or written whole to `--output`.

use dstack_audit::error::Error;
use dstack_audit::evidence::{InputFile, Sources};
use dstack_audit::fetch::{self as net, bundle as oci, http};
use dstack_audit::report::json;

use super::config::{FetchAttestationConfig, FetchBundleConfig, FetchCollateralConfig};
use super::input::now;
use super::show::observe;
use super::Outcome;

/// `fetch attestation`: the assembled attestation, checked to be readable by `verify`.
pub(super) fn attestation(c: &FetchAttestationConfig) -> Result<Outcome, Error> {
    let limits = http::Limits { timeout: c.timeout, ..http::Limits::default() };
    let doc = net::attestation::fetch(&c.url, c.report_data.as_deref(), limits, now()?)?;
    let text = json::render(&doc);
    let name = c.output.as_ref().map_or_else(|| "the fetched attestation".to_string(), |p| p.display().to_string());
    let sources =
        Sources { attestation: Some(InputFile { name, bytes: text.clone().into_bytes() }), ..Sources::default() };
    dstack_audit::evidence::load(&sources)?;
    write_or_print(c.output.as_deref(), text)
}

/// `fetch collateral`: QuoteCollateralV3 JSON for the attestation's quote.
pub(super) fn collateral(c: &FetchCollateralConfig) -> Result<Outcome, Error> {
    let observed = observe(&c.evidence)?;
    let key = net::collateral::collateral_key(&observed.quote, &observed.quote_origin.input)?;
    let limits = http::Limits { timeout: c.timeout, ..http::Limits::default() };
    let doc = net::collateral::fetch(&c.pccs, &key, limits, now()?)?;
    dstack_audit::dcap::collateral::parse_collateral(&doc).map_err(|e| e.in_input("the fetched collateral"))?;
    let text = json::render(&doc);
    write_or_print(c.output.as_deref(), text)
}

/// `fetch bundle`: JSONL of the Sigstore bundles attached to the image.
pub(super) fn bundle(c: &FetchBundleConfig) -> Result<Outcome, Error> {
    let opts = oci::RegistryOptions { plain_http: c.plain_http, timeout: c.timeout, auth: oci::auth_from_env() };
    let found = oci::fetch(&c.image, &opts)?;
    if found.is_empty() {
        return Err(Error::Fetch {
            request: format!("fetch bundle {}", c.image),
            message: "no Sigstore bundle is attached to the image (no referrer with a bundle artifact type)".into(),
        });
    }
    let text = oci::to_jsonl(&found);
    let name = c.output.as_ref().map_or_else(|| "the fetched bundles".to_string(), |p| p.display().to_string());
    dstack_audit::provenance::split_bundles(&name, text.as_bytes())?;
    write_or_print(c.output.as_deref(), text)
}

/// The text on stdout, or written whole to `path` with a one-line confirmation.
fn write_or_print(path: Option<&std::path::Path>, text: String) -> Result<Outcome, Error> {
    match path {
        None => Ok((text, 0)),
        Some(path) => {
            net::write_atomically(path, text.as_bytes())?;
            Ok((format!("wrote {}\n", path.display()), 0))
        }
    }
}
