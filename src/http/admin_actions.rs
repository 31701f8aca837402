//! The editorial workflow over REST: one route per action on an article
//! (`POST /admin/v1/articles/{id}/publish`, `/schedule`, …), each with its own typed body.
//! Every action that changes the article names the version it is based on, as
//! `If-Match: "v<version>"` or a `version` field (428 without, 412 when someone else saved
//! first); minting a preview token changes nothing and needs none.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, de::DeserializeOwned};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    AppState,
    admin_articles::{AdminArticleJson, article_response, storable, storable_time},
    auth::{Authenticated, if_match_version},
    json_body::{self, JsonObject},
    params,
    views::{ItemEnvelope, utc},
};
use crate::{
    domain::{json, version::BaseVersion},
    error::{AppError, AppResult},
    service::editorial::Transition,
};

/// Registers the action routes in the `/admin/v1` scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(publish)
        .service(unpublish)
        .service(archive)
        .service(schedule)
        .service(embargo)
        .service(add_correction)
        .service(mint_preview_token);
}

/// The body of an action without arguments: optional, and may name the version.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VersionJson {
    /// The version the action is based on, instead of `If-Match`.
    #[serde(default, deserialize_with = "json::optional_version")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// When a scheduled article goes out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleJson {
    /// A time in the future.
    pub publish_at: DateTime<Utc>,
    /// The version the action is based on, instead of `If-Match`.
    #[serde(default, deserialize_with = "json::optional_version")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// Until when an article is held back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbargoJson {
    /// A time in the future, or `null` to lift the embargo. Required: lifting is never a
    /// forgotten field.
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, required = true)]
    pub embargo_until: Option<Option<DateTime<Utc>>>,
    /// The version the action is based on, instead of `If-Match`.
    #[serde(default, deserialize_with = "json::optional_version")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// A correction: the note shown with the article from now on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCorrectionJson {
    #[schema(min_length = 1)]
    pub note: String,
    /// The version the correction is based on, instead of `If-Match`.
    #[serde(default, deserialize_with = "json::optional_version")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// How long a preview token lives.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PreviewTokenRequestJson {
    /// Minutes (default 60; at most `service::preview::MAX_TTL_MINUTES`, a week).
    #[serde(default, deserialize_with = "json::optional_integer")]
    #[schema(minimum = 1, maximum = 10080)]
    pub ttl_minutes: Option<i64>,
}

/// A preview token for one article.
#[derive(serde::Serialize, ToSchema)]
pub struct PreviewTokenJson {
    /// Pass as `?preview_token=` on `GET /v1/articles/{slug}` or `/v1/articles/id/{id}`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// An optional JSON body: nothing, or `null`, means the defaults; anything else must be an
/// object of `T`'s fields.
fn optional_body<T: DeserializeOwned + Default>(body: &[u8]) -> AppResult<T> {
    let text = body.trim_ascii();
    if text.is_empty() {
        return Ok(T::default());
    }
    let value: serde_json::Value = serde_json::from_slice(text)
        .map_err(|e| AppError::invalid_parameter("body", format!("invalid JSON body: {e}")))?;
    match value {
        serde_json::Value::Null => Ok(T::default()),
        serde_json::Value::Object(object) => json_body::from_object(object),
        _ => Err(AppError::invalid_parameter(
            "body",
            "the body must be a JSON object, or null",
        )),
    }
}

/// The version an action is based on: `If-Match`, else the body's `version`.
fn based_on(req: &HttpRequest, version: Option<i32>) -> AppResult<BaseVersion> {
    Ok(if_match_version(req)?.or(version))
}

/// Runs `transition` on article `id` (already parsed), based on `If-Match` or `version`.
async fn apply(
    req: &HttpRequest,
    state: &AppState,
    caller: &Authenticated,
    id: &str,
    version: Option<i32>,
    transition: Transition,
) -> AppResult<HttpResponse> {
    let version = based_on(req, version)?;
    let article = state
        .content
        .transition_article(&caller.0, id, transition, version)
        .await?;
    Ok(article_response(state, StatusCode::OK, article))
}

/// Runs a transition without arguments.
async fn transition(
    req: &HttpRequest,
    state: &AppState,
    caller: &Authenticated,
    id: &str,
    body: &[u8],
    transition: Transition,
) -> AppResult<HttpResponse> {
    let id = params::id(id)?;
    let VersionJson { version } = optional_body(body)?;
    apply(req, state, caller, &id, version, transition).await
}

/// Publish now (editors and admins).
#[utoipa::path(
    operation_id = "publish_article",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body(content = Option<VersionJson>, description = "Optional: the version, instead of If-Match"),
    security(("api_key" = [])),
    responses((status = 200, description = "The published article", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/publish")]
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    transition(&req, &state, &caller, &id, &body, Transition::Publish).await
}

/// Take a published or scheduled article back to draft.
#[utoipa::path(
    operation_id = "unpublish_article",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body(content = Option<VersionJson>, description = "Optional: the version, instead of If-Match"),
    security(("api_key" = [])),
    responses((status = 200, description = "The article, a draft again", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/unpublish")]
pub async fn unpublish(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    transition(&req, &state, &caller, &id, &body, Transition::Unpublish).await
}

/// Archive an article: withdrawn from every public surface, kept for the record.
#[utoipa::path(
    operation_id = "archive_article",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body(content = Option<VersionJson>, description = "Optional: the version, instead of If-Match"),
    security(("api_key" = [])),
    responses((status = 200, description = "The archived article", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/archive")]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    transition(&req, &state, &caller, &id, &body, Transition::Archive).await
}

/// Schedule publication at `publish_at` (in the future).
#[utoipa::path(
    operation_id = "schedule_article",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body = ScheduleJson,
    security(("api_key" = [])),
    responses((status = 200, description = "The scheduled article", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/schedule")]
pub async fn schedule(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<ScheduleJson>,
) -> AppResult<HttpResponse> {
    let id = params::id(&id)?;
    let ScheduleJson {
        publish_at,
        version,
    } = body.into_inner();
    let at = storable_time("publish_at", publish_at)?;
    apply(
        &req,
        &state,
        &caller,
        &id,
        version,
        Transition::Schedule(at),
    )
    .await
}

/// Hold an article back until `embargo_until`, or lift its embargo with `null`.
#[utoipa::path(
    operation_id = "embargo_article",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body = EmbargoJson,
    security(("api_key" = [])),
    responses((status = 200, description = "The article with its embargo", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/embargo")]
pub async fn embargo(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<EmbargoJson>,
) -> AppResult<HttpResponse> {
    let id = params::id(&id)?;
    let EmbargoJson {
        embargo_until,
        version,
    } = body.into_inner();
    let until = embargo_until.ok_or_else(|| {
        AppError::invalid_parameter(
            "embargo_until",
            "embargo needs `embargo_until`: a time, or null to lift it",
        )
    })?;
    let until = storable("embargo_until", until)?;
    apply(
        &req,
        &state,
        &caller,
        &id,
        version,
        Transition::Embargo(until),
    )
    .await
}

/// Add a correction: a dated note shown with the article from now on.
#[utoipa::path(
    operation_id = "add_correction",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The article's UUID"),
        ("If-Match" = Option<String>, Header, description = "The article's ETag; required unless the body has `version`"),
    ),
    request_body = NewCorrectionJson,
    security(("api_key" = [])),
    responses((status = 200, description = "The article with the correction", body = ItemEnvelope<AdminArticleJson>))
)]
#[post("/articles/{id}/corrections")]
pub async fn add_correction(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<NewCorrectionJson>,
) -> AppResult<HttpResponse> {
    let id = params::id(&id)?;
    let NewCorrectionJson { note, version } = body.into_inner();
    let version = based_on(&req, version)?;
    let article = state
        .content
        .add_correction(&caller.0, &id, note, version)
        .await?;
    Ok(article_response(&state, StatusCode::OK, article))
}

/// Mint a token that shows this article, in any state, on the public article routes.
#[utoipa::path(
    operation_id = "mint_preview_token",
    tag = "admin",
    params(("id" = String, Path, description = "The article's UUID")),
    request_body(content = Option<PreviewTokenRequestJson>, description = "Optional: how long the token lives"),
    security(("api_key" = [])),
    responses((status = 201, description = "The token", body = ItemEnvelope<PreviewTokenJson>))
)]
#[post("/articles/{id}/preview-token")]
pub async fn mint_preview_token(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = params::id(&id)?;
    let PreviewTokenRequestJson { ttl_minutes } = optional_body(&body)?;
    let (token, expires) = state
        .content
        .mint_preview_token(&caller.0, &id, ttl_minutes)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(ItemEnvelope {
            data: PreviewTokenJson {
                token,
                expires_at: utc(expires),
            },
        }))
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn the_documented_token_lifetime_is_the_one_the_service_allows() {
        let schema = serde_json::to_value(PreviewTokenRequestJson::schema()).unwrap_or_default();
        let maximum = &schema["properties"]["ttl_minutes"]["maximum"];
        assert_eq!(
            maximum.as_i64(),
            Some(crate::service::preview::MAX_TTL_MINUTES),
            "{schema}"
        );
    }
}
