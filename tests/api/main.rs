//! One integration-test binary: real servers over real databases, SQLite always and
//! PostgreSQL whenever reachable.

mod helpers;

mod admin;
mod admin_search;
mod articles_api;
mod assets;
mod body_blocks;
mod body_images;
mod cache_purge;
mod cli;
mod content_key;
mod contracts;
mod embeds;
mod feeds;
mod graphql;
mod graphql_assets;
mod graphql_client_schema;
mod health;
mod http_methods;
mod image_surfaces;
mod instances;
mod json_ld;
mod media_resizer;
mod media_s3;
mod metrics;
mod migrations;
mod pagination;
mod parameter_schemas;
mod preconditions;
mod private_postgres;
mod rate_limits;
mod relations;
mod response_cache;
mod response_schemas;
mod robustness;
mod search;
mod search_load;
mod seed;
mod stream;
mod syndication;
mod taxonomy_api;
mod visibility;
mod visibility_fuzz;
mod visibility_rules;
mod webhooks;
