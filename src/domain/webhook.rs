//! Webhook subscriptions, the events they can ask for, and the record of their deliveries.

use std::{fmt, str::FromStr};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{article::text_enum, taxonomy::Taxonomy};

/// Something that happened to published content, as receivers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    /// An article became public (for a scheduled or embargoed article: when its time came).
    #[serde(rename = "article.published")]
    ArticlePublished,
    /// A public article changed and is still public.
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    /// A public article was withdrawn: unpublished, archived, or put back under embargo.
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    /// A public article was deleted.
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "author.created")]
    AuthorCreated,
    #[serde(rename = "author.updated")]
    AuthorUpdated,
    #[serde(rename = "author.deleted")]
    AuthorDeleted,
    #[serde(rename = "tag.created")]
    TagCreated,
    #[serde(rename = "tag.updated")]
    TagUpdated,
    #[serde(rename = "tag.deleted")]
    TagDeleted,
    #[serde(rename = "section.created")]
    SectionCreated,
    #[serde(rename = "section.updated")]
    SectionUpdated,
    #[serde(rename = "section.deleted")]
    SectionDeleted,
    /// Public responses changed: purge these surrogate keys (the values of `Surrogate-Key`)
    /// from a CDN. Sent after every write that changed a public response, and when an article
    /// comes out by time (its scheduled publication or embargo lift).
    #[serde(rename = "cache.purge")]
    CachePurge,
}

text_enum!(EventType {
    ArticlePublished => "article.published",
    ArticleUpdated => "article.updated",
    ArticleUnpublished => "article.unpublished",
    ArticleDeleted => "article.deleted",
    AuthorCreated => "author.created",
    AuthorUpdated => "author.updated",
    AuthorDeleted => "author.deleted",
    TagCreated => "tag.created",
    TagUpdated => "tag.updated",
    TagDeleted => "tag.deleted",
    SectionCreated => "section.created",
    SectionUpdated => "section.updated",
    SectionDeleted => "section.deleted",
    CachePurge => "cache.purge",
});

/// What an event is about: an article, a section, author or tag, or cached responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Article,
    Taxonomy(Taxonomy),
    /// Public responses, named by their surrogate keys (the event carries them itself).
    Cache,
}

impl EventType {
    pub fn subject(self) -> Subject {
        use EventType::*;
        match self {
            ArticlePublished | ArticleUpdated | ArticleUnpublished | ArticleDeleted => {
                Subject::Article
            }
            AuthorCreated | AuthorUpdated | AuthorDeleted => Subject::Taxonomy(Taxonomy::Author),
            TagCreated | TagUpdated | TagDeleted => Subject::Taxonomy(Taxonomy::Tag),
            SectionCreated | SectionUpdated | SectionDeleted => {
                Subject::Taxonomy(Taxonomy::Section)
            }
            CachePurge => Subject::Cache,
        }
    }

    /// Whether the payload carries the thing as it now stands (else a notice: id and slug).
    pub fn carries_content(self) -> bool {
        !self.as_str().ends_with(".deleted") && self != EventType::ArticleUnpublished
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt, its time (embargo, schedule) or a retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retries ran out without a 2xx.
    Failed,
    /// Not sent: the content stopped being public before it could go out.
    Skipped,
}

text_enum!(DeliveryStatus {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
    Skipped => "skipped",
});

/// A subscription, as admins see it. The secret is shown only when it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One try at delivering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub attempt: i32,
    pub started_at: NaiveDateTime,
    pub duration_ms: i32,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i32>,
    /// Why the attempt failed, when it did (timeout, refused connection, non-2xx).
    pub error: Option<String>,
}

/// One event for one subscription, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event: EventType,
    pub subject_id: String,
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub attempts: Vec<Attempt>,
}
