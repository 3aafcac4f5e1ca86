//! `provenance`: read the artifact, the key, the bundles and the trusted roots a checked
//! request names, then run the library's `provenance::command::run` and render its view.

use dstack_audit::error::{Error, Location};
use dstack_audit::provenance::bundle::check_key_pem;
use dstack_audit::provenance::command::{run as run_provenance, ProvenanceConfig};
use dstack_audit::provenance::{split_bundles, Artifact, BundleInput, TrustRoots};
use dstack_audit::report::human;

use super::config::{ArtifactSpec, ProvenanceRequest};
use super::input::{read_artifact, read_input};
use super::render::render;
use super::Outcome;

/// Exit 0 verified, 1 rejected.
pub(super) fn run(r: &ProvenanceRequest) -> Result<Outcome, Error> {
    let artifact = match &r.artifact {
        ArtifactSpec::Digest(a) => a.clone(),
        ArtifactSpec::File(path) => Artifact::Bytes(read_artifact(path)?),
    };
    let mut policy = r.policy.clone();
    if let Some(path) = &r.key {
        let f = read_input(path)?;
        check_key_pem(&f.bytes).map_err(|m| Error::Input {
            input: f.name.clone(),
            at: Location::Whole,
            expected: "a PEM public key".into(),
            found: m,
        })?;
        policy.key = Some(f.bytes);
        policy.validate().map_err(Error::Usage)?;
    }
    let bundles = bundles(&r.bundles)?;
    let roots = if r.trusted_roots.is_empty() {
        TrustRoots::embedded().map_err(|e| e.in_input("the embedded Sigstore roots"))?
    } else {
        let files =
            r.trusted_roots.iter().map(|p| read_input(p).map(|f| (f.name, f.bytes))).collect::<Result<Vec<_>, _>>()?;
        TrustRoots::from_files(&files)?
    };
    let config = ProvenanceConfig::new(artifact, r.image.clone(), policy, bundles, roots)?;
    let view = run_provenance(&config);
    Ok((render(r.format, &view, human::provenance_doc), view.exit_code()))
}

/// The bundles of every file, at most `MAX_BUNDLES` in all (checked while reading, so a long
/// list of files stops early).
fn bundles(paths: &[String]) -> Result<Vec<BundleInput>, Error> {
    use dstack_audit::limits::MAX_BUNDLES;
    let mut bundles = Vec::new();
    for path in paths {
        let f = read_input(path)?;
        bundles.extend(split_bundles(&f.name, &f.bytes)?);
        if bundles.len() > MAX_BUNDLES {
            return Err(Error::Usage(format!("more than {MAX_BUNDLES} bundles in all (MAX_BUNDLES)")));
        }
    }
    Ok(bundles)
}
