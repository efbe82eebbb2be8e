//! The dashboard backend's endpoint pages: the same store calls and field rules as
//! the REST API's endpoint routes, within the session's tenant.

use chrono::{Duration, Utc};
use frontend::backend::{EndpointDetail, EndpointRow, FieldError, Session};

use super::backend::{DashboardBackend, app_row, listing, not_found, store_error};
use crate::{
    domain::{DeliveryStatus, TenantId, parse_endpoint_url, parse_event_type_name},
    entities::endpoint,
    store::{AttemptFilter, EndpointFields, EndpointPatch, NewMessage, PageRequest},
};

/// A rotated-out secret stays valid this long (as the API's default).
const ROTATION_GRACE: Duration = Duration::hours(24);
/// Attempts shown on an endpoint's page.
const RECENT_ATTEMPTS: u64 = 50;

fn tenant(session: &Session) -> TenantId {
    TenantId(session.tenant.clone())
}

impl DashboardBackend {
    async fn row(&self, session: &Session, ep: endpoint::Model) -> Result<EndpointRow, FieldError> {
        let t = tenant(session);
        let stats = self
            .store()
            .tenant(&t)
            .endpoint_stats(&ep, Some(Utc::now() - Duration::hours(24)), None)
            .await
            .map_err(store_error)?;
        let finished = stats.success + stats.fail;
        Ok(EndpointRow {
            success_rate_24h: (finished > 0).then(|| (stats.success * 100 / finished) as u32),
            finished_24h: finished,
            event_types: crate::store::from_text::<Vec<String>>(ep.event_types.as_deref()),
            id: ep.id,
            url: ep.url,
            description: ep.description,
            disabled: ep.disabled,
        })
    }

    pub(super) async fn list_endpoints(
        &self,
        session: Session,
        app: String,
    ) -> Result<Vec<EndpointRow>, FieldError> {
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let app = scope.find_app(&app).await.map_err(not_found)?;
        let endpoints = scope
            .list_endpoints(&app, &listing())
            .await
            .map_err(store_error)?;
        let mut rows = Vec::with_capacity(endpoints.items.len());
        for ep in endpoints.items {
            rows.push(self.row(&session, ep).await?);
        }
        Ok(rows)
    }

    pub(super) async fn add_endpoint(
        &self,
        session: Session,
        app: String,
        url: String,
        description: String,
        event_types: String,
    ) -> Result<(), FieldError> {
        let (url, description, types) = endpoint_form(&url, &description, &event_types)?;
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let app = scope.find_app(&app).await.map_err(not_found)?;
        scope
            .create_endpoint(
                self.main_key(),
                &app,
                EndpointFields {
                    url,
                    description,
                    event_types: (!types.is_empty()).then_some(types),
                    ..Default::default()
                },
                None,
            )
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn change_endpoint(
        &self,
        session: Session,
        app: String,
        ep: String,
        url: String,
        description: String,
        event_types: String,
    ) -> Result<(), FieldError> {
        let (url, description, types) = endpoint_form(&url, &description, &event_types)?;
        let patch = EndpointPatch {
            url: Some(url),
            description: Some(description),
            event_types: Some((!types.is_empty()).then_some(types)),
            ..Default::default()
        };
        self.patch(&session, &app, &ep, patch).await
    }

    /// Applies `patch` to the session's tenant's endpoint `ep` of `app`.
    async fn patch(
        &self,
        session: &Session,
        app: &str,
        ep: &str,
        patch: EndpointPatch,
    ) -> Result<(), FieldError> {
        let t = tenant(session);
        let scope = self.store().tenant(&t);
        let (app, ep) = scope.find_app_endpoint(app, ep).await.map_err(not_found)?;
        scope
            .patch_endpoint(&app, &ep.id, patch)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn endpoint_disabled(
        &self,
        session: Session,
        app: String,
        ep: String,
        disabled: bool,
    ) -> Result<(), FieldError> {
        let patch = EndpointPatch {
            disabled: Some(disabled),
            ..Default::default()
        };
        self.patch(&session, &app, &ep, patch).await
    }

    pub(super) async fn remove_endpoint(
        &self,
        session: Session,
        app: String,
        ep: String,
    ) -> Result<(), FieldError> {
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let (app, ep) = scope
            .find_app_endpoint(&app, &ep)
            .await
            .map_err(not_found)?;
        scope
            .delete_endpoint(&app, &ep.id)
            .await
            .map_err(store_error)
    }

    pub(super) async fn endpoint_page(
        &self,
        session: Session,
        app: String,
        ep: String,
        reveal: bool,
    ) -> Result<EndpointDetail, FieldError> {
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let (app, ep) = scope
            .find_app_endpoint(&app, &ep)
            .await
            .map_err(not_found)?;
        let secret = scope
            .endpoint_secrets(self.main_key(), &ep)
            .await
            .map_err(store_error)?
            .into_iter()
            .next()
            .map(|s| s.expose().to_string())
            .unwrap_or_default();
        let secret = if reveal {
            secret
        } else {
            format!("{}…", secret.chars().take(10).collect::<String>())
        };
        // Only what the page shows: counting the (many) successes would read most
        // of the endpoint's index.
        let count = |status| scope.count_deliveries(&ep, status, None, None);
        let waiting = count(DeliveryStatus::Pending).await.map_err(store_error)?
            + count(DeliveryStatus::Sending).await.map_err(store_error)?;
        let failed = count(DeliveryStatus::Fail).await.map_err(store_error)?;
        let attempts = scope
            .list_attempts(
                &app,
                &AttemptFilter {
                    endpoint_id: Some(ep.id.clone()),
                    ..Default::default()
                },
                &PageRequest {
                    limit: RECENT_ATTEMPTS,
                    ..Default::default()
                },
            )
            .await
            .map_err(store_error)?
            .items
            .into_iter()
            .map(super::log::attempt_row)
            .collect();
        let app_row = app_row(&app);
        let hours = super::chart::hourly_buckets(&self.hourly(&session, &ep).await?);
        Ok(EndpointDetail {
            hours,
            app: app_row,
            endpoint: self.row(&session, ep).await?,
            secret,
            revealed: reveal,
            pending: waiting,
            failed,
            attempts,
        })
    }

    pub(super) async fn rotate(
        &self,
        session: Session,
        app: String,
        ep: String,
    ) -> Result<(), FieldError> {
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let (_, ep) = scope
            .find_app_endpoint(&app, &ep)
            .await
            .map_err(not_found)?;
        scope
            .rotate_endpoint_secret(self.main_key(), &ep, None, ROTATION_GRACE)
            .await
            .map_err(store_error)?;
        tracing::info!(endpoint = %ep.id, "signing secret rotated in the dashboard");
        Ok(())
    }

    pub(super) async fn test_event(
        &self,
        session: Session,
        app: String,
        ep: String,
        event_type: String,
    ) -> Result<(), FieldError> {
        let event_type = parse_event_type_name(event_type.trim())
            .map_err(|m| FieldError::on("event_type", format!("Event type {m}")))?;
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let (app, ep) = scope
            .find_app_endpoint(&app, &ep)
            .await
            .map_err(not_found)?;
        let payload = serde_json::json!({"type": event_type, "test": true, "sentAt": Utc::now()});
        scope
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
            .await
            .map_err(store_error)?;
        self.wake_workers();
        Ok(())
    }

    pub(super) async fn recover_since(
        &self,
        session: Session,
        app: String,
        ep: String,
        hours: i64,
    ) -> Result<u64, FieldError> {
        if !(1..=24 * 30).contains(&hours) {
            return Err(FieldError::on("hours", "Between 1 hour and 30 days."));
        }
        let t = tenant(&session);
        let scope = self.store().tenant(&t);
        let (_, ep) = scope
            .find_app_endpoint(&app, &ep)
            .await
            .map_err(not_found)?;
        let count = scope
            .recover_endpoint(&ep, Utc::now() - Duration::hours(hours), None)
            .await
            .map_err(store_error)?;
        self.wake_workers();
        Ok(count)
    }
}

/// The endpoint form's fields, checked as the REST API checks them: the URL, the
/// description, and the comma-separated event-type filter (empty = all).
fn endpoint_form(
    url: &str,
    description: &str,
    event_types: &str,
) -> Result<(String, String, Vec<String>), FieldError> {
    let url =
        parse_endpoint_url(url.trim()).map_err(|m| FieldError::on("url", format!("URL {m}")))?;
    let types = event_types
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            parse_event_type_name(t)
                .map_err(|m| FieldError::on("event_types", format!("{t:?} {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let description = crate::domain::parse_text(description, 4096)
        .map_err(|m| FieldError::on("description", format!("Description {m}")))?;
    Ok((url, description, types))
}
