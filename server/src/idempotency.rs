//! `Idempotency-Key` on POST: the first request with a key runs and its response is
//! kept; the same key with the same request (method, path, query, body) replays that
//! response for 24 h; with a different request it is a 409. Keys are per tenant (per
//! API key's tenant; "public" for sign-up). A response that is our fault (5xx) is not
//! kept, so a retry runs again. Two concurrent requests with one key never both run:
//! the claim is an insert on the key (see `store::idempotency`). Stored responses are
//! sealed with the main key: some (sign-up, a new API key) carry a secret shown once.

use actix_web::{
    Error, HttpMessage, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody, to_bytes},
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::Next,
    web,
};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use crate::{
    error::ApiError,
    state::AppState,
    store::{ApiKeyAuth, IdempotencyClaim, StoredResponse},
};

const HEADER: &str = "idempotency-key";

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().ok().map(str::to_string),
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
    };
    let Some(key) =
        key.filter(|k| !k.is_empty() && k.len() <= 256 && k.bytes().all(|b| b.is_ascii_graphic()))
    else {
        return Ok(reply(
            req,
            ApiError::validation(
                "idempotency-key",
                "must be 1 to 256 visible ASCII characters",
            ),
        ));
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let scope = req
        .extensions()
        .get::<ApiKeyAuth>()
        .map_or_else(|| "public".to_string(), |a| a.tenant_id.to_string());

    // Read the body (bounded), fingerprint the request, and hand the body back.
    let limit = state.settings.max_body;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(reply(
                req,
                ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes")),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut hasher = Sha256::new();
    for part in [req.method().as_str(), req.path(), req.query_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(&body);
    let fingerprint = hex::encode(hasher.finalize());
    req.set_payload(body.into());

    let claim = state
        .store
        .claim_idempotency_key(&scope, &key, &fingerprint)
        .await
        .map_err(ApiError::from)?;
    match claim {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Replay(stored) => {
            let mut response =
                HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
            if let Some(content_type) = stored.content_type {
                response.insert_header((header::CONTENT_TYPE, content_type));
            }
            response.insert_header(("idempotent-replayed", "true"));
            // Stored sealed (a response may hold a key shown once): open it to replay.
            let Ok(body) = state
                .main_key
                .open(&stored.body, &sealing_context(&scope, &key))
            else {
                let err = ApiError::Internal(anyhow::anyhow!(
                    "a stored idempotent response could not be decrypted"
                ));
                return Ok(req.into_response(err.error_response()));
            };
            return Ok(req.into_response(response.body(body)));
        }
        IdempotencyClaim::Mismatch => {
            return Ok(reply(
                req,
                ApiError::Conflict(
                    "this Idempotency-Key was already used with a different request".into(),
                ),
            ));
        }
        IdempotencyClaim::InProgress => {
            let mut res = reply(
                req,
                ApiError::Conflict(
                    "a request with this Idempotency-Key is still in progress".into(),
                ),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return Ok(res);
        }
    }

    let result = next.call(req).await;
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            let _ = state.store.release_idempotency_key(&scope, &key).await;
            return Err(e);
        }
    };
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (req, res) = response.into_parts();
    let (res, body) = res.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let _ = state.store.release_idempotency_key(&scope, &key).await;
            let err = ApiError::Internal(anyhow::anyhow!("response body could not be read"));
            return Ok(ServiceResponse::new(req, err.error_response()));
        }
    };
    if status.is_server_error() {
        let _ = state.store.release_idempotency_key(&scope, &key).await;
    } else {
        let stored = StoredResponse {
            status: status.as_u16(),
            body: state.main_key.seal(&bytes, &sealing_context(&scope, &key)),
            content_type,
        };
        if let Err(e) = state
            .store
            .complete_idempotency_key(&scope, &key, &stored)
            .await
        {
            tracing::warn!(error = %e, "could not store an idempotent response");
        }
    }
    Ok(ServiceResponse::new(
        req,
        res.set_body(bytes).map_into_boxed_body(),
    ))
}

/// What a stored response is bound to: it opens only for its own key.
fn sealing_context(scope: &str, key: &str) -> String {
    format!("idempotency:{scope}:{key}")
}

fn reply(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}
