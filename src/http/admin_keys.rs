//! The admin API for API keys (admins only): list, create (the one time a secret is shown)
//! and revoke.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    AppState,
    auth::Authenticated,
    json_body::JsonObject,
    problem::Problem,
    views::{ItemEnvelope, utc},
};
use crate::{
    auth::{Action, Role},
    error::AppResult,
    service::keys::ApiKey,
};

/// An API key, without its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyJson {
    #[schema(format = Uuid)]
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
#[get("/keys")]
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
#[post("/keys")]
pub async fn create_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<NewKeyJson>,
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
#[delete("/keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.0.require(Action::ManageKeys)?;
    state.content.revoke_key(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
