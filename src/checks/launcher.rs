//! Check 2 — launcher provenance (SPEC §1, check 2): the launcher image pinned by digest in the
//! attested compose file has a valid Sigstore build-provenance bundle from the expected workflow.
//!
//! Order: the compose file must be attested (its app-compose hash is the measured one); the
//! launcher is the service whose image repository is the reference's `launcher.image`; its image
//! must be pinned by `@sha256:`; then the bundles (`--bundle`) are verified against the trusted
//! roots with the reference's identity policy, and any one that satisfies it is enough.

use crate::compose::docker_compose::{ComposeFile, ImageRef};
use crate::provenance::{verify_provenance, Artifact, BundleInput, ProvenanceOutcome, ProvenancePolicy, TrustRoots};
use crate::reference::Reference;
use crate::report::{CheckId, CheckResult, Finding};

/// The compose file as check 2 (and 3) may use it.
// Built once per verification: its size does not matter, and boxing would burden every caller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AttestedCompose {
    /// Its app-compose hashes to the measured compose-hash.
    Attested { compose: ComposeFile, source: String, app: AppSettings },
    /// Why it cannot be relied on.
    NotAttested(String),
    /// It is attested but cannot be read.
    Unreadable(String),
}

impl AttestedCompose {
    /// The compose file, its source and settings when attested; else the finding that says why
    /// a check cannot rely on it (not checked when unattested, a failure when unreadable).
    pub fn usable(&self) -> Result<(&ComposeFile, &str, &AppSettings), Finding> {
        match self {
            AttestedCompose::Attested { compose, source, app } => Ok((compose, source, app)),
            AttestedCompose::NotAttested(why) => {
                Err(Finding::not_checked("compose-not-attested", format!("the compose file is not attested: {why}")))
            }
            AttestedCompose::Unreadable(why) => Err(Finding::fail(
                "compose-unreadable",
                format!("the attested docker_compose_file cannot be read: {why}"),
            )),
        }
    }
}

/// The attested app-compose settings (beside the compose file) that check 3 needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSettings {
    /// `allowed_envs`: variables the deployer may set at deploy time.
    pub allowed_envs: Vec<String>,
    /// A `pre_launch_script` runs before Compose starts the services.
    pub pre_launch_script: bool,
    /// An `init_script` runs in the CVM during boot.
    pub init_script: bool,
    /// `runner`, as written (`docker-compose`, `nerdctl-compose`, `bash`); `None` when absent.
    pub runner: Option<String>,
    /// The `pre_launch_script` text, when it is a string.
    pub pre_launch_script_text: Option<String>,
    /// The `init_script` texts in order (a string is one), when they are strings.
    pub init_script_texts: Option<Vec<String>>,
}

/// What check 2 established, for the report.
#[derive(Debug, Clone, Default)]
pub struct LauncherObservation {
    pub image: Option<ImageRef>,
    pub outcome: Option<ProvenanceOutcome>,
}

pub fn check(
    compose: &AttestedCompose,
    reference: &Reference,
    bundles: &[BundleInput],
    roots: &TrustRoots,
) -> (CheckResult, LauncherObservation) {
    let mut f = Vec::new();
    let observation = evaluate(compose, reference, bundles, roots, &mut f);
    let summary = observation.outcome.as_ref().and_then(|o| o.accepted()).map(|s| {
        format!(
            "launcher {} was built by {} ({}) — bundle {}",
            observation.image.as_ref().map(|i| i.raw.as_str()).unwrap_or("?"),
            s.workflow.as_deref().unwrap_or("?"),
            s.source_ref.as_deref().unwrap_or("?"),
            s.source
        )
    });
    let result = CheckResult::from_findings(CheckId::Launcher, f);
    let result = match summary {
        Some(s) => result.with_pass_summary(s),
        None => result,
    };
    (result, observation)
}

fn evaluate(
    compose: &AttestedCompose,
    reference: &Reference,
    bundles: &[BundleInput],
    roots: &TrustRoots,
    f: &mut Vec<Finding>,
) -> LauncherObservation {
    let mut obs = LauncherObservation::default();
    let Some(expect) = &reference.launcher else {
        f.push(Finding::not_checked(
            "launcher-expectation-missing",
            "the reference has no `launcher` section: which image is the launcher, and who must have built it, is not known",
        ));
        return obs;
    };
    let (compose, source) = match compose.usable() {
        Ok((compose, source, app)) => {
            // The runner decides whether the compose file, and so the launcher, runs at all.
            if !crate::checks::runner::runner_runs_compose(app.runner.as_deref(), f) {
                return obs;
            }
            (compose, source)
        }
        Err(why) => {
            f.push(why);
            return obs;
        }
    };
    // The launcher service is found in the effective-deployment model alone: what Compose runs
    // after `!reset`, merge keys and anchors, with each literal image read as Docker reads it.
    let effective = match crate::deployment::model::model(&compose.text) {
        Ok(m) => m,
        Err(e) => {
            f.push(Finding::fail(
                "compose-unreadable",
                format!("the attested docker_compose_file cannot be read: {e}"),
            ));
            return obs;
        }
    };
    let images: Vec<(&str, ImageRef)> = effective
        .services
        .iter()
        .filter_map(|s| {
            let literal = s.image.as_ref().and_then(|t| t.literal())?;
            ImageRef::parse(literal).ok().map(|i| (s.name.as_str(), i))
        })
        .collect();
    let launchers: Vec<(&str, &ImageRef)> =
        images.iter().filter(|(_, i)| i.matches_repository(&expect.image)).map(|(s, i)| (*s, i)).collect();
    let (service, image) = match launchers.as_slice() {
        [] => {
            f.push(
                Finding::fail("launcher-service-missing", format!("no service of {source} runs the launcher image"))
                    .expected(expect.image.clone())
                    .actual(image_list(&effective)),
            );
            return obs;
        }
        [one] => *one,
        many => {
            let distinct: Vec<&str> = many.iter().map(|(_, i)| i.raw.as_str()).collect();
            if distinct.windows(2).any(|w| matches!(w, [a, b] if a != b)) {
                f.push(Finding::fail(
                    "launcher-ambiguous",
                    format!(
                        "several services run the launcher image with different references: {}",
                        distinct.join(", ")
                    ),
                ));
                return obs;
            }
            match many.first() {
                Some(first) => *first,
                None => return obs,
            }
        }
    };
    obs.image = Some(image.clone());
    let Some(digest) = image.digest.as_ref().filter(|d| d.algorithm == "sha256") else {
        f.push(
            Finding::fail(
                "launcher-not-pinned",
                format!("service `{}` runs the launcher by tag: a tag is not a pin (the host's registry decides what it means)", service),
            )
            .expected(format!("{}@sha256:…", image.name()))
            .actual(image.raw.clone()),
        );
        return obs;
    };
    f.push(
        Finding::pass("launcher-pinned", format!("service `{}` runs the launcher pinned by digest", service))
            .actual(image.raw.clone()),
    );
    let Some(expect_provenance) = &expect.provenance else {
        f.push(Finding::not_checked(
            "launcher-policy-missing",
            "the reference has no `launcher.provenance`: the expected repository and workflow are not known",
        ));
        return obs;
    };
    let policy = ProvenancePolicy::from_reference(expect_provenance);
    if let Err(why) = policy.validate() {
        f.push(Finding::not_checked(
            "launcher-policy-missing",
            format!("`launcher.provenance` cannot decide who built the launcher: {why}"),
        ));
        return obs;
    }
    if bundles.is_empty() {
        f.push(Finding::not_checked(
            "launcher-bundle-missing",
            format!("no --bundle given: the provenance of {} is not checked", image.raw),
        ));
        return obs;
    }
    let Some(sha) = hex_32(&digest.hex) else {
        f.push(
            Finding::fail("launcher-not-pinned", "the launcher digest is not 32 bytes of hex")
                .actual(digest.hex.clone()),
        );
        return obs;
    };
    let outcome = verify_provenance(bundles, &Artifact::Sha256(sha), roots, &policy);
    match outcome.accepted() {
        Some(s) => f.push(
            Finding::pass(
                "launcher-provenance-verified",
                format!(
                    "{} verifies ({}, {}, signed {}): built from {} by {} at {}",
                    s.source,
                    s.root,
                    s.log,
                    s.signing_time_text(),
                    s.repository.as_deref().unwrap_or("?"),
                    s.workflow.as_deref().unwrap_or("?"),
                    s.source_ref.as_deref().unwrap_or("?")
                ),
            )
            .actual(format!("commit {}", s.source_commit.as_deref().unwrap_or("?"))),
        ),
        None => {
            for (source, result) in &outcome.attempts {
                if let Err(e) = result {
                    f.push(Finding::fail(e.code(), format!("{source}: {e}")));
                }
            }
            if outcome.attempts.is_empty() {
                f.push(Finding::fail("launcher-bundle-missing", "the bundle files hold no bundle"));
            }
        }
    }
    for w in &outcome.warnings {
        f.push(Finding::warn("launcher-provenance-warning", w.clone()));
    }
    obs.outcome = Some(outcome);
    obs
}

fn image_list(m: &crate::deployment::model::ComposeModel) -> String {
    let all: Vec<String> = m
        .services
        .iter()
        .map(|s| {
            let image = match &s.image {
                None => "(no image)",
                Some(t) => t.literal().unwrap_or(t.raw.as_str()),
            };
            format!("{}: {image}", s.name)
        })
        .collect();
    if all.is_empty() {
        "no services".into()
    } else {
        all.join(", ")
    }
}

fn hex_32(text: &str) -> Option<[u8; 32]> {
    crate::bytes::decode_hex_array::<32>(text, "digest").ok()
}
