//! The listening side: one thread per serving instance on PostgreSQL holds a session of its
//! own (not from the pool) that `LISTEN`s, drains what has arrived every [`POLL`], and
//! republishes on the bus what other instances sent. Diesel's `notifications_iter` does not
//! wait (and the socket is not exposed to wait on), so the thread polls: a few wake-ups of a
//! thread that does nothing else, and at most [`POLL`] added to a change's way across.
//!
//! When the session is lost, or cannot be opened, the instance cannot know what it missed:
//! it stops serving cached answers ([`Hearing`]), drops them all (`everything` on the bus),
//! reconnects with backoff, and once it listens again drops everything once more (changes
//! committed between the loss and the new `LISTEN` were never heard) before serving again.

use std::{
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use super::{CHANNEL, Hearing, InstanceId, payload};
use crate::{
    config::DatabaseUrl,
    db::listen::Listening,
    service::{
        ContentService,
        invalidation::{Bus, Invalidation},
    },
};

/// How often the session is drained.
pub const POLL: Duration = Duration::from_millis(20);
/// How often an idle session is asked whether it still answers.
const PING: Duration = Duration::from_secs(5);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The listener runs while this is held (the application holds it while it serves).
pub struct Running {
    _alive: Arc<()>,
}

/// What the thread needs.
struct Ear {
    url: String,
    me: InstanceId,
    bus: Bus,
    hearing: Hearing,
    alive: Weak<()>,
}

/// Starts listening for `content`'s database, when it is PostgreSQL (SQLite has one
/// instance: there is nothing to hear).
pub fn spawn(content: &ContentService) -> Option<Running> {
    let DatabaseUrl::Postgres(url) = content.db().url() else {
        return None;
    };
    content.hearing().start();
    let alive = Arc::new(());
    let ear = Ear {
        url: url.clone(),
        me: content.instance().clone(),
        bus: content.invalidations().clone(),
        hearing: content.hearing().clone(),
        alive: Arc::downgrade(&alive),
    };
    if let Err(e) = std::thread::Builder::new()
        .name("byline-listen".into())
        .spawn(move || ear.run())
    {
        // Deaf for good: the cache serves nothing, which is safe.
        tracing::error!(error = %e, "cannot start the invalidation listener: the response cache serves nothing");
    }
    Some(Running { _alive: alive })
}

fn everything() -> Invalidation {
    Invalidation {
        everything: true,
        ..Invalidation::default()
    }
}

impl Ear {
    fn stopped(&self) -> bool {
        self.alive.strong_count() == 0
    }

    /// Sleeps `wait` unless stopped meanwhile; whether to go on.
    fn pause(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        while !self.stopped() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
        false
    }

    fn run(self) {
        // Shown in `pg_stat_activity`: which process holds the session.
        let name = format!(
            "byline invalidations pid={} id={}",
            std::process::id(),
            self.me.as_str()
        );
        let mut backoff = BACKOFF_MIN;
        let mut listened = false;
        while !self.stopped() {
            match Listening::open(&self.url, CHANNEL, &name) {
                Ok(mut session) => {
                    backoff = BACKOFF_MIN;
                    // Changes committed before the LISTEN were not heard; answers in flight
                    // from before this are not kept (the cache's invalidation count moves).
                    self.bus.publish(&everything());
                    self.hearing.set_listening(true);
                    if listened {
                        self.hearing.reconnects().inc();
                        tracing::info!("listening for other instances' changes again");
                    } else {
                        tracing::debug!("listening for other instances' changes");
                    }
                    listened = true;
                    let Some(problem) = self.hear(&mut session) else {
                        return;
                    };
                    self.hearing.set_listening(false);
                    self.bus.publish(&everything());
                    tracing::warn!(
                        %problem,
                        "lost the session that hears other instances' changes: every cached \
                         answer was dropped, and none is served until it listens again"
                    );
                }
                Err(problem) => tracing::warn!(
                    %problem,
                    retry_ms = backoff.as_millis() as u64,
                    "cannot listen for other instances' changes: no cached answer is served \
                     until it can"
                ),
            }
            if !self.pause(backoff) {
                return;
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// Republishes what arrives until the session is lost (its problem) or the listener is
    /// stopped (`None`).
    fn hear(&self, session: &mut Listening) -> Option<String> {
        let mut pinged = Instant::now();
        loop {
            let payloads = match session.drain() {
                Ok(payloads) => payloads,
                Err(problem) => return Some(problem),
            };
            if !payloads.is_empty() {
                let mut heard = Invalidation::default();
                for payload in &payloads {
                    self.hearing.received().inc();
                    if let Some(what) = payload::decode(payload, self.me.as_str()) {
                        heard.merge(what);
                    }
                }
                self.bus.publish(&heard);
            }
            if pinged.elapsed() >= PING {
                if let Err(problem) = session.ping() {
                    return Some(problem);
                }
                pinged = Instant::now();
            }
            if !self.pause(POLL) {
                return None;
            }
        }
    }
}
