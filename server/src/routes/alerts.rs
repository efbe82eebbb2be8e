//! `GET|PUT /api/v1/alerts`: who gets alert emails, about which kinds, how often.

use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};

use crate::{
    domain::Email,
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::{ALERT_KINDS, AlertSettings, ApiKeyAuth},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_alerts).service(put_alerts);
}

const MAX_RECIPIENTS: usize = 20;
const MIN_THROTTLE: i64 = 60;
const MAX_THROTTLE: i64 = 7 * 86_400;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertsOut {
    /// Addresses every alert email goes to (default: the address that signed up).
    recipients: Vec<String>,
    /// The kinds that are on: `endpoint.failing`, `message.exhausted`,
    /// `endpoint.disabled`, `endpoint.recovered`.
    kinds: Vec<String>,
    /// At most one email per endpoint per kind in this many seconds; what happens
    /// meanwhile is summarized in the next one.
    throttle_seconds: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertsIn {
    #[schema(schema_with = super::schemas::mail_recipients)]
    recipients: Vec<String>,
    #[schema(schema_with = super::schemas::alert_kinds)]
    kinds: Vec<String>,
    /// 60 to 604800; absent or null = the server's HOOKRELAY_ALERT_THROTTLE.
    #[serde(default, deserialize_with = "super::fields::whole_number")]
    #[schema(minimum = 60, maximum = 604800, value_type = Option<i64>)]
    throttle_seconds: Option<i64>,
}

impl AlertsIn {
    fn validate(self) -> Result<AlertSettings, ApiError> {
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(ApiError::validation(
                "recipients",
                format!("at most {MAX_RECIPIENTS} addresses"),
            ));
        }
        let mut recipients = Vec::new();
        for address in &self.recipients {
            let email = Email::parse(address)
                .ok()
                // What lettre can address (RFC 5321 local part and domain), so a
                // saved recipient can always be sent to.
                .filter(|_| address.len() <= 254 && address.parse::<lettre::Address>().is_ok())
                .ok_or_else(|| {
                    ApiError::validation(
                        "recipients",
                        format!("{address:?} is not a plain email address (local@domain)"),
                    )
                })?;
            if !recipients.contains(&email.as_str().to_string()) {
                recipients.push(email.as_str().to_string());
            }
        }
        let mut kinds = Vec::new();
        for kind in self.kinds {
            if !ALERT_KINDS.contains(&kind.as_str()) {
                return Err(ApiError::validation(
                    "kinds",
                    format!("{kind:?} is not one of {}", ALERT_KINDS.join(", ")),
                ));
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if let Some(s) = self.throttle_seconds
            && !(MIN_THROTTLE..=MAX_THROTTLE).contains(&s)
        {
            return Err(ApiError::validation(
                "throttleSeconds",
                "must be from 60 (a minute) to 604800 (a week)",
            ));
        }
        Ok(AlertSettings {
            recipients,
            kinds,
            throttle_seconds: self.throttle_seconds,
        })
    }
}

fn out(settings: AlertSettings, state: &AppState) -> AlertsOut {
    AlertsOut {
        recipients: settings.recipients,
        kinds: settings.kinds,
        throttle_seconds: settings
            .throttle_seconds
            .unwrap_or(state.settings.alert_throttle.as_secs() as i64),
    }
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "Alerts", responses((status = 200, description = "The tenant's alert settings", body = AlertsOut)))]
#[get("/alerts")]
pub async fn get_alerts(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
) -> Result<HttpResponse, ApiError> {
    let settings = state.store.tenant(&auth.tenant_id).alert_settings().await?;
    Ok(HttpResponse::Ok().json(out(settings, &state)))
}

#[utoipa::path(put, path = "/api/v1/alerts", tag = "Alerts", request_body = AlertsIn, responses((status = 200, description = "The settings now in force", body = AlertsOut)))]
#[put("/alerts")]
pub async fn put_alerts(
    state: web::Data<AppState>,
    auth: ApiKeyAuth,
    body: ApiJson<AlertsIn>,
) -> Result<HttpResponse, ApiError> {
    let settings = body.into_inner().validate()?;
    let scope = state.store.tenant(&auth.tenant_id);
    scope.set_alert_settings(&settings).await?;
    tracing::info!(
        recipients = settings.recipients.len(),
        "alert settings changed"
    );
    Ok(HttpResponse::Ok().json(out(settings, &state)))
}
