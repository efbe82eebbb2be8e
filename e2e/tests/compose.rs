//! `docker-compose.yml` checked against the repository, without a Docker engine.
//!
//! The compose file is the production-mode quick start (SPEC §2), but nothing runs it in
//! CI, so it can silently drift from the code: a misspelt or renamed environment variable
//! is ignored by the server, a URL pointing at a service name that no longer exists only
//! fails when someone runs `docker compose up`. These tests parse the file and compare it
//! with the Dockerfile and with the list of keys in `server/src/config/mod.rs`.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use serde_yaml_ng::Value;

/// The port mailpit accepts SMTP on (its default).
const MAILPIT_SMTP_PORT: u16 = 1025;

/// Variables the compose file must set for production mode.
const REQUIRED_ENV: [&str; 4] = [
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "HOOKRELAY_MAIN_KEY",
];

/// Variables the server reads outside `KEYS`: the config file's path and the logging setup.
const READ_OUTSIDE_KEYS: &[&str] = &["HOOKRELAY_CONFIG", "HOOKRELAY_LOG_FORMAT", "RUST_LOG"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate lives inside the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn compose() -> Value {
    let path = repo_root().join("docker-compose.yml");
    serde_yaml_ng::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose
        .get("services")
        .and_then(|services| services.get(name))
        .unwrap_or_else(|| panic!("docker-compose.yml has no service {name:?}"))
}

/// A scalar as text (compose accepts numbers and booleans where it means strings).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A service's environment, written either as a map or as a list of `KEY=VALUE`.
fn environment(service: &Value) -> BTreeMap<String, String> {
    match service.get("environment") {
        None => BTreeMap::new(),
        Some(Value::Mapping(map)) => map
            .iter()
            .map(|(k, v)| {
                let name = scalar(k).unwrap_or_else(|| panic!("environment name {k:?}"));
                (name, scalar(v).unwrap_or_default())
            })
            .collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| {
                let item = scalar(item).unwrap_or_else(|| panic!("environment entry {item:?}"));
                match item.split_once('=') {
                    Some((name, value)) => (name.to_string(), value.to_string()),
                    None => (item, String::new()),
                }
            })
            .collect(),
        Some(other) => panic!("environment must be a map or a list, not {other:?}"),
    }
}

/// Container-side ports a service publishes: short (`"host:container/proto"`) or long syntax.
fn published_container_ports(service: &Value) -> Vec<u16> {
    let Some(Value::Sequence(ports)) = service.get("ports") else {
        return Vec::new();
    };
    ports
        .iter()
        .filter_map(|port| match port.get("target") {
            Some(target) => scalar(target),
            None => scalar(port).map(|s| {
                let container = s.rsplit(':').next().unwrap_or_default();
                container.split('/').next().unwrap_or_default().to_string()
            }),
        })
        .filter_map(|port| port.parse().ok())
        .collect()
}

/// `(host, port)` of `scheme://[user[:password]@]host[:port][/path]`.
fn host_and_port(url: &str) -> (String, Option<u16>) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse().ok()),
        None => (host_port.to_string(), None),
    }
}

/// The environment variable names in `KEYS`: the second string of each tuple.
fn known_env_names() -> Vec<String> {
    let path = repo_root().join("server/src/config/mod.rs");
    let source = read(&path);
    let start = source
        .find("pub const KEYS")
        .unwrap_or_else(|| panic!("{} has no `pub const KEYS`", path.display()));
    let block = &source[start..];
    let block = &block[..block.find("];").expect("KEYS ends with `];`")];
    let names: Vec<String> = block
        .lines()
        .filter(|line| line.trim_start().starts_with('('))
        .filter_map(|line| line.split('"').nth(3).map(str::to_string))
        .collect();
    assert!(
        names.iter().any(|n| n == "HOOKRELAY_BIND"),
        "could not read the env names of KEYS in {} (got {names:?})",
        path.display()
    );
    names
}

#[test]
fn services_exist_with_expected_images() {
    let compose = compose();
    for name in ["postgres", "redis", "mailpit", "hookrelay"] {
        service(&compose, name);
    }
    for name in ["postgres", "redis", "mailpit"] {
        let image = service(&compose, name)
            .get("image")
            .and_then(scalar)
            .unwrap_or_default();
        assert!(
            image.contains(name),
            "the {name} service runs image {image:?}, not a {name} image"
        );
    }
}

#[test]
fn hookrelay_is_built_from_the_dockerfile_and_exposes_its_port() {
    let compose = compose();
    let hookrelay = service(&compose, "hookrelay");
    let build = hookrelay
        .get("build")
        .expect("hookrelay has no `build:` (it must be built from this repo)");
    // `build:` is either the context path or a map with `context` and `dockerfile`.
    let context = scalar(build).or_else(|| build.get("context").and_then(scalar));
    let context = context.unwrap_or_else(|| ".".into());
    let dockerfile = build.get("dockerfile").and_then(scalar);
    let dockerfile = dockerfile.unwrap_or_else(|| "Dockerfile".into());
    let dockerfile_path = repo_root().join(&context).join(&dockerfile);
    assert!(
        dockerfile_path.is_file(),
        "build.dockerfile {dockerfile:?} not found in context {context:?}"
    );
    let dockerfile_text = read(&dockerfile_path);
    assert!(
        dockerfile_text.contains("-p hookrelay"),
        "{} does not build the hookrelay package (`cargo build ... -p hookrelay`)",
        dockerfile_path.display()
    );

    let bind = environment(hookrelay)
        .remove("HOOKRELAY_BIND")
        .expect("hookrelay sets no HOOKRELAY_BIND");
    let bind_port: u16 = bind
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or_else(|| panic!("HOOKRELAY_BIND {bind:?} has no port"));
    let published = published_container_ports(hookrelay);
    assert!(
        published.contains(&bind_port),
        "hookrelay publishes {published:?}, but HOOKRELAY_BIND listens on {bind_port}"
    );
    let exposed: Vec<u16> = dockerfile_text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("EXPOSE "))
        .flat_map(|ports| {
            ports
                .split_whitespace()
                .map(|p| p.split('/').next().unwrap_or_default())
        })
        .filter_map(|port| port.parse().ok())
        .collect();
    assert!(
        exposed.contains(&bind_port),
        "the Dockerfile EXPOSEs {exposed:?}, but HOOKRELAY_BIND listens on {bind_port}"
    );
}

#[test]
fn hookrelay_environment_uses_only_names_the_server_understands() {
    let compose = compose();
    let env = environment(service(&compose, "hookrelay"));
    let known = known_env_names();
    for name in env.keys() {
        assert!(
            known.contains(name) || READ_OUTSIDE_KEYS.contains(&name.as_str()),
            "hookrelay's environment sets {name}, which the server does not read (KEYS: {known:?})"
        );
    }
    for required in REQUIRED_ENV {
        assert!(
            env.contains_key(required),
            "hookrelay's environment does not set {required}"
        );
    }
}

#[test]
fn hookrelay_urls_point_at_the_compose_services() {
    let compose = compose();
    let hookrelay = service(&compose, "hookrelay");
    let env = environment(hookrelay);
    for (var, target) in [
        ("DATABASE_URL", "postgres"),
        ("REDIS_URL", "redis"),
        ("SMTP_URL", "mailpit"),
    ] {
        let url = env
            .get(var)
            .unwrap_or_else(|| panic!("hookrelay's environment does not set {var}"));
        let (host, _) = host_and_port(url);
        assert_eq!(
            host, target,
            "{var} points at host {host:?}, not at the {target} service"
        );
        service(&compose, target);
    }
    let (_, smtp_port) = host_and_port(&env["SMTP_URL"]);
    assert_eq!(
        smtp_port,
        Some(MAILPIT_SMTP_PORT),
        "SMTP_URL's port is not the one mailpit listens on"
    );

    let depends_on: Vec<String> = match hookrelay.get("depends_on") {
        Some(Value::Sequence(names)) => names.iter().filter_map(scalar).collect(),
        Some(Value::Mapping(map)) => map.keys().filter_map(scalar).collect(),
        _ => Vec::new(),
    };
    for needed in ["postgres", "redis"] {
        assert!(
            depends_on.iter().any(|n| n == needed),
            "hookrelay's depends_on {depends_on:?} lacks {needed}"
        );
    }
}
