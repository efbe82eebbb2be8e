//! `/api/v1/app`: applications (Svix `ApplicationIn` / `ApplicationOut` / `ApplicationPatch`).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{self, double_option};
use super::pagination::{ListOut, ListQuery, PageParams, parse_flag};
use crate::entities::application;
use crate::{
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ApiKeyAuth, AppFields, AppPatch, StoreError, from_text},
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
pub struct ApplicationIn {
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    name: String,
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    uid: Option<String>,
    #[serde(
        default,
        alias = "rateLimit",
        deserialize_with = "fields::whole_number"
    )]
    #[schema(minimum = 1, maximum = 100000)]
    throttle_rate: Option<i64>,
    #[schema(schema_with = super::schemas::metadata)]
    metadata: Option<BTreeMap<String, String>>,
}

impl ApplicationIn {
    pub fn validate(self) -> Result<AppFields, ApiError> {
        Ok(AppFields {
            name: fields::name("name", &self.name)?,
            uid: fields::uid("uid", self.uid)?,
            throttle_rate: fields::throttle_rate(self.throttle_rate)?,
            metadata: fields::metadata(self.metadata)?,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationPatchIn {
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    name: Option<String>,
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
    #[schema(schema_with = super::schemas::metadata)]
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationOut {
    id: String,
    uid: Option<String>,
    name: String,
    throttle_rate: Option<i32>,
    /// Legacy name of `throttleRate`.
    rate_limit: Option<i32>,
    metadata: BTreeMap<String, String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<application::Model> for ApplicationOut {
    fn from(m: application::Model) -> Self {
        Self {
            id: m.id,
            uid: m.uid,
            name: m.name,
            throttle_rate: m.throttle_rate,
            rate_limit: m.throttle_rate,
            metadata: from_text(Some(&m.metadata)),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/app", tag = "Application", params(PageParams), responses((status = 200, body = ListOut<ApplicationOut>)))]
#[get("/app")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let apps = state.store.tenant(&auth.tenant_id).list_apps(&page).await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(apps, ApplicationOut::from)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// With a `uid`: answer the existing application (200) instead of a conflict.
    #[param(value_type = Option<bool>)]
    get_if_exists: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/app", tag = "Application", params(CreateQuery), request_body = ApplicationIn, responses((status = 201, body = ApplicationOut), (status = 200, description = "get_if_exists and it existed", body = ApplicationOut)))]
#[post("/app")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    query: web::Query<CreateQuery>,
    body: ApiJson<ApplicationIn>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().validate()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let get_if_exists = parse_flag("get_if_exists", query.get_if_exists.as_deref(), false)?;
    if let (true, Some(uid)) = (get_if_exists, &fields.uid) {
        match scope.find_app(uid).await {
            Ok(existing) => return Ok(HttpResponse::Ok().json(ApplicationOut::from(existing))),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let app = scope.create_app(fields).await?;
    Ok(HttpResponse::Created().json(ApplicationOut::from(app)))
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}", tag = "Application", params(("app_id" = String, Path, description = "The application's id or uid")), responses((status = 200, body = ApplicationOut)))]
#[get("/app/{app_id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = state.store.tenant(&auth.tenant_id).find_app(&path).await?;
    Ok(HttpResponse::Ok().json(ApplicationOut::from(app)))
}

#[utoipa::path(put, path = "/api/v1/app/{app_id}", tag = "Application", params(("app_id" = String, Path, description = "The application's id or uid")), request_body = ApplicationIn, responses((status = 200, description = "Replaced", body = ApplicationOut), (status = 201, description = "Created", body = ApplicationOut)))]
/// PUT creates the application when it does not exist (201), else replaces it (200).
#[put("/app/{app_id}")]
pub async fn replace(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<ApplicationIn>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().validate()?;
    let (app, created) = state
        .store
        .tenant(&auth.tenant_id)
        .upsert_app(&path, fields)
        .await?;
    Ok(super::created_or_ok(created).json(ApplicationOut::from(app)))
}

#[utoipa::path(patch, path = "/api/v1/app/{app_id}", tag = "Application", params(("app_id" = String, Path, description = "The application's id or uid")), request_body = ApplicationPatchIn, responses((status = 200, body = ApplicationOut)))]
#[patch("/app/{app_id}")]
pub async fn patch_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<ApplicationPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = AppPatch {
        name: body
            .name
            .as_deref()
            .map(|n| fields::name("name", n))
            .transpose()?,
        uid: body.uid.map(|u| fields::uid("uid", u)).transpose()?,
        throttle_rate: body.throttle_rate.map(fields::throttle_rate).transpose()?,
        metadata: body
            .metadata
            .map(|m| fields::metadata(Some(m)))
            .transpose()?,
    };
    let app = state
        .store
        .tenant(&auth.tenant_id)
        .patch_app(&path, patch)
        .await?;
    Ok(HttpResponse::Ok().json(ApplicationOut::from(app)))
}

#[utoipa::path(delete, path = "/api/v1/app/{app_id}", tag = "Application", params(("app_id" = String, Path, description = "The application's id or uid")), responses((status = 204, description = "Deleted with its endpoints and messages")))]
#[delete("/app/{app_id}")]
pub async fn delete_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .tenant(&auth.tenant_id)
        .delete_app(&path)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
