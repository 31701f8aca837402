//! DataLoaders, made per request: they gather the keys that sibling resolvers ask for and
//! load them with the service's batch queries, one query per relation.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::{
    domain::{
        article::{Author, Section, Tag},
        taxonomy::Taxonomy,
    },
    error::AppError,
    service::ContentService,
};

pub struct AuthorsOfArticles(ContentService);
pub struct TagsOfArticles(ContentService);
pub struct SectionsById(ContentService);
pub struct PublicArticleCounts(ContentService);

impl Loader<String> for AuthorsOfArticles {
    type Value = Vec<Author>;
    type Error = AppError;

    async fn load(&self, article_ids: &[String]) -> Result<HashMap<String, Vec<Author>>, AppError> {
        self.0.authors_of_articles(article_ids.to_vec()).await
    }
}

impl Loader<String> for TagsOfArticles {
    type Value = Vec<Tag>;
    type Error = AppError;

    async fn load(&self, article_ids: &[String]) -> Result<HashMap<String, Vec<Tag>>, AppError> {
        self.0.tags_of_articles(article_ids.to_vec()).await
    }
}

impl Loader<String> for SectionsById {
    type Value = Section;
    type Error = AppError;

    async fn load(&self, section_ids: &[String]) -> Result<HashMap<String, Section>, AppError> {
        self.0.sections_by_ids(section_ids.to_vec()).await
    }
}

/// Whose public articles to count, and which one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub of: Taxonomy,
    pub id: String,
}

impl Loader<CountKey> for PublicArticleCounts {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[CountKey]) -> Result<HashMap<CountKey, i64>, AppError> {
        let mut counts = HashMap::new();
        for &of in Taxonomy::ALL {
            let ids: Vec<String> = keys
                .iter()
                .filter(|k| k.of == of)
                .map(|k| k.id.clone())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let found = self.0.public_article_counts(of, ids.clone()).await?;
            for id in ids {
                let n = found.get(&id).copied().unwrap_or(0);
                counts.insert(CountKey { of, id }, n);
            }
        }
        Ok(counts)
    }
}

/// The loaders of one request.
pub struct Loaders {
    pub authors: DataLoader<AuthorsOfArticles>,
    pub tags: DataLoader<TagsOfArticles>,
    pub sections: DataLoader<SectionsById>,
    pub counts: DataLoader<PublicArticleCounts>,
}

impl Loaders {
    pub fn new(content: &ContentService) -> Loaders {
        // The default short delay lets every item of a long list enqueue its key before the
        // batch runs (async-graphql polls list items in groups). Article lists avoid the wait
        // altogether by loading relations with the page (`nodes::parts_wanted`).
        fn make<T: Loader<K>, K: Send + Sync + std::hash::Hash + Eq + Clone + 'static>(
            loader: T,
        ) -> DataLoader<T> {
            DataLoader::new(loader, actix_web::rt::spawn)
        }
        Loaders {
            authors: make(AuthorsOfArticles(content.clone())),
            tags: make(TagsOfArticles(content.clone())),
            sections: make(SectionsById(content.clone())),
            counts: make(PublicArticleCounts(content.clone())),
        }
    }
}
