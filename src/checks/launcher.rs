//! Check 2 — launcher provenance (SPEC §1, check 2): the launcher image pinned by digest in the
//! attested compose file carries a verified signature from an acceptable signer.
//!
//! Order: the compose file must be attested (its app-compose hash is the measured one); the
//! launcher is the service whose image repository is the reference's `launcher.image`; its image
//! must be pinned by `@sha256:`; then among the signatures the authenticate stage verified
//! (`signature::verify_all`), one must cover the pinned digest and match a signer the reference
//! accepts (`launcher.provenance` or `launcher.signers`). This module verifies nothing: it judges
//! `VerifiedImageSignature`s, and reports every `Rejected` input with its code when none passes.

use crate::compose::docker_compose::ImageRef;
use crate::finding_code::FindingCode;
use crate::provenance::{appraise, ProvenancePolicy};
use crate::reference::Reference;
use crate::report::{CheckId, CheckResult, Finding};
use crate::signature::{FormatRecord, ImageDigest, ImageSignatures, Signer, VerifiedImageSignature};

pub use crate::attested::{AppSettings, AttestedCompose};

/// What check 2 established, for the report.
#[derive(Debug, Clone, Default)]
pub struct LauncherObservation {
    pub image: Option<ImageRef>,
    /// The signature that covers the pinned digest and matches an acceptable signer.
    pub accepted: Option<VerifiedImageSignature>,
}

/// Judges the launcher: `signatures` are what `signature::verify_all` verified (and rejected).
pub fn check(
    compose: &AttestedCompose,
    reference: &Reference,
    signatures: &ImageSignatures,
) -> (CheckResult, LauncherObservation) {
    let mut f = Vec::new();
    let observation = evaluate(compose, reference, signatures, &mut f);
    let summary = observation.accepted.as_ref().map(|s| {
        let image = observation.image.as_ref().map(|i| i.raw.as_str()).unwrap_or("?");
        match s.signer() {
            Signer::Fulcio(id) => format!(
                "launcher {image} was built by {} ({}) — bundle {}",
                id.workflow().unwrap_or("?"),
                id.source_ref().unwrap_or("?"),
                s.source()
            ),
        }
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
    signatures: &ImageSignatures,
    f: &mut Vec<Finding>,
) -> LauncherObservation {
    let mut obs = LauncherObservation::default();
    let Some(expect) = &reference.launcher else {
        f.push(Finding::not_checked(
            FindingCode::LauncherExpectationMissing,
            "the reference has no `launcher` section: which image is the launcher, and who must have built it, is not known",
        ));
        return obs;
    };
    let parsed = compose.effective();
    let (_, source) = match compose.usable() {
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
    let effective = match parsed.map(|p| p.model()) {
        Some(Ok(m)) => m,
        None => return obs,
        Some(Err(e)) => {
            f.push(Finding::fail(
                FindingCode::ComposeUnreadable,
                format!("the attested docker_compose_file cannot be read: {e}"),
            ));
            return obs;
        }
    };
    let images: Vec<(&str, ImageRef)> = effective
        .services
        .iter()
        .filter_map(|s| {
            let image = s.image_ref.as_ref()?.as_ref().ok()?;
            Some((s.name.as_str(), image.clone()))
        })
        .collect();
    let launchers: Vec<(&str, &ImageRef)> =
        images.iter().filter(|(_, i)| i.matches_repository(&expect.image)).map(|(s, i)| (*s, i)).collect();
    let (service, image) = match launchers.as_slice() {
        [] => {
            f.push(
                Finding::fail(
                    FindingCode::LauncherServiceMissing,
                    format!("no service of {source} runs the launcher image"),
                )
                .expected(expect.image.clone())
                .actual(image_list(effective)),
            );
            return obs;
        }
        [one] => *one,
        many => {
            let distinct: Vec<&str> = many.iter().map(|(_, i)| i.raw.as_str()).collect();
            if distinct.windows(2).any(|w| matches!(w, [a, b] if a != b)) {
                f.push(Finding::fail(
                    FindingCode::LauncherAmbiguous,
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
                FindingCode::LauncherNotPinned,
                format!("service `{}` runs the launcher by tag: a tag is not a pin (the host's registry decides what it means)", service),
            )
            .expected(format!("{}@sha256:…", image.name()))
            .actual(image.raw.clone()),
        );
        return obs;
    };
    f.push(
        Finding::pass(FindingCode::LauncherPinned, format!("service `{}` runs the launcher pinned by digest", service))
            .actual(image.raw.clone()),
    );
    let policies = expect.sigstore_policies();
    if policies.is_empty() {
        f.push(Finding::not_checked(
            FindingCode::LauncherPolicyMissing,
            "the reference has no `launcher.provenance`: the expected repository and workflow are not known",
        ));
        return obs;
    }
    for (field, policy) in &policies {
        if let Err(why) = policy.validate() {
            f.push(Finding::not_checked(
                FindingCode::LauncherPolicyMissing,
                format!("`{field}` cannot decide who built the launcher: {why}"),
            ));
            return obs;
        }
    }
    if signatures.is_empty() {
        f.push(Finding::not_checked(
            FindingCode::LauncherBundleMissing,
            format!("no --bundle given: the provenance of {} is not checked", image.raw),
        ));
        return obs;
    }
    let Some(sha) = hex_32(&digest.hex) else {
        f.push(
            Finding::fail(FindingCode::LauncherNotPinned, "the launcher digest is not 32 bytes of hex")
                .actual(digest.hex.clone()),
        );
        return obs;
    };
    judge_signatures(signatures, &ImageDigest::new(sha), &policies, f, &mut obs);
    obs
}

/// The first verified signature that covers `pinned` and matches a policy passes the check;
/// when none does, every rejected input and every mismatch is a failure.
fn judge_signatures(
    signatures: &ImageSignatures,
    pinned: &ImageDigest,
    policies: &[(String, ProvenancePolicy)],
    f: &mut Vec<Finding>,
    obs: &mut LauncherObservation,
) {
    let mut rejections = Vec::new();
    for result in signatures.results() {
        let signature = match result {
            Ok(s) => s,
            Err(r) => {
                rejections.push(Finding::fail(r.code(), format!("{}: {}", r.source(), r.reason())));
                continue;
            }
        };
        match accept(signature, pinned, policies) {
            Ok(warnings) => {
                f.push(accepted_finding(signature));
                for w in signatures.warnings().iter().chain(&warnings) {
                    f.push(Finding::warn(FindingCode::LauncherProvenanceWarning, w.clone()));
                }
                obs.accepted = Some(signature.clone());
                return;
            }
            Err(found) => rejections.extend(found),
        }
    }
    if rejections.is_empty() {
        rejections.push(Finding::fail(FindingCode::LauncherBundleMissing, "the bundle files hold no bundle"));
    }
    f.extend(rejections);
    for w in signatures.warnings() {
        f.push(Finding::warn(FindingCode::LauncherProvenanceWarning, w.clone()));
    }
}

/// Whether `s` covers the pinned digest and one policy accepts its signer: the warnings of the
/// accepting policy, or a failure per policy (one policy: the v1 message, unprefixed).
fn accept(
    s: &VerifiedImageSignature,
    pinned: &ImageDigest,
    policies: &[(String, ProvenancePolicy)],
) -> Result<Vec<String>, Vec<Finding>> {
    if s.covering(pinned).is_none() {
        let covered: Vec<String> = s.covers().iter().map(|c| c.digest().to_string()).collect();
        let found = if covered.is_empty() { "no sha256 digest".to_string() } else { covered.join(", ") };
        return Err(vec![Finding::fail(
            FindingCode::SubjectDigestMismatch,
            format!("{}: the signature covers {found}, not the launcher's digest", s.source()),
        )
        .expected(pinned.to_string())
        .actual(found)]);
    }
    let FormatRecord::Sigstore(statement) = s.record();
    let mut failures = Vec::new();
    for (field, policy) in policies {
        match appraise(statement, policy) {
            Ok(mut warnings) => {
                let mut all: Vec<String> = statement.notes().to_vec();
                all.append(&mut warnings);
                return Ok(all);
            }
            Err(e) if policies.len() == 1 => failures.push(Finding::fail(e.code(), format!("{}: {e}", s.source()))),
            Err(e) => failures.push(Finding::fail(e.code(), format!("{}: {field}: {e}", s.source()))),
        }
    }
    Err(failures)
}

fn accepted_finding(s: &VerifiedImageSignature) -> Finding {
    match s.signer() {
        Signer::Fulcio(id) => Finding::pass(
            FindingCode::LauncherProvenanceVerified,
            format!(
                "{} verifies ({}, {}, signed {}): {}",
                s.source(),
                s.trust().name(),
                s.evidence(),
                s.time(),
                s.signer().describe()
            ),
        )
        .actual(format!("commit {}", id.source_commit().unwrap_or("?"))),
    }
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
