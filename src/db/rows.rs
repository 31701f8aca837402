//! Row structs: exactly what a table holds, one struct per table, for reading and writing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    api_keys, article_assets, article_authors, article_slugs, article_tags, articles, assets,
    authors, revisions, sections, server_secrets, tags, tombstones, webhook_attempts,
    webhook_deliveries, webhook_events, webhooks,
};
use super::timestamps::{NullableTimestamp, Timestamp};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sections, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct SectionRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    #[diesel(deserialize_as = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Timestamp)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = authors, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct AuthorRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    /// JSON array of `{label, url}`.
    pub links: String,
    #[diesel(deserialize_as = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Timestamp)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tags, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct TagRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    #[diesel(deserialize_as = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Timestamp)]
    pub updated_at: NaiveDateTime,
}

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    serde::Serialize,
    serde::Deserialize,
)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct ArticleRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_format: String,
    pub body_source: String,
    pub body_html: String,
    pub body_text: String,
    pub section_id: Option<String>,
    pub status: String,
    #[diesel(deserialize_as = NullableTimestamp)]
    pub published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = NullableTimestamp)]
    pub first_published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = NullableTimestamp)]
    pub publish_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = NullableTimestamp)]
    pub embargo_until: Option<NaiveDateTime>,
    pub language: String,
    pub dateline: Option<String>,
    /// JSON `{url, alt, caption, credit}`.
    pub hero_image: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub version: i32,
    /// JSON array of `{note, corrected_at}`.
    pub corrections: String,
    #[diesel(deserialize_as = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Timestamp)]
    pub updated_at: NaiveDateTime,
    /// The API key that created the article (contributors may edit only their own drafts).
    pub created_by: Option<String>,
    /// When the public could first see the article; `None` while it never could. Set by the
    /// first change that finds it visible (time alone can make an article visible, but only a
    /// change can take it away).
    #[diesel(deserialize_as = NullableTimestamp)]
    pub public_since: Option<NaiveDateTime>,
    /// The body as a block document (`domain::blocks`), JSON; empty until the backfill
    /// after migration `2026-12-04-000011_body_blocks` has derived it.
    #[serde(default)]
    pub body_blocks: String,
}

impl ArticleRow {
    /// What the visibility rules read of this row.
    pub fn publication(&self) -> crate::domain::visibility::Publication<'_> {
        crate::domain::visibility::Publication {
            status: &self.status,
            published_at: self.published_at,
            embargo_until: self.embargo_until,
            public_since: self.public_since,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_authors, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct ArticleAuthorRow {
    pub article_id: String,
    pub author_id: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_tags, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct ArticleTagRow {
    pub article_id: String,
    pub tag_id: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revisions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct RevisionRow {
    pub id: String,
    pub article_id: String,
    pub version: i32,
    /// JSON snapshot of the article as saved.
    pub snapshot: String,
    pub actor: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub prefix: String,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_slugs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ArticleSlugRow {
    pub slug: String,
    pub article_id: String,
    pub retired_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tombstones, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TombstoneRow {
    pub article_id: String,
    pub slug: String,
    pub deleted_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = server_secrets, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ServerSecretRow {
    pub name: String,
    pub value: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    /// A JSON array of event names.
    pub events: String,
    pub secret: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WebhookEventRow {
    pub id: String,
    pub event: String,
    pub subject_id: String,
    pub subject_slug: String,
    pub occurred_at: NaiveDateTime,
    pub available_at: NaiveDateTime,
    /// JSON the event carries itself (a `cache.purge`'s keys); `None` for content events.
    pub data: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WebhookDeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_token: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WebhookAttemptRow {
    pub delivery_id: String,
    pub attempt: i32,
    pub started_at: NaiveDateTime,
    pub duration_ms: i32,
    pub response_status: Option<i32>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assets, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct AssetRow {
    pub id: String,
    /// SHA-256 of the original's bytes, lower-case hex: its key in the media store.
    pub content_hash: String,
    pub media_type: String,
    /// Upright (after the EXIF orientation).
    pub width: i32,
    pub height: i32,
    pub byte_size: i64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
    pub uploaded_by: Option<String>,
    #[diesel(deserialize_as = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Timestamp)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = article_assets)]
pub struct ArticleAssetRow {
    pub article_id: String,
    pub asset_id: String,
}
