//! Reads behind feeds, sitemaps and the partner change stream: light article rows for
//! sitemaps, id-ordered sitemap pages, and changes (articles and tombstones) in order of
//! change. Which articles may appear is always the caller's scope.

use chrono::NaiveDateTime;
use diesel::{
    dsl::{self, case_when, max},
    prelude::*,
};

use super::{articles::Keyset, visibility::Scope};
use crate::db::{
    DbConnection, MultiBackend,
    rows::{ArticleRow, TombstoneRow},
    schema::{articles, tombstones},
};

/// What a sitemap needs of an article: no body, no relations.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ArticleLinkRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub language: String,
    pub section_id: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub embargo_until: Option<NaiveDateTime>,
}

/// The id `offset` places into id order among the articles in `scope`, starting
/// at `from` (inclusive) when given.
pub fn nth_id_from(
    conn: &mut DbConnection,
    scope: &Scope,
    from: Option<&str>,
    offset: i64,
) -> QueryResult<Option<String>> {
    let mut query = articles::table
        .select(articles::id)
        .filter(scope.condition())
        .into_boxed::<MultiBackend>();
    if let Some(from) = from {
        query = query.filter(articles::id.ge(from.to_owned()));
    }
    query
        .order(articles::id.asc())
        .offset(offset)
        .limit(1)
        .first(conn)
        .optional()
}

/// Up to `fetch` articles in `scope` with ids from `from` (inclusive), in id
/// order.
pub fn links_from(
    conn: &mut DbConnection,
    scope: &Scope,
    from: Option<&str>,
    fetch: i64,
) -> QueryResult<Vec<ArticleLinkRow>> {
    let mut query = articles::table
        .select(ArticleLinkRow::as_select())
        .filter(scope.condition())
        .into_boxed::<MultiBackend>();
    if let Some(from) = from {
        query = query.filter(articles::id.ge(from.to_owned()));
    }
    query.order(articles::id.asc()).limit(fetch).load(conn)
}

/// The lead pictures (`hero_image`, as stored) of those of the articles `ids` that have one:
/// for sitemaps, whose rows carry no picture.
pub fn hero_images(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .filter(articles::hero_image.is_not_null())
        .select((articles::id, articles::hero_image.assume_not_null()))
        .load(conn)
}

/// The newest `updated_at`, `published_at` and `embargo_until` among the articles in `scope`
/// lets through with ids in `[from, before)`.
pub fn newest_dates_between(
    conn: &mut DbConnection,
    scope: &Scope,
    from: Option<&str>,
    before: Option<&str>,
) -> QueryResult<[Option<NaiveDateTime>; 3]> {
    let mut query = articles::table
        .select((
            max(articles::updated_at),
            max(articles::published_at),
            max(articles::embargo_until),
        ))
        .filter(scope.condition())
        .into_boxed::<MultiBackend>();
    if let Some(from) = from {
        query = query.filter(articles::id.ge(from.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(articles::id.lt(before.to_owned()));
    }
    let (updated, published, embargo) = query.first(conn)?;
    Ok([updated, published, embargo])
}

/// Up to `fetch` articles in `scope`, published at or after `since`, newest
/// first.
pub fn links_published_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDateTime,
    fetch: i64,
) -> QueryResult<Vec<ArticleLinkRow>> {
    articles::table
        .select(ArticleLinkRow::as_select())
        .filter(scope.condition())
        .filter(articles::published_at.ge(since))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(fetch)
        .load(conn)
}

/// When an article last changed for a reader outside, as of `now`: the latest of its last
/// edit, and its publication time and its embargo's end once they have come. A scheduled
/// article or a lifting embargo is a change even though no one wrote anything then; a time
/// still ahead is not (a withdrawal under a future embargo is a change at its edit).
/// `service::syndication::change_time` computes the same from a row.
#[dsl::auto_type]
pub fn change_time(now: NaiveDateTime) -> _ {
    let embargo: dsl::AssumeNotNull<articles::embargo_until> =
        articles::embargo_until.assume_not_null();
    let published: dsl::AssumeNotNull<articles::published_at> =
        articles::published_at.assume_not_null();
    case_when(
        articles::embargo_until
            .is_not_null()
            .and(embargo.ge(articles::updated_at))
            .and(embargo.le(now))
            .and(
                articles::published_at
                    .is_null()
                    .or(embargo.ge(published))
                    .or(published.gt(now)),
            ),
        embargo,
    )
    .when(
        articles::published_at
            .is_not_null()
            .and(published.ge(articles::updated_at))
            .and(published.le(now)),
        published,
    )
    .otherwise(articles::updated_at)
}

/// Up to `fetch` articles in `scope`, in order of change time and id: after
/// `after`, changed at or after `since`, and changed no later than `until`.
pub fn changed_articles(
    conn: &mut DbConnection,
    scope: &Scope,
    now: NaiveDateTime,
    after: Option<Keyset>,
    since: Option<NaiveDateTime>,
    until: NaiveDateTime,
    fetch: i64,
) -> QueryResult<Vec<ArticleRow>> {
    let mut query = articles::table
        .select(ArticleRow::as_select())
        .filter(scope.condition())
        .filter(change_time(now).le(until))
        .into_boxed::<MultiBackend>();
    if let Some(since) = since {
        query = query.filter(change_time(now).ge(since));
    }
    if let Some(k) = after {
        query = query.filter(
            change_time(now)
                .gt(k.time)
                .or(change_time(now).eq(k.time).and(articles::id.gt(k.id))),
        );
    }
    query
        .order((change_time(now).asc(), articles::id.asc()))
        .limit(fetch)
        .load(conn)
}

/// Up to `fetch` tombstones in order of deletion and id, with the same bounds as
/// [`changed_articles`].
pub fn changed_tombstones(
    conn: &mut DbConnection,
    after: Option<Keyset>,
    since: Option<NaiveDateTime>,
    until: NaiveDateTime,
    fetch: i64,
) -> QueryResult<Vec<TombstoneRow>> {
    use tombstones::dsl as t;
    let mut query = tombstones::table
        .select(TombstoneRow::as_select())
        .filter(t::deleted_at.le(until))
        .into_boxed::<MultiBackend>();
    if let Some(since) = since {
        query = query.filter(t::deleted_at.ge(since));
    }
    if let Some(k) = after {
        query = query.filter(
            t::deleted_at
                .gt(k.time)
                .or(t::deleted_at.eq(k.time).and(t::article_id.gt(k.id))),
        );
    }
    query
        .order((t::deleted_at.asc(), t::article_id.asc()))
        .limit(fetch)
        .load(conn)
}

/// The tombstone a deleted article left, if any.
pub fn tombstone(conn: &mut DbConnection, article_id: &str) -> QueryResult<Option<TombstoneRow>> {
    tombstones::table
        .select(TombstoneRow::as_select())
        .filter(tombstones::article_id.eq(article_id))
        .first(conn)
        .optional()
}
