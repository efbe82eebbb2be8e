//! Field checks shared by the resources: each turns bad input into a 422 naming the
//! field, so nothing unvalidated reaches the store.

use std::collections::BTreeMap;

use crate::domain::{parse_channels, parse_event_type_name, parse_text, parse_uid};
use crate::error::ApiError;

pub fn uid(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    value
        .map(|v| parse_uid(&v).map_err(|m| ApiError::validation(field, m)))
        .transpose()
}

/// A display name: at least one visible character, no NUL, at most 256 characters;
/// stored trimmed.
pub fn name(field: &str, value: &str) -> Result<String, ApiError> {
    crate::domain::parse_display_name(value, 256).map_err(|m| ApiError::validation(field, m))
}

pub fn description(value: Option<String>) -> Result<String, ApiError> {
    parse_text(&value.unwrap_or_default(), 4096).map_err(|m| ApiError::validation("description", m))
}

/// Messages per second: at least 1.
pub fn throttle_rate(value: Option<i64>) -> Result<Option<i32>, ApiError> {
    value
        .map(|n| {
            i32::try_from(n)
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    ApiError::validation(
                        "throttleRate",
                        "must be from 1 to 100000 messages per second",
                    )
                })
        })
        .transpose()
}

/// An endpoint's own retry schedule: whole seconds per retry, stored as the same
/// duration list `HOOKRELAY_RETRY_SCHEDULE` takes (`"5s,300s"`).
pub fn retry_schedule(value: Option<Vec<serde_json::Number>>) -> Result<Option<String>, ApiError> {
    use super::schemas::{MAX_RETRIES, MAX_RETRY_DELAY_SECS};
    let Some(list) = value else {
        return Ok(None);
    };
    if list.len() > MAX_RETRIES {
        return Err(ApiError::validation(
            "retrySchedule",
            format!("at most {MAX_RETRIES} retries"),
        ));
    }
    let seconds = list
        .iter()
        .map(|n| {
            number_to_i64(n)
                .filter(|s| (0..=MAX_RETRY_DELAY_SECS).contains(s))
                .ok_or_else(|| {
                    ApiError::validation(
                        "retrySchedule",
                        "each delay is a whole number of seconds from 0 to 604800 (a week)",
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        seconds
            .iter()
            .map(|s| format!("{s}s"))
            .collect::<Vec<_>>()
            .join(","),
    ))
}

/// The stored schedule as the API shows it: seconds per retry.
pub fn retry_schedule_out(stored: Option<&str>) -> Option<Vec<u64>> {
    stored.and_then(|text| {
        crate::config::parse_duration_list(text)
            .ok()
            .map(|list| list.iter().map(|d| d.as_secs()).collect())
    })
}

pub fn metadata(
    value: Option<BTreeMap<String, String>>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let map = value.unwrap_or_default();
    if map.len() > 100 {
        return Err(ApiError::validation("metadata", "at most 100 entries"));
    }
    // Stored as JSON text, so any character is fine; only sizes are bounded.
    if map
        .iter()
        .any(|(k, v)| k.chars().count() > 256 || v.chars().count() > 4096)
    {
        return Err(ApiError::validation(
            "metadata",
            "keys are at most 256 characters, values 4096",
        ));
    }
    Ok(map)
}

pub fn event_types(value: Option<Vec<String>>) -> Result<Option<Vec<String>>, ApiError> {
    value
        .map(|list| {
            list.iter()
                .map(|n| {
                    parse_event_type_name(n)
                        .map_err(|m| ApiError::validation("eventTypes", format!("{n:?} {m}")))
                })
                .collect()
        })
        .transpose()
}

pub fn channels(value: Option<Vec<String>>) -> Result<Option<Vec<String>>, ApiError> {
    value
        .map(|list| parse_channels(&list).map_err(|m| ApiError::validation("channels", m)))
        .transpose()
}

/// Headers hookrelay sets itself, or that would break the request, cannot be custom.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
];

pub fn headers(value: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, ApiError> {
    if value.len() > 50 {
        return Err(ApiError::validation("headers", "at most 50 headers"));
    }
    let mut out = BTreeMap::new();
    for (name, v) in value {
        let lower = name.to_ascii_lowercase();
        let token = !lower.is_empty()
            && lower.chars().count() <= 256
            && lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(ApiError::validation(
                "headers",
                format!("{name:?} is not a header name"),
            ));
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(ApiError::validation(
                "headers",
                format!("{name:?} is set by hookrelay and cannot be overridden"),
            ));
        }
        if v.chars().count() > 4096 || v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(ApiError::validation(
                "headers",
                format!("the value of {name:?} is not a valid header value"),
            ));
        }
        out.insert(lower, v);
    }
    Ok(out)
}

/// `null` and absent are different in a PATCH: absent keeps, `null` clears.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Whole numbers as JSON Schema counts them: `7` and `7.0` alike.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    let number: Option<serde_json::Number> = serde::Deserialize::deserialize(deserializer)?;
    number
        .map(|n| {
            number_to_i64(&n).ok_or_else(|| serde::de::Error::custom("must be a whole number"))
        })
        .transpose()
}

/// [`whole_number`] for a PATCH field: absent keeps, `null` clears.
pub fn whole_number_or_null<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    whole_number(deserializer).map(Some)
}

pub fn number_to_i64(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// Header names to delete must be header names.
pub fn header_names(names: Vec<String>) -> Result<Vec<String>, ApiError> {
    names
        .into_iter()
        .map(|name| {
            let ok = !name.is_empty()
                && name.chars().count() <= 256
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if ok {
                Ok(name.to_ascii_lowercase())
            } else {
                Err(ApiError::validation(
                    "deleteHeaders",
                    format!("{name:?} is not a header name"),
                ))
            }
        })
        .collect()
}
