//! REST handlers for articles: parse the request, call the service, shape the view.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    AppState,
    article_filter::ArticleFilterParams,
    auth::optional_caller,
    caching::{Freshness, respond},
    params,
    problem::Problem,
    shape::Shape,
    views::{ItemEnvelope, ListEnvelope, ShapedArticleJson},
};
use crate::{
    domain::{
        Key, Relations,
        article::{Article, ArticleSort},
        query::ArticleQuery,
        search::SearchSort,
    },
    error::AppResult,
    service::{audience::Audience, read::Lookup, read::search::parse_query},
};

/// Query parameters of `GET /v1/articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    /// Full-text query, as on `/v1/search`; results then also carry a `snippet`, and come in
    /// date order (`sort`). For relevance order use `/v1/search`.
    q: Option<String>,
    /// `-published_at` (default), `published_at` or `-updated_at`.
    sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    cursor: Option<String>,
    /// Comma-separated article fields to return, e.g. `id,slug,title`.
    fields: Option<String>,
    /// Related objects to embed whole: any of `authors,tags,section`.
    include: Option<String>,
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

/// List published articles.
///
/// Filters combine with AND. Pages are walked with `cursor`; their cost does not grow with
/// depth. Drafts, scheduled and embargoed articles never appear.
#[utoipa::path(
    operation_id = "list_articles",
    tag = "articles",
    params(ArticleFilterParams, ArticleListParams),
    responses(
        (status = 200, description = "A page of articles", body = ListEnvelope<ShapedArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "With `q`: too many searches are running; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    filter: web::Query<ArticleFilterParams>,
    query: web::Query<ArticleListParams>,
) -> AppResult<HttpResponse> {
    let p = query.into_inner();
    let filter = filter.filter()?;
    let sort = params::choice::<ArticleSort>("sort", p.sort.as_deref())?.unwrap_or_default();
    let limit = params::limit(p.limit.as_deref())?;
    let shape = Shape::parse(p.fields.as_deref(), p.include.as_deref())?;
    let query = match p.q.as_deref() {
        Some(q) => ArticleQuery::search(parse_query("q", q)?, filter, SearchSort::Date(sort)),
        None => ArticleQuery::list(filter, sort),
    };
    let page = state
        .content
        .articles(
            &Audience::Public,
            query.page(p.cursor, limit).with_bodies(shape.bodies()),
        )
        .await?;
    shape.respond(&req, &state, page, limit)
}

/// One published article by slug.
#[utoipa::path(
    operation_id = "get_article_by_slug",
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug"), ArticleReadParams),
    responses(
        (status = 200, description = "The article", body = ItemEnvelope<ShapedArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 301, description = "The slug was retired; `Location` names the article's current URL"),
        (status = 401, description = "The preview token or key is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The preview token is for another article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was unpublished or deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}")]
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
    operation_id = "get_article_by_id",
    tag = "articles",
    params(("id" = String, Path, description = "The article's UUID"), ArticleReadParams),
    responses(
        (status = 200, description = "The article", body = ItemEnvelope<ShapedArticleJson>),
        (status = 304, description = "Not modified since the ETag or date sent"),
        (status = 400, description = "The id is not a UUID, or a parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The preview token or key is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The preview token is for another article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this id", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was unpublished or deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/id/{id}")]
pub async fn get_article_by_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ArticleReadParams>,
) -> AppResult<HttpResponse> {
    read_one(&req, &state, Key::Id(params::id(&id)?), &query).await
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
    let audience = Audience::for_request(caller.as_ref(), query.preview_token.as_deref());
    match state
        .content
        .article(&audience, key, Relations::Load)
        .await?
    {
        Lookup::Found(article) => {
            let mut response = single(req, state, &shape, *article)?;
            if !audience.is_public() {
                response.headers_mut().insert(
                    actix_web::http::header::CACHE_CONTROL,
                    actix_web::http::header::HeaderValue::from_static("private, no-store"),
                );
            }
            Ok(response)
        }
        Lookup::Moved(article) => {
            let query = req.query_string();
            let slug = &article.slug;
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
    let data = shape.render(article, &mut freshness, state)?;
    respond(
        req,
        &state.settings.cache_control,
        &ItemEnvelope { data },
        freshness,
    )
}
