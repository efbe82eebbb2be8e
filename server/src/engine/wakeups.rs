//! Cross-process wake-ups on PostgreSQL: every transaction that queues deliveries
//! sends `NOTIFY hookrelay_deliveries` (delivered when it commits), and each worker
//! process LISTENs and wakes its claim loop, so a message accepted by one process is
//! picked up by another within milliseconds rather than at the next poll. Purely an
//! accelerator: the poll still finds everything if a notification is lost.

use std::{sync::Arc, time::Duration};

use super::wake::Wake;
use sea_orm::sqlx::postgres::PgListener;

pub const CHANNEL: &str = "hookrelay_deliveries";

/// Listens forever, reconnecting after errors.
pub fn spawn_listener(database_url: String, wake: Arc<Wake>) {
    tokio::spawn(async move {
        loop {
            match listen(&database_url, &wake).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "LISTEN for deliveries failed; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(database_url: &str, wake: &Wake) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        wake.from_payload(notification.payload());
    }
}
