//! Named bounds on every input. Going past one is a clear error (exit 2), never a slow run.
//!
//! The figures are generous for real dstack evidence (a GetQuote response is ~20 KiB, an Info
//! response with a full event log and an RA-TLS chain ~50 KiB, an event log has ~40 entries).

/// Largest attestation, collateral, reference or side file read from disk or stdin.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Largest TDX quote (real quotes are 5–8 KiB including driver padding).
pub const MAX_QUOTE_BYTES: usize = 256 * 1024;
/// Largest number of event-log entries (real logs hold 30–60).
pub const MAX_EVENTS: usize = 4096;
/// Largest payload of one event-log entry, after hex decoding.
pub const MAX_EVENT_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Largest app-compose document.
pub const MAX_APP_COMPOSE_BYTES: usize = 4 * 1024 * 1024;
/// Largest number of instances considered in a Phala Cloud `instances[]` listing.
pub const MAX_INSTANCES: usize = 1024;
/// Largest number of certificates read from a PEM chain.
pub const MAX_CERTS_IN_CHAIN: usize = 16;
/// Deepest nesting accepted in JSON inputs (serde_json's own limit is 128).
pub const MAX_JSON_DEPTH: usize = 64;
/// Most values a `--select` filter may produce before it is stopped (only the first is used).
pub const MAX_SELECT_OUTPUTS: usize = 2;
/// Largest `config` string (the VM config JSON) inside a binary dstack attestation.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// Most TCB levels in one TCB Info, TDX module identity or QE Identity (Intel's real TDX TCB
/// Info holds 2–4 per FMSPC, QE Identity 1).
pub const MAX_TCB_LEVELS: usize = 256;
/// Most `tdxModuleIdentities` entries in one TCB Info (real: 2, TDX_01 and TDX_03).
pub const MAX_TDX_MODULE_IDENTITIES: usize = 64;
/// Most `advisoryIDs` in one TCB level (real: up to 23).
pub const MAX_ADVISORY_IDS: usize = 1024;
/// Largest DER certificate (Intel's PCK certificates are ~1.2 KiB).
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// Largest PEM certificate chain text (a PCK chain is ~3.7 KiB).
pub const MAX_PEM_CHAIN_BYTES: usize = 1024 * 1024;
/// Largest DER CRL (Intel's PCK Platform CA CRL is ~3.4 KiB with 57 entries in 2026).
pub const MAX_CRL_BYTES: usize = 4 * 1024 * 1024;
/// Most revoked-certificate entries read from one CRL.
pub const MAX_CRL_ENTRIES: usize = 100_000;
/// Most CRLs considered by one chain verification.
pub const MAX_CRLS: usize = 16;
/// Largest `--bundle` file (JSON or JSONL). A GitHub attestation bundle is 5–15 KiB.
pub const MAX_BUNDLE_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Largest single Sigstore bundle (one JSON document or one JSONL line).
pub const MAX_BUNDLE_BYTES: usize = 1024 * 1024;
/// Most bundles read from one `--bundle` file (`gh attestation download` writes one per line).
pub const MAX_BUNDLES_PER_FILE: usize = 256;
/// Most bundles tried in one provenance verification, over all `--bundle` files.
pub const MAX_BUNDLES: usize = 1024;
/// Largest `--trusted-root` file (the public-good root is ~7 KiB, GitHub's ~20 KiB).
pub const MAX_TRUSTED_ROOT_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Most trusted roots loaded at once, over all `--trusted-root` files.
pub const MAX_TRUSTED_ROOTS: usize = 32;
/// Most subjects read from one in-toto statement (sigstore-go's limit).
pub const MAX_STATEMENT_SUBJECTS: usize = 1024;
/// Most digests per in-toto subject (sigstore-go's limit).
pub const MAX_SUBJECT_DIGESTS: usize = 32;
/// Longest policy string (repository URI, workflow, ref glob, identity) accepted.
pub const MAX_POLICY_VALUE_BYTES: usize = 4096;
/// Largest artifact file hashed by `provenance FILE`; larger ones are given as `sha256:HEX`.
pub const MAX_ARTIFACT_BYTES: usize = 256 * 1024 * 1024;
/// Largest `docker_compose_file` (YAML) inside an app-compose (real ones are 0.2–2 KiB).
pub const MAX_COMPOSE_BYTES: usize = 1024 * 1024;
/// Most services in one compose file.
pub const MAX_SERVICES: usize = 256;
/// Deepest nesting of YAML mappings and sequences in a compose file (real ones reach 5).
pub const MAX_COMPOSE_DEPTH: usize = 32;
/// Most YAML nodes (scalars, mappings, sequences) in a compose file, counted after alias
/// expansion.
pub const MAX_COMPOSE_NODES: usize = 100_000;
/// Most scalar text (keys and values) in a compose file, counted after alias expansion: an
/// alias of a large scalar must not multiply it.
pub const MAX_COMPOSE_EXPANDED_BYTES: usize = 8 * 1024 * 1024;
/// Longest chain of `extends` (A extends B extends C …) merged in one compose file; Compose
/// has no bound (real files use one or two), a longer chain is not passed.
pub const MAX_COMPOSE_EXTENDS_DEPTH: usize = 16;
/// Most alias uses (`*name`, `<<: *name`) in a compose file.
pub const MAX_COMPOSE_ALIASES: usize = 1_000;
/// Most YAML events that alias expansion may copy in total (the "billion laughs" bound).
pub const MAX_COMPOSE_ALIAS_EVENTS: usize = 100_000;
/// Largest git-launcher config file (real ones are a few hundred bytes).
pub const MAX_LAUNCHER_CONFIG_BYTES: usize = 64 * 1024;
/// Longest value of one git-launcher config key.
pub const MAX_LAUNCHER_VALUE_BYTES: usize = 16 * 1024;
/// Longest wait for one online request of `fetch` (connect, send, and read the whole response).
pub const FETCH_TIMEOUT_SECS: u64 = 30;
/// Largest response body `fetch` accepts (an attestation with its event log is ~50 KiB).
pub const MAX_FETCH_BYTES: usize = 16 * 1024 * 1024;
/// Largest response head (status line and headers) read from a guest agent's Unix socket.
pub const MAX_FETCH_HEAD_BYTES: usize = 64 * 1024;
/// Most redirects `fetch` follows.
pub const MAX_FETCH_REDIRECTS: usize = 5;
/// Largest OCI manifest or referrers index `fetch bundle` reads.
pub const MAX_OCI_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Most CPU time a `--select` filter may use (the child process's RLIMIT_CPU). Real filters
/// take milliseconds; a 16 MiB input is read in well under a second.
pub const SELECT_CPU_SECS: u64 = 4;
/// Longest a `--select` child process may run by the wall clock before it is killed (a filter
/// that sleeps on nothing, or a machine too busy to give it CPU time).
pub const SELECT_WALL_MILLIS: u64 = 10_000;
/// Most address space of the `--select` child process (RLIMIT_AS): the program, the
/// `SELECT_STACK_BYTES` filter stack and the heap together.
pub const SELECT_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest answer read back from the `--select` child process (its JSON output).
pub const MAX_SELECT_ANSWER_BYTES: usize = 2 * MAX_INPUT_BYTES;
