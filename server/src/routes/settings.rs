//! `GET|PUT /api/v1/settings`: how the tenant's webhooks are sent.

use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};

use crate::{
    error::ApiError, extract::ApiJson, state::AppState, store::ApiKeyAuth, store::TenantSettings,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings).service(put_settings);
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsInOut {
    /// Also send `svix-id`, `svix-timestamp` and `svix-signature` (same values as the
    /// `webhook-*` headers), for receivers that verify with Svix's libraries.
    svix_headers: bool,
}

impl From<TenantSettings> for SettingsInOut {
    fn from(s: TenantSettings) -> Self {
        Self {
            svix_headers: s.svix_headers,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "Settings", responses((status = 200, description = "The tenant's delivery settings", body = SettingsInOut)))]
#[get("/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
) -> Result<HttpResponse, ApiError> {
    let settings = state.store.tenant(&auth.tenant_id).settings().await?;
    Ok(HttpResponse::Ok().json(SettingsInOut::from(settings)))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "Settings", request_body = SettingsInOut, responses((status = 200, description = "The settings now in force", body = SettingsInOut)))]
#[put("/settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    body: ApiJson<SettingsInOut>,
) -> Result<HttpResponse, ApiError> {
    let settings = state
        .store
        .tenant(&auth.tenant_id)
        .set_settings(TenantSettings {
            svix_headers: body.svix_headers,
        })
        .await?;
    tracing::info!(
        svix_headers = settings.svix_headers,
        "tenant settings changed"
    );
    Ok(HttpResponse::Ok().json(SettingsInOut::from(settings)))
}
