//! Retry policy: capped exponential backoff with full jitter (the delay before attempt
//! n+1 is uniform in [0, min(cap, base * 2^(n-1)))), as AWS's architecture guidance and
//! SDKs do, so that throttled clients spread out instead of retrying in lockstep. A throttled
//! attempt backs off from a longer base than a failed one, as the AWS SDK for Java v2 does
//! (500 ms against 100 ms): a quota of one request per second refills slower than a 50 ms
//! base's retries take to run out.

use std::time::Duration;

/// How often and how long to retry.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The backoff before the second attempt (its upper bound).
    pub base: Duration,
    /// The backoff before the second attempt when the first was throttled (its upper bound).
    pub throttled_base: Duration,
    /// The largest backoff.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, base 50 ms (500 ms after throttling), cap 5 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(50),
            throttled_base: Duration::from_millis(500),
            cap: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The upper bound of the pause after failed attempt `attempt` (1-based), throttled or not.
    pub fn ceiling(&self, attempt: u32, throttled: bool) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let base = if throttled { self.throttled_base } else { self.base };
        base.saturating_mul(1u32 << exp).min(self.cap).min(super::json::MAX_RETRY_DELAY)
    }

    /// A random pause in `[0, ceiling(attempt, throttled))`.
    pub fn delay(&self, attempt: u32, throttled: bool) -> Duration {
        let ceiling = self.ceiling(attempt, throttled);
        let r = u64::from_be_bytes(trent_crypto::random_array::<8>().unwrap_or([0; 8]));
        let fraction = (r >> 11) as f64 / (1u64 << 53) as f64;
        ceiling.mul_f64(fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_it() {
        let p = RetryPolicy {
            max_attempts: 10,
            base: Duration::from_millis(100),
            throttled_base: Duration::from_millis(300),
            cap: Duration::from_millis(1000),
        };
        assert_eq!(p.ceiling(1, false), Duration::from_millis(100));
        assert_eq!(p.ceiling(2, false), Duration::from_millis(200));
        assert_eq!(p.ceiling(4, false), Duration::from_millis(800));
        assert_eq!(p.ceiling(5, false), Duration::from_millis(1000));
        assert_eq!(p.ceiling(50, false), Duration::from_millis(1000));
        assert_eq!(p.ceiling(1, true), Duration::from_millis(300));
        assert_eq!(p.ceiling(2, true), Duration::from_millis(600));
        assert_eq!(p.ceiling(3, true), Duration::from_millis(1000));
        let delays: Vec<Duration> = (0..200).map(|_| p.delay(3, false)).collect();
        assert!(delays.iter().all(|d| *d < Duration::from_millis(400)));
        assert!(
            delays.iter().any(|d| *d < Duration::from_millis(200))
                && delays.iter().any(|d| *d >= Duration::from_millis(200))
        );
    }
}
