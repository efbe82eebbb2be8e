//! One Redis round trip for a request's cache lookups instead of one per lookup.
//!
//! An API request looks up its key, then the application its path names (which needs
//! the key's tenant), then — publishing a message — the application's fan-out view
//! (which needs the application's id): three dependent lookups, three round trips.
//! But a key's tenant never changes, and an application path resolves to the same id
//! until its uid moves, so this process remembers both ([`Hints`]) and, when the key
//! comes in, asks Redis for all three entries in **one `MGET`**.
//!
//! **Coherence is unchanged:** the hints only choose which keys to fetch; every entry
//! is still checked against the epoch and generation read in the same (atomic) `MGET`,
//! exactly as a lookup of its own would be. A hint that turned out wrong (a uid moved
//! to another application) only fetched an entry nobody takes. What was fetched is
//! kept for the rest of *this request* only (a task-local, taken at most once per
//! key, dropped when the request itself invalidates the key), so it is as fresh as a
//! lookup made when the request started: any write that finished before the request
//! began is seen.

use std::{
    cell::RefCell,
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::{keys, redis::Stamp};

/// An entry as one `MGET` found it: its stored text (if any) and the stamp to judge it
/// by, or to fill it under after a miss.
pub(super) struct Fetched {
    pub text: Option<String>,
    pub stamp: Stamp,
    pub fetched_at: Instant,
}

/// A prefetched entry is served for this long after its `MGET`, then looked up
/// afresh: the lookups it saves follow the key's within a millisecond or two, while
/// a slow upload or a paced message (up to a second) would otherwise act on the
/// configuration of its first byte — and write deliveries for an endpoint deleted
/// meanwhile (skipped, never sent; on SQLite, whose foreign keys remain, failing its
/// whole batch).
const SERVED_FOR: Duration = Duration::from_millis(50);

tokio::task_local! {
    static FETCHED: RefCell<HashMap<String, Fetched>>;
}

/// Runs `request` with room for prefetched entries: what is prefetched inside is
/// served to the lookups inside, and forgotten at its end.
pub async fn scope<F: Future>(request: F) -> F::Output {
    FETCHED.scope(RefCell::new(HashMap::new()), request).await
}

/// Keeps `found` for the current request's lookups (nothing outside a [`scope`]).
pub(super) fn keep(found: impl IntoIterator<Item = (String, Fetched)>) {
    let _ = FETCHED.try_with(|map| map.borrow_mut().extend(found));
}

/// The entry prefetched for `key` in this request, once, if it is recent enough.
pub(super) fn take(key: &str) -> Option<Fetched> {
    FETCHED
        .try_with(|map| map.borrow_mut().remove(key))
        .ok()
        .flatten()
        .filter(|fetched| fetched.fetched_at.elapsed() <= SERVED_FOR)
}

/// Drops what this request prefetched for `keys`, which it has just invalidated.
pub(super) fn forget(keys: &[String]) {
    let _ = FETCHED.try_with(|map| {
        let mut map = map.borrow_mut();
        for key in keys {
            map.remove(key);
        }
    });
}

/// Beyond this many remembered associations the memory is cleared, not grown.
const MAX_HINTS: usize = 50_000;

/// What this process has learnt about keys and paths, to guess a request's cache keys
/// before its first lookup answers. Never trusted for anything but that guess.
#[derive(Clone, Default)]
pub(super) struct Hints {
    /// API key hash → its tenant (never changes for a key).
    tenants: Arc<Mutex<HashMap<String, String>>>,
    /// `(tenant, application id or uid as addressed)` → the application's id.
    apps: Arc<Mutex<HashMap<(String, String), String>>>,
}

impl Hints {
    pub fn remember_tenant(&self, key_hash: &str, tenant: &str) {
        remember(&self.tenants, key_hash.to_string(), tenant);
    }

    pub fn remember_app(&self, tenant: &str, path: &str, app_id: &str) {
        remember(&self.apps, (tenant.to_string(), path.to_string()), app_id);
    }

    /// The cache keys a request with this key on this application path will look up,
    /// as far as they can be guessed: the key's own first.
    pub fn keys(&self, key_hash: &str, app_path: Option<&str>, publishes: bool) -> Vec<String> {
        let mut wanted = vec![keys::api_key(key_hash)];
        let Some(path) = app_path else {
            return wanted;
        };
        let Some(tenant) = self.tenants.lock().expect("hints").get(key_hash).cloned() else {
            return wanted;
        };
        wanted.push(keys::app(&tenant, path));
        if publishes {
            let apps = self.apps.lock().expect("hints");
            if let Some(app_id) = apps.get(&(tenant.clone(), path.to_string())) {
                wanted.push(keys::fanout(&tenant, app_id));
            }
        }
        wanted
    }
}

fn remember<K: Eq + std::hash::Hash>(map: &Mutex<HashMap<K, String>>, key: K, value: &str) {
    let mut map = map.lock().expect("hints");
    if map.get(&key).is_some_and(|known| known == value) {
        return;
    }
    if map.len() >= MAX_HINTS {
        map.clear();
    }
    map.insert(key, value.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_only_what_it_has_learnt() {
        let hints = Hints::default();
        assert_eq!(
            hints.keys("h", Some("app_1"), true),
            vec![keys::api_key("h")],
            "an unknown key's tenant cannot be guessed"
        );
        hints.remember_tenant("h", "t1");
        assert_eq!(
            hints.keys("h", Some("shop"), true),
            vec![keys::api_key("h"), keys::app("t1", "shop")],
            "the application's id is not known yet"
        );
        hints.remember_app("t1", "shop", "app_1");
        assert_eq!(
            hints.keys("h", Some("shop"), true),
            vec![
                keys::api_key("h"),
                keys::app("t1", "shop"),
                keys::fanout("t1", "app_1")
            ]
        );
        assert_eq!(
            hints.keys("h", Some("shop"), false).len(),
            2,
            "no fan-out view unless the request publishes"
        );
        assert_eq!(hints.keys("h", None, true), vec![keys::api_key("h")]);
    }

    #[tokio::test]
    async fn an_entry_is_served_once_and_only_inside_its_request() {
        let fetched = || Fetched {
            text: Some("x".into()),
            stamp: Stamp::zero(),
            fetched_at: Instant::now(),
        };
        keep([("k".to_string(), fetched())]);
        assert!(take("k").is_none(), "outside a request nothing is kept");
        scope(async {
            keep([("k".to_string(), fetched()), ("j".to_string(), fetched())]);
            assert!(take("k").is_some());
            assert!(take("k").is_none(), "taken once");
            forget(&["j".to_string()]);
            assert!(take("j").is_none(), "invalidated by the request itself");
            let old = Fetched {
                fetched_at: Instant::now() - SERVED_FOR * 2,
                ..fetched()
            };
            keep([("old".to_string(), old)]);
            assert!(take("old").is_none(), "too old: looked up afresh");
        })
        .await;
    }
}
