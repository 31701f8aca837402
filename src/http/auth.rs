//! Credentials on HTTP: `Authorization: Bearer <key>` (or `X-Api-Key: <key>`) resolved to a
//! `Caller` through the service.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};

use super::AppState;
use crate::{
    auth::Caller,
    domain::version::BaseVersion,
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

/// An entity tag as `If-Match` takes an article's back: `"v12"` as the server sends it,
/// `"v12-gzip"` as it sends it compressed (`caching::tag_encoding`), either weakened to
/// `W/"v12"` by a proxy that recompressed it.
const VERSION_TAG: &str = r#"(W/)?"v[0-9]{1,9}(-[a-z]+)?""#;

/// The `If-Match` values [`if_match_version`] takes, as the OpenAPI document's pattern: `*`,
/// or a comma-separated list of [`VERSION_TAG`]s (RFC 9110's `#entity-tag`: white space
/// around the commas and empty elements allowed). White space around the whole value is not
/// part of it (RFC 9110 §5.5), whether or not the HTTP parser has already dropped it.
pub fn if_match_pattern() -> String {
    format!(r"^([ \t]*\*[ \t]*|[ \t,]*{VERSION_TAG}([ \t]*,[ \t,]*{VERSION_TAG})*[ \t,]*)$")
}

/// The version an entity tag names, if it is one of an article's ([`VERSION_TAG`]).
fn tagged_version(tag: &str) -> Option<i32> {
    let opaque = tag.strip_prefix("W/").unwrap_or(tag);
    let inner = opaque.strip_prefix("\"v")?.strip_suffix('"')?;
    // A compressed response's ETag carries its coding (`"v3-gzip"`); the version is the same.
    let (digits, coding) = match inner.split_once('-') {
        Some((digits, coding)) => (digits, Some(coding)),
        None => (inner, None),
    };
    let digits_ok = (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let coding_ok =
        coding.is_none_or(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase()));
    if digits_ok && coding_ok {
        digits.parse().ok()
    } else {
        None
    }
}

/// Parses an `If-Match` field value (RFC 9110 §13.1.1): `*`, or a list of the article's
/// entity tags; `None` for anything else.
fn parse_if_match(value: &str) -> Option<BaseVersion> {
    let value = value.trim_matches([' ', '\t']);
    if value == "*" {
        return Some(BaseVersion::Any);
    }
    let versions = value
        .split(',')
        .map(|element| element.trim_matches([' ', '\t']))
        .filter(|element| !element.is_empty())
        .map(tagged_version)
        .collect::<Option<Vec<i32>>>()?;
    (!versions.is_empty()).then_some(BaseVersion::Listed(versions))
}

/// The version a request's `If-Match` names: `"v12"` (the article's `ETag`, also with its
/// coding, `"v12-gzip"`, or weak, `W/"v12"`), a list of them, or `*` (whatever version is
/// current). None sent is [`BaseVersion::Unnamed`]; anything else is a 400 naming
/// `If-Match`.
pub fn if_match_version(req: &HttpRequest) -> AppResult<BaseVersion> {
    let mut values = req.headers().get_all(header::IF_MATCH).peekable();
    if values.peek().is_none() {
        return Ok(BaseVersion::Unnamed);
    }
    // Several `If-Match` lines are one list (RFC 9110 §5.3).
    let value = values
        .map(|v| v.to_str().ok())
        .collect::<Option<Vec<&str>>>()
        .map(|lines| lines.join(","));
    value.as_deref().and_then(parse_if_match).ok_or_else(|| {
        AppError::invalid_parameter(
            "If-Match",
            "If-Match must be the article's ETag (e.g. \"v3\"), a comma-separated list of them, or *",
        )
    })
}

/// The ETag of an article version, as `If-Match` takes it back.
pub fn version_etag(version: i32) -> String {
    format!("\"v{version}\"")
}
