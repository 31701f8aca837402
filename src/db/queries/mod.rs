//! The queries, written once for both backends against `DbConnection`.

use chrono::NaiveDateTime;

/// Inserts many rows in one statement. Multi-row `INSERT` is the same SQL on both backends,
/// but Diesel's `MultiConnection` only offers it through the concrete connections.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg(c) => {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values($rows), c)
            }
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values($rows), c)
            }
        }
    };
}
pub(crate) use insert_rows;

/// Runs `$body` with `$c` bound to the concrete connection. Diesel's `MultiConnection` writes
/// out a statement's SQL twice on every call, even for a statement it keeps prepared; on the
/// concrete connection a query of static type is found prepared by its type, with no SQL
/// written at all. For the hottest reads (one public article, the relations of a page); the
/// query must be one both backends accept (not boxed for `MultiBackend`).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

pub mod articles;
pub mod assets;
pub mod editorial;
pub mod keys;
pub mod notify;
pub mod prepared;
pub mod relations;
pub mod revisions;
pub mod search;
pub mod search_index;
pub mod syndication;
pub mod taxonomy;
pub mod visibility;
pub mod webhooks;

use crate::error::{AppError, AppResult};

/// How a timestamp travels inside a cursor.
const CURSOR_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

pub fn time_to_cursor_key(t: NaiveDateTime) -> String {
    t.format(CURSOR_TIME_FORMAT).to_string()
}

pub fn time_from_cursor_key(key: &str) -> AppResult<NaiveDateTime> {
    NaiveDateTime::parse_from_str(key, CURSOR_TIME_FORMAT)
        .ok()
        .filter(|t| crate::domain::time::is_storable(*t))
        .ok_or(())
        .map_err(|_| {
            AppError::invalid_parameter(
                "cursor",
                "the cursor is malformed; pass the cursor of a previous page",
            )
        })
}
