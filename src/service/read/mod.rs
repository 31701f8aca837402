//! The one read path. Every read of articles, from every surface (REST, GraphQL, feeds, the
//! partner stream's article, webhook payloads, the admin API), comes through one of two doors:
//!
//! - [`ContentService::articles`]: a list or a full-text search, as an [`ArticleQuery`];
//! - [`ContentService::article`]: one article by slug or id, or where its slug went, or why
//!   it is gone.
//!
//! Both take the [`Audience`], and the audience alone picks the [`Scope`] every query needs:
//! there is no way to read article rows without one.
//!
//! [`Scope`]: crate::db::queries::visibility::Scope

mod list;
mod one;
pub mod relations;
pub mod search;
pub mod terms;

pub use one::Lookup;

use super::{ContentService, audience::Audience};
use crate::{
    domain::{
        self,
        page::Page,
        query::{ArticleHit, ArticleQuery},
        search::SearchSort,
    },
    error::{AppError, AppResult},
};

impl ContentService {
    /// A page of the articles `audience` may see that `query` asks for: a keyset list, or,
    /// with a text query, a search (which waits for a turn at the search gate).
    pub async fn articles(
        &self,
        audience: &Audience,
        mut query: ArticleQuery,
    ) -> AppResult<Page<ArticleHit>> {
        let scope = audience.list_scope(domain::now());
        match (query.text.take(), query.sort) {
            (Some(text), _) => self.search_page(scope, text, query).await,
            (None, SearchSort::Date(sort)) => self.list_page(scope, sort, query).await,
            (None, SearchSort::Relevance) => Err(AppError::invalid_parameter(
                "sort",
                "relevance order needs words to search for",
            )),
        }
    }
}

impl ContentService {
    /// How many articles are stored, in any state: for operators (`byline status`, the demo
    /// seed), never shown to readers.
    pub async fn count_articles(&self) -> AppResult<i64> {
        self.db
            .read(|conn| Ok(crate::db::queries::articles::count_all(conn)?))
            .await
    }
}
