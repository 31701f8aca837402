//! The GraphQL surface: the same content through async-graphql, over the same service layer
//! as REST. Related objects load through per-request DataLoaders; hostile queries meet depth,
//! complexity, page-size, root-field and alias limits.

pub mod assets;
pub mod blocks;
pub mod errors;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nesting;
pub mod nodes;
pub mod query;
pub mod search;
pub mod webhooks;

use async_graphql::{
    EmptySubscription, Schema,
    extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage},
};

use crate::service::ContentService;

/// The query root: content reads, and for staff keys webhook subscriptions and the asset
/// library.
#[derive(async_graphql::MergedObject, Default)]
pub struct QueryRoot(
    query::ContentQuery,
    webhooks::WebhookQuery,
    assets::AssetQuery,
);

/// The mutation root: the admin API's writes, webhook subscriptions and the asset library.
#[derive(async_graphql::MergedObject, Default)]
pub struct MutationRoot(
    mutation::ContentMutation,
    webhooks::WebhookMutation,
    assets::AssetMutation,
);

pub type BylineSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

pub use limits::MAX_DEPTH;
pub const MAX_COMPLEXITY: usize = 2_500;
/// Largest request body accepted at `POST /graphql`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Persisted queries remembered per process.
const PERSISTED_QUERIES: usize = 1024;

/// The executable schema. `introspection: false` hides the schema from callers.
pub fn build_schema(
    content: ContentService,
    publication: crate::feeds::Publication,
    introspection: bool,
) -> BylineSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(content)
    // For `jsonLd`: the publisher and the frontend's article URLs.
    .data(publication)
    // Depth is checked by `limits::ShapeLimits`, which counts introspection on its own.
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(64)
    .limit_directives(8)
    .extension(limits::ShapeLimits { introspection })
    .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
        PERSISTED_QUERIES,
    )));
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema in SDL. `schema/schema.graphql` is this text; a test fails when they differ.
/// `@specifiedBy` is printed, as introspection reports `specifiedByURL` (`DateTime` is RFC 3339).
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
