//! REST full-text search: `GET /v1/search`, and the result pages `q` on `/v1/articles` gives.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    AppState,
    articles::{ArticleListParams, Shape, filter_from},
    caching::{Freshness, respond},
    params,
    problem::Problem,
    views::{ListEnvelope, ListMeta, SearchResultJson},
};
use crate::{
    domain::{
        Relations,
        article::ArticleFilter,
        search::{SearchQuery, SearchSort},
    },
    error::{AppError, AppResult},
    service::search::parse_query,
};

/// Query parameters of both search endpoints, `GET /v1/search` and `GET /admin/v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to find, at most 500 characters. Every word must appear (in any form: `budgets`
    /// finds `budget`); `"quoted words"` must appear together as written; `-word` leaves out
    /// articles with that word; `or` between words or phrases finds either. Anything else is
    /// read as plain words.
    pub(super) q: Option<String>,
    /// `relevance` (default: best match first, title over standfirst over body; the newest
    /// first among equals), `-published_at`, `published_at` or `-updated_at`.
    pub(super) sort: Option<String>,
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
    /// Only articles changed at or after this RFC 3339 time.
    pub(super) updated_since: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub(super) limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    pub(super) cursor: Option<String>,
    /// Comma-separated article fields to return, e.g. `id,slug,title`; `snippet` always comes.
    pub(super) fields: Option<String>,
}

/// `include` of `GET /v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncludeParam {
    /// Related objects to embed whole: any of `authors,tags,section`.
    include: Option<String>,
}

/// A search request, checked: the query, filters, order and page size.
pub(super) struct SearchRequest {
    pub query: SearchQuery,
    pub filter: ArticleFilter,
    pub sort: SearchSort,
    pub limit: u32,
}

impl SearchParams {
    /// Everything but the cursor and the shape of results, checked.
    pub(super) fn request(&self) -> AppResult<SearchRequest> {
        let q = self
            .q
            .as_deref()
            .ok_or_else(|| AppError::invalid_parameter("q", "q is required: the words to find"))?;
        let query = parse_query("q", q)?;
        let sort = params::choice::<SearchSort>("sort", self.sort.as_deref())?.unwrap_or_default();
        let limit = params::limit(self.limit.as_deref())?;
        let filter = filter_from(&ArticleListParams {
            q: None,
            section: self.section.clone(),
            tag: self.tag.clone(),
            tag_mode: self.tag_mode.clone(),
            author: self.author.clone(),
            lang: self.lang.clone(),
            published_after: self.published_after.clone(),
            published_before: self.published_before.clone(),
            updated_since: self.updated_since.clone(),
            sort: None,
            limit: None,
            cursor: None,
            fields: None,
            include: None,
        })?;
        Ok(SearchRequest {
            query,
            filter,
            sort,
            limit,
        })
    }
}

/// Search published articles.
///
/// Ranked full-text search over titles, standfirsts, bodies, tag names and author names,
/// combined with every filter of `/v1/articles`. Each result is the article with a
/// `snippet`: HTML-safe text around the matches, each in `<mark>`…`</mark>`. Pages are walked
/// with `cursor`, in relevance order too. Drafts, scheduled and embargoed articles are never
/// found. Only so many searches run at once: beyond that, and after a short wait for a turn,
/// the answer is a 503 with `Retry-After`.
#[utoipa::path(
    tag = "articles",
    params(SearchParams, IncludeParam),
    responses(
        (status = 200, description = "A page of results", body = ListEnvelope<SearchResultJson>),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 400, description = "`q` is missing, empty, too long or has no words; or another parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many searches are running; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[get("/v1/search")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SearchParams>,
    include: web::Query<IncludeParam>,
) -> AppResult<HttpResponse> {
    let request = query.request()?;
    let shape = Shape::parse(query.fields.as_deref(), include.include.as_deref())?;
    results(
        &req,
        &state,
        request.query,
        request.filter,
        request.sort,
        query.cursor.as_deref(),
        request.limit,
        &shape,
    )
    .await
}

/// A page of search results, shaped and with caching headers.
#[allow(clippy::too_many_arguments)]
pub(super) async fn results(
    req: &HttpRequest,
    state: &AppState,
    query: SearchQuery,
    filter: ArticleFilter,
    sort: SearchSort,
    cursor: Option<&str>,
    limit: u32,
    shape: &Shape,
) -> AppResult<HttpResponse> {
    let page = state
        .content
        .search_public_articles(query, filter, sort, cursor, limit, Relations::Load)
        .await?;
    let next_cursor = page.next_cursor();
    let mut freshness = Freshness::default();
    let data = page
        .items
        .into_iter()
        .map(|hit| {
            Ok(SearchResultJson {
                article: serde_json::to_value(shape.render(hit.article, &mut freshness)?)
                    .map_err(crate::error::AppError::internal)?,
                snippet: hit.snippet,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    freshness.surrogate_keys.push("articles".into());
    let body = ListEnvelope {
        data,
        meta: ListMeta { next_cursor, limit },
    };
    respond(req, &state.settings.cache_control, &body, freshness)
}
