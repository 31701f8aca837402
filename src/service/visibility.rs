//! The visibility rule: the one place that decides what the public may see. Every public
//! read path (REST, GraphQL, feeds, sitemaps, search, syndication) filters through it.

use chrono::NaiveDateTime;
use diesel::{dsl, prelude::*};

use crate::db::{queries::articles::ArticlePredicate, schema::articles};

/// An article is public when it is published (or scheduled, and its time has come), its
/// publication time has passed, and any embargo has lifted. Drafts, archived articles,
/// articles scheduled for later and embargoed articles are never public.
///
/// A scheduled article carries its planned time in `published_at`, so it appears exactly
/// then, even before the scheduler marks it `published`.
///
/// The `public_at` type this generates lets queries use the rule inside subqueries.
#[dsl::auto_type]
pub fn public_at(now: NaiveDateTime) -> _ {
    let published: &'static str = "published";
    let scheduled: &'static str = "scheduled";
    articles::status
        .eq(published)
        .or(articles::status.eq(scheduled))
        .and(articles::published_at.is_not_null())
        .and(articles::published_at.assume_not_null().le(now))
        .and(
            articles::embargo_until
                .is_null()
                .or(articles::embargo_until.assume_not_null().le(now)),
        )
}

/// The rule as a boxed predicate, for queries that combine it with optional filters.
pub fn public_predicate(now: NaiveDateTime) -> ArticlePredicate {
    Box::new(public_at(now))
}

/// The rule for one article row in Rust: the moment from which it is public as it stands,
/// or `None` when it never will be without another change. Must agree with [`public_at`]:
/// public at `now` exactly when this is `Some(t)` with `t <= now`.
pub fn public_from(
    status: &str,
    published_at: Option<NaiveDateTime>,
    embargo_until: Option<NaiveDateTime>,
) -> Option<NaiveDateTime> {
    if status != "published" && status != "scheduled" {
        return None;
    }
    let published_at = published_at?;
    Some(embargo_until.map_or(published_at, |e| e.max(published_at)))
}

/// Whether the public can see `row` at `now` (the Rust form of [`public_at`]).
pub fn row_is_public(row: &crate::db::rows::ArticleRow, now: NaiveDateTime) -> bool {
    public_from(&row.status, row.published_at, row.embargo_until).is_some_and(|t| t <= now)
}

/// When the public first saw `old`, as known once a change loads it at `now`: what was
/// recorded, or, if it is visible right now, the moment it became so. Time alone can make an
/// article visible, but only a change can take it away, so asking at every change misses
/// nothing.
pub fn public_since(
    old: &crate::db::rows::ArticleRow,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    old.public_since.or_else(|| {
        row_is_public(old, now)
            .then(|| public_from(&old.status, old.published_at, old.embargo_until))
            .flatten()
    })
}

/// An article the public saw and no longer sees (unpublished, archived, put back under an
/// embargo or a later schedule): it answers 410 Gone and partners get a kill notice. One the
/// public never saw is simply not found.
#[dsl::auto_type]
pub fn withdrawn_at(now: NaiveDateTime) -> _ {
    let public: public_at = public_at(now);
    articles::public_since.is_not_null().and(dsl::not(public))
}

/// [`withdrawn_at`] for one row in Rust.
pub fn row_is_withdrawn(row: &crate::db::rows::ArticleRow, now: NaiveDateTime) -> bool {
    row.public_since.is_some() && !row_is_public(row, now)
}

/// Withdrawn for good: unpublished or archived after the public saw it, so the public API
/// answers 410 Gone. One merely held back (a new embargo or a later schedule) answers 404
/// until its time, though partners get a kill notice for it at once.
pub fn row_is_retired(row: &crate::db::rows::ArticleRow, now: NaiveDateTime) -> bool {
    row_is_withdrawn(row, now) && (row.status == "draft" || row.status == "archived")
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};

    use super::public_from;

    #[test]
    fn public_from_follows_status_time_and_embargo() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default();
        let (past, future) = (now - Duration::hours(1), now + Duration::hours(1));
        let public = |status, published, embargo| {
            public_from(status, published, embargo).is_some_and(|t| t <= now)
        };
        assert!(public("published", Some(past), None));
        assert!(public("published", Some(past), Some(past)));
        assert!(public("scheduled", Some(past), None));
        assert!(!public("published", Some(future), None));
        assert!(!public("scheduled", Some(future), None));
        assert!(!public("published", Some(past), Some(future)));
        assert!(!public("published", None, None));
        assert!(!public("draft", Some(past), None));
        assert!(!public("archived", Some(past), None));
        assert_eq!(
            public_from("published", Some(past), Some(future)),
            Some(future)
        );
        assert_eq!(public_from("scheduled", Some(future), None), Some(future));
    }
}
