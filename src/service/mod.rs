//! The rules of the content API: visibility, validation, rendering, pagination. REST handlers
//! and GraphQL resolvers both call `ContentService`; neither holds SQL or a business rule.

pub mod articles;
pub mod batch;
pub mod deliveries;
pub mod editorial;
pub mod feeds;
pub mod keys;
pub mod outbox;
pub mod preview;
pub mod render;
pub mod search;
pub mod syndication;
pub mod taxonomy;
pub mod taxonomy_admin;
pub mod validate;
pub mod visibility;
pub mod webhooks;

use crate::db::Db;

/// The one entry point for reading and writing content.
#[derive(Clone)]
pub struct ContentService {
    db: Db,
}

impl ContentService {
    pub fn new(db: Db) -> Self {
        ContentService { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
