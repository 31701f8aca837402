//! `NOTIFY` on PostgreSQL: payloads queued in the current transaction, delivered to every
//! listening session on the database when it commits (and never, if it rolls back).

use diesel::{
    prelude::*,
    sql_types::{Array, Text},
};

use crate::db::DbConnection;

/// Queues `payloads` on `channel` in the current transaction. SQLite has no other sessions
/// to tell: nothing is sent.
pub fn send(conn: &mut DbConnection, channel: &str, payloads: &[String]) -> QueryResult<()> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    if payloads.is_empty() {
        return Ok(());
    }
    // One statement for all parts (usually one).
    diesel::sql_query("SELECT pg_notify($1, payload) FROM unnest($2) AS payload")
        .bind::<Text, _>(channel)
        .bind::<Array<Text>, _>(payloads)
        .execute(pg)?;
    Ok(())
}
