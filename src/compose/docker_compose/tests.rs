//! Unit tests of the Compose rules (YAML bounds: `yaml.rs`; images: `deployment/image.rs`; templates and
//! word splitting: `text.rs`).

use super::*;
use crate::limits::{MAX_COMPOSE_ALIAS_EVENTS, MAX_COMPOSE_DEPTH};

const HEX: &str = "5618a93a78c9ac9173e7ebf7c8af173bd675be6832a2f8c2a9a7149ac2678f54";

fn parse(yaml: &str) -> ComposeFile {
    parse_compose(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn one(yaml: &str) -> Service {
    let mut f = parse(yaml);
    assert_eq!(f.services.len(), 1);
    f.services.remove(0)
}

fn fails_at(yaml: &str, field: &str) -> ParseError {
    let e = parse_compose(yaml).expect_err(yaml);
    assert_eq!(e.at, Location::Field(field.into()), "{e}");
    e
}

fn env(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
}

#[test]
fn services_images_and_order() {
    let f = parse(&format!(
        "name: demo\nservices:\n  launcher:\n    image: nearone/mpc-launcher@sha256:{HEX}\n  \
         web:\n    image: nginx:1.27\n  built:\n    build: .\n"
    ));
    assert_eq!(f.name.as_deref(), Some("demo"));
    let names: Vec<&str> = f.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["launcher", "web", "built"]);
    let launcher = f.service("launcher").unwrap().image.as_ref().unwrap();
    assert!(launcher.is_pinned());
    assert!(launcher.matches_repository("nearone/mpc-launcher"));
    assert!(!f.service("web").unwrap().image.as_ref().unwrap().is_pinned());
    let built = f.service("built").unwrap();
    assert!(built.build && built.image.is_none());
}

#[test]
fn image_errors_name_the_field() {
    let e =
        fails_at(&format!("services:\n  launcher:\n    image: x@sha256:{}\n", &HEX[..40]), "services.launcher.image");
    assert!(e.expected.contains("64 lower-case hex"), "{e}");
    fails_at("services:\n  a:\n    image: [x]\n", "services.a.image");
    fails_at("services:\n  a:\n    image: Nginx\n", "services.a.image");
    // An image chosen at deploy time is not an image the file pins.
    let e = fails_at("services:\n  a:\n    image: ghcr.io/x/y:${TAG:-latest}\n", "services.a.image");
    assert!(e.expected.contains("interpolation"), "{e}");
}

#[test]
fn structure_errors_name_the_field() {
    fails_at("services: [a]\n", "services");
    fails_at("services:\n  a: x\n", "services.a");
    fails_at("services:\n  a:\n    command: {x: 1}\n", "services.a.command");
    fails_at("services:\n  a:\n    command: [a, [b]]\n", "services.a.command[1]");
    fails_at("services:\n  a:\n    environment: X=1\n", "services.a.environment");
    fails_at("services:\n  a:\n    environment: [X=1, {Y: 2}]\n", "services.a.environment[1]");
    fails_at("services:\n  a:\n    environment: {X: [1]}\n", "services.a.environment.X");
    fails_at("services:\n  a:\n    environment: ['=1']\n", "services.a.environment[0]");
    fails_at("services:\n  a:\n    volumes: [{type: bind, source: /x}]\n", "services.a.volumes[0].target");
    fails_at("services:\n  a:\n    volumes: [{source: /x, target: /y}]\n", "services.a.volumes[0].type");
    fails_at("services:\n  a:\n    volumes: ['a:b:c:d']\n", "services.a.volumes[0]");
    fails_at("services:\n  a:\n    volumes: ['a::b']\n", "services.a.volumes[0]");
    fails_at("services:\n  a:\n    configs: [{target: /x}]\n", "services.a.configs[0].source");
    fails_at("configs:\n  c: text\n", "configs.c");
    fails_at("configs:\n  c:\n    external: maybe\n", "configs.c.external");
    fails_at("name: [x]\n", "name");
    for root in ["", "- a\n", "just text\n"] {
        let e = parse_compose(root).unwrap_err();
        assert_eq!(e.at, Location::Whole, "{root:?}");
    }
}

#[test]
fn no_services_is_an_empty_list() {
    assert!(parse("version: '3.8'\n").services.is_empty());
    assert!(parse("services:\n").services.is_empty());
}

#[test]
fn too_many_services_is_an_error() {
    let mut yaml = String::from("services:\n");
    for i in 0..=MAX_SERVICES {
        yaml.push_str(&format!("  s{i}:\n    image: nginx\n"));
    }
    fails_at(&yaml, "services");
}

#[test]
fn command_string_and_list_forms() {
    let s = one("services:\n  a:\n    command: launcher --config '/etc/git launcher/c.conf'\n");
    assert_eq!(s.command.unwrap(), ["launcher", "--config", "/etc/git launcher/c.conf"]);
    let s = one("services:\n  a:\n    command: [\"sleep\", \"infinity\"]\n    entrypoint: [sh, -c, 'a && b', 8080]\n");
    assert_eq!(s.command.unwrap(), ["sleep", "infinity"]);
    assert_eq!(s.entrypoint.unwrap(), ["sh", "-c", "a && b", "8080"]);
    let s = one("services:\n  a:\n    command: null\n");
    assert!(s.command.is_none());
    let s = one("services:\n  a:\n    command: []\n");
    assert_eq!(s.command, Some(vec![]));
    fails_at("services:\n  a:\n    command: run; rm -rf /\n", "services.a.command");
    fails_at("services:\n  a:\n    entrypoint: \"sh -c 'unclosed\"\n", "services.a.entrypoint");
}

#[test]
fn environment_list_and_map_forms() {
    let s = one("services:\n  a:\n    environment:\n      - A=1\n      - B\n      - C=\n      - D=x=y\n");
    assert_eq!(s.environment, env(&[("A", Some("1")), ("B", None), ("C", Some("")), ("D", Some("x=y"))]));
    let s = one("services:\n  a:\n    environment:\n      A: 1\n      B:\n      C: ''\n      D: true\n      E: yes\n");
    assert_eq!(
        s.environment,
        env(&[("A", Some("1")), ("B", None), ("C", Some("")), ("D", Some("true")), ("E", Some("yes"))])
    );
}

#[test]
fn env_file_forms() {
    assert_eq!(one("services:\n  a:\n    env_file: .env\n").env_file, [".env"]);
    let s = one("services:\n  a:\n    env_file:\n      - a.env\n      - path: b.env\n        required: false\n");
    assert_eq!(s.env_file, ["a.env", "b.env"]);
    fails_at("services:\n  a:\n    env_file: [{required: true}]\n", "services.a.env_file[0].path");
}

#[test]
fn volume_short_forms() {
    let s = one(
        "services:\n  a:\n    volumes:\n      - ./x.conf:/etc/git-launcher/config.conf\n      - /var/run/dstack.sock:/var/run/dstack.sock:ro\n      \
         - ~/d:/d:rw,z\n      - data:/data\n      - /anon\n      - shared:/mnt:ro,nocopy\n",
    );
    let got: Vec<(VolumeKind, Option<&str>, &str, bool)> =
        s.volumes.iter().map(|v| (v.kind.clone(), v.source.as_deref(), v.target.as_str(), v.read_only)).collect();
    assert_eq!(
        got,
        [
            (VolumeKind::Bind, Some("./x.conf"), "/etc/git-launcher/config.conf", false),
            (VolumeKind::Bind, Some("/var/run/dstack.sock"), "/var/run/dstack.sock", true),
            (VolumeKind::Bind, Some("~/d"), "/d", false),
            (VolumeKind::Volume, Some("data"), "/data", false),
            (VolumeKind::Volume, None, "/anon", false),
            (VolumeKind::Volume, Some("shared"), "/mnt", true),
        ]
    );
}

#[test]
fn volume_long_forms() {
    let s = one(
        "services:\n  a:\n    volumes:\n      - type: bind\n        source: ./c.conf\n        target: /etc/c.conf\n        read_only: true\n      \
         - {type: volume, source: data, target: /data}\n      - {type: tmpfs, target: /tmp}\n      - {type: npipe, source: x, target: y}\n",
    );
    assert_eq!(
        s.volumes,
        vec![
            VolumeMount {
                kind: VolumeKind::Bind,
                source: Some("./c.conf".into()),
                target: "/etc/c.conf".into(),
                read_only: true
            },
            VolumeMount {
                kind: VolumeKind::Volume,
                source: Some("data".into()),
                target: "/data".into(),
                read_only: false
            },
            VolumeMount { kind: VolumeKind::Tmpfs, source: None, target: "/tmp".into(), read_only: false },
            VolumeMount {
                kind: VolumeKind::Other("npipe".into()),
                source: Some("x".into()),
                target: "y".into(),
                read_only: false
            },
        ]
    );
}

#[test]
fn configs_short_and_long_forms() {
    let f = parse(
        "services:\n  launcher:\n    configs:\n      - launcher_conf\n      - source: other\n        target: /etc/git-launcher/config.conf\n\
         configs:\n  launcher_conf:\n    content: |\n      REPO_URL=https://github.com/org/app\n      COMMIT_SHA=${SHA}\n  \
         other:\n    file: ./config.conf\n  env:\n    environment: CONF\n  ext:\n    external: true\n  legacy:\n    external:\n      name: x\n",
    );
    let s = f.service("launcher").unwrap();
    assert_eq!(
        s.configs,
        vec![
            ServiceConfig { source: "launcher_conf".into(), target: "/launcher_conf".into() },
            ServiceConfig { source: "other".into(), target: "/etc/git-launcher/config.conf".into() },
        ]
    );
    let inline = f.config("launcher_conf").unwrap();
    assert_eq!(inline.content.as_deref(), Some("REPO_URL=https://github.com/org/app\nCOMMIT_SHA=${SHA}\n"));
    assert_eq!(
        inline.interpolated,
        vec![Interpolation { field: "configs.launcher_conf.content".into(), variable: "SHA".into() }]
    );
    assert_eq!(f.config("other").unwrap().file.as_deref(), Some("./config.conf"));
    assert_eq!(f.config("env").unwrap().environment.as_deref(), Some("CONF"));
    assert!(f.config("ext").unwrap().external);
    assert!(f.config("legacy").unwrap().external);
    assert!(!f.config("other").unwrap().external);
}

#[test]
fn interpolations_are_listed_with_their_fields() {
    let s = one(
        "services:\n  launcher:\n    image: nginx\n    command: [run, \"${CONF:-/etc/c.conf}\"]\n    environment:\n      \
         REPO: $REPO_URL\n      PLAIN: '$$NOT_A_VAR'\n      ${KEY_NOT_INTERPOLATED}: x\n    volumes:\n      - ${HOST_DIR}/c:/etc/c\n    \
         labels:\n      a: \"${A}${B:?need b}\"\n",
    );
    let got: Vec<(&str, &str)> = s.interpolated.iter().map(|i| (i.field.as_str(), i.variable.as_str())).collect();
    assert_eq!(
        got,
        [
            ("services.launcher.command[1]", "CONF"),
            ("services.launcher.environment.REPO", "REPO_URL"),
            ("services.launcher.volumes[0]", "HOST_DIR"),
            ("services.launcher.labels.a", "A"),
            ("services.launcher.labels.a", "B"),
        ]
    );
    assert_eq!(s.environment[1], ("PLAIN".to_string(), Some("$$NOT_A_VAR".to_string())));
    assert_eq!(literal_value("$$NOT_A_VAR").as_deref(), Some("$NOT_A_VAR"));
}

#[test]
fn dollar_escapes_in_commands_are_not_interpolation() {
    let s = one("services:\n  a:\n    entrypoint: ['/bin/sh', '-c', '[ -f \"$$f\" ] && cat \"$$f\"']\n");
    assert!(s.interpolated.is_empty());
}

#[test]
fn invalid_templates_are_errors_naming_the_field() {
    fails_at("services:\n  a:\n    environment:\n      X: cost ${5}\n", "services.a.environment.X");
    fails_at("services:\n  a:\n    command: [echo, '${A']\n", "services.a.command[1]");
    fails_at("configs:\n  c:\n    content: 'x=${1}'\n", "configs.c.content");
}

#[test]
fn include_and_extends_are_reported() {
    let f = parse(
        "include:\n  - other.yaml\n  - path: [a.yaml, b.yaml]\n  - {path: c.yaml}\nservices:\n  a:\n    extends:\n      \
         file: base.yaml\n      service: base\n  b:\n    extends: a\n",
    );
    assert_eq!(f.include, ["other.yaml", "a.yaml", "b.yaml", "c.yaml"]);
    assert_eq!(
        f.service("a").unwrap().extends,
        Some(Extends { service: "base".into(), file: Some("base.yaml".into()) })
    );
    assert_eq!(f.service("b").unwrap().extends, Some(Extends { service: "a".into(), file: None }));
}

#[test]
fn anchors_and_merge_keys_as_compose_files_use_them() {
    let f = parse(&format!(
        "x-common: &common\n  image: nearone/mpc-launcher@sha256:{HEX}\n  environment: [A=1]\nservices:\n  a:\n    <<: *common\n  \
         b:\n    <<: *common\n    image: nginx\n"
    ));
    assert!(f.service("a").unwrap().image.as_ref().unwrap().is_pinned());
    assert_eq!(f.service("a").unwrap().environment, env(&[("A", Some("1"))]));
    assert_eq!(f.service("b").unwrap().image.as_ref().unwrap().name(), "docker.io/library/nginx");
}

#[test]
fn duplicate_keys_are_errors() {
    let e = parse_compose("services:\n  a:\n    image: nginx\n    image: evil\n").unwrap_err();
    assert!(e.found.contains("duplicate"), "{e}");
}

#[test]
fn alias_bomb_and_deep_nesting_stop_at_their_limits() {
    let bomb = format!(
        "services:\n  a:\n    image: nginx\n    {}",
        super::yaml::tests::billion_laughs().replace('\n', "\n    ").trim_end()
    );
    let deep = format!("services:\n  a:\n    labels: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
    // The bombs stop at the first alias event past the bound, not after expanding more.
    let past = format!("RecordedAnchorEvents {{ recorded_anchor_events: {} }}", MAX_COMPOSE_ALIAS_EVENTS + 1);
    for text in [super::yaml::tests::billion_laughs(), bomb] {
        let e = parse_compose(&text).unwrap_err();
        assert!(e.found.contains(&past), "{e}");
    }
    // The nesting stops at a recursion limit on its third line, long before the rest is read.
    let e = parse_compose(&deep).unwrap_err();
    let column = e.found.strip_prefix("recursion limit exceeded (line 3, column ").and_then(|c| c.strip_suffix(')'));
    assert!(column.and_then(|c| c.parse::<usize>().ok()).is_some_and(|c| c < 1_000), "{e}");
    assert!(e.expected.contains(&format!("nesting depth {MAX_COMPOSE_DEPTH}")), "{e}");
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// YAML-shaped noise never panics the parser.
        #[test]
        fn compose_text(text in "(services:|configs:|  [a-z]{1,3}:|    image: |    command: |- |\\$\\{?[A-Z]{0,2}[:?+-]{0,2}\\}?|[\\[\\]{}&*<>'\":,@/ a-z0-9\\n])*") {
            let _ = parse_compose(&text);
        }

        /// Reference-shaped noise never panics the image parser.
        #[test]
        fn image_reference(text in "([A-Za-z]{1,3}[./:]|[a-z0-9./:@_\\[\\]-]){0,40}") {
            if let Ok(i) = ImageRef::parse(&text) {
                // The normalised name names the same repository.
                prop_assert!(i.matches_repository(&i.name()), "{}", i.name());
            }
        }
    }
}
