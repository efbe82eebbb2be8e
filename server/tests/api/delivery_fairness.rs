//! Fair claiming: a tenant that floods the queue cannot push another tenant's
//! message behind its backlog, and a lone busy tenant still gets whole claims.

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
