//! The delivery log and message pages in the dashboard: the API's attempt list with
//! its keyset pagination and filters, within the session's tenant.

use chrono::{Duration, Utc};
use frontend::backend::{
    AttemptRow, FieldError, LogPage, LogQuery, LogRow, MessageDetail, Session,
};

use super::backend::{DashboardBackend, app_row, day, listing, not_found, store_error};
use crate::{
    domain::{DeliveryStatus, parse_event_type_name},
    entities::attempt,
    store::{AttemptFilter, Cursor, PageRequest},
};

const LOG_PAGE: u64 = 50;

fn log_row(a: attempt::Model, with_response: bool) -> LogRow {
    LogRow {
        endpoint_id: a.endpoint_id.clone(),
        url: a.url.clone(),
        response: if with_response {
            a.response_body.clone()
        } else {
            String::new()
        },
        attempt: attempt_row(a),
    }
}

/// An attempt as the log, message and endpoint pages list it.
pub(super) fn attempt_row(a: attempt::Model) -> AttemptRow {
    AttemptRow {
        succeeded: a.status == DeliveryStatus::Success.as_i16(),
        id: a.id,
        message_id: a.message_id,
        when: day(a.created_at),
        status_code: a.response_status_code,
        duration_ms: a.duration_ms,
        error: a.error,
    }
}

/// A cursor from the page's links; anything else starts at the newest.
fn cursor(text: &str) -> Option<Cursor> {
    let (backwards, id) = match text.strip_prefix('-') {
        Some(id) => (true, id),
        None => (false, text),
    };
    let well_formed = id.starts_with("atmpt_")
        && id.len() < 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    well_formed.then(|| Cursor {
        id: id.to_string(),
        backwards,
    })
}

impl DashboardBackend {
    pub(super) async fn log_page(
        &self,
        session: Session,
        app: String,
        q: LogQuery,
    ) -> Result<LogPage, FieldError> {
        let tenant = Self::tenant(&session);
        let scope = self.store.tenant(&tenant);
        let app = scope.find_app(&app).await.map_err(not_found)?;
        let event_type = q.event_type.trim();
        let filter = AttemptFilter {
            status: match q.status.as_str() {
                "succeeded" => Some(DeliveryStatus::Success),
                "failed" => Some(DeliveryStatus::Fail),
                _ => None,
            },
            endpoint_id: (!q.endpoint.is_empty()).then(|| q.endpoint.clone()),
            event_types: parse_event_type_name(event_type)
                .ok()
                .filter(|_| !event_type.is_empty())
                .map(|t| vec![t]),
            after: q
                .hours
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 366).contains(h))
                .map(|h| Utc::now() - Duration::hours(h)),
            ..Default::default()
        };
        let page = scope
            .list_attempts(
                &app,
                &filter,
                &PageRequest {
                    limit: LOG_PAGE,
                    cursor: cursor(&q.iterator),
                    ..Default::default()
                },
            )
            .await
            .map_err(store_error)?;
        let first_page = q.iterator.is_empty();
        let endpoints = scope
            .list_endpoints(&app, &listing())
            .await
            .map_err(store_error)?
            .items
            .into_iter()
            .map(|e| (e.id, e.url))
            .collect();
        Ok(LogPage {
            app: app_row(&app),
            next: (!page.done).then_some(page.iterator.clone()).flatten(),
            prev: (!first_page)
                .then_some(page.prev_iterator.clone())
                .flatten(),
            rows: page.items.into_iter().map(|a| log_row(a, false)).collect(),
            endpoints,
        })
    }

    pub(super) async fn message_page(
        &self,
        session: Session,
        app: String,
        message: String,
    ) -> Result<MessageDetail, FieldError> {
        let tenant = Self::tenant(&session);
        let scope = self.store.tenant(&tenant);
        let app = scope.find_app(&app).await.map_err(not_found)?;
        let msg = scope
            .find_message(&app, &message)
            .await
            .map_err(not_found)?;
        let attempts = scope
            .list_attempts(
                &app,
                &AttemptFilter {
                    message_id: Some(msg.id.clone()),
                    ..Default::default()
                },
                &listing(),
            )
            .await
            .map_err(store_error)?
            .items;
        let endpoints = scope
            .list_endpoints(&app, &listing())
            .await
            .map_err(store_error)?
            .items
            .into_iter()
            .map(|e| (e.id, e.url))
            .collect();
        let payload = match &msg.payload {
            Some(text) => serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| text.clone()),
            None => "(purged: older than the retention period)".into(),
        };
        let headers = vec![
            ("content-type".into(), "application/json".into()),
            (
                "user-agent".into(),
                format!("hookrelay/{}", env!("CARGO_PKG_VERSION")),
            ),
            ("webhook-id".into(), msg.id.clone()),
            (
                "webhook-timestamp".into(),
                "the time of each attempt (Unix seconds)".into(),
            ),
            (
                "webhook-signature".into(),
                "v1,<HMAC-SHA256> per valid signing secret".into(),
            ),
        ];
        Ok(MessageDetail {
            app: app_row(&app),
            id: msg.id.clone(),
            event_type: msg.event_type.clone(),
            created: day(msg.created_at),
            payload,
            headers,
            attempts: attempts.into_iter().map(|a| log_row(a, true)).collect(),
            endpoints,
        })
    }

    pub(super) async fn resend_message(
        &self,
        session: Session,
        app: String,
        message: String,
        endpoint: String,
    ) -> Result<(), FieldError> {
        let tenant = Self::tenant(&session);
        let scope = self.store.tenant(&tenant);
        let (app, ep) = scope
            .find_app_endpoint(&app, &endpoint)
            .await
            .map_err(not_found)?;
        let msg = scope
            .find_message(&app, &message)
            .await
            .map_err(not_found)?;
        scope.resend(&msg, &ep).await.map_err(store_error)?;
        self.wake_workers();
        Ok(())
    }
}
