//! What a claimed delivery's attempt reads besides its own row — the message, the
//! endpoint, the tenant's header setting and the endpoint's signing secrets — read for
//! a whole claim at once: two statements per claim (one after an accept's hand-off,
//! which has the message already) instead of several per attempt.
//!
//! Messages and endpoints are read once each, however many of the claim's deliveries
//! share them (a fan-out claims one message for many endpoints). Every read is keyed
//! by `(tenant_id, id)` pairs taken from the leased delivery rows, so it stays within
//! each delivery's tenant.
//!
//! **Freshness:** the context is read when the delivery is claimed, which is at most
//! `engine::waiting::START_WITHIN` (5 s) before its attempt starts. An endpoint edited,
//! disabled or given a new secret in that window may still get, or be signed for, the
//! configuration of the moment of the claim — as with any request already in flight.
//! A handed-off delivery's endpoint context may come from memory instead
//! (`context_cache.rs`): never older than the fan-out view its accept used.

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::Arc,
};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use super::{
    ClaimedDelivery, Store, StoreError, batcher::Batcher, context_cache::ContextCache, pairs,
    param, signing_secrets::SigningSecrets,
};
use crate::entities::{endpoint, endpoint_secret, message};
use crate::metrics::Metrics;

/// Everything an attempt reads besides the delivery row itself. Cheap to clone: the
/// deliveries of one claim share the message and endpoint they have in common.
#[derive(Debug, Clone)]
pub struct DeliveryContext {
    pub message: Arc<message::Model>,
    pub endpoint: Arc<endpoint::Model>,
    pub svix_headers: bool,
    /// The endpoint's secrets in force at the claim, opened by its first attempt.
    pub secrets: Arc<SigningSecrets>,
    /// The endpoint's URL, parsed once per read rather than per attempt (or why it
    /// does not parse: the API checks it, so only a row written otherwise).
    pub url: Arc<Result<http::Uri, String>>,
}

/// `(tenant_id, id)` of a message or an endpoint.
pub(super) type Key = (String, String);

/// The deliveries of one message that was just written (hand-off at accept), to be
/// given their context, and the number of the fan-out view its accept used.
pub(super) struct NewDeliveries {
    message: message::Model,
    jobs: Vec<ClaimedDelivery>,
    view: u64,
}

/// Reads the context of handed-off deliveries for all the accepts that committed
/// meanwhile at once (`batcher.rs`): under load, one read serves many messages
/// instead of one each.
pub(super) type NewContexts = Batcher<NewDeliveries, Vec<ClaimedDelivery>>;

pub(super) fn spawn_new_contexts(db: DatabaseConnection, metrics: Arc<Metrics>) -> NewContexts {
    let kept = ContextCache::default();
    Batcher::spawn(
        db,
        "context reader",
        256,
        4,
        move |db, batch: Vec<NewDeliveries>| {
            let (kept, metrics) = (kept.clone(), metrics.clone());
            async move {
                let mut messages = HashMap::new();
                let mut counts = Vec::with_capacity(batch.len());
                let mut jobs = Vec::new();
                let mut wanted = Vec::new();
                for item in batch {
                    counts.push(item.jobs.len());
                    wanted.extend(
                        item.jobs
                            .iter()
                            .map(|j| (key(j, &j.endpoint_id), item.view)),
                    );
                    jobs.extend(item.jobs);
                    let m = item.message;
                    messages.insert((m.tenant_id.clone(), m.id.clone()), Arc::new(m));
                }
                let endpoints = kept_or_read(&db, &kept, &metrics, wanted).await?;
                attach(&mut jobs, &messages, &endpoints);
                let mut jobs = jobs.into_iter();
                Ok(counts
                    .into_iter()
                    .map(|n| jobs.by_ref().take(n).collect())
                    .collect())
            }
        },
    )
}

/// The endpoint contexts of `wanted` (key, fan-out view number): those kept under
/// that view from memory, the rest read in one statement and kept. An endpoint wanted
/// under two views in one batch (its app's view was invalidated between two accepts)
/// is read: what is kept under the older view is stale for the newer one's accept.
async fn kept_or_read(
    db: &DatabaseConnection,
    kept: &ContextCache,
    metrics: &Metrics,
    wanted: Vec<(Key, u64)>,
) -> Result<HashMap<Key, Arc<EndpointContext>>, StoreError> {
    use std::sync::atomic::Ordering::Relaxed;
    let now = Utc::now();
    let mut views: HashMap<Key, Vec<u64>> = HashMap::new();
    for (key, view) in distinct(wanted.into_iter()) {
        views.entry(key).or_default().push(view);
    }
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for (key, views) in views {
        let view = *views.last().expect("one view at least");
        match kept.get(&key, view, now).filter(|_| views.len() == 1) {
            Some(context) => {
                found.insert(key, context);
            }
            None => missing.push((key, view)),
        }
    }
    metrics
        .endpoint_contexts_kept
        .fetch_add(found.len() as u64, Relaxed);
    if missing.is_empty() {
        return Ok(found);
    }
    metrics
        .endpoint_contexts_read
        .fetch_add(missing.len() as u64, Relaxed);
    let keys = distinct(missing.iter().map(|(key, _)| key.clone()));
    let read = endpoints_by_key(db, &keys).await?;
    for (key, view) in missing {
        if let Some(context) = read.get(&key) {
            kept.put(key.clone(), view, now, context.clone());
            found.insert(key, context.clone());
        }
    }
    Ok(found)
}

impl Store {
    /// Fills in `context` of each claimed delivery; it stays `None` where the message
    /// or the endpoint is gone.
    pub(super) async fn load_contexts(
        &self,
        claimed: &mut [ClaimedDelivery],
    ) -> Result<(), StoreError> {
        if claimed.is_empty() {
            return Ok(());
        }
        let message_keys = distinct(claimed.iter().map(|j| key(j, &j.message_id)));
        // On the claim's connections (`claim_connection`): a claim's messages are read by
        // key, never by a scan of every message.
        let db = self.claim_connection();
        let messages = messages_by_key(db, &message_keys).await?;
        fill_contexts(db, claimed, messages).await
    }

    /// The same for the deliveries of `message`, which was just written (hand-off at
    /// accept): the message is not read back, only the endpoints and their secrets,
    /// batched with the other accepts' (`NewContexts`).
    pub async fn load_new_contexts(
        &self,
        jobs: Vec<ClaimedDelivery>,
        message: message::Model,
        view: u64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        if jobs.is_empty() {
            return Ok(jobs);
        }
        self.new_contexts
            .submit(NewDeliveries {
                message,
                jobs,
                view,
            })
            .await
    }
}

/// Fills in the jobs' contexts from `messages` and the endpoints and secrets read here.
async fn fill_contexts(
    db: &DatabaseConnection,
    claimed: &mut [ClaimedDelivery],
    messages: HashMap<Key, Arc<message::Model>>,
) -> Result<(), StoreError> {
    let endpoint_keys = distinct(claimed.iter().map(|j| key(j, &j.endpoint_id)));
    let endpoints = endpoints_by_key(db, &endpoint_keys).await?;
    attach(claimed, &messages, &endpoints);
    Ok(())
}

/// Gives each job its context; `None` where its message or endpoint is gone.
fn attach(
    claimed: &mut [ClaimedDelivery],
    messages: &HashMap<Key, Arc<message::Model>>,
    endpoints: &HashMap<Key, Arc<EndpointContext>>,
) {
    for job in claimed.iter_mut() {
        let (m, e) = (key(job, &job.message_id), key(job, &job.endpoint_id));
        job.context = match (messages.get(&m), endpoints.get(&e)) {
            (Some(message), Some(endpoint)) => Some(DeliveryContext {
                message: message.clone(),
                endpoint: endpoint.endpoint.clone(),
                svix_headers: endpoint.svix_headers,
                secrets: endpoint.secrets.clone(),
                url: endpoint.url.clone(),
            }),
            _ => None,
        };
    }
}

async fn messages_by_key(
    db: &DatabaseConnection,
    keys: &[Key],
) -> Result<HashMap<Key, Arc<message::Model>>, StoreError> {
    let (pairs, values) = pairs(db.get_database_backend(), 1, keys);
    let sql = messages_by_key_sql(&pairs);
    let rows = message::Model::find_by_statement(statement(db, sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| ((m.tenant_id.clone(), m.id.clone()), Arc::new(m)))
        .collect())
}

/// The statement reading the messages of `pairs` (`($1, $2), …`: tenant, id). For
/// query-plan tests: the SQL a claim runs, not a copy.
pub fn messages_by_key_sql(pairs: &str) -> String {
    format!("SELECT * FROM message WHERE (tenant_id, id) IN (VALUES {pairs})")
}

/// An endpoint as an attempt reads it: with its tenant's header setting and its
/// unexpired secrets, newest first.
pub(super) struct EndpointContext {
    pub(super) endpoint: Arc<endpoint::Model>,
    pub(super) svix_headers: bool,
    pub(super) secrets: Arc<SigningSecrets>,
    pub(super) url: Arc<Result<http::Uri, String>>,
}

/// The endpoints of `keys` with their tenant's setting and their secrets, in one
/// statement: a row per unexpired secret (an endpoint has one, two while a rotated
/// one's grace period runs), or one row with no secret.
async fn endpoints_by_key(
    db: &DatabaseConnection,
    keys: &[Key],
) -> Result<HashMap<Key, Arc<EndpointContext>>, StoreError> {
    let backend = db.get_database_backend();
    let (pairs, mut values) = pairs(backend, 2, keys);
    values.insert(0, Utc::now().into());
    let sql = format!(
        "SELECT e.*, t.svix_headers AS t_svix_headers, \
         s.id AS s_id, s.tenant_id AS s_tenant_id, s.endpoint_id AS s_endpoint_id, \
         s.ciphertext AS s_ciphertext, s.created_at AS s_created_at, \
         s.expires_at AS s_expires_at \
         FROM endpoint e JOIN tenant t ON t.id = e.tenant_id \
         LEFT JOIN endpoint_secret s ON s.tenant_id = e.tenant_id AND s.endpoint_id = e.id \
         AND (s.expires_at IS NULL OR s.expires_at > {}) \
         WHERE (e.tenant_id, e.id) IN (VALUES {pairs}) ORDER BY s.id DESC",
        param(backend, 1)
    );
    let rows = db.query_all_raw(statement(db, sql, values)).await?;
    let mut found: HashMap<Key, (EndpointContext, Vec<endpoint_secret::Model>)> = HashMap::new();
    for row in &rows {
        let key: Key = (row.try_get("", "tenant_id")?, row.try_get("", "id")?);
        let (_, sealed) = match found.entry(key) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let endpoint = endpoint::Model::from_query_result(row, "")?;
                new.insert((
                    EndpointContext {
                        url: Arc::new(parse_url(&endpoint.url)),
                        endpoint: Arc::new(endpoint),
                        svix_headers: row.try_get("", "t_svix_headers")?,
                        secrets: Arc::default(),
                    },
                    Vec::new(),
                ))
            }
        };
        if row.try_get::<Option<String>>("", "s_id")?.is_some() {
            sealed.push(endpoint_secret::Model::from_query_result(row, "s_")?);
        }
    }
    Ok(found
        .into_iter()
        .map(|(key, (mut context, sealed))| {
            context.secrets = Arc::new(SigningSecrets::new(sealed));
            (key, Arc::new(context))
        })
        .collect())
}

/// An endpoint URL as a request takes it, or why it cannot be sent to.
/// (`url` parses it as before, normalising it; hyper takes the normalised text.)
pub(super) fn parse_url(text: &str) -> Result<http::Uri, String> {
    let invalid = |e: &dyn std::fmt::Display| format!("request failed: invalid URL: {e}");
    let url = url::Url::parse(text).map_err(|e| invalid(&e))?;
    http::Uri::try_from(url.as_str()).map_err(|e| invalid(&e))
}

fn statement(db: &DatabaseConnection, sql: String, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

fn key(job: &ClaimedDelivery, id: &str) -> Key {
    (job.tenant_id.to_string(), id.to_string())
}

fn distinct<T: Ord>(keys: impl Iterator<Item = T>) -> Vec<T> {
    let mut keys: Vec<T> = keys.collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}
