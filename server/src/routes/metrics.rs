//! `GET /metrics`: Prometheus text. Unauthenticated like `/health`, and holding only
//! process-wide counts (no tenant's ids or data); keep it off the public network
//! the way you would any scrape target.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;

/// A slow database must not hang the scrape: the depth is left out instead.
const DEPTH_TIMEOUT: Duration = Duration::from_secs(2);

#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let depth = match tokio::time::timeout(DEPTH_TIMEOUT, state.store.queue_depth()).await {
        Ok(Ok(depth)) => Some(depth),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "queue depth unavailable for /metrics");
            None
        }
        Err(_) => None,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&state.metrics, depth))
}
