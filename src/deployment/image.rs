//! Container image references, by the grammar of Docker's `distribution/reference` package
//! (`reference.go`, `normalize.go`), and their digests (`opencontainers/go-digest`).
//!
//! `[registry[:port]/]path[:tag][@algorithm:hex]`. The first path component is a registry when
//! it contains `.` or `:`, is `localhost`, or has an upper-case letter; otherwise the registry
//! is `docker.io`, and a one-component Docker Hub path gets the `library/` prefix of official
//! images. `index.docker.io` is the legacy name of `docker.io`. A digest pins the content; a tag
//! does not (SPEC §1 check 2: "a tag is not a pin"). What a digest must match is the
//! appraisal's business, not this parser's.

use std::fmt;

use crate::error::{describe, Location, ParseError};

/// Docker's bound on a repository name (`NameTotalLengthMax`).
const NAME_MAX_BYTES: usize = 255;
/// Docker's bound on a tag (`[\w][\w.-]{0,127}`).
const TAG_MAX_BYTES: usize = 128;
const DOCKER_HUB: &str = "docker.io";
const LEGACY_DOCKER_HUB: &str = "index.docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageRef {
    /// The text as written in the compose file.
    pub raw: String,
    /// Registry host (and port) as written; `docker.io` when none is written.
    pub registry: String,
    /// Path inside the registry; `library/nginx` for Docker Hub's official `nginx`.
    pub repository: String,
    /// Kept for display only: a tag is mutable and never part of a pin.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

/// A content digest such as `sha256:<64 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Digest {
    /// `sha256`, `sha384` or `sha512`.
    pub algorithm: String,
    /// Lower-case hex of the algorithm's length.
    pub hex: String,
}

impl Digest {
    /// Parses `algorithm:hex`. Only the algorithms Docker registers are accepted, and hex must
    /// be lower case (go-digest rejects upper case).
    pub fn parse(s: &str) -> Result<Digest, ParseError> {
        let expected = "a digest `sha256:` followed by 64 lower-case hex digits";
        let Some((algorithm, hex)) = s.split_once(':') else {
            return Err(ParseError::new(Location::Whole, expected, describe(s)));
        };
        let want_len = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => {
                return Err(ParseError::new(
                    Location::Whole,
                    "a digest algorithm sha256, sha384 or sha512",
                    describe(algorithm),
                ))
            }
        };
        let lower_hex = hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex.len() != want_len || !lower_hex {
            return Err(ParseError::new(
                Location::Whole,
                format!("{want_len} lower-case hex digits after `{algorithm}:`"),
                format!("{} ({} characters)", describe(hex), hex.chars().count()),
            ));
        }
        Ok(Digest { algorithm: algorithm.to_string(), hex: hex.to_string() })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

impl ImageRef {
    /// Parses an image reference. Errors carry no field path (callers add it with `under`).
    pub fn parse(s: &str) -> Result<ImageRef, ParseError> {
        let bad = |expected: &str, found: String| ParseError::new(Location::Whole, expected, found);
        if s.is_empty() {
            return Err(bad("an image reference", "an empty string".into()));
        }
        let (named, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(Digest::parse(d)?)),
            None => (s, None),
        };
        let last_slash = named.rfind('/');
        let (name, tag) = match named.rsplit_once(':') {
            Some((n, t)) if last_slash.is_none_or(|slash| slash < n.len()) => (n, Some(t)),
            _ => (named, None),
        };
        if let Some(t) = tag {
            if !is_tag(t) {
                return Err(bad("a tag of letters, digits, `_`, `.` and `-` (at most 128)", describe(t)));
            }
        }
        if name.len() > NAME_MAX_BYTES {
            return Err(bad("a repository name of at most 255 bytes", format!("{} bytes", name.len())));
        }
        if name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(bad("a repository name, not a 64-hex image ID", describe(name)));
        }
        let (registry, path) = split_registry(name);
        if !is_domain(registry) {
            return Err(bad("a registry host[:port]", describe(registry)));
        }
        if !path.split('/').all(is_path_component) {
            return Err(bad(
                "a repository path of lower-case components (`a-z0-9` joined by `.`, `_`, `__` or dashes)",
                describe(path),
            ));
        }
        // As `normalize.go`: only the exact legacy name is rewritten; the host keeps its case.
        let registry = if registry == LEGACY_DOCKER_HUB { DOCKER_HUB } else { registry }.to_string();
        let repository =
            if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path.to_string() };
        Ok(ImageRef { raw: s.to_string(), registry, repository, tag: tag.map(str::to_string), digest })
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// True when a `sha256` digest fixes the content (a tag, with or without it, does not).
    pub fn is_pinned(&self) -> bool {
        self.digest.as_ref().is_some_and(|d| d.algorithm == "sha256")
    }

    /// `registry/repository@sha256:hex` when pinned: the form allow-lists compare.
    pub fn pinned_reference(&self) -> Option<String> {
        self.digest.as_ref().filter(|_| self.is_pinned()).map(|d| format!("{}@{d}", self.name()))
    }

    /// Whether `expected` (a repository without tag or digest, in any form Docker accepts:
    /// `nginx`, `docker.io/library/nginx`, `index.docker.io/library/nginx`, `ghcr.io/org/x`)
    /// names this image's repository. Exact comparison after normalisation; only the registry
    /// host is compared without case.
    pub fn matches_repository(&self, expected: &str) -> bool {
        match ImageRef::parse(expected) {
            Ok(e) if e.tag.is_none() && e.digest.is_none() => {
                e.registry.eq_ignore_ascii_case(&self.registry) && e.repository == self.repository
            }
            _ => false,
        }
    }
}

impl fmt::Display for ImageRef {
    /// The normalised reference: `registry/repository[:tag][@digest]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Splits `name` into registry and path (`splitDockerDomain`).
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    }
}

/// `host[:port]` where host is a DNS name or a bracketed IPv6 address.
fn is_domain(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, after)) => {
                if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                    return false;
                }
                match (after, after.strip_prefix(':')) {
                    ("", _) => return true,
                    (_, Some(port)) => ("", Some(port)),
                    (_, None) => return false,
                }
            }
            None => return false,
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port_ok = match port {
        None => true,
        Some(p) => !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
    };
    let host_ok = host.is_empty() && s.starts_with('[')
        || host.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    port_ok && host_ok
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Every run of separators must be `.`, `_`, `__` or dashes only.
    c.split(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-'))
        && c.bytes().all(|b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
}

/// `[\w][\w.-]{0,127}`.
fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    t.len() <= TAG_MAX_BYTES
        && t.as_bytes().first().is_some_and(|&b| word(b))
        && t.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54";

    fn parts(s: &str) -> (String, String, Option<String>, bool) {
        let i = ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let pinned = i.is_pinned();
        (i.registry, i.repository, i.tag, pinned)
    }

    #[test]
    fn official_images_get_docker_hub_and_library() {
        assert_eq!(parts("nginx"), ("docker.io".into(), "library/nginx".into(), None, false));
        assert_eq!(parts("ubuntu:24.04").2.as_deref(), Some("24.04"));
        assert_eq!(parts("docker.io/nginx").1, "library/nginx");
        assert_eq!(parts("index.docker.io/library/nginx").0, "docker.io");
        assert_eq!(parts("nearone/mpc-launcher").1, "nearone/mpc-launcher");
        assert_eq!(ImageRef::parse("debian:stable-slim").unwrap().name(), "docker.io/library/debian");
    }

    #[test]
    fn registries_by_dot_colon_localhost_or_upper_case() {
        assert_eq!(parts("ghcr.io/org/x").0, "ghcr.io");
        assert_eq!(parts("quay.io/jupyter/base-notebook").1, "jupyter/base-notebook");
        assert_eq!(parts("localhost/x").0, "localhost");
        assert_eq!(parts("Registry/x").0, "Registry");
        assert_eq!(parts("GHCR.io/org/x").0, "GHCR.io");
        // A port is part of the registry, not a tag.
        assert_eq!(parts("localhost:5000/foo"), ("localhost:5000".into(), "foo".into(), None, false));
        assert_eq!(parts("reg.example:443/a/b:1.2").2.as_deref(), Some("1.2"));
        assert_eq!(parts("[::1]:5000/foo").0, "[::1]:5000");
        assert!(ImageRef::parse("[::1]x/foo").is_err());
        // Without a slash, `host:5000` is a Docker Hub name with a tag, as in Docker.
        assert_eq!(
            parts("localhost:5000"),
            ("docker.io".into(), "library/localhost".into(), Some("5000".into()), false)
        );
    }

    #[test]
    fn digests_pin_with_or_without_a_tag() {
        let pinned = ImageRef::parse(&format!("nearone/mpc-launcher@sha256:{HEX}")).unwrap();
        assert!(pinned.is_pinned());
        assert_eq!(pinned.digest.as_ref().unwrap().hex, HEX);
        assert_eq!(pinned.pinned_reference().unwrap(), format!("docker.io/nearone/mpc-launcher@sha256:{HEX}"));
        let tagged = ImageRef::parse(&format!("robortyan/solver:latest@sha256:{HEX}")).unwrap();
        assert!(tagged.is_pinned());
        assert_eq!(tagged.tag.as_deref(), Some("latest"));
        assert_eq!(tagged.to_string(), format!("docker.io/robortyan/solver:latest@sha256:{HEX}"));
        let port = ImageRef::parse(&format!("localhost:5000/x:1@sha256:{HEX}")).unwrap();
        assert_eq!(
            (port.registry.as_str(), port.tag.as_deref(), port.is_pinned()),
            ("localhost:5000", Some("1"), true)
        );
        assert!(!ImageRef::parse("nginx:1.27").unwrap().is_pinned());
        assert!(ImageRef::parse("nginx:1.27").unwrap().pinned_reference().is_none());
        let sha512 = ImageRef::parse(&format!("x@sha512:{}", "ab".repeat(64))).unwrap();
        assert!(!sha512.is_pinned(), "only sha256 counts as a pin");
    }

    #[test]
    fn malformed_digests_are_errors() {
        for bad in [
            format!("x@sha256:{}", &HEX[..63]),
            format!("x@sha256:{HEX}0"),
            format!("x@sha256:{}", HEX.to_uppercase()),
            format!("x@sha256:{}g", &HEX[..63]),
            format!("x@md5:{HEX}"),
            "x@sha256".to_string(),
            "x@".to_string(),
            format!("x@sha256:{HEX}@sha256:{HEX}"),
        ] {
            assert!(ImageRef::parse(&bad).is_err(), "{bad}");
        }
        let e = ImageRef::parse(&format!("x@sha256:{}", &HEX[..10])).unwrap_err();
        assert!(e.expected.contains("64 lower-case hex"), "{e}");
    }

    #[test]
    fn malformed_names_are_errors() {
        for bad in [
            "",
            "Nginx",
            "org/Repo",
            "a//b",
            "-a",
            "a-",
            "a..b",
            "a___b",
            "ghcr.io/",
            "ghcr.io:/x",
            "ghcr.io:80a/x",
            "a:b:c",
            "a:",
            "a:.tag",
            "a b",
            "x/${TAG}",
            &"a".repeat(256),
            HEX,
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?} should fail");
        }
        for good in ["a__b", "a---b", "a.b_c", "a/b/c/d", "0/1", &format!("x:{}", "t".repeat(128))] {
            assert!(ImageRef::parse(good).is_ok(), "{good:?} should parse");
        }
        assert!(ImageRef::parse(&format!("x:{}", "t".repeat(129))).is_err());
    }

    #[test]
    fn repository_matching_normalises_docker_hub_only() {
        let n = ImageRef::parse("nginx").unwrap();
        for same in
            ["nginx", "library/nginx", "docker.io/library/nginx", "index.docker.io/library/nginx", "docker.io/nginx"]
        {
            assert!(n.matches_repository(same), "{same}");
        }
        for other in ["nginx:1", "ghcr.io/library/nginx", "library/nginx2", "NGINX", "docker.io/other/nginx", ""] {
            assert!(!n.matches_repository(other), "{other}");
        }
        let g = ImageRef::parse(&format!("ghcr.io/Org/x@sha256:{HEX}"));
        assert!(g.is_err(), "upper case in a path is not valid");
        let g = ImageRef::parse(&format!("ghcr.io/org/x@sha256:{HEX}")).unwrap();
        assert!(g.matches_repository("ghcr.io/org/x"));
        assert!(g.matches_repository("GHCR.IO/org/x"));
        assert!(!g.matches_repository("ghcr.io/org/x/y"));
        assert!(!g.matches_repository("org/x"));
        assert!(!g.matches_repository(&format!("ghcr.io/org/x@sha256:{HEX}")));
    }
}
