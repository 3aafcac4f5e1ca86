//! `reference init`: a reference file written from a known-good deployment, for release
//! checklists. Every value is taken from verified evidence only — the quote after DCAP, the
//! runtime events after RTMR3 replays, the compose file after its hash matches, the launcher's
//! identity from a bundle that verifies for the attested digest — and `sources` records where
//! each came from. The safe defaults stay (TCB `UpToDate`, GitHub-hosted runner, exact ref):
//! weakening one is left to the person who signs off the reference.

use serde_json::Value;

use crate::checks::launcher::AttestedCompose;
use crate::checks::DcapObservation;
use crate::compose::docker_compose::{ComposeFile, ImageRef};
use crate::compose::git_launcher::{DEFAULT_CONFIG_PATH, DEFAULT_ENTRYPOINT};
use crate::dcap::tcb_info::TcbStatus;
use crate::error::Error;
use crate::evidence::Sources;
use crate::pipeline::authenticate::attested_compose;
use crate::pipeline::{appraise::workload_pin, observe::git_launcher_image, parse_and_authenticate, prepare};
use crate::pipeline::{Prepared, Settings};
use crate::reference::model::{
    DstackSection, KeyProviderSection, OneOrMany, ReferenceFile, SourceNotes, TcbSection, TdxSection,
};
use crate::reference::{LauncherExpect, ProvenanceExpect, Reference, TcbPolicy, WorkloadExpect};
use crate::signature::{
    verify_all, FormatRecord, ImageDigest, SignatureInputs, SignatureTrust, VerifiedImageSignature,
};

/// A written reference: the JSON document, and what could not be taken (for stderr).
#[derive(Debug, Clone)]
pub struct Derived {
    pub reference: Value,
    pub warnings: Vec<String>,
}

/// Builds the reference. `launcher_image` names the launcher's repository when the bundles
/// cannot tell which service it is.
pub fn init(sources: &Sources, settings: &Settings, launcher_image: Option<&str>) -> Result<Derived, Error> {
    let prepared = prepare(settings)?;
    let (observed, authenticated) = parse_and_authenticate(sources, &prepared, settings)?;
    let dcap = &authenticated.dcap;
    let refuse = |why: String| Error::Usage(format!("reference init: {why}: only verified values are written"));
    let quote = match &dcap.outcome.quote {
        Ok(q) => q,
        Err(e) => return Err(refuse(format!("the quote does not verify ({e})"))),
    };
    let runtime = authenticated
        .runtime
        .as_ref()
        .map_err(|_| refuse("the runtime events are not measured (no event log, or RTMR3 does not replay)".into()))?;
    if let Some(a) = runtime.anomalies().first() {
        return Err(refuse(format!("the runtime events are irregular ({a}), so check 1 fails")));
    }
    let m = runtime.measurements();
    let quote_at = observed.quote_origin.to_string();
    let mut w = Writer { doc: ReferenceFile::new(), sources: SourceNotes::default(), warnings: Vec::new() };

    let b = quote.td_report();
    let one = |bytes: &[u8]| Some(OneOrMany::Many(vec![hex::encode(bytes)]));
    w.doc.tdx =
        Some(TdxSection { mrtd: one(&b.mr_td), rtmr0: one(&b.rtmr0), rtmr1: one(&b.rtmr1), rtmr2: one(&b.rtmr2) });
    for key in ["mrtd", "rtmr0", "rtmr1", "rtmr2"] {
        w.source(&format!("tdx.{key}"), &format!("the quote's TD report ({quote_at})"));
    }
    tcb(dcap, &mut w);

    let mut dstack = DstackSection::default();
    for (key, value, slot) in [
        ("os_image_hash", &m.os_image_hash, &mut dstack.os_image_hash),
        ("compose_hash", &m.compose_hash, &mut dstack.compose_hash),
        ("app_id", &m.app_id, &mut dstack.app_id),
    ] {
        match value {
            Some(v) => {
                *slot = one(v.as_ref());
                w.source(
                    &format!("dstack.{key}"),
                    &format!("the {} runtime event (RTMR3 replays)", key.replace('_', "-")),
                );
            }
            None => w.warnings.push(format!("dstack.{key}: no measured event; left out (any value will be accepted)")),
        }
    }
    if let Some(k) = &m.key_provider {
        let id = Some(k.id.clone()).filter(|id| !id.is_empty());
        dstack.key_provider = Some(KeyProviderSection { name: k.name.clone(), id });
        w.source("dstack.key_provider", "the key-provider runtime event (RTMR3 replays)");
    }
    w.doc.dstack = Some(dstack);

    let compose = attested_compose(&observed, &authenticated);
    match &compose {
        AttestedCompose::Attested { compose: file, source, .. } => {
            let launcher = launcher(file, &prepared, settings, launcher_image, source, &mut w)?;
            workload_section(&compose, launcher, &mut w);
            script_pins(&compose, &mut w);
        }
        AttestedCompose::NotAttested(why) | AttestedCompose::Unreadable(why) => {
            w.warnings.push(format!("no launcher or workload section: the compose file cannot be used ({why})"));
        }
    }
    w.doc.sources = Some(w.sources);
    let reference = serde_json::to_value(&w.doc).map_err(|e| Error::Usage(format!("reference init: {e}")))?;
    let mut warnings = w.warnings;
    self_check(sources, settings, &reference, &mut warnings)?;
    Ok(Derived { reference, warnings })
}

/// Runs `verify` with the new reference on the same inputs and says which checks would not pass.
fn self_check(
    sources: &Sources,
    settings: &Settings,
    reference: &Value,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let text = serde_json::to_vec(reference).map_err(|e| Error::Usage(format!("reference init: {e}")))?;
    let parsed = crate::reference::parse_reference(&text, "the new reference")?;
    let report = crate::verify(sources, &parsed, None, settings)?;
    for c in report.checks.iter().filter(|c| c.status != crate::report::Status::Pass) {
        warnings.push(format!(
            "with this reference, `verify` gives {} for {}: {}",
            c.status.label(),
            c.id.title(),
            c.summary
        ));
    }
    Ok(())
}

/// The reference being written (the serde model, serialised once at the end), where each value
/// came from, and what could not be taken.
struct Writer {
    doc: ReferenceFile,
    sources: SourceNotes,
    warnings: Vec<String>,
}

impl Writer {
    fn source(&mut self, path: &str, from: &str) {
        self.sources.set(path, from);
    }
}

/// The default TCB policy, written from `TcbPolicy::default()` so that only names of Intel's
/// status set (and never `Revoked`) reach the file; a platform that is not UpToDate is reported,
/// not accepted.
fn tcb(dcap: &DcapObservation, w: &mut Writer) {
    let policy = TcbPolicy::default();
    w.doc.tcb = Some(TcbSection {
        allowed_statuses: Some(policy.allowed_statuses.clone()),
        allowed_advisories: Some(policy.allowed_advisories.clone()),
    });
    w.source("tcb", "the default policy (UpToDate, no advisories)");
    match &dcap.outcome.tcb {
        Some(Ok(t)) if policy.allowed_statuses.contains(&t.status) && t.advisory_ids.is_empty() => {}
        Some(Ok(t)) if t.status == TcbStatus::Revoked => w.warnings.push(
            "the platform's TCB status is Revoked: `verify` will fail, and no tcb.allowed_statuses can accept it".into(),
        ),
        Some(Ok(t)) => w.warnings.push(format!(
            "the platform's TCB status is {} (advisories: {}): `verify` will fail until it is UpToDate, unless you widen tcb.allowed_statuses / allowed_advisories knowingly",
            t.status.as_str(),
            if t.advisory_ids.is_empty() { "none".to_string() } else { t.advisory_ids.join(", ") }
        )),
        _ => w.warnings.push("the TCB status is unknown (no usable collateral): give --collateral".into()),
    }
}

/// Finds the launcher service and writes `launcher`; returns its image.
fn launcher(
    file: &ComposeFile,
    prepared: &Prepared,
    settings: &Settings,
    named: Option<&str>,
    source: &str,
    w: &mut Writer,
) -> Result<Option<ImageRef>, Error> {
    let pinned: Vec<&ImageRef> =
        file.services.iter().filter_map(|s| s.image.as_ref()).filter(|i| i.is_pinned()).collect();
    // A signature that verifies for a service's digest identifies the launcher.
    let signatures = verify_all(
        &SignatureInputs { bundles: &prepared.bundles },
        &SignatureTrust { sigstore: &prepared.roots },
        settings.at,
    );
    let verified: Vec<&VerifiedImageSignature> = signatures.results().iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut found: Option<(ImageRef, &VerifiedImageSignature)> = None;
    for image in &pinned {
        if named.is_some_and(|n| !image.matches_repository(n)) {
            continue;
        }
        let Some(digest) = image.digest.as_ref().filter(|d| d.algorithm == "sha256") else { continue };
        let Ok(sha) = crate::bytes::decode_hex_array::<32>(&digest.hex, "digest") else { continue };
        let pinned_digest = ImageDigest::new(sha);
        if let Some(s) = verified.iter().find(|s| s.covering(&pinned_digest).is_some()) {
            found = Some(((*image).clone(), s));
            break;
        }
    }
    let image = match (&found, named) {
        (Some((i, _)), _) => Some(i.clone()),
        (None, Some(n)) => {
            let i = file.services.iter().filter_map(|s| s.image.as_ref()).find(|i| i.matches_repository(n));
            if i.is_none() {
                return Err(Error::Usage(format!("reference init: no service of {source} runs {n}")));
            }
            i.cloned()
        }
        (None, None) => git_launcher_image(file),
    };
    let Some(image) = image else {
        w.warnings.push(
            "no launcher section: no bundle verifies for a pinned image and no git-launcher service was found (name it with --launcher-image)".into(),
        );
        return Ok(None);
    };
    let mut launcher = LauncherExpect { image: image.name(), provenance: None, signers: None };
    w.source("launcher.image", &format!("the service running {} in {source}", image.raw));
    match found.as_ref().map(|(_, s)| s.record()) {
        Some(FormatRecord::Sigstore(s)) => {
            let own = |v: Option<&str>| v.map(str::to_string);
            launcher.provenance = Some(ProvenanceExpect {
                issuer: own(s.issuer()),
                repository: own(s.repository()),
                signer_workflow: s.workflow().map(|wf| wf.rsplit_once('@').map_or(wf, |(w, _)| w).to_string()),
                source_ref: s.source_ref().map(|r| vec![r.to_string()]),
                source_commit: None,
                repository_id: own(s.repository_id()),
                owner_id: own(s.owner_id()),
                allow_self_hosted_runner: None,
            });
            w.source(
                "launcher.provenance",
                &format!(
                    "the certificate of {} (verified for {}; signed {})",
                    s.source(),
                    image.raw,
                    s.signing_time_text()
                ),
            );
            if s.runner().is_some_and(|r| r != "github-hosted") {
                w.warnings.push("the launcher was built on a self-hosted runner: `verify` refuses it unless launcher.provenance.allow_self_hosted_runner is set".into());
            }
            if let Some(r) = s.source_ref().filter(|r| r.starts_with("refs/pull/")) {
                w.warnings.push(format!(
                    "the launcher was built from a pull-request ref ({r}); the reference allows exactly that ref"
                ));
            }
        }
        None => w.warnings.push(format!(
            "launcher.provenance left out: no --bundle verifies for {} (check 2 will be not checked)",
            image.raw
        )),
    }
    w.doc.launcher = Some(launcher);
    Ok(Some(image))
}

/// Pins the app-compose's `pre_launch_script` and `init_script` (decision 59: in both modes),
/// hashed as check 3 hashes them, and asks the auditor to read them: they run as root.
fn script_pins(compose: &AttestedCompose, w: &mut Writer) {
    use sha2::{Digest, Sha256};
    let Ok((_, _, app)) = compose.usable() else { return };
    let hash = |t: &String| hex::encode(Sha256::digest(t.as_bytes()));
    let mut pins = Vec::new();
    if let Some(t) = &app.pre_launch_script_text {
        let section = w.doc.workload.get_or_insert_with(WorkloadExpect::default);
        section.pre_launch_script_sha256 = Some(hash(t));
        pins.push(("pre_launch_script_sha256", "the attested app-compose's pre_launch_script"));
    }
    if let Some(ts) = &app.init_script_texts {
        let section = w.doc.workload.get_or_insert_with(WorkloadExpect::default);
        section.init_script_sha256 = Some(ts.iter().map(hash).collect());
        pins.push(("init_script_sha256", "the attested app-compose's init_script"));
    }
    for (key, from) in pins {
        w.source(&format!("workload.{key}"), from);
        w.warnings.push(format!(
            "workload.{key} pins {from}, which dstack sources as root before the services start: read it \
             (`dstack-audit inspect`) before you rely on this reference"
        ));
    }
}

/// Writes `workload` (git-launcher) or `images` (image-pinned) from what check 3 observes.
fn workload_section(compose: &AttestedCompose, launcher: Option<ImageRef>, w: &mut Writer) {
    let mut probe = Reference::none();
    probe.launcher = launcher.map(|i| LauncherExpect::image_only(i.name()));
    let (result, obs) = workload_pin(compose, &probe);
    if let Some(c) = &obs.config {
        // INSTALL_CMD only counts in advanced mode (with RUN_CMD), so only then is it pinned.
        let install_cmd = c.run_cmd.as_ref().and(c.install_cmd.clone());
        let v = WorkloadExpect {
            repo_url: Some(c.repo_url.clone()),
            commit_sha: Some(c.commit_sha.clone()),
            repo_subdir: c.repo_subdir.clone(),
            entrypoint_script: Some(c.entrypoint_script.clone()),
            run_cmd: c.run_cmd.clone(),
            install_cmd,
            config_path: obs.config_path.clone().filter(|p| p != DEFAULT_CONFIG_PATH),
            ..WorkloadExpect::default()
        };
        if c.entrypoint_script == DEFAULT_ENTRYPOINT && c.repo_subdir.is_none() {
            w.source("workload", "the attested git-launcher config (default entry script)");
        } else {
            w.source("workload", "the attested git-launcher config");
        }
        w.doc.workload = Some(v);
    } else if let Some(images) = &obs.images {
        let mut unique: Vec<String> = Vec::new();
        for i in images {
            if !unique.contains(i) {
                unique.push(i.clone());
            }
        }
        w.doc.images = Some(unique);
        w.source("images", "the attested compose file (every service pinned by digest)");
    } else {
        let why: Vec<String> = result
            .findings
            .iter()
            .filter(|f| f.outcome != crate::report::Outcome::Pass)
            .map(|f| f.message.clone())
            .collect();
        w.warnings.push(format!("no workload or images section: {}", why.join("; ")));
    }
}
