//! Relations: the sections, authors and tags of many articles at once, and public-article
//! counts of many authors, tags or sections. Pages and the GraphQL loaders both use them, so
//! a page costs one query per relation however many articles it holds.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use super::terms::{Lookup, TermMemo};

use crate::{
    db::{DbConnection, convert, queries::relations, rows::ArticleRow},
    domain::{
        self, Relations,
        article::{Article, Author, Section, Tag},
        blocks,
        taxonomy::Taxonomy,
    },
    error::{AppError, AppResult},
    service::ContentService,
};

/// Rows into articles, with their section, authors and tags when `relations` says so: three
/// queries, whatever the number of rows, and fewer when `memo` has the terms. Inside a
/// write's transaction `memo` is `None`.
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
    relations: Relations,
    memo: Option<&TermMemo>,
) -> AppResult<Vec<Article>> {
    let library = library_assets(conn, &rows)?;
    let related = related_articles(conn, &rows, memo)?;
    let with_asset = |mut article: Article| {
        if let Some(id) = article
            .hero_image
            .as_ref()
            .and_then(|h| h.asset_id.as_ref())
        {
            article.hero_asset = library.get(id).cloned();
        }
        article.body_assets = crate::domain::body_images::asset_ids(&article.body_html)
            .iter()
            .filter_map(|id| library.get(id).cloned())
            .collect();
        article.body_related = blocks::resolve::related_ids(&article.body_html)
            .iter()
            .filter_map(|id| related.get(id).cloned())
            .collect();
        article
    };
    if relations == Relations::Skip {
        return rows
            .into_iter()
            .map(|row| convert::article(row).map(with_asset))
            .collect();
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let section_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut authors = authors_by_article(conn, &ids, memo)?;
    let mut tags = tags_by_article(conn, &ids, memo)?;
    let sections = sections_by_id(conn, &section_ids, memo)?;
    rows.into_iter()
        .map(|row| {
            let section = row
                .section_id
                .as_ref()
                .and_then(|id| sections.get(id).cloned());
            let mut article = with_asset(convert::article(row)?);
            article.section = section;
            article.authors = authors.remove(&article.id).unwrap_or_default();
            article.tags = tags.remove(&article.id).unwrap_or_default();
            Ok(article)
        })
        .collect()
}

/// The assets the rows' lead pictures and bodies name, by id: one statement, and none when
/// no row names one (cards have no body; the hero's JSON is read twice for those that name
/// an asset, which is cheap next to a query).
fn library_assets(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
) -> AppResult<HashMap<String, crate::domain::asset::Asset>> {
    let heroes = rows
        .iter()
        .filter_map(|row| row.hero_image.as_deref())
        .filter(|json| json.contains("\"asset_id\""))
        .filter_map(|json| serde_json::from_str::<crate::domain::article::HeroImage>(json).ok())
        .filter_map(|hero| hero.asset_id);
    let bodies = rows
        .iter()
        .flat_map(|row| crate::domain::body_images::asset_ids(&row.body_html));
    let ids: Vec<String> = heroes
        .chain(bodies)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    Ok(crate::db::queries::assets::by_ids(conn, &ids)?
        .into_iter()
        .map(|row| (row.id.clone(), convert::asset(row)))
        .collect())
}

/// The related articles the rows' bodies link to that are public now, by id, with their
/// section's slug (for their URL): none and no statement when no body links to one. A
/// related article that is not public is not loaded, so no read can show it.
fn related_articles(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    memo: Option<&TermMemo>,
) -> AppResult<HashMap<String, blocks::resolve::RelatedSummary>> {
    let ids: Vec<String> = rows
        .iter()
        .flat_map(|row| blocks::resolve::related_ids(&row.body_html))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let scope = crate::db::queries::visibility::Scope::Public(domain::now());
    let found =
        crate::db::queries::articles::find_by_ids(conn, &scope, &ids, domain::Bodies::Skip)?;
    let section_ids: Vec<String> = found
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sections = sections_by_id(conn, &section_ids, memo)?;
    Ok(found
        .into_iter()
        .filter_map(|row| {
            Some((
                row.id.clone(),
                blocks::resolve::RelatedSummary {
                    section: row
                        .section_id
                        .as_ref()
                        .and_then(|id| sections.get(id))
                        .map(|s| s.slug.clone()),
                    published_at: row.published_at?,
                    id: row.id,
                    slug: row.slug,
                    title: row.title,
                },
            ))
        })
        .collect())
}

/// One row into its article, with its relations read from the database (writes use it).
pub fn load_one(conn: &mut DbConnection, row: ArticleRow) -> AppResult<Article> {
    load(conn, vec![row], Relations::Load, None)?
        .pop()
        .ok_or_else(|| AppError::internal("an article was lost loading its relations"))
}

fn lookup<'m, T>(
    memo: Option<&'m TermMemo>,
    of: impl FnOnce(&'m TermMemo) -> Lookup<'m, T>,
) -> Lookup<'m, T> {
    memo.map_or_else(Lookup::none, of)
}

/// Groups `(article_id, term_id)` pairs into each article's terms, in the pairs' order,
/// taking the terms from `lookup` and loading the ones it lacks with `load`.
fn terms_by_article<T: Clone>(
    pairs: &[(String, String)],
    lookup: Lookup<'_, T>,
    load: impl FnOnce(&[String]) -> AppResult<Vec<(String, T)>>,
) -> AppResult<HashMap<String, Vec<T>>> {
    let mut split = lookup.split(pairs.iter().map(|(_, term_id)| term_id));
    let missing: Vec<String> = split.missing.iter().map(|id| (*id).clone()).collect();
    let loaded: Vec<(String, Arc<T>)> = if missing.is_empty() {
        Vec::new()
    } else {
        load(&missing)?
            .into_iter()
            .map(|(id, term)| (id, Arc::new(term)))
            .collect()
    };
    lookup.keep(loaded.iter().cloned());
    split.add(&loaded);
    let mut by_article: HashMap<String, Vec<T>> = HashMap::new();
    for (article_id, term_id) in pairs {
        // A term deleted between the two statements is in no article any more.
        if let Some(term) = split.found.get(term_id.as_str()) {
            by_article
                .entry(article_id.clone())
                .or_default()
                .push(T::clone(term));
        }
    }
    Ok(by_article)
}

pub fn authors_by_article(
    conn: &mut DbConnection,
    article_ids: &[String],
    memo: Option<&TermMemo>,
) -> AppResult<HashMap<String, Vec<Author>>> {
    let pairs = relations::author_ids_of(conn, article_ids)?;
    terms_by_article(&pairs, lookup(memo, TermMemo::authors), |ids| {
        relations::authors_by_ids(conn, ids)?
            .into_iter()
            .map(|row| Ok((row.id.clone(), convert::author(row, None)?)))
            .collect()
    })
}

pub fn tags_by_article(
    conn: &mut DbConnection,
    article_ids: &[String],
    memo: Option<&TermMemo>,
) -> AppResult<HashMap<String, Vec<Tag>>> {
    let pairs = relations::tag_ids_of(conn, article_ids)?;
    terms_by_article(&pairs, lookup(memo, TermMemo::tags), |ids| {
        relations::tags_by_ids(conn, ids)?
            .into_iter()
            .map(|row| Ok((row.id.clone(), convert::tag(row, None)?)))
            .collect()
    })
}

pub fn sections_by_id(
    conn: &mut DbConnection,
    section_ids: &[String],
    memo: Option<&TermMemo>,
) -> AppResult<HashMap<String, Section>> {
    let lookup = lookup(memo, TermMemo::sections);
    let mut split = lookup.split(section_ids);
    let missing: Vec<String> = split.missing.iter().map(|id| (*id).clone()).collect();
    let loaded: Vec<(String, Arc<Section>)> = relations::sections_by_ids(conn, &missing)?
        .into_iter()
        .map(|row| (row.id.clone(), Arc::new(convert::section(row, None))))
        .collect();
    lookup.keep(loaded.iter().cloned());
    split.add(&loaded);
    Ok(split
        .found
        .into_iter()
        .map(|(id, section)| (id.to_owned(), Section::clone(&section)))
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
        let memo = self.terms.clone();
        self.db
            .read_short(move |conn| authors_by_article(conn, &article_ids, Some(&memo)))
            .await
    }

    pub async fn tags_of_articles(
        &self,
        article_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Vec<Tag>>> {
        let memo = self.terms.clone();
        self.db
            .read_short(move |conn| tags_by_article(conn, &article_ids, Some(&memo)))
            .await
    }

    pub async fn sections_by_ids(
        &self,
        section_ids: Vec<String>,
    ) -> AppResult<HashMap<String, Section>> {
        let memo = self.terms.clone();
        self.db
            .read_short(move |conn| sections_by_id(conn, &section_ids, Some(&memo)))
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
