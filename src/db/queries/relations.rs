//! Batch loading of what a page of articles refers to: one query per relation, never one
//! per article. The GraphQL loaders call the same functions.

use chrono::NaiveDateTime;
use diesel::{dsl::count_star, prelude::*};

use super::{
    prepared::{by_sql, padded_keys},
    visibility::public_at,
};
use crate::db::{
    DbConnection,
    rows::{AuthorRow, SectionRow, TagRow},
    schema::{article_authors, article_tags, articles, authors, sections, tags},
};

/// `(article_id, author_id)` pairs for these articles, in byline order (read from the
/// `(article_id, position, author_id)` index alone).
pub fn author_ids_of(
    conn: &mut DbConnection,
    article_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    super::on_backend!(conn, |c| by_sql(
        article_authors::table
            .filter(article_authors::article_id.eq_any(padded_keys(article_ids)))
            .order((article_authors::article_id, article_authors::position))
            .select((article_authors::article_id, article_authors::author_id)),
    )
    .load(c))
}

/// `(article_id, tag_id)` pairs for these articles, in tag order (read from the
/// `(article_id, position, tag_id)` index alone).
pub fn tag_ids_of(
    conn: &mut DbConnection,
    article_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    super::on_backend!(conn, |c| by_sql(
        article_tags::table
            .filter(article_tags::article_id.eq_any(padded_keys(article_ids)))
            .order((article_tags::article_id, article_tags::position))
            .select((article_tags::article_id, article_tags::tag_id)),
    )
    .load(c))
}

/// The authors with these ids.
pub fn authors_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<AuthorRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::on_backend!(conn, |c| by_sql(
        authors::table
            .filter(authors::id.eq_any(padded_keys(ids)))
            .select(AuthorRow::as_select()),
    )
    .load(c))
}

/// The tags with these ids.
pub fn tags_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<TagRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::on_backend!(conn, |c| by_sql(
        tags::table
            .filter(tags::id.eq_any(padded_keys(ids)))
            .select(TagRow::as_select()),
    )
    .load(c))
}

/// The sections with these ids.
pub fn sections_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<SectionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::on_backend!(conn, |c| by_sql(
        sections::table
            .filter(sections::id.eq_any(padded_keys(ids)))
            .select(SectionRow::as_select()),
    )
    .load(c))
}

/// How many articles the public sees at `now` each of these authors has.
pub fn public_counts_by_author(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    author_ids: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    if author_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_authors::table
        .filter(article_authors::author_id.eq_any(author_ids))
        .filter(
            article_authors::article_id
                .eq_any(articles::table.filter(public_at(now)).select(articles::id)),
        )
        .group_by(article_authors::author_id)
        .select((article_authors::author_id, count_star()))
        .load(conn)
}

/// How many articles the public sees at `now` each of these tags has.
pub fn public_counts_by_tag(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    tag_ids: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    if tag_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_tags::table
        .filter(article_tags::tag_id.eq_any(tag_ids))
        .filter(
            article_tags::article_id
                .eq_any(articles::table.filter(public_at(now)).select(articles::id)),
        )
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, count_star()))
        .load(conn)
}

/// How many articles the public sees at `now` each of these sections has.
pub fn public_counts_by_section(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    section_ids: &[String],
) -> QueryResult<Vec<(Option<String>, i64)>> {
    if section_ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(public_at(now))
        .filter(
            articles::section_id.eq_any(
                section_ids
                    .iter()
                    .map(|id| Some(id.clone()))
                    .collect::<Vec<_>>(),
            ),
        )
        .group_by(articles::section_id)
        .select((articles::section_id, count_star()))
        .load(conn)
}
