//! Every delivery verifies with the third-party `standardwebhooks` library (PyPI):
//! with the endpoint's secret, and during a rotation's grace period with the old and
//! the new secret alike; once the grace period is over, only with the new one.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::python_clients::{python, script};
use crate::support::{Server, free_port, sign_up};

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

struct Receiver {
    url: String,
    log: std::path::PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("received.jsonl");
        let port = free_port();
        let child = Command::new(python())
            .arg(script("verifying_receiver.py"))
            .arg(port.to_string())
            .arg(&log)
            .args([OLD, NEW])
            .stdout(Stdio::null())
            .spawn()
            .expect("python receiver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the receiver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            url: format!("http://127.0.0.1:{port}/webhook"),
            log,
            child,
            _dir: dir,
        }
    }

    /// Waits for the delivery of `msg_id`; returns {secret: verified}.
    async fn verified(&self, msg_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = text
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .find(|v| v["id"] == msg_id)
            {
                return line["verified"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "{msg_id} never arrived; log: {text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[tokio::test]
async fn deliveries_verify_with_the_standard_webhooks_library_through_a_rotation() {
    let server = Server::start(&[
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"),
        ("HOOKRELAY_RETRY_SCHEDULE", "1s"),
    ]);
    let receiver = Receiver::start();
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", server.url);
    let key = sign_up(&server.url, "Sig", "sig@example.com").await;
    let post =
        |path: String, body: Value| client.post(api(&path)).bearer_auth(&key).json(&body).send();
    let app: Value = post("/app".into(), json!({"name": "Sig"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = app["id"].as_str().unwrap().to_string();
    let ep: Value = post(
        format!("/app/{app_id}/endpoint"),
        json!({"url": receiver.url, "secret": OLD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let ep_id = ep["id"].as_str().unwrap().to_string();
    let send = |n: i64| {
        post(
            format!("/app/{app_id}/msg"),
            json!({"eventType": "sig.test", "payload": {"n": n, "text": "héllo"}}),
        )
    };

    let msg: Value = send(1).await.unwrap().json().await.unwrap();
    let v = receiver.verified(msg["id"].as_str().unwrap()).await;
    assert_eq!(
        (v[OLD].as_bool(), v[NEW].as_bool()),
        (Some(true), Some(false)),
        "signed with the endpoint's secret"
    );

    // Rotation with the default 24 h grace: both secrets verify.
    let res = post(
        format!("/app/{app_id}/endpoint/{ep_id}/secret/rotate"),
        json!({"key": NEW}),
    )
    .await
    .unwrap();
    assert!(res.status().is_success());
    let msg: Value = send(2).await.unwrap().json().await.unwrap();
    let v = receiver.verified(msg["id"].as_str().unwrap()).await;
    assert_eq!(
        (v[OLD].as_bool(), v[NEW].as_bool()),
        (Some(true), Some(true)),
        "old and new during the grace period"
    );

    // Rotating again with no grace: the previous one (NEW) stops verifying at once.
    let res = post(
        format!("/app/{app_id}/endpoint/{ep_id}/secret/rotate"),
        json!({"key": OLD, "gracePeriodSeconds": 0}),
    )
    .await
    .unwrap();
    assert!(res.status().is_success());
    let msg: Value = send(3).await.unwrap().json().await.unwrap();
    let v = receiver.verified(msg["id"].as_str().unwrap()).await;
    assert_eq!(
        v[NEW].as_bool(),
        Some(false),
        "a secret rotated away with no grace no longer signs"
    );
    assert_eq!(v[OLD].as_bool(), Some(true));
}
