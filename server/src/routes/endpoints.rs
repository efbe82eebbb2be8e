//! `/api/v1/app/{app}/endpoint`: endpoints (Svix `EndpointIn` / `EndpointOut` /
//! `EndpointPatch`; the legacy names `filterTypes` and `rateLimit` are accepted and
//! also returned).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{self, double_option};
use super::pagination::{ListOut, ListQuery, PageParams};
use crate::domain::{WebhookSecret, parse_endpoint_url};
use crate::entities::endpoint;
use crate::{
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ApiKeyAuth, EndpointFields, EndpointPatch, from_text},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(replace)
        .service(patch_one)
        .service(delete_one);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointIn {
    #[schema(schema_with = super::schemas::endpoint_url)]
    url: String,
    #[schema(max_length = 4096, pattern = r"^[^\x00]*$")]
    description: Option<String>,
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    uid: Option<String>,
    #[serde(
        default,
        alias = "rateLimit",
        deserialize_with = "fields::whole_number"
    )]
    #[schema(minimum = 1, maximum = 100000)]
    throttle_rate: Option<i64>,
    disabled: Option<bool>,
    #[serde(alias = "filterTypes")]
    #[schema(schema_with = super::schemas::event_type_names)]
    event_types: Option<Vec<String>>,
    #[schema(schema_with = super::schemas::channels)]
    channels: Option<Vec<String>>,
    /// `whsec_` + base64 of 24 to 64 bytes; generated when absent.
    #[schema(schema_with = super::schemas::optional_secret)]
    secret: Option<String>,
    #[schema(schema_with = super::schemas::metadata)]
    metadata: Option<BTreeMap<String, String>>,
    #[schema(schema_with = super::schemas::optional_headers)]
    headers: Option<BTreeMap<String, String>>,
    /// hookrelay's own: this endpoint's retry delays in seconds. Svix's SDKs do not
    /// know it, so a PUT without it keeps the current schedule (clear it with PATCH null).
    #[schema(schema_with = super::schemas::retry_schedule)]
    retry_schedule: Option<Vec<serde_json::Number>>,
}

impl EndpointIn {
    fn validate(self) -> Result<(EndpointFields, Option<WebhookSecret>), ApiError> {
        let secret = self
            .secret
            .map(|s| WebhookSecret::parse(&s).map_err(|m| ApiError::validation("secret", m)))
            .transpose()?;
        let fields = EndpointFields {
            uid: fields::uid("uid", self.uid)?,
            url: parse_endpoint_url(&self.url).map_err(|m| ApiError::validation("url", m))?,
            description: fields::description(self.description)?,
            event_types: fields::event_types(self.event_types)?,
            channels: fields::channels(self.channels)?,
            throttle_rate: fields::throttle_rate(self.throttle_rate)?,
            disabled: self.disabled.unwrap_or(false),
            headers: fields::headers(self.headers.unwrap_or_default())?,
            metadata: fields::metadata(self.metadata)?,
            retry_schedule: fields::retry_schedule(self.retry_schedule)?,
        };
        Ok((fields, secret))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPatchIn {
    #[schema(schema_with = super::schemas::optional_endpoint_url)]
    url: Option<String>,
    #[schema(max_length = 4096, pattern = r"^[^\x00]*$")]
    description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    uid: Option<Option<String>>,
    #[serde(
        default,
        alias = "rateLimit",
        deserialize_with = "fields::whole_number_or_null"
    )]
    #[schema(minimum = 1, maximum = 100000)]
    throttle_rate: Option<Option<i64>>,
    disabled: Option<bool>,
    #[serde(default, alias = "filterTypes", deserialize_with = "double_option")]
    #[schema(schema_with = super::schemas::event_type_names)]
    event_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = super::schemas::channels)]
    channels: Option<Option<Vec<String>>>,
    #[schema(schema_with = super::schemas::metadata)]
    metadata: Option<BTreeMap<String, String>>,
    /// `null` goes back to the server's schedule.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = super::schemas::retry_schedule)]
    retry_schedule: Option<Option<Vec<serde_json::Number>>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointOut {
    id: String,
    uid: Option<String>,
    url: String,
    description: String,
    throttle_rate: Option<i32>,
    disabled: bool,
    event_types: Option<Vec<String>>,
    channels: Option<Vec<String>>,
    metadata: BTreeMap<String, String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Legacy names, for older SDKs.
    filter_types: Option<Vec<String>>,
    rate_limit: Option<i32>,
    version: i32,
    /// Seconds before each retry; `null` = the server's schedule.
    retry_schedule: Option<Vec<u64>>,
}

impl From<endpoint::Model> for EndpointOut {
    fn from(m: endpoint::Model) -> Self {
        let event_types: Option<Vec<String>> = m.event_types.as_deref().map(|t| from_text(Some(t)));
        Self {
            id: m.id,
            uid: m.uid,
            url: m.url,
            description: m.description,
            throttle_rate: m.throttle_rate,
            disabled: m.disabled,
            filter_types: event_types.clone(),
            event_types,
            channels: m.channels.as_deref().map(|t| from_text(Some(t))),
            metadata: from_text(Some(&m.metadata)),
            created_at: m.created_at,
            updated_at: m.updated_at,
            rate_limit: m.throttle_rate,
            version: 1,
            retry_schedule: fields::retry_schedule_out(m.retry_schedule.as_deref()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/endpoint", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), PageParams), responses((status = 200, body = ListOut<EndpointOut>)))]
#[get("/app/{app_id}/endpoint")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path).await?;
    let endpoints = scope.list_endpoints(&app, &page).await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(endpoints, EndpointOut::from)))
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/endpoint", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid")), request_body = EndpointIn, responses((status = 201, body = EndpointOut)))]
#[post("/app/{app_id}/endpoint")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<EndpointIn>,
) -> Result<HttpResponse, ApiError> {
    let (fields, secret) = body.into_inner().validate()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path).await?;
    let ep = scope
        .create_endpoint(&state.main_key, &app, fields, secret)
        .await?;
    Ok(HttpResponse::Created().json(EndpointOut::from(ep)))
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), responses((status = 200, body = EndpointOut)))]
#[get("/app/{app_id}/endpoint/{endpoint_id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let (_, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    Ok(HttpResponse::Ok().json(EndpointOut::from(ep)))
}

#[utoipa::path(put, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EndpointIn, responses((status = 200, description = "Replaced", body = EndpointOut), (status = 201, description = "Created", body = EndpointOut)))]
/// PUT creates the endpoint when it does not exist (201), else replaces it (200).
#[put("/app/{app_id}/endpoint/{endpoint_id}")]
pub async fn replace(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
    body: ApiJson<EndpointIn>,
) -> Result<HttpResponse, ApiError> {
    let (fields, _secret) = body.into_inner().validate()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let (ep, created) = scope
        .upsert_endpoint(&state.main_key, &app, &path.1, fields)
        .await?;
    Ok(super::created_or_ok(created).json(EndpointOut::from(ep)))
}

#[utoipa::path(patch, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), request_body = EndpointPatchIn, responses((status = 200, body = EndpointOut)))]
#[patch("/app/{app_id}/endpoint/{endpoint_id}")]
pub async fn patch_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
    body: ApiJson<EndpointPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = EndpointPatch {
        uid: body.uid.map(|u| fields::uid("uid", u)).transpose()?,
        url: body
            .url
            .map(|u| parse_endpoint_url(&u).map_err(|m| ApiError::validation("url", m)))
            .transpose()?,
        description: body
            .description
            .map(|d| fields::description(Some(d)))
            .transpose()?,
        event_types: body.event_types.map(fields::event_types).transpose()?,
        channels: body.channels.map(fields::channels).transpose()?,
        throttle_rate: body.throttle_rate.map(fields::throttle_rate).transpose()?,
        disabled: body.disabled,
        metadata: body
            .metadata
            .map(|m| fields::metadata(Some(m)))
            .transpose()?,
        retry_schedule: body
            .retry_schedule
            .map(fields::retry_schedule)
            .transpose()?,
    };
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let ep = scope.patch_endpoint(&app, &path.1, patch).await?;
    Ok(HttpResponse::Ok().json(EndpointOut::from(ep)))
}

#[utoipa::path(delete, path = "/api/v1/app/{app_id}/endpoint/{endpoint_id}", tag = "Endpoint", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), responses((status = 204, description = "Deleted")))]
#[delete("/app/{app_id}/endpoint/{endpoint_id}")]
pub async fn delete_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    scope.delete_endpoint(&app, &path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}
