//! The dstack app-compose document: compose-hash, default app-id and MRCONFIGID forms.
//! Docker Compose and git-launcher parsing (checks 2 and 3) will live beside these.

pub mod app_compose;
pub mod docker_compose;
pub mod mr_config;
