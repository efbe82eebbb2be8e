//! An endpoint's secret, custom headers, stats, recovery and test events.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::messages::MessageOut;
use super::pagination::parse_time;
use crate::domain::{WebhookSecret, parse_event_type_name};
use crate::{
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ApiKeyAuth, NewMessage, StoreError, from_text},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_secret)
        .service(rotate_secret)
        .service(get_headers)
        .service(set_headers)
        .service(patch_headers)
        .service(stats)
        .service(recover)
        .service(send_example);
}

type EpPath = web::Path<(String, String)>;

/// Default and upper bound of a rotation's grace period (SPEC §5).
const DEFAULT_GRACE: Duration = Duration::hours(24);
const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointSecretOut {
    key: String,
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), responses((status = 200, description = "The current signing secret", body = EndpointSecretOut)))]
#[get("/app/{app_id}/endpoint/{endpoint_id}/secret")]
pub async fn get_secret(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let secrets = scope.endpoint_secrets(&state.main_key, &ep).await?;
    let current = secrets
        .first()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("endpoint {} has no secret", ep.id)))?;
    Ok(HttpResponse::Ok().json(EndpointSecretOut {
        key: current.expose().to_string(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSecretRotateIn {
    /// The new secret; generated when absent.
    #[schema(schema_with = super::schemas::optional_secret)]
    key: Option<String>,
    /// How long the previous secret stays valid (default 86400).
    #[serde(default, deserialize_with = "fields::whole_number")]
    #[schema(minimum = 0, maximum = 604800)]
    grace_period_seconds: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EndpointSecretRotateIn, responses((status = 200, description = "The new current secret", body = EndpointSecretOut)))]
/// Makes a new secret current; the previous one keeps verifying for the grace period
/// (default 24 h, 0 to 7 days). Answers the new secret.
#[post("/app/{app_id}/endpoint/{endpoint_id}/secret/rotate")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    body: ApiJson<EndpointSecretRotateIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = body
        .key
        .map(|k| WebhookSecret::parse(&k).map_err(|m| ApiError::validation("key", m)))
        .transpose()?;
    let grace = match body.grace_period_seconds {
        None => DEFAULT_GRACE,
        Some(s) if (0..=MAX_GRACE_SECONDS).contains(&s) => Duration::seconds(s),
        Some(_) => {
            return Err(ApiError::validation(
                "gracePeriodSeconds",
                "must be from 0 to 604800 (7 days)",
            ));
        }
    };
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let secret = scope
        .rotate_endpoint_secret(&state.main_key, &ep, new, grace)
        .await?;
    Ok(HttpResponse::Ok().json(EndpointSecretOut {
        key: secret.expose().to_string(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointHeadersOut {
    headers: BTreeMap<String, String>,
    sensitive: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), responses((status = 200, body = EndpointHeadersOut)))]
#[get("/app/{app_id}/endpoint/{endpoint_id}/headers")]
pub async fn get_headers(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    Ok(HttpResponse::Ok().json(EndpointHeadersOut {
        headers: from_text(Some(&ep.headers)),
        sensitive: Vec::new(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointHeadersIn {
    #[schema(schema_with = super::schemas::headers)]
    headers: BTreeMap<String, String>,
}

#[utoipa::path(put, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EndpointHeadersIn, responses((status = 204, description = "Replaced")))]
#[put("/app/{app_id}/endpoint/{endpoint_id}/headers")]
pub async fn set_headers(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    body: ApiJson<EndpointHeadersIn>,
) -> Result<HttpResponse, ApiError> {
    let headers = fields::headers(body.into_inner().headers)?;
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    scope.set_endpoint_headers(&ep, &headers).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointHeadersPatchIn {
    #[schema(schema_with = super::schemas::headers)]
    headers: BTreeMap<String, String>,
    #[schema(schema_with = super::schemas::header_names)]
    delete_headers: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EndpointHeadersPatchIn, responses((status = 204, description = "Updated")))]
#[patch("/app/{app_id}/endpoint/{endpoint_id}/headers")]
pub async fn patch_headers(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    body: ApiJson<EndpointHeadersPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let added = fields::headers(body.headers)?;
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let mut headers: BTreeMap<String, String> = from_text(Some(&ep.headers));
    for name in fields::header_names(body.delete_headers.unwrap_or_default())? {
        headers.remove(&name);
    }
    headers.extend(added);
    let headers = fields::headers(headers)?;
    scope.set_endpoint_headers(&ep, &headers).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Count deliveries created at or after this time.
    #[param(value_type = Option<chrono::DateTime<Utc>>, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    since: Option<String>,
    /// … and before this time.
    #[param(value_type = Option<chrono::DateTime<Utc>>, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    until: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid"), StatsQuery), responses((status = 200, description = "Deliveries by status", body = EndpointStatsOut)))]
#[get("/app/{app_id}/endpoint/{endpoint_id}/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = query
        .since
        .as_deref()
        .map(|t| parse_time("since", t))
        .transpose()?;
    let until = query
        .until
        .as_deref()
        .map(|t| parse_time("until", t))
        .transpose()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let s = scope.endpoint_stats(&ep, since, until).await?;
    Ok(HttpResponse::Ok().json(EndpointStatsOut {
        success: s.success,
        pending: s.pending,
        sending: s.sending,
        fail: s.fail,
        canceled: s.canceled,
    }))
}

/// Deliveries of one endpoint by status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointStatsOut {
    success: u64,
    pending: u64,
    sending: u64,
    fail: u64,
    canceled: u64,
}

/// A finished background task (recovery runs at once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoverOut {
    id: String,
    status: String,
    task: String,
    updated_at: DateTime<Utc>,
    /// hookrelay: how many deliveries were queued again.
    recovered: u64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RecoverIn {
    #[schema(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    since: DateTime<Utc>,
    #[schema(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    until: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = RecoverIn, responses((status = 202, description = "Failed deliveries since `since` are queued again", body = RecoverOut)))]
/// Re-queues, as manual attempts, every message whose delivery to this endpoint
/// failed in the window. Done at once; answered as a finished background task.
#[post("/app/{app_id}/endpoint/{endpoint_id}/recover")]
pub async fn recover(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    body: ApiJson<RecoverIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let count = scope.recover_endpoint(&ep, body.since, body.until).await?;
    state.wake.anything();
    tracing::info!(endpoint_id = %ep.id, count, "recovery queued");
    Ok(HttpResponse::Accepted().json(RecoverOut {
        id: format!("qtask_{}", ulid::Ulid::generate()),
        status: "finished".to_string(),
        task: "endpoint.recover".to_string(),
        updated_at: Utc::now(),
        recovered: count,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventExampleIn {
    #[schema(max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    event_type: String,
    #[serde(default, deserialize_with = "fields::whole_number")]
    #[schema(minimum = 0)]
    example_index: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EventExampleIn, responses((status = 202, description = "The example message, queued for this endpoint", body = MessageOut)))]
/// Sends this endpoint (only) an example event of the type: the first example of the
/// event type's schema when it has one, else a small placeholder payload.
#[post("/app/{app_id}/endpoint/{endpoint_id}/send-example")]
pub async fn send_example(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: EpPath,
    body: ApiJson<EventExampleIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let index = match body.example_index {
        None => 0,
        Some(i) => usize::try_from(i)
            .map_err(|_| ApiError::validation("exampleIndex", "must be 0 or more"))?,
    };
    let event_type = parse_event_type_name(&body.event_type)
        .map_err(|m| ApiError::validation("eventType", m))?;
    let scope = state.store.tenant(&auth.tenant_id);
    let (app, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    let example = match scope.find_event_type(&event_type).await {
        Ok(et) => schema_example(et.schemas.as_deref(), index),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let payload = example
        .unwrap_or_else(|| json!({"type": event_type, "example": true, "sentAt": Utc::now()}));
    let msg = scope
        .accept_message_for(
            &app,
            &ep,
            NewMessage {
                event_type,
                event_id: None,
                channels: None,
                tags: None,
                payload: payload.to_string(),
            },
        )
        .await?;
    state.wake.anything();
    Ok(HttpResponse::Accepted().json(MessageOut::new(msg, true)))
}

/// `schemas` is `{version: JSON schema}`; examples sit in the schema's `examples`.
fn schema_example(schemas: Option<&str>, index: usize) -> Option<serde_json::Value> {
    let schemas: serde_json::Value = serde_json::from_str(schemas?).ok()?;
    let schema = schemas.as_object()?.values().next_back()?;
    let example = schema.get("examples")?.get(index)?;
    example.is_object().then(|| example.clone())
}
