//! REST handlers for articles: parse the request, call the service, shape the view.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{
    AppState,
    auth::optional_caller,
    caching::{Freshness, respond},
    params,
    problem::Problem,
    views::{ARTICLE_FIELDS, ArticleJson, Includes, ItemEnvelope, ListEnvelope, ListMeta, utc},
};
use crate::{
    auth::Action,
    domain::{
        Key, Relations,
        article::{Article, ArticleFilter, ArticleSort, MAX_FILTER_TAGS},
    },
    error::{AppError, AppResult},
    service::editorial::{PublicLookup, Reader},
};

/// Query parameters of `GET /v1/articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    /// Full-text query, as on `/v1/search`; results then also carry a `snippet`, and come in
    /// date order (`sort`). For relevance order use `/v1/search`.
    pub(super) q: Option<String>,
    /// Section slug.
    pub(super) section: Option<String>,
    /// One or more tag slugs, comma-separated.
    pub(super) tag: Option<String>,
    /// With several tags: `all` (default) needs every tag, `any` needs one of them.
    pub(super) tag_mode: Option<String>,
    /// Author slug.
    pub(super) author: Option<String>,
    /// BCP 47 language tag, e.g. `en`.
    pub(super) lang: Option<String>,
    /// Only articles published at or after this RFC 3339 time.
    pub(super) published_after: Option<String>,
    /// Only articles published before this RFC 3339 time.
    pub(super) published_before: Option<String>,
    /// Only articles changed at or after this RFC 3339 time (for clients that sync).
    pub(super) updated_since: Option<String>,
    /// `-published_at` (default), `published_at` or `-updated_at`.
    pub(super) sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub(super) limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    pub(super) cursor: Option<String>,
    /// Comma-separated article fields to return, e.g. `id,slug,title`.
    pub(super) fields: Option<String>,
    /// Related objects to embed whole: any of `authors,tags,section`.
    pub(super) include: Option<String>,
}

/// Query parameters of single-article reads.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleReadParams {
    /// A preview token minted by an editor: reads this one article in any state.
    preview_token: Option<String>,
    /// Comma-separated article fields to return.
    fields: Option<String>,
    /// Related objects to embed whole: any of `authors,tags,section`.
    include: Option<String>,
}

/// An article as sent: whole, or only the fields asked for.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum RenderedArticle {
    Whole(Box<ArticleJson>),
    Selected(serde_json::Map<String, serde_json::Value>),
}

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
    ) -> AppResult<RenderedArticle> {
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
            return Ok(RenderedArticle::Whole(Box::new(view)));
        }
        match serde_json::to_value(view).map_err(AppError::internal)? {
            serde_json::Value::Object(mut map) => {
                map.retain(|key, _| self.fields.iter().any(|f| f == key));
                Ok(RenderedArticle::Selected(map))
            }
            _ => Err(AppError::internal(
                "an article did not serialize to an object",
            )),
        }
    }
}

pub(super) fn filter_from(p: &ArticleListParams) -> AppResult<ArticleFilter> {
    let all_tags = match p.tag_mode.as_deref() {
        None | Some("all") => true,
        Some("any") => false,
        Some(other) => {
            return Err(AppError::invalid_parameter(
                "tag_mode",
                format!("tag_mode must be `all` or `any`, got `{other}`"),
            ));
        }
    };
    Ok(ArticleFilter {
        section: params::slug("section", p.section.as_deref())?,
        tags: params::slug_list("tag", p.tag.as_deref(), MAX_FILTER_TAGS)?,
        all_tags,
        author: params::slug("author", p.author.as_deref())?,
        language: params::language(p.lang.as_deref())?,
        published_after: params::timestamp("published_after", p.published_after.as_deref())?,
        published_before: params::timestamp("published_before", p.published_before.as_deref())?,
        updated_since: params::timestamp("updated_since", p.updated_since.as_deref())?,
        ..Default::default()
    })
}

/// List published articles.
///
/// Filters combine with AND. Pages are walked with `cursor`; their cost does not grow with
/// depth. Drafts, scheduled and embargoed articles never appear.
#[utoipa::path(
    tag = "articles",
    params(ArticleListParams),
    responses(
        (status = 200, description = "A page of articles", body = ListEnvelope<ArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "With `q`: too many searches are running; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[get("/v1/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ArticleListParams>,
) -> AppResult<HttpResponse> {
    let p = query.into_inner();
    let filter = filter_from(&p)?;
    let sort = params::choice::<ArticleSort>("sort", p.sort.as_deref())?.unwrap_or_default();
    let limit = params::limit(p.limit.as_deref())?;
    let shape = Shape::parse(p.fields.as_deref(), p.include.as_deref())?;
    if let Some(q) = p.q.as_deref() {
        let query = crate::service::search::parse_query("q", q)?;
        let sort = crate::domain::search::SearchSort::Date(sort);
        let cursor = p.cursor.as_deref();
        return super::search::results(&req, &state, query, filter, sort, cursor, limit, &shape)
            .await;
    }
    let page = state
        .content
        .list_public_articles(filter, sort, p.cursor.as_deref(), limit, Relations::Load)
        .await?;
    let next_cursor = page.next_cursor();
    let mut freshness = Freshness::default();
    let data = page
        .items
        .into_iter()
        .map(|a| shape.render(a, &mut freshness))
        .collect::<AppResult<Vec<_>>>()?;
    freshness.surrogate_keys.push("articles".into());
    let body = ListEnvelope {
        data,
        meta: ListMeta { next_cursor, limit },
    };
    respond(&req, &state.settings.cache_control, &body, freshness)
}

/// One published article by slug.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug"), ArticleReadParams),
    responses(
        (status = 200, description = "The article", body = ItemEnvelope<ArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 301, description = "The slug was retired; `Location` names the article's current URL"),
        (status = 401, description = "The preview token or key is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The preview token is for another article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was unpublished or deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/articles/{slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ArticleReadParams>,
) -> AppResult<HttpResponse> {
    read_one(&req, &state, Key::Slug(slug.into_inner()), &query).await
}

/// One published article by id.
#[utoipa::path(
    tag = "articles",
    params(("id" = String, Path, description = "The article's UUID"), ArticleReadParams),
    responses(
        (status = 200, description = "The article", body = ItemEnvelope<ArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "The id is not a UUID, or a parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The preview token or key is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The preview token is for another article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this id", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was unpublished or deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/articles/id/{id}")]
pub async fn get_article_by_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ArticleReadParams>,
) -> AppResult<HttpResponse> {
    let id = uuid::Uuid::parse_str(&id)
        .map_err(|_| AppError::invalid_parameter("id", format!("`{id}` is not a UUID")))?
        .to_string();
    read_one(&req, &state, Key::Id(id), &query).await
}

/// One article as this request may see it: the public one, a moved slug's redirect, a 410
/// for a withdrawn article, or any state for editors' keys and preview tokens (never cached
/// by shared caches).
async fn read_one(
    req: &HttpRequest,
    state: &AppState,
    key: Key,
    query: &ArticleReadParams,
) -> AppResult<HttpResponse> {
    let shape = Shape::parse(query.fields.as_deref(), query.include.as_deref())?;
    let caller = optional_caller(req).await?;
    let reader = match (&query.preview_token, &caller) {
        (Some(token), _) => Reader::Preview(token),
        (None, Some(caller)) if caller.can(Action::ReadDrafts) => Reader::Staff(caller),
        _ => Reader::Public,
    };
    let private = !matches!(reader, Reader::Public);
    match state
        .content
        .read_article(reader, key, Relations::Load)
        .await?
    {
        PublicLookup::Found(article) => {
            let mut response = single(req, state, &shape, *article)?;
            if private {
                response.headers_mut().insert(
                    actix_web::http::header::CACHE_CONTROL,
                    actix_web::http::header::HeaderValue::from_static("private, no-store"),
                );
            }
            Ok(response)
        }
        PublicLookup::MovedTo(slug) => {
            let query = req.query_string();
            let location = if query.is_empty() {
                format!("/v1/articles/{slug}")
            } else {
                format!("/v1/articles/{slug}?{query}")
            };
            Ok(HttpResponse::MovedPermanently()
                .insert_header((actix_web::http::header::LOCATION, location))
                .insert_header((
                    actix_web::http::header::CACHE_CONTROL,
                    state.settings.cache_control.clone(),
                ))
                .finish())
        }
    }
}

fn single(
    req: &HttpRequest,
    state: &AppState,
    shape: &Shape,
    article: Article,
) -> AppResult<HttpResponse> {
    let mut freshness = Freshness {
        dates_are_exact: true,
        ..Freshness::default()
    };
    let data = shape.render(article, &mut freshness)?;
    respond(
        req,
        &state.settings.cache_control,
        &ItemEnvelope { data },
        freshness,
    )
}
