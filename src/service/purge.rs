//! `cache.purge` webhooks, so a CDN in front of Byline can hold public responses long and
//! purge exactly: the surrogate keys a change affected, as `Surrogate-Key` names them.
//!
//! A write's purge is queued in the write's transaction (durable once it returned, gone with
//! a rollback), from the same [`Invalidation`] the response cache evicts by. The purge of an
//! article that time brings out (a scheduled publication, an embargo lift) is queued by the
//! visibility clock at that moment; every `byline serve` on a database runs a clock, so that
//! event's id is made of the article and the moment, and the second insert of it does nothing.
//!
//! The invalidation names only articles the public sees or saw (drafts and articles held for
//! later evict nothing), so neither kind of purge reveals an article that was never public.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::{ContentService, invalidation::Invalidation, outbox};
use crate::{
    db::{
        DbConnection,
        queries::{self, visibility::Release},
        rows::WebhookEventRow,
    },
    domain::{
        self,
        purge::{Purge, PurgeReason},
        webhook::EventType,
    },
    error::{AppError, AppResult},
};

/// Queues the purge of what a write changed (in its transaction), unless it changed no public
/// response or nobody subscribed.
pub fn queue_for_write(conn: &mut DbConnection, changed: &Invalidation) -> AppResult<()> {
    if changed.keys.is_empty() && !changed.everything {
        return Ok(());
    }
    let now = domain::now();
    let purge = Purge {
        keys: changed.keys.iter().cloned().collect(),
        everything: changed.everything,
        reason: PurgeReason::Write,
    };
    // A write may touch several things: the keys say what, not a subject.
    queue(conn, domain::new_id(), "", &purge, now, now)?;
    Ok(())
}

/// When `release` came out by time within `from..=to`, and how; `None` if it did not, or if a
/// write at or after that moment (which queued its own purge, the article being public then)
/// has been made since.
pub fn came_out_by_time(
    release: &Release,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Option<(NaiveDateTime, PurgeReason)> {
    let at = release.publication().public_from()?;
    if at < from || at > to || release.updated_at >= at {
        return None;
    }
    let reason = match release.embargo_until {
        Some(lift) if lift == at => PurgeReason::EmbargoLift,
        _ => PurgeReason::ScheduledPublication,
    };
    Some((at, reason))
}

/// The id of the purge for article `id` coming out at `at`: the same on every instance. It is
/// shaped like the other event ids (UUID v7, at the moment's millisecond) so it sorts with them.
pub fn release_event_id(id: &str, at: NaiveDateTime) -> String {
    let digest = Sha256::new()
        .chain_update(b"cache.purge\0")
        .chain_update(id.as_bytes())
        .chain_update(b"\0")
        .chain_update(at.and_utc().timestamp_micros().to_be_bytes())
        .finalize();
    let mut rest = [0u8; 10];
    rest.copy_from_slice(&digest[..10]);
    let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &rest)
        .into_uuid()
        .to_string()
}

/// Queues the purge of an article that came out at `at`, once however many clocks ask;
/// returns whether this call queued it.
pub fn queue_for_release(
    conn: &mut DbConnection,
    article_id: &str,
    at: NaiveDateTime,
    reason: PurgeReason,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let mut changed = Invalidation::default();
    changed.article_came_out(article_id);
    let purge = Purge {
        keys: changed.keys.into_iter().collect(),
        everything: false,
        reason,
    };
    let id = release_event_id(article_id, at);
    queue(conn, id, article_id, &purge, at, now)
}

/// Writes the event and a delivery per subscriber, unless nobody subscribed or an event with
/// this id exists; returns whether it wrote.
fn queue(
    conn: &mut DbConnection,
    id: String,
    subject_id: &str,
    purge: &Purge,
    occurred_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let listeners = outbox::listeners(conn, EventType::CachePurge)?;
    if listeners.is_empty() {
        return Ok(false);
    }
    let row = WebhookEventRow {
        id,
        event: EventType::CachePurge.as_str().to_owned(),
        subject_id: subject_id.to_owned(),
        subject_slug: String::new(),
        occurred_at,
        available_at: now,
        data: Some(serde_json::to_string(purge).map_err(AppError::internal)?),
    };
    let deliveries = outbox::deliveries(listeners, &row, now);
    Ok(queries::webhooks::enqueue_once(conn, &row, &deliveries)?)
}

impl ContentService {
    /// Queues the purges of the articles in `releases` that came out by time within
    /// `from..=to`; returns how many this instance queued (another may have queued the rest).
    pub async fn queue_release_purges(
        &self,
        releases: &[Release],
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> AppResult<usize> {
        let due: Vec<(String, NaiveDateTime, PurgeReason)> = releases
            .iter()
            .filter_map(|r| came_out_by_time(r, from, to).map(|(at, why)| (r.id.clone(), at, why)))
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        self.db()
            .write(move |conn| {
                let now = domain::now();
                let mut queued = 0;
                for (id, at, reason) in &due {
                    queued += usize::from(queue_for_release(conn, id, *at, *reason, now)?);
                }
                Ok(queued)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn release(published_at: NaiveDateTime, embargo: Option<NaiveDateTime>) -> Release {
        Release {
            id: domain::new_id(),
            status: "scheduled".into(),
            published_at: Some(published_at),
            embargo_until: embargo,
            updated_at: published_at - Duration::hours(1),
        }
    }

    #[test]
    fn an_article_comes_out_by_time_at_its_later_moment() {
        let t = domain::now();
        let (from, to) = (t - Duration::seconds(1), t + Duration::seconds(1));
        assert_eq!(
            came_out_by_time(&release(t, None), from, to),
            Some((t, PurgeReason::ScheduledPublication))
        );
        let lifted = release(t - Duration::hours(2), Some(t));
        assert_eq!(
            came_out_by_time(&lifted, from, to),
            Some((t, PurgeReason::EmbargoLift))
        );
        // Published in the window but still under embargo: not out, nothing to purge.
        let held = release(t, Some(t + Duration::hours(1)));
        assert_eq!(came_out_by_time(&held, from, to), None);
        // A draft never comes out.
        let draft = Release {
            status: "draft".into(),
            ..release(t, None)
        };
        assert_eq!(came_out_by_time(&draft, from, to), None);
        // Published by a write at its very moment: that write queued the purge.
        let written = Release {
            updated_at: t,
            ..release(t, None)
        };
        assert_eq!(came_out_by_time(&written, from, to), None);
    }

    #[test]
    fn a_release_has_one_id_per_article_and_moment() {
        let (a, b) = (domain::new_id(), domain::new_id());
        let t = domain::now();
        assert_eq!(release_event_id(&a, t), release_event_id(&a, t));
        assert_ne!(release_event_id(&a, t), release_event_id(&b, t));
        assert_ne!(
            release_event_id(&a, t),
            release_event_id(&a, t + Duration::microseconds(1))
        );
        let id = uuid::Uuid::parse_str(&release_event_id(&a, t)).expect("a UUID");
        assert_eq!(id.get_version_num(), 7);
    }
}
