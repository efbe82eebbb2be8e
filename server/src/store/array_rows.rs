//! PostgreSQL: a batch's rows passed **column by column, one typed array parameter per
//! column**, and read back with `unnest`, so that a batch statement's text is the
//! same whatever the batch's size. Used by the accept's insert (`group_commit.rs`)
//! and the attempt recorder's statement (`record_one_statement.rs`).
//!
//! Why one text: PostgreSQL prepares a statement per distinct text, and plans a
//! prepared statement afresh on each of its first executions. With a `VALUES` list of
//! `$n` placeholders every batch size was a new text — parsed, analysed and planned
//! again — and in the ingest profile (`perf record -a`, 2026-12-02) `GetCachedPlan`
//! alone was a fifth of PostgreSQL's CPU. One text is parsed once per connection and
//! runs on a cached generic plan: the accept's planning went from 0.26 to 0.03 ms a
//! batch.
//!
//! Why arrays and not one JSON parameter (what this module replaced, 2026-12-07):
//! PostgreSQL lexed a JSON parameter twice (`::json` checks it, `json_to_recordset`
//! reads it) and parsed every field from text; in the fan-out profile that was 18 %
//! of its CPU. Arrays go in the driver's binary format: a timestamp is 8 bytes, an
//! integer is copied, a text is one copy, and nothing is escaped on our side either.
//! Array elements may be NULL, so nullable columns need no sentinel.
//!
//! **A statement that reads a growing table this way needs connections that cannot
//! plan a scan.** A generic plan is made once, with the table sizes of that moment,
//! and `unnest` of a parameter is estimated at a fixed row count whatever it holds:
//! the recorder's `UPDATE delivery … FROM <rows>`, planned on a fresh database, became
//! a hash join over a sequential scan, kept as the table grew (4.8 ms a batch instead
//! of 1.3; ingest fell by a fifth, 2026-12-02). The recorder therefore runs on
//! connections of its own with sequential scans, hash and merge joins priced out
//! (`connect.rs::recorder_connection`), where the one plan left finds each row by key.
//! The accept's insert needs none: it reads no table (its conflict check probes an
//! index by itself).

use sea_orm::{
    DbErr, RuntimeErr, Value,
    sqlx::{Postgres, postgres::PgArguments, query::Query},
};

/// A statement with its parameters bound, run on a `sqlx` pool.
pub(super) type PgQuery = Query<'static, Postgres, PgArguments>;

/// `unnest($first::t1[], $first+1::t2[], …) AS <alias>("c1", …)`: the columns bound by
/// [`bind`] as a table, each `(column, SQL element type)` (e.g. `("id", "text")`).
pub(super) fn unnest(first: usize, alias: &str, columns: &[(&str, &str)]) -> String {
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{ty}[]", first + i))
        .collect();
    let names: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    format!(
        "unnest({}) AS {alias}({})",
        arrays.join(", "),
        names.join(", ")
    )
}

/// The names of `columns`, without their types.
pub(super) fn names<const N: usize>(columns: &[(&'static str, &str); N]) -> [&'static str; N] {
    columns.map(|(name, _)| name)
}

/// Binds `rows` onto `query` as one array per column of `columns`, in order: the
/// parameters [`unnest`] names. Each value must be of its column's type (`text`:
/// a string, `int2`/`int4`/`int8`: a 16/32/64-bit integer, `timestamptz`: a UTC time),
/// or `None` of it for NULL; anything else is a bug in the caller, and panics.
pub(super) fn bind<const N: usize>(
    query: PgQuery,
    columns: &[(&str, &str); N],
    rows: impl IntoIterator<Item = [Value; N]>,
) -> PgQuery {
    let mut by_column: [Vec<Value>; N] = std::array::from_fn(|_| Vec::new());
    for row in rows {
        for (column, value) in by_column.iter_mut().zip(row) {
            column.push(value);
        }
    }
    columns
        .iter()
        .zip(by_column)
        .fold(query, |query, ((name, ty), values)| {
            let column = Column { name, ty, values };
            match *ty {
                "text" => query.bind(column.typed(|v| match v {
                    Value::String(s) => Ok(s),
                    other => Err(other),
                })),
                "int2" => query.bind(column.typed(|v| match v {
                    Value::SmallInt(i) => Ok(i),
                    other => Err(other),
                })),
                "int4" => query.bind(column.typed(|v| match v {
                    Value::Int(i) => Ok(i),
                    other => Err(other),
                })),
                "int8" => query.bind(column.typed(|v| match v {
                    Value::BigInt(i) => Ok(i),
                    other => Err(other),
                })),
                "timestamptz" => query.bind(column.typed(|v| match v {
                    Value::ChronoDateTimeUtc(t) => Ok(t),
                    other => Err(other),
                })),
                other => panic!("column {name}: no array binding for SQL type {other}"),
            }
        })
}

/// One column's values, on their way to a typed array.
struct Column<'a> {
    name: &'a str,
    ty: &'a str,
    values: Vec<Value>,
}

impl Column<'_> {
    /// The values as `T`s (`None`: NULL), `pick` giving back any of another type.
    fn typed<T>(self, pick: impl Fn(Value) -> Result<Option<T>, Value>) -> Vec<Option<T>> {
        let Self { name, ty, values } = self;
        values
            .into_iter()
            .map(|v| pick(v).unwrap_or_else(|v| panic!("column {name} ({ty}) given {v:?}")))
            .collect()
    }
}

/// A `sqlx` error as the `DbErr` the store's callers handle.
pub(super) fn db_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnest_numbers_one_typed_array_per_column_from_the_first_parameter() {
        assert_eq!(
            unnest(
                3,
                "v",
                &[("id", "text"), ("n", "int2"), ("at", "timestamptz")]
            ),
            "unnest($3::text[], $4::int2[], $5::timestamptz[]) AS v(\"id\", \"n\", \"at\")"
        );
    }

    #[test]
    #[should_panic(expected = "column n (int2) given")]
    fn a_value_of_another_type_than_its_column_is_refused() {
        let _ = bind(
            sea_orm::sqlx::query("SELECT 1"),
            &[("id", "text"), ("n", "int2")],
            [["a".into(), 7i32.into()]],
        );
    }
}
