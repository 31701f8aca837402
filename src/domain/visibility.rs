//! The visibility rules for one article in Rust: the twins of the SQL in
//! `db::queries::visibility`, for decisions about a row already loaded (webhook events, kill
//! notices, 410 Gone). `tests/api/visibility_rules.rs` holds each twin to its SQL over every
//! case of status, dates and embargo.

use chrono::NaiveDateTime;

use super::article::ArticleStatus;

/// What the visibility rules read of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication<'a> {
    /// The workflow state as stored (`draft`, `scheduled`, `published`, `archived`).
    pub status: &'a str,
    pub published_at: Option<NaiveDateTime>,
    pub embargo_until: Option<NaiveDateTime>,
    /// When the public first could see it; `None` if it never could.
    pub public_since: Option<NaiveDateTime>,
}

impl Publication<'_> {
    /// The moment from which the article is public as it stands, or `None` when it never
    /// will be without another change. Public at `now` exactly when this is `Some(t)` with
    /// `t <= now`.
    pub fn public_from(&self) -> Option<NaiveDateTime> {
        let out = [ArticleStatus::Published, ArticleStatus::Scheduled]
            .iter()
            .any(|s| s.as_str() == self.status);
        if !out {
            return None;
        }
        let published_at = self.published_at?;
        Some(
            self.embargo_until
                .map_or(published_at, |e| e.max(published_at)),
        )
    }

    /// `Scope::Public(now)`: whether the public can see it at `now`.
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        self.public_from().is_some_and(|t| t <= now)
    }

    /// `Scope::Withdrawn(now)`: the public saw it and does not see it now.
    pub fn is_withdrawn(&self, now: NaiveDateTime) -> bool {
        self.public_since.is_some() && !self.is_public(now)
    }

    /// Withdrawn for good: unpublished or archived after the public saw it, so the public
    /// API answers 410 Gone. One merely held back (a new embargo or a later schedule)
    /// answers 404 until its time, though partners get a kill notice for it at once.
    pub fn is_retired(&self, now: NaiveDateTime) -> bool {
        let retired = [ArticleStatus::Draft, ArticleStatus::Archived]
            .iter()
            .any(|s| s.as_str() == self.status);
        self.is_withdrawn(now) && retired
    }

    /// When the public first saw the article, as known once a change loads it at `now`: what
    /// was recorded, or, if it is visible right now, the moment it became so. Time alone can
    /// make an article visible, but only a change can take it away, so asking at every
    /// change misses nothing.
    pub fn seen_since(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.public_since
            .or_else(|| self.is_public(now).then(|| self.public_from()).flatten())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};

    use super::Publication;

    #[test]
    fn public_from_follows_status_time_and_embargo() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default();
        let (past, future) = (now - Duration::hours(1), now + Duration::hours(1));
        let at = |status, published_at, embargo_until| Publication {
            status,
            published_at,
            embargo_until,
            public_since: None,
        };
        assert_eq!(
            at("published", Some(past), Some(future)).public_from(),
            Some(future)
        );
        assert_eq!(
            at("scheduled", Some(future), None).public_from(),
            Some(future)
        );
        assert_eq!(at("draft", Some(past), None).public_from(), None);
        assert_eq!(at("published", None, None).public_from(), None);
    }
}
