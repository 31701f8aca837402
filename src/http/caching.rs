//! HTTP caching of public reads: a strong ETag over the exact bytes sent, Last-Modified from
//! the newest content in the response, Cache-Control from settings, a Surrogate-Key header so
//! a CDN can purge exactly what changed, and 304 answers to conditional requests.

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HttpDate},
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// What a cacheable response is made of besides its body.
#[derive(Debug, Default)]
pub struct Freshness {
    /// The newest `updated_at` of the content in the response.
    pub last_modified: Option<DateTime<Utc>>,
    /// Ids of the content in the response, for `Surrogate-Key`.
    pub surrogate_keys: Vec<String>,
    /// Whether `last_modified` moves whenever the body changes, so `If-Modified-Since` may be
    /// answered from it. Lists (an item can drop out) and counts (they change with other
    /// content) answer conditional requests by ETag only.
    pub dates_are_exact: bool,
    /// The body shows changes only once they have settled (the partner change stream holds
    /// each back for `Settings::syndication_settle`), so it changes that long after a write.
    pub shows_settled_changes: bool,
}

/// Left in the extensions of every response `respond_bytes` built: what the response cache
/// needs to keep it and to answer conditional requests from it as this module would.
#[derive(Debug, Clone)]
pub struct Cacheable {
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
    pub dates_are_exact: bool,
    pub shows_settled_changes: bool,
}

impl Freshness {
    pub fn touch(&mut self, updated_at: DateTime<Utc>, key: &str) {
        if self.last_modified.is_none_or(|t| t < updated_at) {
            self.last_modified = Some(updated_at);
        }
        self.surrogate_keys.push(key.to_owned());
    }

    /// An answer showing `article`'s body shows its related articles only while they are
    /// public, so it changes when any article does, as a list does. Not the related
    /// articles' own keys: a header must not name an article the public cannot see.
    pub fn follow_related(&mut self, article: &crate::domain::article::Article) {
        use crate::service::invalidation::ARTICLES;
        if !crate::domain::blocks::resolve::related_ids(&article.body_html).is_empty()
            && !self.surrogate_keys.iter().any(|k| k == ARTICLES)
        {
            self.surrogate_keys.push(ARTICLES.to_owned());
        }
    }
}

pub fn strong_etag(body: &[u8]) -> String {
    format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(body))
}

/// The ETag a client sent, without the content-coding suffix `tag_encoding` adds.
fn identity_tag(tag: &str) -> &str {
    let tag = tag.trim().trim_start_matches("W/").trim_matches('"');
    tag.split_once('-').map_or(tag, |(hash, _coding)| hash)
}

/// True when `If-None-Match` names this ETag (weak comparison, as RFC 9110 asks for GET), in
/// any content coding.
fn none_match_hits(if_none_match: Option<&header::HeaderValue>, etag: &str) -> Option<bool> {
    let value = if_none_match?.to_str().ok()?;
    Some(
        value
            .split(',')
            .any(|tag| tag.trim() == "*" || identity_tag(tag) == identity_tag(etag)),
    )
}

/// A strong ETag names one sequence of bytes, so a compressed body gets its own tag:
/// `"hash"` becomes `"hash-gzip"`. Runs outside the compression middleware.
pub fn tag_encoding<B>(
    mut res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::dev::ServiceResponse<B> {
    let headers = res.headers_mut();
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let etag = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let (Some(coding), Some(etag)) = (coding, etag)
        && coding != "identity"
        && let Ok(value) =
            header::HeaderValue::from_str(&format!("\"{}-{coding}\"", identity_tag(&etag)))
    {
        headers.insert(header::ETAG, value);
    }
    res
}

fn not_modified_since(
    if_modified_since: Option<&header::HeaderValue>,
    last_modified: Option<DateTime<Utc>>,
) -> bool {
    let (Some(last_modified), Some(since)) = (
        last_modified,
        if_modified_since
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<HttpDate>().ok()),
    ) else {
        return false;
    };
    let since: std::time::SystemTime = since.into();
    let since: DateTime<Utc> = since.into();
    last_modified.timestamp() <= since.timestamp()
}

/// Serializes `body` and answers with caching headers, or `304 Not Modified`.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    cache_control: &str,
    body: &T,
    freshness: Freshness,
) -> AppResult<HttpResponse> {
    // Most answers are a few KB: starting at 4 KB spares the growing vector most of its
    // copies (they showed in the profile) without keeping much unused room.
    let mut bytes = Vec::with_capacity(4 * 1024);
    serde_json::to_writer(&mut bytes, body).map_err(AppError::internal)?;
    respond_bytes(req, cache_control, "application/json", bytes, freshness)
}

/// Answers with `bytes` of `content_type` (a feed, a sitemap) and caching headers, or
/// `304 Not Modified`.
pub fn respond_bytes(
    req: &HttpRequest,
    cache_control: &str,
    content_type: &str,
    bytes: Vec<u8>,
    freshness: Freshness,
) -> AppResult<HttpResponse> {
    let etag = strong_etag(&bytes);
    let headers = req.headers();
    let unchanged = is_unchanged(
        headers.get(header::IF_NONE_MATCH),
        headers.get(header::IF_MODIFIED_SINCE),
        &etag,
        freshness.last_modified,
        freshness.dates_are_exact,
    );
    let cacheable = Cacheable {
        etag: etag.clone(),
        last_modified: freshness.last_modified,
        dates_are_exact: freshness.dates_are_exact,
        shows_settled_changes: freshness.shows_settled_changes,
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
    if let Some(t) = freshness.last_modified {
        let system: std::time::SystemTime = t.into();
        response.insert_header((header::LAST_MODIFIED, HttpDate::from(system)));
    }
    if !freshness.surrogate_keys.is_empty() {
        let mut keys = freshness.surrogate_keys;
        keys.sort_unstable();
        keys.dedup();
        response.insert_header(("Surrogate-Key", keys.join(" ")));
    }
    let mut response = if unchanged {
        response.finish()
    } else {
        response.content_type(content_type.to_owned()).body(bytes)
    };
    response.extensions_mut().insert(cacheable);
    Ok(response)
}

/// Whether a conditional request's validators (`If-None-Match`, `If-Modified-Since`) still
/// hold for a response with `etag` and `last_modified`, so it may be answered 304.
pub fn is_unchanged(
    if_none_match: Option<&header::HeaderValue>,
    if_modified_since: Option<&header::HeaderValue>,
    etag: &str,
    last_modified: Option<DateTime<Utc>>,
    dates_are_exact: bool,
) -> bool {
    // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2).
    match none_match_hits(if_none_match, etag) {
        Some(hit) => hit,
        None => dates_are_exact && not_modified_since(if_modified_since, last_modified),
    }
}
