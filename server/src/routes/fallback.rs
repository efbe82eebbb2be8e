//! Unknown API paths answer JSON, like every other API error.

use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

pub async fn api_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
