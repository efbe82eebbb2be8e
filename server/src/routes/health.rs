//! `GET /health` (the process answers) and `GET /health/ready` (its dependencies do).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::state::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(live).service(ready);
}

#[get("/health")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when the database answers within 2 s, 503 when it does not. Redis is
/// reported (`ok`, `unavailable`, `not_configured`) but does not make the process
/// unready: without it requests and deliveries go on from the database, so taking
/// every process out of a load balancer for it would turn a slower service into
/// none. `status` says `degraded` meanwhile.
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => "ok",
        _ => "unavailable",
    };
    let redis = match state.store.cache().redis_ping().await {
        None => "not_configured",
        Some(true) => "ok",
        Some(false) => "unavailable",
    };
    let status = match (database, redis) {
        ("ok", "unavailable") => "degraded",
        ("ok", _) => "ok",
        _ => "unavailable",
    };
    let body = json!({ "status": status, "database": database, "redis": redis });
    if database == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
