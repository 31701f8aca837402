//! Partial updates of an article's content, and corrections appended to a published one.

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{Guard, NewArticle, PreparedArticle, create::prepare_checked, current};
use crate::{
    auth::{Action, Caller},
    db::{DbConnection, rows::ArticleRow},
    domain::{
        article::{Article, ArticleStatus, BodyFormat, Correction, HeroImage},
        json,
        version::BaseVersion,
    },
    error::{AppError, AppResult},
    service::{ContentService, read::relations, validate::Checks},
};

/// A partial update: absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    pub slug: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub standfirst: Option<Option<String>>,
    pub body_format: Option<BodyFormat>,
    pub body: Option<String>,
    /// The body as a block document (`schema/body-blocks.schema.json`), instead of `body`.
    #[schema(value_type = Option<crate::domain::blocks::BodyDocument>)]
    pub body_blocks: Option<serde_json::Value>,
    /// Section slug.
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub section: Option<Option<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs, in display order.
    pub tags: Option<Vec<String>>,
    pub language: Option<String>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub dateline: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<HeroImage>)]
    pub hero_image: Option<Option<HeroImage>>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::double_option")]
    #[schema(value_type = Option<String>)]
    pub canonical_url: Option<Option<String>>,
    /// The version this change is based on, when not sent as `If-Match`.
    #[serde(default, deserialize_with = "json::optional_version")]
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// The article as the patch would leave it: everything re-validated and re-rendered, while
/// identity, workflow state and corrections carry over.
fn patched(
    conn: &mut DbConnection,
    old: &ArticleRow,
    patch: ArticlePatch,
    now: NaiveDateTime,
) -> AppResult<PreparedArticle> {
    let article = relations::load_one(conn, old.clone())?;
    let (body_format, body) =
        super::body_or_blocks(patch.body_format, patch.body, patch.body_blocks)?;
    let pick = |given: Option<Option<String>>, was: Option<String>| given.unwrap_or(was);
    let new = NewArticle {
        slug: Some(patch.slug.unwrap_or(article.slug)),
        title: patch.title.unwrap_or(article.title),
        standfirst: pick(patch.standfirst, article.standfirst),
        body_format: body_format.unwrap_or(article.body_format),
        body: body.unwrap_or(article.body_source),
        section: pick(patch.section, article.section.map(|s| s.slug)),
        authors: patch
            .authors
            .unwrap_or_else(|| article.authors.into_iter().map(|a| a.slug).collect()),
        tags: patch
            .tags
            .unwrap_or_else(|| article.tags.into_iter().map(|t| t.slug).collect()),
        // Workflow fields are not the patch's business; they are restored below.
        status: ArticleStatus::Draft,
        published_at: None,
        embargo_until: None,
        language: patch.language.unwrap_or(article.language),
        dateline: pick(patch.dateline, article.dateline),
        hero_image: patch.hero_image.unwrap_or(article.hero_image),
        seo_title: pick(patch.seo_title, article.seo_title),
        seo_description: pick(patch.seo_description, article.seo_description),
        canonical_url: pick(patch.canonical_url, article.canonical_url),
        corrections: article.corrections,
    };
    let mut prepared = prepare_checked(conn, new, now)?;
    let row = &mut prepared.row;
    row.id = old.id.clone();
    row.status = old.status.clone();
    row.published_at = old.published_at;
    row.first_published_at = old.first_published_at;
    row.publish_at = old.publish_at;
    row.embargo_until = old.embargo_until;
    row.created_at = old.created_at;
    row.created_by = old.created_by.clone();
    row.version = old.version + 1;
    super::check_related(conn, row, Some(&old.body_html))?;
    for byline in &mut prepared.bylines {
        byline.article_id = old.id.clone();
    }
    for tag in &mut prepared.tagging {
        tag.article_id = old.id.clone();
    }
    Ok(prepared)
}

impl ContentService {
    /// Applies a partial update based on `expected_version`.
    pub async fn update_article(
        &self,
        caller: &Caller,
        id: &str,
        mut patch: ArticlePatch,
        if_match: impl Into<BaseVersion>,
    ) -> AppResult<Article> {
        let expected = if_match.into().or(patch.version.take());
        let rule = Guard { edit_right: true };
        self.change_article(caller, id, expected, rule, move |conn, old, now| {
            patched(conn, old, patch, now)
        })
        .await
    }

    /// Appends a dated correction note to an article that has been published.
    pub async fn add_correction(
        &self,
        caller: &Caller,
        id: &str,
        note: String,
        if_match: impl Into<BaseVersion>,
    ) -> AppResult<Article> {
        caller.require(Action::Publish)?;
        let mut checks = Checks::default();
        checks.text("note", &note, 1, 2000);
        checks.finish()?;
        let rule = Guard { edit_right: false };
        self.change_article(caller, id, if_match.into(), rule, move |conn, old, now| {
            if old.first_published_at.is_none() {
                return Err(AppError::validation(vec![crate::error::FieldError {
                    field: "note".into(),
                    message: "only a published article can carry corrections".into(),
                }]));
            }
            let mut saved = current(conn, old.clone())?;
            let mut corrections: Vec<Correction> =
                serde_json::from_str(&saved.row.corrections).map_err(AppError::internal)?;
            corrections.push(Correction {
                note: note.trim().to_owned(),
                corrected_at: now,
            });
            saved.row.corrections =
                serde_json::to_string(&corrections).map_err(AppError::internal)?;
            saved.row.version += 1;
            saved.row.updated_at = now;
            Ok(saved)
        })
        .await
    }
}
