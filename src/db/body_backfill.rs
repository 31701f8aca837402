//! The data half of migration `2026-12-04-000011_body_blocks`: the block document of every
//! stored body, read from its stored HTML (the HTML is left as it is, so no article changes
//! what readers get). Runs after the schema migrations, in batches, and again harmlessly:
//! only rows still without blocks are read.

use diesel::prelude::*;

use super::{DbConnection, schema::articles};
use crate::domain::blocks::parse::from_html;

/// Rows read and written per statement.
const BATCH: i64 = 200;

/// Derives the blocks of every article that has none; returns how many it derived.
pub fn run(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let pending: Vec<(String, String)> = articles::table
            .filter(articles::body_blocks.eq(""))
            .select((articles::id, articles::body_html))
            .order(articles::id)
            .limit(BATCH)
            .load(conn)?;
        if pending.is_empty() {
            return Ok(done);
        }
        conn.transaction(|conn| {
            for (id, html) in &pending {
                let blocks = serde_json::to_string(&from_html(html))
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                diesel::update(articles::table.find(id))
                    .set(articles::body_blocks.eq(blocks))
                    .execute(conn)?;
            }
            QueryResult::Ok(())
        })?;
        done += pending.len();
    }
}
