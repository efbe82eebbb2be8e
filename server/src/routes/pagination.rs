//! Query parameters of list routes, shared by every collection: `limit`, `iterator`
//! (a `prevIterator` walks back), `order`, and the filters. All are taken as text and
//! checked here, so a bad one is a 422 naming it, never a 500 or a silent default.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
#[allow(unused_imports)]
use utoipa::IntoParams;

use crate::domain::{DeliveryStatus, parse_event_type_name};
use crate::error::ApiError;
use crate::store::{Cursor, Order, Page, PageRequest};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 250;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    iterator: Option<String>,
    order: Option<String>,
    before: Option<String>,
    after: Option<String>,
    event_types: Option<String>,
    channel: Option<String>,
    status: Option<String>,
    endpoint_id: Option<String>,
    with_content: Option<String>,
    include_archived: Option<String>,
}

impl ListQuery {
    pub fn limit(&self) -> Result<u64, ApiError> {
        match &self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::validation(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    )
                }),
        }
    }

    /// `limit`, `iterator` and `order` as a page request.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let cursor = match self.iterator.as_deref() {
            None | Some("") => None,
            Some(text) => {
                let (backwards, id) = match text.strip_prefix('-') {
                    Some(id) => (true, id),
                    None => (false, text),
                };
                // Any id-shaped cursor will do: ids compare as text, so a foreign one
                // just starts the page at one end of the list.
                if !is_cursor(id) {
                    return Err(ApiError::validation(
                        "iterator",
                        "is not an iterator returned by a list",
                    ));
                }
                Some(Cursor {
                    id: id.to_string(),
                    backwards,
                })
            }
        };
        let order = match self.order.as_deref() {
            None | Some("descending") => Order::Descending,
            Some("ascending") => Order::Ascending,
            Some(_) => {
                return Err(ApiError::validation(
                    "order",
                    "must be ascending or descending",
                ));
            }
        };
        Ok(PageRequest {
            limit: self.limit()?,
            cursor,
            order,
        })
    }

    pub fn before(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.before
            .as_deref()
            .map(|t| parse_time("before", t))
            .transpose()
    }

    pub fn after(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.after
            .as_deref()
            .map(|t| parse_time("after", t))
            .transpose()
    }

    /// `event_types=a,b` (also repeated by some clients as one comma list).
    pub fn event_types(&self) -> Result<Option<Vec<String>>, ApiError> {
        let Some(text) = self.event_types.as_deref().filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        text.split(',')
            .map(|name| {
                parse_event_type_name(name.trim())
                    .map_err(|m| ApiError::validation("event_types", m))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    pub fn channel(&self) -> Result<Option<String>, ApiError> {
        match self.channel.as_deref() {
            None | Some("") => Ok(None),
            Some(c) => crate::domain::parse_channels(&[c.to_string()])
                .map(|mut v| v.pop())
                .map_err(|m| ApiError::validation("channel", m)),
        }
    }

    /// `status` as Svix's number (0 success, 1 pending, 2 fail, 3 sending, 4 canceled).
    pub fn status(&self) -> Result<Option<DeliveryStatus>, ApiError> {
        self.status
            .as_deref()
            .map(|t| {
                t.trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(DeliveryStatus::parse)
                    .ok_or_else(|| ApiError::validation("status", "must be 0 (success), 1 (pending), 2 (fail), 3 (sending) or 4 (canceled)"))
            })
            .transpose()
    }

    pub fn endpoint_id(&self) -> Option<&str> {
        self.endpoint_id.as_deref().filter(|s| !s.is_empty())
    }

    pub fn with_content(&self) -> Result<bool, ApiError> {
        parse_flag("with_content", self.with_content.as_deref(), true)
    }

    pub fn include_archived(&self) -> Result<bool, ApiError> {
        parse_flag("include_archived", self.include_archived.as_deref(), false)
    }
}

/// What `iterator` may hold: `-`? then 1 to 64 of `[A-Za-z0-9_]` (documented as such).
fn is_cursor(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub fn parse_flag(field: &str, text: Option<&str>, default: bool) -> Result<bool, ApiError> {
    match text {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(ApiError::validation(field, "must be true or false")),
    }
}

/// RFC 3339; a time without an offset is taken as UTC (some SDKs send those).
pub fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| {
            ApiError::validation(field, "must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z")
        })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListOut<T> {
    pub data: Vec<T>,
    /// Pass as `iterator` to get the next page.
    pub iterator: Option<String>,
    /// Pass as `iterator` to get the page before this one.
    pub prev_iterator: Option<String>,
    pub done: bool,
}

impl<T> ListOut<T> {
    pub fn from_page<M>(page: Page<M>, f: impl FnMut(M) -> T) -> Self {
        let page = page.map(f);
        Self {
            data: page.items,
            iterator: page.iterator,
            prev_iterator: page.prev_iterator,
            done: page.done,
        }
    }
}

// Documentation of the query parameters (the handlers parse `ListQuery`).

#[derive(utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Ordering {
    Ascending,
    Descending,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Items per page, 1 to 250 (default 50).
    #[param(minimum = 1, maximum = 250)]
    limit: Option<u16>,
    /// `iterator` (next page) or `prevIterator` (page before) of a previous response.
    #[param(pattern = r"^(-?[A-Za-z0-9_]{1,64})?$")]
    iterator: Option<String>,
    /// Newest first (`descending`, the default) or oldest first.
    order: Option<Ordering>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MessageFilterParams {
    /// Comma-separated event type names.
    #[param(pattern = r"^([a-zA-Z0-9\-_.]{1,256}(,[a-zA-Z0-9\-_.]{1,256})*)?$")]
    event_types: Option<String>,
    /// Only messages sent on this channel.
    #[param(pattern = r"^([a-zA-Z0-9\-_.:]{1,128})?$")]
    channel: Option<String>,
    /// Only messages created before this time.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    before: Option<chrono::DateTime<chrono::Utc>>,
    /// Only messages created after this time.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    after: Option<chrono::DateTime<chrono::Utc>>,
    /// `false` leaves payloads out.
    with_content: Option<bool>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AttemptFilterParams {
    /// 0 success, 1 pending, 2 fail, 3 sending, 4 canceled.
    #[param(minimum = 0, maximum = 4)]
    status: Option<i16>,
    /// Comma-separated event type names.
    #[param(pattern = r"^([a-zA-Z0-9\-_.]{1,256}(,[a-zA-Z0-9\-_.]{1,256})*)?$")]
    event_types: Option<String>,
    /// Only attempts made before this time.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    before: Option<chrono::DateTime<chrono::Utc>>,
    /// Only attempts made after this time.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    after: Option<chrono::DateTime<chrono::Utc>>,
    /// (by message) Only attempts to this endpoint.
    endpoint_id: Option<String>,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ArchivedParams {
    /// Also list archived event types.
    include_archived: Option<bool>,
}
