//! List conventions shared by every collection: `?limit=&iterator=` in, `{data,
//! iterator, prevIterator, done}` out, newest first.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 250;

/// Taken as text and checked here, so a bad `limit` is a 422 naming `limit`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    iterator: Option<String>,
}

impl ListQuery {
    /// The `iterator` parsed as the id type of the list: a cursor from elsewhere (or
    /// garbage) is a 422, never a query.
    pub fn cursor<I>(&self, parse: impl Fn(&str) -> Option<I>) -> Result<Option<I>, ApiError> {
        self.iterator
            .as_deref()
            .map(|text| {
                parse(text).ok_or_else(|| {
                    ApiError::validation("iterator", "is not an iterator returned by this list")
                })
            })
            .transpose()
    }

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
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListOut<T> {
    pub data: Vec<T>,
    /// Pass as `iterator` to get the next (older) page.
    pub iterator: Option<String>,
    pub prev_iterator: Option<String>,
    pub done: bool,
}
