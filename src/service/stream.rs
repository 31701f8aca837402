//! The realtime stream's hub: what becomes public, when it becomes public, pushed to every
//! subscriber of this instance.
//!
//! The hub reads the partner change stream (`syndication_changes`: every article in order
//! of its last change, visible ones whole and withdrawn ones as notices), so an event is the
//! visibility rule's call alone: a draft edit changes nothing there, an embargoed article
//! appears at its lift and not at its write, and re-embargoing a public article appears as a
//! withdrawal. It reads again whenever the invalidation bus says something changed (a write
//! here, a write on another instance heard through `NOTIFY`, the visibility clock at an
//! embargo lift) and every [`POLL`] besides, so an event a lost notification would have
//! announced still leaves. Each event's id is its place in the change stream, so a client
//! that reconnects with `Last-Event-ID` is replayed from the database, on any instance.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use chrono::NaiveDateTime;
use tokio::sync::{Notify, broadcast};

use super::{
    ContentService,
    invalidation::{Invalidation, Listener},
    syndication::{Change, ChangePage, WithdrawalReason},
};
use crate::{domain::article::Article, error::AppResult};

/// How often the hub reads the change stream when nothing woke it.
pub const POLL: Duration = Duration::from_millis(250);
/// Events one subscriber may fall behind by before it is dropped (with a reason).
pub const BUFFER: usize = 256;
/// How far back a hub that had no subscriber starts reading when one comes: further than
/// a poll, so a client replayed up to the moment it connected, before the hub's next read,
/// finds no gap between its replay and the live events (the same change in both is sent
/// once). A new client may get a change from just before it connected.
pub const FRESH_START: Duration = Duration::from_secs(2);
/// Changes read per query.
const PAGE: u32 = 100;

/// What happened to an article, as the public sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// It became public (at its publication time or embargo lift).
    Published,
    /// It was public and changed.
    Updated,
    /// It was public and is not any more.
    Withdrawn,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Published => "article.published",
            EventKind::Updated => "article.updated",
            EventKind::Withdrawn => "article.withdrawn",
        }
    }
}

/// One event of the stream.
#[derive(Debug, Clone)]
pub struct StreamEvent {
    /// Its place in the change stream: a client's `Last-Event-ID`.
    pub id: String,
    pub kind: EventKind,
    pub article_id: String,
    /// The article as it now is, for `Published` and `Updated`.
    pub article: Option<Box<Article>>,
    /// Why it was withdrawn, for `Withdrawn`.
    pub reason: Option<WithdrawalReason>,
}

impl StreamEvent {
    /// The event a change of the change stream is.
    pub fn of(change: Change) -> StreamEvent {
        let id = change.cursor();
        let changed = change.changed_at();
        match change {
            Change::Published(article) => {
                let came_out = article
                    .published_at
                    .map(|p| article.embargo_until.map_or(p, |e| e.max(p)));
                let kind = if came_out == Some(changed) {
                    EventKind::Published
                } else {
                    EventKind::Updated
                };
                StreamEvent {
                    id,
                    kind,
                    article_id: article.id.clone(),
                    article: Some(article),
                    reason: None,
                }
            }
            Change::Withdrawn(withdrawal) => StreamEvent {
                id,
                kind: EventKind::Withdrawn,
                article_id: withdrawal.id,
                article: None,
                reason: Some(withdrawal.reason),
            },
        }
    }
}

/// The hub of one instance: clones share it.
#[derive(Clone)]
pub struct StreamHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    events: broadcast::Sender<Arc<StreamEvent>>,
    wake: Notify,
    /// Open streams on this instance, against the limit.
    connections: AtomicUsize,
    /// How old a write's change must be before the hub reads past it (a write committing
    /// just after a read must not slip behind the hub's position).
    settle: Duration,
}

impl Listener for StreamHub {
    fn invalidated(&self, _what: &Invalidation) {
        self.inner.wake.notify_one();
    }
}

/// A subscriber's place in the limit: the connection is counted while this lives.
pub struct Connection {
    hub: StreamHub,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.hub.inner.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl StreamHub {
    pub fn new(settle: Duration) -> StreamHub {
        let (events, _) = broadcast::channel(BUFFER);
        StreamHub {
            inner: Arc::new(HubInner {
                events,
                wake: Notify::new(),
                connections: AtomicUsize::new(0),
                settle,
            }),
        }
    }

    /// Counts one more open stream, or `None` when `limit` are open already.
    pub fn connect(&self, limit: usize) -> Option<Connection> {
        let open = self.inner.connections.fetch_add(1, Ordering::Relaxed);
        let connection = Connection { hub: self.clone() };
        (open < limit).then_some(connection)
    }

    /// Open streams on this instance.
    pub fn open_connections(&self) -> usize {
        self.inner.connections.load(Ordering::Relaxed)
    }

    /// Live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StreamEvent>> {
        self.inner.events.subscribe()
    }

    pub fn settle(&self) -> Duration {
        self.inner.settle
    }

    /// Reads the change stream and sends what is new, for as long as the process runs.
    /// Nothing is read while nobody listens; the first subscriber starts from now.
    pub async fn run(self, content: ContentService) {
        let mut cursor: Option<String> = None;
        loop {
            let woken = tokio::select! {
                () = self.inner.wake.notified() => true,
                () = tokio::time::sleep(POLL) => false,
            };
            if self.inner.events.receiver_count() == 0 {
                cursor = None;
                continue;
            }
            if woken {
                // The change that woke the hub is readable once it has settled: read then,
                // rather than at the next poll.
                tokio::time::sleep(self.inner.settle + Duration::from_millis(10)).await;
            }
            // On an error the position is kept, and the next round reads from it again.
            match self.send_new(&content, cursor.clone()).await {
                Ok(at) => cursor = Some(at),
                Err(error) => {
                    tracing::warn!(%error, "the realtime stream could not read the change stream");
                }
            }
        }
    }

    /// Sends every change after `cursor` (when `None`, from [`FRESH_START`] before the
    /// settled present); returns where it stopped.
    async fn send_new(
        &self,
        content: &ContentService,
        cursor: Option<String>,
    ) -> AppResult<String> {
        let mut since: Option<NaiveDateTime> = cursor.is_none().then(|| {
            crate::domain::now()
                - chrono::Duration::from_std(self.inner.settle + FRESH_START).unwrap_or_default()
        });
        let mut cursor = cursor;
        loop {
            let ChangePage {
                changes,
                next_cursor,
                has_more,
            } = content
                .syndication_changes(since.take(), cursor.clone(), PAGE, self.inner.settle)
                .await?;
            for change in changes {
                // Nobody listening is not an error: the next subscriber starts afresh.
                let _ = self.inner.events.send(Arc::new(StreamEvent::of(change)));
            }
            if let Some(next) = next_cursor {
                cursor = Some(next);
            }
            if !has_more {
                break;
            }
        }
        match cursor {
            Some(at) => Ok(at),
            None => content.stream_position_now(self.inner.settle),
        }
    }
}
