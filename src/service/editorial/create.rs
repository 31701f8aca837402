//! Creating articles: what a newsroom tool sends, its checks and references, and the rows
//! that store it (the same `prepare` serves updates, so create and update cannot drift).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::revisions::record_revision;
use crate::{
    auth::{Action, Caller},
    db::{
        DbConnection,
        queries::{self, taxonomy},
        rows::{ArticleAuthorRow, ArticleRow, ArticleTagRow},
    },
    domain::{
        self, Key,
        article::{Article, ArticleStatus, BodyFormat, Correction, HeroImage},
        slug::Slug,
    },
    error::{AppError, AppResult},
    service::{ContentService, outbox, read::relations, render, validate::Checks},
};

/// What a newsroom tool sends to create an article.
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// Made from the title when absent.
    pub slug: Option<String>,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_format: BodyFormat,
    pub body: String,
    /// Section slug.
    pub section: Option<String>,
    /// Author slugs, in byline order.
    pub authors: Vec<String>,
    /// Tag slugs, in display order.
    pub tags: Vec<String>,
    pub status: ArticleStatus,
    /// When it was (or, scheduled, will be) published; defaults to now when published.
    pub published_at: Option<NaiveDateTime>,
    pub embargo_until: Option<NaiveDateTime>,
    pub language: String,
    pub dateline: Option<String>,
    pub hero_image: Option<HeroImage>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    pub corrections: Vec<Correction>,
}

/// Ids of the things an article refers to, resolved from slugs.
pub struct References {
    pub section_id: Option<String>,
    pub author_ids: Vec<String>,
    pub tag_ids: Vec<String>,
}

/// Most authors one article may credit.
pub const MAX_ARTICLE_AUTHORS: usize = 20;
/// Most tags one article may carry.
pub const MAX_ARTICLE_TAGS: usize = 100;

/// The rows that store one article.
pub struct PreparedArticle {
    pub row: ArticleRow,
    pub bylines: Vec<ArticleAuthorRow>,
    pub tagging: Vec<ArticleTagRow>,
}

impl PreparedArticle {
    /// The rows of `row` crediting `author_ids` and tagged `tag_ids`, in that order.
    pub fn new(row: ArticleRow, author_ids: Vec<String>, tag_ids: Vec<String>) -> Self {
        let (bylines, tagging) = link_rows(&row.id, author_ids, tag_ids);
        PreparedArticle {
            row,
            bylines,
            tagging,
        }
    }
}

/// Byline and tagging rows of one article, positioned in the order given.
pub(super) fn link_rows(
    article_id: &str,
    author_ids: Vec<String>,
    tag_ids: Vec<String>,
) -> (Vec<ArticleAuthorRow>, Vec<ArticleTagRow>) {
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    let bylines = author_ids
        .into_iter()
        .enumerate()
        .map(|(i, author_id)| ArticleAuthorRow {
            article_id: article_id.to_owned(),
            author_id,
            position: position(i),
        })
        .collect();
    let tagging = tag_ids
        .into_iter()
        .enumerate()
        .map(|(i, tag_id)| ArticleTagRow {
            article_id: article_id.to_owned(),
            tag_id,
            position: position(i),
        })
        .collect();
    (bylines, tagging)
}

/// Checks an article and turns it into rows: slug, lengths, URLs, workflow dates, and the
/// body rendered to sanitized HTML and text (here, once, not on every read).
pub fn prepare(
    new: NewArticle,
    refs: References,
    now: NaiveDateTime,
) -> AppResult<PreparedArticle> {
    let mut checks = Checks::default();
    let slug = match &new.slug {
        Some(raw) => checks.slug("slug", raw),
        None => Slug::from_title(&new.title).map(Slug::into_string),
    };
    if slug.is_none() && new.slug.is_none() {
        checks.fail("slug", "cannot be made from the title; give one");
    }
    checks.text("title", &new.title, 1, 300);
    checks.optional_text("standfirst", new.standfirst.as_deref(), 1000);
    checks.text("body", &new.body, 1, 1_000_000);
    checks.language("language", &new.language);
    checks.optional_text("dateline", new.dateline.as_deref(), 120);
    checks.optional_text("seo_title", new.seo_title.as_deref(), 300);
    checks.optional_text("seo_description", new.seo_description.as_deref(), 1000);
    checks.optional_url("canonical_url", new.canonical_url.as_deref());
    if let Some(image) = &new.hero_image {
        check_hero(&mut checks, image);
    }
    if new.status == ArticleStatus::Scheduled && new.published_at.is_none_or(|t| t <= now) {
        checks.fail(
            "published_at",
            "a scheduled article needs a publication time in the future",
        );
    }
    let slug = checks.finish().and_then(|()| {
        slug.ok_or_else(|| AppError::internal("slug check passed without a slug"))
    })?;

    let rendered = render::render_body(new.body_format, &new.body).map_err(AppError::validation)?;
    let id = domain::new_id();
    let published_at = match new.status {
        ArticleStatus::Published | ArticleStatus::Archived => Some(new.published_at.unwrap_or(now)),
        ArticleStatus::Scheduled => new.published_at,
        ArticleStatus::Draft => None,
    };
    let first_published_at = published_at.filter(|_| new.status != ArticleStatus::Scheduled);
    let publish_at = published_at.filter(|_| new.status == ArticleStatus::Scheduled);
    let row = ArticleRow {
        id: id.clone(),
        slug,
        title: new.title.trim().to_owned(),
        standfirst: new.standfirst,
        // A block document is kept as the HTML it is written as: the blocks read back from
        // that HTML are the document sent (the round-trip fixtures hold them to it), so one
        // source serves every form, and the stored formats stay Markdown and HTML.
        body_format: match new.body_format {
            BodyFormat::Blocks => BodyFormat::Html,
            format => format,
        }
        .as_str()
        .to_owned(),
        body_source: match new.body_format {
            BodyFormat::Blocks => rendered.html.clone(),
            _ => new.body,
        },
        body_html: rendered.html,
        body_text: rendered.text,
        body_blocks: rendered.blocks,
        section_id: refs.section_id,
        status: new.status.as_str().to_owned(),
        published_at,
        first_published_at,
        publish_at,
        embargo_until: new.embargo_until,
        language: new.language,
        dateline: new.dateline,
        hero_image: new
            .hero_image
            .map(|h| serde_json::to_string(&h))
            .transpose()
            .map_err(AppError::internal)?,
        seo_title: new.seo_title,
        seo_description: new.seo_description,
        canonical_url: new.canonical_url,
        word_count: i32::try_from(rendered.word_count).unwrap_or(i32::MAX),
        reading_time_minutes: i32::try_from(rendered.reading_time_minutes).unwrap_or(i32::MAX),
        version: 1,
        corrections: serde_json::to_string(&new.corrections).map_err(AppError::internal)?,
        created_at: now,
        updated_at: now,
        created_by: None,
        public_since: None,
    };
    Ok(PreparedArticle::new(row, refs.author_ids, refs.tag_ids))
}

/// Resolves references and prepares the rows, reporting every invalid field at once.
pub(super) fn prepare_checked(
    conn: &mut DbConnection,
    new: NewArticle,
    now: NaiveDateTime,
) -> AppResult<PreparedArticle> {
    match resolve_references(conn, &new) {
        Ok(refs) => prepare(new, refs, now),
        Err(refs_err) if refs_err.kind == crate::error::ErrorKind::Validation => {
            let empty = References {
                section_id: None,
                author_ids: Vec::new(),
                tag_ids: Vec::new(),
            };
            let mut errors = refs_err.errors;
            if let Err(fields) = prepare(new, empty, now) {
                errors.extend(fields.errors);
            }
            Err(AppError::validation(errors))
        }
        Err(other) => Err(other),
    }
}

/// Resolves the slugs an article names; each unknown one is a field error.
fn resolve_references(conn: &mut DbConnection, new: &NewArticle) -> AppResult<References> {
    let mut checks = Checks::default();
    checks.list_len("authors", new.authors.len(), MAX_ARTICLE_AUTHORS);
    checks.list_len("tags", new.tags.len(), MAX_ARTICLE_TAGS);
    // Looking up a thousand slugs to refuse them anyway helps nobody.
    checks.clone().finish()?;
    let section_id = match &new.section {
        Some(slug) => {
            let found = taxonomy::section_by_key(conn, &Key::Slug(slug.clone()))?;
            if found.is_none() {
                checks.fail("section", &format!("no section has the slug `{slug}`"));
            }
            found.map(|s| s.id)
        }
        None => None,
    };
    let ids_in_order =
        |field: &str, wanted: &[String], found: HashMap<String, String>, checks: &mut Checks| {
            let mut seen = HashSet::new();
            let mut ids = Vec::new();
            for slug in wanted {
                match found.get(slug) {
                    Some(id) if seen.insert(id.clone()) => ids.push(id.clone()),
                    Some(_) => checks.fail(field, &format!("`{slug}` is listed twice")),
                    None => checks.fail(
                        field,
                        &format!("no {} has the slug `{slug}`", field.trim_end_matches('s')),
                    ),
                }
            }
            ids
        };
    let authors = taxonomy::authors_by_slugs(conn, &new.authors)?
        .into_iter()
        .map(|a| (a.slug, a.id))
        .collect();
    let author_ids = ids_in_order("authors", &new.authors, authors, &mut checks);
    let tags = taxonomy::tags_by_slugs(conn, &new.tags)?
        .into_iter()
        .map(|t| (t.slug, t.id))
        .collect();
    let tag_ids = ids_in_order("tags", &new.tags, tags, &mut checks);
    checks.finish()?;
    Ok(References {
        section_id,
        author_ids,
        tag_ids,
    })
}

impl ContentService {
    /// Creates an article with its relations and its first revision.
    pub async fn create_article(&self, new: NewArticle, by: Option<Caller>) -> AppResult<Article> {
        self.write(move |conn, changed| {
            let now = domain::now();
            let mut prepared = prepare_checked(conn, new, now)?;
            prepared.row.created_by = by.as_ref().map(|c| c.key_id.clone());
            // A slug an article used to have is free again once another article takes it.
            queries::editorial::release_slug(conn, &prepared.row.slug)?;
            queries::articles::insert_many(
                conn,
                std::slice::from_ref(&prepared.row),
                &prepared.bylines,
                &prepared.tagging,
            )?;
            super::check_related(conn, &prepared.row, None)?;
            super::link_assets(conn, &prepared.row)?;
            record_revision(conn, &prepared, by.as_ref(), now)?;
            outbox::article_changed(conn, changed, None, Some(&prepared.row), now)?;
            relations::load_one(conn, prepared.row)
        })
        .await
    }

    /// Creates an article for a caller: contributors may create drafts only.
    pub async fn create_article_as(&self, caller: &Caller, new: NewArticle) -> AppResult<Article> {
        if !caller.can(Action::Publish) {
            caller.require(Action::WriteOwnDrafts)?;
            if new.status != ArticleStatus::Draft {
                return Err(AppError::forbidden("contributors may create drafts only"));
            }
        }
        self.create_article(new, Some(caller.clone())).await
    }
}

/// A lead picture names an asset or a URL, not both; the asset's existence is checked with
/// the article's save (`editorial::link_assets`).
pub(crate) fn check_hero(checks: &mut Checks, image: &crate::domain::article::HeroImage) {
    match (&image.asset_id, &image.url) {
        (Some(id), None) => {
            if crate::domain::parse_id(id).is_err() {
                checks.fail("hero_image.asset_id", "not an asset id");
            }
        }
        (None, Some(url)) => {
            checks.url("hero_image.url", url);
        }
        _ => checks.fail(
            "hero_image",
            "give either `asset_id` (an image of the asset library) or `url`",
        ),
    }
    for (field, value) in [
        ("hero_image.alt", &image.alt),
        ("hero_image.caption", &image.caption),
        ("hero_image.credit", &image.credit),
    ] {
        checks.optional_text(field, value.as_deref(), 2000);
    }
}
