//! The route table: every REST route, grouped in scopes by API. It is also the OpenAPI
//! document's list of operations: `utoipa_actix_web` registers each handler with actix and
//! adds its `#[utoipa::path]` operation, prefixed by its scope, to the document in the same
//! call (`openapi::document` builds the document by running this table), so a served route
//! cannot be undocumented, nor a documented one unserved.

use actix_web::web;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use super::{
    admin_actions, admin_articles, admin_assets, admin_keys, admin_search, admin_taxonomy,
    admin_webhooks, articles, feeds, graphql, health, media, metrics, openapi, problem, search,
    stream, syndication, taxonomy,
};

/// Registers every route on an actix app (see `startup`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    table(&mut ServiceConfig::new(cfg));
}

/// The table itself, for the app and for the document.
pub fn table(cfg: &mut ServiceConfig) {
    cfg.map(|cfg| {
        problem::extractor_configs(cfg);
        cfg
    });
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::read_metrics)
        .service(openapi::openapi_yaml)
        .service(graphql::graphql_post)
        .service(graphql::graphql_get)
        .service(scope("/v1").configure(public_api))
        .service(scope("/admin/v1").configure(admin_api))
        .service(scope("/feeds").configure(feed_api))
        .service(feeds::sitemap_index)
        .service(feeds::news_sitemap)
        .service(feeds::sitemap_page)
        .service(media::get_rendition)
        .service(scope("/syndication/v1").configure(syndication_api));
}

/// `/v1`: published content, for anyone (or any key, when reads need one).
fn public_api(cfg: &mut ServiceConfig) {
    cfg.service(articles::list_articles)
        .service(articles::get_article_by_id)
        .service(articles::get_article)
        .service(search::search)
        .service(taxonomy::list_sections)
        .service(taxonomy::get_section)
        .service(taxonomy::list_authors)
        .service(taxonomy::get_author)
        .service(taxonomy::list_tags)
        .service(taxonomy::get_tag)
        .service(stream::stream_events);
}

/// `/admin/v1`: the newsroom's writes and its view of every state; needs a key.
fn admin_api(cfg: &mut ServiceConfig) {
    cfg.service(admin_articles::create_article)
        .service(admin_articles::list_articles)
        .service(admin_articles::get_article)
        .service(admin_articles::update_article)
        .service(admin_articles::delete_article)
        .service(admin_articles::list_revisions)
        .service(admin_articles::restore_revision)
        .configure(admin_actions::routes)
        .service(admin_search::search_articles)
        .configure(admin_taxonomy::routes)
        .configure(admin_assets::routes)
        .service(admin_keys::list_keys)
        .service(admin_keys::create_key)
        .service(admin_keys::revoke_key)
        .service(admin_webhooks::list_webhooks)
        .service(admin_webhooks::create_webhook)
        .service(admin_webhooks::get_webhook)
        .service(admin_webhooks::update_webhook)
        .service(admin_webhooks::delete_webhook)
        .service(admin_webhooks::list_deliveries);
}

/// `/feeds`: RSS, Atom and JSON Feed, site-wide and per section, tag or author.
fn feed_api(cfg: &mut ServiceConfig) {
    cfg.service(feeds::rss_feed)
        .service(feeds::atom_feed)
        .service(feeds::json_feed)
        .service(feeds::scoped_rss_feed)
        .service(feeds::scoped_atom_feed)
        .service(feeds::scoped_json_feed);
}

/// `/syndication/v1`: ninjs for partners, with withdrawals; needs a partner key.
fn syndication_api(cfg: &mut ServiceConfig) {
    cfg.service(syndication::list_changes)
        .service(syndication::get_article);
}
