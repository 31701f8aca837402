//! A time limit for one piece of database work on PostgreSQL: `SET LOCAL statement_timeout`
//! in a transaction of its own, so the limit ends with the work and never stays on a pooled
//! connection. SQLite has no statement timeout, and its progress handler (which could stop a
//! statement) is out of reach without unsafe code, so there the work runs unbounded.

use std::time::Duration;

use diesel::{Connection, QueryResult, connection::SimpleConnection};

use super::DbConnection;

/// Runs `work` with each of its statements limited to `limit` on PostgreSQL. A statement
/// that runs longer fails; [`crate::error::is_statement_timeout`] recognises the error.
pub fn with_statement_timeout<T>(
    conn: &mut DbConnection,
    limit: Option<Duration>,
    work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let Some(limit) = limit.filter(|_| matches!(conn, DbConnection::Pg(_))) else {
        return work(conn);
    };
    // PostgreSQL reads 0 as "no limit", so the shortest limit is 1 ms.
    let ms = limit.as_millis().clamp(1, i32::MAX as u128);
    conn.transaction(|conn| {
        conn.batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))?;
        work(conn)
    })
}
