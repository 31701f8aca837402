//! The numbers `/metrics` serves, in one prometheus-client registry per application: HTTP
//! requests by route pattern, the database pool, the search cap, webhook deliveries,
//! rate-limit refusals and the response cache.

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use std::sync::Arc;

use crate::{http::response_cache::ResponseCache, service::ContentService};

/// Upper bounds, in seconds, of the request duration buckets.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// A request's method, route pattern and status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    /// The route's pattern (`/v1/articles/{slug}`), never the path, so the series stay few;
    /// `unmatched` for requests no route took.
    pub route: String,
    pub status: u16,
}

/// A request's method and route pattern.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

type OneLabel = [(&'static str, &'static str); 1];

/// Every metric of one application.
pub struct Metrics {
    registry: Registry,
    content: ContentService,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    rate_limited: Family<OneLabel, Counter>,
    pool_connections: Family<OneLabel, Gauge>,
    pool_max: Gauge,
    search_running: Gauge,
    webhook_pending: Gauge,
    webhook_due: Gauge,
    cache: Option<Arc<ResponseCache>>,
    cache_bytes: Gauge,
    cache_entries: Gauge,
    listening: Gauge,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

impl Metrics {
    /// A registry over `content`'s pool, search gate and webhook deliveries, and the
    /// response cache's counts when there is one.
    pub fn new(content: &ContentService, cache: Option<Arc<ResponseCache>>) -> Self {
        let mut registry = Registry::with_prefix("byline");
        let metrics = Metrics {
            content: content.clone(),
            requests: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            rate_limited: Family::default(),
            pool_connections: Family::default(),
            pool_max: Gauge::default(),
            search_running: Gauge::default(),
            webhook_pending: Gauge::default(),
            webhook_due: Gauge::default(),
            cache: None,
            cache_bytes: Gauge::default(),
            cache_entries: Gauge::default(),
            listening: Gauge::default(),
            // Filled below from clones of the handles above, then moved in.
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by method and route pattern",
            metrics.durations.clone(),
        );
        registry.register(
            "http_rate_limited",
            "Requests refused with 429 by the rate limiter, by policy",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections open, by state (in_use, idle)",
            metrics.pool_connections.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Database connections the pool may open",
            metrics.pool_max.clone(),
        );
        let pool = content.db().pool_stats();
        registry.register(
            "db_pool_checkout_wait_seconds",
            "Time each database connection checkout waited",
            pool.checkout_wait.clone(),
        );
        registry.register(
            "db_pool_checkout_timeouts",
            "Checkouts that found no database connection in time (answered 503)",
            pool.checkout_timeouts.clone(),
        );
        let search = content.search_gate();
        registry.register(
            "search_running",
            "Searches running now",
            metrics.search_running.clone(),
        );
        let slots = Gauge::<i64>::default();
        slots.set(i64::from(search.limits().concurrency));
        registry.register("search_slots", "Searches allowed to run at once", slots);
        registry.register(
            "search_waiting",
            "Searches waiting for a turn now",
            search.waiting().clone(),
        );
        registry.register(
            "search_refused",
            "Searches refused for want of a turn (answered 503 busy)",
            search.refused().clone(),
        );
        registry.register(
            "webhook_deliveries_pending",
            "Webhook deliveries waiting to be sent, due or not (the outbox, shared by instances)",
            metrics.webhook_pending.clone(),
        );
        registry.register(
            "webhook_deliveries_due",
            "Pending webhook deliveries whose time has come",
            metrics.webhook_due.clone(),
        );
        registry.register(
            "webhook_deliveries_settled",
            "Webhook deliveries this instance settled, by outcome (delivered, retrying, failed, postponed, skipped)",
            content.delivery_tally().outcomes().clone(),
        );
        if let Some(cache) = &cache {
            let stats = cache.stats();
            registry.register(
                "response_cache_hits",
                "Public reads answered from the response cache",
                stats.hits.clone(),
            );
            registry.register(
                "response_cache_misses",
                "Public reads the response cache could not answer (answered by a handler)",
                stats.misses.clone(),
            );
            registry.register(
                "response_cache_bypassed",
                "Reads that may not share cached answers (keys that read drafts, preview tokens)",
                stats.bypassed.clone(),
            );
            registry.register(
                "response_cache_evictions",
                "Entries removed from the response cache, by cause (size, invalidated, replaced)",
                stats.evictions.clone(),
            );
            let max = Gauge::<i64>::default();
            max.set(i64::try_from(cache.max_bytes()).unwrap_or(i64::MAX));
            registry.register(
                "response_cache_max_bytes",
                "Bytes the response cache may hold",
                max,
            );
            registry.register(
                "response_cache_bytes",
                "Bytes the response cache holds now",
                metrics.cache_bytes.clone(),
            );
            registry.register(
                "response_cache_entries",
                "Answers the response cache holds now",
                metrics.cache_entries.clone(),
            );
        }
        let hearing = content.hearing();
        if hearing.started() {
            registry.register(
                "invalidation_listener_listening",
                "Whether this instance listens for other instances' changes now (1); while not (0), no cached answer is served",
                metrics.listening.clone(),
            );
            registry.register(
                "invalidation_listener_reconnects",
                "Times the session that hears other instances' changes was lost and listened again (each drops every cached answer)",
                hearing.reconnects().clone(),
            );
            registry.register(
                "invalidation_notifications_received",
                "Invalidation notifications heard from the database, this instance's own included",
                hearing.received().clone(),
            );
        }
        Metrics {
            registry,
            cache,
            ..metrics
        }
    }

    /// Counts one answered request.
    pub fn record_request(&self, labels: RequestLabels, seconds: f64) {
        self.durations
            .get_or_create(&RouteLabels {
                method: labels.method,
                route: labels.route.clone(),
            })
            .observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }

    /// Counts one request the rate limiter refused under `policy`.
    pub fn rate_limited(&self, policy: &'static str) {
        self.rate_limited.get_or_create(&[("policy", policy)]).inc();
    }

    /// Reads the gauges that are measured rather than counted: the pool, running searches
    /// and the outbox (one indexed count query; on failure the last numbers stay).
    pub async fn refresh(&self) {
        let db = self.content.db();
        let pool = db.pool_state();
        let idle = i64::from(pool.idle_connections);
        let open = i64::from(pool.connections);
        self.pool_connections
            .get_or_create(&[("state", "in_use")])
            .set(open - idle);
        self.pool_connections
            .get_or_create(&[("state", "idle")])
            .set(idle);
        self.pool_max.set(i64::from(db.pool_size()));
        self.search_running
            .set(i64::from(self.content.search_gate().in_use()));
        self.listening
            .set(i64::from(self.content.hearing().listening()));
        if let Some(cache) = &self.cache {
            self.cache_bytes
                .set(i64::try_from(cache.weighted_size()).unwrap_or(i64::MAX));
            self.cache_entries
                .set(i64::try_from(cache.entry_count()).unwrap_or(i64::MAX));
        }
        match self.content.webhook_queue().await {
            Ok(queue) => {
                self.webhook_pending.set(queue.pending);
                self.webhook_due.set(queue.due);
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: the webhook outbox could not be counted")
            }
        }
    }

    /// The registry in the Prometheus text format (0.0.4), or OpenMetrics 1.0 text.
    pub fn encode(&self, openmetrics: bool) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        if openmetrics {
            prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        }
        Ok(text)
    }
}
