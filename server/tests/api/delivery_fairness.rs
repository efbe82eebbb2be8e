//! Fair claiming: a tenant that floods the queue cannot push another tenant's
//! message behind its backlog, a lone busy tenant still gets whole claims, and an
//! endpoint at its concurrency cap is passed over without holding up the others.

use crate::delivery_support::{engine_app, send, setup};
use crate::helpers::Backend;
use crate::receiver::TestReceiver;

async fn flood_then_one(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (flood_key, flood_app, _) = setup(&app, "flood@example.com", &receiver.url).await;
    let (quiet_key, quiet_app, _) = setup(&app, "quiet@example.com", &receiver.url).await;
    let mut flood = Vec::new();
    for n in 0..40 {
        let body = format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#);
        flood.push(send(&app, &flood_key, &flood_app, &body).await);
    }
    // Accepted last, so due last: a claim in time order alone would not reach it.
    let quiet_msg = send(
        &app,
        &quiet_key,
        &quiet_app,
        r#"{"eventType":"a.b","payload":{}}"#,
    )
    .await;

    let lease = chrono::Duration::seconds(60);
    let claimed = app
        .store
        .claim_deliveries("worker_a", lease, 8, &[], true)
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        8,
        "the claim is filled, not cut to a fair share"
    );
    assert!(
        claimed.iter().any(|job| job.message_id == quiet_msg),
        "the quiet tenant's message is in the very next claim"
    );
    let mut flood_claimed: Vec<&str> = claimed
        .iter()
        .filter(|j| j.message_id != quiet_msg)
        .map(|j| j.message_id.as_str())
        .collect();
    flood_claimed.sort();
    assert_eq!(
        flood_claimed,
        flood[..7].iter().map(String::as_str).collect::<Vec<_>>(),
        "the flood's own deliveries go oldest first, each once"
    );

    // The rest of the flood is claimed by later claims, each row once.
    let mut seen: std::collections::HashSet<String> =
        claimed.iter().map(|j| j.id.clone()).collect();
    loop {
        let more = app
            .store
            .claim_deliveries("worker_b", lease, 8, &[], true)
            .await
            .unwrap();
        if more.is_empty() {
            break;
        }
        for job in more {
            assert!(seen.insert(job.id), "claimed twice");
        }
    }
    assert_eq!(seen.len(), 41);
}

#[tokio::test]
async fn a_flood_does_not_delay_another_tenant_sqlite() {
    flood_then_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_flood_does_not_delay_another_tenant_postgres() {
    flood_then_one(Backend::Postgres).await;
}

/// An endpoint at its cap (`busy`) is passed over — its backlog, the earliest rows of
/// its tenant, stays queued — while the same tenant's other endpoint still gets whole
/// claims in due order and another tenant's message is in the very next claim.
async fn busy_endpoint_passed_over(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, busy_ep) = setup(&app, "busy@example.com", &receiver.url).await;
    let body = |n: usize| format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#);
    // The busy endpoint's backlog comes first: a claim walking the tenant's rows in due
    // order reads all of it before anything else.
    for n in 0..30 {
        send(&app, &key, &app_id, &body(n)).await;
    }
    let other: serde_json::Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &serde_json::json!({"url": format!("{}/other", receiver.url)}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other_ep = other["id"].as_str().unwrap().to_string();
    let mut to_both = Vec::new();
    for n in 30..40 {
        to_both.push(send(&app, &key, &app_id, &body(n)).await);
    }
    let (quiet_key, quiet_app, _) = setup(&app, "quiet@example.com", &receiver.url).await;
    let quiet_msg = send(&app, &quiet_key, &quiet_app, &body(0)).await;

    let lease = chrono::Duration::seconds(60);
    let busy = [busy_ep.clone()];
    let claimed = app
        .store
        .claim_deliveries("worker_a", lease, 8, &busy, true)
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        8,
        "the claim is filled from the endpoints with room"
    );
    assert!(
        claimed.iter().all(|job| job.endpoint_id != busy_ep),
        "nothing for the busy endpoint"
    );
    assert!(
        claimed.iter().any(|job| job.message_id == quiet_msg),
        "the other tenant's message is in the very next claim"
    );
    let mut to_other: Vec<&str> = claimed
        .iter()
        .filter(|job| job.endpoint_id == other_ep)
        .map(|job| job.message_id.as_str())
        .collect();
    to_other.sort();
    assert_eq!(
        to_other,
        to_both[..7].iter().map(String::as_str).collect::<Vec<_>>(),
        "the other endpoint's deliveries go oldest first"
    );

    // Claims that skip the busy endpoint take the rest of the other endpoint's, each
    // once; then, the endpoint no longer busy, its backlog is all still there.
    let mut seen: std::collections::HashSet<String> =
        claimed.iter().map(|job| job.id.clone()).collect();
    for (busy, expected) in [(&busy[..], 11), (&[][..], 51)] {
        loop {
            let more = app
                .store
                .claim_deliveries("worker_b", lease, 8, busy, true)
                .await
                .unwrap();
            if more.is_empty() {
                break;
            }
            for job in more {
                assert!(busy.is_empty() || job.endpoint_id != busy_ep);
                assert!(seen.insert(job.id), "claimed twice");
            }
        }
        assert_eq!(seen.len(), expected);
    }
}

#[tokio::test]
async fn a_busy_endpoint_is_passed_over_sqlite() {
    busy_endpoint_passed_over(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_busy_endpoint_is_passed_over_postgres() {
    busy_endpoint_passed_over(Backend::Postgres).await;
}
