//! dstack's boot path, from its source (`app-compose.sh`, `app-compose.service`,
//! `dstack-prepare.sh` at v0.5.8, v0.5.11 and 312dc605; docs/verify-a-deployment.md):
//!
//! - `runner: docker-compose` runs `docker compose up --remove-orphans -d --build` on the
//!   `docker_compose_file`; `nerdctl-compose` runs nerdctl's compose on it (refusing `build:`);
//!   `bash` pipes `bash_script` to bash and never runs the compose file; anything else (or no
//!   runner) makes the unit exit before starting anything.
//! - `pre_launch_script` is sourced by that root shell before Compose runs.
//! - `allowed_envs`: the deployer's values for these names are written to
//!   `/dstack/.host-shared/.decrypted-env`, the unit's `EnvironmentFile`, so they are in the
//!   environment of app-compose.sh, bash, `docker compose`, the Docker CLI and every program
//!   they start. [`boot_reader`] names the programs that read a name.

/// What the runner does with the app-compose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Runner {
    /// `docker-compose` or `nerdctl-compose`: the compose file runs.
    Compose(String),
    /// `bash`: `bash_script` runs; the compose file does not.
    Bash,
    /// dstack refuses to start (the unit exits with an error before running anything).
    Unsupported(Option<String>),
}

pub(crate) fn runner(name: Option<&str>) -> Runner {
    match name {
        Some(n @ ("docker-compose" | "nerdctl-compose")) => Runner::Compose(n.to_string()),
        Some("bash") => Runner::Bash,
        other => Runner::Unsupported(other.map(str::to_string)),
    }
}

/// Exact names read by the programs of the boot path, with who reads them.
const EXACT: [(&str, &str); 27] = [
    ("BASH_ENV", "bash (sourced by non-interactive shells, bash(1) INVOCATION)"),
    ("ENV", "bash in POSIX mode and sh (sourced at start)"),
    ("SHELLOPTS", "bash (shell options at start)"),
    ("BASHOPTS", "bash (shopt options at start)"),
    ("PS4", "bash (expanded for every traced command)"),
    ("IFS", "bash (word splitting)"),
    ("CDPATH", "bash (cd)"),
    ("GLOBIGNORE", "bash (globbing)"),
    ("BASH_XTRACEFD", "bash"),
    ("BASH_COMPAT", "bash"),
    ("POSIXLY_CORRECT", "bash and coreutils"),
    ("PATH", "bash, app-compose.sh and every program (command lookup)"),
    ("HOME", "bash, jq (~/.jq), the Docker CLI (~/.docker/config.json)"),
    ("XDG_CONFIG_HOME", "the Docker CLI and Compose plugins"),
    ("TMPDIR", "bash, Docker and Compose (temporary files)"),
    ("APP_COMPOSE_FILE", "app-compose.sh (which app-compose document it reads, 312dc605)"),
    ("NERDCTL_NAMESPACE", "app-compose.sh (nerdctl namespace, v0.5.11+)"),
    ("PCCS_URL", "app-compose.sh (exported to the services)"),
    ("GCONV_PATH", "the C library (iconv modules)"),
    ("GLIBC_TUNABLES", "the C library"),
    ("LOCPATH", "the C library (locale files)"),
    ("NLSPATH", "the C library (message catalogs)"),
    ("HOSTALIASES", "the C library resolver"),
    ("HTTP_PROXY", "the Docker daemon and CLI (registry traffic)"),
    ("HTTPS_PROXY", "the Docker daemon and CLI (registry traffic)"),
    ("NO_PROXY", "the Docker daemon and CLI (registry traffic)"),
    ("ALL_PROXY", "the Docker CLI (registry traffic)"),
];

/// Prefixes of names read by the programs of the boot path.
const PREFIXES: [(&str, &str); 9] = [
    ("COMPOSE_", "the Compose CLI (COMPOSE_FILE, COMPOSE_PROFILES, COMPOSE_ENV_FILES, … choose what runs)"),
    ("DOCKER_", "the Docker CLI (DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT, …)"),
    ("BUILDKIT_", "Docker builds (`up --build`)"),
    ("BUILDX_", "Docker builds (`up --build`)"),
    ("LD_", "the dynamic loader (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …)"),
    ("BASH_FUNC_", "bash (exported functions, imported at start)"),
    ("NERDCTL_", "nerdctl"),
    ("CONTAINERD_", "nerdctl and containerd clients"),
    ("MALLOC_", "the C library allocator"),
];

/// Who on the boot path reads `name` (case-insensitively for the proxy variables, which
/// Go's `net/http` reads in both cases), or `None` when nothing there does.
pub(crate) fn boot_reader(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    let proxy = matches!(upper.as_str(), "HTTP_PROXY" | "HTTPS_PROXY" | "NO_PROXY" | "ALL_PROXY");
    let key = if proxy { upper.as_str() } else { name };
    if let Some((_, who)) = EXACT.iter().find(|(n, _)| *n == key) {
        return Some(who);
    }
    PREFIXES.iter().find(|(p, _)| name.starts_with(p)).map(|(_, who)| *who)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runners() {
        assert_eq!(runner(Some("docker-compose")), Runner::Compose("docker-compose".into()));
        assert_eq!(runner(Some("bash")), Runner::Bash);
        assert_eq!(runner(None), Runner::Unsupported(None));
        assert_eq!(runner(Some("podman")), Runner::Unsupported(Some("podman".into())));
    }

    #[test]
    fn names_read_on_the_boot_path() {
        for n in [
            "BASH_ENV",
            "ENV",
            "APP_COMPOSE_FILE",
            "COMPOSE_FILE",
            "COMPOSE_PROFILES",
            "DOCKER_HOST",
            "PATH",
            "LD_PRELOAD",
            "SHELLOPTS",
            "https_proxy",
            "BASH_FUNC_x%%",
        ] {
            assert!(boot_reader(n).is_some(), "{n}");
        }
        for n in ["API_TOKEN", "REPO_URL", "LOG_LEVEL", "env"] {
            assert!(boot_reader(n).is_none(), "{n}");
        }
    }
}
