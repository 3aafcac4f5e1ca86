//! Image-pinned deployments (SPEC §1, check 3.4): without a git-launcher, the workload is the
//! set of images the compose file runs. Each must be pinned by a sha256 digest in the attested
//! compose, no service may come from outside it, and each digest must be in the reference's
//! `images` allow-list.

use crate::compose::docker_compose::{ComposeFile, ImageRef};
use crate::reference::Reference;
use crate::report::Finding;

/// Appends the findings; returns the pinned references (`registry/repo@sha256:…`) when every
/// service is pinned.
pub fn check(compose: &ComposeFile, source: &str, reference: &Reference, f: &mut Vec<Finding>) -> Option<Vec<String>> {
    if compose.services.is_empty() {
        f.push(Finding::fail("workload-image-missing", format!("{source} declares no services")));
        return None;
    }
    let mut pinned = Vec::new();
    let mut all = true;
    for file in &compose.include {
        all = false;
        f.push(Finding::fail(
            super::closed::OVERRIDE,
            format!("{source} includes {file}: services from a file outside the attested compose can be added"),
        ));
    }
    for s in &compose.services {
        let field = format!("services.{}", s.name);
        if let Some(file) = s.extends.as_ref().and_then(|e| e.file.as_ref()) {
            all = false;
            f.push(Finding::fail(
                super::closed::OVERRIDE,
                format!("{field}.extends reads {file}, a file outside the attested compose"),
            ));
        }
        if s.build {
            all = false;
            f.push(Finding::fail(
                "workload-image-built",
                format!("{field} is built on the host (`build:`): what runs is not fixed by the compose file"),
            ));
            continue;
        }
        let Some(image) = &s.image else {
            all = false;
            f.push(Finding::fail("workload-image-missing", format!("{field} names no image")));
            continue;
        };
        match image.pinned_reference() {
            Some(r) => pinned.push((s.name.clone(), image, r)),
            None => {
                all = false;
                f.push(
                    Finding::fail(
                        "workload-image-not-pinned",
                        format!("{field} runs {} by tag: a tag is not a pin", image.raw),
                    )
                    .expected(format!("{}@sha256:…", image.name()))
                    .actual(image.raw.clone()),
                );
            }
        }
    }
    if !all {
        return None;
    }
    let refs: Vec<String> = pinned.iter().map(|(_, _, r)| r.clone()).collect();
    f.push(
        Finding::pass(
            "workload-images-pinned",
            format!("all {} of {source} run images pinned by digest", crate::error::count(refs.len(), "service")),
        )
        .actual(pinned.iter().map(|(s, _, r)| format!("{s}: {r}")).collect::<Vec<_>>().join(", ")),
    );
    match &reference.images {
        None => f.push(Finding::not_checked(
            "workload-expectation-missing",
            "the reference has no `images` allow-list (and no `workload`): which images should run is not known",
        )),
        Some(allowed) => {
            let mut ok = true;
            for (service, image, r) in &pinned {
                if !allowed.iter().any(|a| same_image(a, image)) {
                    ok = false;
                    f.push(
                        Finding::fail(
                            "workload-image-not-allowed",
                            format!("service `{service}` runs an image that is not in the reference's `images`"),
                        )
                        .expected(allowed.iter().filter_map(ImageRef::pinned_reference).collect::<Vec<_>>().join(", "))
                        .actual(r.clone()),
                    );
                }
            }
            if ok {
                f.push(Finding::pass(
                    "workload-images-allowed",
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
pub fn others(compose: &ComposeFile, launcher: &str, reference: &Reference, f: &mut Vec<Finding>) {
    let mut unlisted = Vec::new();
    for s in compose.services.iter().filter(|s| s.name != launcher) {
        let field = format!("services.{}", s.name);
        if s.build {
            f.push(Finding::fail(
                "workload-image-built",
                format!(
                    "{field} is built on the host (`build:`, local files or a mutable git ref): what runs is not fixed"
                ),
            ));
            continue;
        }
        let Some(image) = &s.image else {
            f.push(Finding::fail("workload-image-missing", format!("{field} names no image")));
            continue;
        };
        let Some(pinned) = image.pinned_reference() else {
            f.push(
                Finding::fail(
                    "workload-image-not-pinned",
                    format!("{field} runs {} by tag: a tag is not a pin", image.raw),
                )
                .expected(format!("{}@sha256:…", image.name()))
                .actual(image.raw.clone()),
            );
            continue;
        };
        match &reference.images {
            Some(allowed) if !allowed.iter().any(|a| same_image(a, image)) => f.push(
                Finding::fail(
                    "workload-image-not-allowed",
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
            "workload-images-not-checked",
            format!(
                "services beside the launcher run images pinned by digest, but the reference has no `images` allow-list to compare them with: {}",
                unlisted.join(", ")
            ),
        ));
    }
}
