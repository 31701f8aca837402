//! Credentials on HTTP: `Authorization: Bearer <key>` (or `X-Api-Key: <key>`) resolved to a
//! `Caller` through the service.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};

use super::AppState;
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// The key a request presents, if any.
pub fn presented_key(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let api_key = req
        .headers()
        .get("X-Api-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    bearer
        .or(api_key)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
}

/// What a request's key turned out to be, kept with the request so that the rate limiter
/// and the handler look it up once between them.
#[derive(Clone)]
struct KeyLookup(AppResult<Option<Caller>>);

/// The caller of a request, if it presented a key; a bad key is an error, not anonymity.
pub async fn optional_caller(req: &HttpRequest) -> AppResult<Option<Caller>> {
    if let Some(KeyLookup(known)) = req.extensions().get::<KeyLookup>() {
        return known.clone();
    }
    let Some(key) = presented_key(req) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("no app state"))?;
    let found = state.content.authenticate(&key).await.map(Some);
    req.extensions_mut().insert(KeyLookup(found.clone()));
    found
}

/// A handler argument that requires a valid key.
pub struct Authenticated(pub Caller);

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            optional_caller(&req)
                .await?
                .map(Authenticated)
                .ok_or_else(|| {
                    AppError::unauthenticated(
                        "this endpoint needs an API key: `Authorization: Bearer byl_…`",
                    )
                })
        })
    }
}

/// A handler argument for reads that anyone may make, but that show more to some keys.
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequest for MaybeAuthenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { optional_caller(&req).await.map(MaybeAuthenticated) })
    }
}

/// The version named by an `If-Match` header (`"v12"`, `W/"v12"` or `12`).
pub fn if_match_version(req: &HttpRequest) -> AppResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    // A compressed response's ETag carries its coding (`"v3-gzip"`); the version is the same.
    let text = text
        .split_once('-')
        .map_or(text, |(version, _coding)| version);
    text.trim_start_matches('v').parse().map(Some).map_err(|_| {
        AppError::invalid_parameter(
            "If-Match",
            "If-Match must be the article's ETag, e.g. \"v3\"",
        )
    })
}

/// The ETag of an article version, as `If-Match` takes it back.
pub fn version_etag(version: i32) -> String {
    format!("\"v{version}\"")
}
