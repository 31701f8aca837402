//! Revisions: a stored snapshot of every saved change of an article.

use diesel::prelude::*;

use crate::db::{DbConnection, rows::RevisionRow, schema::revisions};

pub fn insert(conn: &mut DbConnection, row: &RevisionRow) -> QueryResult<()> {
    diesel::insert_into(revisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The revisions of one article, oldest first.
pub fn of_article(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<RevisionRow>> {
    revisions::table
        .filter(revisions::article_id.eq(article_id))
        .order(revisions::version.asc())
        .select(RevisionRow::as_select())
        .load(conn)
}
