//! The dispatcher: every `byline serve` runs one. It takes due deliveries from the outbox
//! under a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never take the same
//! delivery), sends each signed request with a timeout, and records the attempt. A delivery
//! whose dispatcher stopped mid-attempt is taken again by any instance once its lease runs out.
//! Requests go only to addresses the target policy allows (`resolver`), never through a proxy,
//! and redirects are not followed.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::{
    payload,
    resolver::{self, Hosts, VettingResolver},
    retry::RetryPolicy,
    signature,
};
use crate::{
    db::rows::WebhookAttemptRow,
    domain,
    service::{
        ContentService,
        deliveries::{Content, DueDelivery, Settled},
    },
};

/// How the dispatcher works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispatchSettings {
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// How often to look for due deliveries when there were none.
    pub poll_interval: Duration,
    /// Deliveries taken and sent at once.
    pub batch: i64,
    pub retry: RetryPolicy,
    /// How long finished deliveries stay on record for the admin API.
    pub keep_history: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            batch: 16,
            retry: RetryPolicy::default(),
            keep_history: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Time kept within a lease to record an answer after the request's timeout.
const SETTLE_ROOM: Duration = Duration::from_secs(2);

impl DispatchSettings {
    /// How long a taken delivery stays this dispatcher's: the timeout plus room to record
    /// the answer. Another instance takes it over only after that.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(5)
    }
}

/// What came of one HTTP request.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
}

impl Answer {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends one signed request (blocking; run on the blocking pool).
fn post(agent: &ureq::Agent, due: &DueDelivery, body: &[u8], timeout: Duration) -> Answer {
    let timestamp = chrono::Utc::now().timestamp();
    let result = agent
        .post(&due.url)
        .header("Content-Type", "application/json")
        .header(signature::DELIVERY_HEADER, &due.id)
        .header(signature::EVENT_HEADER, due.event.as_str())
        .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            signature::SIGNATURE_HEADER,
            signature::sign(&due.secret, timestamp, body),
        )
        .send(body);
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            Answer {
                status: Some(status),
                error: (!(200..300).contains(&status))
                    .then(|| format!("the receiver answered {status}")),
            }
        }
        Err(ureq::Error::Timeout(_)) => Answer {
            status: None,
            error: Some(format!(
                "no answer within {} ms (timed out)",
                timeout.as_millis()
            )),
        },
        Err(e) => Answer {
            status: None,
            // A refused target says why in its own words, not as an "io:" error.
            error: Some(resolver::refusal(&e).map_or_else(|| e.to_string(), |r| r.0.clone())),
        },
    }
}

/// Drains the outbox for one process.
pub struct Dispatcher {
    content: ContentService,
    settings: DispatchSettings,
    agent: ureq::Agent,
}

impl Dispatcher {
    /// A dispatcher sending to the targets `content`'s policy allows, found through DNS.
    pub fn new(content: ContentService, settings: DispatchSettings) -> Self {
        Self::with_hosts(content, settings, Hosts::default())
    }

    /// A dispatcher that answers the names in `hosts` from that table instead of DNS (the
    /// answers are vetted all the same).
    pub fn with_hosts(content: ContentService, settings: DispatchSettings, hosts: Hosts) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            // A receiver that moved must be re-registered: redirects are not followed (so
            // none can lead to an address the policy refuses).
            .max_redirects(0)
            // A proxy would resolve the target itself, out of the policy's sight.
            .proxy(None)
            .user_agent(concat!("Byline-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = VettingResolver::new(content.webhook_targets(), hosts);
        Dispatcher {
            content,
            settings,
            agent: ureq::Agent::with_parts(
                config,
                ureq::unversioned::transport::DefaultConnector::default(),
                resolver,
            ),
        }
    }

    /// Takes one batch of due deliveries and deals with each; returns how many it took.
    pub async fn run_once(&self) -> crate::error::AppResult<usize> {
        let token = domain::new_id();
        let lease = chrono::Duration::from_std(self.settings.lease()).unwrap_or_default();
        let claimed = Instant::now();
        let due = self
            .content
            .claim_deliveries(&token, domain::now() + lease, self.settings.batch)
            .await?;
        let taken = due.len();
        let work = due.into_iter().map(|d| self.deliver(d, &token, claimed));
        for result in futures_util::future::join_all(work).await {
            if let Err(e) = result {
                tracing::warn!(error = %e, "a webhook delivery could not be recorded");
            }
        }
        Ok(taken)
    }

    async fn deliver(
        &self,
        due: DueDelivery,
        token: &str,
        claimed: Instant,
    ) -> crate::error::AppResult<()> {
        let content = self.content.delivery_content(&due).await?;
        let settled = match content {
            Content::NotYet(at) => Settled::Postponed(at),
            Content::Gone(why) => Settled::Skipped(why),
            // A request that could outlast the lease might be sent again by another instance
            // meanwhile: hand the delivery back untried instead (a slow database, not the
            // receiver, took the time).
            _ if claimed.elapsed() + self.settings.timeout + SETTLE_ROOM
                > self.settings.lease() =>
            {
                Settled::Postponed(domain::now())
            }
            content => match payload::body(&due, content, self.content.rendition_urls()) {
                Some(body) => self.send(&due, body).await,
                None => Settled::Skipped("nothing to send".into()),
            },
        };
        let held = self.content.settle_delivery(&due, token, settled).await?;
        if !held {
            tracing::warn!(delivery = %due.id, "a webhook delivery outlived its lease");
        }
        Ok(())
    }

    async fn send(&self, due: &DueDelivery, body: Vec<u8>) -> Settled {
        let started_at = domain::now();
        let clock = Instant::now();
        let (agent, request, timeout) = (self.agent.clone(), due.clone(), self.settings.timeout);
        let answer =
            actix_web::rt::task::spawn_blocking(move || post(&agent, &request, &body, timeout))
                .await
                .unwrap_or_else(|e| Answer {
                    status: None,
                    error: Some(format!("the request could not be made: {e}")),
                });
        let attempt = WebhookAttemptRow {
            delivery_id: due.id.clone(),
            attempt: due.attempts + 1,
            started_at,
            duration_ms: i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX),
            response_status: answer.status.map(i32::from),
            error: answer.error.clone(),
        };
        if answer.succeeded() {
            tracing::debug!(delivery = %due.id, event = %due.event, "webhook delivered");
            return Settled::Delivered(attempt);
        }
        let retry = self.next_attempt(due, domain::now());
        tracing::info!(
            delivery = %due.id,
            error = answer.error.as_deref().unwrap_or(""),
            retry = ?retry,
            "webhook attempt failed"
        );
        Settled::Failed(attempt, retry)
    }

    fn next_attempt(&self, due: &DueDelivery, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let jitter: f64 = rand::random();
        self.settings
            .retry
            .next_attempt(due.attempts + 1, due.available_at, now, jitter)
    }
}

/// How often each dispatcher forgets delivery records older than `keep_history`.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Runs a dispatcher until it is stopped (see [`Dispatcher::spawn`]).
pub fn spawn_dispatcher(content: ContentService, settings: DispatchSettings) -> DispatcherHandle {
    Dispatcher::new(content, settings).spawn()
}

/// Stops a running dispatcher between batches, so no attempt is cut off unrecorded.
pub struct DispatcherHandle {
    stop: tokio::sync::watch::Sender<bool>,
    finished: tokio::sync::oneshot::Receiver<()>,
}

impl DispatcherHandle {
    /// Asks the dispatcher to stop and waits, at most `within`, for the batch in hand to be
    /// sent and recorded. Deliveries still leased when time runs out are retried after their
    /// lease, by this instance or another.
    pub async fn stop(self, within: Duration) {
        let _ = self.stop.send(true);
        if actix_web::rt::time::timeout(within, self.finished)
            .await
            .is_err()
        {
            tracing::warn!("webhook attempts were still running at shutdown");
        }
    }
}

impl Dispatcher {
    /// Runs this dispatcher until the handle stops it: a batch as soon as the last one was
    /// full, else one every poll interval.
    pub fn spawn(self) -> DispatcherHandle {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let (done, finished) = tokio::sync::oneshot::channel();
        actix_web::rt::spawn(async move {
            let settings = self.settings;
            let mut last_prune: Option<Instant> = None;
            while !*stopped.borrow() {
                if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                    last_prune = Some(Instant::now());
                    match self
                        .content
                        .prune_webhook_history(settings.keep_history)
                        .await
                    {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(events = n, "forgot old webhook deliveries"),
                        Err(e) => {
                            tracing::warn!(error = %e, "old webhook deliveries could not be pruned")
                        }
                    }
                }
                let full = match self.run_once().await {
                    Ok(taken) => taken as i64 >= settings.batch,
                    Err(e) => {
                        tracing::warn!(error = %e, "the webhook dispatcher could not run");
                        false
                    }
                };
                if !full {
                    let nap = Box::pin(actix_web::rt::time::sleep(settings.poll_interval));
                    futures_util::future::select(nap, Box::pin(stopped.changed())).await;
                }
            }
            let _ = done.send(());
        });
        DispatcherHandle { stop, finished }
    }
}
