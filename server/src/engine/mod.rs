//! The delivery engine: workers that claim due deliveries from the database queue,
//! sign and send them, and record each attempt with the delivery's next state.
//!
//! **The database is the queue; nothing is held only in memory.** A worker that dies
//! loses its claims and leases (`store/hold.rs`), which expire and are claimed again. New messages wake workers at
//! once (in-process `Notify`); a one-second poll is the backstop.

mod attempt;
mod hand_off;
mod handle;
mod isolation;
mod outcome;
mod pace;
mod request;
pub mod retention;
mod schedule;
mod sender;
pub mod signature;
mod ssrf;
mod waiting;
pub mod wake;
pub mod wakeups;

use std::{sync::Arc, time::Duration};

use tokio::sync::{Notify, Semaphore};

use crate::{
    config::Settings,
    crypto::MainKey,
    metrics::Metrics,
    store::{AttemptRecord, ClaimedDelivery, Store},
};
pub use hand_off::{HandOff, Reservation};
pub use handle::EngineHandle;
pub use sender::{MAX_RESPONSE_BODY, SendOutcome, Sender, install_tls_provider};

/// Requests in flight at once in one process (`HOOKRELAY_MAX_IN_FLIGHT`'s default):
/// enough that sixty-four hanging endpoints (each at its cap) still leave room for
/// everyone else, and that a
/// fan-out's new deliveries find a slot at their accept. With 256, a message to 100
/// endpoints found every slot taken for most of its deliveries, which then went
/// through the queue (a pending row, a claim, a lease `UPDATE` and a context read
/// each): 60 % of the fan-out benchmark's deliveries. 1,024 took fan-out +39 %
/// (BENCHMARKS.md). A request in flight holds little of its own (the payload is
/// shared by a message's deliveries, the connection is pooled).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// Attempts sent and waiting to be recorded, at most, in one process. Their global
/// slots are back as soon as the response is in: held through the recording, they
/// ran out whenever the recorder fell behind for a moment, and the accepts of that
/// moment went through the queue (a claim, a lease `UPDATE` and a context read each)
/// instead of being handed off — the costlier path, taken when the database is
/// busiest. A recording holds no payload (the context is dropped first), so a
/// thousand cost little memory; past them an attempt keeps its global slot until
/// one is free, which throttles the sending to the recorder's pace.
const RECORDING_CONCURRENCY: usize = 1024;
pub use crate::store::FAILING_THRESHOLD;
/// A claim or lease outlives the attempt's timeout by this much (time to record it).
/// A crashed worker's deliveries are retried once it runs out.
const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// How often an idle worker looks for due retries without being woken.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often a claim also takes deliveries whose lease expired (a worker died or
/// stalled): a delay of this much on top of the lease, against a costly pass in every
/// claim.
const RESCUE_INTERVAL: Duration = Duration::from_secs(1);

/// The engine, shared: every request in flight, recording and hand-off holds one, so a
/// clone is one reference count (cloning each field was ~20 of them per attempt).
#[derive(Clone)]
pub struct Engine(Arc<EngineParts>);

impl std::ops::Deref for Engine {
    type Target = EngineParts;

    fn deref(&self) -> &EngineParts {
        &self.0
    }
}

pub struct EngineParts {
    store: Store,
    settings: Arc<Settings>,
    main_key: MainKey,
    sender: Sender,
    /// New messages were accepted (by this process, or another: `wakeups`).
    wake: Arc<wake::Wake>,
    /// A global slot or an endpoint's slot was given back, or an endpoint's line
    /// shortened (a claim may refill it before it runs dry).
    room: Arc<Notify>,
    worker_id: Arc<str>,
    slots: Arc<Semaphore>,
    /// Attempts sent whose recording has not finished ([`RECORDING_CONCURRENCY`]).
    recording: Arc<Semaphore>,
    isolation: isolation::Isolation,
    waiting: waiting::Waiting,
    stopping: Arc<std::sync::atomic::AtomicBool>,
    metrics: Arc<Metrics>,
}

impl Engine {
    pub fn new(
        store: Store,
        settings: Arc<Settings>,
        main_key: MainKey,
        wake: Arc<wake::Wake>,
        metrics: Arc<Metrics>,
    ) -> Self {
        install_tls_provider();
        if settings.database_kind == crate::config::DatabaseKind::Postgres {
            use secrecy::ExposeSecret;
            wakeups::spawn_listener(
                settings.database_url.expose_secret().to_string(),
                wake.clone(),
            );
        }
        let max_in_flight = settings.max_in_flight;
        let sender = Sender::new(
            settings.attempt_timeout,
            settings.allow_private_cidrs.clone(),
            max_in_flight,
        );
        Self(Arc::new(EngineParts {
            store,
            settings,
            main_key,
            sender,
            wake,
            room: Arc::new(Notify::new()),
            worker_id: format!("worker_{}", ulid::Ulid::generate()).into(),
            slots: Arc::new(Semaphore::new(max_in_flight)),
            recording: Arc::new(Semaphore::new(RECORDING_CONCURRENCY)),
            isolation: isolation::Isolation::default(),
            waiting: waiting::Waiting::default(),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            metrics,
        }))
    }

    /// Starts the claim loop on the runtime; the handle stops it.
    pub fn spawn(self) -> EngineHandle {
        retention::spawn(self.store.clone(), self.settings.retention);
        EngineHandle::new(self.clone(), tokio::spawn(self.clone().run()))
    }

    /// Claims and delivers until asked to stop.
    ///
    /// A claim is made only when it can find something: after one that came back
    /// short (nothing more was due for the endpoints with room), the loop waits for
    /// new messages (`wake`), for an endpoint to take work again, or for the poll —
    /// not for every attempt that finishes, which would be a claim per attempt that
    /// finds nothing.
    async fn run(self) {
        tracing::info!(worker = %self.worker_id, "delivery engine started");
        // The endpoints skipped by the last claim, when it came back short.
        let mut short: Option<Vec<String>> = None;
        // When this loop last looked for expired leases (see `Store::claim_deliveries`).
        let mut rescued_at: Option<std::time::Instant> = None;
        while !self.is_stopping() {
            // Lines that joined behind one running delivery while every global slot
            // was taken (`hand_off.rs`) get more of their endpoint's slots first.
            let (run, stale) = self
                .waiting
                .widen(&self.isolation, self.slots.available_permits());
            self.release(stale).await;
            for (job, endpoint_slot) in run {
                let permit = self.slot().await;
                tokio::spawn(self.clone().serve(job, endpoint_slot, permit));
            }
            let free = self.slots.available_permits();
            let full = self.waiting.full_endpoints(&self.isolation);
            let worth_claiming = free > 0
                && short
                    .as_ref()
                    .is_none_or(|skipped| skipped.iter().any(|e| !full.contains(e)));
            if !worth_claiming {
                tokio::select! {
                    // Not for endpoints a claim leaves out: it would come back as
                    // short as the last one, only leaving out today's `full`, which
                    // is what `short` then remembers (so room on one of them claims).
                    _ = self.wake.notified() => if self.wake.worth_a_claim(&full) {
                        short = None;
                    } else if let Some(skipped) = short.as_mut() {
                        skipped.clone_from(&full);
                    },
                    _ = self.room.notified() => {}
                    _ = tokio::time::sleep(POLL_INTERVAL) => short = None,
                }
                continue;
            }
            let rescue = rescued_at.is_none_or(|at| at.elapsed() >= RESCUE_INTERVAL);
            if rescue {
                rescued_at = Some(std::time::Instant::now());
            }
            self.metrics
                .claims
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let claimed = match self
                .store
                .claim_deliveries(
                    &self.worker_id,
                    self.lease_length(),
                    free as u64,
                    &full,
                    rescue,
                )
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming deliveries failed");
                    Vec::new()
                }
            };
            short = (claimed.len() < free).then_some(full);
            self.metrics
                .started_from_queue
                .fetch_add(claimed.len() as u64, std::sync::atomic::Ordering::Relaxed);
            for job in claimed {
                // Over the endpoint's cap, it waits for one of the endpoint's running
                // deliveries to finish (`waiting`).
                let waiting::Admit::Run(job, endpoint_slot) =
                    self.waiting.admit(&self.isolation, job)
                else {
                    continue;
                };
                let permit = self.slot().await;
                tokio::spawn(self.clone().serve(job, endpoint_slot, permit));
            }
        }
        // Stopping: what waits for a slot goes back to the queue for any worker.
        self.release(self.waiting.drain()).await;
    }

    /// Delivers `job`, then the endpoint's waiting deliveries one after the other with
    /// the same slot, and wakes the claim loop once the slot is free.
    ///
    /// An attempt is recorded in a task of its own, with a recording seat instead of
    /// its slots: the endpoint's slot and the global one are free for the next
    /// delivery as soon as the response is in, so waiting for the commit throttles
    /// neither a busy endpoint (the cap limits requests to the endpoint, not rows
    /// being written) nor the hand-off at accept. Requests in flight stay bounded by
    /// `HOOKRELAY_MAX_IN_FLIGHT`, attempts being recorded by [`RECORDING_CONCURRENCY`].
    async fn serve(
        self,
        mut job: ClaimedDelivery,
        mut slot: isolation::EndpointSlot,
        mut permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        loop {
            match self.attempt(&job).await {
                Ok(Some(record)) => {
                    let seat = self.recording_seat().await;
                    drop(permit);
                    // Recording reads the lease, not what was sent: the payload goes now.
                    job.context = None;
                    self.record(job, record, seat);
                }
                Ok(None) => drop(permit),
                Err(e) => {
                    // The lease expires and another claim retries it.
                    tracing::warn!(delivery = %job.id, error = %e, "delivery failed to record");
                    drop(permit);
                }
            }
            if self.is_stopping() {
                break;
            }
            let (next, kept) = self.waiting.next(slot);
            if next.refill {
                // The line went below the depth a claim fills it to: the claim loop
                // left this endpoint out while it was full, and may take it again.
                self.room.notify_one();
            }
            self.release(next.stale).await;
            match (next.job, kept) {
                (Some(next), Some(kept)) => {
                    permit = self.slot().await;
                    (job, slot) = (next, kept);
                }
                _ => break,
            }
        }
        // The endpoint has a free slot and nothing waiting: it may take work again.
        self.room.notify_one();
    }

    fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How long a claim or a hand-off holds a delivery: the attempt's timeout and time
    /// to record it.
    fn lease_length(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.attempt_timeout + LEASE_MARGIN)
            .expect("lease fits")
    }

    /// A token per lease, not per worker: the same process leasing a row again after
    /// a lease ran out holds a different token.
    fn lease_token(&self) -> String {
        format!("{}.{}", self.worker_id, ulid::Ulid::generate())
    }

    /// A global slot (waits for one).
    async fn slot(&self) -> tokio::sync::OwnedSemaphorePermit {
        permit(&self.slots).await
    }

    /// A recording seat (waits for one: the recorder is [`RECORDING_CONCURRENCY`]
    /// attempts behind).
    async fn recording_seat(&self) -> tokio::sync::OwnedSemaphorePermit {
        permit(&self.recording).await
    }

    /// Writes an attempt (group commit) without waiting for it; its recording seat is
    /// free once the transaction is over.
    fn record(
        &self,
        job: ClaimedDelivery,
        record: AttemptRecord,
        seat: tokio::sync::OwnedSemaphorePermit,
    ) {
        let delivery = job.id.clone();
        self.store.record_attempt_then(job, record, move |written| {
            if let Err(e) = written {
                // The lease expires and another claim retries it.
                tracing::warn!(%delivery, error = %e, "delivery failed to record");
            }
            drop(seat);
        });
    }

    /// Hands `jobs` back to the queue, due now, and wakes the claim loop for their
    /// endpoints: nothing else would (a late hand-off, BENCHMARKS.md "cold-run stall").
    async fn release(&self, jobs: Vec<ClaimedDelivery>) {
        match self.store.release_deliveries(&jobs).await {
            Ok(()) if jobs.is_empty() => {}
            Ok(()) => self
                .wake
                .endpoints(jobs.iter().map(|j| j.endpoint_id.as_str())),
            Err(e) => {
                tracing::warn!(error = %e, count = jobs.len(), "could not hand deliveries back; their leases will expire");
            }
        }
    }
}

/// One of `semaphore`'s permits, waiting for it (the engine never closes its semaphores).
async fn permit(semaphore: &Arc<Semaphore>) -> tokio::sync::OwnedSemaphorePermit {
    semaphore
        .clone()
        .acquire_owned()
        .await
        .expect("semaphore is never closed")
}
