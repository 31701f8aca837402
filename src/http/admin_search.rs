//! `GET /admin/v1/search`: editors search every article in any state (contributors the
//! ones they created), with the same query, filters and pages as `/v1/search`.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, ToSchema,
    openapi::{RefOr, schema::Schema},
};

use super::{
    AppState,
    admin_articles::AdminArticleJson,
    article_filter::ArticleFilterParams,
    auth::Authenticated,
    params,
    problem::Problem,
    search::SearchParams,
    views::{ARTICLE_FIELDS, ListEnvelope, ListMeta, fields_schema, shaped_schemas},
};
use crate::{
    error::{AppError, AppResult},
    service::audience::Audience,
};

/// The workflow fields `fields` may name besides the article's own.
pub(super) const WORKFLOW_FIELDS: &[&str] = &[
    "status",
    "publish_at",
    "embargo_until",
    "version",
    "created_at",
    "body_source",
    "body_format",
];

/// `status` of `GET /admin/v1/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusParam {
    /// Only articles in this state: draft, scheduled, published or archived.
    status: Option<String>,
}

/// In the document: the newsroom's view of an article as `fields` cuts it down (its
/// properties, none required; a whole one is one of these too), flattened into a result.
pub struct AdminArticleFieldsJson;

impl utoipa::PartialSchema for AdminArticleFieldsJson {
    fn schema() -> RefOr<Schema> {
        fields_schema::<AdminArticleJson>()
    }
}

impl ToSchema for AdminArticleFieldsJson {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        shaped_schemas::<AdminArticleJson>(schemas);
        // `AdminArticleJson` is `ArticleJson` and the workflow's fields: cut down, it is
        // `ArticleFieldsJson` and those.
        shaped_schemas::<super::views::ArticleJson>(schemas);
    }
}

/// An article found by the admin search: the newsroom's view of it (with the fields asked
/// for) and the passage that matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSearchResultJson {
    #[serde(flatten)]
    #[schema(value_type = AdminArticleFieldsJson)]
    pub article: serde_json::Value,
    /// HTML-safe text around the matches, each match in `<mark>`…`</mark>`.
    pub snippet: String,
}

/// Search articles in any state (contributors: the ones they created).
///
/// The query, filters, orders and pages of `/v1/search`, over drafts, scheduled, embargoed,
/// published and archived articles alike; `status` narrows to one state. Related objects
/// always come whole, as elsewhere in the admin API. `-published_at` and `published_at`
/// leave out articles without a publication time (most drafts); relevance and
/// `-updated_at` do not. Only so many searches run at once, public and admin together:
/// beyond that, and after a short wait for a turn, the answer is a 503 with `Retry-After`.
#[utoipa::path(
    operation_id = "admin_search_articles",
    tag = "admin",
    params(SearchParams, ArticleFilterParams, StatusParam),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of results", body = ListEnvelope<AdminSearchResultJson>),
        (status = 400, description = "`q` is missing, empty, too long or has no words; or another parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many searches are running; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    )
)]
#[get("/search")]
pub async fn search_articles(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SearchParams>,
    filters: web::Query<ArticleFilterParams>,
    status: web::Query<StatusParam>,
) -> AppResult<HttpResponse> {
    let mut search = query.query(&filters)?;
    search.filter.status = params::choice("status", status.status.as_deref())?;
    let limit = search.limit;
    let audience = Audience::for_admin(&caller.0)?;
    let allowed: Vec<&str> = ARTICLE_FIELDS
        .iter()
        .chain(WORKFLOW_FIELDS)
        .copied()
        .collect();
    let fields = params::name_list("fields", query.fields.as_deref(), &allowed)?;
    let page = state.content.articles(&audience, search).await?;
    let next_cursor = page.next_cursor();
    let data = page
        .items
        .into_iter()
        .map(|hit| {
            let mut article = serde_json::to_value(AdminArticleJson::from_domain(
                hit.article,
                state.content.rendition_urls(),
            ))
            .map_err(AppError::internal)?;
            if let (false, Some(map)) = (fields.is_empty(), article.as_object_mut()) {
                map.retain(|key, _| fields.iter().any(|f| f == key));
            }
            Ok(AdminSearchResultJson {
                article,
                snippet: hit.snippet.unwrap_or_default(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    // Drafts and embargoed text: for this caller only, never kept by a cache.
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .json(ListEnvelope {
            data,
            meta: ListMeta { next_cursor, limit },
        }))
}
