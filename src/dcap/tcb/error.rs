//! Why Intel's TCB algorithm yields no status (QVL `TCB_NOT_SUPPORTED`, `TDX_MODULE_MISMATCH`,
//! `QE_IDENTITY_MISMATCH`, `TCB_INFO_MISMATCH`): one variant per step, each with a stable
//! kebab-case code and a message with what was expected and what was found.

use crate::finding_code::FindingCode;
use std::fmt;

use crate::bytes::to_hex;
use crate::dcap::tcb_info::TcbStatus;

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
    pub fn code(&self) -> FindingCode {
        match self {
            TcbError::InputsInconsistent { .. } => FindingCode::TcbInputsInconsistent,
            TcbError::TcbInfoUnsupported { .. } => FindingCode::TcbInfoUnsupported,
            TcbError::FmspcMismatch { .. } => FindingCode::TcbInfoFmspcMismatch,
            TcbError::PceIdMismatch { .. } => FindingCode::TcbInfoPceidMismatch,
            TcbError::ModuleIdentityMissing { .. } => FindingCode::TdxModuleIdentityMissing,
            TcbError::ModuleSignerMismatch { .. } => FindingCode::TdxModuleMrsignerMismatch,
            TcbError::ModuleAttributesMismatch { .. } => FindingCode::TdxModuleAttributesMismatch,
            TcbError::NoMatchingPlatformLevel { .. } => FindingCode::TcbLevelNotSupported,
            TcbError::NoMatchingModuleLevel { .. } => FindingCode::TdxModuleLevelNotSupported,
            TcbError::UnexpectedStatus { .. } => FindingCode::TcbStatusUnrecognized,
            TcbError::QeIdentityMismatch { .. } => FindingCode::QeIdentityMismatch,
            TcbError::NoMatchingQeLevel { .. } => FindingCode::QeLevelNotSupported,
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
