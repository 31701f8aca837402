//! The JSON body of a webhook request: the event and, for news of content, the content as
//! the public REST API shows it (`GET /v1/articles/{id}` with every relation embedded); for
//! `cache.purge`, the surrogate keys.

use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    domain::webhook::{EventType, Subject},
    http::views::{ArticleJson, AuthorJson, Includes, SectionJson, TagJson, utc},
    service::deliveries::{Content, DueDelivery},
};

#[derive(Debug, Serialize)]
struct Envelope<'a> {
    /// The event's id: the same for every subscription that receives it.
    id: &'a str,
    /// This delivery's id (also in `Byline-Delivery`), signed with the body.
    delivery_id: &'a str,
    #[serde(rename = "type")]
    event: EventType,
    occurred_at: chrono::DateTime<chrono::Utc>,
    data: Value,
}

fn subject_key(subject: Subject) -> &'static str {
    match subject {
        Subject::Article => "article",
        Subject::Taxonomy(taxonomy) => taxonomy.singular(),
        Subject::Cache => "cache",
    }
}

/// The body to send, or `None` when `content` is nothing to send.
pub fn body(
    due: &DueDelivery,
    content: Content,
    urls: &crate::domain::image::RenditionUrls,
) -> Option<Vec<u8>> {
    let everything = Includes {
        authors: true,
        tags: true,
        section: true,
    };
    let value = match content {
        // About no one thing: `data` is the purge itself, `{keys, everything, reason}`.
        Content::Purge(purge) => return envelope(due, json!(purge)),
        Content::Article(article) => json!(ArticleJson::from_domain(*article, everything, urls)),
        Content::Author(author) => json!(AuthorJson::from_domain(author)),
        Content::Tag(tag) => json!(TagJson::from_domain(tag)),
        Content::Section(section) => json!(SectionJson::from_domain(section)),
        Content::Notice => json!({ "id": due.subject_id, "slug": due.subject_slug }),
        Content::NotYet(_) | Content::Gone(_) => return None,
    };
    envelope(due, json!({ subject_key(due.event.subject()): value }))
}

fn envelope(due: &DueDelivery, data: Value) -> Option<Vec<u8>> {
    let envelope = Envelope {
        id: &due.event_id,
        delivery_id: &due.id,
        event: due.event,
        occurred_at: utc(due.occurred_at),
        data,
    };
    serde_json::to_vec(&envelope).ok()
}
