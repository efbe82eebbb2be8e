//! Parsers for the configuration's structured values: URLs of the services, the
//! sender mailbox, booleans and CIDR lists. Errors never echo a URL: it may hold a
//! password.

use std::path::Path;

use ipnet::IpNet;
use secrecy::SecretString;
use url::Url;

use super::DatabaseKind;
use crate::domain::Email;

pub(super) fn default_sqlite_url(data_dir: &Path) -> SecretString {
    SecretString::from(format!(
        "sqlite://{}/hookrelay.db?mode=rwc",
        data_dir.display()
    ))
}

pub(super) fn parse_database_url(url: &str) -> Result<(SecretString, DatabaseKind), String> {
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
pub(super) fn parse_service_url(url: &str, schemes: &[&str]) -> Result<SecretString, String> {
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
pub(super) fn parse_mailbox(text: &str) -> Result<String, String> {
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

pub(super) fn parse_public_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{text:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url)
}

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is not a boolean (use true or false)")),
    }
}

pub(super) fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
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
