//! Offline DCAP verification of TDX quotes: the signature chain to the pinned Intel SGX Root CA,
//! collateral (CRLs, TCB Info, QE Identity) and the TCB status (research `tdx-dcap.md`).
//!
//! Parsing of certificates, CRLs and collateral lives in `x509`, `crl`, `pck`, `collateral`,
//! `tcb_info`; chain rules in `chain`; Intel's TCB-level algorithm in `tcb`; the numbered steps in
//! `verify`. Verifiers here make no policy decisions: which statuses are acceptable is the
//! appraisal's business (`checks/`).

pub mod chain;
pub mod collateral;
pub mod crl;
pub mod pck;
pub mod roots;
pub mod tcb;
pub mod tcb_info;
pub mod verify;
pub mod x509;
