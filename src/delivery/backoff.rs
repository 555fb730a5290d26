//! When to try a failed message again: exponential backoff with jitter, capped; a
//! platform's own "retry after" is used as it is given.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max_delay: Duration,
    /// Attempts after which a temporary failure counts as permanent.
    pub max_attempts: i32,
    /// How long a claimed row stays ours; a crashed sender's rows are taken over after it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            max_attempts: 12,
            lease: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1` of row `id`. The jitter is derived from the row
    /// and attempt, so senders that failed together do not retry together, and tests can
    /// predict it.
    pub fn delay(&self, id: i64, attempts: i32, platform_wait: Option<Duration>) -> Duration {
        let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
        let exp = self.base.saturating_mul(2u32.saturating_pow(exponent)).min(self.max_delay);
        // Up to +25 %, spread by a small integer hash of (id, attempt).
        let mix = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (attempts as u64).wrapping_mul(0xC2B2_AE3D);
        let jitter = exp.mul_f64((mix % 1000) as f64 / 4000.0);
        platform_wait.unwrap_or((exp + jitter).min(self.max_delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_and_stop_at_the_cap() {
        let p = RetryPolicy::default();
        let d1 = p.delay(7, 1, None);
        let d2 = p.delay(7, 2, None);
        let d3 = p.delay(7, 3, None);
        assert!(d1 >= Duration::from_secs(2) && d1 <= Duration::from_millis(2500), "{d1:?}");
        assert!(d2 >= Duration::from_secs(4) && d2 <= Duration::from_secs(5), "{d2:?}");
        assert!(d3 >= Duration::from_secs(8) && d3 <= Duration::from_secs(10), "{d3:?}");
        assert_eq!(p.delay(7, 40, None), p.max_delay);
    }

    #[test]
    fn rows_failing_together_retry_at_different_times() {
        let p = RetryPolicy::default();
        let delays: std::collections::BTreeSet<_> = (1..50).map(|id| p.delay(id, 3, None)).collect();
        assert!(delays.len() > 10, "jitter spreads only to {} values", delays.len());
    }

    #[test]
    fn a_platforms_retry_after_is_honoured() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 1, Some(Duration::from_secs(30))), Duration::from_secs(30));
    }
}
