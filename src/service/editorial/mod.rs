//! The editorial workflow: who may change what, partial updates under optimistic
//! concurrency, publish/schedule/unpublish/archive/embargo, corrections, revisions and
//! restores, deletion, slug history, and the scheduler's due publications.
//!
//! One module per operation; this one holds what every change to an existing article shares.

mod create;
mod delete;
mod revisions;
mod update;
mod workflow;

pub use create::{
    MAX_ARTICLE_AUTHORS, MAX_ARTICLE_TAGS, NewArticle, PreparedArticle, References, prepare,
};
pub use revisions::RevisionInfo;
pub use update::ArticlePatch;
pub use workflow::Transition;

use chrono::NaiveDateTime;

use super::{ContentService, outbox, read::relations};
use crate::{
    auth::{Action, Caller},
    db::{
        DbConnection,
        queries::{self, editorial, visibility::Scope},
        rows::{ArticleRow, ArticleSlugRow},
    },
    domain::{
        self,
        article::{Article, ArticleStatus},
        version::BaseVersion,
    },
    error::{AppError, AppResult, ErrorKind},
};
use revisions::record_revision;

fn load_row(conn: &mut DbConnection, id: &str) -> AppResult<ArticleRow> {
    queries::articles::find_by_id(conn, &Scope::Any, id)?
        .ok_or_else(|| AppError::not_found(format!("no article has the id `{id}`")))
}

/// What a change checks before it is built.
#[derive(Clone, Copy)]
struct Guard {
    /// The caller must be allowed to edit this article (contributors: their own drafts).
    /// Every change, whatever its guard, also names the version it is based on
    /// ([`check_version`]).
    edit_right: bool,
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

/// Checks the version the caller based the change on, and answers the version the change is
/// saved against. Every change to an existing article (an edit, a workflow action, a
/// correction, a restore, a deletion) must name one: 428 without, 412 when it is not the
/// current one; `If-Match: *` names whichever is current.
fn check_version(row: &ArticleRow, expected: &BaseVersion) -> AppResult<i32> {
    match expected {
        BaseVersion::Any => Ok(row.version),
        BaseVersion::Listed(versions) if versions.contains(&row.version) => Ok(row.version),
        BaseVersion::Listed(versions) => {
            let named: Vec<String> = versions.iter().map(i32::to_string).collect();
            let named = match named.as_slice() {
                [one] => one.clone(),
                many => format!("any of {}", many.join(", ")),
            };
            Err(AppError::new(
                ErrorKind::PreconditionFailed,
                format!(
                    "the article is at version {}, not {named}: reload it and apply your change again",
                    row.version
                ),
            ))
        }
        BaseVersion::Unnamed => Err(AppError::new(
            ErrorKind::PreconditionRequired,
            "send the version you based this change on, as `If-Match` (the article's ETag) or, where the request has a body, a `version` field",
        )),
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
    link_assets(conn, &saved.row)?;
    record_revision(conn, saved, Some(by), now)
}

/// Records which assets the article uses (its lead picture and the images of its body),
/// refusing one that does not exist; the asset cannot then be deleted while the article
/// uses it, and its public renditions answer while the article is public.
/// The body format and text of a write that sent `body` or a block document: the document
/// becomes the `blocks` format's JSON text. Both at once is a field error.
pub fn body_or_blocks(
    format: Option<crate::domain::article::BodyFormat>,
    body: Option<String>,
    blocks: Option<serde_json::Value>,
) -> AppResult<(Option<crate::domain::article::BodyFormat>, Option<String>)> {
    let Some(blocks) = blocks else {
        return Ok((format, body));
    };
    let wrong_format = format.is_some_and(|f| f != crate::domain::article::BodyFormat::Blocks);
    if body.is_some() || wrong_format {
        return Err(AppError::validation(vec![crate::error::FieldError {
            field: "body_blocks".into(),
            message: "send either `body` (with its `body_format`) or `body_blocks`, not both"
                .into(),
        }]));
    }
    Ok((
        Some(crate::domain::article::BodyFormat::Blocks),
        Some(blocks.to_string()),
    ))
}

/// Checks that the related articles a body newly links to exist (in any state: whether
/// readers see one is decided on each read) and are not the article itself. A link kept from
/// `before` is not checked again: its article may have been deleted since, and that must not
/// stop every later edit (readers simply never see it).
pub(super) fn check_related(
    conn: &mut DbConnection,
    row: &ArticleRow,
    before: Option<&str>,
) -> AppResult<()> {
    let kept = before
        .map(crate::domain::blocks::resolve::related_ids)
        .unwrap_or_default();
    let ids: Vec<String> = crate::domain::blocks::resolve::related_ids(&row.body_html)
        .into_iter()
        .filter(|id| !kept.contains(id) || *id == row.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let known: std::collections::HashSet<String> = queries::articles::find_by_ids(
        conn,
        &queries::visibility::Scope::Any,
        &ids,
        crate::domain::Bodies::Skip,
    )?
    .into_iter()
    .map(|found| found.id)
    .collect();
    let field = if row.body_format == crate::domain::article::BodyFormat::Blocks.as_str() {
        super::render::BLOCKS_FIELD
    } else {
        "body"
    };
    let errors: Vec<crate::error::FieldError> = ids
        .iter()
        .filter_map(|id| {
            let message = if *id == row.id {
                format!("links to itself as a related article (`{id}`)")
            } else if !known.contains(id) {
                format!("links to the related article `{id}`, but no article has this id")
            } else {
                return None;
            };
            Some(crate::error::FieldError {
                field: field.into(),
                message,
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn link_assets(conn: &mut DbConnection, row: &ArticleRow) -> AppResult<()> {
    use crate::domain::body_images;
    let hero: Option<crate::domain::article::HeroImage> = match row.hero_image.as_deref() {
        Some(json) => serde_json::from_str(json).map_err(AppError::internal)?,
        None => None,
    };
    let hero_id = hero.and_then(|h| h.asset_id);
    let in_body = body_images::asset_ids(&row.body_html);
    let field_error = |field: &str, message: String| {
        AppError::validation(vec![crate::error::FieldError {
            field: field.into(),
            message,
        }])
    };
    if in_body.len() > body_images::MAX_BODY_IMAGES {
        return Err(field_error(
            "body",
            format!(
                "shows {} library images; at most {} are allowed",
                in_body.len(),
                body_images::MAX_BODY_IMAGES
            ),
        ));
    }
    let mut ids = in_body.clone();
    ids.extend(hero_id.clone().filter(|id| !in_body.contains(id)));
    let known: std::collections::HashSet<String> = queries::assets::by_ids(conn, &ids)?
        .into_iter()
        .map(|asset| asset.id)
        .collect();
    if let Some(id) = hero_id.filter(|id| !known.contains(id)) {
        return Err(field_error(
            "hero_image.asset_id",
            format!("no asset has the id `{id}`"),
        ));
    }
    if let Some(id) = in_body.iter().find(|id| !known.contains(*id)) {
        return Err(field_error(
            "body",
            format!("shows `asset:{id}`, but no asset has this id"),
        ));
    }
    queries::assets::replace_article_assets(conn, &row.id, &ids)?;
    Ok(())
}

/// The saved rows of an article as it stands.
fn current(conn: &mut DbConnection, row: ArticleRow) -> AppResult<PreparedArticle> {
    let (authors, tags) = editorial::link_ids(conn, &row.id)?;
    Ok(PreparedArticle::new(row, authors, tags))
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

impl ContentService {
    /// The one path of every change to an existing article: load it, check the caller's
    /// right and version, let `change` build the new rows, keep a renamed slug reachable,
    /// save under the version check with a revision, and return the article as saved.
    async fn change_article<F>(
        &self,
        caller: &Caller,
        id: &str,
        if_match: BaseVersion,
        guard: Guard,
        change: F,
    ) -> AppResult<Article>
    where
        F: FnOnce(&mut DbConnection, &ArticleRow, NaiveDateTime) -> AppResult<PreparedArticle>
            + Send
            + 'static,
    {
        let (caller, id) = (caller.clone(), id.to_owned());
        self.write(move |conn, changed| {
            let now = domain::now();
            let old = load_row(conn, &id)?;
            if guard.edit_right {
                require_edit(&caller, &old)?;
            }
            let expected = check_version(&old, &if_match)?;
            let mut saved = change(conn, &old, now)?;
            saved.row.public_since = old.publication().seen_since(now);
            retire_old_slug(conn, &old, &saved.row.slug, now)?;
            save(conn, &saved, expected, &caller, now)?;
            outbox::article_changed(conn, changed, Some(&old), Some(&saved.row), now)?;
            relations::load_one(conn, saved.row)
        })
        .await
    }
}
