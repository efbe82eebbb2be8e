//! The handle that stops a running engine: stop claiming, then wait for every
//! request in flight and every recording (at most a grace period).

use std::time::Duration;

use super::{Engine, RECORDING_CONCURRENCY};

/// Stops a running engine gracefully.
pub struct EngineHandle {
    engine: Engine,
    task: tokio::task::JoinHandle<()>,
}

impl EngineHandle {
    pub(super) fn new(engine: Engine, task: tokio::task::JoinHandle<()>) -> Self {
        Self { engine, task }
    }

    /// Stops claiming, then waits (at most `grace`) for the attempts in flight to be
    /// recorded. Whatever is still running after that keeps its lease until it expires
    /// and another worker takes it: nothing is lost, at worst sent again.
    pub async fn shutdown(self, grace: Duration) {
        let engine = &self.engine;
        engine
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        engine.wake.anything();
        let _ = self.task.await;
        // Every slot back, then every recording seat: nothing sent, nothing unrecorded.
        let settled = async {
            let _sent = engine
                .slots
                .acquire_many(engine.settings.max_in_flight as u32)
                .await;
            // A hand-off keeps its global slot until its delivery is started or in its
            // endpoint's line: with every slot back, the last ones that joined a line
            // after the claim loop handed the lines back are there. Back they go too.
            engine.release(engine.waiting.drain()).await;
            let _recorded = engine
                .recording
                .acquire_many(RECORDING_CONCURRENCY as u32)
                .await;
        };
        match tokio::time::timeout(grace, settled).await {
            Ok(()) => {
                tracing::info!("delivery engine stopped: every attempt in flight was recorded")
            }
            Err(_) => tracing::warn!(
                "delivery engine stopped with attempts still in flight; their leases will expire"
            ),
        }
    }
}
