//! The reads behind feeds and sitemaps: the newest visible articles of a feed's subject,
//! sitemap pages in id order, and the articles of the Google News sitemap. Every one of them
//! reads in the public's scope.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::{ContentService, audience::Audience, read::relations};
use crate::{
    db::{
        convert,
        queries::{self, syndication::ArticleLinkRow, visibility::Scope},
    },
    domain::{
        self, Key,
        article::{Article, ArticleFilter, ArticleSort, Author, HeroImage, Section, Tag},
        asset::Asset,
        query::ArticleQuery,
        slug::Slug,
        taxonomy::{Taxonomy, Term},
    },
    error::{AppError, AppResult},
};

/// What a feed is about, as found.
#[derive(Debug, Clone)]
pub enum FeedSubject {
    All,
    Section(Section),
    Tag(Tag),
    Author(Author),
}

impl FeedSubject {
    /// `section:ID`, `tag:ID` or `author:ID`, for `Surrogate-Key`.
    pub fn surrogate_key(&self) -> Option<String> {
        match self {
            FeedSubject::All => None,
            FeedSubject::Section(s) => Some(format!("section:{}", s.id)),
            FeedSubject::Tag(t) => Some(format!("tag:{}", t.id)),
            FeedSubject::Author(a) => Some(format!("author:{}", a.id)),
        }
    }
}

/// A feed's subject and its newest visible articles, newest first, with their relations.
#[derive(Debug, Clone)]
pub struct FeedArticles {
    pub subject: FeedSubject,
    pub articles: Vec<Article>,
}

/// What a sitemap says of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct SitemapEntry {
    pub id: String,
    pub slug: String,
    pub title: String,
    /// BCP 47.
    pub language: String,
    /// The section's slug.
    pub section: Option<String>,
    pub published_at: NaiveDateTime,
    /// When the article last changed for a reader (an edit, its publication, its embargo
    /// lifting).
    pub last_changed: NaiveDateTime,
    /// Its lead picture, as stored, and the asset it names (loaded for the news sitemap only;
    /// `None` on article sitemap pages).
    pub hero_image: Option<HeroImage>,
    pub hero_asset: Option<Asset>,
}

/// One page of the article sitemap, as the sitemap index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapPageInfo {
    /// From 1.
    pub number: u32,
    /// The newest change among its articles; `None` for an empty page.
    pub last_changed: Option<NaiveDateTime>,
}

/// The Google News sitemap covers articles published in this window …
pub const NEWS_WINDOW_HOURS: i64 = 48;
/// … and at most this many of them.
pub const NEWS_MAX_ARTICLES: i64 = 1000;

fn latest(times: impl IntoIterator<Item = Option<NaiveDateTime>>) -> Option<NaiveDateTime> {
    times.into_iter().flatten().max()
}

/// Rows into sitemap entries, with their sections' slugs (one query for all of them).
fn entries(
    conn: &mut crate::db::DbConnection,
    rows: Vec<ArticleLinkRow>,
) -> AppResult<Vec<SitemapEntry>> {
    let section_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sections = relations::sections_by_id(conn, &section_ids, None)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let last_changed = latest([Some(row.updated_at), row.published_at, row.embargo_until])
                .unwrap_or(row.updated_at);
            SitemapEntry {
                section: row
                    .section_id
                    .as_ref()
                    .and_then(|id| sections.get(id))
                    .map(|s| s.slug.clone()),
                published_at: row.published_at.unwrap_or(row.updated_at),
                last_changed,
                id: row.id,
                slug: row.slug,
                title: row.title,
                language: row.language,
                hero_image: None,
                hero_asset: None,
            }
        })
        .collect())
}

/// The entries with their lead pictures and the assets those name: two statements (one when
/// no picture names an asset), whatever the number of entries.
fn with_pictures(
    conn: &mut crate::db::DbConnection,
    mut entries: Vec<SitemapEntry>,
) -> AppResult<Vec<SitemapEntry>> {
    let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let mut heroes: HashMap<String, HeroImage> = queries::syndication::hero_images(conn, &ids)?
        .into_iter()
        .filter_map(|(id, json)| Some((id, serde_json::from_str::<HeroImage>(&json).ok()?)))
        .collect();
    let asset_ids: Vec<String> = heroes
        .values()
        .filter_map(|h| h.asset_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let assets: HashMap<String, Asset> = queries::assets::by_ids(conn, &asset_ids)?
        .into_iter()
        .map(|row| (row.id.clone(), convert::asset(row)))
        .collect();
    for entry in &mut entries {
        entry.hero_image = heroes.remove(&entry.id);
        entry.hero_asset = entry
            .hero_image
            .as_ref()
            .and_then(|h| h.asset_id.as_ref())
            .and_then(|id| assets.get(id).cloned());
    }
    Ok(entries)
}

/// Where each sitemap page starts (the first id on it; `None` for the first page), up to
/// `up_to` pages. Pages hold `page_size` articles in id order; ids are UUID v7, so new
/// articles land on the last page and older pages stay put. Each boundary costs one indexed
/// probe of at most `page_size` rows.
fn page_starts(
    conn: &mut crate::db::DbConnection,
    now: NaiveDateTime,
    page_size: u32,
    up_to: Option<u32>,
) -> AppResult<Vec<Option<String>>> {
    let mut starts: Vec<Option<String>> = vec![None];
    while up_to.is_none_or(|n| starts.len() < n as usize) {
        let from = starts.last().cloned().flatten();
        match queries::syndication::nth_id_from(
            conn,
            &Scope::Public(now),
            from.as_deref(),
            i64::from(page_size),
        )? {
            Some(next) => starts.push(Some(next)),
            None => break,
        }
    }
    Ok(starts)
}

impl ContentService {
    /// The newest `limit` visible articles of a feed's subject: one section, tag or author,
    /// or (`None`) the whole publication. An unknown section, tag or author is a 404.
    pub async fn feed_articles(&self, of: Option<Term>, limit: u32) -> AppResult<FeedArticles> {
        let mut filter = ArticleFilter::default();
        // A slug that could not exist names no feed.
        let slug_of = |raw: &str| {
            Slug::parse(raw).map_err(|_| AppError::not_found(format!("no feed of `{raw}`")))
        };
        let subject = match of.map(|term| (term.taxonomy, term.slug)) {
            None => FeedSubject::All,
            Some((Taxonomy::Section, slug)) => {
                filter.section = Some(slug_of(&slug)?);
                FeedSubject::Section(self.section(Key::Slug(slug)).await?)
            }
            Some((Taxonomy::Tag, slug)) => {
                filter.tags = vec![slug_of(&slug)?];
                filter.all_tags = true;
                FeedSubject::Tag(self.tag(Key::Slug(slug)).await?)
            }
            Some((Taxonomy::Author, slug)) => {
                filter.author = Some(slug_of(&slug)?);
                FeedSubject::Author(self.author(Key::Slug(slug)).await?)
            }
        };
        let query = ArticleQuery::list(filter, ArticleSort::PublishedDesc).page(None, limit);
        let page = self.articles(&Audience::Public, query).await?;
        Ok(FeedArticles {
            subject,
            articles: page.items.into_iter().map(|hit| hit.article).collect(),
        })
    }

    /// The pages of the article sitemap, each with its newest change. There is always a
    /// first page, empty when nothing is published.
    pub async fn sitemap_pages(&self, page_size: u32) -> AppResult<Vec<SitemapPageInfo>> {
        let now = domain::now();
        self.db
            .read(move |conn| {
                let starts = page_starts(conn, now, page_size, None)?;
                let mut pages = Vec::with_capacity(starts.len());
                for (i, from) in starts.iter().enumerate() {
                    let before = starts.get(i + 1).cloned().flatten();
                    let dates = queries::syndication::newest_dates_between(
                        conn,
                        &Scope::Public(now),
                        from.as_deref(),
                        before.as_deref(),
                    )?;
                    pages.push(SitemapPageInfo {
                        number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        last_changed: latest(dates),
                    });
                }
                Ok(pages)
            })
            .await
    }

    /// The articles on page `number` (from 1) of the article sitemap; a page past the last is
    /// a 404.
    pub async fn sitemap_page(&self, number: u32, page_size: u32) -> AppResult<Vec<SitemapEntry>> {
        let missing = move || AppError::not_found(format!("the sitemap has no page {number}"));
        if number == 0 {
            return Err(missing());
        }
        let now = domain::now();
        self.db
            .read(move |conn| {
                let starts = page_starts(conn, now, page_size, Some(number))?;
                let from = match starts.get(number as usize - 1) {
                    Some(from) => from.clone(),
                    None => return Err(missing()),
                };
                let rows = queries::syndication::links_from(
                    conn,
                    &Scope::Public(now),
                    from.as_deref(),
                    i64::from(page_size),
                )?;
                entries(conn, rows)
            })
            .await
    }

    /// Visible articles published in the last 48 hours, newest first, at most 1 000, with
    /// their lead pictures: what the Google News sitemap lists.
    pub async fn news_sitemap_entries(&self) -> AppResult<Vec<SitemapEntry>> {
        let now = domain::now();
        self.db
            .read(move |conn| {
                let rows = queries::syndication::links_published_since(
                    conn,
                    &Scope::Public(now),
                    now - Duration::hours(NEWS_WINDOW_HOURS),
                    NEWS_MAX_ARTICLES,
                )?;
                let entries = entries(conn, rows)?;
                with_pictures(conn, entries)
            })
            .await
    }
}
