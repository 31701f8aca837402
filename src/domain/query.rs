//! One read of articles, as every surface asks for it: which articles, found how, in what
//! order, which page, with or without their relations. Who is asking travels beside it (the
//! service's `Audience`), never inside it.

use super::{
    Bodies, Relations,
    article::{Article, ArticleFilter, ArticleSort},
    page::DEFAULT_LIMIT,
    search::{SearchQuery, SearchSort},
};

/// A list or a search of articles.
#[derive(Debug, Clone)]
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    /// Words to find: results then carry a snippet and may come in relevance order.
    pub text: Option<SearchQuery>,
    /// `Relevance` needs `text`.
    pub sort: SearchSort,
    /// Where the previous page ended, as the client got it.
    pub cursor: Option<String>,
    /// Page size, already checked (`page::page_size`).
    pub limit: u32,
    pub relations: Relations,
    pub bodies: Bodies,
}

impl ArticleQuery {
    /// The first page of a list in a date order, with relations.
    pub fn list(filter: ArticleFilter, sort: ArticleSort) -> ArticleQuery {
        ArticleQuery {
            filter,
            text: None,
            sort: SearchSort::Date(sort),
            cursor: None,
            limit: DEFAULT_LIMIT,
            relations: Relations::Load,
            bodies: Bodies::Load,
        }
    }

    /// The first page of a full-text search, with relations.
    pub fn search(text: SearchQuery, filter: ArticleFilter, sort: SearchSort) -> ArticleQuery {
        ArticleQuery {
            text: Some(text),
            sort,
            ..ArticleQuery::list(filter, ArticleSort::default())
        }
    }

    /// The page after `cursor`, of `limit` articles.
    pub fn page(self, cursor: Option<String>, limit: u32) -> ArticleQuery {
        ArticleQuery {
            cursor,
            limit,
            ..self
        }
    }

    pub fn with_relations(self, relations: Relations) -> ArticleQuery {
        ArticleQuery { relations, ..self }
    }

    pub fn with_bodies(self, bodies: Bodies) -> ArticleQuery {
        ArticleQuery { bodies, ..self }
    }
}

/// One article a query found; with a text query, the passage that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHit {
    pub article: Article,
    /// HTML-safe text around the matches, each match in `<mark>`…`</mark>`.
    pub snippet: Option<String>,
}
