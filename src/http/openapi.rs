//! The OpenAPI 3.1 document, generated from the handlers and views. `openapi.yaml` at the
//! repository root is this document; a test fails when the two differ.

use actix_web::{HttpResponse, get};
use utoipa::OpenApi;

use super::{
    admin_articles, admin_search, admin_taxonomy, admin_webhooks, articles, feeds, graphql, health,
    metrics,
    openapi_types::{ParameterSchemas, ProblemResponses},
    problem::Problem,
    search, syndication, taxonomy,
};
use crate::error::FieldError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Byline content API",
        description = "Headless news content: articles, authors, tags and sections. Public reads show only published articles; drafts, scheduled and embargoed articles never appear. Errors are RFC 9457 problem details. Requests are rate limited per API key (by role) and per client address without one: responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10), and past the limit the answer is a 429 problem with `Retry-After`; health probes and /metrics are exempt. A method a path does not serve answers 405 with `Allow`. Every change to an existing article names the version it is based on (`If-Match`, or a `version` field in a JSON body): 428 without, 412 when stale.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::read_metrics,
        articles::list_articles,
        search::search,
        articles::get_article,
        articles::get_article_by_id,
        taxonomy::list_sections,
        taxonomy::get_section,
        taxonomy::list_authors,
        taxonomy::get_author,
        taxonomy::list_tags,
        taxonomy::get_tag,
        openapi_yaml,
        admin_articles::create_article,
        admin_articles::list_articles,
        admin_search::search_articles,
        admin_articles::get_article,
        admin_articles::update_article,
        admin_articles::delete_article,
        admin_articles::article_action,
        admin_articles::list_revisions,
        admin_articles::restore_revision,
        admin_taxonomy::create_taxonomy,
        admin_taxonomy::update_taxonomy,
        admin_taxonomy::delete_taxonomy,
        admin_taxonomy::list_keys,
        admin_taxonomy::create_key,
        admin_taxonomy::revoke_key,
        admin_webhooks::list_webhooks,
        admin_webhooks::create_webhook,
        admin_webhooks::get_webhook,
        admin_webhooks::update_webhook,
        admin_webhooks::delete_webhook,
        admin_webhooks::list_deliveries,
        graphql::graphql_post,
        graphql::graphql_get,
        feeds::rss_feed,
        feeds::atom_feed,
        feeds::json_feed,
        feeds::scoped_rss_feed,
        feeds::scoped_atom_feed,
        feeds::scoped_json_feed,
        feeds::sitemap_index,
        feeds::sitemap_page,
        feeds::news_sitemap,
        syndication::list_changes,
        syndication::get_article,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&ApiKeyScheme, &ParameterSchemas, &ProblemResponses),
    tags(
        (name = "articles", description = "Published articles"),
        (name = "sections", description = "Sections of the publication"),
        (name = "authors", description = "Bylines"),
        (name = "tags", description = "Topics and entities"),
        (name = "health", description = "Probes"),
        (name = "admin", description = "Newsroom writes and the editorial workflow; needs an API key (`Authorization: Bearer byl_…`)"),
        (name = "graphql", description = "The same content over GraphQL; the schema is schema/schema.graphql"),
        (name = "meta", description = "This document"),
        (name = "feeds", description = "RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest articles, per section, tag and author; sitemaps and the Google News sitemap. Links point to the frontend's article pages"),
        (name = "syndication", description = "IPTC ninjs 3.1 for partners: a change stream with withdrawal notices; needs a key allowed to read syndication (`partner`, `editor`, `admin`)"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer API key the admin paths name.
struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("byl_<prefix>_<secret>")
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI document as YAML.
pub fn openapi_yaml_text() -> String {
    ApiDoc::openapi()
        .to_yaml()
        .unwrap_or_else(|e| format!("# the OpenAPI document could not be rendered: {e}\n"))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(operation_id = "get_openapi_document", tag = "meta", responses((status = 200, description = "OpenAPI document", content_type = "application/yaml", body = Object)))]
#[get("/openapi.yaml")]
pub async fn openapi_yaml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(openapi_yaml_text())
}
