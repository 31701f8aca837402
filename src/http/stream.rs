//! `GET /v1/stream`: the realtime stream as Server-Sent Events. Each event is something that
//! became public, changed while public, or stopped being public, at the moment it did
//! (`service::stream`), filtered by section, tag, author or article. A client reconnecting
//! with `Last-Event-ID` is replayed what it missed within the retention window, or told to
//! refetch (`event: reset`) when it is further behind. Bounded: a limit of open streams per
//! instance, a heartbeat comment every `Settings::stream_heartbeat` (15 s), which is also
//! how a client that went away is noticed and its slot freed, and a client that falls
//! [`stream::BUFFER`] events behind is dropped with a reason instead of being buffered for.

use std::{collections::HashSet, sync::Arc};

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use utoipa::IntoParams;

use super::{AppState, auth::optional_caller, problem::Problem, views::utc};
use crate::{
    error::{AppError, AppResult},
    service::stream::{self, Connection, StreamEvent},
};

/// Most events one reconnection is replayed; a client further behind refetches instead.
const MAX_REPLAY: usize = 1_000;
/// How long a client waits before reconnecting, told in the stream (`retry:`).
const RETRY_MS: u32 = 3_000;

/// Which events a client wants: all of them when nothing is named.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Only articles in this section (its slug).
    section: Option<String>,
    /// Only articles with this tag (its slug).
    tag: Option<String>,
    /// Only articles by this author (their slug).
    author: Option<String>,
    /// Only this article (its id), e.g. one live story.
    article: Option<String>,
}

/// A client's filter, checked.
#[derive(Debug, Default)]
struct Filter {
    section: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    article: Option<String>,
}

fn slug_param(name: &str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if v.is_empty() || v.len() > 200 => Err(AppError::invalid_parameter(
            name,
            format!("`{name}` is a slug of 1 to 200 characters"),
        )),
        other => Ok(other),
    }
}

impl Filter {
    fn parse(p: StreamParams) -> AppResult<Filter> {
        let article = match p.article {
            Some(id) => Some(
                crate::domain::parse_id(&id)
                    .map_err(|why| AppError::invalid_parameter("article", why))?,
            ),
            None => None,
        };
        Ok(Filter {
            section: slug_param("section", p.section)?,
            tag: slug_param("tag", p.tag)?,
            author: slug_param("author", p.author)?,
            article,
        })
    }

    /// Whether the client wants `event`. A withdrawal names only the article (nothing else
    /// of it is public any more), so it goes to every client not following another article.
    fn wants(&self, event: &StreamEvent) -> bool {
        if self
            .article
            .as_ref()
            .is_some_and(|id| *id != event.article_id)
        {
            return false;
        }
        let Some(article) = &event.article else {
            return true;
        };
        let section_ok = self.section.as_ref().is_none_or(|s| {
            article
                .section
                .as_ref()
                .is_some_and(|section| section.slug == *s)
        });
        let tag_ok = self
            .tag
            .as_ref()
            .is_none_or(|t| article.tags.iter().any(|tag| tag.slug == *t));
        let author_ok = self
            .author
            .as_ref()
            .is_none_or(|a| article.authors.iter().any(|author| author.slug == *a));
        section_ok && tag_ok && author_ok
    }
}

/// One event as SSE: its id, its type, and a JSON summary of the article (what a client
/// needs to decide whether to refetch it), or of the withdrawal.
fn frame(event: &StreamEvent) -> Bytes {
    let data = match &event.article {
        Some(a) => json!({
            "type": event.kind.as_str(),
            "article": {
                "id": a.id,
                "slug": a.slug,
                "title": a.title,
                "section": a.section.as_ref().map(|s| &s.slug),
                "tags": a.tags.iter().map(|t| &t.slug).collect::<Vec<_>>(),
                "authors": a.authors.iter().map(|t| &t.slug).collect::<Vec<_>>(),
                "published_at": a.published_at.map(utc),
                "updated_at": utc(a.updated_at),
            }
        }),
        None => json!({
            "type": event.kind.as_str(),
            "article": {"id": event.article_id},
            "reason": event.reason.map(|r| format!("{r:?}").to_lowercase()),
        }),
    };
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {data}\n\n",
        event.id,
        event.kind.as_str()
    ))
}

fn control(event: &str, reason: &str) -> Bytes {
    Bytes::from(format!(
        "event: {event}\ndata: {}\n\n",
        json!({ "reason": reason })
    ))
}

/// What one open stream holds between frames.
struct Open {
    live: Receiver<Arc<StreamEvent>>,
    /// Replayed and not yet sent, oldest first.
    backlog: std::collections::VecDeque<Bytes>,
    /// Ids replayed, so the same change arriving live is not sent twice.
    replayed: HashSet<String>,
    filter: Filter,
    heartbeat: tokio::time::Interval,
    state: web::Data<AppState>,
    done: bool,
    _connection: Connection,
}

async fn next_frame(mut open: Open) -> Option<(Result<Bytes, actix_web::Error>, Open)> {
    if open.done {
        return None;
    }
    if let Some(frame) = open.backlog.pop_front() {
        return Some((Ok(frame), open));
    }
    loop {
        tokio::select! {
            received = open.live.recv() => match received {
                Ok(event) => {
                    if open.replayed.remove(&event.id) || !open.filter.wants(&event) {
                        continue;
                    }
                    return Some((Ok(frame(&event)), open));
                }
                Err(RecvError::Lagged(_)) => {
                    open.done = true;
                    let reason = format!(
                        "this client fell more than {} events behind; reconnect with Last-Event-ID",
                        stream::BUFFER
                    );
                    return Some((Ok(control("error", &reason)), open));
                }
                Err(RecvError::Closed) => return None,
            },
            _ = open.heartbeat.tick() => {
                if open.state.is_draining() {
                    open.done = true;
                    return Some((Ok(control("error", "this instance is shutting down; reconnect")), open));
                }
                return Some((Ok(Bytes::from_static(b": heartbeat\n\n")), open));
            }
        }
    }
}

/// What a reconnecting client missed, as frames: the events after its `Last-Event-ID`
/// within the retention window, or a `reset` when it is further behind.
async fn replay(
    state: &AppState,
    last_event_id: &str,
    filter: &Filter,
) -> AppResult<(Vec<Bytes>, HashSet<String>)> {
    let content = &state.content;
    let settle = state.stream.settle();
    let at = content.stream_cursor_time(last_event_id, "Last-Event-ID")?;
    let oldest = crate::domain::now()
        - chrono::Duration::from_std(state.settings.stream_retention).unwrap_or_default();
    let reset = |why: &str| Ok((vec![control("reset", why)], HashSet::new()));
    if at < oldest {
        return reset("Last-Event-ID is older than this stream replays; refetch what you show");
    }
    let mut frames = Vec::new();
    let mut ids = HashSet::new();
    let mut cursor = Some(last_event_id.to_owned());
    let mut seen = 0usize;
    loop {
        let page = content
            .syndication_changes(None, cursor.clone(), 100, settle)
            .await?;
        for change in page.changes {
            seen += 1;
            let event = StreamEvent::of(change);
            ids.insert(event.id.clone());
            if filter.wants(&event) {
                frames.push(frame(&event));
            }
        }
        if seen > MAX_REPLAY {
            return reset("more changed than this stream replays; refetch what you show");
        }
        cursor = page.next_cursor.or(cursor);
        if !page.has_more {
            return Ok((frames, ids));
        }
    }
}

/// Realtime events of what becomes public (Server-Sent Events).
///
/// `article.published` when an article becomes public (at its publication time or embargo
/// lift, never at the write before), `article.updated` when a public article changes, and
/// `article.withdrawn` when one stops being public (unpublished, archived, deleted, or put
/// back under an embargo); drafts and their edits send nothing. Each event's `data` is JSON:
/// the type and a summary of the article (`id`, `slug`, `title`, `section`, `tags`,
/// `authors`, `published_at`, `updated_at`; a withdrawal names only the `id`, with its
/// `reason`). Filter with `section`, `tag`, `author` or `article`. Reconnect with
/// `Last-Event-ID` to be replayed what you missed (within the retention window, 60 minutes by
/// default); further behind, an `event: reset` says to refetch. A comment line every 15 s
/// keeps idle streams open; a client that falls 256 events behind gets `event: error` and is
/// closed. Events leave about half a second after the change.
#[utoipa::path(
    operation_id = "stream_events",
    tag = "articles",
    params(
        StreamParams,
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to be replayed what came after it"),
    ),
    responses(
        (status = 200, description = "An endless stream of events", content_type = "text/event-stream", body = String),
        (status = 400, description = "A parameter or Last-Event-ID is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The key sent is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "This instance has as many open streams as it serves", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stream")]
pub async fn stream_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StreamParams>,
) -> AppResult<HttpResponse> {
    optional_caller(&req).await?;
    let filter = Filter::parse(query.into_inner())?;
    let last_event_id = match req.headers().get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| AppError::invalid_parameter("Last-Event-ID", "is not text"))?
                .to_owned(),
        ),
        None => None,
    };
    let Some(connection) = state.stream.connect(state.settings.stream_max_connections) else {
        return Err(AppError::busy(
            "this instance has as many open streams as it serves; try again shortly",
        ));
    };
    // Subscribed before the replay is read, so nothing falls between the two.
    let live = state.stream.subscribe();
    let (backlog, replayed) = match last_event_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => replay(&state, id, &filter).await?,
        None => (Vec::new(), HashSet::new()),
    };
    let mut heartbeat = tokio::time::interval(state.settings.stream_heartbeat);
    heartbeat.reset();
    let mut backlog: std::collections::VecDeque<Bytes> = backlog.into();
    backlog.push_front(Bytes::from(format!("retry: {RETRY_MS}\n\n")));
    let open = Open {
        live,
        backlog,
        replayed,
        filter,
        heartbeat,
        state: state.clone(),
        done: false,
        _connection: connection,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Compression would hold events back until a block fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::unfold(open, next_frame)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::stream::EventKind;

    #[test]
    fn a_withdrawal_reaches_everyone_not_following_another_article() {
        let withdrawn = StreamEvent {
            id: "x".into(),
            kind: EventKind::Withdrawn,
            article_id: "a".into(),
            article: None,
            reason: None,
        };
        assert!(Filter::default().wants(&withdrawn));
        let sectioned = Filter {
            section: Some("news".into()),
            ..Filter::default()
        };
        assert!(sectioned.wants(&withdrawn));
        let other = Filter {
            article: Some("b".into()),
            ..Filter::default()
        };
        assert!(!other.wants(&withdrawn));
    }
}
