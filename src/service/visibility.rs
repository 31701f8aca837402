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
