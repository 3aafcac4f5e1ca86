//! Intel QVL's TDX TCB status algorithm (research §2.4 steps 0–7; QVL `QuoteVerifier.cpp`
//! 4.1.2.4.9–4.1.2.4.17, `TcbLevelCheck.cpp`, `TdxModuleCheck.cpp`, `TDRelaunchCheck.cpp`,
//! `EnclaveReportVerifier.cpp` 4.1.2.9.5–10).
//!
//! Pure evaluation: the inputs are facts from an already verified quote and PCK certificate and
//! from already verified collateral. No signature, chain or time is checked here (`verify` does
//! that), and no status is judged acceptable or not (the appraisal does that). An `Err` means
//! Intel's algorithm yields no TCB status at all (QVL `TCB_NOT_SUPPORTED`, `TDX_MODULE_MISMATCH`,
//! `QE_IDENTITY_MISMATCH`, `TCB_INFO_MISMATCH`); each error has a stable code.
//!
//! Errors surface in QVL's order: TCB Info kind and FMSPC/PCE-ID (4.1.2.4.9–10), module identity
//! (4.1.2.4.11), QE identity (4.1.2.4.14–15), platform level (4.1.2.4.17.1–3), module level
//! (4.1.2.4.17.4.1); the QE level is only required once the platform evaluation is done.

use std::fmt;

use crate::bytes::to_hex;
use crate::dcap::tcb_info::{module_identity_id, ModuleTcbLevel, QeIdentity, TcbInfo, TcbLevel, TcbStatus};
use crate::tdx::quote::Quote;

/// Everything the algorithm reads, taken from the quote (TD report and QE report) and from the
/// PCK certificate's SGX extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbInputs {
    /// Quote header version (4 or 5).
    pub quote_version: u16,
    /// True for a TD report 1.5 body (v5 body type 3 or 4).
    pub td15: bool,
    /// TEE_TCB_SVN: [0] module ISVSVN, [1] module major version, [2] late microcode SVN.
    pub tee_tcb_svn: [u8; 16],
    /// TEE_TCB_SVN2 of a TD 1.5 report (`Some` exactly when `td15`).
    pub tee_tcb_svn2: Option<[u8; 16]>,
    pub mr_signer_seam: [u8; 48],
    pub seam_attributes: [u8; 8],
    pub pck_fmspc: [u8; 6],
    pub pck_pce_id: [u8; 2],
    /// PCK SGX TCB component SVNs (OID …13.1.2.1–16).
    pub pck_sgx_components: [u8; 16],
    pub pck_pcesvn: u16,
    pub qe_mr_signer: [u8; 32],
    pub qe_isv_prod_id: u16,
    /// MISCSELECT of the QE report (little-endian u32 as in the report).
    pub qe_misc_select: u32,
    pub qe_attributes: [u8; 16],
    pub qe_isv_svn: u16,
}

impl TcbInputs {
    /// The inputs of a parsed quote plus the PCK certificate's FMSPC, PCE-ID, SGX TCB components
    /// and PCESVN.
    pub fn from_quote(
        quote: &Quote,
        pck_fmspc: [u8; 6],
        pck_pce_id: [u8; 2],
        pck_sgx_components: [u8; 16],
        pck_pcesvn: u16,
    ) -> TcbInputs {
        let qe = &quote.signature.qe_report;
        TcbInputs {
            quote_version: quote.header.version,
            td15: quote.body.td15.is_some(),
            tee_tcb_svn: quote.body.tee_tcb_svn,
            tee_tcb_svn2: quote.body.td15.as_ref().map(|t| t.tee_tcb_svn2),
            mr_signer_seam: quote.body.mr_signer_seam,
            seam_attributes: quote.body.seam_attributes,
            pck_fmspc,
            pck_pce_id,
            pck_sgx_components,
            pck_pcesvn,
            qe_mr_signer: qe.mr_signer,
            qe_isv_prod_id: qe.isv_prod_id,
            qe_misc_select: qe.misc_select,
            qe_attributes: qe.attributes,
            qe_isv_svn: qe.isv_svn,
        }
    }
}

/// The outcome of Intel's algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbEvaluation {
    /// The final status, after convergence with the module and the QE (and TD 1.5 relaunch).
    pub status: TcbStatus,
    /// Advisory IDs: the TDX level's, then new ones from the module level, then from the QE level.
    pub advisory_ids: Vec<String>,
    /// Status of the matched TDX TCB level, as written in the TCB Info.
    pub platform_status: TcbStatus,
    /// Status of the matched SGX TCB level (PCK components and PCESVN only).
    pub sgx_status: TcbStatus,
    /// Status of the matched module identity level; `None` when tee_tcb_svn[1] is 0 and the
    /// base `tdxModule` is used (QVL treats that module as up to date).
    pub module_status: Option<TcbStatus>,
    /// `TDX_01`-style identity id, or `tdxModule`.
    pub module_identity: String,
    /// Status of the matched QE Identity level.
    pub qe_status: TcbStatus,
    /// `tcbDate` of the matched TDX level.
    pub tcb_date: String,
    /// `tcbDate` of the matched module identity level.
    pub module_tcb_date: Option<String>,
    /// `tcbDate` of the matched QE Identity level.
    pub qe_tcb_date: String,
    /// True when the status is `TDRelaunchAdvised*`.
    pub relaunch_advised: bool,
}

/// Which half of the platform level match found nothing (QVL `matchTcbLevels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformStage {
    /// No level is reached by the PCK's SGX components and PCESVN.
    Sgx,
    /// Some level is reached by the PCK values, but none of those by TEE_TCB_SVN.
    Tdx,
}

/// Why Intel's algorithm yields no status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcbError {
    /// The inputs contradict each other (quote version, TD 1.5 flag without TEE_TCB_SVN2).
    InputsInconsistent {
        what: String,
    },
    /// Step 0 / 4.1.2.4.9: not a TDX TCB Info of version 3 or later.
    TcbInfoUnsupported {
        id: String,
        version: u32,
    },
    /// Step 0 / 4.1.2.4.10: `expected` is the TCB Info's, `found` the PCK certificate's.
    FmspcMismatch {
        expected: [u8; 6],
        found: [u8; 6],
    },
    PceIdMismatch {
        expected: [u8; 2],
        found: [u8; 2],
    },
    /// Step 1 / 4.1.2.4.11 (and 4.1.2.4.17.4.3 for TEE_TCB_SVN2): no `TDX_%02X` identity.
    ModuleIdentityMissing {
        id: String,
    },
    /// 4.1.2.4.11.1: MRSIGNERSEAM differs from the identity's `mrsigner`.
    ModuleSignerMismatch {
        identity: String,
        expected: [u8; 48],
        found: [u8; 48],
    },
    /// 4.1.2.4.11.2: SEAMATTRIBUTES differ under the mask, or set bits outside it.
    ModuleAttributesMismatch {
        identity: String,
        expected: [u8; 8],
        mask: [u8; 8],
        found: [u8; 8],
    },
    /// Step 2 / 4.1.2.4.17.1–3: TCB_NOT_SUPPORTED.
    NoMatchingPlatformLevel {
        stage: PlatformStage,
        pck_sgx_components: [u8; 16],
        pck_pcesvn: u16,
        tee_tcb_svn: [u8; 16],
    },
    /// Step 3 / 4.1.2.4.17.4.1: the module ISVSVN is below every level of its identity.
    NoMatchingModuleLevel {
        identity: String,
        isvsvn: u8,
    },
    /// A matched level carries a status not allowed for its kind (QVL `TCB_UNRECOGNIZED_STATUS`).
    UnexpectedStatus {
        level: String,
        status: TcbStatus,
    },
    /// 4.1.2.4.14 and 4.1.2.9.5–8: the QE report does not match the QE Identity.
    QeIdentityMismatch {
        field: &'static str,
        expected: String,
        found: String,
    },
    /// 4.1.2.9.9: the QE's ISVSVN is below every QE Identity level.
    NoMatchingQeLevel {
        isvsvn: u16,
    },
}

impl TcbError {
    /// Stable kebab-case code for reports.
    pub fn code(&self) -> &'static str {
        match self {
            TcbError::InputsInconsistent { .. } => "tcb-inputs-inconsistent",
            TcbError::TcbInfoUnsupported { .. } => "tcb-info-unsupported",
            TcbError::FmspcMismatch { .. } => "tcb-info-fmspc-mismatch",
            TcbError::PceIdMismatch { .. } => "tcb-info-pceid-mismatch",
            TcbError::ModuleIdentityMissing { .. } => "tdx-module-identity-missing",
            TcbError::ModuleSignerMismatch { .. } => "tdx-module-mrsigner-mismatch",
            TcbError::ModuleAttributesMismatch { .. } => "tdx-module-attributes-mismatch",
            TcbError::NoMatchingPlatformLevel { .. } => "tcb-level-not-supported",
            TcbError::NoMatchingModuleLevel { .. } => "tdx-module-level-not-supported",
            TcbError::UnexpectedStatus { .. } => "tcb-status-unrecognized",
            TcbError::QeIdentityMismatch { .. } => "qe-identity-mismatch",
            TcbError::NoMatchingQeLevel { .. } => "qe-level-not-supported",
        }
    }
}

impl fmt::Display for TcbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcbError::InputsInconsistent { what } => write!(f, "inconsistent TCB inputs: {what}"),
            TcbError::TcbInfoUnsupported { id, version } => {
                write!(f, "the TCB Info is not a TDX TCB Info v3 (id {id:?}, version {version})")
            }
            TcbError::FmspcMismatch { expected, found } => write!(
                f,
                "the TCB Info is for FMSPC {}, but the PCK certificate's FMSPC is {}",
                to_hex(expected),
                to_hex(found)
            ),
            TcbError::PceIdMismatch { expected, found } => write!(
                f,
                "the TCB Info is for PCE-ID {}, but the PCK certificate's PCE-ID is {}",
                to_hex(expected),
                to_hex(found)
            ),
            TcbError::ModuleIdentityMissing { id } => {
                write!(f, "the TCB Info has no TDX module identity {id} for the quote's TDX module (TDX_MODULE_MISMATCH)")
            }
            TcbError::ModuleSignerMismatch { identity, expected, found } => write!(
                f,
                "TDX module {identity}: mr_signer_seam is {}, the TCB Info expects {}",
                to_hex(found),
                to_hex(expected)
            ),
            TcbError::ModuleAttributesMismatch { identity, expected, mask, found } => write!(
                f,
                "TDX module {identity}: seam_attributes {} do not match attributes {} under mask {} (bits outside the mask must be 0)",
                to_hex(found),
                to_hex(expected),
                to_hex(mask)
            ),
            TcbError::NoMatchingPlatformLevel { stage: PlatformStage::Sgx, pck_sgx_components, pck_pcesvn, .. } => write!(
                f,
                "no matching TCB level: the PCK certificate's SGX TCB components {} with PCESVN {pck_pcesvn} are below every TCB level (TCB_NOT_SUPPORTED)",
                to_hex(pck_sgx_components)
            ),
            TcbError::NoMatchingPlatformLevel { stage: PlatformStage::Tdx, tee_tcb_svn, .. } => write!(
                f,
                "no matching TCB level: tee_tcb_svn {} is below the TDX components of every TCB level the PCK certificate reaches (TCB_NOT_SUPPORTED)",
                to_hex(tee_tcb_svn)
            ),
            TcbError::NoMatchingModuleLevel { identity, isvsvn } => {
                write!(f, "TDX module {identity}: ISVSVN {isvsvn} is below every level of the identity (TCB_NOT_SUPPORTED)")
            }
            TcbError::UnexpectedStatus { level, status } => {
                write!(f, "{level} has status {status}, which is not allowed there")
            }
            TcbError::QeIdentityMismatch { field, expected, found } => {
                write!(f, "the quoting enclave does not match the QE Identity: {field} is {found}, expected {expected}")
            }
            TcbError::NoMatchingQeLevel { isvsvn } => {
                write!(f, "the QE's ISVSVN {isvsvn} is below every QE Identity TCB level (TCB_NOT_SUPPORTED)")
            }
        }
    }
}

impl std::error::Error for TcbError {}

/// Runs Intel's TDX TCB status algorithm (research §2.4).
pub fn evaluate_tcb(
    inputs: &TcbInputs,
    tcb_info: &TcbInfo,
    qe_identity: &QeIdentity,
) -> Result<TcbEvaluation, TcbError> {
    check_inputs(inputs)?;
    // Step 0 (4.1.2.4.9–10).
    check_tcb_info(inputs, tcb_info)?;
    // Step 1 (4.1.2.4.11).
    let module = select_module(inputs, tcb_info)?;
    // Step 6, identity half (4.1.2.4.14–15): QVL checks the QE before the TCB levels.
    let qe_level = match_qe_identity(inputs, qe_identity)?;
    // Step 2 (4.1.2.4.17.1–3).
    let (sgx_level, tdx_level) = match_platform_levels(inputs, tcb_info)?;
    let sgx_status = platform_level_status(tcb_info, sgx_level)?;
    let platform_status = platform_level_status(tcb_info, tdx_level)?;
    // Step 3 (4.1.2.4.17.4.1).
    let module_level = match_module_level(inputs, &module)?;
    let module_status = module_level.map(|l| l.tcb_status);

    // Step 4 (QVL convergeTcbStatusWithTdxModuleStatus).
    let mut status = converge(platform_status, module_status.unwrap_or(TcbStatus::UpToDate));
    let qe_component = qe_level.map(|l| qe_component_status(l.tcb_status));
    // Step 5 (4.1.2.4.17.4.3); QVL returns a Revoked TDX status before it.
    if let (Some(svn2), false) = (inputs.tee_tcb_svn2, status == TcbStatus::Revoked) {
        let r = Relaunch { svn2, sgx_status, tdx_status: status, module_status, qe_status: qe_component };
        status = check_relaunch(&r, tcb_info)?;
    }
    // Step 6, level half (4.1.2.9.9–10, convergeTcbStatusWithQeTcbStatus).
    let qe_level = qe_level.ok_or(TcbError::NoMatchingQeLevel { isvsvn: inputs.qe_isv_svn })?;
    status = converge(status, qe_component_status(qe_level.tcb_status));

    Ok(TcbEvaluation {
        status,
        // Step 7.
        advisory_ids: union_advisories([
            Some(&tdx_level.advisory_ids),
            module_level.map(|l| &l.advisory_ids),
            Some(&qe_level.advisory_ids),
        ]),
        platform_status,
        sgx_status,
        module_status,
        module_identity: module.id,
        qe_status: qe_level.tcb_status,
        tcb_date: tdx_level.tcb_date.clone(),
        module_tcb_date: module_level.map(|l| l.tcb_date.clone()),
        qe_tcb_date: qe_level.tcb_date.clone(),
        relaunch_advised: matches!(
            status,
            TcbStatus::TDRelaunchAdvised | TcbStatus::TDRelaunchAdvisedConfigurationNeeded
        ),
    })
}

/// TEE_TCB_SVN[1]: the TDX module's major version.
fn module_major(svn: &[u8; 16]) -> u8 {
    svn[1]
}

/// TEE_TCB_SVN[0]: the TDX module's ISVSVN.
fn module_isvsvn(svn: &[u8; 16]) -> u8 {
    svn[0]
}

/// TEE_TCB_SVN[2]: the TDX late microcode SVN.
fn late_microcode_svn(svn: &[u8; 16]) -> u8 {
    svn[2]
}

fn check_inputs(inputs: &TcbInputs) -> Result<(), TcbError> {
    if !(4..=5).contains(&inputs.quote_version) {
        let what = format!("quote version {} (TDX quotes are version 4 or 5)", inputs.quote_version);
        return Err(TcbError::InputsInconsistent { what });
    }
    if inputs.td15 != inputs.tee_tcb_svn2.is_some() {
        let what = "a TD 1.5 report carries TEE_TCB_SVN2, and only a TD 1.5 report does".to_string();
        return Err(TcbError::InputsInconsistent { what });
    }
    Ok(())
}

/// Step 0: a TDX TCB Info v3 (4.1.2.4.9) for the PCK's FMSPC and PCE-ID (4.1.2.4.10; bytes, so
/// the hex case of the JSON does not matter).
fn check_tcb_info(inputs: &TcbInputs, tcb_info: &TcbInfo) -> Result<(), TcbError> {
    if tcb_info.id != "TDX" || tcb_info.version < 3 {
        return Err(TcbError::TcbInfoUnsupported { id: tcb_info.id.clone(), version: tcb_info.version });
    }
    if tcb_info.fmspc != inputs.pck_fmspc {
        return Err(TcbError::FmspcMismatch { expected: tcb_info.fmspc, found: inputs.pck_fmspc });
    }
    if tcb_info.pce_id != inputs.pck_pce_id {
        return Err(TcbError::PceIdMismatch { expected: tcb_info.pce_id, found: inputs.pck_pce_id });
    }
    Ok(())
}

/// The TDX module identity the quote is checked against.
struct SelectedModule<'a> {
    /// `TDX_01` or `tdxModule`.
    id: String,
    /// The identity and its index in `tdxModuleIdentities`; `None` for the base `tdxModule`.
    identity: Option<(usize, &'a crate::dcap::tcb_info::TdxModuleIdentity)>,
}

/// Step 1 (4.1.2.4.11): TEE_TCB_SVN[1] > 0 selects the identity `TDX_%02X` (missing ⇒
/// TDX_MODULE_MISMATCH), 0 the base `tdxModule`; then MRSIGNERSEAM must equal its `mrsigner`
/// (4.1.2.4.11.1) and SEAMATTRIBUTES its `attributes` under `attributesMask`, with no bit set
/// outside the mask (4.1.2.4.11.2; QVL itself demands all-zero attributes equal to the
/// identity's — the same result for every real TCB Info, whose mask is all ones and attributes 0).
fn select_module<'a>(inputs: &TcbInputs, tcb_info: &'a TcbInfo) -> Result<SelectedModule<'a>, TcbError> {
    let major = module_major(&inputs.tee_tcb_svn);
    let (selected, mrsigner, attributes, mask) = if major > 0 {
        let id = module_identity_id(major);
        let (index, identity) = tcb_info
            .tdx_module_identities
            .iter()
            .enumerate()
            .find(|(_, m)| m.id.eq_ignore_ascii_case(&id))
            .ok_or_else(|| TcbError::ModuleIdentityMissing { id: id.clone() })?;
        let selected = SelectedModule { id, identity: Some((index, identity)) };
        (selected, identity.mrsigner, identity.attributes, identity.attributes_mask)
    } else {
        let m = &tcb_info.tdx_module;
        (SelectedModule { id: "tdxModule".to_string(), identity: None }, m.mrsigner, m.attributes, m.attributes_mask)
    };
    if inputs.mr_signer_seam != mrsigner {
        return Err(TcbError::ModuleSignerMismatch {
            identity: selected.id,
            expected: mrsigner,
            found: inputs.mr_signer_seam,
        });
    }
    let matches = inputs
        .seam_attributes
        .iter()
        .zip(attributes.iter().zip(mask.iter()))
        .all(|(seam, (attr, m))| seam & m == attr & m && seam & !m == 0);
    if !matches {
        return Err(TcbError::ModuleAttributesMismatch {
            identity: selected.id,
            expected: attributes,
            mask,
            found: inputs.seam_attributes,
        });
    }
    Ok(selected)
}

/// 4.1.2.4.14–15 and 4.1.2.9.5–9: identity `TD_QE` v2/v3; then, in QVL's order, MISCSELECT and
/// ATTRIBUTES under their masks (the identity's values are compared unmasked, as QVL does),
/// MRSIGNER, ISVPRODID; the level is the first (document order) whose `isvsvn` the QE's ISVSVN
/// reaches — `None` when there is none, which becomes an error only after the platform steps.
fn match_qe_identity<'a>(inputs: &TcbInputs, qe: &'a QeIdentity) -> Result<Option<&'a ModuleTcbLevel>, TcbError> {
    let mismatch =
        |field: &'static str, expected: String, found: String| TcbError::QeIdentityMismatch { field, expected, found };
    if qe.id != "TD_QE" {
        return Err(mismatch("id", "\"TD_QE\"".to_string(), format!("{:?}", qe.id)));
    }
    if !(2..=3).contains(&qe.version) {
        return Err(mismatch("version", "2".to_string(), qe.version.to_string()));
    }
    // QVL reads the 4 hex bytes as a little-endian u32, like the report's MISCSELECT.
    let misc_mask = u32::from_le_bytes(qe.miscselect_mask);
    let misc_found = inputs.qe_misc_select & misc_mask;
    if misc_found != u32::from_le_bytes(qe.miscselect) {
        let found = format!(
            "{} (masked with miscselectMask {})",
            to_hex(&misc_found.to_le_bytes()),
            to_hex(&qe.miscselect_mask)
        );
        return Err(mismatch("miscselect", to_hex(&qe.miscselect), found));
    }
    let mut attrs = inputs.qe_attributes;
    attrs.iter_mut().zip(qe.attributes_mask.iter()).for_each(|(a, m)| *a &= m);
    if attrs != qe.attributes {
        let found = format!("{} (masked with attributesMask {})", to_hex(&attrs), to_hex(&qe.attributes_mask));
        return Err(mismatch("attributes", to_hex(&qe.attributes), found));
    }
    if inputs.qe_mr_signer != qe.mrsigner {
        return Err(mismatch("mrsigner", to_hex(&qe.mrsigner), to_hex(&inputs.qe_mr_signer)));
    }
    if inputs.qe_isv_prod_id != qe.isvprodid {
        return Err(mismatch("isvprodid", qe.isvprodid.to_string(), inputs.qe_isv_prod_id.to_string()));
    }
    Ok(qe.tcb_levels.iter().find(|l| inputs.qe_isv_svn >= l.isvsvn))
}

/// `have[i] >= need[i]` for every i.
fn all_at_least<'a>(have: impl IntoIterator<Item = &'a u8>, need: impl IntoIterator<Item = &'a u8>) -> bool {
    have.into_iter().zip(need).all(|(h, n)| h >= n)
}

/// Step 2 (4.1.2.4.17.1–3, QVL `matchTcbLevels`): walk the levels in QVL's descending order;
/// the first level reached by every PCK SGX component and the PCESVN is the SGX level; from there
/// the first such level also reached by TEE_TCB_SVN is the TDX level. Bytes 0 and 1 of
/// TEE_TCB_SVN (module ISVSVN and version) are skipped when TEE_TCB_SVN[1] > 0: the module is
/// judged by its identity's levels instead (fixture row 13 depends on this).
fn match_platform_levels<'a>(
    inputs: &TcbInputs,
    tcb_info: &'a TcbInfo,
) -> Result<(&'a TcbLevel, &'a TcbLevel), TcbError> {
    let skip = if module_major(&inputs.tee_tcb_svn) > 0 { 2 } else { 0 };
    let mut sgx_level = None;
    for level in tcb_info.levels_descending() {
        let sgx_reached =
            all_at_least(&inputs.pck_sgx_components, &level.sgx_components) && inputs.pck_pcesvn >= level.pcesvn;
        if !sgx_reached {
            continue;
        }
        let sgx = *sgx_level.get_or_insert(level);
        if all_at_least(inputs.tee_tcb_svn.iter().skip(skip), level.tdx_components.iter().skip(skip)) {
            return Ok((sgx, level));
        }
    }
    Err(TcbError::NoMatchingPlatformLevel {
        stage: if sgx_level.is_some() { PlatformStage::Tdx } else { PlatformStage::Sgx },
        pck_sgx_components: inputs.pck_sgx_components,
        pck_pcesvn: inputs.pck_pcesvn,
        tee_tcb_svn: inputs.tee_tcb_svn,
    })
}

/// A platform level's status; the relaunch statuses are results, never level statuses (QVL
/// `VALID_TCB_INFO_STATUSES`).
fn platform_level_status(tcb_info: &TcbInfo, level: &TcbLevel) -> Result<TcbStatus, TcbError> {
    match level.tcb_status {
        TcbStatus::TDRelaunchAdvised | TcbStatus::TDRelaunchAdvisedConfigurationNeeded => {
            let index = tcb_info.tcb_levels.iter().position(|l| std::ptr::eq(l, level)).unwrap_or_default();
            Err(TcbError::UnexpectedStatus { level: format!("tcb_info.tcbLevels[{index}]"), status: level.tcb_status })
        }
        status => Ok(status),
    }
}

/// Step 3 (4.1.2.4.17.4.1, QVL `checkTdxModuleTcbStatus`): with an identity, the first of its
/// levels (document order) whose `isvsvn` TEE_TCB_SVN[0] reaches; none ⇒ TCB_NOT_SUPPORTED.
/// Allowed statuses: UpToDate, OutOfDate, Revoked. The base `tdxModule` has no levels.
fn match_module_level<'a>(
    inputs: &TcbInputs,
    module: &SelectedModule<'a>,
) -> Result<Option<&'a ModuleTcbLevel>, TcbError> {
    let Some((index, identity)) = module.identity else {
        return Ok(None);
    };
    let isvsvn = module_isvsvn(&inputs.tee_tcb_svn);
    let (level_index, level) = identity
        .tcb_levels
        .iter()
        .enumerate()
        .find(|(_, l)| u16::from(isvsvn) >= l.isvsvn)
        .ok_or_else(|| TcbError::NoMatchingModuleLevel { identity: module.id.clone(), isvsvn })?;
    match level.tcb_status {
        TcbStatus::UpToDate | TcbStatus::OutOfDate | TcbStatus::Revoked => Ok(Some(level)),
        status => Err(TcbError::UnexpectedStatus {
            level: format!("tcb_info.tdxModuleIdentities[{index}].tcbLevels[{level_index}] ({})", module.id),
            status,
        }),
    }
}

/// What a QE level status means for convergence (QVL `EnclaveReportVerifier` 4.1.2.9.10): any
/// status other than UpToDate and Revoked counts as OutOfDate.
fn qe_component_status(status: TcbStatus) -> TcbStatus {
    match status {
        TcbStatus::UpToDate | TcbStatus::Revoked => status,
        _ => TcbStatus::OutOfDate,
    }
}

/// Steps 4 and 6: converge a level status with a component's (module or QE) status, which is
/// UpToDate, OutOfDate or Revoked. OutOfDate turns UpToDate/SWHardeningNeeded into OutOfDate and
/// the Configuration* statuses into OutOfDateConfigurationNeeded; Revoked wins; anything else
/// keeps the level's status.
fn converge(level: TcbStatus, component: TcbStatus) -> TcbStatus {
    match (component, level) {
        (TcbStatus::OutOfDate, TcbStatus::UpToDate | TcbStatus::SWHardeningNeeded) => TcbStatus::OutOfDate,
        (TcbStatus::OutOfDate, TcbStatus::ConfigurationNeeded | TcbStatus::ConfigurationAndSWHardeningNeeded) => {
            TcbStatus::OutOfDateConfigurationNeeded
        }
        (TcbStatus::Revoked, _) => TcbStatus::Revoked,
        (_, level) => level,
    }
}

/// The facts the TD 1.5 relaunch check reads.
struct Relaunch {
    svn2: [u8; 16],
    sgx_status: TcbStatus,
    /// The TDX status after convergence with the module.
    tdx_status: TcbStatus,
    module_status: Option<TcbStatus>,
    /// The QE status as convergence sees it; `None` when no QE level matched.
    qe_status: Option<TcbStatus>,
}

/// Step 5 (4.1.2.4.17.4.3, QVL `checkForRelaunch`), for TD 1.5 reports (body types 3 and 4):
/// when the QE is up to date, the SGX level is not out of date, the TDX status is OutOfDate* and
/// the module is OutOfDate, but TEE_TCB_SVN2 (the TCB after a TD-preserving module update)
/// reaches the latest level — [0] the latest TDX level's module SVN, or with [1] > 0 the first
/// level of identity `TDX_{[1]}` (missing ⇒ TDX_MODULE_MISMATCH), and [2] the latest level's late
/// microcode SVN — the TD only needs a relaunch.
fn check_relaunch(r: &Relaunch, tcb_info: &TcbInfo) -> Result<TcbStatus, TcbError> {
    let applies = r.qe_status == Some(TcbStatus::UpToDate)
        && matches!(
            r.sgx_status,
            TcbStatus::UpToDate
                | TcbStatus::SWHardeningNeeded
                | TcbStatus::ConfigurationNeeded
                | TcbStatus::ConfigurationAndSWHardeningNeeded
        )
        && matches!(r.tdx_status, TcbStatus::OutOfDate | TcbStatus::OutOfDateConfigurationNeeded)
        && r.module_status == Some(TcbStatus::OutOfDate);
    if !applies {
        return Ok(r.tdx_status);
    }
    let latest = tcb_info.levels_descending().into_iter().next().ok_or(TcbError::NoMatchingPlatformLevel {
        stage: PlatformStage::Sgx,
        pck_sgx_components: [0; 16],
        pck_pcesvn: 0,
        tee_tcb_svn: r.svn2,
    })?;
    let major2 = module_major(&r.svn2);
    let latest_module_svn = if major2 == 0 {
        u16::from(module_isvsvn(&latest.tdx_components))
    } else {
        let id = module_identity_id(major2);
        let identity = tcb_info.module_identity(major2).ok_or(TcbError::ModuleIdentityMissing { id: id.clone() })?;
        let first = identity.tcb_levels.first().ok_or(TcbError::NoMatchingModuleLevel { identity: id, isvsvn: 0 })?;
        first.isvsvn
    };
    let reaches_latest = u16::from(module_isvsvn(&r.svn2)) >= latest_module_svn
        && late_microcode_svn(&r.svn2) >= late_microcode_svn(&latest.tdx_components);
    if !reaches_latest {
        return Ok(r.tdx_status);
    }
    if r.sgx_status.is_configuration_needed() || r.tdx_status.is_configuration_needed() {
        Ok(TcbStatus::TDRelaunchAdvisedConfigurationNeeded)
    } else {
        Ok(TcbStatus::TDRelaunchAdvised)
    }
}

/// Step 7: the union of the lists, in order of first appearance.
fn union_advisories<'a>(lists: impl IntoIterator<Item = Option<&'a Vec<String>>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in lists.into_iter().flatten().flatten() {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcap::collateral::parse_collateral;
    use crate::dcap::tcb_info::{parse_qe_identity, parse_tcb_info};
    use crate::tdx::quote::{decode_quote_bytes, parse_quote};

    fn read(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/fixtures/tdx/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn quote(path: &str) -> Quote {
        parse_quote(&decode_quote_bytes(&read(path), path).unwrap()).unwrap()
    }

    fn collateral(path: &str) -> (TcbInfo, QeIdentity) {
        let c = parse_collateral(&serde_json::from_slice(&read(path)).unwrap()).unwrap();
        (parse_tcb_info(&c.tcb_info).unwrap(), parse_qe_identity(&c.qe_identity).unwrap())
    }

    /// The SGX extension arc 1.2.840.113741.1.13.1 (DER content bytes of the OID).
    const SGX_EXTENSION: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01];

    /// Test-only stand-in for the PCK extension parser (`pck.rs`, another module): finds the
    /// sub-OID `SGX_EXTENSION.arcs` in the PCK leaf's DER and returns the value that follows it
    /// (short-form lengths suffice for these fields).
    fn value_after(der: &[u8], arcs: &[u8]) -> Vec<u8> {
        let mut content = SGX_EXTENSION.to_vec();
        content.extend(arcs);
        let mut oid = vec![0x06, content.len() as u8];
        oid.extend(content);
        let at = der.windows(oid.len()).position(|w| w == oid.as_slice()).unwrap();
        let tlv = &der[at..][oid.len()..];
        let len = usize::from(tlv[1]);
        assert!(len < 0x80);
        tlv[2..][..len].to_vec()
    }

    fn integer(bytes: &[u8]) -> u16 {
        bytes.iter().fold(0u16, |acc, b| acc.wrapping_shl(8) | u16::from(*b))
    }

    /// FMSPC, PCE-ID, SGX TCB components and PCESVN of the quote's PCK leaf certificate.
    fn pck_values(q: &Quote) -> ([u8; 6], [u8; 2], [u8; 16], u16) {
        let pem = String::from_utf8_lossy(&q.signature.pck_cert_data);
        let first = pem.split("-----END CERTIFICATE-----").next().unwrap();
        let leaf = format!("{}\n-----END CERTIFICATE-----", first.trim());
        let (label, der) = der::pem::decode_vec(leaf.as_bytes()).unwrap();
        assert_eq!(label, "CERTIFICATE");
        let fmspc = value_after(&der, &[0x04]).try_into().unwrap();
        let pce_id = value_after(&der, &[0x03]).try_into().unwrap();
        let mut sgx = [0u8; 16];
        for (c, arc) in sgx.iter_mut().zip(1u8..=16) {
            *c = u8::try_from(integer(&value_after(&der, &[0x02, arc]))).unwrap();
        }
        let pcesvn = integer(&value_after(&der, &[0x02, 17]));
        (fmspc, pce_id, sgx, pcesvn)
    }

    fn inputs_of(quote_path: &str) -> TcbInputs {
        let q = quote(quote_path);
        let (fmspc, pce_id, sgx, pcesvn) = pck_values(&q);
        TcbInputs::from_quote(&q, fmspc, pce_id, sgx, pcesvn)
    }

    /// One row of SOURCES.md "Expected outcomes" (time and signatures are other layers').
    fn row(quote_path: &str, collateral_path: &str) -> Result<TcbEvaluation, TcbError> {
        let (tcb_info, qe) = collateral(collateral_path);
        evaluate_tcb(&inputs_of(quote_path), &tcb_info, &qe)
    }

    fn assert_status(r: Result<TcbEvaluation, TcbError>, status: TcbStatus, advisories: &[&str]) -> TcbEvaluation {
        let e = r.unwrap_or_else(|e| panic!("{} {e}", e.code()));
        assert_eq!(e.status, status, "{e:?}");
        assert_eq!(e.advisory_ids, advisories, "{e:?}");
        assert!(!e.relaunch_advised);
        e
    }

    fn assert_no_level(r: Result<TcbEvaluation, TcbError>, stage: PlatformStage) {
        match r {
            Err(e @ TcbError::NoMatchingPlatformLevel { .. }) => {
                assert_eq!(e.code(), "tcb-level-not-supported");
                assert!(e.to_string().starts_with("no matching TCB level"), "{e}");
                assert!(matches!(e, TcbError::NoMatchingPlatformLevel { stage: s, .. } if s == stage), "{e:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    const QVL_COLLATERAL: &str = "dcap-qvl/tdx_quote_collateral.json";
    const DCAP_RS_COLLATERAL: &str = "dcap-rs/assembled_collateral_00806f050000_2025-02.json";
    const SA_2026: [&str; 4] = ["INTEL-SA-01192", "INTEL-SA-01245", "INTEL-SA-01312", "INTEL-SA-01313"];

    #[test]
    fn row_01_dcap_qvl_quote_is_up_to_date() {
        let e = assert_status(row("dcap-qvl/tdx_quote", QVL_COLLATERAL), TcbStatus::UpToDate, &[]);
        assert_eq!(e.module_identity, "TDX_01");
        assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
        assert_eq!(
            (e.sgx_status, e.platform_status, e.qe_status),
            (TcbStatus::UpToDate, TcbStatus::UpToDate, TcbStatus::UpToDate)
        );
        assert_eq!(e.tcb_date, "2024-03-13T00:00:00Z");
    }

    #[test]
    fn row_03_outdated_v5_quote_has_no_matching_level() {
        // PCK SGX component 7 (SEAMLDR ACM) is 3, every level wants 5.
        let i = inputs_of("dcap-qvl/tdx_quote_outdated");
        assert_eq!(i.pck_sgx_components[7], 3);
        assert_no_level(
            row("dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx_quote_outdated_collateral.json"),
            PlatformStage::Sgx,
        );
    }

    #[test]
    fn row_04_hex_quote_has_no_matching_level() {
        assert_no_level(row("dcap-qvl/tdx-quote.hex", QVL_COLLATERAL), PlatformStage::Sgx);
    }

    #[test]
    fn row_05_tappd_quote_has_no_matching_level() {
        assert_no_level(row("dcap-qvl/quote-from-tappd.hex", QVL_COLLATERAL), PlatformStage::Sgx);
    }

    #[test]
    fn row_06_07_tee_solver_quotes_are_up_to_date() {
        let e = assert_status(
            row("tee-solver/alice/quote.hex", "tee-solver/alice/quote_collateral.json"),
            TcbStatus::UpToDate,
            &[],
        );
        assert_eq!(e.module_identity, "TDX_01");
        assert_status(
            row("tee-solver/bob/quote.hex", "tee-solver/bob/quote_collateral.json"),
            TcbStatus::UpToDate,
            &[],
        );
    }

    #[test]
    fn row_08_v5_sample_with_dcap_qvl_collateral_is_up_to_date() {
        let e = assert_status(
            row("go-tdx-guest/quote_v5_sample.dat", "dcap-qvl/tdx_quote_outdated_collateral.json"),
            TcbStatus::UpToDate,
            &[],
        );
        // A TD 1.5 report: the relaunch check ran and did not apply.
        assert!(inputs_of("go-tdx-guest/quote_v5_sample.dat").td15);
        assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
    }

    #[test]
    fn row_09_v5_sample_with_go_tdx_guest_collateral_is_up_to_date() {
        assert_status(
            row("go-tdx-guest/quote_v5_sample.dat", "go-tdx-guest/assembled_collateral_v5_2026.json"),
            TcbStatus::UpToDate,
            &[],
        );
    }

    #[test]
    fn row_11_spr_e4_quote_has_no_matching_level() {
        // Module version 0: the base tdxModule is used (this TCB Info has no module identities).
        let i = inputs_of("go-tdx-guest/tdx_prod_quote_SPR_E4.dat");
        assert_eq!(i.tee_tcb_svn[1], 0);
        assert_no_level(
            row("go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "go-tdx-guest/assembled_collateral_v4_2023.json"),
            PlatformStage::Sgx,
        );
    }

    #[test]
    fn row_12_dcap_rs_quote_is_out_of_date() {
        let e = assert_status(
            row("dcap-rs/quote_tdx_00806f050000.dat", DCAP_RS_COLLATERAL),
            TcbStatus::OutOfDate,
            &["INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"],
        );
        assert_eq!(e.platform_status, TcbStatus::OutOfDate);
        assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
    }

    /// TEE_TCB_SVN is 04 01 07: the module ISVSVN 4 is below the newest level's
    /// tdxtcbcomponents[0] = 5, so comparing all 16 bytes (dcap-qvl 0.5.2) lands on an OutOfDate
    /// level. With TEE_TCB_SVN[1] > 0 QVL skips bytes 0–1 and judges the module by TDX_01's levels.
    #[test]
    fn row_13_cos_113_quote_is_up_to_date_only_with_the_svn_skip() {
        let i = inputs_of("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        let (tcb_info, qe) = collateral(DCAP_RS_COLLATERAL);
        assert_eq!(i.tee_tcb_svn[..3], [4, 1, 7]);
        assert!(i.tee_tcb_svn[0] < tcb_info.tcb_levels[0].tdx_components[0]);
        let e = assert_status(evaluate_tcb(&i, &tcb_info, &qe), TcbStatus::UpToDate, &[]);
        assert_eq!(e.tcb_date, tcb_info.tcb_levels[0].tcb_date);
        // Without the skip (module version 0, base tdxModule), the same SVNs are OutOfDate.
        let mut no_skip = i.clone();
        no_skip.tee_tcb_svn[1] = 0;
        let e = evaluate_tcb(&no_skip, &tcb_info, &qe).unwrap();
        assert_eq!(e.status, TcbStatus::OutOfDate);
        assert_eq!(e.advisory_ids, ["INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"]);
    }

    #[test]
    fn row_14_td15ex_quote_is_up_to_date() {
        let i = inputs_of("dcap-qvl-0.7.1/tdx_quote_td15ex");
        assert!(i.td15 && i.tee_tcb_svn2 == Some(i.tee_tcb_svn));
        assert_status(
            row("dcap-qvl-0.7.1/tdx_quote_td15ex", "dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json"),
            TcbStatus::UpToDate,
            &[],
        );
    }

    /// The platform level is OutOfDate with four advisories; the module (TDX_01, ISVSVN 6 < 11)
    /// is OutOfDate too with three of them: the union keeps the platform's order.
    #[test]
    fn row_15_dcap_qvl_quote_with_2026_collateral_is_out_of_date() {
        let e = assert_status(
            row("dcap-qvl/tdx_quote", "derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json"),
            TcbStatus::OutOfDate,
            &SA_2026,
        );
        assert_eq!(e.platform_status, TcbStatus::OutOfDate);
        assert_eq!(e.module_status, Some(TcbStatus::OutOfDate));
        assert_eq!(e.tcb_date, "2025-05-14T00:00:00Z");
        assert_eq!(e.module_tcb_date.as_deref(), Some("2025-05-14T00:00:00Z"));
        assert_eq!(e.qe_status, TcbStatus::UpToDate);
        // The module's IDs here are a prefix of the platform's; one it alone lists goes last.
        let (mut t, q) = collateral("derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json");
        t.tdx_module_identities[1].tcb_levels[1].advisory_ids.insert(0, "INTEL-SA-09999".into());
        let e = evaluate_tcb(&inputs_of("dcap-qvl/tdx_quote"), &t, &q).unwrap();
        assert_eq!(e.advisory_ids, [&SA_2026[..], &["INTEL-SA-09999"]].concat());
    }

    #[test]
    fn advisory_union_keeps_platform_then_module_then_qe_order() {
        let (mut i, mut t, mut q) = base();
        i.tee_tcb_svn[0] = 3;
        t.tcb_levels[0].advisory_ids = vec!["SA-A".into(), "SA-B".into()];
        t.tdx_module_identities[1].tcb_levels[1].advisory_ids = vec!["SA-C".into(), "SA-A".into()];
        q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &["SA-D", "SA-B", "SA-C"]));
        i.qe_isv_svn = 2;
        assert_eq!(eval(&i, &t, &q).advisory_ids, ["SA-A", "SA-B", "SA-C", "SA-D"]);
    }

    // ---- synthetic variations of row 1 ----

    fn base() -> (TcbInputs, TcbInfo, QeIdentity) {
        let (t, q) = collateral(QVL_COLLATERAL);
        (inputs_of("dcap-qvl/tdx_quote"), t, q)
    }

    fn eval(i: &TcbInputs, t: &TcbInfo, q: &QeIdentity) -> TcbEvaluation {
        evaluate_tcb(i, t, q).unwrap_or_else(|e| panic!("{} {e}", e.code()))
    }

    fn code(i: &TcbInputs, t: &TcbInfo, q: &QeIdentity) -> &'static str {
        evaluate_tcb(i, t, q).unwrap_err().code()
    }

    fn module_level(isvsvn: u16, status: TcbStatus, advisories: &[&str]) -> ModuleTcbLevel {
        ModuleTcbLevel {
            isvsvn,
            tcb_date: "2020-01-01T00:00:00Z".into(),
            tcb_status: status,
            advisory_ids: advisories.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn row_1_facts() {
        let (i, t, _) = base();
        assert_eq!(i.tee_tcb_svn[..3], [6, 1, 3]);
        assert_eq!(i.pck_fmspc, t.fmspc);
        assert_eq!(i.qe_isv_svn, 6);
        assert_eq!(t.module_identity(1).unwrap().tcb_levels.iter().map(|l| l.isvsvn).collect::<Vec<_>>(), [4, 2]);
    }

    #[test]
    fn module_identity_missing() {
        let (mut i, t, q) = base();
        i.tee_tcb_svn[1] = 0x09;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e, TcbError::ModuleIdentityMissing { id: "TDX_09".into() });
        assert_eq!(e.code(), "tdx-module-identity-missing");
        assert!(e.to_string().contains("TDX_09"));
        // Ids compare case-insensitively (QVL upper-cases them).
        let (mut i, mut t, q) = base();
        i.tee_tcb_svn[1] = 0x0a;
        t.tdx_module_identities[1].id = "tdx_0a".into();
        assert_eq!(eval(&i, &t, &q).module_identity, "TDX_0A");
    }

    #[test]
    fn module_signer_mismatch() {
        let (mut i, t, q) = base();
        i.mr_signer_seam[47] = 1;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e.code(), "tdx-module-mrsigner-mismatch");
        assert!(matches!(&e, TcbError::ModuleSignerMismatch { identity, .. } if identity == "TDX_01"), "{e:?}");
        // Module version 0 checks the base tdxModule.
        let (mut i, mut t, q) = base();
        i.tee_tcb_svn[1] = 0;
        t.tdx_module.mrsigner[0] = 0xaa;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert!(matches!(&e, TcbError::ModuleSignerMismatch { identity, .. } if identity == "tdxModule"), "{e:?}");
    }

    #[test]
    fn module_attributes_are_compared_under_the_mask() {
        let (mut i, t, q) = base();
        i.seam_attributes[0] = 0x01;
        assert_eq!(code(&i, &t, &q), "tdx-module-attributes-mismatch");
        // The identity expects a bit the quote lacks.
        let (i, mut t, q) = base();
        t.tdx_module_identities[1].attributes[3] = 0x80;
        assert_eq!(code(&i, &t, &q), "tdx-module-attributes-mismatch");
        // A bit outside the mask that the identity sets is ignored …
        let (i, mut t, q) = base();
        t.tdx_module_identities[1].attributes[3] = 0x80;
        t.tdx_module_identities[1].attributes_mask[3] = 0x7f;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
        // … but the quote may not set one.
        let (mut i, mut t, q) = base();
        t.tdx_module_identities[1].attributes_mask[3] = 0x7f;
        i.seam_attributes[3] = 0x80;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert!(e.to_string().contains("outside the mask"), "{e}");
    }

    #[test]
    fn no_module_level() {
        let (mut i, t, q) = base();
        i.tee_tcb_svn[0] = 1; // TDX_01 levels are 4 and 2
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e, TcbError::NoMatchingModuleLevel { identity: "TDX_01".into(), isvsvn: 1 });
        assert_eq!(e.code(), "tdx-module-level-not-supported");
    }

    #[test]
    fn module_out_of_date_converges() {
        let (mut i, mut t, q) = base();
        i.tee_tcb_svn[0] = 3; // TDX_01 level isvsvn 2: OutOfDate
        t.tdx_module_identities[1].tcb_levels[1].advisory_ids = vec!["INTEL-SA-00001".into()];
        let e = eval(&i, &t, &q);
        assert_eq!(
            (e.platform_status, e.module_status, e.status),
            (TcbStatus::UpToDate, Some(TcbStatus::OutOfDate), TcbStatus::OutOfDate)
        );
        assert_eq!(e.advisory_ids, ["INTEL-SA-00001"]);
        assert_eq!(e.module_tcb_date.as_deref(), Some("2023-08-09T00:00:00Z"));
        for (level, converged) in [
            (TcbStatus::SWHardeningNeeded, TcbStatus::OutOfDate),
            (TcbStatus::ConfigurationNeeded, TcbStatus::OutOfDateConfigurationNeeded),
            (TcbStatus::ConfigurationAndSWHardeningNeeded, TcbStatus::OutOfDateConfigurationNeeded),
            (TcbStatus::OutOfDate, TcbStatus::OutOfDate),
            (TcbStatus::OutOfDateConfigurationNeeded, TcbStatus::OutOfDateConfigurationNeeded),
            (TcbStatus::Revoked, TcbStatus::Revoked),
        ] {
            t.tcb_levels[0].tcb_status = level;
            let e = eval(&i, &t, &q);
            assert_eq!((e.platform_status, e.status), (level, converged));
        }
    }

    #[test]
    fn module_revoked_is_revoked() {
        let (mut i, mut t, q) = base();
        i.tee_tcb_svn[0] = 3;
        t.tdx_module_identities[1].tcb_levels[1].tcb_status = TcbStatus::Revoked;
        for level in [TcbStatus::UpToDate, TcbStatus::ConfigurationNeeded, TcbStatus::OutOfDate] {
            t.tcb_levels[0].tcb_status = level;
            let e = eval(&i, &t, &q);
            assert_eq!((e.module_status, e.status), (Some(TcbStatus::Revoked), TcbStatus::Revoked));
        }
    }

    #[test]
    fn module_levels_allow_only_module_statuses() {
        let (i, mut t, q) = base();
        t.tdx_module_identities[1].tcb_levels[0].tcb_status = TcbStatus::SWHardeningNeeded;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e.code(), "tcb-status-unrecognized");
        assert!(e.to_string().contains("tdxModuleIdentities[1].tcbLevels[0]"), "{e}");
        let (i, mut t, q) = base();
        t.tcb_levels[0].tcb_status = TcbStatus::TDRelaunchAdvised;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(
            e,
            TcbError::UnexpectedStatus { level: "tcb_info.tcbLevels[0]".into(), status: TcbStatus::TDRelaunchAdvised }
        );
    }

    /// A TD 1.5 report of row 1's platform whose module was updated in place: TEE_TCB_SVN (at TD
    /// launch) is OutOfDate for the module, TEE_TCB_SVN2 (now) reaches the latest level.
    fn td15() -> (TcbInputs, TcbInfo, QeIdentity) {
        let (mut i, t, q) = base();
        i.quote_version = 5;
        i.td15 = true;
        i.tee_tcb_svn[0] = 3; // module level isvsvn 2: OutOfDate
        let mut svn2 = i.tee_tcb_svn;
        svn2[0] = 4; // TDX_01's first level
        i.tee_tcb_svn2 = Some(svn2);
        (i, t, q)
    }

    #[test]
    fn td15_relaunch_advised() {
        let (i, mut t, q) = td15();
        let e = eval(&i, &t, &q);
        assert_eq!(e.status, TcbStatus::TDRelaunchAdvised);
        assert!(e.relaunch_advised);
        assert_eq!(e.module_status, Some(TcbStatus::OutOfDate));
        // A configuration-needed level keeps that in the advice.
        t.tcb_levels[0].tcb_status = TcbStatus::ConfigurationNeeded;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvisedConfigurationNeeded);
        t.tcb_levels[0].tcb_status = TcbStatus::SWHardeningNeeded;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
    }

    #[test]
    fn td15_relaunch_needs_svn2_at_the_latest_level() {
        let (mut i, t, q) = td15();
        i.tee_tcb_svn2.as_mut().unwrap()[0] = 3;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        let (mut i, t, q) = td15();
        i.tee_tcb_svn2.as_mut().unwrap()[2] = 2; // latest level's late microcode SVN; the row-1 quote has 3
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
        i.tee_tcb_svn2.as_mut().unwrap()[2] = 1;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        // Module version 0 in SVN2: compared with the latest level's tdxtcbcomponents[0] (5).
        let (mut i, t, q) = td15();
        i.tee_tcb_svn2 = Some([5, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
        i.tee_tcb_svn2 = Some([4, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        // SVN2 naming a module identity the TCB Info lacks.
        let (mut i, t, q) = td15();
        i.tee_tcb_svn2.as_mut().unwrap()[1] = 7;
        assert_eq!(evaluate_tcb(&i, &t, &q).unwrap_err(), TcbError::ModuleIdentityMissing { id: "TDX_07".into() });
    }

    #[test]
    fn td15_relaunch_not_advised_when_qe_or_platform_blocks_it() {
        // QE out of date: no relaunch, the QE downgrades instead.
        let (mut i, t, mut q) = td15();
        q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &[]));
        i.qe_isv_svn = 3;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        // SGX level out of date.
        let (i, mut t, q) = td15();
        t.tcb_levels[0].tcb_status = TcbStatus::OutOfDate;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        // A TD 1.0 report never gets the advice.
        let (mut i, t, q) = td15();
        i.td15 = false;
        i.tee_tcb_svn2 = None;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
        // Module revoked: revoked.
        let (i, mut t, q) = td15();
        t.tdx_module_identities[1].tcb_levels[1].tcb_status = TcbStatus::Revoked;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::Revoked);
    }

    #[test]
    fn qe_identity_mismatch_on_each_field() {
        type Edit = fn(&mut TcbInputs, &mut QeIdentity);
        let cases: [(&str, Edit); 7] = [
            ("mrsigner", |i, _| i.qe_mr_signer[0] ^= 1),
            ("isvprodid", |i, _| i.qe_isv_prod_id = 1),
            ("miscselect", |i, _| i.qe_misc_select = 1),
            ("miscselect", |_, q| q.miscselect = [0, 0, 0, 0x80]),
            ("attributes", |i, _| i.qe_attributes[1] ^= 0x01),
            ("id", |_, q| q.id = "QE".into()),
            ("version", |_, q| q.version = 1),
        ];
        for (field, edit) in cases {
            let (mut i, t, mut q) = base();
            edit(&mut i, &mut q);
            match evaluate_tcb(&i, &t, &q) {
                Err(e @ TcbError::QeIdentityMismatch { .. }) => {
                    assert_eq!(e.code(), "qe-identity-mismatch");
                    assert!(matches!(e, TcbError::QeIdentityMismatch { field: f, .. } if f == field), "{field}: {e:?}");
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        // Masked-out bits do not matter: attributes byte 0 bit 2 is outside FB.
        let (mut i, t, q) = base();
        i.qe_attributes[0] ^= 0x04;
        i.qe_misc_select = 0;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
        let (mut i, t, mut q) = base();
        q.miscselect_mask = [0xfe, 0xff, 0xff, 0xff];
        i.qe_misc_select = 1;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
    }

    #[test]
    fn qe_out_of_date_downgrades() {
        let (mut i, mut t, mut q) = base();
        q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &["INTEL-SA-00002"]));
        i.qe_isv_svn = 3;
        let e = eval(&i, &t, &q);
        assert_eq!((e.qe_status, e.status), (TcbStatus::OutOfDate, TcbStatus::OutOfDate));
        assert_eq!(e.advisory_ids, ["INTEL-SA-00002"]);
        assert_eq!(e.qe_tcb_date, "2020-01-01T00:00:00Z");
        t.tcb_levels[0].tcb_status = TcbStatus::ConfigurationAndSWHardeningNeeded;
        t.tcb_levels[0].advisory_ids = vec!["INTEL-SA-00002".into(), "INTEL-SA-00001".into()];
        let e = eval(&i, &t, &q);
        assert_eq!(e.status, TcbStatus::OutOfDateConfigurationNeeded);
        assert_eq!(e.advisory_ids, ["INTEL-SA-00002", "INTEL-SA-00001"]);
        // Any QE level status other than UpToDate/Revoked counts as OutOfDate.
        q.tcb_levels[1].tcb_status = TcbStatus::SWHardeningNeeded;
        t.tcb_levels[0].tcb_status = TcbStatus::UpToDate;
        let e = eval(&i, &t, &q);
        assert_eq!((e.qe_status, e.status), (TcbStatus::SWHardeningNeeded, TcbStatus::OutOfDate));
    }

    #[test]
    fn qe_revoked_and_missing_levels() {
        let (mut i, t, mut q) = base();
        q.tcb_levels.push(module_level(2, TcbStatus::Revoked, &[]));
        i.qe_isv_svn = 2;
        assert_eq!(eval(&i, &t, &q).status, TcbStatus::Revoked);
        i.qe_isv_svn = 1;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e, TcbError::NoMatchingQeLevel { isvsvn: 1 });
        assert_eq!(e.code(), "qe-level-not-supported");
        // The platform's own failure is reported first, as in QVL.
        i.pck_sgx_components = [0; 16];
        assert_eq!(code(&i, &t, &q), "tcb-level-not-supported");
    }

    #[test]
    fn fmspc_and_pce_id_mismatch() {
        let (mut i, t, q) = base();
        i.pck_fmspc[5] = 1;
        let e = evaluate_tcb(&i, &t, &q).unwrap_err();
        assert_eq!(e.code(), "tcb-info-fmspc-mismatch");
        assert_eq!(
            e.to_string(),
            "the TCB Info is for FMSPC b0c06f000000, but the PCK certificate's FMSPC is b0c06f000001"
        );
        let (mut i, t, q) = base();
        i.pck_pce_id = [0, 1];
        assert_eq!(evaluate_tcb(&i, &t, &q).unwrap_err(), TcbError::PceIdMismatch { expected: [0, 0], found: [0, 1] });
    }

    #[test]
    fn platform_levels_are_matched_in_qvl_order_not_document_order() {
        let (i, mut t, q) = base();
        let before = eval(&i, &t, &q);
        t.tcb_levels.reverse();
        assert_eq!(eval(&i, &t, &q), before);
        // PCESVN below the newest level: the next level (PCESVN 5, OutOfDate) matches.
        let (mut i, t, q) = base();
        i.pck_pcesvn = 10;
        let e = eval(&i, &t, &q);
        assert_eq!(e.status, TcbStatus::OutOfDate);
        assert_eq!(e.advisory_ids.len(), 14);
        assert_eq!(e.tcb_date, "2018-01-04T00:00:00Z");
        // The late microcode SVN below every level: the SGX half matched, the TDX half did not.
        let (mut i, t, q) = base();
        i.tee_tcb_svn[2] = 1;
        assert_no_level(evaluate_tcb(&i, &t, &q), PlatformStage::Tdx);
    }

    #[test]
    fn inconsistent_inputs_and_other_tcb_info_kinds() {
        let (mut i, t, q) = base();
        i.td15 = true;
        assert_eq!(code(&i, &t, &q), "tcb-inputs-inconsistent");
        let (mut i, t, q) = base();
        i.quote_version = 3;
        assert_eq!(code(&i, &t, &q), "tcb-inputs-inconsistent");
        let (i, mut t, q) = base();
        t.id = "SGX".into();
        assert_eq!(code(&i, &t, &q), "tcb-info-unsupported");
    }

    #[test]
    fn error_codes_are_distinct_kebab_case() {
        let errors = [
            TcbError::InputsInconsistent { what: String::new() },
            TcbError::TcbInfoUnsupported { id: String::new(), version: 0 },
            TcbError::FmspcMismatch { expected: [0; 6], found: [0; 6] },
            TcbError::PceIdMismatch { expected: [0; 2], found: [0; 2] },
            TcbError::ModuleIdentityMissing { id: String::new() },
            TcbError::ModuleSignerMismatch { identity: String::new(), expected: [0; 48], found: [0; 48] },
            TcbError::ModuleAttributesMismatch {
                identity: String::new(),
                expected: [0; 8],
                mask: [0; 8],
                found: [0; 8],
            },
            TcbError::NoMatchingPlatformLevel {
                stage: PlatformStage::Sgx,
                pck_sgx_components: [0; 16],
                pck_pcesvn: 0,
                tee_tcb_svn: [0; 16],
            },
            TcbError::NoMatchingModuleLevel { identity: String::new(), isvsvn: 0 },
            TcbError::UnexpectedStatus { level: String::new(), status: TcbStatus::UpToDate },
            TcbError::QeIdentityMismatch { field: "id", expected: String::new(), found: String::new() },
            TcbError::NoMatchingQeLevel { isvsvn: 0 },
        ];
        let mut codes: Vec<&str> = errors.iter().map(TcbError::code).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
