//! Turning the layered raw values into [`Settings`]: each key parsed into its type,
//! each failure named by its environment variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use super::{
    ConfigError, DatabaseKind, Layered, RawValue, Role, Settings, parse_duration,
    parse_duration_list, parse_size,
    values::{
        default_sqlite_url, parse_bool, parse_cidrs, parse_database_url, parse_mailbox,
        parse_public_url, parse_service_url,
    },
};
use crate::crypto::MainKey;

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

/// A rate (`what` per second); 0 switches the limit off.
fn per_second(s: &str, what: &str) -> Result<Option<std::num::NonZeroU32>, String> {
    s.trim()
        .parse::<u32>()
        .map(std::num::NonZeroU32::new)
        .map_err(|_| format!("{s:?} is not a number of {what} per second (0 = no limit)"))
}

fn optional_text(raw: Option<RawValue>) -> Option<String> {
    raw.map(RawValue::into_text)
        .filter(|s| !s.trim().is_empty())
}

impl Layered {
    pub(super) fn validate(self) -> Result<Settings, ConfigError> {
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
        let rate_limit = value(
            self.rate_limit,
            "HOOKRELAY_RATE_LIMIT",
            || std::num::NonZeroU32::new(1000),
            |s| per_second(s, "requests"),
        )?;
        // Half of one key's request rate: on the 2-core machine BENCHMARKS.md
        // describes, about a sixth of what one process accepts while delivering, so one
        // tenant's flood cannot take the machine from the others.
        let tenant_message_rate = value(
            self.tenant_message_rate,
            "HOOKRELAY_TENANT_MESSAGE_RATE",
            || std::num::NonZeroU32::new(500),
            |s| per_second(s, "messages"),
        )?;
        // 1,024: see `engine::DEFAULT_MAX_IN_FLIGHT`.
        let max_in_flight = value(
            self.max_in_flight,
            "HOOKRELAY_MAX_IN_FLIGHT",
            || crate::engine::DEFAULT_MAX_IN_FLIGHT,
            |s| match s.trim().parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{s:?} is not a number of requests from 1 to 100000"
                )),
            },
        )?;
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
            rate_limit,
            tenant_message_rate,
            max_in_flight,
        })
    }
}
