//! The hand-off's endpoint contexts (the endpoint row, its tenant's header setting,
//! its signing secrets, opened once the first attempt used them), kept in this process
//! between accepts, so a fan-out does not read its 100 endpoints back from the
//! database for every message.
//!
//! **Opened secrets do not outlive their use by more than two [`KEEP_FOR`]s.** An
//! entry is served for [`KEEP_FOR`] after its read; a sweeper (started with the first
//! entry, ended with the cache) drops every entry older than that each [`SWEEP_EVERY`],
//! and a lookup drops the stale entry it finds, so an endpoint that stops receiving
//! messages, or whose secret was rotated or deleted, has its secrets in memory for
//! ten seconds at most.
//!
//! **Never staler than the fan-out view.** An entry is stamped with the number of the
//! fan-out view it was read under (`messages.rs::FanoutView::read`) and is served only
//! to a hand-off whose accept got that same view from the cache. Every write that
//! changes what an attempt reads — the endpoint (`endpoints.rs`, auto-disable in
//! `record.rs`), its headers, its secrets (`endpoint_secrets.rs`), its tenant's
//! `svixHeaders` (`tenant_settings.rs`) — invalidates the application's fan-out view
//! after it commits (across processes with Redis), and the next read of the view
//! draws a new number: the contexts under the old one are never served again. While
//! Redis is unreachable every accept reads the view from the database, with a new
//! number each time, so the contexts are read from the database too.
//!
//! A rotated secret's grace period ends by the clock, not by a write: an entry holding
//! a secret that has expired since is not served (it is read again, without it). And
//! an entry is served for [`KEEP_FOR`] at most: the endpoint row also carries its
//! health (`failing_since`, which the outcome policy reads to disable an endpoint
//! failing for too long), written by every attempt's recording without invalidating
//! the view, so a context is at most as old as a claimed delivery's may be
//! (`engine::waiting::START_WITHIN`).
//! Claimed deliveries (retries, the backlog) read their context from the database
//! (`context.rs`); only the hand-off, which has the view's number, uses this.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{DateTime, Utc};

use super::context::{EndpointContext, Key};

/// Beyond this many endpoints the map is cleared rather than grown (each entry is an
/// endpoint row and its secrets: about a kilobyte).
const MAX_ENTRIES: usize = 10_000;
/// How long a kept context is served: a busy endpoint is read once per this, not once
/// per accept.
const KEEP_FOR: chrono::Duration = chrono::Duration::seconds(5);
/// How often the sweeper drops entries no longer served (a lookup drops the one it
/// finds stale as well).
#[cfg(not(test))]
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
#[cfg(test)]
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// An endpoint's context, the number of the fan-out view it was read under, and when.
type Kept = (u64, DateTime<Utc>, Arc<EndpointContext>);

/// Cheap to clone: one map shared by the process's context reader.
#[derive(Clone, Default)]
pub(super) struct ContextCache {
    entries: Arc<Mutex<HashMap<Key, Kept>>>,
    /// Whether the sweeper runs (started by the first `put` on a runtime).
    sweeping: Arc<AtomicBool>,
}

impl ContextCache {
    /// The context of `key` read under fan-out view `view`, if kept and none of its
    /// secrets has expired since.
    pub(super) fn get(
        &self,
        key: &Key,
        view: u64,
        now: DateTime<Utc>,
    ) -> Option<Arc<EndpointContext>> {
        let mut entries = self.entries.lock().expect("context cache lock");
        let (stamp, read_at, context) = entries.get(key)?;
        if !fresh(*read_at, context, now) {
            // Never served again (the next read replaces it): drop it, secrets and all.
            entries.remove(key);
            return None;
        }
        (*stamp == view).then(|| context.clone())
    }

    /// Keeps `context`, read from the database at `now`, after the accept got fan-out
    /// view `view`.
    pub(super) fn put(
        &self,
        key: Key,
        view: u64,
        now: DateTime<Utc>,
        context: Arc<EndpointContext>,
    ) {
        let mut entries = self.entries.lock().expect("context cache lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (view, now, context));
        drop(entries);
        if !self.sweeping.swap(true, Ordering::Relaxed) {
            self.start_sweeper();
        }
    }

    /// Drops every entry no longer served at `now`.
    fn sweep(entries: &Mutex<HashMap<Key, Kept>>, now: DateTime<Utc>) {
        let mut entries = entries.lock().expect("context cache lock");
        entries.retain(|_, (_, read_at, context)| fresh(*read_at, context, now));
    }

    /// Sweeps each [`SWEEP_EVERY`] until the cache is dropped; nothing without a runtime
    /// (the entries are then dropped by lookups and replacements only).
    fn start_sweeper(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let entries = Arc::downgrade(&self.entries);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_EVERY).await;
                let Some(entries) = entries.upgrade() else {
                    break;
                };
                Self::sweep(&entries, Utc::now());
            }
        });
    }
}

/// Whether an entry read at `read_at` may still be served at `now`: within
/// [`KEEP_FOR`], and none of its secrets expired since.
fn fresh(read_at: DateTime<Utc>, context: &EndpointContext, now: DateTime<Utc>) -> bool {
    now - read_at <= KEEP_FOR
        && context
            .secrets
            .sealed
            .iter()
            .all(|s| s.expires_at.is_none_or(|at| at > now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::{endpoint, endpoint_secret};
    use crate::store::SigningSecrets;

    fn context(secret_expires: Option<DateTime<Utc>>) -> Arc<EndpointContext> {
        let now = Utc::now();
        let endpoint = endpoint::Model::fixture("{}");
        let secret = endpoint_secret::Model {
            id: "sec_1".into(),
            tenant_id: "t".into(),
            endpoint_id: "ep_1".into(),
            ciphertext: String::new(),
            created_at: now,
            expires_at: secret_expires,
        };
        Arc::new(EndpointContext {
            url: Arc::new(crate::store::context::parse_url(&endpoint.url)),
            endpoint: Arc::new(endpoint),
            svix_headers: false,
            secrets: Arc::new(SigningSecrets::new(vec![secret])),
        })
    }

    fn key() -> Key {
        ("t".into(), "ep_1".into())
    }

    #[test]
    fn a_context_is_served_only_under_the_view_it_was_read_under() {
        let cache = ContextCache::default();
        let now = Utc::now();
        cache.put(key(), 7, now, context(None));
        assert!(cache.get(&key(), 7, now).is_some());
        assert!(
            cache.get(&key(), 8, now).is_none(),
            "a new view: something was written since"
        );
        cache.put(key(), 8, now, context(None));
        assert!(
            cache.get(&key(), 7, now).is_none(),
            "replaced, not kept twice"
        );
    }

    #[test]
    fn a_context_is_served_for_a_few_seconds_at_most() {
        let cache = ContextCache::default();
        let now = Utc::now();
        cache.put(key(), 7, now, context(None));
        assert!(cache.get(&key(), 7, now + KEEP_FOR).is_some());
        let later = now + KEEP_FOR + chrono::Duration::milliseconds(1);
        assert!(cache.get(&key(), 7, later).is_none());
    }

    #[test]
    fn stale_entries_are_dropped_by_a_lookup_and_by_the_sweep() {
        let cache = ContextCache::default();
        let now = Utc::now();
        let later = now + KEEP_FOR + chrono::Duration::milliseconds(1);
        cache.put(key(), 7, now, context(None));
        assert!(cache.get(&key(), 7, later).is_none());
        assert!(
            cache.entries.lock().unwrap().is_empty(),
            "dropped by the lookup"
        );

        let other: Key = ("t".into(), "ep_2".into());
        cache.put(key(), 7, now, context(None));
        cache.put(other.clone(), 7, later, context(None));
        ContextCache::sweep(&cache.entries, later);
        let entries = cache.entries.lock().unwrap();
        assert!(!entries.contains_key(&key()), "older than it is served for");
        assert!(entries.contains_key(&other), "still served");
    }

    #[tokio::test]
    async fn the_sweeper_drops_entries_no_lookup_asks_for() {
        let cache = ContextCache::default();
        cache.put(key(), 7, Utc::now() - KEEP_FOR * 2, context(None));
        for _ in 0..100 {
            if cache.entries.lock().unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
        panic!("the sweeper left a stale entry");
    }

    #[test]
    fn a_context_whose_secret_has_expired_is_read_again() {
        let cache = ContextCache::default();
        let now = Utc::now();
        let expires = now + chrono::Duration::seconds(2);
        cache.put(key(), 1, now, context(Some(expires)));
        assert!(cache.get(&key(), 1, now).is_some());
        assert!(
            cache
                .get(&key(), 1, now + chrono::Duration::seconds(3))
                .is_none()
        );
    }
}
