//! `GET /health` (the process answers) and `GET /health/ready` (its dependencies do).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use secrecy::ExposeSecret;
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

/// 200 when the database (and Redis, if configured) answer within 2 s; 503 naming
/// what does not.
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => "ok",
        _ => "unavailable",
    };
    let redis = match &state.settings.redis_url {
        None => "not_configured",
        Some(url) => {
            match tokio::time::timeout(CHECK_TIMEOUT, ping_redis(url.expose_secret())).await {
                Ok(Ok(())) => "ok",
                _ => "unavailable",
            }
        }
    };
    let healthy = database == "ok" && redis != "unavailable";
    let body = json!({
        "status": if healthy { "ok" } else { "unavailable" },
        "database": database,
        "redis": redis,
    });
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// One PING on a fresh connection. The Redis issue replaces this with the shared
/// connection manager's state.
pub async fn ping_redis(url: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    redis::cmd("PING").query_async::<String>(&mut conn).await?;
    Ok(())
}
