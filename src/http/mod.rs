//! The HTTP surface (REST, and the GraphQL endpoint): thin handlers over `ContentService`, the JSON views, caching headers and
//! problem details.

pub mod admin_articles;
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
pub mod methods;
pub mod metrics;
pub mod openapi;
pub mod openapi_types;
pub mod params;
pub mod problem;
pub mod rate_limit;
pub mod search;
pub mod shape;
pub mod syndication;
pub mod taxonomy;
pub mod views;

use actix_web::web;

use crate::{config::Settings, service::ContentService};

/// What every handler shares.
pub struct AppState {
    pub content: ContentService,
    pub graphql: crate::graphql::BylineSchema,
    pub settings: Settings,
    /// Every rate-limit bucket, shared by all workers.
    pub rate_limits: rate_limit::RateLimiter,
    /// What `/metrics` serves.
    pub metrics: crate::metrics::Metrics,
    /// Set when a shutdown began: `/readyz` answers 503 so load balancers stop sending.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Registers every REST route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    problem::extractor_configs(cfg);
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::read_metrics)
        .service(openapi::openapi_yaml)
        .service(graphql::graphql_post)
        .service(graphql::graphql_get)
        // Admin routes: fixed paths before the `{kind}` ones.
        .service(admin_articles::create_article)
        .service(admin_articles::list_articles)
        .service(admin_search::search_articles)
        .service(admin_articles::list_revisions)
        .service(admin_articles::restore_revision)
        .service(admin_articles::article_action)
        .service(admin_articles::get_article)
        .service(admin_articles::update_article)
        .service(admin_articles::delete_article)
        .service(admin_webhooks::list_webhooks)
        .service(admin_webhooks::create_webhook)
        .service(admin_webhooks::list_deliveries)
        .service(admin_webhooks::get_webhook)
        .service(admin_webhooks::update_webhook)
        .service(admin_webhooks::delete_webhook)
        .service(admin_taxonomy::list_keys)
        .service(admin_taxonomy::create_key)
        .service(admin_taxonomy::revoke_key)
        .service(admin_taxonomy::create_taxonomy)
        .service(admin_taxonomy::update_taxonomy)
        .service(admin_taxonomy::delete_taxonomy)
        .service(articles::list_articles)
        .service(search::search)
        .service(articles::get_article_by_id)
        .service(articles::get_article)
        .service(taxonomy::list_sections)
        .service(taxonomy::get_section)
        .service(taxonomy::list_authors)
        .service(taxonomy::get_author)
        .service(taxonomy::list_tags)
        .service(taxonomy::get_tag)
        // Feeds and sitemaps.
        .service(feeds::rss_feed)
        .service(feeds::atom_feed)
        .service(feeds::json_feed)
        .service(feeds::scoped_rss_feed)
        .service(feeds::scoped_atom_feed)
        .service(feeds::scoped_json_feed)
        .service(feeds::sitemap_index)
        .service(feeds::news_sitemap)
        .service(feeds::sitemap_page)
        // Partner syndication.
        .service(syndication::list_changes)
        .service(syndication::get_article);
}
