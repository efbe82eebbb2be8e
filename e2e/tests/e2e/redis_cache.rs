//! The Redis-shared configuration cache with two real `hookrelay` processes on one
//! PostgreSQL and a `redis-server` of the test's own: a write acknowledged by one
//! process is honoured by the very next request on the other; a Redis that hangs or
//! dies costs no request an error and nothing is served stale once it is back; no
//! secret is ever written to Redis.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::redis_server::RedisServer;
use crate::support::{PgDatabase, Server};
use crate::two_processes::{Api, PASSWORD, two_processes};

#[tokio::test]
async fn a_write_on_one_process_is_honoured_by_the_next_request_on_another() {
    let redis = RedisServer::start();
    let db = PgDatabase::create();
    let (one, two) = two_processes(&db, &redis, &[]);
    let (a, b) = (Api::new(&one), Api::new(&two));
    let key = a.signup("coherent@example.com").await;
    let app = a
        .ok("POST", "/app", &key, Some(json!({"name": "Shop"})))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = a
        .ok(
            "POST",
            &format!("/app/{app}/endpoint"),
            &key,
            Some(json!({"url": "https://one.example.com/hook"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Warm the other process's view: key, app, fan-out.
    b.send(&key, &app, "a.b").await;
    b.send(&key, &app, "a.b").await;
    assert_eq!(b.deliveries(&key, &app, &first).await, 2);
    // Warm, a message costs one Redis round trip for all three lookups
    // (`cache/prefetch.rs`), each still checked against its generation.
    let mgets = redis.calls("mget");
    b.send(&key, &app, "a.b").await;
    assert_eq!(redis.calls("mget") - mgets, 1, "one MGET per warm publish");
    assert_eq!(b.deliveries(&key, &app, &first).await, 3);

    // Created on one, fanned out to by the other at once.
    let second = a
        .ok(
            "POST",
            &format!("/app/{app}/endpoint"),
            &key,
            Some(json!({"url": "https://two.example.com/hook"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.send(&key, &app, "a.b").await;
    assert_eq!(b.deliveries(&key, &app, &second).await, 1, "created");

    // Edited: its filter now leaves a.b out.
    a.ok(
        "PATCH",
        &format!("/app/{app}/endpoint/{second}"),
        &key,
        Some(json!({"filterTypes": ["other.type"]})),
    )
    .await;
    b.send(&key, &app, "a.b").await;
    assert_eq!(b.deliveries(&key, &app, &second).await, 1, "edited");

    // Disabled: the message is kept for it as failed (recoverable), not queued.
    a.ok(
        "PATCH",
        &format!("/app/{app}/endpoint/{second}"),
        &key,
        Some(json!({"filterTypes": null, "disabled": true})),
    )
    .await;
    b.send(&key, &app, "a.b").await;
    let stats = b
        .ok(
            "GET",
            &format!("/app/{app}/endpoint/{second}/stats"),
            &key,
            None,
        )
        .await;
    assert_eq!(
        (stats["fail"].as_i64(), stats["pending"].as_i64()),
        (Some(1), Some(1)),
        "disabled: {stats}"
    );

    // Deleted: a stale fan-out would insert a delivery for a missing endpoint.
    let (status, _) = a
        .call(
            "DELETE",
            &format!("/app/{app}/endpoint/{second}"),
            &key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    b.send(&key, &app, "a.b").await;
    assert_eq!(
        b.deliveries(&key, &app, &first).await,
        7,
        "deleted; the others still get theirs"
    );

    // Revoked on one, refused by the other on its very next request.
    let spare = a
        .ok("POST", "/api-keys", &key, Some(json!({"name": "spare"})))
        .await;
    let spare_key = spare["key"].as_str().unwrap().to_string();
    b.ok("GET", "/app", &spare_key, None).await;
    a.call(
        "DELETE",
        &format!("/api-keys/{}", spare["id"].as_str().unwrap()),
        &key,
        None,
    )
    .await;
    let (status, _) = b.call("GET", "/app", &spare_key, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked");

    // The cache did serve: the other process's hits are counted.
    let metrics = reqwest::get(format!("{}/metrics", two.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hits: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("hookrelay_cache_requests_total{result=\"hit\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(hits >= 6.0, "warm requests were served from Redis: {hits}");

    // Nothing secret in Redis: no API key, signing secret or password.
    let secret = a
        .ok(
            "GET",
            &format!("/app/{app}/endpoint/{first}/secret"),
            &key,
            None,
        )
        .await["key"]
        .as_str()
        .unwrap()
        .to_string();
    let dump = redis.dump();
    assert!(!dump.is_empty(), "the cache is in this Redis");
    for (k, v) in &dump {
        for plain in [
            key.as_str(),
            spare_key.as_str(),
            secret.as_str(),
            PASSWORD,
            "whsec_",
            "hr_",
        ] {
            assert!(
                !k.contains(plain) && !v.contains(plain),
                "{plain:?} found in Redis at {k}"
            );
        }
    }
}

/// `/health/ready`'s view of Redis on `server`.
async fn redis_health(server: &Server) -> String {
    let body: Value = reqwest::get(format!("{}/health/ready", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["redis"].as_str().unwrap().to_string()
}

async fn wait_for_redis(servers: &[&Server], want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for server in servers {
        while redis_health(server).await != want {
            assert!(Instant::now() < deadline, "Redis never reported {want}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_hung_or_dead_redis_costs_no_request_and_serves_nothing_stale_after() {
    let mut redis = RedisServer::start();
    let db = PgDatabase::create();
    let (one, two) = two_processes(&db, &redis, &[]);
    let (a, b) = (Api::new(&one), Api::new(&two));
    let key = a.signup("outage@example.com").await;
    let app = a
        .ok("POST", "/app", &key, Some(json!({"name": "Shop"})))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ep = a
        .ok(
            "POST",
            &format!("/app/{app}/endpoint"),
            &key,
            Some(json!({"url": "https://one.example.com/hook"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let doomed = a
        .ok("POST", "/api-keys", &key, Some(json!({"name": "doomed"})))
        .await;
    let doomed_key = doomed["key"].as_str().unwrap().to_string();
    // Both processes have it cached.
    a.ok("GET", "/app", &doomed_key, None).await;
    b.ok("GET", "/app", &doomed_key, None).await;
    b.send(&key, &app, "a.b").await;

    // Hung: connections open, nothing answers. Requests go on from the database and
    // each waits at most one short Redis timeout.
    redis.pause();
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        b.send(&key, &app, "a.b").await;
        a.ok("GET", "/app", &key, None).await;
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a hung Redis held a request for {slowest:?}"
    );
    assert_eq!(b.deliveries(&key, &app, &ep).await, 11, "nothing lost");
    assert_eq!(redis_health(&two).await, "unavailable");
    // A revocation the cache cannot hear of while Redis hangs.
    let (status, _) = a
        .call(
            "DELETE",
            &format!("/api-keys/{}", doomed["id"].as_str().unwrap()),
            &key,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = b.call("GET", "/app", &doomed_key, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "refused during the outage (from the database)"
    );

    // Back, with its data: the entry from before the outage must not be served.
    redis.resume();
    wait_for_redis(&[&one, &two], "ok").await;
    for api in [&a, &b] {
        let (status, _) = api.call("GET", "/app", &doomed_key, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "no stale key after the outage"
        );
    }

    // Dead: killed, then started again empty on the same port.
    redis.kill();
    for _ in 0..5 {
        b.send(&key, &app, "a.b").await;
    }
    assert_eq!(redis_health(&one).await, "unavailable");
    redis.restart();
    wait_for_redis(&[&one, &two], "ok").await;
    b.send(&key, &app, "a.b").await;
    assert_eq!(b.deliveries(&key, &app, &ep).await, 17, "nothing lost");
    // And the cache is in use again: warm requests are hits.
    let hits = || async {
        let text = reqwest::get(format!("{}/metrics", two.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("hookrelay_cache_requests_total{result=\"hit\"} "))
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let before = hits().await;
    b.send(&key, &app, "a.b").await;
    b.send(&key, &app, "a.b").await;
    assert!(hits().await > before, "the cache recovered by itself");
}
