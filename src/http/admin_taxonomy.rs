//! The admin API for sections, authors and tags (`{kind}` is `sections`, `authors` or
//! `tags`), and for API keys.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    AppState,
    auth::Authenticated,
    problem::Problem,
    views::{AuthorJson, ItemEnvelope, SectionJson, TagJson, utc},
};
use crate::{
    auth::{Action, Role},
    domain::{
        article::{AuthorLink, TagKind},
        taxonomy::Taxonomy,
    },
    error::{AppError, AppResult},
    service::{
        keys::ApiKey,
        taxonomy::{NewAuthor, NewSection, NewTag},
        taxonomy_admin::TaxonomyPatch,
    },
};

/// The taxonomy a `{kind}` path segment names.
fn kind(raw: &str) -> AppResult<Taxonomy> {
    raw.parse().map_err(|_| {
        AppError::not_found(format!(
            "no admin collection `{raw}`: sections, authors, tags, articles, keys or webhooks"
        ))
    })
}

/// A new section, author or tag. `kind` is required for tags; `role`, `bio`, `avatar_url`
/// and `links` apply to authors.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaxonomyJson {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: String,
    #[schema(min_length = 1)]
    pub name: String,
    pub description: Option<String>,
    pub kind: Option<TagKind>,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub links: Vec<AuthorLink>,
}

/// A section, author or tag, as its public collection shows it.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum TermJson {
    Section(SectionJson),
    Author(AuthorJson),
    Tag(TagJson),
}

/// Create a section, author or tag.
#[utoipa::path(
    operation_id = "create_taxonomy",
    tag = "admin",
    params(("kind" = String, Path, description = "sections, authors or tags")),
    request_body = NewTaxonomyJson,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created", body = ItemEnvelope<TermJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/v1/{kind}")]
pub async fn create_taxonomy(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: web::Json<NewTaxonomyJson>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let (c, content) = (&caller.0, &state.content);
    let data = match kind(&path)? {
        Taxonomy::Section => TermJson::Section(SectionJson::from_domain(
            content
                .create_section_as(
                    c,
                    NewSection {
                        slug: b.slug,
                        name: b.name,
                        description: b.description,
                    },
                )
                .await?,
        )),
        Taxonomy::Author => {
            let new = NewAuthor {
                slug: b.slug,
                name: b.name,
                role: b.role,
                bio: b.bio,
                avatar_url: b.avatar_url,
                links: b.links,
            };
            TermJson::Author(AuthorJson::from_domain(
                content.create_author_as(c, new).await?,
            ))
        }
        Taxonomy::Tag => {
            let kind = b
                .kind
                .ok_or_else(|| AppError::invalid_parameter("kind", "a tag needs a `kind`"))?;
            TermJson::Tag(TagJson::from_domain(
                content
                    .create_tag_as(
                        c,
                        NewTag {
                            slug: b.slug,
                            name: b.name,
                            kind,
                            description: b.description,
                        },
                    )
                    .await?,
            ))
        }
    };
    Ok(HttpResponse::Created().json(ItemEnvelope { data }))
}

/// Change some fields of a section, author or tag.
#[utoipa::path(
    operation_id = "update_taxonomy",
    tag = "admin",
    params(("kind" = String, Path, description = "sections, authors or tags"), ("slug" = String, Path, description = "Its slug")),
    request_body = TaxonomyPatch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Saved", body = ItemEnvelope<TermJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/v1/{kind}/{slug}")]
pub async fn update_taxonomy(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<TaxonomyPatch>,
) -> AppResult<HttpResponse> {
    let (k, slug) = path.into_inner();
    let (c, content, patch) = (&caller.0, &state.content, body.into_inner());
    let data = match kind(&k)? {
        Taxonomy::Section => TermJson::Section(SectionJson::from_domain(
            content.update_section(c, &slug, patch).await?,
        )),
        Taxonomy::Author => TermJson::Author(AuthorJson::from_domain(
            content.update_author(c, &slug, patch).await?,
        )),
        Taxonomy::Tag => TermJson::Tag(TagJson::from_domain(
            content.update_tag(c, &slug, patch).await?,
        )),
    };
    Ok(HttpResponse::Ok().json(ItemEnvelope { data }))
}

/// Delete a section, author or tag that no article uses.
#[utoipa::path(
    operation_id = "delete_taxonomy",
    tag = "admin",
    params(("kind" = String, Path, description = "sections, authors or tags"), ("slug" = String, Path, description = "Its slug")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key's role may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles still use it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/admin/v1/{kind}/{slug}")]
pub async fn delete_taxonomy(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (k, slug) = path.into_inner();
    let (c, content) = (&caller.0, &state.content);
    match kind(&k)? {
        Taxonomy::Section => content.delete_section(c, &slug).await?,
        Taxonomy::Author => content.delete_author(c, &slug).await?,
        Taxonomy::Tag => content.delete_tag(c, &slug).await?,
    }
    Ok(HttpResponse::NoContent().finish())
}

/// An API key, without its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyJson {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The public part of the key, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyJson {
    fn from(k: ApiKey) -> Self {
        ApiKeyJson {
            id: k.id,
            name: k.name,
            role: k.role,
            prefix: k.prefix,
            created_at: utc(k.created_at),
            revoked_at: k.revoked_at.map(utc),
        }
    }
}

/// A new key: the only time its secret is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedKeyJson {
    #[serde(flatten)]
    pub key: ApiKeyJson,
    /// The key itself; store it now, it cannot be shown again.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyJson {
    #[schema(min_length = 1)]
    pub name: String,
    pub role: Role,
}

/// List API keys (admins).
#[utoipa::path(
    operation_id = "list_api_keys",
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Every key, without secrets", body = ItemEnvelope<Vec<ApiKeyJson>>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/v1/keys")]
pub async fn list_keys(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> AppResult<HttpResponse> {
    caller.0.require(Action::ManageKeys)?;
    let data: Vec<ApiKeyJson> = state
        .content
        .list_keys()
        .await?
        .into_iter()
        .map(ApiKeyJson::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ItemEnvelope { data }))
}

/// Create an API key (admins); its secret is in this response only.
#[utoipa::path(
    operation_id = "create_api_key",
    tag = "admin",
    request_body = NewKeyJson,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The key and its secret", body = ItemEnvelope<CreatedKeyJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/v1/keys")]
pub async fn create_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<NewKeyJson>,
) -> AppResult<HttpResponse> {
    caller.0.require(Action::ManageKeys)?;
    let NewKeyJson { name, role } = body.into_inner();
    let (key, secret) = state.content.create_key(name, role).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(ItemEnvelope {
            data: CreatedKeyJson {
                key: key.into(),
                secret,
            },
        }))
}

/// Revoke an API key (admins); it stops working at once.
#[utoipa::path(
    operation_id = "revoke_api_key",
    tag = "admin",
    params(("id" = String, Path, description = "The key's id")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No active key has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/admin/v1/keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.0.require(Action::ManageKeys)?;
    state.content.revoke_key(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
