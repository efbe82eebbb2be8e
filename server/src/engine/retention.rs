//! The retention sweeper: runs beside the workers, purging in small batches with a
//! pause between them, so the database keeps serving claims and attempts meanwhile.

use std::time::Duration;

use chrono::Utc;

use crate::store::{Purged, Store, StoreError, Watermark};

/// Rows per table per batch.
const BATCH: u64 = 500;
/// Pause between two full batches (there is more to purge).
const BETWEEN_BATCHES: Duration = Duration::from_millis(100);
/// Pause once everything due is purged.
const IDLE: Duration = Duration::from_secs(60);

/// One batch with the cutoff `retention` before now: the sweeper's step, also what
/// tests call to purge without waiting for the clock.
pub async fn purge_once(
    store: &Store,
    retention: Duration,
    mark: &mut Watermark,
) -> Result<Purged, StoreError> {
    let cutoff = Utc::now()
        - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(36_500));
    store.purge_batch(cutoff, BATCH, mark).await
}

/// Sweeps until the process ends.
pub fn spawn(store: Store, retention: Duration) {
    tokio::spawn(async move {
        let mut mark = Watermark::default();
        loop {
            let pause = match purge_once(&store, retention, &mut mark).await {
                Ok(purged) if purged.is_empty() => IDLE,
                Ok(purged) => {
                    tracing::info!(?purged, "retention purged old data");
                    BETWEEN_BATCHES
                }
                Err(e) => {
                    tracing::warn!(error = %e, "retention sweep failed; trying again later");
                    IDLE
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}
