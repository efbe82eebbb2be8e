//! `ApiJson<T>`: the JSON body extractor of the API. Unlike actix's own, it knows
//! which field a type error is about (`serde_path_to_error`), so a 422 can name it.
//!
//! - content type not JSON → 415
//! - body over `HOOKRELAY_MAX_BODY` → 413 (checked on `Content-Length` first, then
//!   while reading, so an oversized body is never buffered whole)
//! - not JSON at all → 400 `invalid_json`
//! - JSON of the wrong shape → 422 naming the field

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, mime, web};
use futures::{StreamExt, future::LocalBoxFuture};
use serde::de::DeserializeOwned;

use crate::{error::ApiError, state::AppState};

pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON),
        _ => false,
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.max_body)
            .unwrap_or(1 << 20);
        let too_large =
            move || ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"));
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let early = if !is_json(req) {
            Some(ApiError::UnsupportedMediaType(
                "expected content-type: application/json".into(),
            ))
        } else if declared_length.is_some_and(|n| n > limit) {
            Some(too_large())
        } else {
            None
        };
        let mut payload = payload.take();
        Box::pin(async move {
            if let Some(err) = early {
                return Err(err);
            }
            let mut body = web::BytesMut::with_capacity(declared_length.unwrap_or(1024).min(limit));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::InvalidJson(format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(ApiJson)
        })
    }
}

/// Deserializes, telling syntax errors (400) from shape errors (422 with the field).
/// Every body of this API is a JSON object.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
    {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        classify(err.into_inner(), &path)
    })?;
    // Trailing characters after the value.
    deserializer.end().map_err(|e| classify(e, "."))?;
    Ok(value)
}

fn classify(err: serde_json::Error, path: &str) -> ApiError {
    let message = strip_position(&err.to_string());
    if !err.is_data() {
        return ApiError::InvalidJson(format!("the body is not valid JSON: {message}"));
    }
    // serde reports a missing field at its parent; name the field itself.
    let field = match backticked(&message) {
        Some(name) if message.starts_with("missing field") => join_path(path, name),
        _ if path == "." => "body".to_string(),
        _ => path.to_string(),
    };
    ApiError::Validation { field, message }
}

fn join_path(parent: &str, name: &str) -> String {
    if parent == "." {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// serde names fields in backticks: "missing field `email`".
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// "… at line 1 column 12" helps nobody reading an API error.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct In {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(body: &str) -> (String, String) {
        match parse::<In>(body.as_bytes()).unwrap_err() {
            ApiError::Validation { field, message } => (field, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(field_of(r#"{}"#).0, "name");
        assert_eq!(field_of(r#"{"name": 42}"#).0, "name");
        assert_eq!(
            field_of(r#"{"name": "x", "inner": {"count": "many"}}"#).0,
            "inner.count"
        );
        assert_eq!(field_of(r#"{"name": "x", "inner": {}}"#).0, "inner.count");
        assert_eq!(field_of(r#"[]"#).0, "body");
    }

    #[test]
    fn syntax_errors_are_invalid_json() {
        for body in ["{", "nope", r#"{"name": "x"} trailing"#, ""] {
            assert!(
                matches!(parse::<In>(body.as_bytes()), Err(ApiError::InvalidJson(_))),
                "{body:?}"
            );
        }
    }
}
