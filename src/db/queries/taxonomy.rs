//! Sections, authors and tags: keyset lists by slug, lookups, inserts.

use diesel::prelude::*;

use crate::{
    db::{
        DbConnection, MultiBackend,
        rows::{AuthorRow, SectionRow, TagRow},
        schema::{authors, sections, tags},
    },
    domain::{Key, taxonomy::Taxonomy},
};

/// Sections ordered by slug, after the slug `after`.
pub fn list_sections(
    conn: &mut DbConnection,
    after: Option<String>,
    fetch: i64,
) -> QueryResult<Vec<SectionRow>> {
    let mut query = sections::table
        .select(SectionRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(slug) = after {
        query = query.filter(sections::slug.gt(slug));
    }
    query.order(sections::slug.asc()).limit(fetch).load(conn)
}

/// Authors ordered by slug, after the slug `after`.
pub fn list_authors(
    conn: &mut DbConnection,
    after: Option<String>,
    fetch: i64,
) -> QueryResult<Vec<AuthorRow>> {
    let mut query = authors::table
        .select(AuthorRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(slug) = after {
        query = query.filter(authors::slug.gt(slug));
    }
    query.order(authors::slug.asc()).limit(fetch).load(conn)
}

/// Tags (of one kind, if given) ordered by slug, after the slug `after`.
pub fn list_tags(
    conn: &mut DbConnection,
    kind: Option<String>,
    after: Option<String>,
    fetch: i64,
) -> QueryResult<Vec<TagRow>> {
    let mut query = tags::table
        .select(TagRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(kind) = kind {
        query = query.filter(tags::kind.eq(kind));
    }
    if let Some(slug) = after {
        query = query.filter(tags::slug.gt(slug));
    }
    query.order(tags::slug.asc()).limit(fetch).load(conn)
}

pub fn section_by_key(conn: &mut DbConnection, key: &Key) -> QueryResult<Option<SectionRow>> {
    let query = sections::table
        .select(SectionRow::as_select())
        .into_boxed::<MultiBackend>();
    let query = match key {
        Key::Slug(slug) => query.filter(sections::slug.eq(slug.clone())),
        Key::Id(id) => query.filter(sections::id.eq(id.clone())),
    };
    query.first(conn).optional()
}

pub fn author_by_key(conn: &mut DbConnection, key: &Key) -> QueryResult<Option<AuthorRow>> {
    let query = authors::table
        .select(AuthorRow::as_select())
        .into_boxed::<MultiBackend>();
    let query = match key {
        Key::Slug(slug) => query.filter(authors::slug.eq(slug.clone())),
        Key::Id(id) => query.filter(authors::id.eq(id.clone())),
    };
    query.first(conn).optional()
}

pub fn tag_by_key(conn: &mut DbConnection, key: &Key) -> QueryResult<Option<TagRow>> {
    let query = tags::table
        .select(TagRow::as_select())
        .into_boxed::<MultiBackend>();
    let query = match key {
        Key::Slug(slug) => query.filter(tags::slug.eq(slug.clone())),
        Key::Id(id) => query.filter(tags::id.eq(id.clone())),
    };
    query.first(conn).optional()
}

pub fn authors_by_slugs(conn: &mut DbConnection, slugs: &[String]) -> QueryResult<Vec<AuthorRow>> {
    authors::table
        .filter(authors::slug.eq_any(slugs))
        .select(AuthorRow::as_select())
        .load(conn)
}

pub fn tags_by_slugs(conn: &mut DbConnection, slugs: &[String]) -> QueryResult<Vec<TagRow>> {
    tags::table
        .filter(tags::slug.eq_any(slugs))
        .select(TagRow::as_select())
        .load(conn)
}

pub fn insert_sections(conn: &mut DbConnection, rows: &[SectionRow]) -> QueryResult<usize> {
    super::insert_rows!(conn, sections::table, rows)
}

pub fn insert_authors(conn: &mut DbConnection, rows: &[AuthorRow]) -> QueryResult<usize> {
    super::insert_rows!(conn, authors::table, rows)
}

pub fn insert_tags(conn: &mut DbConnection, rows: &[TagRow]) -> QueryResult<usize> {
    super::insert_rows!(conn, tags::table, rows)
}

pub fn update_section(conn: &mut DbConnection, row: &SectionRow) -> QueryResult<usize> {
    diesel::update(sections::table.filter(sections::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

pub fn update_author(conn: &mut DbConnection, row: &AuthorRow) -> QueryResult<usize> {
    diesel::update(authors::table.filter(authors::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

pub fn update_tag(conn: &mut DbConnection, row: &TagRow) -> QueryResult<usize> {
    diesel::update(tags::table.filter(tags::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

pub fn delete_section(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sections::table.filter(sections::id.eq(id))).execute(conn)
}

pub fn delete_author(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(authors::table.filter(authors::id.eq(id))).execute(conn)
}

pub fn delete_tag(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(tags::table.filter(tags::id.eq(id))).execute(conn)
}

/// Whether any article, in any state, uses this section, author or tag.
pub fn in_use(conn: &mut DbConnection, taxonomy: Taxonomy, id: &str) -> QueryResult<bool> {
    use crate::db::schema::{article_authors, article_tags, articles};
    let count: i64 = match taxonomy {
        Taxonomy::Section => articles::table
            .filter(articles::section_id.eq(id))
            .count()
            .get_result(conn)?,
        Taxonomy::Author => article_authors::table
            .filter(article_authors::author_id.eq(id))
            .count()
            .get_result(conn)?,
        Taxonomy::Tag => article_tags::table
            .filter(article_tags::tag_id.eq(id))
            .count()
            .get_result(conn)?,
    };
    Ok(count > 0)
}
