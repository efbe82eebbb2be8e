//! `GET|POST /api/v1/api-keys`, `DELETE /api/v1/api-keys/{id}`.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::ApiKeyName, entities::api_key, error::ApiError, state::AppState, store::ApiKeyAuth,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[derive(Deserialize)]
pub struct ApiKeyIn {
    name: String,
}

#[derive(Serialize)]
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
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreatedOut {
    #[serde(flatten)]
    info: ApiKeyOut,
    /// The plain key: shown here once, never again.
    key: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
    iterator: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListOut<T> {
    data: Vec<T>,
    iterator: Option<String>,
    prev_iterator: Option<String>,
    done: bool,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 250;

#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let page = state
        .store
        .tenant(&auth.tenant_id)
        .list_api_keys(limit as u64, query.iterator.as_deref())
        .await?;
    let iterator = page.keys.last().map(|k| k.id.clone());
    Ok(HttpResponse::Ok().json(ListOut {
        data: page.keys.into_iter().map(ApiKeyOut::from).collect(),
        iterator,
        prev_iterator: None,
        done: page.done,
    }))
}

#[post("/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    body: web::Json<ApiKeyIn>,
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

#[delete("/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .tenant(&auth.tenant_id)
        .revoke_api_key(&id)
        .await?;
    tracing::info!(key_id = %id, "API key revoked");
    Ok(HttpResponse::NoContent().finish())
}
