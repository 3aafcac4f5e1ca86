//! Data for the `inspect` and `replay` commands: what the evidence contains, decoded, with no
//! verdict. Plain serialisable structs built from parsed values (nothing here is authenticated);
//! the renderers in `report/` turn them into text. The constructors that take the pipeline's
//! parse stage (`Inspection::of`, `ReplayView::of`, `ComposeView::of`) are in
//! `pipeline/views.rs`, so this module depends on no stage.

use serde::Serialize;

use crate::compose::app_compose::{AppCompose, ComposeSummary};
use crate::compose::docker_compose::{parse_compose, ComposeFile};
use crate::compose::git_launcher::LauncherConfig;
use crate::evidence::Claim;
use crate::measured::Unmeasured;
use crate::tdx::event_log::EventLog;
use crate::tdx::quote::{BodyType, Quote};
use crate::tdx::rtmr::{DigestSource, EventProblem, Replay};
use crate::tdx::runtime_events::NotMeasured;

#[derive(Debug, Serialize)]
pub struct QuoteView {
    pub version: u16,
    pub att_key_type: u16,
    pub tee_type: String,
    pub qe_vendor_id: String,
    pub user_data: String,
    pub body_type: &'static str,
    pub tee_tcb_svn: String,
    pub mr_seam: String,
    pub mr_signer_seam: String,
    pub seam_attributes: String,
    pub td_attributes: String,
    pub xfam: String,
    pub mr_td: String,
    pub mr_config_id: String,
    pub mr_owner: String,
    pub mr_owner_config: String,
    pub rtmr0: String,
    pub rtmr1: String,
    pub rtmr2: String,
    pub rtmr3: String,
    pub report_data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tee_tcb_svn2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mr_servicetd: Option<String>,
    pub signature: SignatureView,
    /// The PCK chain in the quote, parsed (not verified: `verify` does that).
    pub pck_chain: Vec<CertView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pck_extension: Option<PckView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pck_problem: Option<String>,
    pub total_bytes: usize,
    pub trailing_bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct SignatureView {
    pub quote_signature: String,
    pub attestation_key: String,
    pub cert_data_type: u16,
    pub qe_report_mr_enclave: String,
    pub qe_report_mr_signer: String,
    pub qe_report_isv_prod_id: u16,
    pub qe_report_isv_svn: u16,
    pub qe_report_data: String,
    pub qe_auth_data_len: usize,
    pub pck_cert_data_type: u16,
    pub pck_cert_data_len: usize,
    pub pck_chain_certificates: usize,
}

impl QuoteView {
    pub fn of(q: &Quote) -> Self {
        let b = &q.body;
        let s = &q.signature;
        let pck = pck_views(&s.pck_cert_data);
        fn h(v: impl AsRef<[u8]>) -> String {
            hex::encode(v)
        }
        QuoteView {
            version: q.header.version,
            att_key_type: q.header.att_key_type,
            tee_type: format!("0x{:08x}", q.header.tee_type),
            qe_vendor_id: h(q.header.qe_vendor_id),
            user_data: h(q.header.user_data),
            body_type: match q.body_type {
                BodyType::TdReport10 => "td-report-1.0",
                BodyType::TdReport15 => "td-report-1.5",
                BodyType::TdReport15Ex => "td-report-1.5-ex",
            },
            tee_tcb_svn: h(b.tee_tcb_svn),
            mr_seam: h(b.mr_seam),
            mr_signer_seam: h(b.mr_signer_seam),
            seam_attributes: h(b.seam_attributes),
            td_attributes: h(b.td_attributes),
            xfam: h(b.xfam),
            mr_td: h(b.mr_td),
            mr_config_id: h(b.mr_config_id),
            mr_owner: h(b.mr_owner),
            mr_owner_config: h(b.mr_owner_config),
            rtmr0: h(b.rtmr0),
            rtmr1: h(b.rtmr1),
            rtmr2: h(b.rtmr2),
            rtmr3: h(b.rtmr3),
            report_data: h(b.report_data),
            tee_tcb_svn2: b.td15.as_ref().map(|t| h(t.tee_tcb_svn2)),
            mr_servicetd: b.td15.as_ref().map(|t| h(t.mr_servicetd)),
            signature: SignatureView {
                quote_signature: h(s.quote_signature),
                attestation_key: h(s.attestation_key),
                cert_data_type: s.cert_data_type,
                qe_report_mr_enclave: h(s.qe_report.mr_enclave),
                qe_report_mr_signer: h(s.qe_report.mr_signer),
                qe_report_isv_prod_id: s.qe_report.isv_prod_id,
                qe_report_isv_svn: s.qe_report.isv_svn,
                qe_report_data: h(s.qe_report.report_data),
                qe_auth_data_len: s.qe_auth_data.len(),
                pck_cert_data_type: s.pck_cert_data_type,
                pck_cert_data_len: s.pck_cert_data.len(),
                pck_chain_certificates: count_pem_certs(&s.pck_cert_data),
            },
            pck_chain: pck.0,
            pck_extension: pck.1,
            pck_problem: pck.2,
            total_bytes: q.raw().len(),
            trailing_bytes: q.trailing_bytes,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CertView {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct PckView {
    pub fmspc: String,
    pub pce_id: String,
    pub pcesvn: u16,
    pub cpusvn: String,
    pub sgx_tcb_components: String,
    pub sgx_type: u8,
    pub dynamic_platform: Option<bool>,
    pub cached_keys: Option<bool>,
    pub smt_enabled: Option<bool>,
}

/// The PCK chain and SGX extension as text, or what stopped their parsing.
fn pck_views(pem: &[u8]) -> (Vec<CertView>, Option<PckView>, Option<String>) {
    let certs = match crate::x509::parse_pem_chain(pem, "PCK certificate chain") {
        Ok(c) => c,
        Err(e) => return (Vec::new(), None, Some(e.to_string())),
    };
    let views = certs
        .iter()
        .map(|c| CertView {
            subject: c.subject(),
            issuer: c.issuer(),
            serial: hex::encode(c.serial()),
            not_before: c.not_before().to_string(),
            not_after: c.not_after().to_string(),
            sha256: hex::encode(c.sha256()),
        })
        .collect();
    let ext = certs.first().map(crate::dcap::pck::parse_pck_extension);
    match ext {
        Some(Ok(p)) => (
            views,
            Some(PckView {
                fmspc: hex::encode_upper(p.fmspc),
                pce_id: hex::encode_upper(p.pce_id),
                pcesvn: p.pcesvn,
                cpusvn: hex::encode(p.cpusvn),
                sgx_tcb_components: hex::encode(p.sgx_tcb_components),
                sgx_type: p.sgx_type,
                dynamic_platform: p.dynamic_platform,
                cached_keys: p.cached_keys,
                smt_enabled: p.smt_enabled,
            }),
            None,
        ),
        Some(Err(e)) => (views, None, Some(e.to_string())),
        None => (views, None, Some("the chain is empty".into())),
    }
}

fn count_pem_certs(data: &[u8]) -> usize {
    let needle = b"-----BEGIN CERTIFICATE-----";
    data.windows(needle.len()).filter(|w| w == needle).count()
}

/// One event of the log as `inspect` and `replay` show it.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub index: usize,
    pub imr: u32,
    pub event_type: String,
    pub event: String,
    /// `supplied`, `recomputed-v1`, `recomputed-v2` or `missing`.
    pub digest_source: &'static str,
    /// `ok`, or what is wrong with the event.
    pub digest_status: String,
    pub digest: Option<String>,
    pub payload: String,
    pub rtmr_after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RtmrView {
    pub rtmr: usize,
    pub events: usize,
    pub quoted: String,
    pub replayed: Option<String>,
    pub matches: bool,
}

#[derive(Debug, Serialize)]
pub struct ReplayView {
    pub source: String,
    pub rtmrs: Vec<RtmrView>,
    pub events: Vec<EventView>,
    /// Whether the runtime events are proven by RTMR3, and if not, why.
    pub runtime_events: String,
}

impl ReplayView {
    /// The replay `r` of `log` (read from `source`); `runtime` says whether the runtime events
    /// were measured, and if not, why.
    pub(crate) fn from_replay<T>(r: &Replay, log: &EventLog, source: String, runtime: &Result<T, Unmeasured>) -> Self {
        let events = r
            .events
            .iter()
            .zip(&log.entries)
            .map(|(e, entry)| EventView {
                index: e.index,
                imr: e.imr,
                event_type: format!("0x{:08x}", e.event_type),
                event: e.event.clone(),
                digest_source: match (e.source, e.digest) {
                    (_, None) => "missing",
                    (DigestSource::Supplied, _) => "supplied",
                    (DigestSource::RecomputedV1, _) => "recomputed-v1",
                    (DigestSource::RecomputedV2, _) => "recomputed-v2",
                },
                digest_status: match &e.problem {
                    None => "ok".into(),
                    Some(EventProblem::DigestMissing) => "no digest".into(),
                    Some(EventProblem::SuppliedDigestMismatch { .. }) => {
                        "supplied digest contradicts name and payload".into()
                    }
                    Some(EventProblem::PreimageMismatch { .. }) => "V2 preimage is not canonical".into(),
                    Some(EventProblem::UnknownVersion(v)) => format!("unknown version {v}"),
                    Some(EventProblem::NotRuntimeEvent { .. }) => {
                        "not a dstack runtime event: nothing binds its label in RTMR3".into()
                    }
                },
                digest: e.digest.map(hex::encode),
                payload: payload_text(&entry.event_payload),
                rtmr_after: e.rtmr_after.map(hex::encode),
            })
            .collect();
        let rtmrs = r
            .rtmrs
            .iter()
            .map(|c| RtmrView {
                rtmr: c.index,
                events: c.events,
                quoted: hex::encode(c.quoted),
                replayed: c.replayed.map(hex::encode),
                matches: c.matches(),
            })
            .collect();
        let runtime_events = match runtime {
            Ok(_) => "measured: RTMR3 replays to the quoted value".into(),
            Err(Unmeasured::NoEventLog) => "no event log".into(),
            Err(Unmeasured::QuoteNotAuthenticated) => "not measured: the quote is not authenticated".into(),
            Err(Unmeasured::Replay(NotMeasured::Rtmr3Mismatch)) => "not measured: RTMR3 does not replay".into(),
            Err(Unmeasured::Replay(NotMeasured::InconsistentEvent { index })) => {
                format!("not measured: entry {index} contradicts itself")
            }
            Err(Unmeasured::Replay(NotMeasured::NotRuntimeEvent { index, label, .. })) => {
                format!("not measured: entry {index} (`{label}`) in RTMR3 is not a dstack runtime event")
            }
            Err(Unmeasured::Replay(NotMeasured::AmbiguousName { index, name })) => {
                format!("not measured: entry {index} has a V1 name with ':' (`{name}`)")
            }
            Err(Unmeasured::Replay(NotMeasured::NotDstack03 { index, name })) => {
                format!("not measured: no system-ready, and entry {index} (`{name}`) is not a dstack 0.3 event")
            }
        };
        ReplayView { source, rtmrs, events, runtime_events }
    }
}

/// Payload as text when it is printable UTF-8, else hex.
fn payload_text(p: &[u8]) -> String {
    match std::str::from_utf8(p) {
        Ok(s) if !s.is_empty() && s.chars().all(|c| !c.is_control()) => s.to_string(),
        _ => hex::encode(p),
    }
}

#[derive(Debug, Serialize)]
pub struct ComposeView {
    pub source: String,
    pub bytes: usize,
    pub compose_hash: String,
    pub default_app_id: String,
    pub summary: Option<ComposeSummary>,
    /// The services of `docker_compose_file`, with their images and pins.
    pub services: Vec<ServiceView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compose_problem: Option<String>,
    /// The git-launcher config, when a service is a git-launcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launcher_config: Option<LauncherConfigView>,
}

#[derive(Debug, Serialize)]
pub struct ServiceView {
    pub name: String,
    pub image: Option<String>,
    pub pinned: bool,
    pub command: Option<Vec<String>>,
}

/// For `inspect`: the git-launcher service found without a reference, the config path it
/// reads, where the config comes from, and what it says (or why it cannot be read).
#[derive(Debug, Clone, Serialize)]
pub struct LauncherConfigView {
    pub service: String,
    pub path: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<LauncherConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ComposeView {
    /// The view of `c` (read from `source`); `launcher_config` describes a compose file's
    /// git-launcher config.
    pub(crate) fn with_launcher_config(
        c: &AppCompose,
        source: String,
        launcher_config: impl FnOnce(&ComposeFile) -> Option<LauncherConfigView>,
    ) -> Self {
        let parsed = c.docker_compose_file().map(parse_compose);
        let launcher_config = match &parsed {
            Some(Ok(file)) => launcher_config(file),
            _ => None,
        };
        let (services, compose_problem) = match parsed {
            None => (
                Vec::new(),
                Some(match c.duplicate_key() {
                    Some(d) => format!("no single meaning: {d}"),
                    None => "no docker_compose_file".to_string(),
                }),
            ),
            Some(Err(e)) => (Vec::new(), Some(e.under("docker_compose_file").to_string())),
            Some(Ok(file)) => (
                file.services
                    .iter()
                    .map(|s| ServiceView {
                        name: s.name.clone(),
                        image: s.image.as_ref().map(|i| i.raw.clone()),
                        pinned: s.image.as_ref().is_some_and(|i| i.is_pinned()),
                        command: s.command.clone(),
                    })
                    .collect(),
                None,
            ),
        };
        ComposeView {
            source,
            bytes: c.text().len(),
            compose_hash: hex::encode(c.compose_hash()),
            default_app_id: hex::encode(c.default_app_id()),
            summary: c.summary().cloned(),
            services,
            compose_problem,
            launcher_config,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub schema: &'static str,
    pub evidence_shape: &'static str,
    pub quote_source: String,
    pub quote: QuoteView,
    pub replay: Option<ReplayView>,
    pub app_compose: Option<ComposeView>,
    pub claims: Vec<Claim>,
    pub notes: Vec<String>,
}

/// The schema name of `inspect`'s JSON output.
pub(crate) const INSPECT_SCHEMA: &str = "dstack-audit/inspect/v1";
