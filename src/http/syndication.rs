//! Partner syndication over HTTP: the change stream and single articles as IPTC ninjs 3.1,
//! for keys allowed to read syndication (`partner`, `editor`, `admin`).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    auth::Authenticated,
    caching::{Freshness, respond},
    params,
    problem::Problem,
    views::utc,
};
use crate::{
    auth::Action,
    error::AppResult,
    feeds::ninjs::{self, Ninjs},
    service::syndication::Change,
};

/// Partners' responses are theirs alone; they may still revalidate with the ETag.
const PRIVATE: &str = "private, no-cache";

/// Query parameters of the change stream.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Only changes at or after this RFC 3339 time (for a first pull).
    since: Option<String>,
    /// `meta.next_cursor` of the previous page: changes after it.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
}

/// Where the stream stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesMeta {
    /// Pass it back as `cursor` to get the changes after this page. Present whenever the
    /// page had a change or the request had a cursor: keep it and poll with it.
    pub next_cursor: Option<String>,
    /// Whether more changes are waiting now; when false, poll again later.
    pub has_more: bool,
    pub limit: u32,
}

/// A page of the change stream: articles (`pubStatus: usable`) and withdrawal notices
/// (`pubStatus: canceled`) in order of change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesEnvelope {
    pub data: Vec<Ninjs>,
    pub meta: ChangesMeta,
}

fn freshness_of(change: &Change, freshness: &mut Freshness) {
    freshness.touch(
        utc(change.changed_at()),
        &format!("article:{}", change.id()),
    );
    // A visible article's ninjs names its authors, tags and section.
    if let Change::Published(article) = change {
        freshness.follow_related(article);
        let keys = &mut freshness.surrogate_keys;
        keys.extend(article.authors.iter().map(|a| format!("author:{}", a.id)));
        keys.extend(article.tags.iter().map(|t| format!("tag:{}", t.id)));
        keys.extend(article.section.iter().map(|s| format!("section:{}", s.id)));
    }
}

/// Changes to articles, as IPTC ninjs 3.1.
///
/// Every article in order of its last change (an edit, its publication, its embargo lifting),
/// as it now stands: a visible article whole, and one withdrawn after publication
/// (unpublished, archived or deleted) as a notice with `pubStatus: canceled`. Embargoed and
/// scheduled articles never appear before their time. Changes appear a couple of seconds
/// after they are made. Walk with `cursor`; keep the last `next_cursor` and poll with it.
#[utoipa::path(
    operation_id = "list_syndication_changes",
    tag = "syndication",
    params(ChangesParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of changes", body = ChangesEnvelope),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key may not read syndication", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(caller): Authenticated,
    query: web::Query<ChangesParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ReadSyndication)?;
    let p = query.into_inner();
    let since = params::timestamp("since", p.since.as_deref())?;
    let limit = params::limit(p.limit.as_deref())?;
    let publication = &state.publication;
    let page = state
        .content
        .syndication_changes(since, p.cursor, limit, state.settings.syndication_settle)
        .await?;
    let mut freshness = Freshness {
        shows_settled_changes: true,
        ..Freshness::default()
    };
    let data = page
        .changes
        .iter()
        .map(|change| {
            freshness_of(change, &mut freshness);
            ninjs::change(change, publication)
        })
        .collect();
    freshness.surrogate_keys.push("syndication".into());
    let body = ChangesEnvelope {
        data,
        meta: ChangesMeta {
            next_cursor: page.next_cursor,
            has_more: page.has_more,
            limit,
        },
    };
    respond(&req, PRIVATE, &body, freshness)
}

/// One article, as IPTC ninjs 3.1.
///
/// A visible article whole; one withdrawn after publication as a notice with
/// `pubStatus: canceled`; 404 for anything that was never out.
#[utoipa::path(
    operation_id = "get_syndicated_article",
    tag = "syndication",
    params(("id" = String, Path, description = "The article's UUID")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The article, or its withdrawal notice: a bare ninjs item", body = Ninjs),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key may not read syndication", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published or withdrawn article has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(caller): Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require(Action::ReadSyndication)?;
    let id = params::id(&id)?;
    let publication = &state.publication;
    let change = state.content.syndication_article(&id).await?;
    let mut freshness = Freshness::default();
    freshness_of(&change, &mut freshness);
    respond(
        &req,
        PRIVATE,
        &ninjs::change(&change, publication),
        freshness,
    )
}
