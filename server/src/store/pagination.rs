//! Keyset pagination on time-sortable ids: a page costs one indexed range scan,
//! whatever its depth or the table's size. Cursors are ids; a cursor with a leading
//! `-` walks backwards (it is what `prevIterator` hands out).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

use super::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first: the default.
    #[default]
    Descending,
    Ascending,
}

#[derive(Debug, Clone)]
pub struct Cursor {
    pub id: String,
    /// From a `prevIterator`: the page before `id`, in the list's order.
    pub backwards: bool,
}

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: u64,
    pub cursor: Option<Cursor>,
    pub order: Order,
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id to continue after (`iterator`).
    pub iterator: Option<String>,
    /// `-<first id>`: the cursor of the page before this one (`prevIterator`).
    pub prev_iterator: Option<String>,
    /// No more items in the direction walked.
    pub done: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            iterator: self.iterator,
            prev_iterator: self.prev_iterator,
            done: self.done,
        }
    }
}

/// The SQL of one page: `query` (already filtered by tenant and the list's filters)
/// plus the keyset bound, the order on `id_col` and `limit + 1` rows (the extra one
/// tells whether more follow). Public so tests can `EXPLAIN` exactly what runs.
pub fn page_query<E: EntityTrait>(
    query: Select<E>,
    id_col: E::Column,
    page: &PageRequest,
) -> Select<E> {
    // Walking "forwards" in the list's order means descending ids for a newest-first list.
    let backwards = page.cursor.as_ref().is_some_and(|c| c.backwards);
    let descending_scan = (page.order == Order::Descending) != backwards;
    let mut query = query;
    if let Some(cursor) = &page.cursor {
        query = if descending_scan {
            query.filter(id_col.lt(cursor.id.as_str()))
        } else {
            query.filter(id_col.gt(cursor.id.as_str()))
        };
    }
    query = if descending_scan {
        query.order_by_desc(id_col)
    } else {
        query.order_by_asc(id_col)
    };
    query.limit(page.limit + 1)
}

/// Runs `query` one page at a time (see [`page_query`]).
pub async fn paginate<E>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    id_col: E::Column,
    page: &PageRequest,
) -> Result<Page<E::Model>, StoreError>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E>,
{
    let backwards = page.cursor.as_ref().is_some_and(|c| c.backwards);
    let mut items = page_query(query, id_col, page).all(db).await?;
    let done = items.len() as u64 <= page.limit;
    items.truncate(page.limit as usize);
    if backwards {
        items.reverse();
    }
    let id_of = |m: &E::Model| match m.get(id_col) {
        sea_orm::Value::String(Some(s)) => Some(s.to_string()),
        _ => None,
    };
    let iterator = items.last().and_then(id_of);
    let prev_iterator = items.first().and_then(id_of).map(|id| format!("-{id}"));
    Ok(Page {
        items,
        iterator,
        prev_iterator,
        done,
    })
}

/// The smallest id of `prefix` made at `time`: `id < bound(before)` selects what was
/// created before `before`, on the id index.
pub fn id_bound(prefix: &str, time: DateTime<Utc>, upper: bool) -> String {
    let millis = time.timestamp_millis().max(0) as u64;
    let random = if upper { u128::MAX } else { 0 };
    let ulid = ulid::Ulid::from_parts(millis, random);
    format!("{prefix}{ulid}")
}
