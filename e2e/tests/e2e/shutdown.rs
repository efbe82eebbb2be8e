//! SIGTERM while a delivery is in flight: the process stops taking work, lets the
//! attempt finish and records it, then exits. Nothing is sent twice afterwards.

use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::support::{Server, sign_up};

/// A receiver that answers 200 after `delay`, counting requests.
fn slow_receiver(delay: Duration) -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = Arc::new(Mutex::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                *seen.lock().unwrap() += 1;
                std::thread::sleep(delay);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn sigterm_lets_the_attempt_in_flight_finish_and_records_it() {
    let (url, received) = slow_receiver(Duration::from_millis(1500));
    let env = [
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"),
        ("HOOKRELAY_ATTEMPT_TIMEOUT", "10s"),
    ];
    let mut server = Server::start(&env);
    let client = reqwest::Client::new();
    let api = |url: &str, path: &str| format!("{url}/api/v1{path}");
    let key = sign_up(&server.url, "Stop", "stop@example.com").await;
    let app: Value = client
        .post(api(&server.url, "/app"))
        .bearer_auth(&key)
        .json(&json!({"name": "Stop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = app["id"].as_str().unwrap().to_string();
    let ep: Value = client
        .post(api(&server.url, &format!("/app/{app_id}/endpoint")))
        .bearer_auth(&key)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ep_id = ep["id"].as_str().unwrap().to_string();
    client
        .post(api(&server.url, &format!("/app/{app_id}/msg")))
        .bearer_auth(&key)
        .json(&json!({"eventType": "a.b", "payload": {}}))
        .send()
        .await
        .unwrap();

    // The moment the receiver has the request, stop the process.
    let deadline = Instant::now() + Duration::from_secs(10);
    while *received.lock().unwrap() == 0 {
        assert!(Instant::now() < deadline, "the delivery never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopping = Instant::now();
    server.stop();
    assert!(
        stopping.elapsed() >= Duration::from_millis(1000),
        "it waited for the attempt ({:?})",
        stopping.elapsed()
    );
    assert!(
        server
            .output()
            .contains("every attempt in flight was recorded"),
        "{}",
        server.output()
    );

    // A new process on the same data: the attempt is there, and nothing is re-sent.
    let data_dir = server.dir.path().join("data");
    let again = Server::start(&[
        ("HOOKRELAY_DATA_DIR", data_dir.to_str().unwrap()),
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"),
    ]);
    let attempts: Value = client
        .get(api(
            &again.url,
            &format!("/app/{app_id}/attempt/endpoint/{ep_id}"),
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = attempts["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{attempts}");
    assert_eq!(data[0]["status"], 0);
    assert_eq!(data[0]["responseStatusCode"], 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(*received.lock().unwrap(), 1, "delivered once");
}
