//! Waking the claim loop, with what woke it: the endpoints that got new queued
//! deliveries, or "anything" when the waker cannot say.
//!
//! Why it matters: an endpoint at its cap whose in-memory queue is full is left out of
//! every claim, so a message queued only for such an endpoint (a hanging endpoint
//! behind a tenant's flood) gives a claim nothing to find. Woken blindly, the loop ran
//! one such claim per accepted batch — a third of the database's statements beside a
//! flood to a hanging endpoint (BENCHMARKS.md, noisy neighbour). With the endpoints
//! known, it claims only when one of them could take work. **Purely an accelerator,
//! as before**: the poll still claims whatever a skipped wake-up left.

use std::{collections::HashSet, sync::Mutex};

use tokio::sync::Notify;

/// Endpoints to name at most in one wake-up; past that it says "anything".
const MAX_NAMED: usize = 200;

#[derive(Default)]
pub struct Wake {
    notify: Notify,
    since_last: Mutex<Hint>,
}

#[derive(Debug, Default, PartialEq)]
enum Hint {
    #[default]
    Nothing,
    Endpoints(HashSet<String>),
    Anything,
}

impl Wake {
    /// Something may be claimable (a recovery, a re-enabled endpoint, a lost count).
    pub fn anything(&self) {
        *self.hint() = Hint::Anything;
        self.notify.notify_one();
    }

    /// Deliveries were queued for these endpoints.
    pub fn endpoints<'a>(&self, endpoints: impl IntoIterator<Item = &'a str>) {
        {
            let mut hint = self.hint();
            if *hint == Hint::Nothing {
                *hint = Hint::Endpoints(HashSet::new());
            }
            if let Hint::Endpoints(named) = &mut *hint {
                named.extend(endpoints.into_iter().map(str::to_string));
                if named.len() > MAX_NAMED {
                    *hint = Hint::Anything;
                }
            }
        }
        self.notify.notify_one();
    }

    /// A wake-up from `NOTIFY`: its payload names endpoints separated by commas, or
    /// is empty for "anything".
    pub fn from_payload(&self, payload: &str) {
        if payload.is_empty() {
            self.anything();
        } else {
            self.endpoints(payload.split(','));
        }
    }

    /// Waits for the next wake-up.
    pub async fn notified(&self) {
        self.notify.notified().await;
    }

    /// Whether what woke the loop since the last call could give a claim something:
    /// an endpoint outside `full` (the endpoints a claim leaves out), or unknown.
    pub fn worth_a_claim(&self, full: &[String]) -> bool {
        match std::mem::take(&mut *self.hint()) {
            Hint::Nothing => false,
            Hint::Anything => true,
            Hint::Endpoints(named) => named.iter().any(|e| !full.contains(e)),
        }
    }

    fn hint(&self) -> std::sync::MutexGuard<'_, Hint> {
        self.since_last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `NOTIFY` payload naming `endpoints`: empty ("anything") when they would not
/// fit PostgreSQL's payload limit comfortably.
pub fn payload<'a>(endpoints: impl IntoIterator<Item = &'a str>) -> String {
    let mut named: Vec<&str> = endpoints.into_iter().collect();
    named.sort_unstable();
    named.dedup();
    if named.len() > MAX_NAMED {
        return String::new();
    }
    named.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_wake_for_full_endpoints_only_is_not_worth_a_claim() {
        let wake = Wake::default();
        wake.endpoints(["ep_hang"]);
        wake.endpoints(["ep_hang"]);
        assert!(!wake.worth_a_claim(&full(&["ep_hang"])));
    }

    #[test]
    fn one_endpoint_with_room_is_worth_a_claim_and_the_hint_is_consumed() {
        let wake = Wake::default();
        wake.endpoints(["ep_hang"]);
        wake.endpoints(["ep_other"]);
        assert!(wake.worth_a_claim(&full(&["ep_hang"])));
        assert!(!wake.worth_a_claim(&[]), "nothing new since");
    }

    #[test]
    fn an_unnamed_wake_is_always_worth_a_claim() {
        let wake = Wake::default();
        wake.endpoints(["ep_hang"]);
        wake.from_payload("");
        wake.endpoints(["ep_hang"]);
        assert!(wake.worth_a_claim(&full(&["ep_hang"])));
    }

    #[test]
    fn payloads_round_trip_and_too_many_endpoints_say_anything() {
        let wake = Wake::default();
        wake.from_payload(&payload(["ep_b", "ep_a", "ep_b"]));
        assert_eq!(
            *wake.hint(),
            Hint::Endpoints(["ep_a", "ep_b"].map(String::from).into())
        );
        let many: Vec<String> = (0..=MAX_NAMED).map(|n| format!("ep_{n}")).collect();
        assert_eq!(payload(many.iter().map(String::as_str)), "");
    }
}
