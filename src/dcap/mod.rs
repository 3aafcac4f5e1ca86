//! Offline DCAP verification of TDX quotes: the signature chain to the pinned Intel SGX Root CA,
//! collateral (CRLs, TCB Info, QE Identity) and the TCB status (research `tdx-dcap.md`).
//!
//! Certificates and CRLs are parsed by the shared `crate::x509`; collateral, the PCK extension
//! and TCB Info / QE Identity by `collateral`, `pck`, `tcb_info`; chain rules in `chain`; Intel's
//! TCB-level algorithm in `tcb`; the numbered steps in `verify`. Verifiers here make no policy
//! decisions: which statuses are acceptable is the appraisal's business (`checks/`).

pub(crate) mod chain;
pub mod collateral;
pub(crate) mod pck;
pub mod roots;
pub(crate) mod tcb;
pub mod tcb_info;
#[cfg(test)]
pub(crate) mod test_support;
pub mod verify;
