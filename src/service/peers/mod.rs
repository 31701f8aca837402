//! Invalidations between the instances on one PostgreSQL database. Each content write sends
//! what it changed with `NOTIFY`, in its transaction ([`announce`]): PostgreSQL delivers it
//! when the write commits, and never when it rolls back. Each serving instance listens on a
//! session of its own ([`listen`]) and republishes on its bus what the others sent, so its
//! cache and its visibility clock hear every instance's writes. While it is not listening it
//! cannot know what it misses: [`Hearing`] tells the cache to serve nothing meanwhile.

pub mod listen;
pub mod payload;

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use prometheus_client::metrics::counter::Counter;

use super::invalidation::Invalidation;
use crate::db::{DbConnection, queries};

/// The channel every instance of a database sends and listens on.
pub const CHANNEL: &str = "byline_invalidations";

/// Who this instance is to the others (random, one per service: one per `byline serve`), so
/// that it skips its own notifications: it told its bus already, after its commit.
#[derive(Clone, Debug)]
pub struct InstanceId(Arc<str>);

impl InstanceId {
    pub fn random() -> InstanceId {
        let id = uuid::Uuid::new_v4().simple().to_string();
        InstanceId(Arc::from(&id[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Queues the notifications of `changed`, sent by `from`, in the write's transaction: on
/// PostgreSQL only (an SQLite database has one instance).
pub fn announce(
    conn: &mut DbConnection,
    from: &InstanceId,
    changed: &Invalidation,
) -> diesel::QueryResult<()> {
    if !matches!(conn, DbConnection::Pg(_)) || changed.is_empty() {
        return Ok(());
    }
    queries::notify::send(conn, CHANNEL, &payload::encode(from.as_str(), changed))
}

/// Whether this instance hears every change committed to its database: always, until a
/// listener starts (one instance, or SQLite); then only while that listener is listening.
#[derive(Clone, Default)]
pub struct Hearing {
    inner: Arc<HearingInner>,
}

#[derive(Default)]
struct HearingInner {
    started: AtomicBool,
    deaf: AtomicBool,
    reconnects: Counter,
    received: Counter,
}

impl Hearing {
    /// Cached answers may be served and kept: no other instance's change can be missed.
    pub fn hears_everything(&self) -> bool {
        !self.inner.deaf.load(Ordering::SeqCst)
    }

    /// A listener runs for this instance (its numbers belong in `/metrics`).
    pub fn started(&self) -> bool {
        self.inner.started.load(Ordering::SeqCst)
    }

    /// Whether the listener is listening now.
    pub fn listening(&self) -> bool {
        self.started() && self.hears_everything()
    }

    /// Times the listener listened again after its session was lost.
    pub fn reconnects(&self) -> &Counter {
        &self.inner.reconnects
    }

    /// Notifications heard, this instance's own included.
    pub fn received(&self) -> &Counter {
        &self.inner.received
    }

    /// A listener starts: deaf until it listens.
    pub(crate) fn start(&self) {
        self.inner.deaf.store(true, Ordering::SeqCst);
        self.inner.started.store(true, Ordering::SeqCst);
    }

    pub(crate) fn set_listening(&self, listening: bool) {
        self.inner.deaf.store(!listening, Ordering::SeqCst);
    }
}
