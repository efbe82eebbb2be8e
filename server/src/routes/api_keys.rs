//! `GET|POST /api/v1/api-keys`, `DELETE /api/v1/api-keys/{id}`.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::pagination::{ListOut, ListQuery, PageParams};
use crate::{
    domain::{ApiKeyId, ApiKeyName},
    entities::api_key,
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::ApiKeyAuth,
    store::StoreError,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApiKeyIn {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyOut {
    id: String,
    name: String,
    /// The first characters of the key, to recognise it.
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<api_key::Model> for ApiKeyOut {
    fn from(m: api_key::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            prefix: m.key_prefix,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
        }
    }
}

/// Creation is the only response that carries the key itself.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreatedOut {
    #[serde(flatten)]
    info: ApiKeyOut,
    /// The plain key: shown here once, never again.
    key: String,
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "Authentication", params(PageParams), responses((status = 200, description = "Active API keys, newest first", body = ListOut<ApiKeyOut>)))]
#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .store
        .tenant(&auth.tenant_id)
        .list_api_keys(&query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(page, ApiKeyOut::from)))
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "Authentication", request_body = ApiKeyIn, responses((status = 201, description = "The new key; `key` is shown only here", body = ApiKeyCreatedOut)))]
#[post("/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    body: ApiJson<ApiKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let name = ApiKeyName::parse(&body.name).map_err(|m| ApiError::validation("name", m))?;
    let created = state
        .store
        .tenant(&auth.tenant_id)
        .create_api_key(name)
        .await?;
    tracing::info!(key_id = %created.model.id, "API key created");
    Ok(HttpResponse::Created().json(ApiKeyCreatedOut {
        key: created.token.reveal().to_string(),
        info: created.model.into(),
    }))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "Authentication", params(("id" = String, Path, description = "The API key's id")), responses((status = 204, description = "Revoked")))]
#[delete("/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // An id that cannot exist names nothing: 404 without asking the database.
    let id = ApiKeyId::parse(&id).ok_or(StoreError::NotFound)?;
    state
        .store
        .tenant(&auth.tenant_id)
        .revoke_api_key(&id)
        .await?;
    tracing::info!(key_id = %id, "API key revoked");
    Ok(HttpResponse::NoContent().finish())
}
