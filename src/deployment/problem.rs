//! What the deployment model could not read as Compose would, or does not model: one type shared
//! by the service model (`model.rs`), `extends` (`extends.rs`) and top-level volumes
//! (`volumes.rs`), so none of them imports another for it.

/// Something in the file the model could not read as Compose would, or does not model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `services.launcher.command`, `include`, …
    pub field: String,
    pub line: usize,
    pub why: String,
}
