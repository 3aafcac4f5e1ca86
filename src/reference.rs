//! The reference file (`dstack-audit/reference/v1`) → checked expectations.
//!
//! Parsing is strict: unknown keys are an error, hex values are checked for length, and
//! every expectation remembers the field that set it so that a mismatch can say which
//! reference entry demanded what. A section or value that is absent stays `None`: the
//! appraisal reports it as not checked, never as a pass.

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::bytes::decode_hex;
use crate::compose::docker_compose::ImageRef;
use crate::dcap::tcb_info::TcbStatus;
use crate::error::{describe, Error, ParseError};

pub(crate) mod keys;
pub(crate) mod model;
mod problem;

use model::{OneOrMany, ReferenceFile, TcbSection};

pub const SCHEMA: &str = "dstack-audit/reference/v1";

/// The launcher section (check 2) lives with the signature formats it names.
pub use crate::signature::expect::{LauncherExpect, ProvenanceExpect};

/// Expected workload pin (used by check 3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadExpect {
    pub repo_url: Option<String>,
    pub commit_sha: Option<String>,
    pub repo_subdir: Option<String>,
    pub entrypoint_script: Option<String>,
    pub run_cmd: Option<String>,
    pub install_cmd: Option<String>,
    pub config_path: Option<String>,
    /// SHA-256 (hex) of the app-compose `pre_launch_script`, which dstack sources as root
    /// before Compose starts; without it, a deployment with such a script is not passed.
    pub pre_launch_script_sha256: Option<String>,
    /// SHA-256 (hex) of each `init_script` (a string is one script), in order; dstack-prepare.sh
    /// sources them as root before the services start.
    pub init_script_sha256: Option<Vec<String>>,
    /// Named weakenings of check 3 (`persistent-checkout`, `privileged`, `cap_add`, …),
    /// each shown in the report when it is used (docs/reference-format.md).
    #[serde(default)]
    pub accept: Vec<String>,
}

/// The names `workload.accept` may hold: each accepts one thing check 3 otherwise refuses.
pub const WORKLOAD_ACCEPT: [&str; 10] = [
    "persistent-checkout",
    "privileged",
    "cap_add",
    "devices",
    "pid",
    "ipc",
    "network_mode",
    "security_opt",
    "userns_mode",
    "cgroup",
];

impl Serialize for WorkloadExpect {
    /// Unset values are left out, except that a git-launcher workload states its subdirectory
    /// (null: the repository root), as the launcher's config does.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let text = [
            ("repo_url", &self.repo_url),
            ("commit_sha", &self.commit_sha),
            ("repo_subdir", &self.repo_subdir),
            ("entrypoint_script", &self.entrypoint_script),
            ("run_cmd", &self.run_cmd),
            ("install_cmd", &self.install_cmd),
            ("config_path", &self.config_path),
            ("pre_launch_script_sha256", &self.pre_launch_script_sha256),
        ];
        for (key, value) in text {
            if value.is_some() || (key == "repo_subdir" && self.expects_launcher()) {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(list) = &self.init_script_sha256 {
            map.serialize_entry("init_script_sha256", list)?;
        }
        if !self.accept.is_empty() {
            map.serialize_entry("accept", &self.accept)?;
        }
        map.end()
    }
}

impl WorkloadExpect {
    /// Whether the reference accepts `what` by name.
    pub fn accepts(&self, what: &str) -> bool {
        self.accept.iter().any(|a| a == what)
    }

    /// Whether this section expects a git-launcher (decision 59): it names something only a
    /// launcher config has. Script pins and `accept` apply to every deployment and do not.
    pub fn expects_launcher(&self) -> bool {
        self.repo_url.is_some()
            || self.commit_sha.is_some()
            || self.repo_subdir.is_some()
            || self.entrypoint_script.is_some()
            || self.run_cmd.is_some()
            || self.install_cmd.is_some()
            || self.config_path.is_some()
    }
}

/// An allow-list of binary values and the reference field that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    pub field: String,
    pub values: Vec<Vec<u8>>,
}

impl AllowList {
    pub fn allows(&self, value: &[u8]) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// The allowed values as hex, for messages.
    pub fn describe(&self) -> String {
        let all: Vec<String> = self.values.iter().map(hex::encode).collect();
        if all.len() == 1 {
            all.concat()
        } else {
            format!("one of [{}]", all.join(", "))
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TdxExpect {
    pub mrtd: Option<AllowList>,
    pub rtmr0: Option<AllowList>,
    pub rtmr1: Option<AllowList>,
    pub rtmr2: Option<AllowList>,
}

/// The TCB policy: which converged TCB statuses and which advisory IDs are acceptable. Statuses
/// are parsed into Intel's set, so a misspelt name is an error rather than an entry that never
/// matches, and `Revoked` cannot be listed (decision 38).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbPolicy {
    /// Never contains `Revoked`.
    pub allowed_statuses: Vec<TcbStatus>,
    /// Advisory IDs as Intel writes them (`INTEL-SA-00837`), compared exactly.
    pub allowed_advisories: Vec<String>,
    /// True when the statuses come from the default (`UpToDate` only).
    pub default: bool,
}

impl Default for TcbPolicy {
    fn default() -> Self {
        TcbPolicy { allowed_statuses: vec![TcbStatus::UpToDate], allowed_advisories: Vec::new(), default: true }
    }
}

impl TcbPolicy {
    /// The allowed statuses as Intel spells them, for messages.
    pub fn describe_statuses(&self) -> String {
        self.allowed_statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProviderExpect {
    pub name: String,
    /// Compared case-insensitively as hex when it is hex; `None` means any id.
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DstackExpect {
    pub os_image_hash: Option<AllowList>,
    pub compose_hash: Option<AllowList>,
    pub app_id: Option<AllowList>,
    pub key_provider: Option<KeyProviderExpect>,
    /// Exactly 64 bytes (shorter values are zero-padded, as the guest agent does).
    pub report_data: Option<[u8; 64]>,
}

/// The checked reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The reference file's name, for messages.
    pub source: String,
    pub tdx: Option<TdxExpect>,
    pub tcb: TcbPolicy,
    pub dstack: Option<DstackExpect>,
    pub launcher: Option<LauncherExpect>,
    pub workload: Option<WorkloadExpect>,
    /// The `images` allow-list, each entry pinned by a sha256 digest.
    pub images: Option<Vec<ImageRef>>,
    /// `verify --report-data`: the caller's nonce, checked even without a reference file.
    pub nonce: Option<[u8; 64]>,
}

impl Reference {
    /// No expectations at all (no `--reference` given).
    pub fn none() -> Self {
        Reference {
            source: String::new(),
            tdx: None,
            tcb: TcbPolicy::default(),
            dstack: None,
            launcher: None,
            workload: None,
            images: None,
            nonce: None,
        }
    }

    pub fn is_given(&self) -> bool {
        !self.source.is_empty()
    }
}

/// Parses and checks a reference file.
pub fn parse_reference(bytes: &[u8], name: &str) -> Result<Reference, Error> {
    if let Some(e) = keys::repeated_key(bytes) {
        return Err(e.in_input(name));
    }
    problem::clear();
    keys::check_document(bytes)
        .map_err(|e| problem::take(&e, &format!("a {SCHEMA} reference (JSON)")).in_input(name))?;
    let file: ReferenceFile = serde_json::from_slice(bytes)
        .map_err(|e| problem::take(&e, &format!("a {SCHEMA} reference")).in_input(name))?;
    check(file, name).map_err(|e| e.in_input(name))
}

fn check(raw: ReferenceFile, name: &str) -> Result<Reference, ParseError> {
    if raw.schema != SCHEMA {
        return Err(ParseError::field("schema", format!("\"{SCHEMA}\""), format!("{:?}", raw.schema)));
    }
    let tdx = raw
        .tdx
        .map(|t| -> Result<TdxExpect, ParseError> {
            Ok(TdxExpect {
                mrtd: allow_list(t.mrtd, "tdx.mrtd", 48)?,
                rtmr0: allow_list(t.rtmr0, "tdx.rtmr0", 48)?,
                rtmr1: allow_list(t.rtmr1, "tdx.rtmr1", 48)?,
                rtmr2: allow_list(t.rtmr2, "tdx.rtmr2", 48)?,
            })
        })
        .transpose()?;
    let tcb = raw.tcb.map(check_tcb).transpose()?.unwrap_or_default();
    let dstack = raw
        .dstack
        .map(|d| -> Result<DstackExpect, ParseError> {
            Ok(DstackExpect {
                os_image_hash: allow_list(d.os_image_hash, "dstack.os_image_hash", 32)?,
                compose_hash: allow_list(d.compose_hash, "dstack.compose_hash", 32)?,
                app_id: allow_list(d.app_id, "dstack.app_id", 20)?,
                key_provider: d.key_provider.map(|k| KeyProviderExpect { name: k.name, id: k.id }),
                report_data: d.report_data.map(|r| report_data(&r, "dstack.report_data")).transpose()?,
            })
        })
        .transpose()?;
    Ok(Reference {
        source: name.to_string(),
        tdx,
        tcb,
        dstack,
        launcher: raw.launcher.map(|l| l.validate().map(|()| l)).transpose()?,
        workload: raw.workload.map(check_workload).transpose()?,
        images: raw.images.map(images).transpose()?,
        nonce: None,
    })
}

/// `tcb`: statuses in Intel's exact spelling (case matters, as in Intel's QVL), never `Revoked`;
/// advisory IDs in Intel's form. An absent `allowed_statuses` is the default (`UpToDate`).
fn check_tcb(t: TcbSection) -> Result<TcbPolicy, ParseError> {
    let default = t.allowed_statuses.is_none();
    let allowed_statuses = match t.allowed_statuses {
        None => TcbPolicy::default().allowed_statuses,
        Some(list) if list.is_empty() => {
            return Err(ParseError::field("tcb.allowed_statuses", "at least one TCB status", "an empty list"))
        }
        Some(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, s)| allowed_status(s, format!("tcb.allowed_statuses[{i}]")))
            .collect::<Result<_, _>>()?,
    };
    let allowed_advisories = t.allowed_advisories.unwrap_or_default();
    for (i, a) in allowed_advisories.iter().enumerate() {
        check_advisory_id(a, format!("tcb.allowed_advisories[{i}]"))?;
    }
    Ok(TcbPolicy { allowed_statuses, allowed_advisories, default })
}

/// One entry of `tcb.allowed_statuses` (the model has parsed it into Intel's set).
fn allowed_status(status: TcbStatus, at: String) -> Result<TcbStatus, ParseError> {
    match status {
        TcbStatus::Revoked => Err(ParseError::field(
            at,
            "a status other than Revoked: Intel marks a TCB level Revoked when it is compromised, so a \
             platform at that level proves nothing and no policy may accept it",
            "`Revoked`",
        )),
        status => Ok(status),
    }
}

/// Intel's advisory IDs are `INTEL-SA-` and upper-case letters or digits in dash-separated groups
/// (`INTEL-SA-00837`; the test PKI's `INTEL-SA-TEST-0001`). They are compared exactly, so any
/// other spelling could never match and is refused.
fn check_advisory_id(text: &str, at: String) -> Result<(), ParseError> {
    if is_advisory_id(text) {
        return Ok(());
    }
    let hint = if is_advisory_id(&text.to_ascii_uppercase()) {
        " (IDs are compared exactly as Intel writes them, in upper case)"
    } else {
        ""
    };
    Err(ParseError::field(at, format!("an Intel advisory ID such as INTEL-SA-00837{hint}"), describe(text)))
}

fn is_advisory_id(text: &str) -> bool {
    text.strip_prefix("INTEL-SA-").is_some_and(|rest| {
        rest.split('-').all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    })
}

/// `images`: a non-empty list of image references, each pinned by a sha256 digest.
fn images(list: Vec<String>) -> Result<Vec<ImageRef>, ParseError> {
    if list.is_empty() {
        return Err(ParseError::field("images", "at least one image pinned by digest", "an empty list"));
    }
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let at = format!("images[{i}]");
            let image = ImageRef::parse(s).map_err(|e| e.under(&at))?;
            if !image.is_pinned() {
                return Err(ParseError::field(at, "an image pinned by digest (`name@sha256:…`)", describe(s)));
            }
            Ok(image)
        })
        .collect()
}

/// `workload`: a full commit id (as the launcher requires), and relative paths without `..`.
fn check_workload(mut w: WorkloadExpect) -> Result<WorkloadExpect, ParseError> {
    if let Some(sha) = &w.commit_sha {
        let full = matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit());
        if !full {
            return Err(ParseError::field("workload.commit_sha", "a full 40- or 64-hex commit id", describe(sha)));
        }
        w.commit_sha = Some(sha.to_ascii_lowercase());
    }
    for (field, value) in
        [("workload.repo_subdir", &w.repo_subdir), ("workload.entrypoint_script", &w.entrypoint_script)]
    {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            if v.starts_with('/') || v.split('/').any(|part| part == "..") {
                return Err(ParseError::field(field, "a path relative to the repository, without `..`", describe(v)));
            }
        }
    }
    if let Some(h) = &w.pre_launch_script_sha256 {
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError::field("workload.pre_launch_script_sha256", "64 hex digits", describe(h)));
        }
        w.pre_launch_script_sha256 = Some(h.to_ascii_lowercase());
    }
    if let Some(list) = w.init_script_sha256.as_mut() {
        for h in list.iter_mut() {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ParseError::field("workload.init_script_sha256", "a list of 64-hex digests", describe(h)));
            }
            *h = h.to_ascii_lowercase();
        }
    }
    if let Some(bad) = w.accept.iter().find(|a| !WORKLOAD_ACCEPT.contains(&a.as_str())) {
        return Err(ParseError::field(
            "workload.accept",
            format!("names from: {}", WORKLOAD_ACCEPT.join(", ")),
            describe(bad),
        ));
    }
    if let Some(p) = &w.config_path {
        if !p.starts_with('/') {
            return Err(ParseError::field(
                "workload.config_path",
                "an absolute path inside the container",
                describe(p),
            ));
        }
    }
    Ok(w)
}

fn allow_list(v: Option<OneOrMany>, field: &str, len: usize) -> Result<Option<AllowList>, ParseError> {
    let Some(v) = v else { return Ok(None) };
    let items = v.into_vec();
    if items.is_empty() {
        return Err(ParseError::field(field, "at least one allowed value", "an empty list"));
    }
    let values = items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let at = format!("{field}[{i}]");
            let bytes = decode_hex(s, &at)?;
            if bytes.len() != len {
                return Err(ParseError::field(at, format!("{len} bytes of hex"), format!("{} bytes", bytes.len())));
            }
            Ok(bytes)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(AllowList { field: field.to_string(), values }))
}

/// At most 64 bytes of hex, zero-padded to 64 as the guest agent pads a `GetQuote` request.
pub fn report_data(text: &str, field: &str) -> Result<[u8; 64], ParseError> {
    let bytes = decode_hex(text, field)?;
    if bytes.len() > 64 {
        return Err(ParseError::field(field, "at most 64 bytes of hex", format!("{} bytes", bytes.len())));
    }
    let mut out = [0u8; 64];
    out.iter_mut().zip(bytes.iter()).for_each(|(d, s)| *d = *s);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H48: &str =
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn parses_one_or_many_and_rejects_unknown_keys() {
        let text = format!(r#"{{"schema":"{SCHEMA}","tdx":{{"mrtd":"{H48}","rtmr0":["{H48}","0x{H48}"]}}}}"#);
        let r = parse_reference(text.as_bytes(), "ref.json").unwrap();
        let tdx = r.tdx.unwrap();
        assert_eq!(tdx.mrtd.unwrap().values.len(), 1);
        assert_eq!(tdx.rtmr0.unwrap().values.len(), 2);
        assert!(tdx.rtmr1.is_none());

        let bad = format!(r#"{{"schema":"{SCHEMA}","tdx":{{"mrtdd":"{H48}"}}}}"#);
        let e = parse_reference(bad.as_bytes(), "ref.json").unwrap_err().to_string();
        assert!(e.contains("ref.json") && e.contains("mrtdd"), "{e}");
    }

    #[test]
    fn rejects_wrong_lengths_and_schema() {
        let bad = format!(r#"{{"schema":"{SCHEMA}","dstack":{{"app_id":["00"]}}}}"#);
        let e = parse_reference(bad.as_bytes(), "r").unwrap_err().to_string();
        assert!(e.contains("dstack.app_id[0]") && e.contains("20 bytes"), "{e}");
        let e = parse_reference(br#"{"schema":"v0"}"#, "r").unwrap_err().to_string();
        assert!(e.contains("schema"), "{e}");
    }

    #[test]
    fn report_data_is_zero_padded() {
        let text = format!(r#"{{"schema":"{SCHEMA}","dstack":{{"report_data":"1234"}}}}"#);
        let r = parse_reference(text.as_bytes(), "r").unwrap();
        let rd = r.dstack.unwrap().report_data.unwrap();
        assert_eq!(&rd[..3], &[0x12, 0x34, 0]);
    }

    fn tcb(tcb: &str) -> Result<Reference, String> {
        let text = format!(r#"{{"schema":"{SCHEMA}","tcb":{tcb}}}"#);
        parse_reference(text.as_bytes(), "ref.json").map_err(|e| e.to_string())
    }

    #[test]
    fn tcb_statuses_are_intels_names_exactly() {
        let r = tcb(r#"{"allowed_statuses":["UpToDate","SWHardeningNeeded","TDRelaunchAdvised"]}"#).unwrap();
        assert_eq!(
            r.tcb.allowed_statuses,
            [TcbStatus::UpToDate, TcbStatus::SWHardeningNeeded, TcbStatus::TDRelaunchAdvised]
        );
        assert!(!r.tcb.default);
        assert_eq!(tcb("{}").unwrap().tcb, TcbPolicy::default());
        assert_eq!(Reference::none().tcb.allowed_statuses, [TcbStatus::UpToDate]);

        // Wrong case: not a silent never-match, and the message says what was meant.
        let e = tcb(r#"{"allowed_statuses":["UpToDate","outofdate"]}"#).unwrap_err();
        assert!(e.contains("ref.json") && e.contains("tcb.allowed_statuses[1]") && e.contains("`outofdate`"), "{e}");
        assert!(e.contains("case-sensitive: did you mean OutOfDate?"), "{e}");
        assert!(e.contains("UpToDate, SWHardeningNeeded, ConfigurationNeeded"), "{e}");
        assert!(e.contains("TDRelaunchAdvisedConfigurationNeeded") && !e.contains("Revoked"), "{e}");
        // A typo.
        let e = tcb(r#"{"allowed_statuses":["UpToDat"]}"#).unwrap_err();
        assert!(e.contains("tcb.allowed_statuses[0]") && e.contains("`UpToDat`") && !e.contains("did you mean"), "{e}");
        let e = tcb(r#"{"allowed_statuses":[]}"#).unwrap_err();
        assert!(e.contains("tcb.allowed_statuses") && e.contains("empty"), "{e}");
    }

    #[test]
    fn revoked_can_never_be_allowed() {
        for list in [r#"["Revoked"]"#, r#"["UpToDate","OutOfDate","Revoked"]"#] {
            let e = tcb(&format!(r#"{{"allowed_statuses":{list}}}"#)).unwrap_err();
            assert!(e.contains("ref.json") && e.contains("`Revoked`") && e.contains("no policy may accept it"), "{e}");
        }
        let e = tcb(r#"{"allowed_statuses":["UpToDate","OutOfDate","Revoked"]}"#).unwrap_err();
        assert!(e.contains("tcb.allowed_statuses[2]"), "{e}");
    }

    #[test]
    fn advisory_ids_have_intels_shape() {
        let ok = tcb(r#"{"allowed_advisories":["INTEL-SA-00837","INTEL-SA-TEST-0001"]}"#).unwrap();
        assert_eq!(ok.tcb.allowed_advisories, ["INTEL-SA-00837", "INTEL-SA-TEST-0001"]);
        let e = tcb(r#"{"allowed_advisories":["INTEL-SA-00837","intel-sa-00615"]}"#).unwrap_err();
        assert!(e.contains("tcb.allowed_advisories[1]") && e.contains("upper case"), "{e}");
        for bad in ["00615", "INTEL-SA-", "INTEL-SA-00615 ", "INTEL-SA--1", "CVE-2024-1234"] {
            let e = tcb(&format!(r#"{{"allowed_advisories":["{bad}"]}}"#)).unwrap_err();
            assert!(e.contains("tcb.allowed_advisories[0]") && e.contains("INTEL-SA-00837"), "{bad}: {e}");
            assert!(!e.contains("upper case"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_model_writes_every_workload_key_it_reads() {
        let full = WorkloadExpect {
            repo_url: Some("u".into()),
            commit_sha: Some("c".into()),
            repo_subdir: Some("s".into()),
            entrypoint_script: Some("e".into()),
            run_cmd: Some("r".into()),
            install_cmd: Some("i".into()),
            config_path: Some("/p".into()),
            pre_launch_script_sha256: Some("h".into()),
            init_script_sha256: Some(vec!["h".into()]),
            accept: vec!["privileged".into()],
        };
        let written = serde_json::to_value(&full).unwrap();
        let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(Some(keys.as_slice()), keys::allowed("workload"));
        let back: WorkloadExpect = serde_json::from_value(written).unwrap();
        assert_eq!(back, full);
        // Unset values are left out; a git-launcher workload states its subdirectory.
        let scripts = WorkloadExpect { pre_launch_script_sha256: Some("h".into()), ..WorkloadExpect::default() };
        assert_eq!(serde_json::to_string(&scripts).unwrap(), r#"{"pre_launch_script_sha256":"h"}"#);
        let launcher = WorkloadExpect { repo_url: Some("u".into()), ..WorkloadExpect::default() };
        assert_eq!(serde_json::to_string(&launcher).unwrap(), r#"{"repo_url":"u","repo_subdir":null}"#);
    }

    #[test]
    fn a_key_given_twice_is_refused_with_its_path_and_line() {
        let text = format!("{{\"schema\":\"{SCHEMA}\",\n\"tdx\":{{\"mrtd\":\"{H48}\",\n\"mrtd\":\"{H48}\"}}}}");
        let e = parse_reference(text.as_bytes(), "ref.json").unwrap_err().to_string();
        assert!(e.starts_with("ref.json: field `tdx.mrtd`: expected each key once") && e.contains("line 3"), "{e}");
        let text = format!(r#"{{"schema":"{SCHEMA}","sources":{{"tdx":"a","tdx":"b"}}}}"#);
        let e = parse_reference(text.as_bytes(), "ref.json").unwrap_err().to_string();
        assert!(e.contains("field `sources.tdx`"), "{e}");
    }

    #[test]
    fn unknown_keys_say_what_is_allowed_and_where() {
        let text = format!("{{\"schema\":\"{SCHEMA}\",\n\"dstack\":{{\"key_provider\":{{\"nam\":\"kms\"}}}}}}");
        let e = parse_reference(text.as_bytes(), "ref.json").unwrap_err().to_string();
        assert!(e.starts_with("ref.json: field `dstack.key_provider.nam`: expected one of the keys name, id"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }
}
