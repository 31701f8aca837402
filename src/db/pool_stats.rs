//! What the connection pool reports as it works: how long each checkout waited and how many
//! gave up, for `/metrics` (r2d2 calls this on the thread that checks out).

use prometheus_client::metrics::{counter::Counter, histogram::Histogram};

/// Upper bounds, in seconds, of the checkout wait buckets: an idle connection is handed out in
/// microseconds, opening one takes milliseconds, and checkouts give up after 2 s.
const WAIT_BUCKETS: [f64; 10] = [
    0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0,
];

/// Checkout waits and timeouts of one pool; clones share the numbers.
#[derive(Debug, Clone)]
pub struct PoolStats {
    /// Seconds each successful checkout took.
    pub checkout_wait: Histogram,
    /// Checkouts that found no connection within the pool's timeout.
    pub checkout_timeouts: Counter,
}

impl Default for PoolStats {
    fn default() -> Self {
        PoolStats {
            checkout_wait: Histogram::new(WAIT_BUCKETS),
            checkout_timeouts: Counter::default(),
        }
    }
}

impl r2d2::HandleEvent for PoolStats {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.checkout_wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.checkout_timeouts.inc();
    }
}
