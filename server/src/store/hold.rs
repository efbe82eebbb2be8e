//! What holds a delivery while a worker has it, and how a write checks it still does.
//!
//! Two kinds of hold, told apart by their token:
//!
//! - **a claim** (`claim.rs`): one `delivery_claim` row per claim statement — its
//!   token, until when it holds, the ids it took. The delivery rows themselves are not
//!   written: they stay pending, and every claim leaves out the ids of live claims.
//! - **a lease** on the row (`status = 3`, `lease_owner`, `lease_until`): deliveries
//!   handed off at accept (`engine/hand_off.rs`), which are written anyway, and rows
//!   taken back from an expired lease.
//!
//! **An outcome is written only while its hold stands** ([`still_held_sql`]): the
//! row's lease is the job's token, or the row is unleased, pending, has the attempts
//! it had when claimed, and the job's claim row still exists. A claim row goes when
//! its worker has finished every delivery it lists ([`Claims`]), or, once expired, at
//! the start of the next claim — before that claim's picks, so a row taken by a newer
//! claim can no longer be recorded by the stale one.
//!
//! **A claim row lists only what its worker still holds or delivered:** a delivery
//! that ends any other way (a retry, deferred, handed back, skipped) has its id taken
//! out of the row in the transaction that writes it ([`free_sql`]), so a retry is not
//! held back until the rest of its claim is done.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, Statement};

use super::{ClaimedDelivery, StoreError};
use crate::entities::delivery;

/// SQL true while the delivery row (columns prefixed `row`, e.g. `"d."`) is still held
/// by the hold whose token is the SQL `token`, taken when the row had the SQL
/// `attempts` attempts.
pub(super) fn still_held_sql(row: &str, token: &str, attempts: &str) -> String {
    format!(
        "({row}lease_owner = {token} OR ({row}lease_owner IS NULL AND {row}status = 1 \
         AND {row}attempt_count = {attempts} \
         AND EXISTS (SELECT 1 FROM delivery_claim c WHERE c.token = {token})))"
    )
}

/// [`still_held_sql`] for `job`'s delivery row, as a condition of an update of it.
pub(super) fn still_held(job: &ClaimedDelivery) -> Condition {
    let claim_row = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new("delivery_claim"))
        .and_where(Expr::col(Alias::new("token")).eq(job.lease.as_str()))
        .to_owned();
    Condition::any()
        .add(delivery::Column::LeaseOwner.eq(job.lease.as_str()))
        .add(
            Condition::all()
                .add(delivery::Column::LeaseOwner.is_null())
                // A literal, like every status the queue's statements test.
                .add(Expr::cust("status = 1"))
                .add(delivery::Column::AttemptCount.eq(job.attempt_count))
                .add(Expr::exists(claim_row)),
        )
}

/// The ids live claims hold, as a subquery (parameter `now`: claims held beyond it).
pub(super) fn live_claim_ids(backend: DbBackend, now: usize) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("SELECT unnest(ids) FROM delivery_claim WHERE held_until > ${now}")
        }
        _ => format!(
            "SELECT j.value FROM delivery_claim c, json_each(c.ids) j WHERE c.held_until > ?{now}"
        ),
    }
}

/// Deletes the claims that expired (parameter 1, now) or whose worker has ended every
/// delivery they hold (parameter 2, their tokens as a JSON array).
pub(super) fn sweep_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "DELETE FROM delivery_claim WHERE held_until <= $1 \
             OR token IN (SELECT json_array_elements_text($2::json))"
        }
        _ => {
            "DELETE FROM delivery_claim WHERE held_until <= ?1 \
             OR token IN (SELECT value FROM json_each(?2))"
        }
    }
}

/// The statement that takes `ids` (a JSON array, parameter 2) out of the claim rows
/// whose tokens are the JSON array of parameter 1.
pub(super) fn free_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "UPDATE delivery_claim SET ids = ARRAY(SELECT i FROM unnest(ids) i \
             WHERE i NOT IN (SELECT json_array_elements_text($2::json))) \
             WHERE token IN (SELECT json_array_elements_text($1::json))"
        }
        _ => {
            "UPDATE delivery_claim SET ids = (SELECT json_group_array(j.value) \
             FROM json_each(delivery_claim.ids) j \
             WHERE j.value NOT IN (SELECT value FROM json_each(?2))) \
             WHERE token IN (SELECT value FROM json_each(?1))"
        }
    }
}

/// Takes the claimed ones of `jobs` out of their claim rows, on `db` (in the
/// transaction that wrote their outcome, where there is one). Leased jobs are left
/// alone: their row's lease ended with the write.
pub(super) async fn free_claimed(
    db: &impl ConnectionTrait,
    claims: &Claims,
    jobs: &[&ClaimedDelivery],
) -> Result<(), StoreError> {
    let claimed: Vec<&&ClaimedDelivery> = jobs.iter().filter(|j| claims.holds(j)).collect();
    if claimed.is_empty() {
        return Ok(());
    }
    let mut tokens: Vec<&str> = claimed.iter().map(|j| j.lease.as_str()).collect();
    tokens.sort_unstable();
    tokens.dedup();
    let ids: Vec<&str> = claimed.iter().map(|j| j.id.as_str()).collect();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        free_sql(backend),
        [
            super::json_text::to_text(&tokens).into(),
            super::json_text::to_text(&ids).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// This process's open claims: the ids each still holds, and the claims whose every
/// delivery has ended, for the next claim to delete. Cheap to clone.
#[derive(Clone, Default)]
pub struct Claims {
    ledger: Arc<Mutex<Ledger>>,
}

#[derive(Default)]
struct Ledger {
    open: HashMap<String, HashSet<String>>,
    finished: Vec<String>,
}

impl Claims {
    /// A claim row was written: `token` holds `ids`.
    pub(super) fn opened(&self, token: &str, ids: impl IntoIterator<Item = String>) {
        let ids: HashSet<String> = ids.into_iter().collect();
        if ids.is_empty() {
            return;
        }
        let mut ledger = self.ledger.lock().expect("claims ledger");
        ledger.open.insert(token.to_string(), ids);
    }

    /// Whether `job` is held by one of this process's open claims (not a lease).
    pub(super) fn holds(&self, job: &ClaimedDelivery) -> bool {
        let ledger = self.ledger.lock().expect("claims ledger");
        ledger
            .open
            .get(&job.lease)
            .is_some_and(|ids| ids.contains(&job.id))
    }

    /// `jobs` have ended (recorded, deferred, handed back or skipped): a claim all of
    /// whose deliveries have ended is finished. Ending a job twice, or one that a
    /// lease holds, changes nothing.
    pub(super) fn ended<'a>(&self, jobs: impl IntoIterator<Item = &'a ClaimedDelivery>) {
        for job in jobs {
            self.ended_one(&job.lease, &job.id);
        }
    }

    /// [`ended`](Self::ended) for the delivery `id` held by `token`.
    pub(super) fn ended_one(&self, token: &str, id: &str) {
        let mut ledger = self.ledger.lock().expect("claims ledger");
        let Some(ids) = ledger.open.get_mut(token) else {
            return;
        };
        ids.remove(id);
        if ids.is_empty() {
            ledger.open.remove(token);
            ledger.finished.push(token.to_string());
        }
    }

    /// The finished claims not yet deleted; the caller deletes them.
    pub(super) fn take_finished(&self) -> Vec<String> {
        std::mem::take(&mut self.ledger.lock().expect("claims ledger").finished)
    }

    /// Claims this process still holds deliveries of (for tests and `/metrics`).
    pub fn open(&self) -> usize {
        self.ledger.lock().expect("claims ledger").open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TenantId;

    fn job(id: &str, token: &str) -> ClaimedDelivery {
        ClaimedDelivery {
            id: id.into(),
            tenant_id: TenantId("org_1".into()),
            app_id: "app_1".into(),
            message_id: "msg_1".into(),
            endpoint_id: "ep_1".into(),
            attempt_count: 0,
            trigger: 0,
            lease: token.into(),
            context: None,
        }
    }

    #[test]
    fn a_claim_is_finished_once_every_delivery_it_took_has_ended() {
        let claims = Claims::default();
        claims.opened("w.1", ["a".to_string(), "b".to_string()]);
        let (a, b) = (job("a", "w.1"), job("b", "w.1"));
        assert!(claims.holds(&a));
        claims.ended([&a, &a]);
        assert!(!claims.holds(&a), "ended");
        assert!(claims.take_finished().is_empty(), "b is still held");
        claims.ended([&b]);
        assert_eq!(claims.take_finished(), vec!["w.1".to_string()]);
        assert!(claims.take_finished().is_empty(), "taken once");
        assert_eq!(claims.open(), 0);
    }

    #[test]
    fn a_leased_job_is_not_a_claims() {
        let claims = Claims::default();
        claims.opened("w.1", ["a".to_string()]);
        let leased = job("a", "w.lease");
        assert!(!claims.holds(&leased));
        claims.ended([&leased]);
        assert_eq!(claims.open(), 1, "the claim still holds a");
    }
}
