//! The admin API for articles: create, read any state, partial update under `If-Match`,
//! delete, and revisions (the workflow actions are in `admin_actions`).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    auth::{Authenticated, if_match_version, version_etag},
    json_body::JsonObject,
    params,
    problem::Problem,
    views::{ArticleJson, Includes, ItemEnvelope, ListEnvelope, ListMeta, utc},
};
use crate::{
    domain::image::RenditionUrls,
    domain::{
        Key, Relations,
        article::{Article, ArticleFilter, ArticleSort, ArticleStatus, BodyFormat, HeroImage},
        query::ArticleQuery,
    },
    error::{AppError, AppResult},
    service::{
        audience::Audience,
        editorial::{ArticlePatch, NewArticle},
    },
};

/// An article as the newsroom sees it: the public shape plus its workflow state.
#[derive(Serialize, ToSchema)]
pub struct AdminArticleJson {
    #[serde(flatten)]
    pub article: ArticleJson,
    pub status: ArticleStatus,
    /// When a scheduled article goes out.
    pub publish_at: Option<DateTime<Utc>>,
    /// Until when the article is held back.
    pub embargo_until: Option<DateTime<Utc>>,
    /// Send it back as `If-Match: "v<version>"` (or a `version` field) when changing the article.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// The body as written (Markdown or HTML; a block document sent is kept as the HTML it
    /// is written as, and `body_blocks` gives it back, every related article included).
    pub body_source: String,
    pub body_format: BodyFormat,
}

impl AdminArticleJson {
    pub fn from_domain(a: Article, urls: &RenditionUrls) -> Self {
        let body_blocks = crate::domain::blocks::resolve::for_editor(&a, urls);
        let mut admin = AdminArticleJson {
            status: a.status,
            publish_at: a.publish_at.map(utc),
            embargo_until: a.embargo_until.map(utc),
            version: a.version,
            created_at: utc(a.created_at),
            body_source: a.body_source.clone(),
            body_format: a.body_format,
            article: ArticleJson::from_domain(
                a,
                Includes {
                    authors: true,
                    tags: true,
                    section: true,
                },
                urls,
            ),
        };
        admin.article.body_blocks = Some(body_blocks);
        admin
    }
}

pub(super) fn article_response(
    state: &AppState,
    status: actix_web::http::StatusCode,
    article: Article,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", version_etag(article.version)))
        .insert_header(("Cache-Control", "no-store"))
        .json(ItemEnvelope {
            data: AdminArticleJson::from_domain(article, state.content.rendition_urls()),
        })
}

/// The states an article can be created in; it is scheduled or archived by an action.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum InitialStatus {
    Draft,
    Published,
}

/// A new article.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleJson {
    /// Made from the title when absent.
    pub slug: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1)]
    pub title: Option<String>,
    pub standfirst: Option<String>,
    /// `markdown` (default) or `html`; either way the stored HTML is sanitized. `blocks`
    /// when `body` is a block document's JSON text (or send `body_blocks` instead).
    pub body_format: Option<BodyFormat>,
    /// The body as written; required unless `body_blocks` is sent.
    #[schema(value_type = String, min_length = 1)]
    pub body: Option<String>,
    /// The body as a block document (`schema/body-blocks.schema.json`), instead of `body`.
    /// Every error in it is reported with its JSON pointer (`/body_blocks/blocks/2/level`).
    #[schema(value_type = Option<crate::domain::blocks::BodyDocument>)]
    pub body_blocks: Option<serde_json::Value>,
    /// Section slug.
    pub section: Option<String>,
    /// Author slugs, in byline order.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Tag slugs, in display order.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `draft` (default) or `published`; schedule with the `schedule` action.
    pub status: Option<InitialStatus>,
    /// Publication time of an article published at creation (default: now), e.g. for imports.
    pub published_at: Option<DateTime<Utc>>,
    pub embargo_until: Option<DateTime<Utc>>,
    /// BCP 47 language tag (default `en`).
    pub language: Option<String>,
    pub dateline: Option<String>,
    pub hero_image: Option<HeroImage>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
}

/// A time the databases can store (years 1 to 9999), or a 400 naming `field`.
pub(super) fn storable_time(field: &str, t: DateTime<Utc>) -> AppResult<NaiveDateTime> {
    crate::domain::time::storable(t)
        .map_err(|why| AppError::invalid_parameter(field, format!("{field} {why}")))
}

pub(super) fn storable(field: &str, t: Option<DateTime<Utc>>) -> AppResult<Option<NaiveDateTime>> {
    t.map(|t| storable_time(field, t)).transpose()
}

impl CreateArticleJson {
    fn into_new(self) -> AppResult<NewArticle> {
        let status = match self.status.unwrap_or(InitialStatus::Draft) {
            InitialStatus::Draft => ArticleStatus::Draft,
            InitialStatus::Published => ArticleStatus::Published,
        };
        let (body_format, body) = crate::service::editorial::body_or_blocks(
            self.body_format,
            self.body,
            self.body_blocks,
        )?;
        // Missing text is checked with every other field (an empty string fails `prepare`).
        Ok(NewArticle {
            slug: self.slug,
            title: self.title.unwrap_or_default(),
            standfirst: self.standfirst,
            body_format: body_format.unwrap_or(BodyFormat::Markdown),
            body: body.unwrap_or_default(),
            section: self.section,
            authors: self.authors,
            tags: self.tags,
            status,
            published_at: storable("published_at", self.published_at)?,
            embargo_until: storable("embargo_until", self.embargo_until)?,
            language: self.language.unwrap_or_else(|| "en".into()),
            dateline: self.dateline,
            hero_image: self.hero_image,
            seo_title: self.seo_title,
            seo_description: self.seo_description,
            canonical_url: self.canonical_url,
            corrections: Vec::new(),
        })
    }
}

/// Create an article (contributors: drafts only).
#[utoipa::path(
    operation_id = "create_article",
    tag = "admin",
    request_body = CreateArticleJson,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created", body = ItemEnvelope<AdminArticleJson>),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<CreateArticleJson>,
) -> AppResult<HttpResponse> {
    let article = state
        .content
        .create_article_as(&caller.0, body.into_inner().into_new()?)
        .await?;
    Ok(article_response(
        &state,
        actix_web::http::StatusCode::CREATED,
        article,
    ))
}

/// Query parameters of the admin article list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminListParams {
    /// Only articles in this state: draft, scheduled, published or archived.
    status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List articles in any state, most recently changed first (contributors: their own).
#[utoipa::path(
    operation_id = "admin_list_articles",
    tag = "admin",
    params(AdminListParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of articles", body = ListEnvelope<AdminArticleJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AdminListParams>,
) -> AppResult<HttpResponse> {
    let limit = params::limit(query.limit.as_deref())?;
    let filter = ArticleFilter {
        status: params::choice("status", query.status.as_deref())?,
        ..Default::default()
    };
    let list =
        ArticleQuery::list(filter, ArticleSort::UpdatedDesc).page(query.cursor.clone(), limit);
    let page = state
        .content
        .articles(&Audience::for_admin(&caller.0)?, list)
        .await?;
    let next_cursor = page.next_cursor();
    let data = page
        .items
        .into_iter()
        .map(|hit| AdminArticleJson::from_domain(hit.article, state.content.rendition_urls()))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ListEnvelope {
            data,
            meta: ListMeta { next_cursor, limit },
        }))
}

/// One article in any state.
#[utoipa::path(
    operation_id = "admin_get_article",
    tag = "admin",
    params(("id" = String, Path, description = "The article's UUID")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The article; its ETag is the version", body = ItemEnvelope<AdminArticleJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}")]
pub async fn get_article(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = Key::Id(params::id(&id)?);
    let article = state
        .content
        .article(&Audience::for_admin(&caller.0)?, key, Relations::Load)
        .await?
        .into_article();
    Ok(article_response(
        &state,
        actix_web::http::StatusCode::OK,
        article,
    ))
}

/// Change some fields of an article. Needs `If-Match: "v<version>"` or a `version` field:
/// 428 without, 412 when someone else saved first.
#[utoipa::path(
    operation_id = "update_article",
    tag = "admin",
    params(("id" = String, Path, description = "The article's UUID"), ("If-Match" = Option<String>, Header, description = "The article's ETag")),
    request_body = ArticlePatch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Saved as a new version", body = ItemEnvelope<AdminArticleJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone else saved first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version was sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{id}")]
pub async fn update_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<ArticlePatch>,
) -> AppResult<HttpResponse> {
    let article = state
        .content
        .update_article(
            &caller.0,
            &params::id(&id)?,
            body.into_inner(),
            if_match_version(&req)?,
        )
        .await?;
    Ok(article_response(
        &state,
        actix_web::http::StatusCode::OK,
        article,
    ))
}

/// Delete an article. Once-published articles then answer 410 Gone on the public API.
/// Needs `If-Match: "v<version>"`: 428 without, 412 when someone else saved first.
#[utoipa::path(
    operation_id = "delete_article",
    tag = "admin",
    params(("id" = String, Path, description = "The article's UUID"), ("If-Match" = String, Header, description = "The article's ETag")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone else saved first", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version was sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{id}")]
pub async fn delete_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    state
        .content
        .delete_article(&caller.0, &params::id(&id)?, if_match_version(&req)?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One saved version of an article.
#[derive(Serialize, ToSchema)]
pub struct RevisionJson {
    pub version: i32,
    /// Who saved it (the key's name).
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The article as saved.
    pub snapshot: serde_json::Value,
}

/// Every saved version of an article, oldest first.
#[utoipa::path(
    operation_id = "list_revisions",
    tag = "admin",
    params(("id" = String, Path, description = "The article's UUID")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The revisions", body = ItemEnvelope<Vec<RevisionJson>>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let revisions = state
        .content
        .revisions(&caller.0, &params::id(&id)?)
        .await?;
    let data: Vec<RevisionJson> = revisions
        .into_iter()
        .map(|r| RevisionJson {
            version: r.version,
            actor: r.actor,
            created_at: utc(r.created_at),
            snapshot: r.snapshot,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ItemEnvelope { data }))
}

/// Make an old version's content current again (as a new version). Needs
/// `If-Match: "v<version>"` of the current version: 428 without, 412 when stale.
#[utoipa::path(
    operation_id = "restore_revision",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("version" = i32, Path, description = "The version to restore"),
        ("If-Match" = String, Header, description = "The article's ETag (its current version)"),
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The article after the restore", body = ItemEnvelope<AdminArticleJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article or version", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone else saved first", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version was sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{id}/revisions/{version}/restore")]
pub async fn restore_revision(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, i32)>,
) -> AppResult<HttpResponse> {
    let (id, version) = path.into_inner();
    let article = state
        .content
        .restore_revision(
            &caller.0,
            &params::id(&id)?,
            version,
            if_match_version(&req)?,
        )
        .await?;
    Ok(article_response(
        &state,
        actix_web::http::StatusCode::OK,
        article,
    ))
}
