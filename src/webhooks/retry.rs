//! When to try a failed delivery again: exponential backoff with jitter, for a bounded time.

use std::time::Duration;

use chrono::NaiveDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles with each failure.
    pub first_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// No attempt is made later than this after the event was first due.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
        }
    }
}

impl RetryPolicy {
    /// The backoff before attempt `failures + 1`, before jitter.
    pub fn delay(&self, failures: i32) -> Duration {
        let doublings = u32::try_from(failures.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.first_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }

    /// When to try again after `failures` failed attempts, or `None` once that would be past
    /// the bound. `jitter` in `[0, 1)` spreads the wait over its upper half, so receivers
    /// coming back from an outage are not hit by every retry at once.
    pub fn next_attempt(
        &self,
        failures: i32,
        first_due: NaiveDateTime,
        now: NaiveDateTime,
        jitter: f64,
    ) -> Option<NaiveDateTime> {
        let delay = self
            .delay(failures)
            .mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let at = now + chrono::Duration::from_std(delay).ok()?;
        let deadline = first_due + chrono::Duration::from_std(self.give_up_after).ok()?;
        (at <= deadline).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            first_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(100),
            give_up_after: Duration::from_secs(1000),
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = policy();
        let secs: Vec<u64> = (1..=6).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(secs, [10, 20, 40, 80, 100, 100]);
        assert_eq!(p.delay(i32::MAX).as_secs(), 100);
    }

    #[test]
    fn jitter_spreads_the_wait_over_its_upper_half() {
        let p = policy();
        let t0 = NaiveDateTime::default();
        let at = |jitter| {
            p.next_attempt(3, t0, t0, jitter)
                .map(|t| (t - t0).num_seconds())
        };
        assert_eq!(at(0.0), Some(20));
        assert_eq!(at(0.5), Some(30));
        assert_eq!(at(0.999), Some(39));
    }

    #[test]
    fn retries_stop_after_the_bound() {
        let p = policy();
        let t0 = NaiveDateTime::default();
        let late = t0 + chrono::Duration::seconds(960);
        assert!(p.next_attempt(5, t0, late, 0.0).is_none());
        assert!(p.next_attempt(1, t0, late, 0.0).is_some());
    }
}
