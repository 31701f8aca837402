//! Byline: a headless news content API. Articles, authors, tags and sections over REST and
//! GraphQL, on SQLite or PostgreSQL.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod media;
pub mod metrics;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
