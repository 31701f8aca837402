//! Batch lookups: the relations of many articles at once, and visible-article counts of many
//! authors, tags or sections. REST pages and the GraphQL loaders both use them, so a page
//! costs one query per relation however many articles it holds.

use std::collections::HashMap;

use super::{ContentService, visibility};
use crate::{
    db::{DbConnection, convert, queries::relations},
    domain::{
        self,
        article::{Author, Section, Tag},
        taxonomy::Taxonomy,
    },
    error::AppResult,
};

pub fn authors_by_article(
    conn: &mut DbConnection,
    article_ids: &[String],
) -> AppResult<HashMap<String, Vec<Author>>> {
    let mut authors: HashMap<String, Vec<Author>> = HashMap::new();
    for (article_id, row) in relations::authors_of(conn, article_ids)? {
        authors
            .entry(article_id)
            .or_default()
            .push(convert::author(row, None)?);
    }
    Ok(authors)
}

pub fn tags_by_article(
    conn: &mut DbConnection,
    article_ids: &[String],
) -> AppResult<HashMap<String, Vec<Tag>>> {
    let mut tags: HashMap<String, Vec<Tag>> = HashMap::new();
    for (article_id, row) in relations::tags_of(conn, article_ids)? {
        tags.entry(article_id)
            .or_default()
            .push(convert::tag(row, None)?);
    }
    Ok(tags)
}

pub fn sections_by_id(
    conn: &mut DbConnection,
    section_ids: &[String],
) -> AppResult<HashMap<String, Section>> {
    Ok(relations::sections_by_ids(conn, section_ids)?
        .into_iter()
        .map(|row| (row.id.clone(), convert::section(row, None)))
        .collect())
}

/// How many public articles each of `ids` has; absent ids have none.
pub fn public_article_counts(
    conn: &mut DbConnection,
    of: Taxonomy,
    ids: &[String],
) -> AppResult<HashMap<String, i64>> {
    let visible = visibility::public_at(domain::now());
    let pairs = match of {
        Taxonomy::Author => relations::article_counts_by_author(conn, visible, ids)?,
        Taxonomy::Tag => relations::article_counts_by_tag(conn, visible, ids)?,
        Taxonomy::Section => relations::article_counts_by_section(conn, visible, ids)?
            .into_iter()
            .filter_map(|(id, n)| Some((id?, n)))
            .collect(),
    };
    Ok(pairs.into_iter().collect())
}

impl ContentService {
    pub async fn authors_of_articles(
        &self,
        article_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Vec<Author>>> {
        self.db
            .read(move |conn| authors_by_article(conn, &article_ids))
            .await
    }

    pub async fn tags_of_articles(
        &self,
        article_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Vec<Tag>>> {
        self.db
            .read(move |conn| tags_by_article(conn, &article_ids))
            .await
    }

    pub async fn sections_by_ids(
        &self,
        section_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Section>> {
        self.db
            .read(move |conn| sections_by_id(conn, &section_ids))
            .await
    }

    /// How many public articles each author, tag or section has.
    pub async fn public_article_counts(
        &self,
        of: Taxonomy,
        ids: Vec<String>,
    ) -> AppResult<HashMap<String, i64>> {
        self.db
            .read(move |conn| public_article_counts(conn, of, &ids))
            .await
    }
}
