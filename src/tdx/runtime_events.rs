//! dstack runtime events (type 0x08000001, RTMR3): the layout rules and decoding. The digest
//! rules are in `digest.rs`.
//!
//! Decoding happens only on `ReplayedRuntimeEvents`, which can only be built when every RTMR3
//! entry is bound to the replayed report: RTMR3's own replay equals the report's (this binds the sequence of
//! digests, so no entry can be moved into or out of RTMR3 by its `imr` label, whatever the other
//! registers do), and each digest is recomputed from the entry's name and payload (so the name
//! and payload are the ones measured). Values are read only from events before `system-ready`
//! (dstack's own `find_event` does the same); a dstack value event after it, the same value event
//! twice, a V1 name that can be re-split at a ':' (decision 26), or a log without `system-ready`
//! that is not recognisably dstack 0.3 (decision 27) keep the log from supplying values.

use super::event_log::EventLog;
use super::rtmr::Replay;

pub use super::digest::{canonical_preimage_v2, runtime_event_digest_v1, runtime_event_digest_v2};

/// What a runtime event name means, across dstack versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    SystemPreparing,
    AppId,
    ComposeHash,
    InstanceId,
    BootMrDone,
    MrKms,
    OsImageHash,
    KeyProvider,
    StorageFs,
    SystemReady,
    RootfsHash,
    CaCertHash,
    InitScriptHash,
    GpuPolicyHash,
    GpuAttestation,
}

impl Known {
    /// Maps an event name (current or legacy) to its meaning.
    pub fn from_name(name: &str) -> Option<Known> {
        Some(match name {
            "system-preparing" => Known::SystemPreparing,
            "app-id" => Known::AppId,
            // `upgraded-app-id` is the earliest name of the compose-hash event.
            "compose-hash" | "upgraded-app-id" => Known::ComposeHash,
            "instance-id" => Known::InstanceId,
            "boot-mr-done" => Known::BootMrDone,
            "mr-kms" => Known::MrKms,
            // Renamed from `mr-image` in 2025-05.
            "os-image-hash" | "mr-image" => Known::OsImageHash,
            "key-provider" => Known::KeyProvider,
            "storage-fs" => Known::StorageFs,
            "system-ready" => Known::SystemReady,
            "rootfs-hash" => Known::RootfsHash,
            "ca-cert-hash" => Known::CaCertHash,
            "init-script-hash" => Known::InitScriptHash,
            "gpu-policy-hash" => Known::GpuPolicyHash,
            "gpu-attestation" => Known::GpuAttestation,
            _ => return None,
        })
    }

    /// The payload length this event must have, when fixed. `(length, empty allowed)`.
    fn payload_len(self) -> Option<(usize, bool)> {
        match self {
            Known::AppId => Some((20, false)),
            Known::InstanceId => Some((20, true)),
            Known::ComposeHash | Known::MrKms | Known::OsImageHash => Some((32, false)),
            Known::InitScriptHash | Known::GpuPolicyHash | Known::CaCertHash => Some((32, false)),
            Known::SystemPreparing | Known::BootMrDone | Known::SystemReady => Some((0, true)),
            _ => None,
        }
    }

    /// Events that may legitimately occur several times before `system-ready`.
    fn repeatable(self) -> bool {
        matches!(self, Known::InitScriptHash)
    }
}

/// A runtime event that went into the quoted RTMR3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuredEvent {
    /// Index in the event log.
    pub index: usize,
    pub name: String,
    pub payload: Vec<u8>,
    pub known: Option<Known>,
    /// True for events emitted after `system-ready` (application events).
    pub after_ready: bool,
}

/// The `key-provider` event payload: `{"name": …, "id": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProvider {
    pub name: String,
    pub id: String,
}

/// An irregularity in the measured runtime events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anomaly {
    /// A value-bearing event measured twice before `system-ready`.
    Duplicate { name: String, first: usize, again: usize },
    /// A dstack event measured after `system-ready` (an application can emit any name through
    /// the guest agent); its value is not used, and the log fails (decision 25).
    AfterReady { name: String, index: usize },
    /// A payload of the wrong length for its event.
    BadPayload { name: String, index: usize, expected: String, found: String },
}

impl std::fmt::Display for Anomaly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Anomaly::Duplicate { name, first, again } => {
                write!(f, "`{name}` is measured twice before system-ready (entries {first} and {again})")
            }
            Anomaly::AfterReady { name, index } => write!(f, "`{name}` (entry {index}) is measured after system-ready"),
            Anomaly::BadPayload { name, index, expected, found } => {
                write!(f, "`{name}` (entry {index}) has a malformed payload: expected {expected}, found {found}")
            }
        }
    }
}

/// The decoded, measured dstack values. Only fields whose event was measured before
/// `system-ready` (or in a log without `system-ready`, dstack 0.3) are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DstackMeasurements {
    pub app_id: Option<Vec<u8>>,
    pub compose_hash: Option<Vec<u8>>,
    pub instance_id: Option<Vec<u8>>,
    pub os_image_hash: Option<Vec<u8>>,
    pub key_provider: Option<KeyProvider>,
    /// The raw key-provider payload (kept even when it is not the expected JSON).
    pub key_provider_raw: Option<Vec<u8>>,
    pub mr_kms: Option<Vec<u8>>,
    pub storage_fs: Option<String>,
    pub rootfs_hash: Option<Vec<u8>>,
    pub ca_cert_hash: Option<Vec<u8>>,
    pub init_script_hashes: Vec<Vec<u8>>,
    pub gpu_policy_hash: Option<Vec<u8>>,
    pub system_ready: bool,
}

/// The runtime events a dstack 0.3 guest measures (`tdxctl/src/fde_setup.rs`, v0.3.1 … v0.3.6),
/// in its order; `upgraded-app-id` is the compose-hash event's name in v0.3.1.
pub const DSTACK_03_EVENTS: [&str; 6] =
    ["rootfs-hash", "app-id", "upgraded-app-id", "compose-hash", "ca-cert-hash", "instance-id"];

/// How the log marks the end of dstack's own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// dstack ≥ 0.4: `system-ready` ends the boot; later events are the application's.
    SystemReady,
    /// dstack 0.3: no `system-ready`; the log holds only the events a 0.3 guest measures.
    Dstack03,
}

/// Runtime events proven to be the ones the replayed report's RTMR3 covers. The report is
/// whatever the replay was given: only `MeasuredRuntimeEvents` (`measured.rs`), built from a
/// DCAP-verified quote, makes them measurements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedRuntimeEvents {
    events: Vec<MeasuredEvent>,
    measurements: DstackMeasurements,
    anomalies: Vec<Anomaly>,
    layout: Layout,
}

/// Why the runtime events could not be taken as measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotMeasured {
    /// The replayed RTMR3 differs from the quote's (or could not be computed).
    Rtmr3Mismatch,
    /// An RTMR3 event is inconsistent (digest or preimage contradicts name and payload, or its
    /// version is unknown so its digest cannot be recomputed).
    InconsistentEvent { index: usize },
    /// An RTMR3 entry is not a dstack runtime event: its label and payload are bound by nothing.
    NotRuntimeEvent { index: usize, event_type: u32, label: String },
    /// A V1 event before `system-ready` whose name contains ':': its digest preimage
    /// `name ‖ ":" ‖ payload` can be split another way, so its name is not bound.
    AmbiguousName { index: usize, name: String },
    /// No `system-ready`, and this event is not one a dstack 0.3 guest measures (or repeats one).
    NotDstack03 { index: usize, name: String },
}

impl ReplayedRuntimeEvents {
    /// Takes the runtime events of `log` as the replayed report's, if and only if every RTMR3
    /// entry is a dstack runtime event whose digest was recomputed without contradiction, the
    /// replay of RTMR3 equals the report's RTMR3, and the log's layout is one dstack writes.
    pub fn from_replay(log: &EventLog, replay: &Replay) -> Result<Self, NotMeasured> {
        for (index, entry) in log.entries.iter().enumerate() {
            if entry.imr == 3 && !entry.is_runtime_event() {
                let label = entry.event.clone();
                return Err(NotMeasured::NotRuntimeEvent { index, event_type: entry.event_type, label });
            }
        }
        if let Some((e, _)) = replay.problems().find(|(e, _)| e.imr == 3) {
            return Err(NotMeasured::InconsistentEvent { index: e.index });
        }
        if !replay.rtmr(3).is_some_and(|r| r.matches()) {
            return Err(NotMeasured::Rtmr3Mismatch);
        }
        let mut events = Vec::new();
        let mut after_ready = false;
        for (index, entry) in log.entries.iter().enumerate() {
            if entry.imr != 3 {
                continue;
            }
            let v1 = matches!(entry.version, None | Some(1));
            if v1 && !after_ready && entry.event.contains(':') {
                return Err(NotMeasured::AmbiguousName { index, name: entry.event.clone() });
            }
            let known = Known::from_name(&entry.event);
            events.push(MeasuredEvent {
                index,
                name: entry.event.clone(),
                payload: entry.event_payload.clone(),
                known,
                after_ready,
            });
            if known == Some(Known::SystemReady) {
                after_ready = true;
            }
        }
        let layout = if after_ready { Layout::SystemReady } else { dstack_03(&events)? };
        let (measurements, anomalies) = decode(&events);
        Ok(ReplayedRuntimeEvents { events, measurements, anomalies, layout })
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    pub fn events(&self) -> &[MeasuredEvent] {
        &self.events
    }

    pub fn measurements(&self) -> &DstackMeasurements {
        &self.measurements
    }

    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}

/// Accepts a log without `system-ready` only when it is recognisably dstack 0.3: each event is
/// one a 0.3 guest measures, at most once. Never a fallback for other logs.
fn dstack_03(events: &[MeasuredEvent]) -> Result<Layout, NotMeasured> {
    let mut seen: Vec<&str> = Vec::new();
    for e in events {
        if !DSTACK_03_EVENTS.contains(&e.name.as_str()) || seen.contains(&e.name.as_str()) {
            return Err(NotMeasured::NotDstack03 { index: e.index, name: e.name.clone() });
        }
        seen.push(&e.name);
    }
    Ok(Layout::Dstack03)
}

fn decode(events: &[MeasuredEvent]) -> (DstackMeasurements, Vec<Anomaly>) {
    let mut m = DstackMeasurements::default();
    let mut anomalies = Vec::new();
    let mut seen: Vec<(Known, usize)> = Vec::new();
    for e in events {
        let Some(known) = e.known else { continue };
        if known == Known::SystemReady && !e.after_ready {
            m.system_ready = true;
        }
        if e.after_ready {
            anomalies.push(Anomaly::AfterReady { name: e.name.clone(), index: e.index });
            continue;
        }
        if let Some((expected, empty_ok)) = known.payload_len() {
            let len = e.payload.len();
            if len != expected && !(empty_ok && len == 0) {
                anomalies.push(Anomaly::BadPayload {
                    name: e.name.clone(),
                    index: e.index,
                    expected: format!("{expected} bytes"),
                    found: format!("{len} bytes"),
                });
                continue;
            }
        }
        if !known.repeatable() {
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == known) {
                anomalies.push(Anomaly::Duplicate { name: e.name.clone(), first: *first, again: e.index });
                continue;
            }
            seen.push((known, e.index));
        }
        let p = e.payload.clone();
        match known {
            Known::AppId => m.app_id = Some(p),
            Known::ComposeHash => m.compose_hash = Some(p),
            Known::InstanceId => m.instance_id = Some(p),
            Known::OsImageHash => m.os_image_hash = Some(p),
            Known::MrKms => m.mr_kms = Some(p),
            Known::RootfsHash => m.rootfs_hash = Some(p),
            Known::CaCertHash => m.ca_cert_hash = Some(p),
            Known::GpuPolicyHash => m.gpu_policy_hash = Some(p),
            Known::InitScriptHash => m.init_script_hashes.push(p),
            Known::StorageFs => m.storage_fs = Some(String::from_utf8_lossy(&p).into_owned()),
            Known::KeyProvider => {
                m.key_provider = parse_key_provider(&p);
                if m.key_provider.is_none() {
                    anomalies.push(Anomaly::BadPayload {
                        name: e.name.clone(),
                        index: e.index,
                        expected: "JSON {\"name\": …, \"id\": …}".into(),
                        found: crate::error::describe(&String::from_utf8_lossy(&p)),
                    });
                }
                m.key_provider_raw = Some(p);
            }
            Known::SystemPreparing | Known::BootMrDone | Known::SystemReady | Known::GpuAttestation => {}
        }
    }
    (m, anomalies)
}

fn parse_key_provider(payload: &[u8]) -> Option<KeyProvider> {
    #[derive(serde::Deserialize)]
    struct Kp {
        name: String,
        #[serde(default)]
        id: String,
    }
    let kp: Kp = serde_json::from_slice(payload).ok()?;
    Some(KeyProvider { name: kp.name, id: kp.id })
}
