//! The workflow steps (publish, schedule, unpublish, archive, embargo) and the scheduler
//! that publishes scheduled articles when their time comes.

use chrono::NaiveDateTime;

use super::{Guard, current, save};
use crate::{
    auth::{Action, Caller},
    db::{queries::editorial, rows::ArticleRow},
    domain::{
        self,
        article::{Article, ArticleStatus},
        version::BaseVersion,
    },
    error::{AppError, AppResult, ErrorKind},
    service::ContentService,
};

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

/// The one publish step, shared by `Transition::Publish` and the scheduler: public since
/// `published_at`, first published then unless it already was, nothing left scheduled.
fn mark_published(row: &mut ArticleRow, published_at: NaiveDateTime, now: NaiveDateTime) {
    row.status = ArticleStatus::Published.as_str().to_owned();
    row.published_at = Some(published_at);
    row.first_published_at = row.first_published_at.or(row.published_at);
    row.publish_at = None;
    row.version += 1;
    row.updated_at = now;
}

fn apply(row: &mut ArticleRow, transition: Transition, now: NaiveDateTime) -> AppResult<()> {
    let status = |s: ArticleStatus| s.as_str().to_owned();
    match transition {
        Transition::Publish => {
            // Already published in the past: keep that time; otherwise public from now.
            let published_at = match row.published_at {
                Some(t) if row.status == ArticleStatus::Published.as_str() && t <= now => t,
                _ => now,
            };
            mark_published(row, published_at, now);
            return Ok(());
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
    /// Publishes, schedules, unpublishes, archives, or sets or lifts an embargo.
    pub async fn transition_article(
        &self,
        caller: &Caller,
        id: &str,
        transition: Transition,
        if_match: impl Into<BaseVersion>,
    ) -> AppResult<Article> {
        caller.require(Action::Publish)?;
        let rule = Guard { edit_right: false };
        self.change_article(caller, id, if_match.into(), rule, move |conn, old, now| {
            let mut saved = current(conn, old.clone())?;
            apply(&mut saved.row, transition, now)?;
            Ok(saved)
        })
        .await
    }

    /// Publishes scheduled articles whose time has come (also after a restart that missed
    /// it). Safe to run on many instances at once: each change is saved only once.
    pub async fn publish_due_articles(&self) -> AppResult<usize> {
        self.write(|conn, changed| {
            let now = domain::now();
            let scheduler = Caller {
                key_id: String::new(),
                name: "scheduler".into(),
                role: crate::auth::Role::Admin,
            };
            let mut published = 0;
            for row in editorial::due_scheduled(conn, now)? {
                // The query matched `publish_at <= now`, so the time is set.
                let Some(publish_at) = row.publish_at else {
                    continue;
                };
                let expected = row.version;
                let public_since = row.publication().seen_since(now);
                let before = row.clone();
                let mut saved = current(conn, row)?;
                saved.row.public_since = public_since;
                // Public since the planned time, not since this run found it.
                mark_published(&mut saved.row, publish_at, now);
                // No webhook event: `article.published` was queued with the schedule,
                // due at this very time, and the article was public from then on.
                // It was public since its time (the clock evicted then); what changes now
                // is its status and `updated_at`.
                match save(conn, &saved, expected, &scheduler, now) {
                    Ok(()) => {
                        changed.article_changed(Some(&before), Some(&saved.row), now);
                        published += 1;
                    }
                    Err(e) if e.kind == ErrorKind::PreconditionFailed => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(published)
        })
        .await
    }
}
