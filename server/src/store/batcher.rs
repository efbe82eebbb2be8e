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
