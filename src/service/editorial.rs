//! The editorial workflow: who may change what, partial updates under optimistic
//! concurrency, publish/schedule/unpublish/archive/embargo, corrections, revisions and
//! restores, deletion, slug history, and the scheduler's due publications.

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{
    ContentService,
    articles::{NewArticle, PreparedArticle, prepare_checked, record_revision},
    audience::Audience,
    outbox,
    read::relations,
    validate::Checks,
};
use crate::{
    auth::{Action, Caller},
    db::{
        DbConnection,
        queries::{self, editorial, visibility::Scope},
        rows::{ArticleRow, ArticleSlugRow, RevisionRow, TombstoneRow},
    },
    domain::{
        self, Relations,
        article::{Article, ArticleStatus, BodyFormat, Correction, HeroImage},
    },
    error::{AppError, AppResult, ErrorKind},
};

/// `Some(None)` for a JSON `null` (clear the field), `None` when the field is absent.
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A partial update: absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    pub slug: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub standfirst: Option<Option<String>>,
    pub body_format: Option<BodyFormat>,
    pub body: Option<String>,
    /// Section slug.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub section: Option<Option<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs, in display order.
    pub tags: Option<Vec<String>>,
    pub language: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub dateline: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<HeroImage>)]
    pub hero_image: Option<Option<HeroImage>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub canonical_url: Option<Option<String>>,
    /// The version this change is based on, when not sent as `If-Match`.
    pub version: Option<i32>,
}

/// A workflow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Public now.
    Publish,
    /// Public at this (future) time.
    Schedule(NaiveDateTime),
    /// Back to draft; the public API answers 410 Gone if it had been published.
    Unpublish,
    /// Out of circulation; 410 Gone on the public API.
    Archive,
    /// Hold back until this time, or lift the embargo with `None`.
    Embargo(Option<NaiveDateTime>),
}

/// One saved version of an article, as listed.
#[derive(Debug, Clone)]
pub struct RevisionInfo {
    pub version: i32,
    pub actor: Option<String>,
    pub created_at: NaiveDateTime,
    /// The article as saved: `{article, authors, tags}`.
    pub snapshot: serde_json::Value,
}

fn load_row(conn: &mut DbConnection, id: &str) -> AppResult<ArticleRow> {
    queries::articles::find_by_id(conn, &Scope::Any, id)?
        .ok_or_else(|| AppError::not_found(format!("no article has the id `{id}`")))
}

/// What a change checks before it is built.
#[derive(Clone, Copy)]
struct Guard {
    /// The caller must be allowed to edit this article (contributors: their own drafts).
    edit_right: bool,
    /// The caller must say which version the change is based on.
    version_required: bool,
}

/// Contributors may touch only the drafts they created; editors and admins anything.
fn require_edit(caller: &Caller, row: &ArticleRow) -> AppResult<()> {
    if caller.can(Action::EditAnyArticle) {
        return Ok(());
    }
    caller.require(Action::WriteOwnDrafts)?;
    let own = row.created_by.as_deref() == Some(caller.key_id.as_str());
    if own && row.status == ArticleStatus::Draft.as_str() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "contributors may edit only the drafts they created",
        ))
    }
}

/// Checks the version the caller based the change on.
fn check_version(row: &ArticleRow, expected: Option<i32>, required: bool) -> AppResult<i32> {
    match expected {
        Some(v) if v == row.version => Ok(v),
        Some(v) => Err(AppError::new(
            ErrorKind::PreconditionFailed,
            format!(
                "the article is at version {}, not {v}: reload it and apply your change again",
                row.version
            ),
        )),
        None if required => Err(AppError::new(
            ErrorKind::PreconditionRequired,
            "send the version you edited, as `If-Match` (the article's ETag) or a `version` field",
        )),
        None => Ok(row.version),
    }
}

/// Saves a changed row if nobody else saved first, then records the revision.
fn save(
    conn: &mut DbConnection,
    saved: &PreparedArticle,
    expected: i32,
    by: &Caller,
    now: NaiveDateTime,
) -> AppResult<()> {
    if editorial::update_if_version(conn, &saved.row, expected)? == 0 {
        return Err(AppError::new(
            ErrorKind::PreconditionFailed,
            "the article changed while this change was being saved",
        ));
    }
    editorial::replace_links(conn, &saved.row.id, &saved.bylines, &saved.tagging)?;
    record_revision(conn, saved, Some(by), now)
}

/// The saved rows of an article as it stands.
fn current(conn: &mut DbConnection, row: ArticleRow) -> AppResult<PreparedArticle> {
    let (authors, tags) = editorial::link_ids(conn, &row.id)?;
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    let bylines = authors
        .into_iter()
        .enumerate()
        .map(|(i, author_id)| crate::db::rows::ArticleAuthorRow {
            article_id: row.id.clone(),
            author_id,
            position: position(i),
        })
        .collect();
    let tagging = tags
        .into_iter()
        .enumerate()
        .map(|(i, tag_id)| crate::db::rows::ArticleTagRow {
            article_id: row.id.clone(),
            tag_id,
            position: position(i),
        })
        .collect();
    Ok(PreparedArticle {
        row,
        bylines,
        tagging,
    })
}

/// Keeps the old slug reachable (301) when an article is renamed.
fn retire_old_slug(
    conn: &mut DbConnection,
    old: &ArticleRow,
    new_slug: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    if old.slug != new_slug {
        editorial::release_slug(conn, new_slug)?;
        editorial::retire_slug(
            conn,
            &ArticleSlugRow {
                slug: old.slug.clone(),
                article_id: old.id.clone(),
                retired_at: now,
            },
        )?;
    }
    Ok(())
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
    let pick = |given: Option<Option<String>>, was: Option<String>| given.unwrap_or(was);
    let new = NewArticle {
        slug: Some(patch.slug.unwrap_or(article.slug)),
        title: patch.title.unwrap_or(article.title),
        standfirst: pick(patch.standfirst, article.standfirst),
        body_format: patch.body_format.unwrap_or(article.body_format),
        body: patch.body.unwrap_or(article.body_source),
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
    for byline in &mut prepared.bylines {
        byline.article_id = old.id.clone();
    }
    for tag in &mut prepared.tagging {
        tag.article_id = old.id.clone();
    }
    Ok(prepared)
}

fn apply(row: &mut ArticleRow, transition: Transition, now: NaiveDateTime) -> AppResult<()> {
    let status = |s: ArticleStatus| s.as_str().to_owned();
    match transition {
        Transition::Publish => {
            if row.status != ArticleStatus::Published.as_str()
                || row.published_at.is_none_or(|t| t > now)
            {
                row.published_at = Some(now);
            }
            row.status = status(ArticleStatus::Published);
            row.first_published_at = row.first_published_at.or(row.published_at);
            row.publish_at = None;
        }
        Transition::Schedule(at) => {
            if at <= now {
                return Err(AppError::validation(vec![crate::error::FieldError {
                    field: "publish_at".into(),
                    message: "must be in the future; publish now instead".into(),
                }]));
            }
            row.status = status(ArticleStatus::Scheduled);
            row.publish_at = Some(at);
            row.published_at = Some(at);
        }
        Transition::Unpublish => row.status = status(ArticleStatus::Draft),
        Transition::Archive => row.status = status(ArticleStatus::Archived),
        Transition::Embargo(until) => {
            if until.is_some_and(|t| t <= now) {
                return Err(AppError::validation(vec![crate::error::FieldError {
                    field: "embargo_until".into(),
                    message: "must be in the future; lift the embargo with null instead".into(),
                }]));
            }
            row.embargo_until = until;
        }
    }
    row.version += 1;
    row.updated_at = now;
    Ok(())
}

impl ContentService {
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

    /// Applies a partial update based on `expected_version`.
    pub async fn update_article(
        &self,
        caller: &Caller,
        id: &str,
        mut patch: ArticlePatch,
        if_match: Option<i32>,
    ) -> AppResult<Article> {
        let expected = if_match.or(patch.version.take());
        let rule = Guard {
            edit_right: true,
            version_required: true,
        };
        self.change_article(caller, id, expected, rule, move |conn, old, now| {
            patched(conn, old, patch, now)
        })
        .await
    }

    /// The one path of every change to an existing article: load it, check the caller's
    /// right and version, let `change` build the new rows, keep a renamed slug reachable,
    /// save under the version check with a revision, and return the article as saved.
    async fn change_article<F>(
        &self,
        caller: &Caller,
        id: &str,
        if_match: Option<i32>,
        guard: Guard,
        change: F,
    ) -> AppResult<Article>
    where
        F: FnOnce(&mut DbConnection, &ArticleRow, NaiveDateTime) -> AppResult<PreparedArticle>
            + Send
            + 'static,
    {
        let (caller, id) = (caller.clone(), id.to_owned());
        self.db
            .write(move |conn| {
                let now = domain::now();
                let old = load_row(conn, &id)?;
                if guard.edit_right {
                    require_edit(&caller, &old)?;
                }
                let expected = check_version(&old, if_match, guard.version_required)?;
                let mut saved = change(conn, &old, now)?;
                saved.row.public_since = old.publication().seen_since(now);
                retire_old_slug(conn, &old, &saved.row.slug, now)?;
                save(conn, &saved, expected, &caller, now)?;
                outbox::article_changed(conn, Some(&old), Some(&saved.row), now)?;
                relations::load_one(conn, saved.row)
            })
            .await
    }

    /// Publishes, schedules, unpublishes, archives, or sets or lifts an embargo.
    pub async fn transition_article(
        &self,
        caller: &Caller,
        id: &str,
        transition: Transition,
        if_match: Option<i32>,
    ) -> AppResult<Article> {
        caller.require(Action::Publish)?;
        let rule = Guard {
            edit_right: false,
            version_required: false,
        };
        self.change_article(caller, id, if_match, rule, move |conn, old, now| {
            let mut saved = current(conn, old.clone())?;
            apply(&mut saved.row, transition, now)?;
            Ok(saved)
        })
        .await
    }

    /// Appends a dated correction note to an article that has been published.
    pub async fn add_correction(
        &self,
        caller: &Caller,
        id: &str,
        note: String,
        if_match: Option<i32>,
    ) -> AppResult<Article> {
        caller.require(Action::Publish)?;
        let mut checks = Checks::default();
        checks.text("note", &note, 1, 2000);
        checks.finish()?;
        let rule = Guard {
            edit_right: false,
            version_required: false,
        };
        self.change_article(caller, id, if_match, rule, move |conn, old, now| {
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

    /// Deletes an article; once-published articles leave a tombstone so the public API
    /// answers 410 Gone.
    pub async fn delete_article(
        &self,
        caller: &Caller,
        id: &str,
        if_match: Option<i32>,
    ) -> AppResult<()> {
        let (caller, id) = (caller.clone(), id.to_owned());
        self.db
            .write(move |conn| {
                let old = load_row(conn, &id)?;
                require_edit(&caller, &old)?;
                check_version(&old, if_match, false)?;
                let now = domain::now();
                // Only an article the public saw leaves a tombstone (410 and a kill notice).
                if old.publication().seen_since(now).is_some() {
                    editorial::insert_tombstone(
                        conn,
                        &TombstoneRow {
                            article_id: old.id.clone(),
                            slug: old.slug.clone(),
                            deleted_at: now,
                        },
                    )?;
                    editorial::bury_retired_slugs(conn, &old.id, now)?;
                }
                editorial::delete_article(conn, &old.id)?;
                outbox::article_changed(conn, Some(&old), None, now)?;
                Ok(())
            })
            .await
    }

    /// Every saved version of an article, oldest first.
    pub async fn revisions(&self, caller: &Caller, id: &str) -> AppResult<Vec<RevisionInfo>> {
        // Only who may read the article may read its history.
        let audience = Audience::for_admin(caller)?;
        let key = domain::Key::Id(id.to_owned());
        self.article(&audience, key, Relations::Skip).await?;
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
        if_match: Option<i32>,
    ) -> AppResult<Article> {
        let rule = Guard {
            edit_right: true,
            version_required: false,
        };
        self.change_article(caller, id, if_match, rule, move |conn, old, now| {
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

    /// Publishes scheduled articles whose time has come (also after a restart that missed
    /// it). Safe to run on many instances at once: each change is saved only once.
    pub async fn publish_due_articles(&self) -> AppResult<usize> {
        self.db
            .write(|conn| {
                let now = domain::now();
                let scheduler = Caller {
                    key_id: String::new(),
                    name: "scheduler".into(),
                    role: crate::auth::Role::Admin,
                };
                let mut published = 0;
                for row in editorial::due_scheduled(conn, now)? {
                    let expected = row.version;
                    let publish_at = row.publish_at;
                    let public_since = row.publication().seen_since(now);
                    let mut saved = current(conn, row)?;
                    saved.row.public_since = public_since;
                    saved.row.status = ArticleStatus::Published.as_str().to_owned();
                    saved.row.published_at = publish_at.or(saved.row.published_at);
                    saved.row.first_published_at =
                        saved.row.first_published_at.or(saved.row.published_at);
                    saved.row.publish_at = None;
                    saved.row.version += 1;
                    saved.row.updated_at = now;
                    // No webhook event: `article.published` was queued with the schedule,
                    // due at this very time, and the article was public from then on.
                    match save(conn, &saved, expected, &scheduler, now) {
                        Ok(()) => published += 1,
                        Err(e) if e.kind == ErrorKind::PreconditionFailed => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(published)
            })
            .await
    }
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
    let id = row.id.clone();
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    saved.bylines = snapshot
        .authors
        .iter()
        .enumerate()
        .map(|(i, a)| crate::db::rows::ArticleAuthorRow {
            article_id: id.clone(),
            author_id: a.clone(),
            position: position(i),
        })
        .collect();
    saved.tagging = snapshot
        .tags
        .iter()
        .enumerate()
        .map(|(i, t)| crate::db::rows::ArticleTagRow {
            article_id: id.clone(),
            tag_id: t.clone(),
            position: position(i),
        })
        .collect();
}
