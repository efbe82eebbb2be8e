//! The API's error type: every failure a handler can return, each mapped to one HTTP
//! status and a `{"code", "detail"}` body. Internal errors are logged with their cause
//! and answered with a generic message: no SQL, stack trace or secret ever reaches a
//! client.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    error::{PathError, QueryPayloadError},
    http::StatusCode,
};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the request is well-formed but a field's value is not acceptable.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// 400: the body is not JSON (or not the JSON object expected).
    #[error("{0}")]
    InvalidJson(String),
    /// 401: no, a malformed, an unknown or a revoked API key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 with its own code, e.g. `signup_disabled`.
    #[error("{detail}")]
    Forbidden {
        code: &'static str,
        detail: &'static str,
    },
    /// 404: unknown, or another tenant's (never 403: existence is not revealed).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: it exists already.
    #[error("{0}")]
    Conflict(String),
    /// 413: body larger than `HOOKRELAY_MAX_BODY`.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: a JSON route was sent another content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: over the API key's rate limit or the tenant's message rate; retry after
    /// this many seconds.
    #[error("too many requests: retry in {0} s")]
    TooManyRequests(u64),
    /// 500: our fault. The cause is logged, not sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// 429 telling the client to come back after `wait` (whole seconds, at least 1:
    /// `Retry-After` has no finer unit).
    pub fn retry_after(wait: std::time::Duration) -> Self {
        Self::TooManyRequests(wait.as_secs_f64().ceil().max(1.0) as u64)
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation { .. } => "validation_error",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let field = match self {
            ApiError::Validation { field, .. } => Some(field.as_str()),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header(("www-authenticate", "Bearer"));
            }
            ApiError::TooManyRequests(seconds) => {
                response.insert_header(("retry-after", seconds.to_string()));
            }
            _ => {}
        }
        response.json(ErrorBody {
            code: self.code(),
            detail: self.to_string(),
            field,
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound("not found".to_string()),
            StoreError::Conflict(what) => ApiError::Conflict(what.to_string()),
            StoreError::Db(e) => ApiError::Internal(e.into()),
        }
    }
}

/// Query string failures are validation errors of the named parameter.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::Validation {
        field: "query".to_string(),
        message: err.to_string(),
    }
    .into()
}

/// A path segment that does not parse names nothing that exists.
pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("not found".to_string()).into()
}
