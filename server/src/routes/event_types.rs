//! `/api/v1/event-type`: the tenant's event types (Svix `EventTypeIn` / `EventTypeOut`).

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{self, double_option};
use super::pagination::{ArchivedParams, ListOut, ListQuery, PageParams, parse_flag};
use crate::domain::parse_event_type_name;
use crate::entities::event_type;
use crate::{
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ApiKeyAuth, EventTypeFields, EventTypePatch, from_text},
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
pub struct EventTypeIn {
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    name: String,
    #[serde(flatten)]
    fields: EventTypeUpsertIn,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventTypeUpsertIn {
    #[schema(max_length = 4096, pattern = r"^[^\x00]*$")]
    description: String,
    archived: Option<bool>,
    deprecated: Option<bool>,
    /// JSON schemas by version, e.g. `{"1": {…}}`; an `examples` array feeds send-example.
    #[schema(value_type = Option<Object>)]
    schemas: Option<serde_json::Map<String, serde_json::Value>>,
    #[schema(schema_with = super::schemas::channels)]
    feature_flags: Option<Vec<String>>,
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    group_name: Option<String>,
}

impl EventTypeUpsertIn {
    fn validate(self) -> Result<EventTypeFields, ApiError> {
        Ok(EventTypeFields {
            description: fields::description(Some(self.description))?,
            archived: self.archived.unwrap_or(false),
            deprecated: self.deprecated.unwrap_or(false),
            schemas: self.schemas.map(serde_json::Value::Object),
            feature_flags: fields::channels(self.feature_flags).map_err(|_| {
                ApiError::validation(
                    "featureFlags",
                    "at most 10 flags of letters, digits, '-_.:'",
                )
            })?,
            group_name: self
                .group_name
                .map(|g| fields::name("groupName", &g))
                .transpose()?,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventTypePatchIn {
    #[schema(max_length = 4096, pattern = r"^[^\x00]*$")]
    description: Option<String>,
    archived: Option<bool>,
    deprecated: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    schemas: Option<Option<serde_json::Map<String, serde_json::Value>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = super::schemas::channels)]
    feature_flags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    group_name: Option<Option<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventTypeOut {
    id: String,
    name: String,
    description: String,
    archived: bool,
    deprecated: bool,
    #[schema(value_type = Option<Object>)]
    schemas: Option<serde_json::Value>,
    feature_flags: Option<Vec<String>>,
    group_name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<event_type::Model> for EventTypeOut {
    fn from(m: event_type::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            description: m.description,
            archived: m.archived,
            deprecated: m.deprecated,
            schemas: m
                .schemas
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            feature_flags: m.feature_flags.as_deref().map(|t| from_text(Some(t))),
            group_name: m.group_name,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn name(path: &str) -> Result<String, ApiError> {
    // A name that cannot exist names nothing.
    parse_event_type_name(path).map_err(|_| ApiError::NotFound("not found".to_string()))
}

#[utoipa::path(get, path = "/api/v1/event-type", tag = "Event Type", params(PageParams, ArchivedParams), responses((status = 200, body = ListOut<EventTypeOut>)))]
#[get("/event-type")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let types = state
        .store
        .tenant(&auth.tenant_id)
        .list_event_types(&page, query.include_archived()?)
        .await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(types, EventTypeOut::from)))
}

#[utoipa::path(post, path = "/api/v1/event-type", tag = "Event Type", request_body = EventTypeIn, responses((status = 201, body = EventTypeOut)))]
#[post("/event-type")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    body: ApiJson<EventTypeIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = parse_event_type_name(&body.name).map_err(|m| ApiError::validation("name", m))?;
    let fields = body.fields.validate()?;
    let et = state
        .store
        .tenant(&auth.tenant_id)
        .create_event_type(name, fields)
        .await?;
    Ok(HttpResponse::Created().json(EventTypeOut::from(et)))
}

#[utoipa::path(get, path = "/api/v1/event-type/{event_type_name}", tag = "Event Type", params(("event_type_name" = String, Path, description = "The event type's name", pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 256)), responses((status = 200, body = EventTypeOut)))]
#[get("/event-type/{event_type_name}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let et = state
        .store
        .tenant(&auth.tenant_id)
        .find_event_type(&name(&path)?)
        .await?;
    Ok(HttpResponse::Ok().json(EventTypeOut::from(et)))
}

#[utoipa::path(put, path = "/api/v1/event-type/{event_type_name}", tag = "Event Type", params(("event_type_name" = String, Path, description = "The event type's name", pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 256)), request_body = EventTypeUpsertIn, responses((status = 200, description = "Replaced", body = EventTypeOut), (status = 201, description = "Created", body = EventTypeOut)))]
/// PUT creates the event type when it does not exist (201), else replaces it (200).
#[put("/event-type/{event_type_name}")]
pub async fn replace(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<EventTypeUpsertIn>,
) -> Result<HttpResponse, ApiError> {
    let name = parse_event_type_name(&path).map_err(|m| ApiError::validation("name", m))?;
    let fields = body.into_inner().validate()?;
    let (et, created) = state
        .store
        .tenant(&auth.tenant_id)
        .upsert_event_type(&name, fields)
        .await?;
    Ok(super::created_or_ok(created).json(EventTypeOut::from(et)))
}

#[utoipa::path(patch, path = "/api/v1/event-type/{event_type_name}", tag = "Event Type", params(("event_type_name" = String, Path, description = "The event type's name", pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 256)), request_body = EventTypePatchIn, responses((status = 200, body = EventTypeOut)))]
#[patch("/event-type/{event_type_name}")]
pub async fn patch_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<EventTypePatchIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = EventTypePatch {
        description: body
            .description
            .map(|d| fields::description(Some(d)))
            .transpose()?,
        archived: body.archived,
        deprecated: body.deprecated,
        schemas: body.schemas.map(|s| s.map(serde_json::Value::Object)),
        feature_flags: body
            .feature_flags
            .map(fields::channels)
            .transpose()
            .map_err(|_| {
                ApiError::validation(
                    "featureFlags",
                    "at most 10 flags of letters, digits, '-_.:'",
                )
            })?,
        group_name: body
            .group_name
            .map(|g| g.map(|g| fields::name("groupName", &g)).transpose())
            .transpose()?,
    };
    let et = state
        .store
        .tenant(&auth.tenant_id)
        .patch_event_type(&name(&path)?, patch)
        .await?;
    Ok(HttpResponse::Ok().json(EventTypeOut::from(et)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Accepted for Svix SDKs; DELETE always deletes.
    #[param(value_type = Option<bool>)]
    expunge: Option<String>,
}

#[utoipa::path(delete, path = "/api/v1/event-type/{event_type_name}", tag = "Event Type", params(("event_type_name" = String, Path, description = "The event type's name", pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 256), DeleteQuery), responses((status = 204, description = "Deleted")))]
/// Deletes the event type. Unlike Svix, DELETE always deletes (a deleted resource is
/// gone); archive with `PATCH {"archived": true}`. `expunge` is accepted for SDKs.
#[delete("/event-type/{event_type_name}")]
pub async fn delete_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    query: web::Query<DeleteQuery>,
) -> Result<HttpResponse, ApiError> {
    parse_flag("expunge", query.expunge.as_deref(), false)?;
    state
        .store
        .tenant(&auth.tenant_id)
        .delete_event_type(&name(&path)?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
