//! Configuration: built-in defaults < optional `hookrelay.toml` < environment variables,
//! layered with figment and validated once at start-up. Every value is parsed into its
//! real type here, so the rest of the program never sees a bad one; a bad value stops
//! start-up with one line naming the key and what is wrong (see `main.rs`).

mod units;
mod validate;
mod values;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

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
    /// API requests per second per API key (bursts up to twice that); `None`: no limit.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Messages per second per tenant, all keys and processes together (paced, see
    /// `tenant_pace.rs`); `None`: no limit.
    pub tenant_message_rate: Option<std::num::NonZeroU32>,
    /// Delivery requests in flight at once in one process (the engine's global slots).
    pub max_in_flight: usize,
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
    ("rate_limit", "HOOKRELAY_RATE_LIMIT"),
    ("tenant_message_rate", "HOOKRELAY_TENANT_MESSAGE_RATE"),
    ("max_in_flight", "HOOKRELAY_MAX_IN_FLIGHT"),
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
    rate_limit: Option<RawValue>,
    tenant_message_rate: Option<RawValue>,
    max_in_flight: Option<RawValue>,
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

#[cfg(test)]
mod tests;
