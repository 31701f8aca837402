//! REST handlers for sections, authors and tags.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{
    AppState,
    caching::{Freshness, respond},
    params,
    problem::Problem,
    views::{AuthorJson, ItemEnvelope, ListEnvelope, ListMeta, SectionJson, TagJson, utc},
};
use crate::{
    domain::{Key, article::TagKind, page::Page, taxonomy::Taxonomy},
    error::AppResult,
};

/// Paging parameters of section and author lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Parameters of `GET /v1/tags`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagListParams {
    /// Only tags of this kind: `topic`, `person`, `organization`, `place` or `event`.
    kind: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Sends a page of views, each contributing its `updated_at` and id to the caching headers.
fn list_response<D, J: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    page: Page<D>,
    limit: u32,
    of: Taxonomy,
    view: impl Fn(D) -> (J, chrono::NaiveDateTime, String),
) -> AppResult<HttpResponse> {
    let next_cursor = page.next_cursor();
    let mut freshness = Freshness::default();
    let data = page
        .items
        .into_iter()
        .map(|item| {
            let (json, updated_at, id) = view(item);
            freshness.touch(utc(updated_at), &format!("{}:{id}", of.singular()));
            json
        })
        .collect();
    freshness.surrogate_keys.push(of.as_str().to_owned());
    respond(
        req,
        &state.settings.cache_control,
        &ListEnvelope {
            data,
            meta: ListMeta { next_cursor, limit },
        },
        freshness,
    )
}

fn item_response<J: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    data: J,
    updated_at: chrono::NaiveDateTime,
    of: Taxonomy,
    key: String,
) -> AppResult<HttpResponse> {
    let mut freshness = Freshness::default();
    freshness.touch(utc(updated_at), &key);
    // Its `article_count` changes with its kind's counts: the list scope says so.
    freshness.surrogate_keys.push(of.as_str().to_owned());
    respond(
        req,
        &state.settings.cache_control,
        &ItemEnvelope { data },
        freshness,
    )
}

/// List sections, by slug, with their number of published articles.
#[utoipa::path(
    operation_id = "list_sections",
    tag = "sections",
    params(PageParams),
    responses(
        (status = 200, description = "A page of sections", body = ListEnvelope<SectionJson>),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sections")]
pub async fn list_sections(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let limit = params::limit(query.limit.as_deref())?;
    let page = state
        .content
        .list_sections(query.cursor.as_deref(), limit)
        .await?;
    list_response(&req, &state, page, limit, Taxonomy::Section, |s| {
        let (updated_at, id) = (s.updated_at, s.id.clone());
        (SectionJson::from_domain(s), updated_at, id)
    })
}

/// One section by slug.
#[utoipa::path(
    operation_id = "get_section",
    tag = "sections",
    params(("slug" = String, Path, description = "The section's slug")),
    responses(
        (status = 200, description = "The section", body = ItemEnvelope<SectionJson>),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No section has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sections/{slug}")]
pub async fn get_section(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = state.content.section(Key::Slug(slug.into_inner())).await?;
    let (updated_at, key) = (s.updated_at, format!("section:{}", s.id));
    item_response(
        &req,
        &state,
        SectionJson::from_domain(s),
        updated_at,
        Taxonomy::Section,
        key,
    )
}

/// List authors, by slug, with their number of published articles.
#[utoipa::path(
    operation_id = "list_authors",
    tag = "authors",
    params(PageParams),
    responses(
        (status = 200, description = "A page of authors", body = ListEnvelope<AuthorJson>),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let limit = params::limit(query.limit.as_deref())?;
    let page = state
        .content
        .list_authors(query.cursor.as_deref(), limit)
        .await?;
    list_response(&req, &state, page, limit, Taxonomy::Author, |a| {
        let (updated_at, id) = (a.updated_at, a.id.clone());
        (AuthorJson::from_domain(a), updated_at, id)
    })
}

/// One author by slug.
#[utoipa::path(
    operation_id = "get_author",
    tag = "authors",
    params(("slug" = String, Path, description = "The author's slug")),
    responses(
        (status = 200, description = "The author", body = ItemEnvelope<AuthorJson>),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No author has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let a = state.content.author(Key::Slug(slug.into_inner())).await?;
    let (updated_at, key) = (a.updated_at, format!("author:{}", a.id));
    item_response(
        &req,
        &state,
        AuthorJson::from_domain(a),
        updated_at,
        Taxonomy::Author,
        key,
    )
}

/// List tags, by slug, optionally of one kind, with their number of published articles.
#[utoipa::path(
    operation_id = "list_tags",
    tag = "tags",
    params(TagListParams),
    responses(
        (status = 200, description = "A page of tags", body = ListEnvelope<TagJson>),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TagListParams>,
) -> AppResult<HttpResponse> {
    let limit = params::limit(query.limit.as_deref())?;
    let kind = params::choice::<TagKind>("kind", query.kind.as_deref())?;
    let page = state
        .content
        .list_tags(kind, query.cursor.as_deref(), limit)
        .await?;
    list_response(&req, &state, page, limit, Taxonomy::Tag, |t| {
        let (updated_at, id) = (t.updated_at, t.id.clone());
        (TagJson::from_domain(t), updated_at, id)
    })
}

/// One tag by slug.
#[utoipa::path(
    operation_id = "get_tag",
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug")),
    responses(
        (status = 200, description = "The tag", body = ItemEnvelope<TagJson>),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No tag has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let t = state.content.tag(Key::Slug(slug.into_inner())).await?;
    let (updated_at, key) = (t.updated_at, format!("tag:{}", t.id));
    item_response(
        &req,
        &state,
        TagJson::from_domain(t),
        updated_at,
        Taxonomy::Tag,
        key,
    )
}
