//! Writes of the editorial workflow: versioned article updates, link replacement, retired
//! slugs, tombstones, due schedules, and shared server secrets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection,
    rows::{
        ArticleAuthorRow, ArticleRow, ArticleSlugRow, ArticleTagRow, ServerSecretRow, TombstoneRow,
    },
    schema::{
        article_authors, article_slugs, article_tags, articles, server_secrets, tombstone_slugs,
        tombstones,
    },
};

/// Saves `row` only if the stored version is still `expected`; returns rows changed (0 or 1).
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &ArticleRow,
    expected: i32,
) -> QueryResult<usize> {
    diesel::update(
        articles::table
            .filter(articles::id.eq(&row.id))
            .filter(articles::version.eq(expected)),
    )
    .set(row)
    .execute(conn)
}

/// Replaces an article's bylines and tags.
pub fn replace_links(
    conn: &mut DbConnection,
    article_id: &str,
    bylines: &[ArticleAuthorRow],
    tagging: &[ArticleTagRow],
) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(conn)?;
    super::insert_rows!(conn, article_authors::table, bylines)?;
    super::insert_rows!(conn, article_tags::table, tagging)?;
    Ok(())
}

/// Author and tag ids of an article, in order.
pub fn link_ids(
    conn: &mut DbConnection,
    article_id: &str,
) -> QueryResult<(Vec<String>, Vec<String>)> {
    let authors = article_authors::table
        .filter(article_authors::article_id.eq(article_id))
        .order(article_authors::position.asc())
        .select(article_authors::author_id)
        .load(conn)?;
    let tags = article_tags::table
        .filter(article_tags::article_id.eq(article_id))
        .order(article_tags::position.asc())
        .select(article_tags::tag_id)
        .load(conn)?;
    Ok((authors, tags))
}

pub fn delete_article(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(articles::table.filter(articles::id.eq(id))).execute(conn)
}

/// Remembers that `slug` used to name `article_id`, so old links can be redirected.
pub fn retire_slug(conn: &mut DbConnection, row: &ArticleSlugRow) -> QueryResult<()> {
    release_slug(conn, &row.slug)?;
    diesel::insert_into(article_slugs::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Forgets a retired slug (when an article takes it again).
pub fn release_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<()> {
    diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(slug)))
        .execute(conn)
        .map(|_| ())
}

/// The article a retired slug used to name.
pub fn retired_slug_target(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<String>> {
    article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .select(article_slugs::article_id)
        .first(conn)
        .optional()
}

pub fn insert_tombstone(conn: &mut DbConnection, row: &TombstoneRow) -> QueryResult<()> {
    diesel::insert_into(tombstones::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Keeps the slugs a deleted article was renamed from, so they answer 410 like its last one.
pub fn bury_retired_slugs(
    conn: &mut DbConnection,
    article_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let slugs: Vec<String> = article_slugs::table
        .filter(article_slugs::article_id.eq(article_id))
        .select(article_slugs::slug)
        .load(conn)?;
    // A slug buried before may have served another article since; the newest burial wins.
    diesel::delete(tombstone_slugs::table.filter(tombstone_slugs::slug.eq_any(&slugs)))
        .execute(conn)?;
    for slug in slugs {
        diesel::insert_into(tombstone_slugs::table)
            .values((
                tombstone_slugs::slug.eq(slug),
                tombstone_slugs::article_id.eq(article_id),
                tombstone_slugs::deleted_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn tombstone_exists(
    conn: &mut DbConnection,
    slug: Option<&str>,
    id: Option<&str>,
) -> QueryResult<bool> {
    let mut query = tombstones::table
        .select(tombstones::article_id)
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(slug) = slug {
        query = query.filter(tombstones::slug.eq(slug.to_owned()));
    }
    if let Some(id) = id {
        query = query.filter(tombstones::article_id.eq(id.to_owned()));
    }
    if query.first::<String>(conn).optional()?.is_some() {
        return Ok(true);
    }
    let Some(slug) = slug else {
        return Ok(false);
    };
    Ok(tombstone_slugs::table
        .find(slug)
        .select(tombstone_slugs::article_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Scheduled articles whose time has come.
pub fn due_scheduled(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<ArticleRow>> {
    articles::table
        .filter(articles::status.eq("scheduled"))
        .filter(articles::publish_at.le(now))
        .select(ArticleRow::as_select())
        .load(conn)
}

pub fn secret(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    server_secrets::table
        .filter(server_secrets::name.eq(name))
        .select(server_secrets::value)
        .first(conn)
        .optional()
}

pub fn insert_secret(conn: &mut DbConnection, row: &ServerSecretRow) -> QueryResult<()> {
    diesel::insert_into(server_secrets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
