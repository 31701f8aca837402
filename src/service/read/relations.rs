//! Relations: the sections, authors and tags of many articles at once, and public-article
//! counts of many authors, tags or sections. Pages and the GraphQL loaders both use them, so
//! a page costs one query per relation however many articles it holds.

use std::collections::{HashMap, HashSet};

use crate::{
    db::{DbConnection, convert, queries::relations, rows::ArticleRow},
    domain::{
        self, Relations,
        article::{Article, Author, Section, Tag},
        taxonomy::Taxonomy,
    },
    error::{AppError, AppResult},
    service::ContentService,
};

/// Rows into articles, with their section, authors and tags when `relations` says so: three
/// queries, whatever the number of rows.
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
    relations: Relations,
) -> AppResult<Vec<Article>> {
    if relations == Relations::Skip {
        return rows.into_iter().map(convert::article).collect();
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let section_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut authors = authors_by_article(conn, &ids)?;
    let mut tags = tags_by_article(conn, &ids)?;
    let sections = sections_by_id(conn, &section_ids)?;
    rows.into_iter()
        .map(|row| {
            let section = row
                .section_id
                .as_ref()
                .and_then(|id| sections.get(id).cloned());
            let mut article = convert::article(row)?;
            article.section = section;
            article.authors = authors.remove(&article.id).unwrap_or_default();
            article.tags = tags.remove(&article.id).unwrap_or_default();
            Ok(article)
        })
        .collect()
}

/// One row into its article, with its relations.
pub fn load_one(conn: &mut DbConnection, row: ArticleRow) -> AppResult<Article> {
    load(conn, vec![row], Relations::Load)?
        .pop()
        .ok_or_else(|| AppError::internal("an article was lost loading its relations"))
}

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
    let now = domain::now();
    let pairs = match of {
        Taxonomy::Author => relations::public_counts_by_author(conn, now, ids)?,
        Taxonomy::Tag => relations::public_counts_by_tag(conn, now, ids)?,
        Taxonomy::Section => relations::public_counts_by_section(conn, now, ids)?
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
            .read_short(move |conn| authors_by_article(conn, &article_ids))
            .await
    }

    pub async fn tags_of_articles(
        &self,
        article_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Vec<Tag>>> {
        self.db
            .read_short(move |conn| tags_by_article(conn, &article_ids))
            .await
    }

    pub async fn sections_by_ids(
        &self,
        section_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Section>> {
        self.db
            .read_short(move |conn| sections_by_id(conn, &section_ids))
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
