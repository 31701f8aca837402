//! The partner change stream: every article in order of its last change, as it stands now.
//! A visible article is served whole; one withdrawn after it was out (unpublished, archived
//! or deleted) is served as a withdrawal notice, so partners can take it down. Which articles
//! are visible is the visibility rule's call alone: embargoed and scheduled articles are
//! never served before their time, not even as notices.

use chrono::NaiveDateTime;

use super::{ContentService, read::relations};
use crate::{
    db::{
        queries::{self, articles::Keyset, visibility::Scope},
        rows::{ArticleRow, TombstoneRow},
    },
    domain::{
        self,
        article::{Article, ArticleStatus},
        page::Cursor,
    },
    error::{AppError, AppResult},
};

/// The sort name cursors of the change stream carry.
const CHANGES: &str = "changes";

/// Why an article is no longer available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawalReason {
    /// Back to draft.
    Unpublished,
    Archived,
    Deleted,
    /// Put back under an embargo or a later schedule: it may come back then.
    Held,
}

/// A kill notice: which article to take down, and when it was withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub id: String,
    pub at: NaiveDateTime,
    pub reason: WithdrawalReason,
}

/// One entry of the change stream.
#[derive(Debug, Clone)]
pub enum Change {
    /// The article as it now is, visible.
    Published(Box<Article>),
    Withdrawn(Withdrawal),
}

impl Change {
    pub fn id(&self) -> &str {
        match self {
            Change::Published(a) => &a.id,
            Change::Withdrawn(w) => &w.id,
        }
    }

    /// Where the change sits in the stream.
    pub fn changed_at(&self) -> NaiveDateTime {
        match self {
            // A visible article's times have all come, so no `now` is needed.
            Change::Published(a) => change_time(
                a.updated_at,
                a.published_at,
                a.embargo_until,
                NaiveDateTime::MAX,
            ),
            Change::Withdrawn(w) => w.at,
        }
    }

    /// Its place in the stream, as a cursor.
    pub fn cursor(&self) -> String {
        Cursor {
            sort: CHANGES.to_owned(),
            key: queries::time_to_cursor_key(self.changed_at()),
            id: self.id().to_owned(),
        }
        .encode()
    }
}

/// The same as `queries::syndication::change_time`, from values already loaded: the latest of
/// the last edit, and the publication time and the embargo's end that have come by `now` (a
/// time still ahead is no change yet: a withdrawal under a future embargo is a change at its
/// edit, not at the embargo's end).
pub fn change_time(
    updated_at: NaiveDateTime,
    published_at: Option<NaiveDateTime>,
    embargo_until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> NaiveDateTime {
    [published_at, embargo_until]
        .into_iter()
        .flatten()
        .filter(|t| *t <= now)
        .fold(updated_at, NaiveDateTime::max)
}

/// A page of the change stream.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// Where to resume: after the last change here, or where the request started when there
    /// was nothing new. Partners keep it and poll with it.
    pub next_cursor: Option<String>,
    /// Whether more changes are waiting right now.
    pub has_more: bool,
}

fn withdrawal_of_row(row: &ArticleRow, now: NaiveDateTime) -> Withdrawal {
    let reason = if row.status == ArticleStatus::Archived.as_str() {
        WithdrawalReason::Archived
    } else if row.status == ArticleStatus::Draft.as_str() {
        WithdrawalReason::Unpublished
    } else {
        WithdrawalReason::Held
    };
    Withdrawal {
        id: row.id.clone(),
        at: change_time(row.updated_at, row.published_at, row.embargo_until, now),
        reason,
    }
}

fn withdrawal_of_tombstone(row: TombstoneRow) -> Withdrawal {
    Withdrawal {
        id: row.article_id,
        at: row.deleted_at,
        reason: WithdrawalReason::Deleted,
    }
}

impl ContentService {
    /// Changes after `cursor` (or at or after `since`), oldest first, at most `limit`. Changes
    /// younger than `settle` wait for the next poll, so a write that commits a moment after
    /// its timestamp cannot land behind a cursor already handed out.
    pub async fn syndication_changes(
        &self,
        since: Option<NaiveDateTime>,
        cursor: Option<String>,
        limit: u32,
        settle: std::time::Duration,
    ) -> AppResult<ChangePage> {
        // An empty cursor is none: the answer must not hand it back as one.
        let given = Cursor::decode(cursor.as_deref(), CHANGES)?;
        let after = match &given {
            Some(c) => Some(Keyset {
                time: queries::time_from_cursor_key(&c.key)?,
                id: c.id.clone(),
            }),
            None => None,
        };
        let now = domain::now();
        let until = now - chrono::Duration::from_std(settle).map_err(AppError::internal)?;
        let fetch = i64::from(limit) + 1;
        let memo = self.terms.clone();
        self.db
            .read(move |conn| {
                let rows = queries::syndication::changed_articles(
                    conn,
                    &Scope::Syndicated(now),
                    now,
                    after.clone(),
                    since,
                    until,
                    fetch,
                )?;
                let tombstones =
                    queries::syndication::changed_tombstones(conn, after, since, until, fetch)?;
                // Merge both streams by (time, id) and keep what the page holds.
                enum Entry {
                    Visible(Box<ArticleRow>),
                    Gone(Withdrawal),
                }
                let key = |e: &Entry| match e {
                    Entry::Visible(r) => (
                        change_time(r.updated_at, r.published_at, r.embargo_until, now),
                        r.id.clone(),
                    ),
                    Entry::Gone(w) => (w.at, w.id.clone()),
                };
                let mut entries: Vec<Entry> = rows
                    .into_iter()
                    .map(|r| {
                        // A row here is either public or withdrawn, never both.
                        if !r.publication().is_public(now) {
                            Entry::Gone(withdrawal_of_row(&r, now))
                        } else {
                            Entry::Visible(Box::new(r))
                        }
                    })
                    .chain(
                        tombstones
                            .into_iter()
                            .map(|t| Entry::Gone(withdrawal_of_tombstone(t))),
                    )
                    .collect();
                entries.sort_by_key(key);
                let has_more = entries.len() > limit as usize;
                entries.truncate(limit as usize);
                // Visible rows get their relations in one go; notices keep their places.
                let mut visible = Vec::new();
                let mut slots = Vec::with_capacity(entries.len());
                for entry in entries {
                    match entry {
                        Entry::Visible(row) => {
                            visible.push(*row);
                            slots.push(None);
                        }
                        Entry::Gone(w) => slots.push(Some(w)),
                    }
                }
                let mut articles =
                    relations::load(conn, visible, domain::Relations::Load, Some(&memo))?
                        .into_iter();
                let changes = slots
                    .into_iter()
                    .map(|slot| match slot {
                        Some(w) => Ok(Change::Withdrawn(w)),
                        None => articles
                            .next()
                            .map(|a| Change::Published(Box::new(a)))
                            .ok_or_else(|| {
                                AppError::internal("an article was lost loading relations")
                            }),
                    })
                    .collect::<AppResult<Vec<_>>>()?;
                let next_cursor = changes
                    .last()
                    .map(Change::cursor)
                    .or_else(|| given.map(|c| c.encode()));
                Ok(ChangePage {
                    changes,
                    next_cursor,
                    has_more,
                })
            })
            .await
    }

    /// The stream's position `settle` ago, as a cursor: what comes after it is what the
    /// stream has not served yet.
    pub fn stream_position_now(&self, settle: std::time::Duration) -> AppResult<String> {
        let at = domain::now() - chrono::Duration::from_std(settle).map_err(AppError::internal)?;
        Ok(Cursor {
            sort: CHANGES.to_owned(),
            key: queries::time_to_cursor_key(at),
            // The nil UUID sorts before every id: the position is before all of `at`.
            id: uuid::Uuid::nil().to_string(),
        }
        .encode())
    }

    /// When the change a stream cursor points after was made; a 400 naming `parameter` for
    /// one that is not a cursor of the stream.
    pub fn stream_cursor_time(&self, cursor: &str, parameter: &str) -> AppResult<NaiveDateTime> {
        let bad = || {
            AppError::invalid_parameter(
                parameter,
                format!("`{parameter}` is not an event id of this stream"),
            )
        };
        let cursor = Cursor::decode(Some(cursor), CHANGES)
            .map_err(|_| bad())?
            .ok_or_else(bad)?;
        queries::time_from_cursor_key(&cursor.key).map_err(|_| bad())
    }

    /// One article for partners: whole when visible, a withdrawal notice when it was
    /// withdrawn after publication (or deleted), else 404, as for anything never out.
    pub async fn syndication_article(&self, id: &str) -> AppResult<Change> {
        let id = id.to_owned();
        let now = domain::now();
        self.db
            .read(move |conn| {
                if let Some(row) = queries::articles::find_by_id(conn, &Scope::Public(now), &id)? {
                    let article = relations::load_one(conn, row)?;
                    return Ok(Change::Published(Box::new(article)));
                }
                if let Some(row) = queries::articles::find_by_id(conn, &Scope::Withdrawn(now), &id)?
                {
                    return Ok(Change::Withdrawn(withdrawal_of_row(&row, now)));
                }
                if let Some(tombstone) = queries::syndication::tombstone(conn, &id)? {
                    return Ok(Change::Withdrawn(withdrawal_of_tombstone(tombstone)));
                }
                Err(AppError::not_found("no syndicated article has this id"))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn change_time_is_the_latest_of_edit_publication_and_embargo_that_have_come() {
        let now = t(12);
        assert_eq!(change_time(t(5), None, None, now), t(5));
        assert_eq!(change_time(t(5), Some(t(7)), None, now), t(7));
        assert_eq!(change_time(t(5), Some(t(3)), Some(t(9)), now), t(9));
        assert_eq!(change_time(t(9), Some(t(3)), Some(t(4)), now), t(9));
        // Ahead of `now`: not a change yet.
        assert_eq!(change_time(t(5), Some(t(3)), Some(t(20)), now), t(5));
        assert_eq!(change_time(t(5), Some(t(20)), None, now), t(5));
    }
}
