//! Revisions: each saved version recorded, listed, and restored as a new version.

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{Guard, PreparedArticle, create::link_rows, current};
use crate::{
    auth::Caller,
    db::{
        DbConnection, queries,
        rows::{ArticleRow, RevisionRow},
    },
    domain::{self, article::Article, version::BaseVersion},
    error::{AppError, AppResult},
    service::{ContentService, audience::Audience},
};

/// One saved version of an article, as listed.
#[derive(Debug, Clone)]
pub struct RevisionInfo {
    pub version: i32,
    pub actor: Option<String>,
    pub created_at: NaiveDateTime,
    /// The article as saved: `{article, authors, tags}`.
    pub snapshot: serde_json::Value,
}

/// A revision as stored: the article row and its link ids.
#[derive(Deserialize)]
struct Snapshot {
    article: ArticleRow,
    authors: Vec<String>,
    tags: Vec<String>,
}

fn revision_info(row: RevisionRow) -> AppResult<RevisionInfo> {
    Ok(RevisionInfo {
        version: row.version,
        actor: row.actor,
        created_at: row.created_at,
        snapshot: serde_json::from_str(&row.snapshot).map_err(AppError::internal)?,
    })
}

/// Copies an old version's content (not its workflow state) over the current rows.
fn restore_content(
    saved: &mut PreparedArticle,
    snapshot: &Snapshot,
    version: i32,
    now: NaiveDateTime,
) {
    let (row, old) = (&mut saved.row, &snapshot.article);
    row.slug = old.slug.clone();
    row.title = old.title.clone();
    row.standfirst = old.standfirst.clone();
    row.body_format = old.body_format.clone();
    row.body_source = old.body_source.clone();
    row.body_html = old.body_html.clone();
    row.body_text = old.body_text.clone();
    // A revision saved before blocks were stored has none: they are read from its HTML.
    row.body_blocks = if old.body_blocks.is_empty() {
        serde_json::to_string(&domain::blocks::parse::from_html(&old.body_html)).unwrap_or_default()
    } else {
        old.body_blocks.clone()
    };
    row.section_id = old.section_id.clone();
    row.language = old.language.clone();
    row.dateline = old.dateline.clone();
    row.hero_image = old.hero_image.clone();
    row.seo_title = old.seo_title.clone();
    row.seo_description = old.seo_description.clone();
    row.canonical_url = old.canonical_url.clone();
    row.word_count = old.word_count;
    row.reading_time_minutes = old.reading_time_minutes;
    row.version = version;
    row.updated_at = now;
    (saved.bylines, saved.tagging) =
        link_rows(&row.id, snapshot.authors.clone(), snapshot.tags.clone());
}

/// Stores the article as saved now, with who saved it.
pub(super) fn record_revision(
    conn: &mut DbConnection,
    saved: &PreparedArticle,
    by: Option<&Caller>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let snapshot = serde_json::json!({
        "article": &saved.row,
        "authors": saved.bylines.iter().map(|b| &b.author_id).collect::<Vec<_>>(),
        "tags": saved.tagging.iter().map(|t| &t.tag_id).collect::<Vec<_>>(),
    });
    let row = RevisionRow {
        id: domain::new_id(),
        article_id: saved.row.id.clone(),
        version: saved.row.version,
        snapshot: snapshot.to_string(),
        actor: Some(by.map_or_else(|| "byline".to_owned(), |c| c.name.clone())),
        created_at: now,
    };
    Ok(queries::revisions::insert(conn, &row)?)
}

impl ContentService {
    /// Every saved version of an article, oldest first.
    pub async fn revisions(&self, caller: &Caller, id: &str) -> AppResult<Vec<RevisionInfo>> {
        // Only who may read the article may read its history.
        let audience = Audience::for_admin(caller)?;
        let key = domain::Key::Id(id.to_owned());
        self.article(&audience, key, domain::Relations::Skip)
            .await?;
        let id = id.to_owned();
        self.db
            .read(move |conn| {
                queries::revisions::of_article(conn, &id)?
                    .into_iter()
                    .map(revision_info)
                    .collect()
            })
            .await
    }

    /// Makes an old version's content current again, as a new version.
    pub async fn restore_revision(
        &self,
        caller: &Caller,
        id: &str,
        version: i32,
        if_match: impl Into<BaseVersion>,
    ) -> AppResult<Article> {
        let rule = Guard { edit_right: true };
        self.change_article(caller, id, if_match.into(), rule, move |conn, old, now| {
            let revision = queries::revisions::of_article(conn, &old.id)?
                .into_iter()
                .find(|r| r.version == version)
                .ok_or_else(|| {
                    AppError::not_found(format!("the article has no version {version}"))
                })?;
            let snapshot: Snapshot =
                serde_json::from_str(&revision.snapshot).map_err(AppError::internal)?;
            let mut saved = current(conn, old.clone())?;
            restore_content(&mut saved, &snapshot, old.version + 1, now);
            Ok(saved)
        })
        .await
    }
}
