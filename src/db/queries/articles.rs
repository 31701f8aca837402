//! Article rows: filtered keyset lists, single lookups, inserts.

use chrono::NaiveDateTime;
use diesel::{
    dsl::count_star,
    prelude::*,
    sql_types::{Bool, Nullable, Text},
};

use super::{
    prepared::{by_sql, padded_keys},
    visibility::{Scope, TaggedArticles, public_at},
};
use crate::{
    db::{
        DbConnection, MultiBackend,
        rows::{ArticleAuthorRow, ArticleRow, ArticleTagRow},
        schema::{article_authors, article_tags, articles, authors, sections, tags},
    },
    domain::{
        Bodies, Key,
        article::{ArticleFilter, ArticleSort},
    },
};

/// Every column of an article row but the four bodies, which read as empty strings: a card
/// of a list costs a few hundred bytes instead of the ~10 KB its bodies weigh. In the order of
/// [`ArticleRow`]'s fields, so the row reads from it as from the whole table. The empty
/// strings are bound values, not SQL literals, which would keep Diesel from keeping the
/// statement prepared.
macro_rules! columns_without_bodies {
    () => {{
        use articles::dsl as a;
        let empty = || "".into_sql::<Text>();
        (
            a::id,
            a::slug,
            a::title,
            a::standfirst,
            a::body_format,
            empty(),
            empty(),
            empty(),
            a::section_id,
            a::status,
            a::published_at,
            a::first_published_at,
            a::publish_at,
            a::embargo_until,
            a::language,
            a::dateline,
            a::hero_image,
            a::seo_title,
            a::seo_description,
            a::canonical_url,
            a::word_count,
            a::reading_time_minutes,
            a::version,
            a::corrections,
            a::created_at,
            a::updated_at,
            a::created_by,
            a::public_since,
            empty(),
        )
    }};
}

/// The sort key and id of the last article of the previous page.
#[derive(Debug, Clone)]
pub struct Keyset {
    pub time: NaiveDateTime,
    pub id: String,
}

/// One condition of a filter. Boxed, so that all of them have one type.
pub type FilterCondition =
    Box<dyn BoxableExpression<articles::table, MultiBackend, SqlType = Nullable<Bool>>>;

/// One condition of a filter on articles joined to their taggings.
type TaggedFilterCondition =
    Box<dyn BoxableExpression<TaggedArticles, MultiBackend, SqlType = Nullable<Bool>>>;

/// The conditions `$filter` puts on article rows but its tags, boxed for the query source
/// `$source`; they combine with AND.
macro_rules! untagged_conditions_on {
    ($filter:expr, $source:ty) => {{
        use articles::dsl as a;
        let filter: &ArticleFilter = $filter;
        let mut conditions: Vec<
            Box<dyn BoxableExpression<$source, MultiBackend, SqlType = Nullable<Bool>>>,
        > = Vec::new();
        if let Some(section) = &filter.section {
            let section_ids = sections::table
                .filter(sections::slug.eq(section.as_str().to_owned()))
                .select(sections::id.nullable());
            conditions.push(Box::new(a::section_id.eq_any(section_ids)));
        }
        if let Some(author) = &filter.author {
            let bylined = article_authors::table
                .inner_join(authors::table)
                .filter(authors::slug.eq(author.as_str().to_owned()))
                .select(article_authors::article_id);
            conditions.push(Box::new(a::id.eq_any(bylined).nullable()));
        }
        if let Some(language) = &filter.language {
            conditions.push(Box::new(
                a::language.eq(language.as_str().to_owned()).nullable(),
            ));
        }
        if let Some(t) = filter.published_after {
            conditions.push(Box::new(a::published_at.ge(t)));
        }
        if let Some(t) = filter.published_before {
            conditions.push(Box::new(a::published_at.lt(t)));
        }
        if let Some(t) = filter.updated_since {
            conditions.push(Box::new(a::updated_at.ge(t).nullable()));
        }
        if let Some(status) = filter.status {
            conditions.push(Box::new(a::status.eq(status.as_str()).nullable()));
        }
        conditions
    }};
}

/// The conditions `filter` puts on article rows; they combine with AND. Lists and search
/// (`queries::search`) both narrow with these.
pub fn filter_conditions(filter: &ArticleFilter) -> Vec<FilterCondition> {
    use articles::dsl as a;
    let mut conditions = untagged_conditions_on!(filter, articles::table);
    if filter.all_tags {
        for tag in &filter.tags {
            let tagged = article_tags::table
                .inner_join(tags::table)
                .filter(tags::slug.eq(tag.as_str().to_owned()))
                .select(article_tags::article_id);
            conditions.push(Box::new(a::id.eq_any(tagged).nullable()));
        }
    } else if !filter.tags.is_empty() {
        let tagged = article_tags::table
            .inner_join(tags::table)
            .filter(
                tags::slug.eq_any(padded_keys(
                    &filter
                        .tags
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect::<Vec<_>>(),
                )),
            )
            .select(article_tags::article_id);
        conditions.push(Box::new(a::id.eq_any(tagged).nullable()));
    }
    conditions
}

/// The conditions of `filter` but its tags, on articles joined to their taggings.
fn tagged_filter_conditions(filter: &ArticleFilter) -> Vec<TaggedFilterCondition> {
    untagged_conditions_on!(filter, TaggedArticles)
}

/// One page of the article rows in `scope` matching `filter`, at most `fetch` of them,
/// after `after`.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ArticleFilter,
    sort: ArticleSort,
    after: Option<Keyset>,
    fetch: i64,
    bodies: Bodies,
) -> QueryResult<Vec<ArticleRow>> {
    use articles::dsl as a;
    if let ([tag], ArticleSort::PublishedDesc | ArticleSort::PublishedAsc) =
        (filter.tags.as_slice(), sort)
    {
        return list_of_tag(
            conn,
            scope,
            filter,
            tag.as_str(),
            sort,
            after,
            fetch,
            bodies,
        );
    }
    let mut query = articles::table
        .filter(scope.condition())
        .into_boxed::<MultiBackend>();
    for condition in filter_conditions(filter) {
        query = query.filter(condition);
    }
    query = match sort {
        ArticleSort::PublishedDesc => {
            query = query.filter(a::published_at.is_not_null());
            if let Some(k) = after {
                let published = a::published_at.assume_not_null();
                query = query.filter(
                    published
                        .lt(k.time)
                        .or(published.eq(k.time).and(a::id.lt(k.id))),
                );
            }
            query.order((a::published_at.desc(), a::id.desc()))
        }
        ArticleSort::PublishedAsc => {
            query = query.filter(a::published_at.is_not_null());
            if let Some(k) = after {
                let published = a::published_at.assume_not_null();
                query = query.filter(
                    published
                        .gt(k.time)
                        .or(published.eq(k.time).and(a::id.gt(k.id))),
                );
            }
            query.order((a::published_at.asc(), a::id.asc()))
        }
        ArticleSort::UpdatedDesc => {
            if let Some(k) = after {
                query = query.filter(
                    a::updated_at
                        .lt(k.time)
                        .or(a::updated_at.eq(k.time).and(a::id.lt(k.id))),
                );
            }
            query.order((a::updated_at.desc(), a::id.desc()))
        }
    };
    // Its SQL takes one shape per combination of filters, sort and cursor, and the tag list
    // is padded, so it can be kept prepared.
    let query = query.limit(fetch);
    match bodies {
        Bodies::Load => by_sql(query.select(ArticleRow::as_select())).load(conn),
        Bodies::Skip => by_sql(query.select(columns_without_bodies!())).load(conn),
    }
}

/// [`list`] for a filter of one tag in publication order: walks the tag's taggings by
/// `(tag_id, published_at, article_id)` (their copy of the article's `published_at`) and stops
/// after the page, where the `IN` of [`list`] visits every article of the tag and sorts them.
/// The scope and every other condition are checked on the article row, as in [`list`].
#[allow(clippy::too_many_arguments)]
fn list_of_tag(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ArticleFilter,
    tag: &str,
    sort: ArticleSort,
    after: Option<Keyset>,
    fetch: i64,
    bodies: Bodies,
) -> QueryResult<Vec<ArticleRow>> {
    use article_tags::dsl as t;
    let tag_id = tags::table
        .filter(tags::slug.eq(tag.to_owned()))
        .select(tags::id)
        .single_value();
    let mut query = article_tags::table
        .inner_join(articles::table)
        .filter(t::tag_id.nullable().eq(tag_id))
        .filter(t::published_at.is_not_null())
        .filter(scope.condition_on_tagged())
        .into_boxed::<MultiBackend>();
    for condition in tagged_filter_conditions(filter) {
        query = query.filter(condition);
    }
    let published = t::published_at.assume_not_null();
    query = if sort == ArticleSort::PublishedAsc {
        if let Some(k) = after {
            query = query.filter(
                published
                    .gt(k.time)
                    .or(published.eq(k.time).and(t::article_id.gt(k.id))),
            );
        }
        query.order((t::published_at.asc(), t::article_id.asc()))
    } else {
        if let Some(k) = after {
            query = query.filter(
                published
                    .lt(k.time)
                    .or(published.eq(k.time).and(t::article_id.lt(k.id))),
            );
        }
        query.order((t::published_at.desc(), t::article_id.desc()))
    };
    let query = query.limit(fetch);
    match bodies {
        Bodies::Load => by_sql(query.select(ArticleRow::as_select())).load(conn),
        Bodies::Skip => by_sql(query.select(columns_without_bodies!())).load(conn),
    }
}

/// The article in `scope` with this slug or id.
pub fn find(conn: &mut DbConnection, scope: &Scope, key: &Key) -> QueryResult<Option<ArticleRow>> {
    // The public's read of one article is the hottest statement: of static type, on the
    // concrete connection, it is found prepared without its SQL being written out.
    if let Scope::Public(now) = scope {
        let public = || articles::table.filter(public_at(*now));
        return match key {
            Key::Slug(slug) => super::on_backend!(conn, |c| public()
                .filter(articles::slug.eq(slug.as_str()))
                .select(ArticleRow::as_select())
                .first(c)
                .optional()),
            Key::Id(id) => super::on_backend!(conn, |c| public()
                .filter(articles::id.eq(id.as_str()))
                .select(ArticleRow::as_select())
                .first(c)
                .optional()),
        };
    }
    let mut query = articles::table
        .select(ArticleRow::as_select())
        .filter(scope.condition())
        .into_boxed::<MultiBackend>();
    query = match key {
        Key::Slug(slug) => query.filter(articles::slug.eq(slug.clone())),
        Key::Id(id) => query.filter(articles::id.eq(id.clone())),
    };
    query.first(conn).optional()
}

/// The article in `scope` with this id.
pub fn find_by_id(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<ArticleRow>> {
    find(conn, scope, &Key::Id(id.to_owned()))
}

/// The articles in `scope` with these ids, in no particular order.
pub fn find_by_ids(
    conn: &mut DbConnection,
    scope: &Scope,
    ids: &[String],
    bodies: Bodies,
) -> QueryResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = articles::table
        .filter(scope.condition())
        .filter(articles::id.eq_any(padded_keys(ids)));
    match bodies {
        Bodies::Load => by_sql(query.select(ArticleRow::as_select())).load(conn),
        Bodies::Skip => by_sql(query.select(columns_without_bodies!())).load(conn),
    }
}

/// Inserts articles with their ordered bylines and tags, in few statements.
pub fn insert_many(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    bylines: &[ArticleAuthorRow],
    tagging: &[ArticleTagRow],
) -> QueryResult<()> {
    // Chunks keep each statement under both backends' bind-parameter limits.
    for chunk in rows.chunks(500) {
        super::insert_rows!(conn, articles::table, chunk)?;
    }
    for chunk in bylines.chunks(2000) {
        super::insert_rows!(conn, article_authors::table, chunk)?;
    }
    for chunk in tagging.chunks(2000) {
        super::insert_rows!(conn, article_tags::table, chunk)?;
    }
    Ok(())
}

/// How many articles there are, visible or not.
pub fn count_all(conn: &mut DbConnection) -> QueryResult<i64> {
    articles::table.select(count_star()).first(conn)
}
