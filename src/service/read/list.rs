//! Article lists: keyset pages in a date order within a scope.

use super::relations;
use crate::{
    db::{
        queries::{self, articles::Keyset, visibility::Scope},
        rows::ArticleRow,
    },
    domain::{
        article::ArticleSort,
        page::{Cursor, Page},
        query::{ArticleHit, ArticleQuery},
    },
    error::AppResult,
    service::ContentService,
};

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
    let Some(cursor) = Cursor::decode(cursor, sort.as_str())? else {
        return Ok(None);
    };
    Ok(Some(Keyset {
        time: queries::time_from_cursor_key(&cursor.key)?,
        id: cursor.id,
    }))
}

impl ContentService {
    /// A page of the articles in `scope` matching the query's filter, in `sort` order.
    pub(super) async fn list_page(
        &self,
        scope: Scope,
        sort: ArticleSort,
        query: ArticleQuery,
    ) -> AppResult<Page<ArticleHit>> {
        let after = keyset_after(query.cursor.as_deref(), sort)?;
        let ArticleQuery {
            filter,
            limit,
            relations,
            bodies,
            ..
        } = query;
        let memo = self.terms.clone();
        self.db
            .read_short(move |conn| {
                let rows = queries::articles::list(
                    conn,
                    &scope,
                    &filter,
                    sort,
                    after,
                    i64::from(limit) + 1,
                    bodies,
                )?;
                Page::from_overfetch(rows, limit, |row| cursor_of(sort, row)).try_map_all(|rows| {
                    Ok(relations::load(conn, rows, relations, Some(&memo))?
                        .into_iter()
                        .map(|article| ArticleHit {
                            article,
                            snippet: None,
                        })
                        .collect())
                })
            })
            .await
    }
}
