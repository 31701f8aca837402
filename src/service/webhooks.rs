//! Webhook subscriptions and their delivery records, for admins.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;

use super::{ContentService, outbox::subscribed_events, validate::Checks};
use crate::{
    auth::{Action, Caller},
    db::{
        queries::webhooks as queries,
        rows::{WebhookAttemptRow, WebhookDeliveryRow, WebhookEventRow, WebhookRow},
    },
    domain::{
        self,
        page::{Cursor, Page},
        webhook::{Attempt, Delivery, DeliveryStatus, EventType, Webhook},
        webhook_target::TargetPolicy,
    },
    error::{AppError, AppResult},
};

/// A new subscription.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed: an absolute http(s) URL, without credentials, to a public host
    /// (private addresses and internal names only if the operator allows them). It is stored
    /// as parsed, e.g. `https://Hooks.Example:443/in` as `https://hooks.example/in`.
    pub url: String,
    /// The events to receive, e.g. `["article.published", "article.deleted"]`.
    pub events: Vec<String>,
    /// The signing secret (16 to 256 characters); one is generated when absent. It is
    /// shown only in this response.
    pub secret: Option<String>,
    pub description: Option<String>,
    /// A paused subscription (`false`) gets no new events; queued ones wait for it (default: true).
    pub active: Option<bool>,
}

/// Fields to change; absent ones stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// A new target, under the same rules as at creation.
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// A new signing secret; deliveries from now on are signed with it.
    pub secret: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

/// Deliveries are listed newest first: their ids are UUID v7, in creation order.
const DELIVERY_ORDER: &str = "-delivery";

fn generated_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Most event names one subscription may list: far more than there are kinds of event.
const MAX_EVENTS_LISTED: usize = 64;

fn check_events(checks: &mut Checks, names: &[String]) -> Vec<EventType> {
    if names.is_empty() {
        checks.fail("events", "name at least one event");
    }
    // Each event once at most; a longer list would only repeat itself (or pile up errors).
    checks.list_len("events", names.len(), MAX_EVENTS_LISTED);
    if names.len() > MAX_EVENTS_LISTED {
        return Vec::new();
    }
    let mut events = Vec::new();
    for name in names {
        match name.parse::<EventType>() {
            Ok(event) if !events.contains(&event) => events.push(event),
            Ok(_) => {}
            Err(why) => checks.fail("events", &why),
        }
    }
    events
}

/// The URL to store and call: `raw` as parsed, if it is an http(s) URL to a host webhooks may
/// reach (public, or listed by the operator). Refusals are failures of `url`.
fn target_url(checks: &mut Checks, targets: &TargetPolicy, raw: &str) -> String {
    let raw = raw.trim();
    if !checks.url("url", raw) {
        return raw.to_owned();
    }
    match targets.check_url(raw) {
        Ok(url) => url.into(),
        Err(why) => {
            checks.fail("url", &why);
            raw.to_owned()
        }
    }
}

fn check_secret(checks: &mut Checks, secret: &str) {
    let len = secret.chars().count();
    if !(16..=256).contains(&len) || secret.chars().any(char::is_whitespace) {
        checks.fail(
            "secret",
            "must be 16 to 256 characters without spaces (or leave it out to have one generated)",
        );
    }
}

fn events_json(events: &[EventType]) -> AppResult<String> {
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    serde_json::to_string(&names).map_err(AppError::internal)
}

fn webhook(row: WebhookRow) -> AppResult<Webhook> {
    Ok(Webhook {
        events: subscribed_events(&row.events)?,
        id: row.id,
        url: row.url,
        description: row.description,
        active: row.active,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn delivery(
    row: WebhookDeliveryRow,
    event: WebhookEventRow,
    attempts: Vec<WebhookAttemptRow>,
) -> AppResult<Delivery> {
    let status: DeliveryStatus = row.status.parse().map_err(AppError::internal)?;
    Ok(Delivery {
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
        status,
        event: event.event.parse().map_err(AppError::internal)?,
        subject_id: event.subject_id,
        id: row.id,
        webhook_id: row.webhook_id,
        event_id: row.event_id,
        created_at: row.created_at,
        finished_at: row.finished_at,
        last_error: row.last_error,
        attempts: attempts
            .into_iter()
            .map(|a| Attempt {
                attempt: a.attempt,
                started_at: a.started_at,
                duration_ms: a.duration_ms,
                response_status: a.response_status,
                error: a.error,
            })
            .collect(),
    })
}

fn not_found(id: &str) -> AppError {
    AppError::not_found(format!("no webhook has the id `{id}`"))
}

/// The id, if it could name a subscription: anything but a UUID (say, a NUL byte that
/// PostgreSQL rejects) cannot, so it is not looked up.
fn subscription_id(id: &str) -> AppResult<String> {
    crate::domain::parse_id(id)
        .map(|_| id.to_owned())
        .map_err(|_| not_found(id))
}

impl ContentService {
    /// Adds a subscription; returns it with its signing secret (shown only now).
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        new: NewWebhook,
    ) -> AppResult<(Webhook, String)> {
        caller.require(Action::ManageWebhooks)?;
        let mut checks = Checks::default();
        let url = target_url(&mut checks, &self.webhook_targets, &new.url);
        let events = check_events(&mut checks, &new.events);
        if let Some(secret) = &new.secret {
            check_secret(&mut checks, secret);
        }
        checks.optional_text("description", new.description.as_deref(), 500);
        checks.finish()?;
        let now = domain::now();
        let secret = new.secret.unwrap_or_else(generated_secret);
        let row = WebhookRow {
            id: domain::new_id(),
            url,
            events: events_json(&events)?,
            secret: secret.clone(),
            description: new.description,
            active: new.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        self.db
            .write(move |conn| {
                queries::insert(conn, &row)?;
                Ok((webhook(row)?, secret))
            })
            .await
    }

    pub async fn webhooks(&self, caller: &Caller) -> AppResult<Vec<Webhook>> {
        caller.require(Action::ManageWebhooks)?;
        self.db
            .read(|conn| queries::all(conn)?.into_iter().map(webhook).collect())
            .await
    }

    pub async fn webhook(&self, caller: &Caller, id: &str) -> AppResult<Webhook> {
        caller.require(Action::ManageWebhooks)?;
        let id = subscription_id(id)?;
        self.db
            .read(move |conn| webhook(queries::find(conn, &id)?.ok_or_else(|| not_found(&id))?))
            .await
    }

    pub async fn update_webhook(
        &self,
        caller: &Caller,
        id: &str,
        patch: WebhookPatch,
    ) -> AppResult<Webhook> {
        caller.require(Action::ManageWebhooks)?;
        let mut checks = Checks::default();
        let url = patch
            .url
            .as_deref()
            .map(|url| target_url(&mut checks, &self.webhook_targets, url));
        let events = patch
            .events
            .as_deref()
            .map(|e| check_events(&mut checks, e));
        if let Some(secret) = &patch.secret {
            check_secret(&mut checks, secret);
        }
        checks.optional_text("description", patch.description.as_deref(), 500);
        checks.finish()?;
        let events = events.map(|e| events_json(&e)).transpose()?;
        let id = subscription_id(id)?;
        self.db
            .write(move |conn| {
                let mut row = queries::find(conn, &id)?.ok_or_else(|| not_found(&id))?;
                row.url = url.unwrap_or(row.url);
                row.events = events.unwrap_or(row.events);
                row.secret = patch.secret.unwrap_or(row.secret);
                row.description = patch.description.or(row.description);
                row.active = patch.active.unwrap_or(row.active);
                row.updated_at = domain::now();
                queries::update(conn, &row)?;
                webhook(row)
            })
            .await
    }

    /// Removes a subscription with its delivery records.
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> AppResult<()> {
        caller.require(Action::ManageWebhooks)?;
        let id = subscription_id(id)?;
        self.db
            .write(move |conn| match queries::delete(conn, &id)? {
                0 => Err(not_found(&id)),
                _ => Ok(()),
            })
            .await
    }

    /// A subscription's deliveries, newest first, each with every attempt.
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<Delivery>> {
        self.webhook(caller, id).await?;
        let before = Cursor::decode(cursor, DELIVERY_ORDER)?.map(|c| c.id);
        let id = id.to_owned();
        self.db
            .read(move |conn| {
                let rows =
                    queries::deliveries_of(conn, &id, before.as_deref(), i64::from(limit) + 1)?;
                let page = Page::from_overfetch(rows, limit, |(d, _)| Cursor {
                    sort: DELIVERY_ORDER.into(),
                    key: String::new(),
                    id: d.id.clone(),
                });
                let ids: Vec<String> = page.items.iter().map(|(d, _)| d.id.clone()).collect();
                let attempts = queries::attempts_of(conn, &ids)?;
                page.try_map_all(|rows| {
                    rows.into_iter()
                        .map(|(row, event)| {
                            let mine = attempts
                                .iter()
                                .filter(|a| a.delivery_id == row.id)
                                .cloned()
                                .collect();
                            delivery(row, event, mine)
                        })
                        .collect()
                })
            })
            .await
    }
}
