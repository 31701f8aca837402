//! REST full-text search: `GET /v1/search`, and the result pages `q` on `/v1/articles` gives.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    AppState,
    article_filter::ArticleFilterParams,
    params,
    problem::Problem,
    shape::Shape,
    views::{ListEnvelope, SearchResultJson},
};
use crate::{
    domain::{query::ArticleQuery, search::SearchSort},
    error::{AppError, AppResult},
    service::{audience::Audience, read::search::parse_query},
};

/// Query parameters of both search endpoints, `GET /v1/search` and `GET /admin/v1/search`,
/// besides the filters (`ArticleFilterParams`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to find, at most 500 characters. Every word must appear (in any form: `budgets`
    /// finds `budget`); `"quoted words"` must appear together as written; `-word` leaves out
    /// articles with that word; `or` between words or phrases finds either. Anything else is
    /// read as plain words.
    // Required, though read as optional: a missing `q` is this API's 400 naming `q`.
    #[param(required = true)]
    pub(super) q: Option<String>,
    /// `relevance` (default: best match first, title over standfirst over body; the newest
    /// first among equals), `-published_at`, `published_at` or `-updated_at`.
    pub(super) sort: Option<String>,
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

impl SearchParams {
    /// The search these parameters and `filters` ask for, checked, with its page size.
    pub(super) fn query(&self, filters: &ArticleFilterParams) -> AppResult<ArticleQuery> {
        let q = self
            .q
            .as_deref()
            .ok_or_else(|| AppError::invalid_parameter("q", "q is required: the words to find"))?;
        let text = parse_query("q", q)?;
        let sort = params::choice::<SearchSort>("sort", self.sort.as_deref())?.unwrap_or_default();
        let limit = params::limit(self.limit.as_deref())?;
        Ok(ArticleQuery::search(text, filters.filter()?, sort).page(self.cursor.clone(), limit))
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
    operation_id = "search_articles",
    tag = "articles",
    params(SearchParams, ArticleFilterParams, IncludeParam),
    responses(
        (status = 200, description = "A page of results", body = ListEnvelope<SearchResultJson>),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 400, description = "`q` is missing, empty, too long or has no words; or another parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many searches are running; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SearchParams>,
    filters: web::Query<ArticleFilterParams>,
    include: web::Query<IncludeParam>,
) -> AppResult<HttpResponse> {
    let search = query.query(&filters)?;
    let shape = Shape::parse(query.fields.as_deref(), include.include.as_deref())?;
    let limit = search.limit;
    let page = state
        .content
        .articles(&Audience::Public, search.with_bodies(shape.bodies()))
        .await?;
    shape.respond(&req, &state, page, limit)
}
