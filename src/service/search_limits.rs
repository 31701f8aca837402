//! How many searches run at once, how long one waits for its turn, and how long one search
//! statement may run. Ranking scores every match, so a common word costs in proportion to
//! the archive; uncapped, searches under load took every pool connection and starved every
//! other read.

use std::{sync::Arc, time::Duration};

use prometheus_client::metrics::{counter::Counter, gauge::Gauge};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// How long a search waits for a turn by default.
pub const DEFAULT_SEARCH_WAIT: Duration = Duration::from_millis(500);
/// How long one search statement may run on PostgreSQL by default.
pub const DEFAULT_SEARCH_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Limits on searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Searches running at once (at least one).
    pub concurrency: u32,
    /// How long a search waits for a running one to finish before it is refused.
    pub wait: Duration,
    /// How long one search statement may run on PostgreSQL; `None` for no limit.
    pub statement_timeout: Option<Duration>,
}

impl SearchLimits {
    /// The defaults over a pool of `pool_size` connections: searches take at most half of
    /// them, so the other half always serve other reads.
    pub fn for_pool(pool_size: u32) -> Self {
        SearchLimits {
            concurrency: (pool_size / 2).max(1),
            wait: DEFAULT_SEARCH_WAIT,
            statement_timeout: Some(DEFAULT_SEARCH_STATEMENT_TIMEOUT),
        }
    }
}

/// The gate every search passes. Waiting searches hold no connection and no thread, and go
/// in turn (the semaphore is fair).
#[derive(Clone)]
pub struct SearchGate {
    slots: Arc<Semaphore>,
    limits: SearchLimits,
    /// Searches waiting for a turn now (shared by clones, read by `/metrics`).
    waiting: Gauge,
    /// Searches refused after waiting.
    refused: Counter,
}

/// Takes a search off the waiting count however its wait ends (a turn, a refusal, or the
/// client hanging up).
struct Waiting(Gauge);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A running search's turn; the next search may start when it is dropped.
#[derive(Debug)]
pub struct SearchSlot {
    _permit: OwnedSemaphorePermit,
}

impl SearchGate {
    pub fn new(limits: SearchLimits) -> Self {
        let limits = SearchLimits {
            concurrency: limits.concurrency.max(1),
            ..limits
        };
        SearchGate {
            slots: Arc::new(Semaphore::new(limits.concurrency as usize)),
            limits,
            waiting: Gauge::default(),
            refused: Counter::default(),
        }
    }

    /// Searches running now.
    pub fn in_use(&self) -> u32 {
        let free = u32::try_from(self.slots.available_permits()).unwrap_or(u32::MAX);
        self.limits.concurrency.saturating_sub(free)
    }

    /// Searches waiting for a turn now.
    pub fn waiting(&self) -> &Gauge {
        &self.waiting
    }

    /// Searches refused so far for want of a turn.
    pub fn refused(&self) -> &Counter {
        &self.refused
    }

    pub fn limits(&self) -> SearchLimits {
        self.limits
    }

    /// A turn for one search, after waiting at most `limits.wait`; beyond that a `Busy`
    /// error (503 with `Retry-After`). A free slot is taken at once, even with no wait.
    pub async fn enter(&self) -> AppResult<SearchSlot> {
        // A free slot is taken without counting as a wait.
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(SearchSlot { _permit: permit });
        }
        self.waiting.inc();
        let _waiting = Waiting(self.waiting.clone());
        let turn = self.slots.clone().acquire_owned();
        match actix_web::rt::time::timeout(self.limits.wait, turn).await {
            Ok(Ok(permit)) => Ok(SearchSlot { _permit: permit }),
            // The semaphore is never closed.
            Ok(Err(closed)) => Err(AppError::internal(closed)),
            Err(_) => {
                self.refused.inc();
                tracing::debug!(
                    running = self.limits.concurrency,
                    "a search found no free slot in time"
                );
                Err(AppError::busy(
                    "too many searches are running at once; retry in a moment",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_the_pool_and_at_least_one() {
        assert_eq!(SearchLimits::for_pool(8).concurrency, 4);
        assert_eq!(SearchLimits::for_pool(3).concurrency, 1);
        assert_eq!(SearchLimits::for_pool(1).concurrency, 1);
    }

    #[actix_web::test]
    async fn a_full_gate_refuses_after_the_wait_and_opens_when_a_search_ends() {
        let gate = SearchGate::new(SearchLimits {
            concurrency: 1,
            wait: Duration::from_millis(20),
            statement_timeout: None,
        });
        let running = gate.enter().await.expect("a free slot");
        assert_eq!(gate.in_use(), 1);
        let refused = gate.enter().await.expect_err("no free slot");
        assert_eq!(refused.kind, crate::error::ErrorKind::Busy);
        assert_eq!((gate.refused().get(), gate.waiting().get()), (1, 0));
        drop(running);
        assert_eq!(gate.in_use(), 0);
        assert!(gate.enter().await.is_ok());
        // With no wait at all, a free slot is still taken.
        let eager = SearchGate::new(SearchLimits {
            wait: Duration::ZERO,
            ..gate.limits()
        });
        assert!(eager.enter().await.is_ok());
    }
}
