//! Delivery attempts (Svix `MessageAttemptOut`): by endpoint, by message, one.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::pagination::{AttemptFilterParams, ListOut, ListQuery, PageParams};
use crate::domain::DeliveryStatus;
use crate::entities::attempt;
use crate::{
    error::ApiError,
    state::AppState,
    store::{ApiKeyAuth, AttemptFilter},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(by_endpoint)
        .service(by_message)
        .service(get_one);
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageAttemptOut {
    id: String,
    msg_id: String,
    endpoint_id: String,
    url: String,
    response: String,
    response_status_code: i32,
    response_duration_ms: i64,
    status: i16,
    #[schema(value_type = String)]
    status_text: &'static str,
    trigger_type: i16,
    /// hookrelay: which try this was (1 = first), and why it failed without a response.
    attempt_number: i32,
    error: Option<String>,
    timestamp: DateTime<Utc>,
}

impl From<attempt::Model> for MessageAttemptOut {
    fn from(m: attempt::Model) -> Self {
        Self {
            id: m.id,
            msg_id: m.message_id,
            endpoint_id: m.endpoint_id,
            url: m.url,
            response: m.response_body,
            response_status_code: m.response_status_code,
            response_duration_ms: m.duration_ms,
            status: m.status,
            status_text: DeliveryStatus::from_i16(m.status).text(),
            trigger_type: m.trigger,
            attempt_number: m.attempt_number,
            error: m.error,
            timestamp: m.created_at,
        }
    }
}

fn filter(query: &ListQuery) -> Result<AttemptFilter, ApiError> {
    Ok(AttemptFilter {
        status: query.status()?,
        event_types: query.event_types()?,
        before: query.before()?,
        after: query.after()?,
        ..AttemptFilter::default()
    })
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", tag = "Message Attempt", params(("app_id" = String, Path, description = "The application's id or uid"), ("endpoint_id" = String, Path, description = "The endpoint's id or uid"), PageParams, AttemptFilterParams), responses((status = 200, body = ListOut<MessageAttemptOut>)))]
#[get("/app/{app_id}/attempt/endpoint/{endpoint_id}")]
pub async fn by_endpoint(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let mut filter = filter(&query)?;
    let scope = state.store.tenant(&auth.tenant_id);
    let (app, ep) = scope.find_app_endpoint(&path.0, &path.1).await?;
    filter.endpoint_id = Some(ep.id);
    let attempts = scope.list_attempts(&app, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(attempts, MessageAttemptOut::from)))
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/attempt/msg/{msg_id}", tag = "Message Attempt", params(("app_id" = String, Path, description = "The application's id or uid"), ("msg_id" = String, Path, description = "The message's id or eventId"), PageParams, AttemptFilterParams), responses((status = 200, body = ListOut<MessageAttemptOut>)))]
#[get("/app/{app_id}/attempt/msg/{msg_id}")]
pub async fn by_message(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let mut filter = filter(&query)?;
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let msg = scope.find_message(&app, &path.1).await?;
    filter.message_id = Some(msg.id);
    if let Some(ep) = query.endpoint_id() {
        filter.endpoint_id = Some(scope.find_endpoint(&app, ep).await?.id);
    }
    let attempts = scope.list_attempts(&app, &filter, &page).await?;
    Ok(HttpResponse::Ok().json(ListOut::from_page(attempts, MessageAttemptOut::from)))
}

#[utoipa::path(get, path = "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", tag = "Message Attempt", params(("app_id" = String, Path, description = "The application's id or uid"), ("msg_id" = String, Path, description = "The message's id or eventId"), ("attempt_id" = String, Path, description = "The attempt's id")), responses((status = 200, body = MessageAttemptOut)))]
#[get("/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.store.tenant(&auth.tenant_id);
    let app = scope.find_app(&path.0).await?;
    let msg = scope.find_message(&app, &path.1).await?;
    let attempt = scope.find_attempt(&msg, &path.2).await?;
    Ok(HttpResponse::Ok().json(MessageAttemptOut::from(attempt)))
}
