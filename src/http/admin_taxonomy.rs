//! The admin API for sections, authors and tags (editors and admins): one route per kind and
//! operation, each with the body of its kind, so the document types every field a kind has
//! and nothing it lacks.

use actix_web::{HttpResponse, delete, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    AppState,
    auth::Authenticated,
    json_body::JsonObject,
    views::{AuthorJson, ItemEnvelope, SectionJson, TagJson},
};
use crate::{
    domain::article::{AuthorLink, TagKind},
    error::AppResult,
    service::{
        taxonomy::{NewAuthor, NewSection, NewTag},
        taxonomy_admin::TaxonomyPatch,
    },
};

/// Registers the taxonomy routes in the `/admin/v1` scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_section)
        .service(update_section)
        .service(delete_section)
        .service(create_author)
        .service(update_author)
        .service(delete_author)
        .service(create_tag)
        .service(update_tag)
        .service(delete_tag);
}

/// A new section.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSectionJson {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub description: Option<String>,
}

/// A new author (a reporter or a desk).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorJson {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub links: Vec<AuthorLink>,
}

/// A new tag: a topic or an entity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTagJson {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: TagKind,
    pub description: Option<String>,
}

/// Fields of a section to change; absent ones stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionPatchJson {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Fields of an author to change; absent ones stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorPatchJson {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Option<Vec<AuthorLink>>,
}

/// Fields of a tag to change; absent ones stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagPatchJson {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<TagKind>,
    pub description: Option<String>,
}

impl From<SectionPatchJson> for TaxonomyPatch {
    fn from(p: SectionPatchJson) -> Self {
        let SectionPatchJson {
            slug,
            name,
            description,
        } = p;
        TaxonomyPatch {
            slug,
            name,
            description,
            ..Default::default()
        }
    }
}

impl From<AuthorPatchJson> for TaxonomyPatch {
    fn from(p: AuthorPatchJson) -> Self {
        let AuthorPatchJson {
            slug,
            name,
            role,
            bio,
            avatar_url,
            links,
        } = p;
        TaxonomyPatch {
            slug,
            name,
            role,
            bio,
            avatar_url,
            links,
            ..Default::default()
        }
    }
}

impl From<TagPatchJson> for TaxonomyPatch {
    fn from(p: TagPatchJson) -> Self {
        let TagPatchJson {
            slug,
            name,
            kind,
            description,
        } = p;
        TaxonomyPatch {
            slug,
            name,
            kind,
            description,
            ..Default::default()
        }
    }
}

fn created<T: serde::Serialize>(data: T) -> HttpResponse {
    HttpResponse::Created().json(ItemEnvelope { data })
}

fn saved<T: serde::Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(ItemEnvelope { data })
}

/// Create a section.
#[utoipa::path(
    operation_id = "create_section",
    tag = "admin",
    request_body = NewSectionJson,
    security(("api_key" = [])),
    responses((status = 201, description = "Created", body = ItemEnvelope<SectionJson>))
)]
#[post("/sections")]
pub async fn create_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<NewSectionJson>,
) -> AppResult<HttpResponse> {
    let NewSectionJson {
        slug,
        name,
        description,
    } = body.into_inner();
    let new = NewSection {
        slug,
        name,
        description,
    };
    let section = state.content.create_section_as(&caller.0, new).await?;
    Ok(created(SectionJson::from_domain(section)))
}

/// Change some fields of a section.
#[utoipa::path(
    operation_id = "update_section",
    tag = "admin",
    params(("slug" = String, Path, description = "The section's slug")),
    request_body = SectionPatchJson,
    security(("api_key" = [])),
    responses((status = 200, description = "Saved", body = ItemEnvelope<SectionJson>))
)]
#[patch("/sections/{slug}")]
pub async fn update_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
    body: JsonObject<SectionPatchJson>,
) -> AppResult<HttpResponse> {
    let patch = body.into_inner().into();
    let section = state.content.update_section(&caller.0, &slug, patch).await;
    Ok(saved(SectionJson::from_domain(section?)))
}

/// Delete a section no article uses (409 while one does).
#[utoipa::path(
    operation_id = "delete_section",
    tag = "admin",
    params(("slug" = String, Path, description = "The section's slug")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/sections/{slug}")]
pub async fn delete_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.content.delete_section(&caller.0, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create an author.
#[utoipa::path(
    operation_id = "create_author",
    tag = "admin",
    request_body = NewAuthorJson,
    security(("api_key" = [])),
    responses((status = 201, description = "Created", body = ItemEnvelope<AuthorJson>))
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<NewAuthorJson>,
) -> AppResult<HttpResponse> {
    let NewAuthorJson {
        slug,
        name,
        role,
        bio,
        avatar_url,
        links,
    } = body.into_inner();
    let new = NewAuthor {
        slug,
        name,
        role,
        bio,
        avatar_url,
        links,
    };
    let author = state.content.create_author_as(&caller.0, new).await?;
    Ok(created(AuthorJson::from_domain(author)))
}

/// Change some fields of an author.
#[utoipa::path(
    operation_id = "update_author",
    tag = "admin",
    params(("slug" = String, Path, description = "The author's slug")),
    request_body = AuthorPatchJson,
    security(("api_key" = [])),
    responses((status = 200, description = "Saved", body = ItemEnvelope<AuthorJson>))
)]
#[patch("/authors/{slug}")]
pub async fn update_author(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
    body: JsonObject<AuthorPatchJson>,
) -> AppResult<HttpResponse> {
    let patch = body.into_inner().into();
    let author = state.content.update_author(&caller.0, &slug, patch).await;
    Ok(saved(AuthorJson::from_domain(author?)))
}

/// Delete an author no article names (409 while one does).
#[utoipa::path(
    operation_id = "delete_author",
    tag = "admin",
    params(("slug" = String, Path, description = "The author's slug")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/authors/{slug}")]
pub async fn delete_author(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.content.delete_author(&caller.0, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create a tag.
#[utoipa::path(
    operation_id = "create_tag",
    tag = "admin",
    request_body = NewTagJson,
    security(("api_key" = [])),
    responses((status = 201, description = "Created", body = ItemEnvelope<TagJson>))
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<NewTagJson>,
) -> AppResult<HttpResponse> {
    let NewTagJson {
        slug,
        name,
        kind,
        description,
    } = body.into_inner();
    let new = NewTag {
        slug,
        name,
        kind,
        description,
    };
    let tag = state.content.create_tag_as(&caller.0, new).await?;
    Ok(created(TagJson::from_domain(tag)))
}

/// Change some fields of a tag.
#[utoipa::path(
    operation_id = "update_tag",
    tag = "admin",
    params(("slug" = String, Path, description = "The tag's slug")),
    request_body = TagPatchJson,
    security(("api_key" = [])),
    responses((status = 200, description = "Saved", body = ItemEnvelope<TagJson>))
)]
#[patch("/tags/{slug}")]
pub async fn update_tag(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
    body: JsonObject<TagPatchJson>,
) -> AppResult<HttpResponse> {
    let patch = body.into_inner().into();
    let tag = state.content.update_tag(&caller.0, &slug, patch).await;
    Ok(saved(TagJson::from_domain(tag?)))
}

/// Delete a tag no article carries (409 while one does).
#[utoipa::path(
    operation_id = "delete_tag",
    tag = "admin",
    params(("slug" = String, Path, description = "The tag's slug")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/tags/{slug}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    caller: Authenticated,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.content.delete_tag(&caller.0, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
