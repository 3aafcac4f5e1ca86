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
//! The errors and their codes are in `error`.

mod error;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub(crate) use error::{PlatformStage, TcbError};

use crate::bytes::to_hex;
use crate::dcap::tcb_info::{module_identity_id, ModuleTcbLevel, QeIdentity, TcbInfo, TcbLevel, TcbStatus};

/// Everything the algorithm reads, taken from the quote (TD report and QE report) and from the
/// PCK certificate's SGX extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TcbInputs {
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
    /// and PCESVN. (Test support builds inputs this way.)
    #[cfg(test)]
    pub(crate) fn from_quote(
        quote: &crate::tdx::quote::Quote,
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

/// Runs Intel's TDX TCB status algorithm (research §2.4).
pub(crate) fn evaluate_tcb(
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
