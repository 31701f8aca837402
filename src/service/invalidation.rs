//! What a change does to public responses, and how caches hear of it. Each content write
//! collects an [`Invalidation`] in its transaction (the surrogate keys of the responses it
//! changed, and the next moment time alone will change some); once the transaction has
//! committed, [`ContentService::write`](super::ContentService) publishes it on the [`Bus`]
//! before the write returns. The [`VisibilityClock`] publishes the changes time makes
//! (a scheduled article coming out, an embargo lifting) at the moment they happen.
//!
//! The bus is in-process, and its listeners keep per-instance state (caches, the clock).
//! Other instances on a PostgreSQL database hear a write through `NOTIFY`, sent in its
//! transaction, and their listener republishes it on their own bus (`super::peers`). What must
//! happen once per change, not once per instance (the CDN's `cache.purge` webhook,
//! `super::purge`), is queued in the write's transaction, or by the clock under an id every
//! instance computes alike.

use std::{
    collections::BTreeSet,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::NaiveDateTime;

use super::ContentService;
use crate::{
    db::{queries, rows::ArticleRow},
    domain::{self, taxonomy::Taxonomy},
};

/// Every article list, search, feed and sitemap (they carry it in `Surrogate-Key`).
pub const ARTICLES: &str = "articles";
/// The partner change stream.
pub const SYNDICATION: &str = "syndication";
/// Every GraphQL answer: they do not list what they show yet, so any change may touch them.
pub const GRAPHQL: &str = "graphql";

/// The responses one change affected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalidation {
    /// `Surrogate-Key` values of the responses whose content changed.
    pub keys: BTreeSet<String>,
    /// Anything may have changed (a transport that lost messages says so).
    pub everything: bool,
    /// The earliest moment at which time alone will change what the public sees, as far as
    /// this change tells (a schedule, an embargo).
    pub next_change: Option<NaiveDateTime>,
}

impl Invalidation {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.everything && self.next_change.is_none()
    }

    /// Adds what `other` affected.
    pub fn merge(&mut self, other: Invalidation) {
        self.keys.extend(other.keys);
        self.everything |= other.everything;
        if let Some(t) = other.next_change {
            self.change_at(t);
        }
    }

    /// Time alone changes what the public sees at `at`.
    pub fn change_at(&mut self, at: NaiveDateTime) {
        if self.next_change.is_none_or(|t| at < t) {
            self.next_change = Some(at);
        }
    }

    /// An article changed from `old` (`None`: created) to `new` (`None`: deleted) at `now`.
    ///
    /// An article the public neither sees nor saw (a draft, one scheduled or embargoed for
    /// later) is in no public response, so its edits evict nothing; one visible before or
    /// after, or withdrawn (a kill notice in the partner stream), evicts its own responses and
    /// every list, and the taxonomy counts when it is or was visible. A future publication
    /// time or embargo lift is the moment it will next change what the public sees.
    pub fn article_changed(
        &mut self,
        old: Option<&ArticleRow>,
        new: Option<&ArticleRow>,
        now: NaiveDateTime,
    ) {
        let Some(subject) = new.or(old) else {
            return;
        };
        if let Some(t) = new
            .and_then(|row| row.publication().public_from())
            .filter(|t| *t > now)
        {
            self.change_at(t);
        }
        let visible = |row: &ArticleRow| row.publication().is_public(now);
        let seen = |row: &ArticleRow| visible(row) || row.publication().public_since.is_some();
        if !(old.is_some_and(seen) || new.is_some_and(seen)) {
            return;
        }
        self.article_keys(
            &subject.id,
            old.is_some_and(visible) || new.is_some_and(visible),
        );
    }

    /// The keys of one article's public responses, and with `counts` those of the taxonomy
    /// answers that count its articles.
    fn article_keys(&mut self, id: &str, counts: bool) {
        self.keys.insert(format!("article:{id}"));
        for scope in [ARTICLES, SYNDICATION, GRAPHQL] {
            self.keys.insert(scope.to_owned());
        }
        if counts {
            for of in Taxonomy::ALL {
                self.keys.insert(of.as_str().to_owned());
            }
        }
    }

    /// An article became visible at its time, without a write.
    pub fn article_came_out(&mut self, id: &str) {
        self.article_keys(id, true);
    }

    /// A section, author or tag was created: only the lists of its kind show it.
    pub fn term_created(&mut self, of: Taxonomy) {
        self.keys.insert(of.as_str().to_owned());
        self.keys.insert(GRAPHQL.to_owned());
    }

    /// A section, author or tag was changed: its own answers, its kind's lists, and every
    /// article answer that shows it (single articles carry its key; lists, feeds, sitemaps
    /// and the partner stream name it or link through its slug, and are evicted whole).
    pub fn term_changed(&mut self, of: Taxonomy, id: &str) {
        self.keys.insert(format!("{}:{id}", of.singular()));
        for scope in [of.as_str(), ARTICLES, SYNDICATION, GRAPHQL] {
            self.keys.insert(scope.to_owned());
        }
    }

    /// An asset's description or focal point changed: the articles showing it (single
    /// articles carry its key; lists, feeds and the partner stream are evicted whole).
    pub fn asset_changed(&mut self, id: &str) {
        self.keys.insert(format!("asset:{id}"));
        for scope in [ARTICLES, SYNDICATION, GRAPHQL] {
            self.keys.insert(scope.to_owned());
        }
    }

    /// A section, author or tag no article uses was deleted.
    pub fn term_deleted(&mut self, of: Taxonomy, id: &str) {
        self.keys.insert(format!("{}:{id}", of.singular()));
        self.keys.insert(of.as_str().to_owned());
        self.keys.insert(GRAPHQL.to_owned());
    }
}

/// Whoever keeps something derived from public content in this instance: the response
/// cache, the visibility clock. What must happen once per change belongs in the write's
/// transaction instead.
pub trait Listener: Send + Sync {
    /// Called after the change committed, before the write that made it returns.
    fn invalidated(&self, what: &Invalidation);
}

/// The in-process bus: every clone reaches the same listeners.
#[derive(Clone, Default)]
pub struct Bus {
    listeners: Arc<RwLock<Vec<Arc<dyn Listener>>>>,
}

impl Bus {
    pub fn subscribe(&self, listener: Arc<dyn Listener>) {
        self.listeners
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(listener);
    }

    /// Tells every listener, in the order they subscribed.
    pub fn publish(&self, what: &Invalidation) {
        if what.is_empty() {
            return;
        }
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        for listener in listeners {
            listener.invalidated(what);
        }
    }
}

/// Microseconds since the epoch, the unit of [`VisibilityClock::valid_until`].
pub fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// When time alone next changes what the public sees: the earliest future publication time
/// or embargo lift of any article. Until the clock has handled that moment (published the
/// invalidation of the articles it brings out), nothing cached may be served, so a response
/// never outlives the moment that changes it, however late the clock's timer fires.
#[derive(Clone)]
pub struct VisibilityClock {
    inner: Arc<ClockInner>,
}

struct ClockInner {
    state: Mutex<ClockState>,
    /// Cached responses may be served before this moment (µs since the epoch) only.
    valid_until: AtomicI64,
    wake: tokio::sync::Notify,
}

struct ClockState {
    /// The earliest change not handled yet; `None` when none is known.
    next: Option<NaiveDateTime>,
    /// Changes from here on are not handled yet: the clock was made then (responses cached
    /// before it read the database could show any state since).
    handled_until: NaiveDateTime,
    /// The clock has read the database once.
    started: bool,
}

impl Default for VisibilityClock {
    fn default() -> Self {
        VisibilityClock {
            inner: Arc::new(ClockInner {
                state: Mutex::new(ClockState {
                    next: None,
                    handled_until: domain::now(),
                    started: false,
                }),
                valid_until: AtomicI64::new(i64::MIN),
                wake: tokio::sync::Notify::new(),
            }),
        }
    }
}

impl VisibilityClock {
    /// Cached responses may be served while the time is before this (µs since the epoch).
    pub fn valid_until(&self) -> i64 {
        self.inner.valid_until.load(Ordering::SeqCst)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Time alone changes what the public sees at `at`: nothing cached is served from then
    /// until the clock has handled it.
    pub fn change_at(&self, at: NaiveDateTime) {
        let mut state = self.state();
        if state.next.is_none_or(|t| at < t) {
            state.next = Some(at);
        }
        self.inner
            .valid_until
            .fetch_min(micros(at), Ordering::SeqCst);
        drop(state);
        self.inner.wake.notify_one();
    }

    /// After handling everything up to `until`, the next change is `next` (from the
    /// database) unless a write announced an earlier one meanwhile.
    pub(crate) fn handled(&self, until: NaiveDateTime, next: Option<NaiveDateTime>) {
        let mut state = self.state();
        state.started = true;
        state.handled_until = until;
        if let Some(t) = next
            && state.next.is_none_or(|n| t < n)
        {
            state.next = Some(t);
        }
        let valid = state.next.map_or(i64::MAX, micros);
        self.inner.valid_until.store(valid, Ordering::SeqCst);
    }

    /// What is due at `now`: the window of changes to handle, if any, and else how long to
    /// wait for the next one (`None`: until told).
    fn due(&self, now: NaiveDateTime) -> Result<(NaiveDateTime, NaiveDateTime), Option<Duration>> {
        let mut state = self.state();
        if !state.started {
            return Ok((state.handled_until, now));
        }
        match state.next {
            Some(t) if t <= now => {
                state.next = None;
                // Not served from cache until handled: `valid_until` stays at `t`.
                Ok((t.min(state.handled_until), now))
            }
            Some(t) => Err(Some((t - now).to_std().unwrap_or_default())),
            None => Err(None),
        }
    }

    /// Puts back a window that could not be handled (the database did not answer).
    fn retry(&self, from: NaiveDateTime) {
        let mut state = self.state();
        if state.next.is_none_or(|t| from < t) {
            state.next = Some(from);
        }
        self.inner
            .valid_until
            .fetch_min(micros(from), Ordering::SeqCst);
    }
}

impl Listener for VisibilityClock {
    fn invalidated(&self, what: &Invalidation) {
        if let Some(at) = what.next_change {
            self.change_at(at);
        }
    }
}

impl ContentService {
    /// Publishes the invalidation of every article that time brings out, at its moment, for
    /// as long as the process runs (`startup` spawns it next to the server).
    pub async fn run_visibility_clock(self) {
        let clock = self.visibility_clock().clone();
        loop {
            let now = domain::now();
            let (from, to) = match clock.due(now) {
                Ok(window) => window,
                Err(wait) => {
                    let woken = clock.inner.wake.notified();
                    match wait {
                        // Sleep a little past the moment, so that `now` is at or after it.
                        Some(wait) => {
                            let _ = actix_web::rt::time::timeout(
                                wait + Duration::from_millis(1),
                                woken,
                            )
                            .await;
                        }
                        None => woken.await,
                    }
                    continue;
                }
            };
            match self
                .db()
                .read(move |conn| Ok(queries::visibility::changes_between(conn, from, to)?))
                .await
            {
                Ok((came_out, next)) => {
                    let mut what = Invalidation::default();
                    for release in &came_out {
                        what.article_came_out(&release.id);
                    }
                    self.invalidations().publish(&what);
                    // Part of handling the moment: if it cannot be queued, the window is
                    // handled again (the event's id makes that, and other clocks, harmless).
                    match self.queue_release_purges(&came_out, from, to).await {
                        Ok(_) => clock.handled(to, next),
                        Err(e) => {
                            tracing::warn!(error = %e, "the visibility clock could not queue its CDN purges");
                            clock.retry(from);
                            actix_web::rt::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the visibility clock could not read the database");
                    clock.retry(from);
                    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn the_clock_holds_cached_answers_from_a_change_until_it_is_handled() {
        let clock = VisibilityClock::default();
        let now = domain::now();
        assert_eq!(
            clock.valid_until(),
            i64::MIN,
            "nothing before the first read"
        );
        assert!(clock.due(now).is_ok());
        clock.handled(now, None);
        assert_eq!(clock.valid_until(), i64::MAX);
        let soon = now + Duration::seconds(2);
        clock.change_at(soon);
        assert_eq!(clock.valid_until(), micros(soon));
        assert!(matches!(clock.due(now), Err(Some(_))));
        // From where the last window ended: nothing between could have been missed.
        assert_eq!(clock.due(soon), Ok((now, soon)));
        // Still held while the window is being handled.
        assert_eq!(clock.valid_until(), micros(soon));
        // A write announcing an earlier change meanwhile is not lost.
        let earlier = now + Duration::seconds(1);
        clock.change_at(earlier);
        clock.handled(soon, Some(now + Duration::seconds(60)));
        assert_eq!(clock.valid_until(), micros(earlier));
    }
}
