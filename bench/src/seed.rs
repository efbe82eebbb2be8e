//! Seeds a tenant with history straight into hookrelay's database (far faster than
//! sending it): messages, their deliveries (done) and four attempts each (three
//! failures, then a success), spread evenly over the last 30 days, ids time-ordered
//! as hookrelay makes them.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, TransactionTrait,
    sea_query::{Alias, Expr, InsertStatement, Query, SimpleExpr},
};

pub struct Seeded {
    /// The id of the attempt `depth` rows below the newest: a cursor that far deep.
    pub deep_cursor: String,
    /// A message in the middle of the history.
    pub message_id: String,
}

/// Who owns the rows.
pub struct Owner<'a> {
    pub tenant_id: &'a str,
    pub app_id: &'a str,
    pub endpoint_id: &'a str,
    pub endpoint_url: &'a str,
}

const PER_MESSAGE: u64 = 4;
/// Messages per statement: 4 × 250 attempts × 15 columns stays under SQLite's limit
/// of bound parameters.
const BATCH: u64 = 250;

/// A hookrelay id for row number `n` created `at`: the counter as the ULID's random
/// part keeps ids in row order within a millisecond, as hookrelay's monotonic
/// generator does.
fn id(prefix: &str, at: DateTime<Utc>, n: u64) -> String {
    let ulid = ulid::Ulid::from_parts(at.timestamp_millis() as u64, n as u128);
    format!("{prefix}{ulid}")
}

fn insert(table: &str, columns: &[&str]) -> InsertStatement {
    Query::insert()
        .into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .to_owned()
}

/// Inserts `attempts` attempts (rounded up to whole messages) and reports progress.
pub async fn history(
    database_url: &str,
    owner: &Owner<'_>,
    attempts: u64,
    depth: u64,
) -> anyhow::Result<Seeded> {
    let db: DatabaseConnection = Database::connect(database_url)
        .await
        .context("connecting to hookrelay's database to seed it")?;
    let messages = attempts.div_ceil(PER_MESSAGE);
    let total = messages * PER_MESSAGE;
    let span = Duration::from_secs(30 * 86_400);
    let start = Utc::now() - span;
    let step_us = span.as_micros() as u64 / total;
    let deep_index = total.saturating_sub(depth + 1);
    let mut seeded = Seeded {
        deep_cursor: String::new(),
        message_id: String::new(),
    };
    let began = Instant::now();
    let backend = db.get_database_backend();
    let mut m = 0;
    while m < messages {
        let upto = (m + BATCH).min(messages);
        let mut msgs = insert(
            "message",
            &[
                "id",
                "tenant_id",
                "app_id",
                "event_type",
                "payload",
                "created_at",
            ],
        );
        let mut dlvs = insert(
            "delivery",
            &[
                "id",
                "tenant_id",
                "app_id",
                "message_id",
                "endpoint_id",
                "status",
                "trigger",
                "attempt_count",
                "next_attempt_at",
                "created_at",
                "updated_at",
            ],
        );
        let mut atts = insert(
            "attempt",
            &[
                "id",
                "tenant_id",
                "app_id",
                "message_id",
                "endpoint_id",
                "delivery_id",
                "url",
                "status",
                "trigger",
                "attempt_number",
                "response_status_code",
                "response_body",
                "duration_ms",
                "created_at",
            ],
        );
        for j in m..upto {
            let first = j * PER_MESSAGE;
            let at = |i: u64| start + chrono::Duration::microseconds((i * step_us) as i64);
            let (msg_id, dlv_id) = (id("msg_", at(first), j), id("dlv_", at(first), j));
            if j == messages / 2 {
                seeded.message_id = msg_id.clone();
            }
            let t = |s: &str| -> SimpleExpr { Expr::val(s.to_string()) };
            msgs.values_panic([
                t(&msg_id),
                t(owner.tenant_id),
                t(owner.app_id),
                t("invoice.paid"),
                t(&format!(
                    r#"{{"seq":{j},"kind":"invoice.paid","amount":1299}}"#
                )),
                Expr::val(at(first)),
            ]);
            dlvs.values_panic([
                t(&dlv_id),
                t(owner.tenant_id),
                t(owner.app_id),
                t(&msg_id),
                t(owner.endpoint_id),
                Expr::val(0i16),
                Expr::val(0i16),
                Expr::val(PER_MESSAGE as i32),
                Expr::val(at(first)),
                Expr::val(at(first)),
                Expr::val(at(first + PER_MESSAGE - 1)),
            ]);
            for n in 0..PER_MESSAGE {
                let i = first + n;
                let success = n == PER_MESSAGE - 1;
                let att_id = id("atmpt_", at(i), i);
                if i == deep_index {
                    seeded.deep_cursor = att_id.clone();
                }
                atts.values_panic([
                    t(&att_id),
                    t(owner.tenant_id),
                    t(owner.app_id),
                    t(&msg_id),
                    t(owner.endpoint_id),
                    t(&dlv_id),
                    t(owner.endpoint_url),
                    Expr::val(if success { 0i16 } else { 2i16 }),
                    Expr::val(0i16),
                    Expr::val(n as i32 + 1),
                    Expr::val(if success { 204i32 } else { 500i32 }),
                    t(if success { "" } else { "upstream unavailable" }),
                    Expr::val(12i64 + (i % 40) as i64),
                    Expr::val(at(i)),
                ]);
            }
        }
        let txn = db.begin().await?;
        for stmt in [msgs, dlvs, atts] {
            txn.execute_raw(backend.build(&stmt)).await?;
        }
        txn.commit().await?;
        m = upto;
        if m % 25_000 < BATCH || m == messages {
            eprint!(
                "\r  seeded {} of {} attempts ({:.0} s)",
                m * PER_MESSAGE,
                total,
                began.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!();
    if backend == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(seeded)
}
