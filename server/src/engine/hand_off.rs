//! Hand-off at accept: a new message's deliveries start the moment its transaction
//! commits, without a round through the queue.
//!
//! When this process runs the engine and an endpoint has room (fewer requests in
//! flight than its cap, and a global slot, which is taken), `POST /msg` writes the
//! delivery already leased to this engine (`status = sending`, `lease_owner`,
//! `lease_until`) in the message's own transaction. Once that commits, the delivery is
//! handed to the engine in memory: no `NOTIFY`, no wake-up, no claim and no lease
//! `UPDATE` — the delivery row is written twice (insert, outcome) instead of three
//! times, and the accept→arrival path is the commit plus the request.
//!
//! **Nothing is held only in memory:** a handed-off delivery is a leased row like any
//! claimed one. If the process dies before or during the attempt, the lease expires and
//! any worker's claim takes it (the expired-lease pass). An endpoint at its cap is
//! handed its new deliveries all the same while its line in this process
//! (`waiting.rs`) is shorter than a claim would make it; they wait there for its
//! slot, as claimed ones do, instead of costing a pending row, a claim and a lease
//! `UPDATE` each (a quarter of the deliveries under the ingest benchmark went that
//! way). Past that depth (a hanging endpoint) it gets pending rows and the claim, so
//! it holds in memory at most its cap, its line and the hand-offs of accepts already
//! in flight when the line filled up, and the fair claim still orders everything that
//! has to wait in the database.
//!
//! **No global slot free** (`HOOKRELAY_MAX_IN_FLIGHT` requests in flight): a new
//! delivery to an endpoint that has one running in this process, and room in its
//! line, joins that line all the same (`Waiting::join_behind`): the running
//! delivery's task takes it next, with a global slot when one is free. Under a
//! 100-endpoint fan-out that is most deliveries of the later messages; through the
//! queue each cost a pending row, a claim, a lease `UPDATE` and a context read. If the
//! endpoint's deliveries all finished before the accept committed, it goes back to
//! the queue (never waits for a global slot with nobody to hand it one).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tokio::sync::OwnedSemaphorePermit;

use super::{Engine, waiting::Admit};
use crate::{entities::message, store::ClaimedDelivery};

/// This process's engine, as the accepting side sees it.
#[derive(Clone)]
pub struct HandOff {
    engine: Engine,
    /// The engine's runtime. Request handlers run on actix's worker runtimes, which
    /// stop with the HTTP server, before the engine's graceful shutdown: an attempt
    /// spawned there would be dropped mid-flight instead of finished and recorded.
    runtime: tokio::runtime::Handle,
}

/// The global slots taken for one message's deliveries, by endpoint id, and the lease
/// its rows are written with. Dropped unused (the transaction failed, the eventId was
/// taken), it gives the slots back.
///
/// Only the global slot is held through the commit: an endpoint's own slots go to
/// requests actually being sent (holding one through a commit would idle it, which
/// at a thousand messages a second to one endpoint halved what it got). A hand-off
/// whose endpoint is at its cap when it starts waits in the endpoint's line like a
/// claimed delivery (`waiting.rs`): the line is below its depth when reserved, and
/// goes past it at most by the accepts in flight.
pub struct Reservation {
    engine: Engine,
    runtime: tokio::runtime::Handle,
    token: String,
    until: DateTime<Utc>,
    /// `None`: no global slot was free; the delivery joins its endpoint's line.
    seats: HashMap<String, Option<OwnedSemaphorePermit>>,
}

impl HandOff {
    /// Call on the engine's runtime.
    pub(super) fn new(engine: Engine) -> Self {
        Self {
            engine,
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Takes a global slot for each endpoint that has room right now, a free slot or
    /// room in its line (never waits); with no global slot free, an endpoint with a
    /// delivery running and room in its line is taken without one (its line). Endpoints
    /// without are left to the queue.
    pub fn reserve<'a>(&self, endpoint_ids: impl IntoIterator<Item = &'a str>) -> Reservation {
        let engine = &self.engine;
        let mut seats = HashMap::new();
        if !engine.is_stopping() {
            for endpoint_id in endpoint_ids {
                let line_room = engine.waiting.has_room(endpoint_id);
                if !engine.isolation.has_room(endpoint_id) && !line_room {
                    continue;
                }
                let seat = match engine.slots.clone().try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) if line_room && engine.isolation.is_running(endpoint_id) => None,
                    Err(_) => continue,
                };
                seats.insert(endpoint_id.to_string(), seat);
            }
        }
        let now = Utc::now();
        Reservation {
            token: engine.lease_token(),
            until: now + engine.lease_length(),
            seats,
            engine: engine.clone(),
            runtime: self.runtime.clone(),
        }
    }
}

impl Reservation {
    /// The lease to write a delivery to `endpoint_id` with, when it has a slot.
    pub fn lease_for(&self, endpoint_id: &str) -> Option<(&str, DateTime<Utc>)> {
        self.seats
            .contains_key(endpoint_id)
            .then_some((self.token.as_str(), self.until))
    }

    /// The deliveries written with this reservation's lease have committed: start
    /// them. Reads their context (the endpoints and secrets: from memory while the
    /// fan-out view read `view` is still the cache's, `store/context_cache.rs`), then
    /// runs each with the global slot taken for it, in a task of its own; the caller
    /// does not wait.
    pub fn start(mut self, message: &message::Model, jobs: Vec<ClaimedDelivery>, view: u64) {
        let seats = std::mem::take(&mut self.seats);
        let engine = self.engine.clone();
        let message = message.clone();
        // On the engine's runtime; what this task spawns stays there.
        self.runtime.spawn(async move {
            let mut seats = seats;
            let count = jobs.len();
            let jobs = match engine.store.load_new_contexts(jobs, message, view).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    // Nothing is lost: the rows keep their lease until it runs out,
                    // then any worker claims them.
                    tracing::warn!(error = %e, count, "could not start accepted deliveries; their leases will expire");
                    drop(seats);
                    engine.room.notify_one();
                    return;
                }
            };
            engine
                .metrics
                .started_at_accept
                .fetch_add(jobs.len() as u64, std::sync::atomic::Ordering::Relaxed);
            let mut lined_up = false;
            let mut back = Vec::new();
            for job in jobs {
                let Some(seat) = seats.remove(&job.endpoint_id) else {
                    continue;
                };
                let Some(permit) = seat else {
                    // No global slot: behind the endpoint's running delivery, or back
                    // to the queue if that one is done meanwhile (or we are stopping).
                    back.extend(engine.waiting.join_behind(
                        &engine.isolation,
                        &engine.stopping,
                        job,
                    ));
                    continue;
                };
                // The endpoint is at its cap: the delivery waits in its line
                // (`waiting.rs`) and its global slot goes back.
                match engine.waiting.admit(&engine.isolation, job) {
                    Admit::Run(job, slot) => {
                        tokio::spawn(engine.clone().serve(job, slot, permit));
                    }
                    Admit::Queued => lined_up = true,
                }
            }
            if !back.is_empty() {
                engine.release(back).await;
            }
            if lined_up {
                // Slots came back unused: the claim loop may be waiting for room.
                engine.room.notify_one();
            }
        });
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.seats.is_empty() {
            // Slots came back without being used: the claim loop may be waiting for room.
            self.seats.clear();
            self.engine.room.notify_one();
        }
    }
}

impl Engine {
    /// The accepting side's handle on this engine. Call on the engine's runtime.
    pub fn hand_off(&self) -> HandOff {
        HandOff::new(self.clone())
    }
}
