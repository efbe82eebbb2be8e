//! The engine keeps its connections to a receiving host open and reuses them: a
//! receiver with many endpoints gets a few long-lived connections, not a TCP (and,
//! with HTTPS, a TLS) handshake per delivery.

use std::{collections::HashSet, time::Duration};

use serde_json::json;

use crate::{
    delivery_support::{send, setup},
    engine_test,
    helpers::{TestApp, expect_status},
    receiver::{Reply, TestReceiver},
};

/// More endpoints than reqwest's default of idle connections kept per host (16),
/// so a burst to all of them used to close the extra connections afterwards.
const ENDPOINTS: usize = 24;
const BURSTS: usize = 3;

engine_test!(
    bursts_to_one_host_reuse_its_connections,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        // Slow replies keep all of a burst's attempts in flight at once.
        receiver.always(Reply {
            delay: Duration::from_millis(300),
            ..Reply::status(204)
        });
        let (key, app_id, _) = setup(&app, "reuse@example.com", &receiver.url).await;
        for i in 1..ENDPOINTS {
            expect_status(
                app.post_json(
                    &format!("/api/v1/app/{app_id}/endpoint"),
                    Some(&key),
                    &json!({"url": format!("{}/ep{i}", receiver.url)}),
                )
                .await,
                reqwest::StatusCode::CREATED,
            )
            .await;
        }
        for burst in 1..=BURSTS {
            send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
            receiver.wait_for(burst * ENDPOINTS).await;
            // Let the burst's replies come back and their connections go idle.
            tokio::time::sleep(Duration::from_millis(700)).await;
        }

        let got = receiver.received();
        assert_eq!(got.len(), BURSTS * ENDPOINTS);
        let connections: HashSet<_> = got.iter().map(|r| r.peer.unwrap()).collect();
        assert!(
            connections.len() <= ENDPOINTS,
            "{} deliveries in {BURSTS} bursts of {ENDPOINTS} opened {} connections; \
             at most one per attempt in flight ({ENDPOINTS}) was expected",
            got.len(),
            connections.len()
        );
    }
);
