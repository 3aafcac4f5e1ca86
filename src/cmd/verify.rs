//! `verify` and `reference init`: read the evidence, the reference and the trust material, run
//! the library, render the report (or write the reference).

use dstack_audit::error::Error;
use dstack_audit::reference::{parse_reference, Reference};
use dstack_audit::report::{human, json};

use super::config::{InitConfig, VerifyConfig};
use super::input::{read_input, settings, sources};
use super::render::render;
use super::Outcome;

/// `verify`: the report, with the verdict's exit code.
pub(super) fn verify(c: &VerifyConfig) -> Result<Outcome, Error> {
    let sources = sources(&c.evidence)?;
    let reference_file = c.reference.as_deref().map(read_input).transpose()?;
    let mut reference = match &reference_file {
        Some(f) => parse_reference(&f.bytes, &f.name)?,
        None => Reference::none(),
    };
    if let Some(nonce) = c.nonce {
        reference.nonce = Some(nonce);
    }
    let settings = settings(&c.trust, c.workload_repo.clone())?;
    if let Some(dir) = settings.workload_repo.as_ref().filter(|d| !d.is_dir()) {
        return Err(Error::Io {
            input: dir.display().to_string(),
            message: "--workload-repo must name a directory (a local clone of the workload repository)".into(),
        });
    }
    let report = dstack_audit::verify(&sources, &reference, reference_file.as_ref(), &settings)?;
    let code = report.verdict.exit_code();
    Ok((render(c.format, &report, human::verify_doc), code))
}

/// `reference init`: the reference on stdout (or `--output`), what was left out on stderr.
pub(super) fn reference_init(c: &InitConfig) -> Result<Outcome, Error> {
    let settings = settings(&c.trust, None)?;
    let derived = dstack_audit::reference_init::init(&sources(&c.evidence)?, &settings, c.launcher_image.as_deref())?;
    let text = json::render(&derived.reference);
    for w in &derived.warnings {
        eprintln!("dstack-audit: reference init: warning: {w}");
    }
    match &c.output {
        None => Ok((text, 0)),
        Some(path) => {
            std::fs::write(path, text.as_bytes())
                .map_err(|e| Error::Io { input: path.display().to_string(), message: e.to_string() })?;
            Ok((format!("wrote {}\n", path.display()), 0))
        }
    }
}
