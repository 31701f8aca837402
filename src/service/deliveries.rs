//! What the webhook dispatcher asks of the database: take due deliveries, find what each
//! should carry as the content stands now, and record how it went.

use chrono::NaiveDateTime;
use prometheus_client::metrics::{counter::Counter, family::Family};

use super::{ContentService, audience::Audience};
use crate::{
    db::{
        queries::{self, visibility::Scope, webhooks as queries_webhooks},
        rows::WebhookAttemptRow,
    },
    domain::{
        self, Key, Relations,
        article::{Article, Author, Section, Tag},
        purge::Purge,
        taxonomy::Taxonomy,
        webhook::{EventType, Subject},
    },
    error::{AppError, AppResult, ErrorKind},
};

/// A delivery a dispatcher holds, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    /// Attempts made so far.
    pub attempts: i32,
    pub event: EventType,
    pub event_id: String,
    pub subject_id: String,
    pub subject_slug: String,
    pub occurred_at: NaiveDateTime,
    /// JSON the event carries itself (a `cache.purge`'s keys).
    pub data: Option<String>,
    /// When the event first became due; retries stop a fixed time after it.
    pub available_at: NaiveDateTime,
    pub url: String,
    pub secret: String,
}

/// What a delivery carries, decided when it is sent so that it never carries content that
/// has stopped being public since the event.
#[derive(Debug)]
pub enum Content {
    Article(Box<Article>),
    Author(Author),
    Tag(Tag),
    Section(Section),
    /// Only the id and slug: the thing was withdrawn or deleted.
    Notice,
    /// Surrogate keys to purge, as queued with the event: they name only what was public.
    Purge(Purge),
    /// The article is not public yet (a new embargo or schedule): try again then.
    NotYet(NaiveDateTime),
    /// Nothing to send any more; why.
    Gone(String),
}

/// How a delivery ended up after a dispatcher dealt with it.
#[derive(Debug)]
pub enum Settled {
    /// Sent and answered 2xx.
    Delivered(WebhookAttemptRow),
    /// Sent and failed; tried again at the time given, or never (retries ran out).
    Failed(WebhookAttemptRow, Option<NaiveDateTime>),
    /// Not sent: wait until this time (the content is not public yet).
    Postponed(NaiveDateTime),
    /// Not sent and never will be; why.
    Skipped(String),
}

/// How the deliveries this process settled went, for `/metrics`; clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct DeliveryTally {
    outcomes: Family<[(&'static str, &'static str); 1], Counter>,
}

impl DeliveryTally {
    fn counter(&self, settled: &Settled) -> Counter {
        let outcome = match settled {
            Settled::Delivered(_) => "delivered",
            // Sent and failed; to be tried again.
            Settled::Failed(_, Some(_)) => "retrying",
            // Sent and failed for the last time.
            Settled::Failed(_, None) => "failed",
            Settled::Postponed(_) => "postponed",
            Settled::Skipped(_) => "skipped",
        };
        self.outcomes.get_or_create_owned(&[("outcome", outcome)])
    }

    /// The counts by outcome.
    pub fn outcomes(&self) -> &Family<[(&'static str, &'static str); 1], Counter> {
        &self.outcomes
    }
}

/// The outbox as it stands: every instance sees the same numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookQueue {
    /// Deliveries waiting to be sent (including ones due later and paused subscriptions').
    pub pending: i64,
    /// Pending deliveries whose time has come.
    pub due: i64,
}

/// Passes "not found" on as `Ok` (the thing is gone, which the caller handles); any other
/// failure stays an error.
fn not_found_is_ok(e: AppError) -> AppResult<()> {
    if e.kind == ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

impl ContentService {
    /// Takes up to `limit` due deliveries for the dispatcher identified by `token`, until
    /// `lease_until`; another dispatcher takes them over if this one stops.
    pub async fn claim_deliveries(
        &self,
        token: &str,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> AppResult<Vec<DueDelivery>> {
        let token = token.to_owned();
        self.db
            .write(move |conn| {
                let now = domain::now();
                let claimed = queries_webhooks::claim(conn, &token, now, lease_until, limit)?;
                claimed
                    .into_iter()
                    .map(|(delivery, event, hook)| {
                        Ok(DueDelivery {
                            id: delivery.id,
                            attempts: delivery.attempts,
                            event: event.event.parse().map_err(AppError::internal)?,
                            event_id: event.id,
                            subject_id: event.subject_id,
                            subject_slug: event.subject_slug,
                            occurred_at: event.occurred_at,
                            data: event.data,
                            available_at: event.available_at,
                            url: hook.url,
                            secret: hook.secret,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// What a delivery should carry now, through the public read paths only.
    pub async fn delivery_content(&self, due: &DueDelivery) -> AppResult<Content> {
        if !due.event.carries_content() {
            return Ok(Content::Notice);
        }
        let key = Key::Id(due.subject_id.clone());
        let gone = |what: &str| Content::Gone(format!("the {what} no longer exists"));
        Ok(match due.event.subject() {
            Subject::Article => match self.article(&Audience::Public, key, Relations::Load).await {
                Ok(found) => Content::Article(Box::new(found.into_article())),
                Err(e) if e.kind == ErrorKind::Gone => self.article_not_public(due).await?,
                Err(e) => {
                    not_found_is_ok(e)?;
                    self.article_not_public(due).await?
                }
            },
            Subject::Taxonomy(taxonomy) => {
                let found = match taxonomy {
                    Taxonomy::Author => self.author(key).await.map(Content::Author),
                    Taxonomy::Tag => self.tag(key).await.map(Content::Tag),
                    Taxonomy::Section => self.section(key).await.map(Content::Section),
                };
                match found {
                    Ok(content) => content,
                    Err(e) => not_found_is_ok(e).map(|()| gone(taxonomy.singular()))?,
                }
            }
            // Queued with its keys, which name only what was public: nothing to read again.
            Subject::Cache => match serde_json::from_str(due.data.as_deref().unwrap_or_default()) {
                Ok(purge) => Content::Purge(purge),
                Err(e) => Content::Gone(format!("the purge's keys cannot be read: {e}")),
            },
        })
    }

    /// A publication announced for an article that is not public (yet): wait for its new
    /// time if it has one; anything else is no longer news.
    async fn article_not_public(&self, due: &DueDelivery) -> AppResult<Content> {
        let id = due.subject_id.clone();
        let row = self
            .db
            .read(move |conn| Ok(queries::articles::find_by_id(conn, &Scope::Any, &id)?))
            .await?;
        let now = domain::now();
        let later = row
            .and_then(|r| r.publication().public_from())
            .filter(|t| *t > now);
        Ok(match later {
            Some(t) if due.event == EventType::ArticlePublished => Content::NotYet(t),
            _ => Content::Gone("the article is no longer public".into()),
        })
    }

    /// Records how a delivery went and releases it; `false` when this dispatcher no longer
    /// held it (its lease ran out and another took over), in which case nothing is recorded.
    pub async fn settle_delivery(
        &self,
        due: &DueDelivery,
        token: &str,
        settled: Settled,
    ) -> AppResult<bool> {
        let (id, token, attempts) = (due.id.clone(), token.to_owned(), due.attempts);
        let counter = self.deliveries.counter(&settled);
        self.db
            .write(move |conn| {
                let now = domain::now();
                let (outcome, attempt) = match settled {
                    Settled::Delivered(attempt) => (
                        queries_webhooks::Outcome {
                            status: "delivered",
                            attempts: attempts + 1,
                            next_attempt_at: now,
                            finished_at: Some(now),
                            last_error: None,
                        },
                        Some(attempt),
                    ),
                    Settled::Failed(attempt, retry) => (
                        queries_webhooks::Outcome {
                            status: if retry.is_some() { "pending" } else { "failed" },
                            attempts: attempts + 1,
                            next_attempt_at: retry.unwrap_or(now),
                            finished_at: retry.is_none().then_some(now),
                            last_error: attempt.error.clone(),
                        },
                        Some(attempt),
                    ),
                    Settled::Postponed(at) => (
                        queries_webhooks::Outcome {
                            status: "pending",
                            attempts,
                            next_attempt_at: at,
                            finished_at: None,
                            last_error: None,
                        },
                        None,
                    ),
                    Settled::Skipped(why) => (
                        queries_webhooks::Outcome {
                            status: "skipped",
                            attempts,
                            next_attempt_at: now,
                            finished_at: Some(now),
                            last_error: Some(why),
                        },
                        None,
                    ),
                };
                if !queries_webhooks::finish(conn, &id, &token, outcome)? {
                    return Ok(false);
                }
                if let Some(attempt) = attempt {
                    queries_webhooks::record_attempt(conn, &attempt)?;
                }
                counter.inc();
                Ok(true)
            })
            .await
    }

    /// How many deliveries wait in the outbox.
    pub async fn webhook_queue(&self) -> AppResult<WebhookQueue> {
        self.db
            .read(|conn| {
                let (pending, due) = queries_webhooks::pending_counts(conn, domain::now())?;
                Ok(WebhookQueue { pending, due })
            })
            .await
    }

    /// What this process's dispatcher made of the deliveries it settled.
    pub fn delivery_tally(&self) -> &DeliveryTally {
        &self.deliveries
    }

    /// Forgets events older than `keep` whose deliveries are all finished, with their
    /// delivery records, so the outbox does not grow without end.
    pub async fn prune_webhook_history(&self, keep: std::time::Duration) -> AppResult<usize> {
        let keep = chrono::Duration::from_std(keep).map_err(AppError::internal)?;
        self.db
            .write(move |conn| Ok(queries_webhooks::prune(conn, domain::now() - keep)?))
            .await
    }
}
