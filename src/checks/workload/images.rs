//! Image-pinned deployments (SPEC §1, check 3.4): without a git-launcher, the workload is the
//! set of images the compose file runs. Each must be pinned by a sha256 digest in the attested
//! compose, no service may come from outside it, and each digest must be in the reference's
//! `images` allow-list.

use crate::compose::docker_compose::ImageRef;
use crate::deployment::model::{ComposeModel, Service};
use crate::finding_code::FindingCode;
use crate::reference::Reference;
use crate::report::Finding;

/// The image a service of the model runs, read from the model alone. `Err(None)`: no finding
/// here (the image is interpolated, which the closed-world rules report); `Err(Some(f))`: a
/// failure to report.
fn image_of(s: &Service) -> Result<ImageRef, Option<Finding>> {
    let field = format!("services.{}", s.name);
    if let Some(line) = s.key_line("build") {
        return Err(Some(Finding::fail(
            FindingCode::WorkloadImageBuilt,
            format!("{field}.build (line {line}): the image is built on the host (local files or a mutable git ref), so what runs is not fixed by the compose file"),
        )));
    }
    let Some(text) = &s.image else {
        return Err(Some(Finding::fail(FindingCode::WorkloadImageMissing, format!("{field} names no image"))));
    };
    // `image_ref` is set exactly when the image is a literal (the model read it).
    let image = match &s.image_ref {
        None => return Err(None),
        Some(Ok(image)) => image.clone(),
        Some(Err(e)) => {
            return Err(Some(Finding::fail(
                super::closed::NOT_MODELLED,
                format!("{field}.image (line {}) is not an image reference Docker reads: {e}", text.line),
            )))
        }
    };
    if image.pinned_reference().is_none() {
        return Err(Some(
            Finding::fail(
                FindingCode::WorkloadImageNotPinned,
                format!("{field} runs {} by tag: a tag is not a pin", image.raw),
            )
            .expected(format!("{}@sha256:…", image.name()))
            .actual(image.raw.clone()),
        ));
    }
    Ok(image)
}

/// Appends the findings; returns the pinned references (`registry/repo@sha256:…`) when every
/// service is pinned. `include:` and `extends` are reported by the model's closed-world rules.
pub(super) fn check(
    m: &ComposeModel,
    source: &str,
    reference: &Reference,
    f: &mut Vec<Finding>,
) -> Option<Vec<String>> {
    if m.services.is_empty() {
        f.push(Finding::fail(FindingCode::WorkloadImageMissing, format!("{source} declares no services")));
        return None;
    }
    let mut pinned = Vec::new();
    let mut all = true;
    for s in &m.services {
        match image_of(s) {
            Ok(image) => {
                let r = image.pinned_reference().unwrap_or_default();
                pinned.push((s.name.clone(), image, r));
            }
            Err(why) => {
                all = false;
                f.extend(why);
            }
        }
    }
    if !all {
        return None;
    }
    let refs: Vec<String> = pinned.iter().map(|(_, _, r)| r.clone()).collect();
    f.push(
        Finding::pass(
            FindingCode::WorkloadImagesPinned,
            format!("all {} of {source} run images pinned by digest", crate::error::count(refs.len(), "service")),
        )
        .actual(pinned.iter().map(|(s, _, r)| format!("{s}: {r}")).collect::<Vec<_>>().join(", ")),
    );
    match &reference.images {
        None => f.push(Finding::not_checked(
            FindingCode::WorkloadExpectationMissing,
            "the reference has no `images` allow-list (and no `workload`): which images should run is not known",
        )),
        Some(allowed) => {
            let mut ok = true;
            for (service, image, r) in &pinned {
                if !allowed.iter().any(|a| same_image(a, image)) {
                    ok = false;
                    f.push(
                        Finding::fail(
                            FindingCode::WorkloadImageNotAllowed,
                            format!("service `{service}` runs an image that is not in the reference's `images`"),
                        )
                        .expected(allowed.iter().filter_map(ImageRef::pinned_reference).collect::<Vec<_>>().join(", "))
                        .actual(r.clone()),
                    );
                }
            }
            if ok {
                f.push(Finding::pass(
                    FindingCode::WorkloadImagesAllowed,
                    format!("every image is in the reference's `images` ({} allowed)", allowed.len()),
                ));
            }
        }
    }
    Some(refs)
}

/// Same repository (after normalisation) and same sha256 digest.
pub(super) fn same_image(allowed: &ImageRef, image: &ImageRef) -> bool {
    allowed.registry.eq_ignore_ascii_case(&image.registry)
        && allowed.repository == image.repository
        && allowed.digest.is_some()
        && allowed.digest == image.digest
}

/// In a git-launcher deployment, the services beside the launcher: each runs an image pinned
/// by digest, in the reference's `images` when it has one; without one they are listed, not
/// checked.
pub(super) fn others(m: &ComposeModel, launcher: &str, reference: &Reference, f: &mut Vec<Finding>) {
    let mut unlisted = Vec::new();
    for s in m.services.iter().filter(|s| s.name != launcher) {
        let image = match image_of(s) {
            Ok(image) => image,
            Err(Some(why)) => {
                f.push(why);
                continue;
            }
            Err(None) => {
                f.push(Finding::fail(
                    super::closed::OVERRIDE,
                    format!("services.{}.image is interpolated: the deployer chooses the image", s.name),
                ));
                continue;
            }
        };
        let pinned = image.pinned_reference().unwrap_or_default();
        match &reference.images {
            Some(allowed) if !allowed.iter().any(|a| same_image(a, &image)) => f.push(
                Finding::fail(
                    FindingCode::WorkloadImageNotAllowed,
                    format!("service `{}` runs an image that is not in the reference's `images`", s.name),
                )
                .actual(pinned),
            ),
            Some(_) => {}
            None => unlisted.push(format!("{}: {pinned}", s.name)),
        }
    }
    if !unlisted.is_empty() {
        f.push(Finding::not_checked(
            FindingCode::WorkloadImagesNotChecked,
            format!(
                "services beside the launcher run images pinned by digest, but the reference has no `images` allow-list to compare them with: {}",
                unlisted.join(", ")
            ),
        ));
    }
}
