//! The in-process configuration cache (no Redis): a warm `POST /msg` reads no
//! endpoint, application or API key from the database, and every write is seen by
//! the next request.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, id_of};

/// `hookrelay_cache_requests_total{result}`.
async fn cache_counts(app: &TestApp) -> (f64, f64) {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    let value = |result: &str| -> f64 {
        let prefix = format!("hookrelay_cache_requests_total{{result=\"{result}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap()
            .parse()
            .unwrap()
    };
    (value("hit"), value("miss"))
}

async fn send(app: &TestApp, key: &str, app_id: &str) {
    let res = app
        .post_json(
            &format!("/api/v1/app/{app_id}/msg"),
            Some(key),
            &json!({"eventType": "a.b", "payload": {}}),
        )
        .await;
    assert_eq!(res.status(), 202);
}

async fn deliveries(app: &TestApp, key: &str, app_id: &str, ep: &str) -> i64 {
    let stats: Value = app
        .get(
            &format!("/api/v1/app/{app_id}/endpoint/{ep}/stats"),
            Some(key),
        )
        .await
        .json()
        .await
        .unwrap();
    ["success", "pending", "sending", "fail"]
        .iter()
        .map(|k| stats[*k].as_i64().unwrap())
        .sum()
}

both_backends!(
    a_warm_accept_reads_its_configuration_from_the_cache,
    |app: TestApp| async move {
        let (_, key) = app.signup("warm@example.com").await;
        let app_id = id_of(
            &app.post_json("/api/v1/app", Some(&key), &json!({"name": "A"}))
                .await
                .json()
                .await
                .unwrap(),
        );
        let first = id_of(
            &app.post_json(
                &format!("/api/v1/app/{app_id}/endpoint"),
                Some(&key),
                &json!({"url": "https://a.example.com/h"}),
            )
            .await
            .json()
            .await
            .unwrap(),
        );
        send(&app, &key, &app_id).await;
        // The key's first use is recorded (off the response path), which refreshes its
        // cached entry once.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        send(&app, &key, &app_id).await;
        let (hits, misses) = cache_counts(&app).await;
        send(&app, &key, &app_id).await;
        let (hits_after, misses_after) = cache_counts(&app).await;
        assert_eq!(misses_after, misses, "a warm accept misses nothing");
        assert!(
            hits_after - hits >= 3.0,
            "API key, application and fan-out from the cache"
        );

        // Every write is honoured by the next request.
        let second = id_of(
            &app.post_json(
                &format!("/api/v1/app/{app_id}/endpoint"),
                Some(&key),
                &json!({"url": "https://b.example.com/h"}),
            )
            .await
            .json()
            .await
            .unwrap(),
        );
        send(&app, &key, &app_id).await;
        assert_eq!(
            deliveries(&app, &key, &app_id, &second).await,
            1,
            "a new endpoint"
        );
        app.patch_json(
            &format!("/api/v1/app/{app_id}/endpoint/{second}"),
            Some(&key),
            &json!({"filterTypes": ["x.y"]}),
        )
        .await;
        send(&app, &key, &app_id).await;
        assert_eq!(
            deliveries(&app, &key, &app_id, &second).await,
            1,
            "a new filter"
        );
        app.delete(
            &format!("/api/v1/app/{app_id}/endpoint/{second}"),
            Some(&key),
        )
        .await;
        send(&app, &key, &app_id).await;
        assert_eq!(deliveries(&app, &key, &app_id, &first).await, 6);
        // An application renamed to a new uid is found by it; the old uid is gone.
        app.patch_json(
            &format!("/api/v1/app/{app_id}"),
            Some(&key),
            &json!({"uid": "shop-one"}),
        )
        .await;
        send(&app, &key, "shop-one").await;
        app.patch_json(
            &format!("/api/v1/app/{app_id}"),
            Some(&key),
            &json!({"uid": "shop-two"}),
        )
        .await;
        let old = app.get("/api/v1/app/shop-one", Some(&key)).await;
        assert_eq!(
            old.status(),
            404,
            "the old uid is not served from the cache"
        );
    }
);
