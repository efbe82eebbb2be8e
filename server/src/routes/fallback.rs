//! Unknown API paths answer JSON, like every other API error: 405 with `Allow` when
//! the path exists with other methods (as the OpenAPI document lists them), else 404.

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header};

use crate::error::ApiError;

pub async fn api_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no route for {} {}",
            req.method(),
            req.path()
        )));
    }
    let mut response = ApiError::MethodNotAllowed(format!(
        "{} is not allowed here; use {}",
        req.method(),
        allowed.join(", ")
    ))
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}

/// The methods the OpenAPI document lists for the template matching `path`.
fn allowed_methods(path: &str) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(crate::docs::openapi_json_text()).unwrap_or_default();
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut methods = Vec::new();
    for (template, item) in paths {
        let parts: Vec<&str> = template.split('/').collect();
        let matches = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s);
        if matches {
            methods.extend(
                item.as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys().map(|m| m.to_uppercase())),
            );
        }
    }
    methods
}

/// The default of a worker-only process: it serves health checks, nothing else.
pub async fn not_served(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "{} is not served by a worker process (HOOKRELAY_ROLE=worker)",
        req.path()
    )))
}
