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
use serde::{Serialize, Serializer, ser::SerializeMap};

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
/// `columns`, written straight into one string. (Built as `serde_json::Value`s first,
/// each row was a sorted map with its keys allocated: the recorder's 19 columns and
/// the accept's deliveries made that a visible share of the process's CPU.)
pub(super) fn rows<const N: usize>(
    columns: &[&str; N],
    rows: impl IntoIterator<Item = [Value; N]>,
) -> Value {
    let rows: Vec<Row<'_, N>> = rows
        .into_iter()
        .map(|values| Row { columns, values })
        .collect();
    serde_json::to_string(&rows)
        .expect("rows of plain values serialize")
        .into()
}

/// One row: an object of `columns[i]: values[i]`.
struct Row<'a, const N: usize> {
    columns: &'a [&'a str; N],
    values: [Value; N],
}

impl<const N: usize> Serialize for Row<'_, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_map(Some(N))?;
        for (column, value) in self.columns.iter().zip(&self.values) {
            object.serialize_entry(column, &Cell(value))?;
        }
        object.end()
    }
}

/// A bound value as `json_to_recordset` reads it back into its column type. Time as
/// RFC 3339 in microseconds, PostgreSQL's resolution (truncated, as the driver's
/// binary encoding does).
struct Cell<'a>(&'a Value);

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Bool(v) => v.serialize(serializer),
            Value::TinyInt(v) => v.serialize(serializer),
            Value::SmallInt(v) => v.serialize(serializer),
            Value::Int(v) => v.serialize(serializer),
            Value::BigInt(v) => v.serialize(serializer),
            Value::String(v) => v.serialize(serializer),
            Value::Json(v) => v.serialize(serializer),
            Value::ChronoDateTimeUtc(v) => v
                .as_ref()
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
                .serialize(serializer),
            other => unreachable!("no batch row binds a {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn rows_are_objects_keyed_by_column_with_nulls_json_and_times_in_microseconds() {
        let at = Utc.timestamp_opt(1_764_670_000, 123_456_789).unwrap();
        let json = rows(
            &["id", "n", "gone", "at", "ok", "doc"],
            [
                [
                    "a\"b".into(),
                    7i16.into(),
                    Option::<String>::None.into(),
                    at.into(),
                    true.into(),
                    serde_json::json!({"k": [1, "x"]}).into(),
                ],
                [
                    "c".into(),
                    Option::<i16>::None.into(),
                    "".into(),
                    Option::<chrono::DateTime<Utc>>::None.into(),
                    false.into(),
                    Option::<serde_json::Value>::None.into(),
                ],
            ],
        );
        let Value::String(Some(text)) = json else {
            panic!("a text parameter")
        };
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([
                {"id": "a\"b", "n": 7, "gone": null, "at": "2025-12-02T10:06:40.123456Z",
                 "ok": true, "doc": {"k": [1, "x"]}},
                {"id": "c", "n": null, "gone": "", "at": null, "ok": false, "doc": null},
            ])
        );
        assert_eq!(
            recordset(3, "v", &[("id", "text"), ("n", "int2")]),
            "json_to_recordset($3::json) AS v(\"id\" text, \"n\" int2)"
        );
    }
}
