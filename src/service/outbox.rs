//! The outbox: webhook events are written in the transaction of the change that caused them,
//! so a committed change always has its events and a rolled-back one never does. Each event
//! gets one delivery per active subscription that asked for it; the dispatcher
//! (`crate::webhooks`) sends them.
//!
//! Article events follow the visibility rule, never the raw status: `article.published` is
//! due when the public can first see the article (after a schedule or an embargo), an edit of
//! a draft says nothing, and a public article that stops being public is `unpublished`.
//!
//! Every change passes here in its transaction, so this is also where it notes which public
//! responses it affects ([`Invalidation`]), for the caches to evict once it has committed.

use chrono::NaiveDateTime;

use super::invalidation::Invalidation;
use crate::{
    db::{
        DbConnection, queries,
        rows::{ArticleRow, WebhookDeliveryRow, WebhookEventRow},
    },
    domain::{self, taxonomy::Taxonomy, webhook::EventType},
    error::{AppError, AppResult},
};

/// The event names a subscription row asked for.
pub fn subscribed_events(events_json: &str) -> AppResult<Vec<EventType>> {
    let names: Vec<String> = serde_json::from_str(events_json).map_err(AppError::internal)?;
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// The active subscriptions that asked for `event`.
pub(super) fn listeners(conn: &mut DbConnection, event: EventType) -> AppResult<Vec<String>> {
    let mut listeners = Vec::new();
    for hook in queries::webhooks::active(conn)? {
        if subscribed_events(&hook.events)?.contains(&event) {
            listeners.push(hook.id);
        }
    }
    Ok(listeners)
}

/// One pending delivery of `event` per subscription in `listeners`.
pub(super) fn deliveries(
    listeners: Vec<String>,
    event: &WebhookEventRow,
    now: NaiveDateTime,
) -> Vec<WebhookDeliveryRow> {
    listeners
        .into_iter()
        .map(|webhook_id| WebhookDeliveryRow {
            id: domain::new_id(),
            webhook_id,
            event_id: event.id.clone(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: event.available_at,
            lease_token: None,
            leased_until: None,
            created_at: now,
            finished_at: None,
            last_error: None,
        })
        .collect()
}

/// Queues `event` about `subject` for every active subscription that wants it, due at
/// `available_at`. Nothing is written when nobody listens.
pub fn record(
    conn: &mut DbConnection,
    event: EventType,
    subject_id: &str,
    subject_slug: &str,
    available_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<()> {
    let listeners = listeners(conn, event)?;
    if listeners.is_empty() {
        return Ok(());
    }
    let row = WebhookEventRow {
        id: domain::new_id(),
        event: event.as_str().to_owned(),
        subject_id: subject_id.to_owned(),
        subject_slug: subject_slug.to_owned(),
        occurred_at: available_at.max(now),
        available_at,
        data: None,
    };
    let deliveries = deliveries(listeners, &row, now);
    queries::webhooks::enqueue(conn, &row, &deliveries)?;
    Ok(())
}

/// Queues `event` due at once, for changes the public sees as soon as they commit.
pub fn record_now(
    conn: &mut DbConnection,
    event: EventType,
    subject_id: &str,
    subject_slug: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    record(conn, event, subject_id, subject_slug, now, now)
}

/// An announcement of publication not yet sent is replaced by a newer one (a new schedule or
/// embargo) or dropped (the article will not come out as planned).
fn supersede_publication(
    conn: &mut DbConnection,
    article_id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    queries::webhooks::supersede(
        conn,
        article_id,
        &[EventType::ArticlePublished.as_str()],
        now,
        "superseded: the article's publication changed before it went out",
    )?;
    Ok(())
}

fn public_from_row(row: &ArticleRow) -> Option<NaiveDateTime> {
    row.publication().public_from()
}

/// Queues the events of one article change and notes the responses it affects: `old` is the
/// row before (`None`: created), `new` the row after (`None`: deleted).
pub fn article_changed(
    conn: &mut DbConnection,
    changed: &mut Invalidation,
    old: Option<&ArticleRow>,
    new: Option<&ArticleRow>,
    now: NaiveDateTime,
) -> AppResult<()> {
    changed.article_changed(old, new, now);
    let Some(subject) = new.or(old) else {
        return Ok(());
    };
    let (id, slug) = (subject.id.as_str(), subject.slug.as_str());
    let was = old.and_then(public_from_row);
    let will = new.and_then(public_from_row);
    let was_public = was.is_some_and(|t| t <= now);
    match (was_public, new, will) {
        // Still public: an edit, a correction, a restored revision.
        (true, Some(_), Some(t)) if t <= now => {
            record_now(conn, EventType::ArticleUpdated, id, slug, now)
        }
        (true, None, _) => record_now(conn, EventType::ArticleDeleted, id, slug, now),
        // Withdrawn; if only put off (a new embargo or schedule), announced again then.
        (true, Some(_), later) => {
            record_now(conn, EventType::ArticleUnpublished, id, slug, now)?;
            if let Some(t) = later {
                supersede_publication(conn, id, now)?;
                record(conn, EventType::ArticlePublished, id, slug, t, now)?;
            }
            Ok(())
        }
        // Not public yet: announce it for when it will be, once per planned time.
        (false, Some(_), Some(t)) if was != Some(t) => {
            supersede_publication(conn, id, now)?;
            record(conn, EventType::ArticlePublished, id, slug, t.max(now), now)
        }
        (false, _, Some(_)) => Ok(()),
        (false, _, None) if was.is_some() => supersede_publication(conn, id, now),
        (false, _, None) => Ok(()),
    }
}

/// Queues the event of a section, author or tag change (`event` says which) and notes the
/// responses it affects.
pub fn term_changed(
    conn: &mut DbConnection,
    changed: &mut Invalidation,
    event: EventType,
    id: &str,
    slug: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    use EventType as E;
    match event {
        E::SectionCreated => changed.term_created(Taxonomy::Section),
        E::AuthorCreated => changed.term_created(Taxonomy::Author),
        E::TagCreated => changed.term_created(Taxonomy::Tag),
        E::SectionUpdated => changed.term_changed(Taxonomy::Section, id),
        E::AuthorUpdated => changed.term_changed(Taxonomy::Author, id),
        E::TagUpdated => changed.term_changed(Taxonomy::Tag, id),
        E::SectionDeleted => changed.term_deleted(Taxonomy::Section, id),
        E::AuthorDeleted => changed.term_deleted(Taxonomy::Author, id),
        E::TagDeleted => changed.term_deleted(Taxonomy::Tag, id),
        // Not a term event: whatever it is, every answer may show it.
        _ => changed.everything = true,
    }
    record_now(conn, event, id, slug, now)
}
