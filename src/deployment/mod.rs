//! The effective deployment: what dstack's boot scripts and Docker Compose v2 will actually
//! run from an attested app-compose. `yaml.rs` reads the compose text keeping tags, merges
//! and lines; `interpolate.rs` evaluates Compose's `${VAR}` with every variable deploy-time;
//! `command.rs` splits a string `command:` into words as Compose does;
//! `extends.rs` merges `extends` within the file as Compose does; `model.rs` decodes each
//! service as Compose will; `volumes.rs` reads top-level volumes; `problem.rs` is what none of
//! them could model; `boot.rs` models dstack's runner, pre-launch script and `allowed_envs`.
//! This layer parses and computes; the checks judge.

pub(crate) mod boot;
pub(crate) mod command;
pub(crate) mod extends;
pub(crate) mod image;
pub mod interpolate;
pub mod model;
mod problem;
pub(crate) mod volumes;
pub(crate) mod yaml;
