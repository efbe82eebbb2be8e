//! Claims (`store/claim.rs`, `store/hold.rs`): a claim writes one row listing what it
//! took and leaves the delivery rows pending; other claims leave those out while it
//! lives; a delivery that ends other than delivered leaves its claim at once; a claim
//! whose deliveries have all ended is deleted.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::delivery_support::{engine_app, send, setup, success_record};
use crate::helpers::{Backend, TestApp};
use crate::receiver::TestReceiver;
use hookrelay::store::{AttemptRecord, ClaimedDelivery, NextStep};

const MINUTE: i64 = 60;

/// An app whose process runs no workers (the test claims by hand), with `n` messages
/// to one endpoint; the receiver is never called.
async fn queue_of(backend: Backend, n: usize) -> (TestApp, TestReceiver) {
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, _) = setup(&app, "claims@example.com", &receiver.url).await;
    for _ in 0..n {
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    }
    (app, receiver)
}

async fn claim(app: &TestApp, worker: &str, limit: u64) -> Vec<ClaimedDelivery> {
    app.store
        .claim_deliveries(worker, Duration::seconds(MINUTE), limit, &[], false)
        .await
        .unwrap()
}

fn ids(jobs: &[ClaimedDelivery]) -> BTreeSet<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

/// Every id the claim rows list.
async fn claimed_ids(app: &TestApp) -> BTreeSet<String> {
    let db = app.store.connection();
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => "SELECT unnest(ids) AS id FROM delivery_claim",
        _ => "SELECT j.value AS id FROM delivery_claim c, json_each(c.ids) j",
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "id").unwrap())
        .collect()
}

async fn claim_rows(app: &TestApp) -> i64 {
    crate::helpers::count_n(
        app.store.connection(),
        "SELECT COUNT(*) AS n FROM delivery_claim",
    )
    .await
}

fn retry_now(url: &str) -> AttemptRecord {
    AttemptRecord {
        succeeded: false,
        response_status_code: 500,
        next: NextStep::RetryAt(Utc::now() - Duration::seconds(1)),
        ..success_record(url, 500)
    }
}

async fn a_claim_writes_one_row_per_pass_and_no_delivery(backend: Backend) {
    let (app, _receiver) = queue_of(backend, 3).await;
    let jobs = claim(&app, "worker_a", 10).await;
    assert_eq!(jobs.len(), 3);
    assert_eq!(
        claimed_ids(&app).await,
        ids(&jobs),
        "the claim rows list them"
    );
    let rows = claim_rows(&app).await;
    assert!(
        (1..=2).contains(&rows),
        "one row per pass, not per delivery: {rows}"
    );
    let untouched = crate::helpers::count_n(
        app.store.connection(),
        "SELECT COUNT(*) AS n FROM delivery WHERE status = 1 AND lease_owner IS NULL",
    )
    .await;
    assert_eq!(untouched, 3, "the delivery rows stay pending, unleased");
    assert!(
        claim(&app, "worker_b", 10).await.is_empty(),
        "another worker leaves them to the live claim"
    );
}

#[tokio::test]
async fn a_claim_writes_one_row_per_pass_and_no_delivery_sqlite() {
    a_claim_writes_one_row_per_pass_and_no_delivery(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_claim_writes_one_row_per_pass_and_no_delivery_postgres() {
    a_claim_writes_one_row_per_pass_and_no_delivery(Backend::Postgres).await;
}

async fn a_retry_leaves_its_claim_at_once(backend: Backend) {
    let (app, receiver) = queue_of(backend, 2).await;
    let jobs = claim(&app, "worker_a", 10).await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].lease, jobs[1].lease, "one claim holds both");
    // One fails, due again at once, while the other is still running.
    let failed = &jobs[0];
    app.store
        .record_attempt(failed, retry_now(&receiver.url))
        .await
        .unwrap();
    let again = claim(&app, "worker_b", 10).await;
    assert_eq!(
        ids(&again),
        ids(std::slice::from_ref(failed)),
        "the retry, not the running one"
    );
    assert_eq!(again[0].attempt_count, 1);
    assert!(!claimed_ids(&app).await.is_empty());
    // The first claim can no longer record it: worker_b holds it now.
    app.store
        .record_attempt(failed, success_record(&receiver.url, 200))
        .await
        .unwrap();
    let attempts = crate::helpers::count_n(
        app.store.connection(),
        format!(
            "SELECT COUNT(*) AS n FROM attempt WHERE delivery_id = '{}'",
            failed.id
        ),
    )
    .await;
    assert_eq!(attempts, 1, "only the failure was recorded");
}

#[tokio::test]
async fn a_retry_leaves_its_claim_at_once_sqlite() {
    a_retry_leaves_its_claim_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_retry_leaves_its_claim_at_once_postgres() {
    a_retry_leaves_its_claim_at_once(Backend::Postgres).await;
}

async fn handed_back_deliveries_are_claimable_at_once(backend: Backend) {
    let (app, _receiver) = queue_of(backend, 2).await;
    let jobs = claim(&app, "worker_a", 10).await;
    assert_eq!(jobs.len(), 2);
    app.store
        .release_deliveries(std::slice::from_ref(&jobs[0]))
        .await
        .unwrap();
    app.store
        .defer_delivery(&jobs[1], Utc::now() - Duration::seconds(1))
        .await
        .unwrap();
    let again = claim(&app, "worker_b", 10).await;
    assert_eq!(ids(&again), ids(&jobs), "both are free again");
    assert!(
        again.iter().all(|j| j.attempt_count == 0),
        "handed back without an attempt"
    );
}

#[tokio::test]
async fn handed_back_deliveries_are_claimable_at_once_sqlite() {
    handed_back_deliveries_are_claimable_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn handed_back_deliveries_are_claimable_at_once_postgres() {
    handed_back_deliveries_are_claimable_at_once(Backend::Postgres).await;
}

async fn a_claim_whose_deliveries_all_ended_is_deleted(backend: Backend) {
    let (app, receiver) = queue_of(backend, 2).await;
    let jobs = claim(&app, "worker_a", 10).await;
    assert_eq!(jobs.len(), 2);
    let (first, second) = tokio::join!(
        app.store
            .record_attempt(&jobs[0], success_record(&receiver.url, 200)),
        app.store
            .record_attempt(&jobs[1], success_record(&receiver.url, 200)),
    );
    first.unwrap();
    second.unwrap();
    assert_eq!(app.store.open_claims().open(), 0, "nothing held in memory");
    // The next claim, which finds nothing, deletes the finished claims first.
    assert!(claim(&app, "worker_a", 10).await.is_empty());
    assert_eq!(claim_rows(&app).await, 0);
    let delivered = crate::helpers::count_n(
        app.store.connection(),
        "SELECT COUNT(*) AS n FROM delivery WHERE status = 0 AND attempt_count = 1",
    )
    .await;
    assert_eq!(delivered, 2, "both recorded as delivered");
}

#[tokio::test]
async fn a_claim_whose_deliveries_all_ended_is_deleted_sqlite() {
    a_claim_whose_deliveries_all_ended_is_deleted(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_claim_whose_deliveries_all_ended_is_deleted_postgres() {
    a_claim_whose_deliveries_all_ended_is_deleted(Backend::Postgres).await;
}
