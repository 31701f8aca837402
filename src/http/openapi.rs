//! The OpenAPI 3.1 document, generated from the route table (`http::routes`), the handlers
//! and the views. `openapi.yaml` at the repository root is this document; a test fails when
//! the two differ.

use std::sync::LazyLock;

use actix_web::{App, HttpResponse, get};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::{
    openapi_types::{ParameterSchemas, ProblemResponses},
    problem::Problem,
    routes,
};
use crate::error::FieldError;

/// What the document says of the API as a whole; its operations come from the route table
/// (see [`document`]), so this alone is not the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Byline content API",
        description = "Headless news content: articles, authors, tags and sections. Public reads show only published articles; drafts, scheduled and embargoed articles never appear. Errors are RFC 9457 problem details. Requests are rate limited per API key (by role) and per client address without one: responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10), and past the limit the answer is a 429 problem with `Retry-After`; health probes and /metrics are exempt. A method a path does not serve answers 405 with `Allow`. Every change to an existing article names the version it is based on (`If-Match`, or a `version` field in a JSON body): 428 without, 412 when stale.",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&ApiKeyScheme),
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
struct ApiDoc;

/// The whole document: what `ApiDoc` says of the API as a whole, the operations of every
/// route in the table, then the parameter schemas and shared problem answers over them all.
pub fn document() -> utoipa::openapi::OpenApi {
    // Registering the table on an app that is never run is how its operations are read.
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::table)
        .split_for_parts();
    ParameterSchemas.modify(&mut doc);
    ProblemResponses.modify(&mut doc);
    BlockUnion.modify(&mut doc);
    doc
}

/// The body blocks as a union client generators read: each block's schema names its own
/// `type`, and `Block` is a `oneOf` of references with a discriminator
/// (`domain::blocks::schema::tag_variants`, which the published JSON Schema shares).
struct BlockUnion;

impl utoipa::Modify for BlockUnion {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Ok(serde_json::Value::Object(mut schemas)) = serde_json::to_value(&components.schemas)
        else {
            return;
        };
        use crate::domain::blocks::schema::{BLOCK_SCHEMAS, tag_variants};
        tag_variants(&mut schemas, "#/components/schemas/");
        // Each changed schema on its own: utoipa cannot read back every schema it writes.
        let changed = std::iter::once("Block").chain(BLOCK_SCHEMAS.iter().copied());
        for name in changed {
            if let Some(rewritten) = schemas
                .remove(name)
                .and_then(|schema| serde_json::from_value(schema).ok())
            {
                components.schemas.insert(name.to_owned(), rewritten);
            }
        }
    }
}

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
    document()
        .to_yaml()
        .unwrap_or_else(|e| format!("# the OpenAPI document could not be rendered: {e}\n"))
}

/// What `GET /openapi.yaml` serves, rendered once.
static YAML: LazyLock<String> = LazyLock::new(openapi_yaml_text);

/// This API's OpenAPI 3.1 document, as YAML. Its schema is left open (`{}`): a YAML
/// reader sees an object, a client that keeps the text sees a string, and both are right.
#[utoipa::path(operation_id = "get_openapi_document", tag = "meta", responses((status = 200, description = "OpenAPI document", content_type = "application/yaml", body = serde_json::Value)))]
#[get("/openapi.yaml")]
pub async fn openapi_yaml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(YAML.as_str())
}
