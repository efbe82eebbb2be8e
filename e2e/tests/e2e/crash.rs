//! Crash safety: a burst of messages, SIGKILL mid-burst, a restart on the same
//! database, and every message that was answered 202 is delivered.

use std::{
    collections::HashSet,
    io::{Read, Write},
    net::TcpListener,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::support::{PgDatabase, Server, sign_up};

/// A receiver answering 200 at once, remembering each `webhook-id` it saw.
pub(crate) fn recording_receiver() -> (String, Arc<Mutex<HashSet<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let ids = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let ids = ids.clone();
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                // Headers are enough: the id is there.
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                if let Some(line) = text
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("webhook-id:"))
                {
                    let id = line["webhook-id:".len()..].trim().to_string();
                    ids.lock().unwrap().insert(id);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            });
        }
    });
    (url, seen)
}

async fn burst_kill_restart(env: Vec<(&'static str, String)>) {
    let (receiver_url, received) = recording_receiver();
    let mut env = env;
    env.push(("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8".into()));
    env.push(("HOOKRELAY_RATE_LIMIT", "0".into()));
    // Leases of the attempts in flight at the kill run out 10 s after this.
    env.push(("HOOKRELAY_ATTEMPT_TIMEOUT", "2s".into()));
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(&borrowed);

    let client = reqwest::Client::new();
    let key = sign_up(&server.url, "Crash", "crash@example.com").await;
    let app: Value = client
        .post(format!("{}/api/v1/app", server.url))
        .bearer_auth(&key)
        .json(&json!({"name": "Crash"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = app["id"].as_str().unwrap().to_string();
    let ep = client
        .post(format!("{}/api/v1/app/{app_id}/endpoint", server.url))
        .bearer_auth(&key)
        .json(&json!({"url": receiver_url}))
        .send()
        .await
        .unwrap();
    assert_eq!(ep.status(), 201);

    // Eight senders in a loop; the process is killed once 150 messages were accepted.
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let url = format!("{}/api/v1/app/{app_id}/msg", server.url);
    let mut senders = Vec::new();
    for sender in 0..8 {
        let (client, url, key) = (client.clone(), url.clone(), key.clone());
        let (accepted, count) = (accepted.clone(), count.clone());
        senders.push(tokio::spawn(async move {
            for n in 0..1000 {
                let body = json!({"eventType": "burst", "payload": {"sender": sender, "n": n}});
                let Ok(res) = client.post(&url).bearer_auth(&key).json(&body).send().await else {
                    return;
                };
                if res.status() != 202 {
                    return;
                }
                let Ok(out) = res.json::<Value>().await else {
                    return;
                };
                accepted
                    .lock()
                    .unwrap()
                    .push(out["id"].as_str().unwrap().to_string());
                count.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while count.load(Ordering::SeqCst) < 150 {
        assert!(
            Instant::now() < deadline,
            "the burst never reached 150 accepted"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    for sender in senders {
        let _ = sender.await;
    }
    let accepted: Vec<String> = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 150);

    // Restart on the same database: every accepted message arrives.
    let restarted = Server::start(&borrowed);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let missing: Vec<&String> = {
            let got = received.lock().unwrap();
            accepted.iter().filter(|id| !got.contains(*id)).collect()
        };
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} accepted messages never arrived, e.g. {:?}\n{}",
            missing.len(),
            accepted.len(),
            &missing[..missing.len().min(3)],
            restarted.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_accepted_message_survives_a_sigkill_sqlite() {
    let data = tempfile::tempdir().unwrap();
    burst_kill_restart(vec![(
        "HOOKRELAY_DATA_DIR",
        data.path().to_str().unwrap().to_string(),
    )])
    .await;
}

#[tokio::test]
async fn every_accepted_message_survives_a_sigkill_postgres() {
    let db = PgDatabase::create();
    burst_kill_restart(db.env().to_vec()).await;
}
