//! The TCB Info (TDX, v3) and QE Identity (TD_QE, v2) the scenarios are evaluated against,
//! written as the exact JSON text Intel's PCS serves (compact, Intel's key order, upper-case
//! hex, `advisoryIDs` only when non-empty) — research notes §2.1, §2.2.
//!
//! One TCB Info serves almost every scenario; the quote's SVNs and the PCK leaf choose the
//! level. Levels, newest first (the order Intel QVL and dcap-qvl sort them into):
//!
//! | # | SGX comps | PCESVN | tdx[2] | status | advisoryIDs |
//! |---|---|---|---|---|---|
//! | 1 | tier A | 13 | 7 | UpToDate | – |
//! | 2 | tier A | 13 | 6 | SWHardeningNeeded | 0001 |
//! | 3 | tier A | 13 | 5 | ConfigurationNeeded | 0002 |
//! | 4 | tier A | 13 | 4 | ConfigurationAndSWHardeningNeeded | 0001 0002 |
//! | 5 | tier A | 13 | 3 | OutOfDate | 0001 0002 0003 |
//! | 6 | tier A | 13 | 2 | OutOfDateConfigurationNeeded | 0001–0004 |
//! | 7 | tier B | 13 | 7 | OutOfDate | 0001 0003 |
//! | 8 | old | 11 | 1 | Revoked | 0001–0005 |
//!
//! tdxtcbcomponents[0] is 5 in every level while the TDX_01 module's newest ISVSVN is 3: with
//! tee_tcb_svn[1] = 1 Intel skips tdxtcbcomponents[0..2] (QVL 4.1.2.4.17), so a verifier that
//! compares all 16 finds no level at all (research §2.4 step 2, fixture row 13).

use serde::Serialize;

use crate::dates;
use crate::error::Result;

pub const FMSPC: [u8; 6] = [0x7E, 0x57, 0xF0, 0x00, 0x00, 0x00];
/// The FMSPC of the TCB Info in scenario `wrong-fmspc` (the PCK leaves carry [`FMSPC`]).
pub const WRONG_FMSPC: [u8; 6] = [0x7E, 0x57, 0xF0, 0x00, 0x00, 0x01];
pub const PCE_ID: [u8; 2] = [0x00, 0x00];
pub const PCESVN_CURRENT: u16 = 13;
pub const TCB_EVALUATION_DATA_NUMBER: u32 = 20;

pub const SGX_TIER_A: [u8; 16] = [4, 4, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
pub const SGX_TIER_B: [u8; 16] = [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
pub const SGX_TIER_OLD: [u8; 16] = [2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];

/// tee_tcb_svn[1]: the module major version, selecting identity `TDX_01`.
pub const MODULE_MAJOR: u8 = 1;
/// tee_tcb_svn[0] values: the TDX_01 levels are ISVSVN 3 UpToDate, 2 OutOfDate.
pub const MODULE_SVN_CURRENT: u8 = 3;
pub const MODULE_SVN_OLD: u8 = 2;
/// tee_tcb_svn[2] (TDX late microcode SVN) of the newest level.
pub const LATE_UCODE_LATEST: u8 = 7;

/// QE ISVSVN: the TD_QE levels are 8 UpToDate, 6 OutOfDate.
pub const QE_SVN_CURRENT: u16 = 8;
pub const QE_SVN_OLD: u16 = 7;
pub const QE_ISV_PROD_ID: u16 = 2;
pub const QE_MISCSELECT: [u8; 4] = [0; 4];
/// QE identity attributes 0x11… with mask FBFF…; the QE report carries 0x15…E7… as real QEs do.
pub const QE_IDENTITY_ATTRIBUTES: [u8; 16] = [0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
pub const QE_ATTRIBUTES_MASK: [u8; 16] = [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0];
pub const QE_REPORT_ATTRIBUTES: [u8; 16] = [0x15, 0, 0, 0, 0, 0, 0, 0, 0xE7, 0, 0, 0, 0, 0, 0, 0];

pub const SA_1: &str = "INTEL-SA-TEST-0001";
pub const SA_2: &str = "INTEL-SA-TEST-0002";
pub const SA_3: &str = "INTEL-SA-TEST-0003";
pub const SA_4: &str = "INTEL-SA-TEST-0004";
pub const SA_5: &str = "INTEL-SA-TEST-0005";
/// On the TDX_01 OutOfDate module level.
pub const SA_MODULE: &str = "INTEL-SA-TEST-0006";
/// On the TD_QE OutOfDate level.
pub const SA_QE: &str = "INTEL-SA-TEST-0007";

/// MRSIGNER of the test QE (QE Identity `mrsigner`, QE report `mr_signer`).
pub fn qe_mrsigner() -> [u8; 32] {
    crate::keys::label_bytes("dstack-audit test QE mrsigner")
}

/// Which TCB Info a scenario's collateral carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcbInfoVariant {
    Standard,
    /// Same levels, FMSPC [`WRONG_FMSPC`].
    WrongFmspc,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TcbInfoJson {
    id: &'static str,
    version: u32,
    issue_date: String,
    next_update: String,
    fmspc: String,
    pce_id: String,
    tcb_type: u32,
    tcb_evaluation_data_number: u32,
    tdx_module: ModuleJson,
    tdx_module_identities: Vec<ModuleIdentityJson>,
    tcb_levels: Vec<PlatformLevelJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModuleJson {
    mrsigner: String,
    attributes: String,
    attributes_mask: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModuleIdentityJson {
    id: &'static str,
    mrsigner: String,
    attributes: String,
    attributes_mask: String,
    tcb_levels: Vec<IsvLevelJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IsvLevelJson {
    tcb: IsvSvnJson,
    tcb_date: String,
    tcb_status: &'static str,
    #[serde(rename = "advisoryIDs", skip_serializing_if = "Vec::is_empty")]
    advisory_ids: Vec<&'static str>,
}

#[derive(Serialize)]
struct IsvSvnJson {
    isvsvn: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformLevelJson {
    tcb: PlatformTcbJson,
    tcb_date: String,
    tcb_status: &'static str,
    #[serde(rename = "advisoryIDs", skip_serializing_if = "Vec::is_empty")]
    advisory_ids: Vec<&'static str>,
}

#[derive(Serialize)]
struct PlatformTcbJson {
    sgxtcbcomponents: Vec<ComponentJson>,
    pcesvn: u16,
    tdxtcbcomponents: Vec<ComponentJson>,
}

#[derive(Serialize)]
struct ComponentJson {
    svn: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'static str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QeIdentityJson {
    id: &'static str,
    version: u32,
    issue_date: String,
    next_update: String,
    tcb_evaluation_data_number: u32,
    miscselect: String,
    miscselect_mask: String,
    attributes: String,
    attributes_mask: String,
    mrsigner: String,
    isvprodid: u16,
    tcb_levels: Vec<IsvLevelJson>,
}

/// One platform TCB level.
struct Level {
    sgx: [u8; 16],
    pcesvn: u16,
    late_ucode: u8,
    date: &'static str,
    status: &'static str,
    advisories: &'static [&'static str],
}

const LEVELS: [Level; 8] = [
    Level { sgx: SGX_TIER_A, pcesvn: 13, late_ucode: 7, date: "2025-08-13", status: "UpToDate", advisories: &[] },
    Level {
        sgx: SGX_TIER_A,
        pcesvn: 13,
        late_ucode: 6,
        date: "2025-05-14",
        status: "SWHardeningNeeded",
        advisories: &[SA_1],
    },
    Level {
        sgx: SGX_TIER_A,
        pcesvn: 13,
        late_ucode: 5,
        date: "2025-02-12",
        status: "ConfigurationNeeded",
        advisories: &[SA_2],
    },
    Level {
        sgx: SGX_TIER_A,
        pcesvn: 13,
        late_ucode: 4,
        date: "2024-11-13",
        status: "ConfigurationAndSWHardeningNeeded",
        advisories: &[SA_1, SA_2],
    },
    Level {
        sgx: SGX_TIER_A,
        pcesvn: 13,
        late_ucode: 3,
        date: "2024-08-14",
        status: "OutOfDate",
        advisories: &[SA_1, SA_2, SA_3],
    },
    Level {
        sgx: SGX_TIER_A,
        pcesvn: 13,
        late_ucode: 2,
        date: "2024-05-15",
        status: "OutOfDateConfigurationNeeded",
        advisories: &[SA_1, SA_2, SA_3, SA_4],
    },
    Level {
        sgx: SGX_TIER_B,
        pcesvn: 13,
        late_ucode: 7,
        date: "2024-03-13",
        status: "OutOfDate",
        advisories: &[SA_1, SA_3],
    },
    Level {
        sgx: SGX_TIER_OLD,
        pcesvn: 11,
        late_ucode: 1,
        date: "2023-02-15",
        status: "Revoked",
        advisories: &[SA_1, SA_2, SA_3, SA_4, SA_5],
    },
];

/// tdxtcbcomponents[0] in every level (see the module comment).
const LEVEL_TDX_MODULE_SVN: u8 = 5;

const SGX_LABELS: [(Option<&str>, Option<&str>); 8] = [
    (Some("BIOS"), Some("Early Microcode Update")),
    (Some("OS/VMM"), Some("SGX Late Microcode Update")),
    (Some("OS/VMM"), Some("TXT SINIT")),
    (Some("BIOS"), None),
    (Some("BIOS"), None),
    (Some("BIOS"), None),
    (None, None),
    (Some("OS/VMM"), Some("SEAMLDR ACM")),
];
const TDX_LABELS: [(Option<&str>, Option<&str>); 3] = [
    (Some("OS/VMM"), Some("TDX Module")),
    (Some("OS/VMM"), Some("TDX Module")),
    (Some("OS/VMM"), Some("TDX Late Microcode Update")),
];

fn components(svns: &[u8; 16], labels: &[(Option<&'static str>, Option<&'static str>)]) -> Vec<ComponentJson> {
    svns.iter()
        .enumerate()
        .map(|(i, &svn)| {
            let (category, kind) = labels.get(i).copied().unwrap_or((None, None));
            ComponentJson { svn, category, kind }
        })
        .collect()
}

fn midnight(date: &str) -> String {
    format!("{date}T00:00:00Z")
}

fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

fn platform_level(level: &Level) -> PlatformLevelJson {
    let tdx = [LEVEL_TDX_MODULE_SVN, 0, level.late_ucode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    PlatformLevelJson {
        tcb: PlatformTcbJson {
            sgxtcbcomponents: components(&level.sgx, &SGX_LABELS),
            pcesvn: level.pcesvn,
            tdxtcbcomponents: components(&tdx, &TDX_LABELS),
        },
        tcb_date: midnight(level.date),
        tcb_status: level.status,
        advisory_ids: level.advisories.to_vec(),
    }
}

fn isv_level(isvsvn: u16, date: &str, status: &'static str, advisories: &[&'static str]) -> IsvLevelJson {
    IsvLevelJson {
        tcb: IsvSvnJson { isvsvn },
        tcb_date: midnight(date),
        tcb_status: status,
        advisory_ids: advisories.to_vec(),
    }
}

fn module_identity(id: &'static str, levels: Vec<IsvLevelJson>) -> ModuleIdentityJson {
    ModuleIdentityJson {
        id,
        mrsigner: upper_hex(&[0u8; 48]),
        attributes: upper_hex(&[0u8; 8]),
        attributes_mask: upper_hex(&[0xFF; 8]),
        tcb_levels: levels,
    }
}

/// The exact TCB Info text (the bytes that get signed).
pub fn tcb_info_text(variant: TcbInfoVariant) -> Result<String> {
    let fmspc = match variant {
        TcbInfoVariant::Standard => FMSPC,
        TcbInfoVariant::WrongFmspc => WRONG_FMSPC,
    };
    // TDX_03 is listed first, as in Intel's TCB Info, so that picking the first identity
    // instead of the one named by tee_tcb_svn[1] gives wrong results.
    let identities = vec![
        module_identity(
            "TDX_03",
            vec![isv_level(5, "2025-08-13", "UpToDate", &[]), isv_level(3, "2025-05-14", "OutOfDate", &[SA_MODULE])],
        ),
        module_identity(
            "TDX_01",
            vec![
                isv_level(u16::from(MODULE_SVN_CURRENT), "2025-08-13", "UpToDate", &[]),
                isv_level(u16::from(MODULE_SVN_OLD), "2025-05-14", "OutOfDate", &[SA_MODULE]),
            ],
        ),
    ];
    let info = TcbInfoJson {
        id: "TDX",
        version: 3,
        issue_date: dates::COLLATERAL_ISSUE_DATE.rfc3339()?,
        next_update: dates::COLLATERAL_NEXT_UPDATE.rfc3339()?,
        fmspc: upper_hex(&fmspc),
        pce_id: upper_hex(&PCE_ID),
        tcb_type: 0,
        tcb_evaluation_data_number: TCB_EVALUATION_DATA_NUMBER,
        tdx_module: ModuleJson {
            mrsigner: upper_hex(&[0u8; 48]),
            attributes: upper_hex(&[0u8; 8]),
            attributes_mask: upper_hex(&[0xFF; 8]),
        },
        tdx_module_identities: identities,
        tcb_levels: LEVELS.iter().map(platform_level).collect(),
    };
    Ok(serde_json::to_string(&info)?)
}

/// The exact QE Identity text (the bytes that get signed).
pub fn qe_identity_text() -> Result<String> {
    let identity = QeIdentityJson {
        id: "TD_QE",
        version: 2,
        issue_date: dates::COLLATERAL_ISSUE_DATE.rfc3339()?,
        next_update: dates::COLLATERAL_NEXT_UPDATE.rfc3339()?,
        tcb_evaluation_data_number: TCB_EVALUATION_DATA_NUMBER,
        miscselect: upper_hex(&QE_MISCSELECT),
        miscselect_mask: upper_hex(&[0xFF; 4]),
        attributes: upper_hex(&QE_IDENTITY_ATTRIBUTES),
        attributes_mask: upper_hex(&QE_ATTRIBUTES_MASK),
        mrsigner: upper_hex(&qe_mrsigner()),
        isvprodid: QE_ISV_PROD_ID,
        tcb_levels: vec![
            isv_level(QE_SVN_CURRENT, "2025-08-13", "UpToDate", &[]),
            isv_level(6, "2024-03-13", "OutOfDate", &[SA_QE]),
        ],
    };
    Ok(serde_json::to_string(&identity)?)
}
