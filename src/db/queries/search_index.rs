//! Bulk loads and the search index: hold the search insert triggers off while many articles
//! go in, then index those articles with one set-based statement that gives exactly what the
//! triggers would have given.
//!
//! The triggers (migration `2026-11-26-000002_search`) keep the index right through every
//! edit, but they are costly for a bulk load: on SQLite each byline and tag row rewrites the
//! article's whole FTS5 row (its body tokenized again), on PostgreSQL each statement of link
//! rows rebuilds the names part of its articles' documents (a new row version and new GIN
//! entries each time).
//!
//! Use the three steps inside one transaction:
//!
//! ```text
//! let held = hold_insert_triggers(conn)?;    // None: load with the triggers firing
//! /* insert articles, bylines, tagging */
//! if let Some(held) = held {
//!     index_articles(conn, &ids)?;           // the loaded articles, in insertion order
//!     held.restore(conn)?;
//! }
//! ```
//!
//! Both backends change triggers transactionally, so nobody else ever sees them off, and a
//! load that fails or is interrupted rolls back with the triggers as they were. Only the three
//! insert triggers are held; the update and delete ones cannot fire during an insert.
//!
//! - SQLite has no way to disable a trigger: they are dropped and created again from their
//!   own text in `sqlite_master`, so their definitions stay exactly the migrated ones.
//! - PostgreSQL: `ALTER TABLE … DISABLE TRIGGER` by name (the table owner may do it; no
//!   superuser needed), and afterwards each is set back to the state it had.

use diesel::{
    QueryableByName, RunQueryDsl,
    connection::SimpleConnection,
    sql_types::{Array, Bool, Text},
};

use crate::db::DbConnection;

/// The search triggers that fire when articles and their links are inserted: (table, trigger).
const INSERT_TRIGGERS: [(&str, &str); 3] = [
    ("articles", "articles_search_insert"),
    ("article_authors", "article_authors_search_insert"),
    ("article_tags", "article_tags_search_insert"),
];

/// Search insert triggers held off; [`HeldTriggers::restore`] puts them back.
#[must_use = "the search triggers stay off until `restore` runs"]
#[derive(Debug)]
pub struct HeldTriggers {
    /// The statements that put the triggers back as they were.
    restore: Vec<String>,
}

impl HeldTriggers {
    /// Puts the held triggers back as they were.
    pub fn restore(self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        for statement in &self.restore {
            conn.batch_execute(statement)?;
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct SqliteTrigger {
    #[diesel(sql_type = Text)]
    sql: String,
}

#[derive(QueryableByName)]
struct PgTrigger {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Bool)]
    owned: bool,
}

/// Holds the search insert triggers off until [`HeldTriggers::restore`]; run inside a
/// transaction. `None` when they cannot be held (not all three exist, or on PostgreSQL this
/// role does not own the tables): nothing has changed, and inserts keep the index by
/// themselves.
pub fn hold_insert_triggers(conn: &mut DbConnection) -> diesel::QueryResult<Option<HeldTriggers>> {
    let mut restore = Vec::with_capacity(INSERT_TRIGGERS.len());
    let mut hold = Vec::with_capacity(INSERT_TRIGGERS.len());
    for (table, trigger) in INSERT_TRIGGERS {
        match conn {
            DbConnection::Sqlite(c) => {
                let found: Vec<SqliteTrigger> = diesel::sql_query(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
                )
                .bind::<Text, _>(trigger)
                .bind::<Text, _>(table)
                .load(c)?;
                let Some(found) = found.into_iter().next() else {
                    return Ok(None);
                };
                hold.push(format!("DROP TRIGGER {trigger}"));
                restore.push(found.sql);
            }
            DbConnection::Pg(c) => {
                let found: Vec<PgTrigger> = diesel::sql_query(
                    "SELECT t.tgenabled::text AS state, pg_has_role(c.relowner, 'USAGE') AS owned \
                     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                     WHERE t.tgrelid = $1::regclass AND t.tgname = $2",
                )
                .bind::<Text, _>(table)
                .bind::<Text, _>(trigger)
                .load(c)?;
                let Some(found) = found.into_iter().next().filter(|t| t.owned) else {
                    return Ok(None);
                };
                let back = match found.state.as_str() {
                    "O" => "ENABLE",
                    "A" => "ENABLE ALWAYS",
                    "R" => "ENABLE REPLICA",
                    // Already disabled: it stays so.
                    _ => continue,
                };
                hold.push(format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}"));
                restore.push(format!("ALTER TABLE {table} {back} TRIGGER {trigger}"));
            }
        }
    }
    for statement in &hold {
        conn.batch_execute(statement)?;
    }
    Ok(Some(HeldTriggers { restore }))
}

/// Indexes these articles (already inserted with their bylines and tagging, not yet in the
/// index) as the insert triggers would have: on SQLite their search ids are given in this
/// order, as the trigger gives them in insertion order.
pub fn index_articles(conn: &mut DbConnection, ids: &[String]) -> diesel::QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    match conn {
        // The trigger's own function: the whole document, A to D, and `search_configs`.
        DbConnection::Pg(c) => {
            diesel::sql_query("SELECT byline_search_index($1)")
                .bind::<Array<Text>, _>(ids)
                .execute(c)?;
        }
        // The row `articles_search_insert` writes, with the names the link triggers write
        // last (the same subqueries).
        DbConnection::Sqlite(c) => {
            let ids = serde_json::Value::from(ids).to_string();
            diesel::sql_query(
                "INSERT INTO article_search_ids (article_id) \
                 SELECT j.value FROM json_each(?) j ORDER BY j.key",
            )
            .bind::<Text, _>(&ids)
            .execute(c)?;
            diesel::sql_query(
                "INSERT INTO article_fts (rowid, title, standfirst, body, tags, authors) \
                 SELECT m.fts_rowid, a.title, coalesce(a.standfirst, ''), a.body_text, \
                   (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT t.name \
                      FROM article_tags x JOIN tags t ON t.id = x.tag_id \
                     WHERE x.article_id = a.id ORDER BY x.position)), \
                   (SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT au.name \
                      FROM article_authors x JOIN authors au ON au.id = x.author_id \
                     WHERE x.article_id = a.id ORDER BY x.position)) \
                 FROM json_each(?) j \
                 JOIN article_search_ids m ON m.article_id = j.value \
                 JOIN articles a ON a.id = j.value \
                 ORDER BY j.key",
            )
            .bind::<Text, _>(&ids)
            .execute(c)?;
        }
    }
    Ok(())
}
