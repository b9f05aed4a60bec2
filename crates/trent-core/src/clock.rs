//! Time, injected.
//!
//! Nothing in Trent reads the system time directly: SigV4 skew, deletion windows, rotation
//! periods and expiry all ask a [`Clock`]. Tests hold a [`ManualClock`] and move it by days
//! in microseconds instead of sleeping.

use std::fmt;
use std::sync::Arc;

use parking_lot::Mutex;
use time::{Duration, OffsetDateTime};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Cloning shares the same instant.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A manual clock starting at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self { now: Arc::new(Mutex::new(start)) }
    }

    /// A manual clock starting at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) {
        *self.now.lock() += by;
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock() = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_time() {
        let c = ManualClock::new(OffsetDateTime::UNIX_EPOCH);
        let d = c.clone();
        assert_eq!(c.now(), OffsetDateTime::UNIX_EPOCH);
        d.advance(Duration::days(7));
        assert_eq!(c.now(), OffsetDateTime::UNIX_EPOCH + Duration::days(7));
    }
}
