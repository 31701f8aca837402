//! The admin API for webhook subscriptions and their delivery records (admins only).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    auth::Authenticated,
    json_body::JsonObject,
    params,
    problem::Problem,
    views::{ItemEnvelope, ListEnvelope, ListMeta, utc},
};
use crate::{
    domain::webhook::{Attempt, Delivery, DeliveryStatus, EventType, Webhook},
    error::AppResult,
    service::webhooks::{NewWebhook, WebhookPatch},
};

/// A webhook subscription. Its secret is shown only when it is created.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookJson {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookJson {
    fn from(w: Webhook) -> Self {
        WebhookJson {
            id: w.id,
            url: w.url,
            events: w.events,
            description: w.description,
            active: w.active,
            created_at: utc(w.created_at),
            updated_at: utc(w.updated_at),
        }
    }
}

/// A new subscription with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookJson {
    #[serde(flatten)]
    pub webhook: WebhookJson,
    /// Signs every request (`Byline-Signature`); store it now, it is not shown again.
    pub secret: String,
}

/// One try at delivering.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptJson {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i32>,
    /// Why the attempt failed: a timeout, a refused connection, a non-2xx answer.
    pub error: Option<String>,
}

/// One event for one subscription, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryJson {
    /// Sent as `Byline-Delivery`.
    #[schema(format = Uuid)]
    pub id: String,
    pub event_id: String,
    pub event: EventType,
    /// The article, author, tag or section the event is about; for `cache.purge`, the article
    /// that came out by time, or empty after a write (its keys say what changed).
    pub subject_id: String,
    pub status: DeliveryStatus,
    /// When it will be tried (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub attempts: Vec<AttemptJson>,
}

fn attempt_json(a: Attempt) -> AttemptJson {
    AttemptJson {
        attempt: a.attempt,
        started_at: utc(a.started_at),
        duration_ms: a.duration_ms,
        response_status: a.response_status,
        error: a.error,
    }
}

impl From<Delivery> for DeliveryJson {
    fn from(d: Delivery) -> Self {
        DeliveryJson {
            id: d.id,
            event_id: d.event_id,
            event: d.event,
            subject_id: d.subject_id,
            status: d.status,
            next_attempt_at: d.next_attempt_at.map(utc),
            created_at: utc(d.created_at),
            finished_at: d.finished_at.map(utc),
            last_error: d.last_error,
            attempts: d.attempts.into_iter().map(attempt_json).collect(),
        }
    }
}

fn private(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response.insert_header(("Cache-Control", "no-store"));
    response
}

/// List webhook subscriptions.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Every subscription, without secrets", body = ItemEnvelope<Vec<WebhookJson>>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> AppResult<HttpResponse> {
    let data: Vec<WebhookJson> = state
        .content
        .webhooks(&caller.0)
        .await?
        .into_iter()
        .map(WebhookJson::from)
        .collect();
    Ok(private(HttpResponse::Ok()).json(ItemEnvelope { data }))
}

/// Subscribe a URL to events. Requests are signed with the secret (given, or generated and
/// returned here once); see docs/webhooks.md for verifying them.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "admin",
    request_body = NewWebhook,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The subscription and its secret", body = ItemEnvelope<CreatedWebhookJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonObject<NewWebhook>,
) -> AppResult<HttpResponse> {
    let (webhook, secret) = state
        .content
        .create_webhook(&caller.0, body.into_inner())
        .await?;
    let data = CreatedWebhookJson {
        webhook: webhook.into(),
        secret,
    };
    Ok(private(HttpResponse::Created()).json(ItemEnvelope { data }))
}

/// One webhook subscription.
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "admin",
    params(("id" = String, Path, description = "The subscription's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The subscription", body = ItemEnvelope<WebhookJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let data = WebhookJson::from(state.content.webhook(&caller.0, &id).await?);
    Ok(private(HttpResponse::Ok()).json(ItemEnvelope { data }))
}

/// Change a subscription: URL, events, secret, description, or pause it with `active: false`.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "admin",
    params(("id" = String, Path, description = "The subscription's id")),
    request_body = WebhookPatch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The subscription as changed", body = ItemEnvelope<WebhookJson>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<WebhookPatch>,
) -> AppResult<HttpResponse> {
    let webhook = state
        .content
        .update_webhook(&caller.0, &id, body.into_inner())
        .await?;
    let data = WebhookJson::from(webhook);
    Ok(private(HttpResponse::Ok()).json(ItemEnvelope { data }))
}

/// Delete a subscription and its delivery records; nothing more is sent to it.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "admin",
    params(("id" = String, Path, description = "The subscription's id")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.content.delete_webhook(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Query parameters of the delivery list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListParams {
    /// Page size, 1 to 100 (default 20).
    limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A subscription's deliveries, newest first, each with every attempt (status, response
/// code, error).
#[utoipa::path(
    operation_id = "list_deliveries",
    tag = "admin",
    params(("id" = String, Path, description = "The subscription's id"), DeliveryListParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = ListEnvelope<DeliveryJson>),
        (status = 400, description = "A bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    query: web::Query<DeliveryListParams>,
) -> AppResult<HttpResponse> {
    let limit = params::limit(query.limit.as_deref())?;
    let page = state
        .content
        .webhook_deliveries(&caller.0, &id, query.cursor.as_deref(), limit)
        .await?;
    let next_cursor = page.next_cursor();
    let data = page.items.into_iter().map(DeliveryJson::from).collect();
    Ok(private(HttpResponse::Ok()).json(ListEnvelope {
        data,
        meta: ListMeta { next_cursor, limit },
    }))
}
