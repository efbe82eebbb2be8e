//! PostgreSQL: a batch's rows passed as **one JSON parameter** and read back with
//! `json_to_recordset`, so that a batch statement's text is the same whatever the
//! batch's size. Used by the accept's insert (`group_commit.rs`) and the attempt
//! recorder's statement (`record_one_statement.rs`).
//!
//! Why: PostgreSQL prepares a statement per distinct text, and plans a prepared
//! statement afresh on each of its first executions. With a `VALUES` list of `$n`
//! placeholders every batch size was a new text — parsed, analysed and planned again
//! (the driver's per-connection statement cache only helps sizes it has seen) — and
//! in the ingest profile (`perf record -a`, 2026-12-02) `GetCachedPlan` alone was a
//! fifth of PostgreSQL's CPU. One text is parsed once per connection and runs on a
//! cached generic plan: the accept's planning went from 0.26 to 0.03 ms a batch.
//!
//! **A statement that reads a growing table this way needs connections that cannot
//! plan a scan.** A generic plan is made once, with the table sizes of that moment,
//! and `json_to_recordset` is estimated at 100 rows whatever it holds: the recorder's
//! `UPDATE delivery … FROM <rows>`, planned on a fresh database, became a hash join
//! over a sequential scan, kept as the table grew (4.8 ms a batch instead of 1.3;
//! ingest fell by a fifth, 2026-12-02). The recorder therefore runs on connections of
//! its own with sequential scans, hash and merge joins priced out
//! (`connect.rs::recorder_connection`), where the one plan left finds each row by
//! key. The accept's insert needs none: it reads no table (its conflict check probes
//! an index by itself).

use chrono::SecondsFormat;
use sea_orm::Value;

/// `json_to_recordset($param::json) AS <alias>("c1" t1, …)`: the rows of [`rows`] as a
/// table with typed `(column, SQL type)` columns (e.g. `("id", "text")`).
pub(super) fn recordset(param: usize, alias: &str, columns: &[(&str, &str)]) -> String {
    let typed: Vec<String> = columns
        .iter()
        .map(|(c, t)| format!("\"{c}\" {t}"))
        .collect();
    format!(
        "json_to_recordset(${param}::json) AS {alias}({})",
        typed.join(", ")
    )
}

/// The names of `columns`, without their types.
pub(super) fn names<const N: usize>(columns: &[(&'static str, &str); N]) -> [&'static str; N] {
    columns.map(|(name, _)| name)
}

/// The parameter for [`recordset`]: `rows` as a JSON array of objects keyed by
/// `columns`.
pub(super) fn rows<const N: usize>(
    columns: &[&str; N],
    rows: impl IntoIterator<Item = [Value; N]>,
) -> Value {
    let array: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.to_string(), json_of(v)))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    serde_json::Value::Array(array).to_string().into()
}

/// A bound value as `json_to_recordset` reads it back into its column type. Time as
/// RFC 3339 in microseconds, PostgreSQL's resolution (truncated, as the driver's
/// binary encoding does).
fn json_of(value: Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Bool(v) => v.map_or(J::Null, J::from),
        Value::TinyInt(v) => v.map_or(J::Null, J::from),
        Value::SmallInt(v) => v.map_or(J::Null, J::from),
        Value::Int(v) => v.map_or(J::Null, J::from),
        Value::BigInt(v) => v.map_or(J::Null, J::from),
        Value::String(v) => v.map_or(J::Null, J::from),
        Value::Json(v) => v.map_or(J::Null, |j| *j),
        Value::ChronoDateTimeUtc(v) => v.map_or(J::Null, |t| {
            J::from(t.to_rfc3339_opts(SecondsFormat::Micros, true))
        }),
        other => unreachable!("no batch row binds a {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn rows_are_objects_keyed_by_column_with_nulls_and_times_in_microseconds() {
        let at = Utc.timestamp_opt(1_764_670_000, 123_456_789).unwrap();
        let json = rows(
            &["id", "n", "gone", "at"],
            [[
                "a\"b".into(),
                7i16.into(),
                Option::<String>::None.into(),
                at.into(),
            ]],
        );
        let Value::String(Some(text)) = json else {
            panic!("a text parameter")
        };
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([{"id": "a\"b", "n": 7, "gone": null, "at": "2025-12-02T10:06:40.123456Z"}])
        );
        assert_eq!(
            recordset(3, "v", &[("id", "text"), ("n", "int2")]),
            "json_to_recordset($3::json) AS v(\"id\" text, \"n\" int2)"
        );
    }
}
