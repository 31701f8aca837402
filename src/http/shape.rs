//! How the public REST API shapes articles (`fields`, `include`) and answers with a page of
//! them: plain for lists, with snippets for searches.

use actix_web::{HttpRequest, HttpResponse};

use super::{
    AppState,
    caching::{Freshness, respond},
    params,
    views::{
        ARTICLE_FIELDS, ArticleJson, Includes, ListEnvelope, ListMeta, SearchResultJson,
        SelectedArticleJson, ShapedArticleJson, utc,
    },
};
use crate::{
    domain::{Bodies, article::Article, page::Page, query::ArticleHit},
    error::AppResult,
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
        state: &AppState,
    ) -> AppResult<ShapedArticleJson> {
        let urls = state.content.rendition_urls();
        // JSON-LD only when named: it repeats most of the article.
        let json_ld = self
            .fields
            .iter()
            .any(|f| f == "json_ld")
            .then(|| crate::feeds::json_ld::news_article(&article, &state.publication));
        let body_blocks = self
            .fields
            .iter()
            .any(|f| f == "body_blocks")
            .then(|| crate::domain::blocks::resolve::for_reader(&article, urls));
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
        for asset in article.hero_asset.iter().chain(&article.body_assets) {
            freshness.surrogate_keys.push(format!("asset:{}", asset.id));
        }
        freshness.follow_related(&article);
        let mut view = Box::new(ArticleJson::from_domain(article, self.includes, urls));
        view.json_ld = json_ld;
        view.body_blocks = body_blocks;
        if self.fields.is_empty() {
            return Ok(ShapedArticleJson::Whole(view));
        }
        Ok(ShapedArticleJson::Selected(SelectedArticleJson {
            article: view,
            fields: SelectedArticleJson::mask(&self.fields),
        }))
    }

    /// Whether the articles need their bodies: not when `fields` names neither.
    pub(super) fn bodies(&self) -> Bodies {
        let named = |f: &str| self.fields.iter().any(|n| n == f);
        if self.fields.is_empty()
            || named("body_html")
            || named("body_text")
            || named("body_images")
            || named("body_blocks")
        {
            Bodies::Load
        } else {
            Bodies::Skip
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
                        article: self.render(hit.article, &mut freshness, state)?,
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
                .map(|hit| self.render(hit.article, &mut freshness, state))
                .collect::<AppResult<Vec<_>>>()?;
            freshness.surrogate_keys.push("articles".into());
            respond(req, cache_control, &ListEnvelope { data, meta }, freshness)
        }
    }
}
