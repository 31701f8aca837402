//! The response cache of public reads: the exact answer a handler gave (status, headers,
//! identity body, ETag) kept in memory under the normalized request, served again until a
//! change evicts it. Entries are bounded by bytes (`--response-cache-mb`); what each depends
//! on is the `Surrogate-Key` it carries, and the invalidation bus
//! (`service::invalidation`) names the keys every committed change affects.
//!
//! - **What is kept**: 200 answers built by `caching::respond_bytes` (REST reads, feeds,
//!   sitemaps, the partner stream, GraphQL GET), for GET requests under `/v1/`, `/feeds/`,
//!   `/sitemap…`, `/syndication/v1/` and `/graphql`, unless marked `no-store`. Bodies are kept
//!   before content coding: `Compress` runs outside and encodes each hit again.
//! - **The key**: the audience (`public`, or the role of a key that reads as the public, e.g.
//!   `content` or `partner`), scheme and host (feeds link to them), path, and the query with
//!   its parameters in stable order of name. Requests with a preview token, with a key that
//!   reads drafts, or with a key that is not valid are never looked up nor kept.
//! - **Conditional requests** are answered from the entry as `caching` would: a request that
//!   misses goes to the handler without its validators, so the full answer can be kept.
//! - **Races**: an answer is kept only if no invalidation happened since its request began
//!   (it may have read the database before the change committed); the check runs after the
//!   entry is in, so an invalidation either sees it or it sees the invalidation.
//! - **Time**: nothing is served or kept once the visibility clock's next change has come,
//!   until the clock has evicted what it changed; the partner stream is not kept while a
//!   change is still settling.
//! - **Other instances**: nothing is served or kept while this instance's listener is not
//!   listening (`service::peers`), since another instance's change could go unheard.

use std::{
    collections::HashMap,
    future::{Ready, ready},
    rc::Rc,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use actix_web::{
    HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::{
        StatusCode,
        header::{self, HeaderMap},
    },
    web::{self, Bytes},
};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;
use moka::notification::RemovalCause;
use prometheus_client::metrics::{counter::Counter, family::Family};

use super::{AppState, caching};
use crate::{
    auth::Action,
    service::{
        invalidation::{Invalidation, Listener, SYNDICATION, VisibilityClock},
        peers::Hearing,
    },
};

/// Paths whose GET answers may be kept.
const CACHED_PREFIXES: [&str; 5] = [
    "/v1/",
    "/feeds/",
    "/sitemap",
    "/syndication/v1/",
    "/graphql",
];

/// Bytes counted for an entry beyond what it holds: the map's and the index's bookkeeping.
const ENTRY_OVERHEAD: usize = 256;
/// … and for each of its surrogate keys (the key, and its slot in the index).
const KEY_OVERHEAD: usize = 80;

type Labels = [(&'static str, &'static str); 1];

/// Hit, miss and eviction counts, registered by `crate::metrics`.
#[derive(Clone, Default)]
pub struct CacheStats {
    pub hits: Counter,
    pub misses: Counter,
    /// Requests that may not share cached answers (staff keys, preview tokens).
    pub bypassed: Counter,
    /// Entries removed, by cause: `size` (over the byte bound), `invalidated` (content
    /// changed), `replaced`.
    pub evictions: Family<Labels, Counter>,
}

/// One kept answer.
struct Entry {
    id: u64,
    headers: HeaderMap,
    body: Bytes,
    etag: String,
    last_modified: Option<DateTime<Utc>>,
    dates_are_exact: bool,
    keys: Vec<Arc<str>>,
    weight: u32,
}

impl Entry {
    /// The answer for a request with these validators: the whole entry, or a 304 carrying
    /// the headers `caching` sends with one.
    fn respond(
        &self,
        if_none_match: Option<&header::HeaderValue>,
        if_modified_since: Option<&header::HeaderValue>,
    ) -> HttpResponse {
        let unchanged = caching::is_unchanged(
            if_none_match,
            if_modified_since,
            &self.etag,
            self.last_modified,
            self.dates_are_exact,
        );
        let mut response = HttpResponse::with_body(
            if unchanged {
                StatusCode::NOT_MODIFIED
            } else {
                StatusCode::OK
            },
            BoxBody::new(()),
        );
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if unchanged && (name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH) {
                continue;
            }
            headers.append(name.clone(), value.clone());
        }
        if unchanged {
            return response;
        }
        response.set_body(BoxBody::new(self.body.clone()))
    }
}

/// Which entries depend on each surrogate key: key → (cache key → entry id). The id tells an
/// entry from a newer one under the same cache key, so removing one never unlists the other.
type Index = HashMap<Arc<str>, HashMap<Arc<str>, u64>>;

struct Shared {
    index: Mutex<Index>,
    stats: CacheStats,
}

impl Shared {
    fn index(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Unlists an entry that left the cache.
    fn forget(&self, key: &str, entry: &Entry) {
        let mut index = self.index();
        for dependency in &entry.keys {
            if let Some(entries) = index.get_mut(dependency) {
                if entries.get(key) == Some(&entry.id) {
                    entries.remove(key);
                }
                if entries.is_empty() {
                    index.remove(dependency);
                }
            }
        }
    }
}

/// The cache, shared by every worker.
pub struct ResponseCache {
    entries: moka::sync::Cache<Arc<str>, Arc<Entry>>,
    shared: Arc<Shared>,
    /// Invalidations so far: an answer is kept only if none happened while it was made.
    invalidations: AtomicU64,
    next_id: AtomicU64,
    clock: VisibilityClock,
    /// Whether every instance's changes reach this cache now.
    hearing: Hearing,
    /// How long the partner stream holds a change back.
    settle: Duration,
    /// The partner stream is not kept before this (µs since the epoch): a change is settling.
    settling_until: AtomicI64,
    max_bytes: u64,
}

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

impl ResponseCache {
    /// A cache of at most `max_bytes`, served while `clock` allows and `hearing` hears every
    /// instance's changes.
    pub fn new(
        max_bytes: u64,
        clock: VisibilityClock,
        hearing: Hearing,
        settle: Duration,
    ) -> ResponseCache {
        let shared = Arc::new(Shared {
            index: Mutex::new(HashMap::new()),
            stats: CacheStats::default(),
        });
        let listener = shared.clone();
        let entries = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_key: &Arc<str>, entry: &Arc<Entry>| entry.weight)
            .eviction_listener(move |key: Arc<Arc<str>>, entry: Arc<Entry>, cause| {
                let cause = match cause {
                    RemovalCause::Size => "size",
                    RemovalCause::Explicit => "invalidated",
                    RemovalCause::Replaced => "replaced",
                    RemovalCause::Expired => "expired",
                };
                listener
                    .stats
                    .evictions
                    .get_or_create(&[("cause", cause)])
                    .inc();
                listener.forget(&key, &entry);
            })
            .build();
        ResponseCache {
            entries,
            shared,
            invalidations: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
            clock,
            hearing,
            settle,
            settling_until: AtomicI64::new(i64::MIN),
            max_bytes,
        }
    }

    pub fn stats(&self) -> &CacheStats {
        &self.shared.stats
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Bytes held now (after pending maintenance).
    pub fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }

    pub fn entry_count(&self) -> u64 {
        self.entries.entry_count()
    }

    /// Whether entries may be served and kept now: not past the clock's next change, and
    /// not while another instance's change could go unheard (its listener lost its session).
    fn serving(&self) -> bool {
        now_micros() < self.clock.valid_until() && self.hearing.hears_everything()
    }

    fn lookup(&self, key: &str) -> Option<Arc<Entry>> {
        if !self.serving() {
            return None;
        }
        self.entries.get(key)
    }

    /// Where the invalidation count stands as a request begins.
    fn begin(&self) -> u64 {
        self.invalidations.load(Ordering::SeqCst)
    }

    /// Keeps `entry` under `key` unless something was invalidated since `begun`.
    fn store(&self, key: Arc<str>, begun: u64, mut entry: Entry, settling: bool) -> Arc<Entry> {
        entry.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(entry);
        // An answer that names nothing it depends on could never be evicted: not kept.
        let settling = settling && now_micros() < self.settling_until.load(Ordering::SeqCst);
        if settling || entry.keys.is_empty() {
            return entry;
        }
        {
            let mut index = self.shared.index();
            for dependency in &entry.keys {
                index
                    .entry(dependency.clone())
                    .or_default()
                    .insert(key.clone(), entry.id);
            }
        }
        self.entries.insert(key.clone(), entry.clone());
        // After the insert: an invalidation that began before this read either sees the entry
        // in the index or has moved the count.
        if self.invalidations.load(Ordering::SeqCst) != begun || !self.serving() {
            self.entries.invalidate(&key);
        }
        entry
    }

    /// Evicts every entry that depends on what `what` names.
    pub fn invalidate(&self, what: &Invalidation) {
        if what.keys.is_empty() && !what.everything {
            return;
        }
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        if what.everything || what.keys.contains(SYNDICATION) {
            let settled = now_micros()
                .saturating_add(i64::try_from(self.settle.as_micros()).unwrap_or(i64::MAX));
            self.settling_until.fetch_max(settled, Ordering::SeqCst);
        }
        if what.everything {
            self.shared.index().clear();
            self.entries.invalidate_all();
            return;
        }
        let doomed: Vec<Arc<str>> = {
            let mut index = self.shared.index();
            what.keys
                .iter()
                .filter_map(|k| index.remove(k.as_str()))
                .flat_map(|entries| entries.into_keys())
                .collect()
        };
        for key in doomed {
            self.entries.invalidate(&key);
        }
    }
}

impl Listener for ResponseCache {
    fn invalidated(&self, what: &Invalidation) {
        self.invalidate(what);
    }
}

/// Who an answer is for, as a part of the cache key; `None` when it may not be shared.
async fn audience(req: &ServiceRequest) -> Option<&'static str> {
    let query = req.query_string();
    if (query.contains('%') || query.contains("preview_token"))
        && url::form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "preview_token")
    {
        return None;
    }
    if super::auth::presented_key(req.request()).is_none() {
        return Some("public");
    }
    match super::auth::optional_caller(req.request()).await {
        Ok(Some(caller)) if !caller.can(Action::ReadDrafts) => Some(caller.role.as_str()),
        _ => None,
    }
}

/// The normalized request: audience, scheme and host, path, and the query's parameters in
/// stable order of name (values of one name keep their order, which handlers may read).
fn cache_key(req: &ServiceRequest, audience: &str) -> String {
    let info = req.connection_info();
    let query = req.query_string();
    let mut key = String::with_capacity(
        audience.len() + info.host().len() + req.path().len() + query.len() + 16,
    );
    key.push_str(audience);
    key.push(' ');
    key.push_str(info.scheme());
    key.push_str("://");
    key.push_str(info.host());
    key.push_str(req.path());
    if !query.is_empty() {
        let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        pairs.sort_by_key(|pair| pair.split('=').next().unwrap_or_default());
        key.push('?');
        key.push_str(&pairs.join("&"));
    }
    key
}

fn weigh(key: &str, headers: &HeaderMap, body: &Bytes, keys: &[Arc<str>], etag: &str) -> u32 {
    let headers: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum();
    let keys: usize = keys.iter().map(|k| k.len() + KEY_OVERHEAD).sum();
    let total = ENTRY_OVERHEAD + key.len() * 2 + headers + body.len() + keys + etag.len();
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// The middleware: answers from the cache, or asks the handler and keeps what it may.
pub struct ResponseCaching;

impl<S, B> Transform<S, ServiceRequest> for ResponseCaching
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = ResponseCachingService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ResponseCachingService {
            service: Rc::new(service),
        }))
    }
}

pub struct ResponseCachingService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for ResponseCachingService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let cache = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| state.response_cache.clone())
            .filter(|_| {
                req.method() == actix_web::http::Method::GET
                    && CACHED_PREFIXES.iter().any(|p| req.path().starts_with(p))
            });
        Box::pin(async move {
            let Some(cache) = cache else {
                return Ok(service.call(req).await?.map_into_boxed_body());
            };
            let Some(audience) = audience(&req).await else {
                cache.stats().bypassed.inc();
                return Ok(service.call(req).await?.map_into_boxed_body());
            };
            let key = cache_key(&req, audience);
            let if_none_match = req.headers_mut().remove(header::IF_NONE_MATCH).next();
            let if_modified_since = req.headers_mut().remove(header::IF_MODIFIED_SINCE).next();
            if let Some(entry) = cache.lookup(&key) {
                cache.stats().hits.inc();
                let response = entry.respond(if_none_match.as_ref(), if_modified_since.as_ref());
                return Ok(req.into_response(response));
            }
            cache.stats().misses.inc();
            let begun = cache.begin();
            // Without its validators, the handler gives the whole answer, to keep.
            let response = service.call(req).await?;
            let facts = response
                .response()
                .extensions()
                .get::<caching::Cacheable>()
                .cloned();
            let keep = response.status() == StatusCode::OK
                && !response
                    .headers()
                    .get(header::CACHE_CONTROL)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("no-store"))
                && !response.headers().contains_key(header::SET_COOKIE);
            let Some(facts) = facts.filter(|_| keep) else {
                return Ok(response.map_into_boxed_body());
            };
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let body = actix_web::body::to_bytes(body)
                .await
                .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
            let keys: Vec<Arc<str>> = head
                .headers()
                .get("surrogate-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split_whitespace()
                .map(Arc::from)
                .collect();
            let headers = head.headers().clone();
            let weight = weigh(&key, &headers, &body, &keys, &facts.etag);
            let entry = Entry {
                id: 0,
                headers,
                body,
                etag: facts.etag,
                last_modified: facts.last_modified,
                dates_are_exact: facts.dates_are_exact,
                keys,
                weight,
            };
            let entry = cache.store(Arc::from(key), begun, entry, facts.shows_settled_changes);
            let response = entry.respond(if_none_match.as_ref(), if_modified_since.as_ref());
            Ok(ServiceResponse::new(request, response))
        })
    }
}

/// Builds the cache of `max_bytes` (none for 0) and subscribes it to `content`'s changes.
pub fn build(
    max_bytes: u64,
    content: &crate::service::ContentService,
    settle: Duration,
) -> Option<Arc<ResponseCache>> {
    if max_bytes == 0 {
        return None;
    }
    let cache = Arc::new(ResponseCache::new(
        max_bytes,
        content.visibility_clock().clone(),
        content.hearing().clone(),
        settle,
    ));
    content.invalidations().subscribe(cache.clone());
    Some(cache)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: usize, keys: &[&str]) -> Entry {
        let body = Bytes::from(vec![b'x'; body]);
        let keys: Vec<Arc<str>> = keys.iter().map(|k| Arc::from(*k)).collect();
        let headers = HeaderMap::new();
        let weight = weigh("k", &headers, &body, &keys, "\"e\"");
        Entry {
            id: 0,
            headers,
            body,
            etag: "\"e\"".into(),
            last_modified: None,
            dates_are_exact: false,
            keys,
            weight,
        }
    }

    fn serving_cache(max_bytes: u64) -> ResponseCache {
        let clock = VisibilityClock::default();
        // As the clock stands once it has read the database and found nothing scheduled.
        clock.handled(crate::domain::now(), None);
        ResponseCache::new(max_bytes, clock, Hearing::default(), Duration::from_secs(2))
    }

    #[test]
    fn the_byte_bound_holds_whatever_is_stored() {
        let max = 256 * 1024;
        let cache = serving_cache(max);
        for i in 0..1_000 {
            let begun = cache.begin();
            cache.store(
                Arc::from(format!("k{i}")),
                begun,
                entry(4 * 1024, &["articles", &format!("article:{i}")]),
                false,
            );
        }
        let held = cache.weighted_size();
        assert!(held <= max, "{held} bytes held, bound {max}");
        assert!(
            held > max / 2,
            "{held} bytes held: the cache keeps entries up to its bound"
        );
        assert!(cache.entry_count() < 1_000);
        // Evicted entries are unlisted too: the index does not grow past what is held.
        let listed: usize = cache.shared.index().values().map(HashMap::len).sum();
        assert!(
            listed <= 2 * cache.entry_count() as usize + 2,
            "{listed} listed"
        );
    }

    #[test]
    fn an_invalidation_evicts_exactly_the_entries_that_carry_its_keys() {
        let cache = serving_cache(1 << 20);
        for (key, keys) in [
            ("one", &["article:1", "tag:t"][..]),
            ("two", &["article:2"][..]),
            ("list", &["articles", "article:1", "article:2"][..]),
        ] {
            let begun = cache.begin();
            cache.store(Arc::from(key), begun, entry(10, keys), false);
        }
        let mut what = Invalidation::default();
        what.keys.insert("article:2".into());
        cache.invalidate(&what);
        assert!(cache.lookup("one").is_some());
        assert!(cache.lookup("two").is_none());
        assert!(cache.lookup("list").is_none());
    }

    #[test]
    fn an_answer_read_before_an_invalidation_is_not_kept() {
        let cache = serving_cache(1 << 20);
        let begun = cache.begin();
        // A change commits and is announced while the answer is being made…
        let mut what = Invalidation::default();
        what.keys.insert("article:1".into());
        cache.invalidate(&what);
        // … so the answer, which may hold the old content, is not served later.
        cache.store(Arc::from("one"), begun, entry(10, &["article:1"]), false);
        assert!(cache.lookup("one").is_none());
    }

    #[test]
    fn nothing_is_served_or_kept_while_another_instances_change_could_go_unheard() {
        let clock = VisibilityClock::default();
        clock.handled(crate::domain::now(), None);
        let hearing = Hearing::default();
        let cache = ResponseCache::new(1 << 20, clock, hearing.clone(), Duration::from_secs(2));
        let begun = cache.begin();
        cache.store(Arc::from("one"), begun, entry(10, &["article:1"]), false);
        assert!(
            cache.lookup("one").is_some(),
            "no listener yet: one instance"
        );
        // A listener starts, or loses its session: deaf until it listens.
        hearing.start();
        assert!(cache.lookup("one").is_none(), "not served while deaf");
        let begun = cache.begin();
        cache.store(Arc::from("two"), begun, entry(10, &["article:2"]), false);
        hearing.set_listening(true);
        assert!(cache.lookup("two").is_none(), "not kept while deaf");
        assert!(cache.lookup("one").is_some());
    }
}
