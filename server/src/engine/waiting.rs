//! Deliveries this worker claimed whose endpoint was at its concurrency cap: they wait
//! here (leased to us) and the task that finishes a delivery to that endpoint takes
//! the next one with the slot it already holds — no round trip to the queue, no idle
//! wait for the next claim. One claim can so fill a single endpoint's pipeline.
//!
//! A delivery that waited longer than [`START_WITHIN`] is handed back instead: its
//! lease (attempt timeout + margin) might otherwise run out during the attempt.
//!
//! Enter-or-wait and take-or-leave happen under this map's lock, so a delivery never
//! waits for an endpoint that has no task left to take it.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use super::isolation::{EndpointSlot, Isolation};
use super::pace::{PACE_FORGOTTEN, Pace};
use crate::store::ClaimedDelivery;

/// An endpoint at its cap is claimed for again once fewer than its line's depth
/// wait, and a hand-off lines up new deliveries behind it until the line is that
/// deep. The depth is at least this, and for a fast endpoint what it finishes in
/// `pace::LINE_LASTS` (up to `pace::MAX_DEPTH`): the line must outlast the next
/// claim, made one at a time (~20–40 ms for a few hundred rows draining a backlog), or
/// the endpoint waits for it — a third of a one-endpoint drain was idle at a fixed
/// 128, and following the pace drained 10 % faster (BENCHMARKS.md, "The drain: the
/// line's depth, not the cap"). A slow or hanging endpoint keeps this floor: what its
/// line holds in memory, and hands back every [`START_WITHIN`], stays small.
pub(super) const REFILL_BELOW: usize = 128;

/// How long after its claim a waiting delivery may still start.
pub const START_WITHIN: Duration = Duration::from_secs(5);

type Queues = HashMap<String, VecDeque<(Instant, ClaimedDelivery)>>;

/// The lines, and the pace of the endpoints that finished deliveries lately.
#[derive(Default)]
struct Lines {
    queues: Queues,
    paces: HashMap<String, Pace>,
    /// When `paces` was last rid of forgotten endpoints.
    swept: Option<Instant>,
}

impl Lines {
    fn depth(&self, endpoint_id: &str) -> usize {
        self.paces
            .get(endpoint_id)
            .map_or(REFILL_BELOW, |pace| pace.depth)
    }
}

#[derive(Clone, Default)]
pub struct Waiting {
    lines: Arc<Mutex<Lines>>,
}

/// What to do with a claimed delivery.
// Returned once per claimed delivery and matched at once: boxing would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
pub enum Admit {
    /// Run it now, holding the endpoint's slot.
    Run(ClaimedDelivery, EndpointSlot),
    /// It waits for one of the endpoint's running deliveries to finish.
    Queued,
}

/// What a task that finished a delivery does next.
pub struct Next {
    /// The next waiting delivery to the same endpoint (the task keeps its slot).
    pub job: Option<ClaimedDelivery>,
    /// Deliveries that waited too long: to be handed back to the queue.
    pub stale: Vec<ClaimedDelivery>,
    /// The line went below its depth: the claim may fill it again (one wake-up per
    /// refill, not one per delivery).
    pub refill: bool,
}

impl Waiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn admit(&self, isolation: &Isolation, job: ClaimedDelivery) -> Admit {
        let mut lines = self.lock();
        match isolation.enter(&job.endpoint_id) {
            Some(slot) => Admit::Run(job, slot),
            None => {
                lines
                    .queues
                    .entry(job.endpoint_id.clone())
                    .or_default()
                    .push_back((Instant::now(), job));
                Admit::Queued
            }
        }
    }

    /// For a hand-off that found no global slot free: `job` joins its endpoint's line
    /// while a delivery to that endpoint is running (whose task takes the line before
    /// it gives its slot back, under this lock), even below the cap, instead of going
    /// through the queue and a claim. Returns it when it cannot join — nothing runs
    /// there any more, or the engine is stopping (checked under the lock the shutdown's
    /// hand-back of the lines takes, so nothing joins after it): hand it back to the
    /// queue.
    pub fn join_behind(
        &self,
        isolation: &Isolation,
        stopping: &AtomicBool,
        job: ClaimedDelivery,
    ) -> Option<ClaimedDelivery> {
        let mut lines = self.lock();
        if stopping.load(Ordering::SeqCst) || !isolation.is_running(&job.endpoint_id) {
            return Some(job);
        }
        lines
            .queues
            .entry(job.endpoint_id.clone())
            .or_default()
            .push_back((Instant::now(), job));
        None
    }

    /// Waiting deliveries whose endpoint is below its cap now, each with a slot of it,
    /// `at_most` of them (the global slots free): a line that joined behind a single
    /// running delivery ([`join_behind`](Self::join_behind)) is served by more than
    /// that one task once slots free up, as a claim would serve the same deliveries
    /// from the queue. Also returns those that waited past [`START_WITHIN`], to hand back.
    pub fn widen(
        &self,
        isolation: &Isolation,
        at_most: usize,
    ) -> (Vec<(ClaimedDelivery, EndpointSlot)>, Vec<ClaimedDelivery>) {
        let mut lines = self.lock();
        let now = Instant::now();
        if lines
            .swept
            .is_none_or(|at| now.duration_since(at) >= PACE_FORGOTTEN)
        {
            lines.swept = Some(now);
            lines
                .paces
                .retain(|_, pace| now.duration_since(pace.since) < PACE_FORGOTTEN);
        }
        let queues = &mut lines.queues;
        let (mut run, mut stale) = (Vec::new(), Vec::new());
        for (endpoint, queue) in queues.iter_mut() {
            while run.len() < at_most && !queue.is_empty() {
                let Some(slot) = isolation.enter(endpoint) else {
                    break;
                };
                while let Some((since, job)) = queue.pop_front() {
                    if since.elapsed() <= START_WITHIN {
                        run.push((job, slot));
                        break;
                    }
                    stale.push(job);
                }
                // A slot taken for a line that held only stale deliveries is dropped
                // here, and the line is empty: nothing is left waiting for it.
            }
        }
        queues.retain(|_, queue| !queue.is_empty());
        (run, stale)
    }

    /// The next delivery for `slot`'s endpoint; without one the slot is given back
    /// (under the lock, see the module comment).
    pub fn next(&self, slot: EndpointSlot) -> (Next, Option<EndpointSlot>) {
        let mut lines = self.lock();
        let endpoint = slot.endpoint_id().to_string();
        let now = Instant::now();
        match lines.paces.get_mut(&endpoint) {
            Some(pace) => pace.finished(now),
            None => {
                let mut pace = Pace::new(now);
                pace.finished(now);
                lines.paces.insert(endpoint.clone(), pace);
            }
        }
        let depth = lines.depth(&endpoint);
        let queues = &mut lines.queues;
        let mut stale = Vec::new();
        let mut job = None;
        let mut refill = false;
        if let Some(queue) = queues.get_mut(&endpoint) {
            let before = queue.len();
            while let Some((since, waiting)) = queue.pop_front() {
                if since.elapsed() <= START_WITHIN {
                    job = Some(waiting);
                    break;
                }
                stale.push(waiting);
            }
            refill = before >= depth && queue.len() < depth;
            if queue.is_empty() {
                queues.remove(&endpoint);
            }
        }
        let slot = match job {
            Some(_) => Some(slot),
            None => {
                drop(slot);
                None
            }
        };
        (Next { job, stale, refill }, slot)
    }

    /// Whether a delivery to `endpoint_id` may join its line: fewer than its depth
    /// wait, what a claim fills it to. The hand-off at accept asks, so an endpoint at
    /// its cap takes new deliveries straight into its line rather than through the
    /// queue and a claim — the same line, as deep.
    pub fn has_room(&self, endpoint_id: &str) -> bool {
        let lines = self.lock();
        let depth = lines.depth(endpoint_id);
        lines
            .queues
            .get(endpoint_id)
            .is_none_or(|q| q.len() < depth)
    }

    /// Endpoints the next claim leaves alone: at their cap with their line's depth
    /// already waiting. One with fewer waiting is claimed for again before its queue
    /// runs dry, so its pipeline stays full.
    pub fn full_endpoints(&self, isolation: &Isolation) -> Vec<String> {
        let lines = self.lock();
        isolation
            .busy_endpoints()
            .into_iter()
            .filter(|e| {
                lines
                    .queues
                    .get(e)
                    .is_some_and(|q| q.len() >= lines.depth(e))
            })
            .collect()
    }

    /// Everything still waiting (a stopping worker hands it back).
    pub fn drain(&self) -> Vec<ClaimedDelivery> {
        self.lock()
            .queues
            .drain()
            .flat_map(|(_, q)| q.into_iter().map(|(_, job)| job))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::TenantId, engine::isolation::PER_ENDPOINT_CONCURRENCY};

    fn job(n: usize) -> ClaimedDelivery {
        ClaimedDelivery {
            id: format!("dlv_{n}"),
            tenant_id: TenantId::generate(),
            app_id: "app_a".to_string(),
            message_id: format!("msg_{n}"),
            endpoint_id: "ep_a".to_string(),
            attempt_count: 0,
            trigger: 0,
            lease: "lease".to_string(),
            context: None,
        }
    }

    /// Takes every slot of `ep_a`, then lines up `count` deliveries behind them.
    fn line_up(isolation: &Isolation, waiting: &Waiting, count: usize) -> Vec<EndpointSlot> {
        let slots = (0..PER_ENDPOINT_CONCURRENCY)
            .map(|_| isolation.enter("ep_a").expect("below the cap"))
            .collect();
        for n in 0..count {
            assert!(matches!(waiting.admit(isolation, job(n)), Admit::Queued));
        }
        slots
    }

    #[test]
    fn a_line_behind_one_delivery_is_widened_when_slots_free() {
        let (isolation, waiting) = (Isolation::default(), Waiting::default());
        let stopping = AtomicBool::new(false);
        assert!(
            waiting.join_behind(&isolation, &stopping, job(0)).is_some(),
            "nothing runs there: back to the queue"
        );
        let running = isolation.enter("ep_a").expect("a slot");
        for n in 1..=4 {
            assert!(waiting.join_behind(&isolation, &stopping, job(n)).is_none());
        }
        let (run, stale) = waiting.widen(&isolation, 3);
        let ids: Vec<String> = run.iter().map(|(j, _)| j.id.clone()).collect();
        assert_eq!(
            ids,
            ["dlv_1", "dlv_2", "dlv_3"],
            "in line order, 3 slots free"
        );
        assert!(stale.is_empty());
        let (next, _) = waiting.next(running);
        assert_eq!(next.job.map(|j| j.id), Some("dlv_4".to_string()));
        stopping.store(true, Ordering::SeqCst);
        assert!(
            waiting.join_behind(&isolation, &stopping, job(5)).is_some(),
            "stopping: back to the queue"
        );
    }

    #[test]
    fn a_line_that_drains_fast_takes_more_deliveries() {
        let (isolation, waiting) = (Isolation::default(), Waiting::default());
        let mut slots = line_up(&isolation, &waiting, 2200);
        let mut slot = slots.pop().expect("a slot");
        for _ in 0..2000 {
            slot = waiting.next(slot).1.expect("the line is not empty");
        }
        assert!(!waiting.has_room("ep_a"), "200 wait: past the floor");
        // The pace window closes: ~2,000 finished in it, far more than 128 a line.
        std::thread::sleep(crate::engine::pace::PACE_WINDOW);
        let _ = waiting.next(slot);
        assert!(
            waiting.has_room("ep_a"),
            "199 wait, below the depth a fast endpoint's line gets"
        );
        assert!(
            waiting.full_endpoints(&isolation).is_empty(),
            "and the claim fills it again"
        );
    }

    #[test]
    fn a_full_line_asks_for_a_refill_once_when_it_shortens() {
        let (isolation, waiting) = (Isolation::default(), Waiting::default());
        let mut slots = line_up(&isolation, &waiting, REFILL_BELOW + 1);
        assert!(!waiting.has_room("ep_a"), "a line of 129 is full");
        assert!(
            waiting.has_room("ep_b"),
            "other endpoints' lines are their own"
        );

        let (next, slot) = waiting.next(slots.pop().expect("a slot"));
        assert_eq!(next.job.map(|j| j.id), Some("dlv_0".to_string()));
        assert!(
            !next.refill,
            "129 -> 128: still as deep as a claim fills it"
        );
        let (next, slot) = waiting.next(slot.expect("kept for the next one"));
        assert!(next.refill, "128 -> 127: the claim may fill it again");
        assert!(waiting.has_room("ep_a"));
        let (next, _) = waiting.next(slot.expect("kept for the next one"));
        assert!(!next.refill, "one wake-up per refill, not one per delivery");
    }
}
