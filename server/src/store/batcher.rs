//! Group commit, the mechanism: callers hand over one item each and wait; a loop takes
//! everything queued (up to a maximum), commits it in one transaction with the
//! caller's `commit` function, and answers each caller with its own result once that
//! transaction is over.
//!
//! While `concurrent` transactions are running, new items queue up, so a batch grows
//! with the load by itself: one fsync serves many callers. How many may run at once is
//! the caller's trade: more is a shorter wait for a lone item, fewer is bigger batches
//! (fewer statements to plan and commits to flush for the same items). A failed
//! transaction fails every item in it (each caller sees the error; nothing is
//! half-written).

use std::{future::Future, sync::Arc};

use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::StoreError;

/// Where an item's result goes: a caller waiting for it, or a function run with it
/// once its transaction is over (a caller that does not wait: no task of its own).
enum Reply<R> {
    Wait(oneshot::Sender<Result<R, String>>),
    Then(Box<dyn FnOnce(Result<R, String>) + Send>),
}

impl<R> Reply<R> {
    fn send(self, result: Result<R, String>) {
        match self {
            Reply::Wait(caller) => {
                let _ = caller.send(result);
            }
            Reply::Then(then) => then(result),
        }
    }
}

/// A batcher's inbox; cheap to clone.
pub struct Batcher<J, R> {
    tx: mpsc::UnboundedSender<(J, Reply<R>)>,
    what: &'static str,
}

impl<J, R> Clone for Batcher<J, R> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            what: self.what,
        }
    }
}

impl<J: Send + 'static, R: Send + 'static> Batcher<J, R> {
    /// Starts the loop on the current runtime. `commit` gets a batch and returns one
    /// result per item, in the batch's order; at most `concurrent` of them run at once
    /// on PostgreSQL (one on SQLite). `what` names it in errors.
    pub fn spawn<F, Fut>(
        db: DatabaseConnection,
        what: &'static str,
        max_batch: usize,
        concurrent: usize,
        commit: F,
    ) -> Self
    where
        F: Fn(DatabaseConnection, Vec<J>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<R>, StoreError>> + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        // SQLite has one writer: concurrent transactions would only queue for its lock.
        let concurrent = match db.get_database_backend() {
            DbBackend::Sqlite => 1,
            _ => concurrent.max(1),
        };
        tokio::spawn(run(db, rx, concurrent, max_batch, commit));
        Self { tx, what }
    }

    /// Hands `job` to the next batch and waits for its transaction.
    pub async fn submit(&self, job: J) -> Result<R, StoreError> {
        let (reply, answer) = oneshot::channel();
        let what = self.what;
        let stopped = || StoreError::Db(DbErr::Custom(format!("the {what} stopped")));
        self.tx
            .send((job, Reply::Wait(reply)))
            .map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(|e| failed(what, e))
    }

    /// Hands `job` to the next batch without waiting: `then` gets its result once its
    /// transaction is over (on the batcher's task: keep it short).
    pub fn submit_then(&self, job: J, then: impl FnOnce(Result<R, StoreError>) + Send + 'static) {
        let what = self.what;
        let reply = Reply::Then(Box::new(move |result: Result<R, String>| {
            then(result.map_err(|e| failed(what, e)));
        }));
        if let Err(mpsc::error::SendError((_, reply))) = self.tx.send((job, reply)) {
            reply.send(Err("stopped".into()));
        }
    }
}

fn failed(what: &str, e: String) -> StoreError {
    StoreError::Db(DbErr::Custom(format!("the {what} failed: {e}")))
}

async fn run<J, R, F, Fut>(
    db: DatabaseConnection,
    mut rx: mpsc::UnboundedReceiver<(J, Reply<R>)>,
    concurrent: usize,
    max_batch: usize,
    commit: F,
) where
    J: Send + 'static,
    R: Send + 'static,
    F: Fn(DatabaseConnection, Vec<J>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<R>, StoreError>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrent));
    while let Some(first) = rx.recv().await {
        // Wait for a free transaction *before* collecting: while all are busy, items
        // pile up and the next batch takes them all.
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<J>, Vec<Reply<R>>) = batch.into_iter().unzip();
        let done = commit(db.clone(), jobs);
        tokio::spawn(async move {
            match done.await {
                Ok(results) => {
                    for (reply, result) in replies.into_iter().zip(results) {
                        reply.send(Ok(result));
                    }
                }
                Err(e) => {
                    let e = e.to_string();
                    for reply in replies {
                        reply.send(Err(e.clone()));
                    }
                }
            }
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use sea_orm::{Database, DatabaseConnection};

    use super::*;

    async fn sqlite() -> DatabaseConnection {
        Database::connect("sqlite::memory:")
            .await
            .expect("an in-memory SQLite")
    }

    /// A batcher whose transaction doubles each item, or fails every item of a batch
    /// holding a negative one.
    fn doubling(db: DatabaseConnection) -> Batcher<i64, i64> {
        Batcher::spawn(db, "doubler", 16, 1, |_, jobs: Vec<i64>| async move {
            if jobs.iter().any(|&job| job < 0) {
                return Err(StoreError::Db(DbErr::Custom("a negative item".into())));
            }
            Ok(jobs.into_iter().map(|job| job * 2).collect())
        })
    }

    /// What each completion was called with, by item.
    type Seen = Arc<Mutex<Vec<(i64, Result<i64, String>)>>>;

    fn submit_then_seen(batcher: &Batcher<i64, i64>, seen: &Seen, job: i64) {
        let seen = seen.clone();
        batcher.submit_then(job, move |result| {
            let result = result.map_err(|e| e.to_string());
            seen.lock().unwrap().push((job, result));
        });
    }

    async fn until_seen(seen: &Seen, count: usize) -> Vec<(i64, Result<i64, String>)> {
        for _ in 0..500 {
            if seen.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let mut seen = seen.lock().unwrap().clone();
        seen.sort_by_key(|(job, _)| *job);
        seen
    }

    #[tokio::test]
    async fn each_completion_gets_its_own_items_result_once_committed() {
        let batcher = doubling(sqlite().await);
        let seen = Seen::default();
        for job in 1..=5 {
            submit_then_seen(&batcher, &seen, job);
        }
        let seen = until_seen(&seen, 5).await;
        let expected: Vec<_> = (1..=5).map(|job| (job, Ok(job * 2))).collect();
        assert_eq!(seen, expected);
        // A waiting caller and a completion share the batches.
        assert_eq!(batcher.submit(21).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_failed_transaction_reaches_every_completion_with_its_cause() {
        let batcher = doubling(sqlite().await);
        let seen = Seen::default();
        // Handed over without a yield in between: the loop takes all three in one
        // batch, which the negative item fails.
        for job in [-1, 1, 2] {
            submit_then_seen(&batcher, &seen, job);
        }
        let seen = until_seen(&seen, 3).await;
        assert_eq!(seen.len(), 3);
        for (job, result) in &seen {
            let error = result.as_ref().expect_err("the batch failed");
            assert!(
                error.contains("the doubler failed") && error.contains("a negative item"),
                "item {job}: {error}"
            );
        }
        // The batcher goes on: the next batch commits.
        assert_eq!(batcher.submit(3).await.unwrap(), 6);
    }

    #[test]
    fn submit_then_on_a_stopped_batcher_completes_at_once_with_an_error() {
        // The loop runs on a runtime that is then shut down: its inbox is closed.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let batcher = runtime.block_on(async { doubling(sqlite().await) });
        drop(runtime);
        let seen = Seen::default();
        submit_then_seen(&batcher, &seen, 7);
        // No runtime runs any more: the completion must have run on this thread.
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "the completion ran once, at once");
        let error = seen[0].1.as_ref().expect_err("nothing was committed");
        assert!(error.contains("the doubler failed: stopped"), "{error}");
    }
}
