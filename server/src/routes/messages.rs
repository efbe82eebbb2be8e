//! `/api/v1/app/{app}/msg`: messages (Svix `MessageIn` / `MessageOut`) and resend.
//!
//! **202 means committed**: the message and its deliveries are in the database before
//! the response is written. The payload is stored exactly as received (its bytes, not a
//! re-serialization), and must be a JSON object.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::applications::ApplicationIn;
use super::fields;
use super::pagination::{ListOut, ListQuery, MessageFilterParams, PageParams};
use crate::domain::parse_event_type_name;
use crate::entities::message;
use crate::{
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ApiKeyAuth, MessageFilter, NewMessage, StoreError, from_text},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(resend);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageIn {
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    event_type: String,
    /// A JSON object: delivered byte for byte as sent.
    #[schema(value_type = Object)]
    payload: Box<RawValue>,
    /// Unique per application: a second message with it is refused (409).
    #[schema(min_length = 1, max_length = 256, pattern = r"^[a-zA-Z0-9\-_.]+$")]
    event_id: Option<String>,
    #[schema(schema_with = super::schemas::channels)]
    channels: Option<Vec<String>>,
    #[schema(schema_with = super::schemas::channels)]
    tags: Option<Vec<String>>,
    /// Creates the application (with this uid/name) when the path names none.
    application: Option<ApplicationIn>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageOut {
    id: String,
    event_type: String,
    event_id: Option<String>,
    #[schema(value_type = Object)]
    payload: Box<RawValue>,
    channels: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    timestamp: DateTime<Utc>,
}

impl MessageOut {
    /// `with_content = false` leaves the payload out (an empty object), as Svix does.
    pub fn new(m: message::Model, with_content: bool) -> Self {
        let payload = match m.payload {
            Some(text) if with_content => RawValue::from_string(text).ok(),
            _ => None,
        }
        .unwrap_or_else(|| RawValue::from_string("{}".to_string()).expect("valid JSON"));
        Self {
            id: m.id,
            event_type: m.event_type,
            event_id: m.event_id,
            payload,
            channels: m.channels.as_deref().map(|t| from_text(Some(t))),
            tags: m.tags.as_deref().map(|t| from_text(Some(t))),
            timestamp: m.created_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/msg", tag = "Message", params(("app_id" = String, Path, description = "The application's id or uid"), PageParams, MessageFilterParams), responses((status = 200, body = ListOut<MessageOut>)))]
#[get("/app/{app_id}/msg")]
pub async fn list(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let filter = MessageFilter {
        event_types: query.event_types()?,
        channel: query.channel()?,
        before: query.before()?,
        after: query.after()?,
    };
    let with_content = query.with_content()?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path).await?;
    let messages = scope.list_messages(&app, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(messages, |m| {
        MessageOut::new(m, with_content)
    })))
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/msg", tag = "Message", params(("app_id" = String, Path, description = "The application's id or uid")), request_body = MessageIn, responses((status = 202, description = "Accepted: stored with its deliveries before this answer", body = MessageOut)))]
#[post("/app/{app_id}/msg")]
pub async fn create(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<String>,
    body: ApiJson<MessageIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewMessage {
        event_type: parse_event_type_name(&body.event_type)
            .map_err(|m| ApiError::validation("eventType", m))?,
        event_id: fields::uid("eventId", body.event_id)?,
        channels: fields::channels(body.channels)?,
        tags: fields::channels(body.tags).map_err(|_| {
            ApiError::validation("tags", "at most 10 tags of letters, digits, '-_.:'")
        })?,
        payload: object_payload(&body.payload)?,
    };
    let app_fields = body.application.map(ApplicationIn::validate).transpose()?;
    // After validation, so bad input is refused at once; before the application is
    // looked up or created, so a refused message changes nothing.
    if let Some(pacer) = &state.tenant_pacer {
        pacer
            .admit(&auth.tenant_id)
            .await
            .map_err(ApiError::retry_after)?;
    }
    let scope = state.store.tenant(&auth.tenant_id);
    let app = match (scope.find_app(&path).await, app_fields) {
        (Ok(app), _) => app,
        (Err(StoreError::NotFound), Some(fields)) => scope.upsert_app(&path, fields).await?.0,
        (Err(e), _) => return Err(e.into()),
    };
    let accepted = scope
        .accept_message(&app, new, state.hand_off.as_ref())
        .await?;
    if !accepted.queued.is_empty() {
        state
            .wake
            .endpoints(accepted.queued.iter().map(String::as_str));
    }
    Ok(HttpResponse::Accepted().json(MessageOut::new(accepted.message, true)))
}

/// The payload's text as received, which must be a JSON object.
fn object_payload(raw: &RawValue) -> Result<String, ApiError> {
    let text = raw.get();
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::validation("payload", "must be a JSON object"));
    }
    Ok(text.to_string())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    #[param(value_type = Option<bool>)]
    with_content: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/msg/{msg_id}", tag = "Message", params(("app_id" = String, Path, description = "The application's id or uid"), ("msg_id" = String, Path, description = "The message's id or eventId"), GetQuery), responses((status = 200, body = MessageOut)))]
#[get("/app/{app_id}/msg/{msg_id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
    query: web::Query<GetQuery>,
) -> Result<HttpResponse, ApiError> {
    let with_content =
        super::pagination::parse_flag("with_content", query.with_content.as_deref(), true)?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let msg = scope.find_message(&app, &path.1).await?;
    Ok(HttpResponse::Ok().json(MessageOut::new(msg, with_content)))
}

#[utoipa::path(post, path = "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", tag = "Message", params(("app_id" = String, Path, description = "The application's id or uid"), ("msg_id" = String, Path, description = "The message's id or eventId"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid")), responses((status = 202, description = "A manual delivery is queued")))]
/// Queues one manual delivery of the message to the endpoint (also a disabled one's
/// messages, once it is enabled again).
#[post("/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let msg = scope.find_message(&app, &path.1).await?;
    let ep = scope.find_endpoint(&app, &path.2).await?;
    scope.resend(&msg, &ep).await?;
    state.wake.anything();
    Ok(HttpResponse::Accepted().finish())
}
