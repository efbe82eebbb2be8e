//! The endpoint page's 24 h chart data: attempts grouped per hour, on both databases
//! (the hour is computed in SQL, differently on each).

use serde_json::json;

use crate::delivery_support::{attempts, send};
use crate::engine_test;
use crate::helpers::TestApp;
use crate::receiver::{Reply, TestReceiver};
use hookrelay::domain::TenantId;

engine_test!(attempts_are_counted_per_hour, |app: TestApp| async move {
    let receiver = TestReceiver::start().await;
    // First message: fails once, then succeeds; second: succeeds.
    receiver.script([Reply::status(500)]);
    receiver.always(Reply::status(200));
    let (tenant, key) = app.signup("chart@example.com").await;
    let created: serde_json::Value = app
        .post_json("/api/v1/app", Some(&key), &json!({"name": "Chart"}))
        .await
        .json()
        .await
        .unwrap();
    let app_id = created["id"].as_str().unwrap().to_string();
    let ep: serde_json::Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &json!({"url": receiver.url}),
        )
        .await
        .json()
        .await
        .unwrap();
    let ep_id = ep["id"].as_str().unwrap().to_string();
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    attempts(&app, &key, &app_id, &ep_id, 2).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    attempts(&app, &key, &app_id, &ep_id, 3).await;

    let tenant = TenantId(tenant);
    let scope = app.store.tenant(&tenant);
    let (_, ep) = scope.find_app_endpoint(&app_id, &ep_id).await.unwrap();
    let since = chrono::Utc::now() - chrono::Duration::hours(24);
    let hours = scope.endpoint_hourly(&ep, since).await.unwrap();
    let (ok, bad): (i64, i64) = hours
        .iter()
        .fold((0, 0), |(o, b), h| (o + h.succeeded, b + h.failed));
    assert_eq!((ok, bad), (2, 1), "{hours:?}");
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:00:00Z").to_string();
    assert!(
        hours.iter().any(|h| h.hour == now) || hours.len() == 2,
        "hours are labelled YYYY-MM-DDTHH:00:00Z: {hours:?}"
    );

    // Another tenant asking about this endpoint's app gets nothing.
    let (other, _) = app.signup("other-chart@example.com").await;
    let other = TenantId(other);
    let theirs = app
        .store
        .tenant(&other)
        .endpoint_hourly(&ep, since)
        .await
        .unwrap();
    assert!(theirs.is_empty(), "scoped by tenant");
});
