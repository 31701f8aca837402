//! Who may see which article rows, as SQL: the one place the visibility rule is written for
//! the database. Every article query takes a [`Scope`]; none has a way to skip it. The same
//! rules for one row in Rust are `domain::visibility`, and `tests/api/visibility_rules.rs`
//! holds the two together over every case of status, dates and embargo.

use chrono::NaiveDateTime;
use diesel::{dsl, helper_types::InnerJoinQuerySource, prelude::*, sql_types::Bool};

use crate::db::{
    MultiBackend,
    schema::{article_tags, articles},
};

/// A condition on article rows.
pub type ArticlePredicate =
    Box<dyn BoxableExpression<articles::table, MultiBackend, SqlType = Bool>>;

/// Taggings joined with their articles: the source of a tag's list walked in the tag's own
/// order (`article_tags_tag_published_idx`).
pub type TaggedArticles = InnerJoinQuerySource<article_tags::table, articles::table>;

/// A condition on article rows joined to their taggings.
pub type TaggedArticlePredicate =
    Box<dyn BoxableExpression<TaggedArticles, MultiBackend, SqlType = Bool>>;

/// Which article rows a query may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// What the public sees at this moment.
    Public(NaiveDateTime),
    /// What the public saw once and no longer sees: kill notices, 410 Gone.
    Withdrawn(NaiveDateTime),
    /// Public or withdrawn: what the partner stream carries.
    Syndicated(NaiveDateTime),
    /// Every article in any state, for staff who read drafts.
    Any,
    /// Every article this API key created, in any state, for contributors.
    CreatedBy(String),
}

/// The scope's condition, boxed for the query source `$source`: written once for both the
/// article table and its join with the taggings.
macro_rules! scope_condition {
    ($scope:expr, $source:ty) => {{
        let condition: Box<dyn BoxableExpression<$source, MultiBackend, SqlType = Bool>> =
            match $scope {
                Scope::Public(now) => Box::new(public_at(*now)),
                Scope::Withdrawn(now) => Box::new(withdrawn_at(*now)),
                Scope::Syndicated(now) => Box::new(public_at(*now).or(withdrawn_at(*now))),
                // Always true: the primary key is never null.
                Scope::Any => Box::new(articles::id.is_not_null()),
                Scope::CreatedBy(key_id) => Box::new(
                    articles::created_by
                        .is_not_null()
                        .and(articles::created_by.assume_not_null().eq(key_id.clone())),
                ),
            };
        condition
    }};
}

impl Scope {
    /// The scope as a condition of a boxed query.
    pub fn condition(&self) -> ArticlePredicate {
        scope_condition!(self, articles::table)
    }

    /// The scope as a condition of a boxed query over [`TaggedArticles`].
    pub fn condition_on_tagged(&self) -> TaggedArticlePredicate {
        scope_condition!(self, TaggedArticles)
    }
}

/// An article is public when it is published (or scheduled, and its time has come), its
/// publication time has passed, and any embargo has lifted. Drafts, archived articles,
/// articles scheduled for later and embargoed articles are never public.
///
/// A scheduled article carries its planned time in `published_at`, so it appears exactly
/// then, even before the scheduler marks it `published`.
///
/// The named type this generates lets queries use the rule inside subqueries (the article
/// counts), where a boxed expression cannot go.
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

/// An article the public saw (`public_since` is set) and does not see now: unpublished,
/// archived, or put back under an embargo or a later schedule.
#[dsl::auto_type]
pub fn withdrawn_at(now: NaiveDateTime) -> _ {
    let public: public_at = public_at(now);
    articles::public_since.is_not_null().and(dsl::not(public))
}

/// An article that time may have brought out, with what says when and whether.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Release {
    pub id: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub embargo_until: Option<NaiveDateTime>,
    /// The last write to the article: one at or after it came out already announced it.
    pub updated_at: NaiveDateTime,
}

impl Release {
    /// What the visibility rules read of it (whether it was ever seen does not matter here).
    pub fn publication(&self) -> crate::domain::visibility::Publication<'_> {
        crate::domain::visibility::Publication {
            status: &self.status,
            published_at: self.published_at,
            embargo_until: self.embargo_until,
            public_since: None,
        }
    }
}

/// Articles that time alone may have brought out between `from` and `to` (inclusive: their
/// publication time or embargo lift fell then), and the next such moment after `to`. Only
/// published and scheduled articles come out by time; drafts and archived ones never do.
pub fn changes_between(
    conn: &mut crate::db::DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<(Vec<Release>, Option<NaiveDateTime>)> {
    let out = || articles::status.eq_any(["published", "scheduled"]);
    let came_out = articles::table
        .filter(out())
        .filter(
            articles::published_at
                .between(from, to)
                .or(articles::embargo_until.between(from, to)),
        )
        .select((
            articles::id,
            articles::status,
            articles::published_at,
            articles::embargo_until,
            articles::updated_at,
        ))
        .load::<Release>(conn)?;
    let next_publication = articles::table
        .filter(out())
        .filter(articles::published_at.gt(to))
        .select(dsl::min(articles::published_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    let next_lift = articles::table
        .filter(out())
        .filter(articles::embargo_until.gt(to))
        .select(dsl::min(articles::embargo_until))
        .first::<Option<NaiveDateTime>>(conn)?;
    let next = match (next_publication, next_lift) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok((came_out, next))
}
