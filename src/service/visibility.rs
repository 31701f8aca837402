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
