//! API-key authentication for `/api/v1`: a middleware on the authenticated scope, so a
//! route cannot be added to it without auth, and an extractor that hands handlers the
//! resolved tenant.

use std::future::{Ready, ready};

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header::{AUTHORIZATION, HeaderMap},
    middleware::Next,
    web,
};
use chrono::{TimeDelta, Utc};

use crate::{
    domain::ApiKeyToken,
    error::ApiError,
    state::AppState,
    store::{ApiKeyAuth, RequestTarget},
};

/// `last_used_at` is refreshed at most this often per key, so authentication does not
/// turn every API call into a database write.
const LAST_USED_RESOLUTION: TimeDelta = TimeDelta::seconds(60);

/// Runs the request in a cache scope, so that its lookups can be fetched together
/// with its key's (`cache/prefetch.rs`).
///
/// A refused request is answered here (`Ok` with the error's response, the error
/// attached for the log) rather than returned as an `Err`: the outer middleware that
/// puts `x-request-id` on every response only sees responses.
pub async fn require_api_key<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    crate::cache::request_scope(authenticate_then(req, next)).await
}

async fn authenticate_then<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    match authenticate(&req).await {
        Ok(auth) => {
            req.extensions_mut().insert(auth);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

/// The request's API key, checked, and its rate limit taken.
async fn authenticate(req: &ServiceRequest) -> Result<ApiKeyAuth, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let token = bearer_token(req.headers())?;
    let auth = state
        .store
        .authenticate_api_key(&token, target_of(req))
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::Unauthorized("invalid or revoked API key"))?;
    if let Some(limiter) = &state.rate_limiter
        && let Err(wait) = limiter.check(auth.key_id.as_str()).await
    {
        return Err(ApiError::retry_after(wait));
    }
    let now = Utc::now();
    if auth
        .last_used_at
        .is_none_or(|at| now - at > LAST_USED_RESOLUTION)
    {
        let key_id = auth.key_id.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = state.store.touch_api_key(&key_id, &token, now).await {
                tracing::warn!(key_id = %key_id, error = %e, "could not record API key use");
            }
        });
    }
    Ok(auth)
}

/// The application a request's path names and whether it publishes a message: a
/// guess from the path (routing has not happened yet), used only to prefetch.
fn target_of(req: &ServiceRequest) -> RequestTarget<'_> {
    let Some(rest) = req.path().strip_prefix("/api/v1/app/") else {
        return RequestTarget::default();
    };
    let (app, tail) = rest.split_once('/').unwrap_or((rest, ""));
    RequestTarget {
        app_path: Some(app).filter(|a| !a.is_empty()),
        publishes: req.method() == actix_web::http::Method::POST && tail == "msg",
    }
}

fn bearer_token(headers: &HeaderMap) -> Result<ApiKeyToken, ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "missing Authorization: Bearer <api key> header",
        ))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header"))?;
    let (scheme, key) = value.split_once(' ').ok_or(ApiError::Unauthorized(
        "malformed Authorization header: expected Bearer <api key>",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "unsupported authorization scheme: use Bearer",
        ));
    }
    ApiKeyToken::parse(key.trim()).ok_or(ApiError::Unauthorized("malformed API key"))
}

/// Handlers take `ApiKeyAuth` as an argument to learn their tenant.
impl FromRequest for ApiKeyAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<ApiKeyAuth>()
                .cloned()
                .ok_or(ApiError::Unauthorized(
                    "missing Authorization: Bearer <api key> header",
                )),
        )
    }
}
