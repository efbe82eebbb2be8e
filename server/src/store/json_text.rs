//! JSON documents kept in text columns (portable across SQLite and PostgreSQL).

use serde::{Serialize, de::DeserializeOwned};

pub fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

pub fn to_text_opt<T: Serialize>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(to_text)
}

/// Reads back what [`to_text`] wrote; a row that somehow holds something else reads as
/// the default rather than failing the request.
pub fn from_text<T: DeserializeOwned + Default>(text: Option<&str>) -> T {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}
