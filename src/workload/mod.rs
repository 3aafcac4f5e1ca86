//! The workload side of check 3 that lives outside the attestation: a local clone of the
//! workload repository (`repo`), inspected offline with git plumbing.
pub mod repo;
