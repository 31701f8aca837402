//! Webhook subscriptions, the outbox, deliveries and attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection,
    rows::{WebhookAttemptRow, WebhookDeliveryRow, WebhookEventRow, WebhookRow},
    schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks},
};

const PENDING: &str = "pending";

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, row: &WebhookRow) -> QueryResult<usize> {
    diesel::update(webhooks::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find(id)).execute(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// Every subscription, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .order(webhooks::id.asc())
        .select(WebhookRow::as_select())
        .load(conn)
}

pub fn active(conn: &mut DbConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Writes an event and its deliveries (in the caller's transaction).
pub fn enqueue(
    conn: &mut DbConnection,
    event: &WebhookEventRow,
    deliveries: &[WebhookDeliveryRow],
) -> QueryResult<()> {
    diesel::insert_into(webhook_events::table)
        .values(event)
        .execute(conn)?;
    super::insert_rows!(conn, webhook_deliveries::table, deliveries)?;
    Ok(())
}

/// Writes an event and its deliveries unless an event with its id exists already (another
/// instance queued the same one); returns whether it did. On PostgreSQL a concurrent insert of
/// the same id waits for the other transaction and then does nothing.
pub fn enqueue_once(
    conn: &mut DbConnection,
    event: &WebhookEventRow,
    deliveries: &[WebhookDeliveryRow],
) -> QueryResult<bool> {
    let insert = diesel::insert_into(webhook_events::table)
        .values(event)
        .on_conflict(webhook_events::id)
        .do_nothing();
    let inserted = match conn {
        DbConnection::Pg(c) => insert.execute(c)?,
        DbConnection::Sqlite(c) => insert.execute(c)?,
    };
    if inserted == 0 {
        return Ok(false);
    }
    super::insert_rows!(conn, webhook_deliveries::table, deliveries)?;
    Ok(true)
}

/// Marks the not yet sent deliveries of earlier events of these kinds about `subject_id` as
/// skipped: a newer event replaces them. Deliveries in flight (leased) finish as they are.
pub fn supersede(
    conn: &mut DbConnection,
    subject_id: &str,
    events: &[&str],
    now: NaiveDateTime,
    why: &str,
) -> QueryResult<usize> {
    let earlier = webhook_events::table
        .filter(webhook_events::subject_id.eq(subject_id))
        .filter(webhook_events::event.eq_any(events))
        .select(webhook_events::id);
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(PENDING))
            .filter(webhook_deliveries::event_id.eq_any(earlier))
            .filter(
                webhook_deliveries::leased_until
                    .is_null()
                    .or(webhook_deliveries::leased_until.lt(now)),
            ),
    )
    .set((
        webhook_deliveries::status.eq("skipped"),
        webhook_deliveries::finished_at.eq(Some(now)),
        webhook_deliveries::last_error.eq(Some(why)),
    ))
    .execute(conn)
}

/// A delivery a dispatcher has taken, with what it needs to send it.
pub type Claimed = (WebhookDeliveryRow, WebhookEventRow, WebhookRow);

/// Ids of due deliveries of active subscriptions that nobody holds, locked on PostgreSQL so
/// that concurrent dispatchers skip each other's picks instead of waiting (SQLite has one
/// writer at a time anyway). A paused subscription's deliveries wait until it is resumed.
fn due_ids(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    let active = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(webhooks::id);
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .filter(webhook_deliveries::webhook_id.eq_any(active))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::leased_until
                .is_null()
                .or(webhook_deliveries::leased_until.lt(now)),
        )
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(webhook_deliveries::id);
    match conn {
        DbConnection::Pg(c) => due.for_update().skip_locked().load(c),
        DbConnection::Sqlite(c) => due.load(c),
    }
}

/// Takes up to `limit` due deliveries for the dispatcher holding `token` until `until`.
/// Deliveries whose earlier lease expired (their dispatcher stopped mid-attempt) get that
/// attempt recorded as interrupted.
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let ids = due_ids(conn, now, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let abandoned: Vec<WebhookDeliveryRow> = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq_any(&ids))
        .filter(webhook_deliveries::leased_until.is_not_null())
        .select(WebhookDeliveryRow::as_select())
        .load(conn)?;
    for row in &abandoned {
        record_attempt(
            conn,
            &WebhookAttemptRow {
                delivery_id: row.id.clone(),
                attempt: row.attempts + 1,
                started_at: row.leased_until.unwrap_or(now),
                duration_ms: 0,
                response_status: None,
                error: Some(
                    "interrupted: the dispatcher holding this delivery stopped before it recorded an answer"
                        .into(),
                ),
            },
        )?;
        diesel::update(webhook_deliveries::table.find(&row.id))
            .set(webhook_deliveries::attempts.eq(row.attempts + 1))
            .execute(conn)?;
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set((
            webhook_deliveries::lease_token.eq(Some(token)),
            webhook_deliveries::leased_until.eq(Some(until)),
        ))
        .execute(conn)?;
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .filter(webhook_deliveries::lease_token.eq(token))
        .select((
            WebhookDeliveryRow::as_select(),
            WebhookEventRow::as_select(),
            WebhookRow::as_select(),
        ))
        .load(conn)
}

pub fn record_attempt(conn: &mut DbConnection, row: &WebhookAttemptRow) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// What becomes of a delivery after the dispatcher dealt with it.
pub struct Outcome<'a> {
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Saves the outcome and releases the lease, if `token` still holds it; returns whether it did.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    token: &str,
    outcome: Outcome<'_>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::lease_token.eq(token)),
    )
    .set((
        webhook_deliveries::status.eq(outcome.status),
        webhook_deliveries::attempts.eq(outcome.attempts),
        webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at),
        webhook_deliveries::finished_at.eq(outcome.finished_at),
        webhook_deliveries::last_error.eq(outcome.last_error),
        webhook_deliveries::lease_token.eq(None::<String>),
        webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A subscription's deliveries, newest first, after the delivery `before` (a cursor).
pub fn deliveries_of(
    conn: &mut DbConnection,
    webhook_id: &str,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(WebhookDeliveryRow, WebhookEventRow)>> {
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    query
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((
            WebhookDeliveryRow::as_select(),
            WebhookEventRow::as_select(),
        ))
        .load(conn)
}

/// Every attempt of these deliveries, in order.
pub fn attempts_of(
    conn: &mut DbConnection,
    delivery_ids: &[String],
) -> QueryResult<Vec<WebhookAttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(WebhookAttemptRow::as_select())
        .load(conn)
}

/// Deletes events that happened before `before` and have nothing left to deliver, with their
/// deliveries and attempts; returns how many events went.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let unfinished = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .select(webhook_deliveries::event_id);
    diesel::delete(
        webhook_events::table
            .filter(webhook_events::occurred_at.lt(before))
            .filter(webhook_events::id.ne_all(unfinished)),
    )
    .execute(conn)
}

/// Deliveries waiting to be sent, and how many of them are due by `now`; both counts read
/// the partial index on pending deliveries.
pub fn pending_counts(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<(i64, i64)> {
    let pending = webhook_deliveries::table.filter(webhook_deliveries::status.eq(PENDING));
    let all = pending.count().get_result(conn)?;
    let due = pending
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .count()
        .get_result(conn)?;
    Ok((all, due))
}
