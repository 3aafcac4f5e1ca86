//! TDX TCB Info v3 and TD QE Identity v2, parsed from the exact signed JSON text (research §2.1,
//! §2.2). Shape only: required fields, JSON types, byte lengths and named bounds. Signatures and
//! validity windows are checked in `verify`, the TCB-level algorithm lives in `tcb`.
//!
//! Rules follow Intel QVL's parsers (`TcbInfo.cpp`, `EnclaveIdentityV2.cpp`, step 4.1.2.9.3):
//! TCB Info `id` "TDX" with `version` 3 (the only TDX layout; later versions are accepted as long
//! as the v3 fields are there), `tcbType` 0, `tdxModule` required, `tdxModuleIdentities` optional
//! (absent before evaluation data number 16) but non-empty when present, `tcbLevels` non-empty and
//! without duplicates; QE Identity `id` "TD_QE", `version` 2 (3 accepted, as dcap-qvl does),
//! non-empty `tcbLevels`. Hex fields may be upper or lower case. Unknown fields are ignored
//! (Intel adds fields, e.g. `category`/`type` on TCB components). Errors name the JSON path under
//! the collateral field, e.g. `tcb_info.tcbLevels[3].tcb.sgxtcbcomponents[2].svn`.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::clock::UnixTime;
use crate::error::{describe, json_message, ParseError};
use crate::json::{kind, Obj};
use crate::limits::{MAX_ADVISORY_IDS, MAX_TCB_LEVELS, MAX_TDX_MODULE_IDENTITIES};

/// A TCB status, spelled as Intel spells it (`as_str`, `Display`, `FromStr` and serde all use
/// Intel's spelling). The two `TDRelaunchAdvised*` values only result from the TD 1.5 relaunch
/// check (QVL 4.1.2.4.17.4.3); they never appear in a TCB level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcbStatus {
    UpToDate,
    SWHardeningNeeded,
    ConfigurationNeeded,
    ConfigurationAndSWHardeningNeeded,
    OutOfDate,
    OutOfDateConfigurationNeeded,
    Revoked,
    TDRelaunchAdvised,
    TDRelaunchAdvisedConfigurationNeeded,
}

impl TcbStatus {
    /// Every status, in the order Intel lists them.
    pub const ALL: [TcbStatus; 9] = [
        TcbStatus::UpToDate,
        TcbStatus::SWHardeningNeeded,
        TcbStatus::ConfigurationNeeded,
        TcbStatus::ConfigurationAndSWHardeningNeeded,
        TcbStatus::OutOfDate,
        TcbStatus::OutOfDateConfigurationNeeded,
        TcbStatus::Revoked,
        TcbStatus::TDRelaunchAdvised,
        TcbStatus::TDRelaunchAdvisedConfigurationNeeded,
    ];

    /// Intel's exact spelling, as in the TCB Info JSON and QVL's reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TcbStatus::UpToDate => "UpToDate",
            TcbStatus::SWHardeningNeeded => "SWHardeningNeeded",
            TcbStatus::ConfigurationNeeded => "ConfigurationNeeded",
            TcbStatus::ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            TcbStatus::OutOfDate => "OutOfDate",
            TcbStatus::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            TcbStatus::Revoked => "Revoked",
            TcbStatus::TDRelaunchAdvised => "TDRelaunchAdvised",
            TcbStatus::TDRelaunchAdvisedConfigurationNeeded => "TDRelaunchAdvisedConfigurationNeeded",
        }
    }

    /// True for the statuses that say platform configuration is needed (QVL `isConfigurationNeeded`).
    pub fn is_configuration_needed(self) -> bool {
        matches!(
            self,
            TcbStatus::ConfigurationNeeded
                | TcbStatus::ConfigurationAndSWHardeningNeeded
                | TcbStatus::OutOfDateConfigurationNeeded
                | TcbStatus::TDRelaunchAdvisedConfigurationNeeded
        )
    }
}

impl fmt::Display for TcbStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TcbStatus {
    type Err = ParseError;

    /// Exact, case-sensitive match on Intel's spelling (as QVL's `parseStringToTcbStatus`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TcbStatus::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            ParseError::new(crate::error::Location::Whole, "a TCB status such as UpToDate or OutOfDate", describe(s))
        })
    }
}

impl serde::Serialize for TcbStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// TDX TCB Info (`tcbInfo` value), version 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbInfo {
    pub id: String,
    pub version: u32,
    /// `issueDate`.
    pub issue_date: UnixTime,
    /// `nextUpdate`.
    pub next_update: UnixTime,
    pub fmspc: [u8; 6],
    pub pce_id: [u8; 2],
    pub tcb_type: u32,
    pub tcb_evaluation_data_number: u32,
    /// `tdxModule`: the identity used when the quote's module major version (tee_tcb_svn[1]) is 0.
    pub tdx_module: TdxModule,
    /// `tdxModuleIdentities` (empty when the field is absent, as in evaluation data number ≤ 15).
    pub tdx_module_identities: Vec<TdxModuleIdentity>,
    /// `tcbLevels` in document order; `levels_descending` gives QVL's matching order.
    pub tcb_levels: Vec<TcbLevel>,
}

impl TcbInfo {
    /// `(issueDate, nextUpdate)`.
    pub fn window(&self) -> (UnixTime, UnixTime) {
        (self.issue_date, self.next_update)
    }

    /// The TCB levels in the order QVL matches them (4.1.2.4.17: a set sorted descending by SGX
    /// components, then PCESVN, then TDX components, each compared lexicographically). Parsing
    /// rejects duplicates, so the order is total.
    pub fn levels_descending(&self) -> Vec<&TcbLevel> {
        let mut levels: Vec<&TcbLevel> = self.tcb_levels.iter().collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.sort_key()));
        levels
    }

    /// The `tdxModuleIdentities` entry `TDX_%02X` for a module major version (QVL compares the
    /// id case-insensitively, `findTdxModuleIdentity`).
    pub fn module_identity(&self, major_version: u8) -> Option<&TdxModuleIdentity> {
        let id = module_identity_id(major_version);
        self.tdx_module_identities.iter().find(|m| m.id.eq_ignore_ascii_case(&id))
    }
}

/// `TDX_%02X`, the id of the module identity for a module major version.
pub fn module_identity_id(major_version: u8) -> String {
    format!("TDX_{major_version:02X}")
}

/// `tdxModule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdxModule {
    pub mrsigner: [u8; 48],
    pub attributes: [u8; 8],
    pub attributes_mask: [u8; 8],
}

/// One `tdxModuleIdentities` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdxModuleIdentity {
    pub id: String,
    pub mrsigner: [u8; 48],
    pub attributes: [u8; 8],
    pub attributes_mask: [u8; 8],
    /// In document order (QVL takes the first level the ISVSVN reaches).
    pub tcb_levels: Vec<ModuleTcbLevel>,
}

/// A TCB level keyed by one ISVSVN: TDX module identity levels and QE Identity levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleTcbLevel {
    pub isvsvn: u16,
    /// `tcbDate` as written (checked to be RFC 3339).
    pub tcb_date: String,
    pub tcb_status: TcbStatus,
    /// `advisoryIDs` (absent means none).
    pub advisory_ids: Vec<String>,
}

/// One platform `tcbLevels` entry of the TDX TCB Info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbLevel {
    /// `tcb.sgxtcbcomponents[i].svn`.
    pub sgx_components: [u8; 16],
    /// `tcb.pcesvn`.
    pub pcesvn: u16,
    /// `tcb.tdxtcbcomponents[i].svn`.
    pub tdx_components: [u8; 16],
    /// `tcbDate` as written (checked to be RFC 3339).
    pub tcb_date: String,
    pub tcb_status: TcbStatus,
    /// `advisoryIDs` (absent means none).
    pub advisory_ids: Vec<String>,
}

/// SGX components, PCESVN, TDX components: QVL's ordering key for platform levels.
type LevelKey = ([u8; 16], u16, [u8; 16]);

impl TcbLevel {
    fn sort_key(&self) -> LevelKey {
        (self.sgx_components, self.pcesvn, self.tdx_components)
    }
}

/// TD QE Identity (`enclaveIdentity` value), version 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QeIdentity {
    pub id: String,
    pub version: u32,
    pub issue_date: UnixTime,
    pub next_update: UnixTime,
    pub tcb_evaluation_data_number: u32,
    /// `miscselect`, the 4 bytes as written (QVL reads them as a little-endian u32, like the
    /// report's MISCSELECT).
    pub miscselect: [u8; 4],
    pub miscselect_mask: [u8; 4],
    pub attributes: [u8; 16],
    pub attributes_mask: [u8; 16],
    pub mrsigner: [u8; 32],
    pub isvprodid: u16,
    /// In document order (QVL takes the first level the QE's ISVSVN reaches).
    pub tcb_levels: Vec<ModuleTcbLevel>,
}

impl QeIdentity {
    /// `(issueDate, nextUpdate)`.
    pub fn window(&self) -> (UnixTime, UnixTime) {
        (self.issue_date, self.next_update)
    }
}

/// Parses the exact signed text of a TDX TCB Info (`tcb_info` in the collateral). Errors name
/// paths under `tcb_info`.
pub fn parse_tcb_info(signed_text: &str) -> Result<TcbInfo, ParseError> {
    let root = parse_json(signed_text, "tcb_info", "tcbInfo")?;
    let o = Obj::new(&root, "tcb_info".to_string())?;
    let id = o.string("id")?;
    if id != "TDX" {
        return Err(ParseError::field(o.path("id"), "\"TDX\" (a TDX TCB Info)", describe(id)));
    }
    let version: u32 = o.uint("version")?;
    if version < 3 {
        return Err(ParseError::field(o.path("version"), "version 3 or later", version.to_string()));
    }
    let tcb_type: u32 = o.uint("tcbType")?;
    if tcb_type != 0 {
        return Err(ParseError::field(o.path("tcbType"), "0 (the only TCB type Intel defines)", tcb_type.to_string()));
    }
    let tcb_levels = o.array("tcbLevels", MAX_TCB_LEVELS, "MAX_TCB_LEVELS")?;
    if tcb_levels.is_empty() {
        return Err(ParseError::field(o.path("tcbLevels"), "at least one TCB level", "an empty array"));
    }
    let tcb_levels = tcb_levels.iter().map(|e| parse_tcb_level(&e.obj()?)).collect::<Result<Vec<_>, _>>()?;
    check_no_duplicate_levels(&tcb_levels)?;
    Ok(TcbInfo {
        issue_date: o.date("issueDate")?,
        next_update: o.date("nextUpdate")?,
        fmspc: o.hex("fmspc")?,
        pce_id: o.hex("pceId")?,
        tcb_type,
        tcb_evaluation_data_number: o.uint("tcbEvaluationDataNumber")?,
        tdx_module: parse_tdx_module(&o.object("tdxModule")?)?,
        tdx_module_identities: parse_module_identities(&o)?,
        tcb_levels,
        id: id.to_string(),
        version,
    })
}

/// Parses the exact signed text of a TD QE Identity (`qe_identity` in the collateral). Errors
/// name paths under `qe_identity`.
pub fn parse_qe_identity(signed_text: &str) -> Result<QeIdentity, ParseError> {
    let root = parse_json(signed_text, "qe_identity", "enclaveIdentity")?;
    let o = Obj::new(&root, "qe_identity".to_string())?;
    let id = o.string("id")?;
    if id != "TD_QE" {
        return Err(ParseError::field(o.path("id"), "\"TD_QE\" (the TDX quoting enclave's identity)", describe(id)));
    }
    let version: u32 = o.uint("version")?;
    if !(2..=3).contains(&version) {
        return Err(ParseError::field(o.path("version"), "version 2 (or 3)", version.to_string()));
    }
    let tcb_levels = parse_isvsvn_levels(&o, "tcbLevels")?;
    if tcb_levels.is_empty() {
        return Err(ParseError::field(o.path("tcbLevels"), "at least one TCB level", "an empty array"));
    }
    Ok(QeIdentity {
        id: id.to_string(),
        version,
        issue_date: o.date("issueDate")?,
        next_update: o.date("nextUpdate")?,
        tcb_evaluation_data_number: o.uint("tcbEvaluationDataNumber")?,
        miscselect: o.hex("miscselect")?,
        miscselect_mask: o.hex("miscselectMask")?,
        attributes: o.hex("attributes")?,
        attributes_mask: o.hex("attributesMask")?,
        mrsigner: o.hex("mrsigner")?,
        isvprodid: o.uint("isvprodid")?,
        tcb_levels,
    })
}

/// Parses the JSON text; a PCS response body (`{"tcbInfo": …, "signature": …}`) is named as such,
/// since its signed text is only the inner value.
fn parse_json(text: &str, field: &str, wrapper: &str) -> Result<Value, ParseError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| ParseError::field(field, "JSON text", format!("invalid JSON: {}", json_message(&e))))?;
    if v.get(wrapper).is_some() {
        return Err(ParseError::field(
            field,
            format!("the exact signed text of the `{wrapper}` value"),
            format!("a whole PCS response body with a `{wrapper}` member"),
        ));
    }
    Ok(v)
}

fn parse_tdx_module(o: &Obj<'_>) -> Result<TdxModule, ParseError> {
    Ok(TdxModule {
        mrsigner: o.hex("mrsigner")?,
        attributes: o.hex("attributes")?,
        attributes_mask: o.hex("attributesMask")?,
    })
}

fn parse_module_identities(o: &Obj<'_>) -> Result<Vec<TdxModuleIdentity>, ParseError> {
    if o.optional("tdxModuleIdentities").is_none() {
        return Ok(Vec::new());
    }
    let entries = o.array("tdxModuleIdentities", MAX_TDX_MODULE_IDENTITIES, "MAX_TDX_MODULE_IDENTITIES")?;
    if entries.is_empty() {
        return Err(ParseError::field(o.path("tdxModuleIdentities"), "at least one module identity", "an empty array"));
    }
    entries
        .iter()
        .map(|e| {
            let m = e.obj()?;
            Ok(TdxModuleIdentity {
                id: m.string("id")?.to_string(),
                mrsigner: m.hex("mrsigner")?,
                attributes: m.hex("attributes")?,
                attributes_mask: m.hex("attributesMask")?,
                tcb_levels: parse_isvsvn_levels(&m, "tcbLevels")?,
            })
        })
        .collect()
}

/// `[{tcb: {isvsvn}, tcbDate, tcbStatus, advisoryIDs?}]` (module identities and QE Identity).
fn parse_isvsvn_levels(o: &Obj<'_>, key: &str) -> Result<Vec<ModuleTcbLevel>, ParseError> {
    o.array(key, MAX_TCB_LEVELS, "MAX_TCB_LEVELS")?
        .iter()
        .map(|e| {
            let l = e.obj()?;
            Ok(ModuleTcbLevel {
                isvsvn: l.object("tcb")?.uint("isvsvn")?,
                tcb_date: l.date_text("tcbDate")?,
                tcb_status: l.parsed("tcbStatus")?,
                advisory_ids: advisory_ids(&l)?,
            })
        })
        .collect()
}

fn parse_tcb_level(l: &Obj<'_>) -> Result<TcbLevel, ParseError> {
    let tcb = l.object("tcb")?;
    Ok(TcbLevel {
        sgx_components: parse_components(&tcb, "sgxtcbcomponents")?,
        pcesvn: tcb.uint("pcesvn")?,
        tdx_components: parse_components(&tcb, "tdxtcbcomponents")?,
        tcb_date: l.date_text("tcbDate")?,
        tcb_status: l.parsed("tcbStatus")?,
        advisory_ids: advisory_ids(l)?,
    })
}

/// Exactly 16 `{svn, category?, type?}` objects.
fn parse_components(tcb: &Obj<'_>, key: &str) -> Result<[u8; 16], ParseError> {
    let items = tcb.required(key)?.as_array().ok_or_else(|| tcb.wrong_type(key, "an array of 16 components"))?;
    if items.len() != 16 {
        return Err(ParseError::field(
            tcb.path(key),
            "exactly 16 components",
            crate::error::count(items.len(), "component"),
        ));
    }
    let mut svns = [0u8; 16];
    for (i, (slot, value)) in svns.iter_mut().zip(items).enumerate() {
        *slot = Obj::new(value, format!("{}[{i}]", tcb.path(key)))?.uint("svn")?;
    }
    Ok(svns)
}

/// QVL keeps the levels in a set and rejects a TCB Info with two equal levels.
fn check_no_duplicate_levels(levels: &[TcbLevel]) -> Result<(), ParseError> {
    let mut keys: Vec<(LevelKey, usize)> = levels.iter().enumerate().map(|(i, l)| (l.sort_key(), i)).collect();
    keys.sort();
    match keys.windows(2).find_map(|w| match w {
        [(a, i), (b, j)] if a == b => Some((*i, *j)),
        _ => None,
    }) {
        Some((i, j)) => Err(ParseError::field(
            format!("tcb_info.tcbLevels[{j}]"),
            "distinct TCB levels",
            format!("the same SGX components, PCESVN and TDX components as tcbLevels[{i}]"),
        )),
        None => Ok(()),
    }
}

/// `advisoryIDs`: absent when empty; otherwise at most `MAX_ADVISORY_IDS` strings.
fn advisory_ids(o: &Obj<'_>) -> Result<Vec<String>, ParseError> {
    if o.optional("advisoryIDs").is_none() {
        return Ok(Vec::new());
    }
    o.array("advisoryIDs", MAX_ADVISORY_IDS, "MAX_ADVISORY_IDS")?
        .iter()
        .map(|n| {
            n.value.as_str().map(str::to_string).ok_or_else(|| ParseError::field(&n.path, "a string", kind(n.value)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_collateral(path: &str) -> serde_json::Value {
        let full = format!("{}/fixtures/tdx/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
    }

    fn field_text(path: &str, field: &str) -> String {
        fixture_collateral(path)[field].as_str().unwrap().to_string()
    }

    const DCAP_QVL: &str = "dcap-qvl/tdx_quote_collateral.json";

    #[test]
    fn parses_the_dcap_qvl_tcb_info() {
        let t = parse_tcb_info(&field_text(DCAP_QVL, "tcb_info")).unwrap();
        assert_eq!(t.id, "TDX");
        assert_eq!(t.version, 3);
        assert_eq!(t.fmspc, [0xb0, 0xc0, 0x6f, 0, 0, 0]);
        assert_eq!(t.pce_id, [0, 0]);
        assert_eq!(t.tcb_evaluation_data_number, 17);
        // 2025-06-19T10:16:03Z → 2025-07-19T10:16:03Z
        assert_eq!(t.window(), (UnixTime::from_secs(1750328163), UnixTime::from_secs(1752920163)));
        assert_eq!(t.tdx_module.mrsigner, [0u8; 48]);
        assert_eq!(t.tdx_module.attributes_mask, [0xff; 8]);
        let ids: Vec<&str> = t.tdx_module_identities.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["TDX_03", "TDX_01"]);
        let m = t.module_identity(1).unwrap();
        assert_eq!(m.tcb_levels.len(), 2);
        assert_eq!((m.tcb_levels[1].isvsvn, m.tcb_levels[1].tcb_status), (2, TcbStatus::OutOfDate));
        assert_eq!(t.tcb_levels.len(), 2);
        let l = &t.tcb_levels[1];
        assert_eq!(l.sgx_components, [2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(l.pcesvn, 5);
        assert_eq!(l.tdx_components, [5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(l.tcb_date, "2018-01-04T00:00:00Z");
        assert_eq!(l.tcb_status, TcbStatus::OutOfDate);
        assert_eq!(l.advisory_ids.first().map(String::as_str), Some("INTEL-SA-00106"));
        assert_eq!(l.advisory_ids.len(), 14);
        assert!(t.tcb_levels[0].advisory_ids.is_empty());
    }

    #[test]
    fn parses_the_dcap_qvl_qe_identity() {
        let q = parse_qe_identity(&field_text(DCAP_QVL, "qe_identity")).unwrap();
        assert_eq!((q.id.as_str(), q.version, q.isvprodid), ("TD_QE", 2, 2));
        assert_eq!(q.miscselect_mask, [0xff; 4]);
        assert_eq!(q.attributes[0], 0x11);
        assert_eq!(q.attributes_mask[..8], [0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(hex::encode_upper(q.mrsigner), "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5");
        assert_eq!(q.tcb_levels.len(), 1);
        assert_eq!((q.tcb_levels[0].isvsvn, q.tcb_levels[0].tcb_status), (4, TcbStatus::UpToDate));
        assert_eq!(q.window().0.to_string(), "2025-06-19T10:32:27Z");
    }

    #[test]
    fn parses_every_fixture_collateral() {
        for path in [
            DCAP_QVL,
            "dcap-qvl/tdx_quote_outdated_collateral.json",
            "dcap-qvl/near_gas_test_quote_collateral.json",
            "dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json",
            "derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json",
            "go-tdx-guest/assembled_collateral_v4_2023.json",
            "go-tdx-guest/assembled_collateral_v5_2026.json",
            "dcap-rs/assembled_collateral_00806f050000_2025-02.json",
            "tee-solver/alice/quote_collateral.json",
            "tee-solver/bob/quote_collateral.json",
        ] {
            let t = parse_tcb_info(&field_text(path, "tcb_info")).unwrap_or_else(|e| panic!("{path}: {e}"));
            parse_qe_identity(&field_text(path, "qe_identity")).unwrap_or_else(|e| panic!("{path}: {e}"));
            // Intel writes the levels newest first; QVL's order agrees on every real file.
            let doc: Vec<&TcbLevel> = t.tcb_levels.iter().collect();
            assert_eq!(t.levels_descending(), doc, "{path}");
        }
    }

    #[test]
    fn old_tcb_info_without_module_identities_and_lowercase_hex() {
        let t = parse_tcb_info(&field_text("go-tdx-guest/assembled_collateral_v4_2023.json", "tcb_info")).unwrap();
        assert!(t.tdx_module_identities.is_empty());
        assert_eq!(t.fmspc, [0x50, 0x80, 0x6f, 0, 0, 0]); // written "50806f000000"
        assert_eq!(t.tcb_evaluation_data_number, 15);
    }

    /// The dcap-qvl TCB Info with `edit` applied to its JSON value.
    fn edited(edit: impl FnOnce(&mut Value)) -> Result<TcbInfo, ParseError> {
        let mut v: Value = serde_json::from_str(&field_text(DCAP_QVL, "tcb_info")).unwrap();
        edit(&mut v);
        parse_tcb_info(&v.to_string())
    }

    fn err_at(r: Result<TcbInfo, ParseError>) -> String {
        match r.unwrap_err().at {
            crate::error::Location::Field(p) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tolerates_unknown_fields_and_case() {
        let t = edited(|v| {
            v["futureField"] = serde_json::json!({"x": 1});
            v["tcbLevels"][0]["tcb"]["sgxtcbcomponents"][2]["newAttr"] = serde_json::json!(true);
            v["fmspc"] = serde_json::json!("b0c06f000000");
        })
        .unwrap();
        assert_eq!(t.fmspc, [0xb0, 0xc0, 0x6f, 0, 0, 0]);
    }

    #[test]
    fn errors_name_the_json_path() {
        assert_eq!(
            err_at(edited(|v| v["tcbLevels"][1]["tcb"]["sgxtcbcomponents"][2]["svn"] = serde_json::json!("2"))),
            "tcb_info.tcbLevels[1].tcb.sgxtcbcomponents[2].svn"
        );
        assert_eq!(
            err_at(edited(|v| v["tcbLevels"][0]["tcb"]["tdxtcbcomponents"][3]["svn"] = serde_json::json!(256))),
            "tcb_info.tcbLevels[0].tcb.tdxtcbcomponents[3].svn"
        );
        assert_eq!(
            err_at(edited(|v| {
                v["tcbLevels"][0]["tcb"]["sgxtcbcomponents"].as_array_mut().unwrap().pop();
            })),
            "tcb_info.tcbLevels[0].tcb.sgxtcbcomponents"
        );
        assert_eq!(
            err_at(edited(|v| {
                v["tdxModuleIdentities"][1].as_object_mut().unwrap().remove("mrsigner");
            })),
            "tcb_info.tdxModuleIdentities[1].mrsigner"
        );
        assert_eq!(
            err_at(edited(|v| v["tdxModuleIdentities"][1]["tcbLevels"][0]["tcbStatus"] = serde_json::json!("Fine"))),
            "tcb_info.tdxModuleIdentities[1].tcbLevels[0].tcbStatus"
        );
        assert_eq!(err_at(edited(|v| v["fmspc"] = serde_json::json!("B0C06F00"))), "tcb_info.fmspc");
        assert_eq!(err_at(edited(|v| v["pceId"] = serde_json::json!(0))), "tcb_info.pceId");
        assert_eq!(err_at(edited(|v| v["nextUpdate"] = serde_json::json!("2025-07-19"))), "tcb_info.nextUpdate");
        assert_eq!(
            err_at(edited(|v| v["tcbLevels"][1]["advisoryIDs"][3] = serde_json::json!(7))),
            "tcb_info.tcbLevels[1].advisoryIDs[3]"
        );
        assert_eq!(
            err_at(edited(|v| {
                v.as_object_mut().unwrap().remove("tdxModule");
            })),
            "tcb_info.tdxModule"
        );
        assert_eq!(err_at(edited(|v| v["tcbType"] = serde_json::json!(1))), "tcb_info.tcbType");
        assert_eq!(err_at(edited(|v| v["tcbLevels"] = serde_json::json!([]))), "tcb_info.tcbLevels");
        assert_eq!(
            err_at(edited(|v| v["tdxModuleIdentities"] = serde_json::json!([]))),
            "tcb_info.tdxModuleIdentities"
        );
        let e =
            edited(|v| v["tcbLevels"][1]["tcb"]["sgxtcbcomponents"][2]["svn"] = serde_json::json!("2")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `tcb_info.tcbLevels[1].tcb.sgxtcbcomponents[2].svn`: expected an unsigned integer of at most 8 bits, \
             found the string `2`"
        );
    }

    #[test]
    fn rejects_other_ids_versions_duplicates_and_wrappers() {
        assert_eq!(err_at(edited(|v| v["id"] = serde_json::json!("SGX"))), "tcb_info.id");
        assert_eq!(err_at(edited(|v| v["version"] = serde_json::json!(2))), "tcb_info.version");
        let e = edited(|v| {
            let first = v["tcbLevels"][0].clone();
            v["tcbLevels"].as_array_mut().unwrap().push(first);
        })
        .unwrap_err();
        assert!(e.to_string().contains("tcbLevels[2]") && e.to_string().contains("tcbLevels[0]"), "{e}");
        let wrapped = format!("{{\"tcbInfo\":{},\"signature\":\"00\"}}", field_text(DCAP_QVL, "tcb_info"));
        let e = parse_tcb_info(&wrapped).unwrap_err();
        assert!(e.to_string().contains("PCS response body"), "{e}");
        assert!(parse_tcb_info("{").unwrap_err().to_string().contains("invalid JSON"));
        assert!(parse_tcb_info("[]").is_err());
    }

    #[test]
    fn list_lengths_are_bounded() {
        let e = edited(|v| {
            let level = v["tcbLevels"][1].clone();
            let mut many = Vec::new();
            for i in 0..=MAX_TCB_LEVELS {
                let mut l = level.clone();
                l["tcb"]["pcesvn"] = serde_json::json!(i);
                many.push(l);
            }
            v["tcbLevels"] = Value::Array(many);
        })
        .unwrap_err();
        assert!(e.to_string().contains("MAX_TCB_LEVELS"), "{e}");
        let e = edited(|v| {
            let ids = vec![serde_json::json!("INTEL-SA-00000"); MAX_ADVISORY_IDS + 1];
            v["tcbLevels"][1]["advisoryIDs"] = Value::Array(ids);
        })
        .unwrap_err();
        assert!(e.to_string().contains("MAX_ADVISORY_IDS"), "{e}");
        let e = edited(|v| {
            let one = v["tdxModuleIdentities"][0].clone();
            v["tdxModuleIdentities"] = Value::Array(vec![one; MAX_TDX_MODULE_IDENTITIES + 1]);
        })
        .unwrap_err();
        assert!(e.to_string().contains("MAX_TDX_MODULE_IDENTITIES"), "{e}");
    }

    #[test]
    fn qe_identity_rejections_name_the_field() {
        let base: Value = serde_json::from_str(&field_text(DCAP_QVL, "qe_identity")).unwrap();
        let at = |edit: &dyn Fn(&mut Value)| {
            let mut v = base.clone();
            edit(&mut v);
            match parse_qe_identity(&v.to_string()).unwrap_err().at {
                crate::error::Location::Field(p) => p,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(at(&|v| v["id"] = serde_json::json!("QE")), "qe_identity.id");
        assert_eq!(at(&|v| v["version"] = serde_json::json!(1)), "qe_identity.version");
        assert_eq!(at(&|v| v["miscselect"] = serde_json::json!("0000")), "qe_identity.miscselect");
        assert_eq!(at(&|v| v["isvprodid"] = serde_json::json!(-2)), "qe_identity.isvprodid");
        assert_eq!(
            at(&|v| v["tcbLevels"][0]["tcb"]["isvsvn"] = serde_json::json!(70000)),
            "qe_identity.tcbLevels[0].tcb.isvsvn"
        );
        assert_eq!(at(&|v| v["tcbLevels"] = serde_json::json!([])), "qe_identity.tcbLevels");
        let mut v3 = base.clone();
        v3["version"] = serde_json::json!(3);
        v3["mrsigner"] = serde_json::json!("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
        let q = parse_qe_identity(&v3.to_string()).unwrap();
        assert_eq!(q.mrsigner[0], 0xdc);
    }

    #[test]
    fn statuses_round_trip_with_intel_spelling() {
        for s in TcbStatus::ALL {
            assert_eq!(s.as_str().parse::<TcbStatus>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(TcbStatus::SWHardeningNeeded.as_str(), "SWHardeningNeeded");
        assert_eq!(TcbStatus::OutOfDateConfigurationNeeded.as_str(), "OutOfDateConfigurationNeeded");
        assert_eq!(TcbStatus::TDRelaunchAdvised.as_str(), "TDRelaunchAdvised");
        assert!("uptodate".parse::<TcbStatus>().is_err());
        assert_eq!(module_identity_id(0x0a), "TDX_0A");
    }
}
