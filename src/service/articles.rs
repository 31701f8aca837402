//! Articles: public and staff reads with their relations. Writes live in `editorial`.

use std::collections::HashSet;

use super::{ContentService, batch, visibility};
use crate::{
    db::{
        DbConnection, convert,
        queries::{self, articles::Keyset},
        rows::ArticleRow,
    },
    domain::{
        self, Key, Relations,
        article::{Article, ArticleFilter, ArticleSort},
        page::{Cursor, Page},
    },
    error::{AppError, AppResult},
};

/// Attaches sections, authors and tags to a page of rows: three queries, whatever the size.
pub fn hydrate(conn: &mut DbConnection, rows: Vec<ArticleRow>) -> AppResult<Vec<Article>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let section_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut authors = batch::authors_by_article(conn, &ids)?;
    let mut tags = batch::tags_by_article(conn, &ids)?;
    let sections = batch::sections_by_id(conn, &section_ids)?;
    rows.into_iter()
        .map(|row| {
            let section = row
                .section_id
                .as_ref()
                .and_then(|id| sections.get(id).cloned());
            let mut article = convert::article(row)?;
            article.section = section;
            article.authors = authors.remove(&article.id).unwrap_or_default();
            article.tags = tags.remove(&article.id).unwrap_or_default();
            Ok(article)
        })
        .collect()
}

fn cursor_of(sort: ArticleSort, row: &ArticleRow) -> Cursor {
    let time = match sort {
        ArticleSort::PublishedDesc | ArticleSort::PublishedAsc => {
            row.published_at.unwrap_or(row.updated_at)
        }
        ArticleSort::UpdatedDesc => row.updated_at,
    };
    Cursor {
        sort: sort.as_str().to_owned(),
        key: queries::time_to_cursor_key(time),
        id: row.id.clone(),
    }
}

/// The keyset a client's cursor points after.
fn keyset_after(cursor: Option<&str>, sort: ArticleSort) -> AppResult<Option<Keyset>> {
    let Some(raw) = cursor else { return Ok(None) };
    let cursor = Cursor::decode(raw, sort.as_str())?;
    Ok(Some(Keyset {
        time: queries::time_from_cursor_key(&cursor.key)?,
        id: cursor.id,
    }))
}

impl ContentService {
    /// A page of articles in any state (for staff), filtered and sorted.
    pub async fn list_articles_unfiltered(
        &self,
        filter: ArticleFilter,
        sort: ArticleSort,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<Article>> {
        let after = keyset_after(cursor, sort)?;
        self.db
            .read(move |conn| {
                let rows = queries::articles::list(
                    conn,
                    None,
                    &filter,
                    sort,
                    after,
                    i64::from(limit) + 1,
                )?;
                Page::from_overfetch(rows, limit, |row| cursor_of(sort, row))
                    .try_map_all(|rows| hydrate(conn, rows))
            })
            .await
    }

    /// A page of the articles the public may see, filtered and sorted.
    pub async fn list_public_articles(
        &self,
        filter: ArticleFilter,
        sort: ArticleSort,
        cursor: Option<&str>,
        limit: u32,
        relations: Relations,
    ) -> AppResult<Page<Article>> {
        let after = keyset_after(cursor, sort)?;
        let now = domain::now();
        self.db
            .read(move |conn| {
                let visible = visibility::public_predicate(now);
                let rows = queries::articles::list(
                    conn,
                    Some(visible),
                    &filter,
                    sort,
                    after,
                    i64::from(limit) + 1,
                )?;
                let page = Page::from_overfetch(rows, limit, |row| cursor_of(sort, row));
                page.try_map_all(|rows| attach(conn, rows, relations))
            })
            .await
    }

    /// One public article by slug or id; a hidden article is as absent as a missing one.
    pub async fn public_article(&self, key: Key, relations: Relations) -> AppResult<Article> {
        if !key.is_well_formed() {
            return Err(AppError::not_found(
                "no published article has this slug or id",
            ));
        }
        let now = domain::now();
        self.db
            .read(move |conn| {
                let visible = Some(visibility::public_predicate(now));
                let row = queries::articles::find(conn, visible, &key)?;
                let row = row.ok_or_else(|| {
                    AppError::not_found("no published article has this slug or id")
                })?;
                attach(conn, vec![row], relations)?
                    .pop()
                    .ok_or_else(|| AppError::not_found("no such article"))
            })
            .await
    }
}

/// Rows into articles, with or without their relations.
fn attach(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
    relations: Relations,
) -> AppResult<Vec<Article>> {
    match relations {
        Relations::Load => hydrate(conn, rows),
        Relations::Skip => rows.into_iter().map(convert::article).collect(),
    }
}

impl ContentService {
    /// How many articles are stored, in any state.
    pub async fn count_articles(&self) -> AppResult<i64> {
        self.db
            .read(|conn| Ok(queries::articles::count_all(conn)?))
            .await
    }
}
