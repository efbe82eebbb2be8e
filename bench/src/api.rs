//! The Svix API as the harness uses it: applications, endpoints, messages. Works with
//! hookrelay and with any Svix-compatible server.

use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::{clock, load::MakeRequest};

#[derive(Clone)]
pub struct Api {
    pub base: String,
    token: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            client: crate::load::client(),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// A new hookrelay tenant (sign-up) and its API key.
    pub async fn signup(base: &str, email: &str, password: &str) -> anyhow::Result<(Self, String)> {
        let client = crate::load::client();
        let body = json!({"organization": "Bench", "email": email, "password": password});
        let out: Value = check(
            client
                .post(format!("{base}/api/v1/signup"))
                .json(&body)
                .send()
                .await?,
        )
        .await?;
        let key = out["apiKey"].as_str().context("signup returns apiKey")?;
        let tenant = out["tenantId"]
            .as_str()
            .context("signup returns tenantId")?;
        Ok((Self::new(base, key), tenant.to_string()))
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let resp = self
            .client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        check(resp).await
    }

    pub async fn create_app(&self, name: &str) -> anyhow::Result<String> {
        let app = self.post("/app", json!({"name": name})).await?;
        Ok(app["id"].as_str().context("app id")?.to_string())
    }

    pub async fn create_endpoint(&self, app: &str, url: &str) -> anyhow::Result<String> {
        let ep = self
            .post(&format!("/app/{app}/endpoint"), json!({"url": url}))
            .await?;
        Ok(ep["id"].as_str().context("endpoint id")?.to_string())
    }

    /// `POST /msg` requests whose payload carries its sequence number and send time.
    /// With `timed` false the payload carries no send time, so the receiver keeps
    /// no latency for it (another tenant's traffic in the noisy-neighbour scenario).
    pub fn message_requests(&self, app: &str, timed: bool) -> MakeRequest {
        let url = format!("{}/api/v1/app/{app}/msg", self.base);
        let auth = format!("Bearer {}", self.token);
        let client = self.client.clone();
        Arc::new(move |seq| {
            let t = if timed {
                clock::micros_now() as i64
            } else {
                -1
            };
            let body = format!(
                r#"{{"eventType":"bench.event","payload":{{"seq":{seq},"kind":"invoice.paid","amount":1299,"t":{t}}}}}"#
            );
            client
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(body)
        })
    }
}

async fn check(resp: reqwest::Response) -> anyhow::Result<Value> {
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}
