//! The HTTP surface (REST, and the GraphQL endpoint): thin handlers over `ContentService`, the JSON views, caching headers and
//! problem details.

pub mod admin_actions;
pub mod admin_articles;
pub mod admin_assets;
pub mod admin_keys;
pub mod admin_search;
pub mod admin_taxonomy;
pub mod admin_webhooks;
pub mod article_filter;
pub mod articles;
pub mod auth;
pub mod bounds;
pub mod caching;
pub mod feeds;
pub mod graphql;
pub mod health;
pub mod json_body;
pub mod media;
pub mod methods;
pub mod metrics;
pub mod openapi;
pub mod openapi_types;
pub mod params;
pub mod problem;
pub mod rate_limit;
pub mod response_cache;
pub mod routes;
pub mod search;
pub mod shape;
pub mod stream;
pub mod syndication;
pub mod taxonomy;
pub mod views;

use crate::{config::Settings, service::ContentService};

/// What every handler shares.
pub struct AppState {
    pub content: ContentService,
    pub graphql: crate::graphql::BylineSchema,
    /// The publication the settings describe, checked once at start, with this instance's
    /// rendition URLs: feeds, sitemaps, ninjs and JSON-LD are built from it.
    pub publication: crate::feeds::Publication,
    pub settings: Settings,
    /// Every rate-limit bucket, shared by all workers.
    pub rate_limits: rate_limit::RateLimiter,
    /// What `/metrics` serves.
    pub metrics: crate::metrics::Metrics,
    /// Public answers kept until a change evicts them; `None` when turned off.
    pub response_cache: Option<std::sync::Arc<response_cache::ResponseCache>>,
    /// The realtime stream's hub (`GET /v1/stream`).
    pub stream: crate::service::stream::StreamHub,
    /// Set when a shutdown began: `/readyz` answers 503 so load balancers stop sending.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Registers every REST route (the table is `routes::table`).
pub use routes::routes;
