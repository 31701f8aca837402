//! GraphQL full-text search: the `search` connection's types, over the same service method as
//! `GET /v1/search`.

use async_graphql::{Context, Enum, Object};

use super::nodes::{ArticleNode, parts_wanted as node_parts_wanted};
use crate::domain::{
    Bodies, Relations, article::ArticleSort, query::ArticleHit, search::SearchSort,
};

/// Orders of search results.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(name = "SearchSort")]
pub enum SearchSortEnum {
    /// Best match first (title over standfirst over body); the newest first among equals.
    #[default]
    Relevance,
    /// Newest first.
    PublishedAtDesc,
    /// Oldest first.
    PublishedAtAsc,
    /// Most recently changed first.
    UpdatedAtDesc,
}

impl From<SearchSortEnum> for SearchSort {
    fn from(sort: SearchSortEnum) -> Self {
        match sort {
            SearchSortEnum::Relevance => SearchSort::Relevance,
            SearchSortEnum::PublishedAtDesc => SearchSort::Date(ArticleSort::PublishedDesc),
            SearchSortEnum::PublishedAtAsc => SearchSort::Date(ArticleSort::PublishedAsc),
            SearchSortEnum::UpdatedAtDesc => SearchSort::Date(ArticleSort::UpdatedDesc),
        }
    }
}

/// One article found, with the passage that matched.
pub struct SearchResultNode {
    article: ArticleNode,
    snippet: String,
}

impl SearchResultNode {
    pub fn new(hit: ArticleHit, relations: Relations, bodies: Bodies) -> Self {
        SearchResultNode {
            article: ArticleNode::listed(hit.article, relations, bodies),
            snippet: hit.snippet.unwrap_or_default(),
        }
    }
}

#[Object(name = "SearchResult")]
impl SearchResultNode {
    async fn article(&self) -> &ArticleNode {
        &self.article
    }
    /// HTML-safe text around the matches, each match in `<mark>`…`</mark>`.
    async fn snippet(&self) -> &str {
        &self.snippet
    }
}

/// What the results' articles ask for: related objects (then the page loads them in one
/// query per relation) and bodies.
pub fn parts_wanted(ctx: &Context<'_>) -> (Relations, Bodies) {
    node_parts_wanted(
        ctx.look_ahead()
            .field("edges")
            .field("node")
            .field("article"),
    )
}
