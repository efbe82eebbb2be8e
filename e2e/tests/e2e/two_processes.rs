//! Two `hookrelay` processes (role `api`) on one PostgreSQL and one Redis, and a
//! tenant's view of each one's API: what the Redis-sharing tests start from.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::redis_server::RedisServer;
pub use crate::support::PASSWORD;
use crate::support::{PgDatabase, Server, sign_up};

/// One process's API, as one tenant.
pub struct Api {
    server_url: String,
    base: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(server: &Server) -> Self {
        Self {
            server_url: server.url.clone(),
            base: format!("{}/api/v1", server.url),
            client: reqwest::Client::new(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn ok(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method, path, key, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    pub async fn signup(&self, email: &str) -> String {
        sign_up(&self.server_url, "Cache", email).await
    }

    /// Sends a message; how many deliveries it fanned out to is seen in the stats.
    pub async fn send(&self, key: &str, app: &str, event_type: &str) {
        let (status, body) = self
            .call(
                "POST",
                &format!("/app/{app}/msg"),
                key,
                Some(json!({"eventType": event_type, "payload": {}})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }

    /// Deliveries ever made for the endpoint, whatever their state.
    pub async fn deliveries(&self, key: &str, app: &str, ep: &str) -> i64 {
        let stats = self
            .ok("GET", &format!("/app/{app}/endpoint/{ep}/stats"), key, None)
            .await;
        ["success", "pending", "sending", "fail", "canceled"]
            .iter()
            .map(|k| stats[*k].as_i64().unwrap_or(0))
            .sum()
    }
}

fn env_of<'a>(
    owned: &'a [(&'static str, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    env
}

/// Two API processes on one PostgreSQL and one Redis.
pub fn two_processes(
    db: &PgDatabase,
    redis: &RedisServer,
    extra: &[(&str, &str)],
) -> (Server, Server) {
    let mut owned = db.env().to_vec();
    owned.push(("REDIS_URL", redis.url()));
    let mut base = vec![("HOOKRELAY_ROLE", "api"), ("HOOKRELAY_RATE_LIMIT", "0")];
    base.extend_from_slice(extra);
    let env = env_of(&owned, &base);
    (Server::start(&env), Server::start(&env))
}
