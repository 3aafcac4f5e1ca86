//! Check 1's comparison of the authenticated measurements with the expectations: the
//! `--report-data` nonce, MRTD and RTMR0–2 (`TdxExpectations`, whose source the pipeline chose),
//! and the measured dstack values against the reference's `dstack` section. Quote values come
//! only from the `VerifiedQuote`, runtime-event values only from `MeasuredRuntimeEvents`; when the
//! quote is not authenticated every set expectation is not checked.

use crate::finding_code::FindingCode;
use crate::reference::{AllowList, Reference};
use crate::report::Finding;
use crate::tdx::quote::TdReport;
use crate::tdx::runtime_events::DstackMeasurements;

use super::{not_authenticated, Established, ExpectationSource, TdxExpectations};

pub(crate) fn check(o: &Established, r: &Reference, f: &mut Vec<Finding>) {
    let report = o.quote().map(|q| q.td_report());
    if let Some(nonce) = &r.nonce {
        f.push(match report {
            None => not_authenticated(FindingCode::ReportDataMatch),
            Some(b) if *nonce == b.report_data => Finding::pass(
                FindingCode::ReportDataMatch,
                "report_data equals the --report-data nonce: the quote is fresh",
            ),
            Some(b) => Finding::fail(FindingCode::ReportDataMismatch, "report_data is not the --report-data nonce")
                .expected(hex::encode(nonce))
                .actual(hex::encode(b.report_data)),
        });
    }
    if !r.is_given() {
        f.push(Finding::not_checked(
            FindingCode::ReferenceMissing,
            "no --reference: the measurements were not compared with expected values",
        ));
        return;
    }
    tdx(o.tdx, report, f);
    let Some(d) = &r.dstack else {
        f.push(Finding::not_checked(
            FindingCode::ReferenceSectionMissing,
            format!("{} has no `dstack` section: compose-hash, app-id and key provider are not checked", r.source),
        ));
        return;
    };
    let m = if report.is_some() { o.measured() } else { None };
    let measured_value = |get: fn(&DstackMeasurements) -> Option<&Vec<u8>>| m.and_then(get).cloned();
    let authenticated = report.is_some();
    match &d.compose_hash {
        None => f.push(Finding::not_checked(
            FindingCode::ReferenceValueMissing,
            format!("{}: `dstack.compose_hash` is not set: the app configuration is not checked", r.source),
        )),
        Some(_) if !authenticated => f.push(not_authenticated(FindingCode::ComposeHashAllowed)),
        Some(l) => f.push(compare_measured(
            l,
            measured_value(|m| m.compose_hash.as_ref()),
            &r.source,
            "compose-hash",
            (FindingCode::ComposeHashAllowed, FindingCode::ComposeHashNotAllowed, FindingCode::ComposeHashNotMeasured),
        )),
    }
    let app_id = measured_value(|m| m.app_id.as_ref());
    let codes = (FindingCode::AppIdAllowed, FindingCode::AppIdNotAllowed, FindingCode::AppIdNotMeasured);
    optional_value(f, r, &d.app_id, app_id, "app-id", codes, authenticated);
    let os_image_hash = measured_value(|m| m.os_image_hash.as_ref());
    let codes =
        (FindingCode::OsImageHashAllowed, FindingCode::OsImageHashNotAllowed, FindingCode::OsImageHashNotMeasured);
    let os_image_allowed = matches!((&d.os_image_hash, &os_image_hash), (Some(l), Some(v)) if l.allows(v));
    optional_value(f, r, &d.os_image_hash, os_image_hash, "os-image-hash", codes, authenticated);
    if os_image_allowed && d.key_provider.as_ref().and_then(|k| k.id.as_ref()).is_none() {
        f.push(Finding::warn(
            FindingCode::OsImageHashFromUnpinnedKms,
            format!("{}: dstack measures the os-image-hash its KMS returns, and the reference pins no KMS (`dstack.key_provider.id`): the value is that KMS's word; the OS itself is bound only by MRTD and RTMR0–2", r.source),
        ));
    }
    key_provider(r, m, authenticated, f);
    if let Some(want) = &d.report_data {
        f.push(match report {
            None => not_authenticated(FindingCode::ReportDataMatch),
            Some(b) if *want == b.report_data => {
                Finding::pass(FindingCode::ReportDataMatch, "report_data equals `dstack.report_data`")
            }
            Some(b) => Finding::fail(
                FindingCode::ReportDataMismatch,
                format!("{}: report_data is not the expected `dstack.report_data`", r.source),
            )
            .expected(hex::encode(want))
            .actual(hex::encode(b.report_data)),
        });
    }
}

/// MRTD and RTMR0–2 against `TdxExpectations`.
fn tdx(t: &TdxExpectations, report: Option<&TdReport>, f: &mut Vec<Finding>) {
    let source = match &t.source {
        ExpectationSource::ReferenceFile(name) => name.as_str(),
    };
    let Some(v) = &t.values else {
        f.push(Finding::not_checked(
            FindingCode::ReferenceSectionMissing,
            format!("{source} has no `tdx` section: MRTD and RTMR0–2 are not checked"),
        ));
        return;
    };
    let values = report.map(|b| [b.mr_td, b.rtmr0, b.rtmr1, b.rtmr2]);
    let rows = [
        ("mrtd", &v.mrtd, (FindingCode::MrtdAllowed, FindingCode::MrtdNotAllowed)),
        ("rtmr0", &v.rtmr0, (FindingCode::Rtmr0Allowed, FindingCode::Rtmr0NotAllowed)),
        ("rtmr1", &v.rtmr1, (FindingCode::Rtmr1Allowed, FindingCode::Rtmr1NotAllowed)),
        ("rtmr2", &v.rtmr2, (FindingCode::Rtmr2Allowed, FindingCode::Rtmr2NotAllowed)),
    ];
    for (i, (name, list, codes)) in rows.into_iter().enumerate() {
        let value = values.as_ref().and_then(|v| v.get(i));
        f.push(match (list, value) {
            (None, _) => Finding::not_checked(
                FindingCode::ReferenceValueMissing,
                format!("{source}: `tdx.{name}` is not set: {name} is not checked"),
            ),
            (Some(_), None) => not_authenticated(codes.0),
            (Some(l), Some(value)) => compare(l, value, source, codes.0, codes.1, name),
        });
    }
}

fn key_provider(r: &Reference, m: Option<&DstackMeasurements>, authenticated: bool, f: &mut Vec<Finding>) {
    let Some(d) = &r.dstack else { return };
    let Some(want) = &d.key_provider else {
        f.push(Finding::note(
            FindingCode::ReferenceValueUnconstrained,
            format!("{}: no expected key provider; any is accepted", r.source),
        ));
        return;
    };
    if !authenticated {
        f.push(not_authenticated(FindingCode::KeyProviderAllowed));
        return;
    }
    let got = m.and_then(|m| m.key_provider.as_ref());
    let expected = match &want.id {
        Some(id) => format!("{} {id}", want.name),
        None => format!("{} (any id)", want.name),
    };
    f.push(match got {
        None => Finding::fail(
            FindingCode::KeyProviderNotMeasured,
            format!("{}: `dstack.key_provider` is set, but no key-provider event is measured", r.source),
        )
        .expected(expected),
        Some(kp) => {
            let id_ok = want.id.as_ref().is_none_or(|id| id.eq_ignore_ascii_case(&kp.id));
            let actual = format!("{} {}", kp.name, kp.id);
            if kp.name == want.name && id_ok {
                Finding::pass(FindingCode::KeyProviderAllowed, "the measured key provider is the expected one")
                    .actual(actual)
            } else {
                Finding::fail(
                    FindingCode::KeyProviderMismatch,
                    format!("{}: the measured key provider is not the one `dstack.key_provider` expects", r.source),
                )
                .expected(expected)
                .actual(actual)
            }
        }
    });
}

/// Finding codes: (allowed, not allowed, not measured).
type Codes3 = (FindingCode, FindingCode, FindingCode);

fn optional_value(
    f: &mut Vec<Finding>,
    r: &Reference,
    list: &Option<AllowList>,
    value: Option<Vec<u8>>,
    event: &str,
    codes: Codes3,
    authenticated: bool,
) {
    f.push(match list {
        None => Finding::note(
            FindingCode::ReferenceValueUnconstrained,
            format!("{}: no expected {event}; any value is accepted", r.source),
        ),
        Some(_) if !authenticated => not_authenticated(codes.0),
        Some(l) => compare_measured(l, value, &r.source, event, codes),
    });
}

fn compare(list: &AllowList, value: &[u8], source: &str, ok: FindingCode, bad: FindingCode, what: &str) -> Finding {
    if list.allows(value) {
        Finding::pass(ok, format!("{what} is allowed by `{}`", list.field)).actual(hex::encode(value))
    } else {
        Finding::fail(bad, format!("{source}: {what} is not allowed by `{}`", list.field))
            .expected(list.describe())
            .actual(hex::encode(value))
    }
}

fn compare_measured(
    list: &AllowList,
    value: Option<Vec<u8>>,
    source: &str,
    event: &str,
    (ok, bad, missing): Codes3,
) -> Finding {
    match value {
        Some(v) => compare(list, &v, source, ok, bad, &format!("the measured {event}")),
        None => Finding::fail(
            missing,
            format!(
                "{source}: `{}` is set, but no {event} event is measured (claimed values do not count)",
                list.field
            ),
        )
        .expected(list.describe()),
    }
}
