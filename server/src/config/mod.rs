//! Configuration: built-in defaults < optional `hookrelay.toml` < environment variables,
//! layered with figment and validated once at start-up. Every value is parsed into its
//! real type here, so the rest of the program never sees a bad one; a bad value stops
//! start-up with one line naming the key and what is wrong (see `main.rs`).

mod units;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use ipnet::IpNet;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

pub use units::{parse_duration, parse_duration_list, parse_size};

use crate::crypto::MainKey;
use crate::domain::Email;

/// A configuration value that failed validation, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// Which parts of hookrelay this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The REST API and the dashboard.
    Api,
    /// The delivery engine and the alert mailer.
    Worker,
    /// Both (the default).
    All,
}

impl Role {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "api" => Ok(Role::Api),
            "worker" => Ok(Role::Worker),
            "all" => Ok(Role::All),
            other => Err(format!("{other:?} is not a role (use api, worker or all)")),
        }
    }
    pub fn serves_http_api(self) -> bool {
        matches!(self, Role::Api | Role::All)
    }
    pub fn runs_workers(self) -> bool {
        matches!(self, Role::Worker | Role::All)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// The validated configuration of one hookrelay process.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// A sea-orm connection URL; for SQLite it creates the file when missing.
    pub database_url: SecretString,
    pub database_kind: DatabaseKind,
    /// `None`: in-process cache and wake-ups.
    pub redis_url: Option<SecretString>,
    /// `None`: alert emails are written as `.eml` files under `<data_dir>/mail`.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// `None`: `http://<the address actually bound>`.
    pub public_url: Option<Url>,
    /// `None`: generated into (or read from) `<data_dir>/main.key`; SQLite only.
    pub main_key: Option<MainKey>,
    pub signup_enabled: bool,
    pub allow_private_cidrs: Vec<IpNet>,
    pub retry_schedule: Vec<Duration>,
    pub attempt_timeout: Duration,
    pub disable_after: Duration,
    pub alert_throttle: Duration,
    pub retention: Duration,
    pub max_body: usize,
    pub role: Role,
}

/// Every key: its name in `hookrelay.toml` and its environment variable.
pub const KEYS: &[(&str, &str)] = &[
    ("bind", "HOOKRELAY_BIND"),
    ("data_dir", "HOOKRELAY_DATA_DIR"),
    ("database_url", "DATABASE_URL"),
    ("redis_url", "REDIS_URL"),
    ("smtp_url", "SMTP_URL"),
    ("mail_from", "HOOKRELAY_MAIL_FROM"),
    ("public_url", "HOOKRELAY_PUBLIC_URL"),
    ("main_key", "HOOKRELAY_MAIN_KEY"),
    ("signup_enabled", "HOOKRELAY_SIGNUP_ENABLED"),
    ("allow_private_cidrs", "HOOKRELAY_ALLOW_PRIVATE_CIDRS"),
    ("retry_schedule", "HOOKRELAY_RETRY_SCHEDULE"),
    ("attempt_timeout", "HOOKRELAY_ATTEMPT_TIMEOUT"),
    ("disable_after", "HOOKRELAY_DISABLE_AFTER"),
    ("alert_throttle", "HOOKRELAY_ALERT_THROTTLE"),
    ("retention", "HOOKRELAY_RETENTION"),
    ("max_body", "HOOKRELAY_MAX_BODY"),
    ("role", "HOOKRELAY_ROLE"),
];

/// The environment variable naming an explicit config file.
pub const CONFIG_FILE_ENV: &str = "HOOKRELAY_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "hookrelay.toml";

/// A value as written in the TOML file (any scalar or a list) or the environment.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
enum RawValue {
    Text(String),
    Bool(bool),
    Integer(i64),
    List(Vec<String>),
}

impl RawValue {
    fn into_text(self) -> String {
        match self {
            RawValue::Text(text) => text,
            RawValue::Bool(b) => b.to_string(),
            RawValue::Integer(n) => n.to_string(),
            RawValue::List(items) => items.join(","),
        }
    }
}

/// What the layers say, before validation. Unknown keys in the file are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layered {
    bind: Option<RawValue>,
    data_dir: Option<RawValue>,
    database_url: Option<RawValue>,
    redis_url: Option<RawValue>,
    smtp_url: Option<RawValue>,
    mail_from: Option<RawValue>,
    public_url: Option<RawValue>,
    main_key: Option<RawValue>,
    signup_enabled: Option<RawValue>,
    allow_private_cidrs: Option<RawValue>,
    retry_schedule: Option<RawValue>,
    attempt_timeout: Option<RawValue>,
    disable_after: Option<RawValue>,
    alert_throttle: Option<RawValue>,
    retention: Option<RawValue>,
    max_body: Option<RawValue>,
    role: Option<RawValue>,
}

/// Overrides from the command line (they beat everything else).
#[derive(Debug, Default, Clone)]
pub struct CliOverrides {
    pub role: Option<String>,
    pub config_file: Option<PathBuf>,
}

impl Settings {
    /// Loads from the process environment and the optional config file.
    pub fn load(cli: &CliOverrides) -> Result<Self, ConfigError> {
        Self::load_from(cli, |name| std::env::var(name).ok())
    }

    /// Loads with `env` standing in for the environment (tests pass a map).
    pub fn load_from(
        cli: &CliOverrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let (file, required) = match (&cli.config_file, env(CONFIG_FILE_ENV)) {
            (Some(path), _) => (path.clone(), true),
            (None, Some(path)) => (PathBuf::from(path), true),
            (None, None) => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let mut figment = Figment::new();
        if file.exists() {
            figment = figment.merge(Toml::file_exact(&file));
        } else if required {
            return Err(ConfigError::new(
                CONFIG_FILE_ENV,
                format!("config file {} does not exist", file.display()),
            ));
        }
        // Environment values are taken as exact strings (figment's own Env provider
        // would turn an all-digit main key into a number).
        for (toml_key, env_name) in KEYS {
            if let Some(value) = env(env_name) {
                figment = figment.merge(Serialized::global(toml_key, RawValue::Text(value)));
            }
        }
        if let Some(role) = &cli.role {
            figment = figment.merge(Serialized::global("role", RawValue::Text(role.clone())));
        }
        let layered: Layered = figment.extract().map_err(|e| {
            ConfigError::new(
                &file.display().to_string(),
                e.to_string().replace('\n', " "),
            )
        })?;
        layered.validate()
    }

    /// The base of links in emails: the configured public URL, or the bound address.
    pub fn public_url_for(&self, bound: SocketAddr) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{bound}")).expect("a socket address makes a URL")
        })
    }
}

/// Takes the text of one key, parsing it with `parse` or using `default`; errors name
/// the key's environment variable.
fn value<T>(
    raw: Option<RawValue>,
    env_name: &str,
    default: impl FnOnce() -> T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match raw {
        None => Ok(default()),
        Some(raw) => parse(&raw.into_text()).map_err(|m| ConfigError::new(env_name, m)),
    }
}

fn optional_text(raw: Option<RawValue>) -> Option<String> {
    raw.map(RawValue::into_text)
        .filter(|s| !s.trim().is_empty())
}

impl Layered {
    fn validate(self) -> Result<Settings, ConfigError> {
        let bind = value(
            self.bind,
            "HOOKRELAY_BIND",
            || SocketAddr::from(([127, 0, 0, 1], 8080)),
            |s| {
                s.trim()
                    .parse()
                    .map_err(|_| format!("{s:?} is not an address (e.g. 127.0.0.1:8080)"))
            },
        )?;
        let data_dir = value(
            self.data_dir,
            "HOOKRELAY_DATA_DIR",
            || PathBuf::from("./data"),
            |s| {
                if s.trim().is_empty() {
                    Err("must not be empty".to_string())
                } else {
                    Ok(PathBuf::from(s.trim()))
                }
            },
        )?;
        let (database_url, database_kind) = match optional_text(self.database_url) {
            None => (default_sqlite_url(&data_dir), DatabaseKind::Sqlite),
            Some(url) => {
                parse_database_url(&url).map_err(|m| ConfigError::new("DATABASE_URL", m))?
            }
        };
        let redis_url = optional_text(self.redis_url)
            .map(|url| parse_service_url(&url, &["redis", "rediss", "redis+unix", "unix"]))
            .transpose()
            .map_err(|m| ConfigError::new("REDIS_URL", m))?;
        let smtp_url = optional_text(self.smtp_url)
            .map(|url| parse_service_url(&url, &["smtp", "smtps"]))
            .transpose()
            .map_err(|m| ConfigError::new("SMTP_URL", m))?;
        let mail_from = value(
            self.mail_from,
            "HOOKRELAY_MAIL_FROM",
            || "hookrelay <alerts@localhost>".to_string(),
            parse_mailbox,
        )?;
        let public_url = optional_text(self.public_url)
            .map(|s| parse_public_url(&s))
            .transpose()
            .map_err(|m| ConfigError::new("HOOKRELAY_PUBLIC_URL", m))?;
        let main_key = optional_text(self.main_key)
            .map(|s| MainKey::from_hex(&s))
            .transpose()
            .map_err(|m| ConfigError::new("HOOKRELAY_MAIN_KEY", m))?;
        if main_key.is_none() && database_kind == DatabaseKind::Postgres {
            return Err(ConfigError::new(
                "HOOKRELAY_MAIN_KEY",
                "required with PostgreSQL: 64 hex digits (e.g. from `openssl rand -hex 32`), \
                 the same for every process",
            ));
        }
        let signup_enabled = value(
            self.signup_enabled,
            "HOOKRELAY_SIGNUP_ENABLED",
            || true,
            parse_bool,
        )?;
        let allow_private_cidrs = value(
            self.allow_private_cidrs,
            "HOOKRELAY_ALLOW_PRIVATE_CIDRS",
            Vec::new,
            parse_cidrs,
        )?;
        let retry_schedule = value(
            self.retry_schedule,
            "HOOKRELAY_RETRY_SCHEDULE",
            || parse_duration_list("5s,5m,30m,2h,5h,10h,10h").expect("default parses"),
            parse_duration_list,
        )?;
        let attempt_timeout = value(
            self.attempt_timeout,
            "HOOKRELAY_ATTEMPT_TIMEOUT",
            || Duration::from_secs(15),
            |s| {
                let d = parse_duration(s)?;
                if d.is_zero() || d > Duration::from_secs(30) {
                    Err(format!("{s:?} is out of range (more than 0, at most 30s)"))
                } else {
                    Ok(d)
                }
            },
        )?;
        let disable_after = value(
            self.disable_after,
            "HOOKRELAY_DISABLE_AFTER",
            || Duration::from_secs(5 * 86_400),
            parse_duration,
        )?;
        let alert_throttle = value(
            self.alert_throttle,
            "HOOKRELAY_ALERT_THROTTLE",
            || Duration::from_secs(3_600),
            parse_duration,
        )?;
        let retention = value(
            self.retention,
            "HOOKRELAY_RETENTION",
            || Duration::from_secs(30 * 86_400),
            |s| {
                let d = parse_duration(s)?;
                if d < Duration::from_secs(3_600) {
                    Err(format!("{s:?} is too short (at least 1h)"))
                } else {
                    Ok(d)
                }
            },
        )?;
        let max_body = value(
            self.max_body,
            "HOOKRELAY_MAX_BODY",
            || 1 << 20,
            |s| {
                let n = parse_size(s)?;
                if !(1_024..=256 << 20).contains(&n) {
                    Err(format!("{s:?} is out of range (1KiB to 256MiB)"))
                } else {
                    Ok(n as usize)
                }
            },
        )?;
        let role = value(self.role, "HOOKRELAY_ROLE", || Role::All, Role::parse)?;
        Ok(Settings {
            bind,
            data_dir,
            database_url,
            database_kind,
            redis_url,
            smtp_url,
            mail_from,
            public_url,
            main_key,
            signup_enabled,
            allow_private_cidrs,
            retry_schedule,
            attempt_timeout,
            disable_after,
            alert_throttle,
            retention,
            max_body,
            role,
        })
    }
}

fn default_sqlite_url(data_dir: &Path) -> SecretString {
    SecretString::from(format!(
        "sqlite://{}/hookrelay.db?mode=rwc",
        data_dir.display()
    ))
}

fn parse_database_url(url: &str) -> Result<(SecretString, DatabaseKind), String> {
    let url = url.trim();
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => {
            Url::parse(url).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            Ok((SecretString::from(url.to_string()), DatabaseKind::Postgres))
        }
        "sqlite" => {
            // Create the file when missing, unless the URL says otherwise.
            let url = if url.contains("mode=") || url.contains(":memory:") {
                url.to_string()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            Ok((SecretString::from(url), DatabaseKind::Sqlite))
        }
        _ => Err(format!(
            "unsupported database {scheme:?}: use sqlite://<path> or postgres://user@host/db"
        )),
    }
}

/// Checks a `scheme://…` URL whose scheme is one of `schemes`. The URL itself is not
/// echoed in errors: it may hold a password.
fn parse_service_url(url: &str, schemes: &[&str]) -> Result<SecretString, String> {
    let parsed = Url::parse(url.trim()).map_err(|e| format!("not a valid URL ({e})"))?;
    if !schemes.contains(&parsed.scheme()) {
        return Err(format!(
            "unsupported scheme {:?} (use {})",
            parsed.scheme(),
            schemes
                .iter()
                .map(|s| format!("{s}://"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if !parsed.scheme().contains("unix") && parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_string());
    }
    Ok(SecretString::from(url.trim().to_string()))
}

/// `Name <address>` or a bare `address`.
fn parse_mailbox(text: &str) -> Result<String, String> {
    let text = text.trim();
    let address = match (text.rfind('<'), text.ends_with('>')) {
        (Some(open), true) => &text[open + 1..text.len() - 1],
        (None, false) => text,
        _ => {
            return Err(format!(
                "{text:?} is not a mailbox (e.g. hookrelay <alerts@example.com>)"
            ));
        }
    };
    Email::parse(address).map_err(|e| format!("{text:?}: {e}"))?;
    Ok(text.to_string())
}

fn parse_public_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{text:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url)
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is not a boolean (use true or false)")),
    }
}

fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not a CIDR (e.g. 127.0.0.0/8, 10.1.2.0/24)"))
        })
        .collect()
}

#[cfg(test)]
mod tests;
