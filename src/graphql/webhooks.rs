//! Webhook subscriptions over GraphQL, for admin keys: the same service calls as
//! `/admin/v1/webhooks`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    errors::GqlResultExt,
    mutation::{caller, content},
};
use crate::{
    domain::{
        page::MAX_LIMIT,
        webhook::{Attempt, Delivery, Webhook},
    },
    service::webhooks::{NewWebhook, WebhookPatch},
};

/// A webhook subscription. Its secret is shown only by `createWebhook`.
pub struct WebhookNode(Webhook);

#[Object(name = "Webhook")]
impl WebhookNode {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Where events are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Event names, e.g. `article.published`.
    async fn events(&self) -> Vec<&'static str> {
        self.0.events.iter().map(|e| e.as_str()).collect()
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn active(&self) -> bool {
        self.0.active
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }

    /// Deliveries, newest first, each with every attempt.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryPage> {
        let limit = u32::try_from(first).unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
        let page = content(ctx)
            .webhook_deliveries(caller(ctx)?, &self.0.id, after.as_deref(), limit)
            .await
            .gql_args()?;
        Ok(WebhookDeliveryPage {
            end_cursor: page.next_cursor(),
            has_next_page: page.has_more,
            nodes: page.items.into_iter().map(WebhookDelivery::from).collect(),
        })
    }
}

/// A page of deliveries.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPage {
    nodes: Vec<WebhookDelivery>,
    /// Pass as `after` for the next page.
    end_cursor: Option<String>,
    has_next_page: bool,
}

/// One event for one subscription.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    /// Sent as `Byline-Delivery`.
    id: ID,
    event_id: ID,
    event: String,
    /// The article, author, tag or section the event is about; for `cache.purge`, the article
    /// that came out by time, or empty after a write (its keys say what changed).
    subject_id: ID,
    /// pending, delivered, failed or skipped.
    status: String,
    next_attempt_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    attempts: Vec<WebhookAttempt>,
}

/// One try at delivering.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    attempt: i32,
    started_at: DateTime<Utc>,
    duration_ms: i32,
    response_status: Option<i32>,
    error: Option<String>,
}

impl From<Attempt> for WebhookAttempt {
    fn from(a: Attempt) -> Self {
        WebhookAttempt {
            attempt: a.attempt,
            started_at: a.started_at.and_utc(),
            duration_ms: a.duration_ms,
            response_status: a.response_status,
            error: a.error,
        }
    }
}

impl From<Delivery> for WebhookDelivery {
    fn from(d: Delivery) -> Self {
        WebhookDelivery {
            id: ID(d.id),
            event_id: ID(d.event_id),
            event: d.event.as_str().to_owned(),
            subject_id: ID(d.subject_id),
            status: d.status.as_str().to_owned(),
            next_attempt_at: d.next_attempt_at.map(|t| t.and_utc()),
            created_at: d.created_at.and_utc(),
            finished_at: d.finished_at.map(|t| t.and_utc()),
            last_error: d.last_error,
            attempts: d.attempts.into_iter().map(WebhookAttempt::from).collect(),
        }
    }
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Webhook subscriptions (admin keys).
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookNode>> {
        let hooks = content(ctx).webhooks(caller(ctx)?).await.gql()?;
        Ok(hooks.into_iter().map(WebhookNode).collect())
    }

    /// One webhook subscription (admin keys).
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<WebhookNode> {
        Ok(WebhookNode(
            content(ctx).webhook(caller(ctx)?, &id).await.gql()?,
        ))
    }
}

/// A new subscription.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// An absolute http(s) URL, without credentials, to a public host (private addresses and
    /// internal names only if the operator allows them); stored as parsed.
    url: String,
    /// Event names, e.g. `["article.published", "article.deleted"]` or `["cache.purge"]`.
    events: Vec<String>,
    /// 16 to 256 characters; generated when absent.
    secret: Option<String>,
    description: Option<String>,
    active: Option<bool>,
}

/// Fields to change; absent ones stay.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// A new target, under the same rules as at creation.
    url: Option<String>,
    events: Option<Vec<String>>,
    secret: Option<String>,
    description: Option<String>,
    active: Option<bool>,
}

/// A new subscription and the secret that signs its requests (shown only here).
#[derive(SimpleObject)]
pub struct CreatedWebhook {
    webhook: WebhookNode,
    secret: String,
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribe a URL to events (admin keys).
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<CreatedWebhook> {
        let new = NewWebhook {
            url: input.url,
            events: input.events,
            secret: input.secret,
            description: input.description,
            active: input.active,
        };
        let (hook, secret) = content(ctx).create_webhook(caller(ctx)?, new).await.gql()?;
        Ok(CreatedWebhook {
            webhook: WebhookNode(hook),
            secret,
        })
    }

    /// Change a subscription (admin keys).
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWebhookInput,
    ) -> async_graphql::Result<WebhookNode> {
        let patch = WebhookPatch {
            url: input.url,
            events: input.events,
            secret: input.secret,
            description: input.description,
            active: input.active,
        };
        let hook = content(ctx)
            .update_webhook(caller(ctx)?, &id, patch)
            .await
            .gql()?;
        Ok(WebhookNode(hook))
    }

    /// Delete a subscription and its delivery records (admin keys).
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        content(ctx).delete_webhook(caller(ctx)?, &id).await.gql()?;
        Ok(true)
    }
}
