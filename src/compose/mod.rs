//! The dstack app-compose document (compose-hash, default app-id, MRCONFIGID forms), the Docker
//! Compose file inside it, and the git-launcher config that pins a workload commit.

pub mod app_compose;
pub mod docker_compose;
pub mod git_launcher;
pub(crate) mod mr_config;
