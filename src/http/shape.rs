//! How the public REST API shapes articles (`fields`, `include`) and answers with a page of
//! them: plain for lists, with snippets for searches.

use actix_web::{HttpRequest, HttpResponse};

use super::{
    AppState,
    caching::{Freshness, respond},
    params,
    views::{
        ARTICLE_FIELDS, ArticleJson, Includes, ListEnvelope, ListMeta, SearchResultJson,
        ShapedArticleJson, utc,
    },
};
use crate::{
    domain::{article::Article, page::Page, query::ArticleHit},
    error::{AppError, AppResult},
};

/// How the caller wants articles shaped.
pub(super) struct Shape {
    includes: Includes,
    fields: Vec<String>,
}

impl Shape {
    pub(super) fn parse(fields: Option<&str>, include: Option<&str>) -> AppResult<Shape> {
        let names = params::name_list("include", include, &["authors", "tags", "section"])?;
        let includes = Includes {
            authors: names.iter().any(|n| n == "authors"),
            tags: names.iter().any(|n| n == "tags"),
            section: names.iter().any(|n| n == "section"),
        };
        Ok(Shape {
            includes,
            fields: params::name_list("fields", fields, ARTICLE_FIELDS)?,
        })
    }

    /// The article as JSON with only the requested fields (all when none were named).
    pub(super) fn render(
        &self,
        article: Article,
        freshness: &mut Freshness,
    ) -> AppResult<ShapedArticleJson> {
        freshness.touch(
            utc(article.last_changed()),
            &format!("article:{}", article.id),
        );
        for author in &article.authors {
            freshness
                .surrogate_keys
                .push(format!("author:{}", author.id));
        }
        for tag in &article.tags {
            freshness.surrogate_keys.push(format!("tag:{}", tag.id));
        }
        if let Some(section) = &article.section {
            freshness
                .surrogate_keys
                .push(format!("section:{}", section.id));
        }
        let view = ArticleJson::from_domain(article, self.includes);
        if self.fields.is_empty() {
            // The common case serializes once, straight to the response bytes.
            return Ok(ShapedArticleJson::Whole(Box::new(view)));
        }
        match serde_json::to_value(view).map_err(AppError::internal)? {
            serde_json::Value::Object(mut map) => {
                map.retain(|key, _| self.fields.iter().any(|f| f == key));
                Ok(ShapedArticleJson::Selected(map))
            }
            _ => Err(AppError::internal(
                "an article did not serialize to an object",
            )),
        }
    }

    /// A page as the public list or search envelope, with caching headers: each result with
    /// its snippet when the query searched text, the article alone otherwise.
    pub(super) fn respond(
        &self,
        req: &HttpRequest,
        state: &AppState,
        page: Page<ArticleHit>,
        limit: u32,
    ) -> AppResult<HttpResponse> {
        let next_cursor = page.next_cursor();
        let mut freshness = Freshness::default();
        let meta = ListMeta { next_cursor, limit };
        let searched = page.items.iter().any(|hit| hit.snippet.is_some());
        let cache_control = &state.settings.cache_control;
        if searched {
            let data = page
                .items
                .into_iter()
                .map(|hit| {
                    Ok(SearchResultJson {
                        article: serde_json::to_value(self.render(hit.article, &mut freshness)?)
                            .map_err(AppError::internal)?,
                        snippet: hit.snippet.unwrap_or_default(),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            freshness.surrogate_keys.push("articles".into());
            respond(req, cache_control, &ListEnvelope { data, meta }, freshness)
        } else {
            let data = page
                .items
                .into_iter()
                .map(|hit| self.render(hit.article, &mut freshness))
                .collect::<AppResult<Vec<_>>>()?;
            freshness.surrogate_keys.push("articles".into());
            respond(req, cache_control, &ListEnvelope { data, meta }, freshness)
        }
    }
}
