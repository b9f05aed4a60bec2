//! The delivery worker: for each sink, the outbox's events it does not have yet, in order,
//! marked delivered once it acknowledged them; a sink that fails waits out an exponential
//! backoff with jitter (on the injected clock, so tests move time instead of sleeping) while
//! the other sinks go on; then the events every sink has and the retention let go are
//! trimmed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use time::OffsetDateTime;
use trent_core::{EventStore, SharedClock, StoreError};

use super::{EventSettings, Sink, build};

/// Batches sent to one sink per pass at most, so one busy sink cannot hold the others up.
const MAX_BATCHES_PER_PASS: usize = 10;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    /// Events acknowledged by a sink (an event sent to two sinks counts twice).
    pub delivered: usize,
    /// Sinks that failed in this pass and now back off.
    pub failed: usize,
    /// Sinks skipped because their backoff had not run out.
    pub waiting: usize,
    /// Events trimmed from the outbox.
    pub trimmed: u64,
}

/// A sink with its backoff and what it did so far.
struct Target {
    name: String,
    sink: Box<dyn Sink>,
    backoff: Mutex<Backoff>,
    /// Events it acknowledged since the start.
    delivered: AtomicU64,
    /// Deliveries to it that failed since the start.
    failed: AtomicU64,
}

/// One sink's figures for `/metrics`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkStats {
    /// The sink's name.
    pub name: String,
    /// Events it acknowledged since this node started.
    pub delivered: u64,
    /// Deliveries to it that failed since this node started.
    pub failed: u64,
    /// Events in the outbox it does not have yet.
    pub pending: u64,
}

/// A sink's failures in a row and when it may be tried again.
#[derive(Default)]
struct Backoff {
    failures: u32,
    not_before: Option<OffsetDateTime>,
}

/// The worker. One pass at a time ([`Delivery::run_once`] holds a lock).
pub struct Delivery {
    store: Arc<dyn EventStore>,
    clock: SharedClock,
    settings: EventSettings,
    targets: Vec<Target>,
    pass: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        f.debug_struct("Delivery").field("sinks", &names).finish_non_exhaustive()
    }
}

impl Delivery {
    /// A worker for the sinks of `settings`, reading `store` and timing on `clock`.
    pub fn new(store: Arc<dyn EventStore>, clock: SharedClock, settings: EventSettings) -> Delivery {
        let targets = settings
            .sinks
            .iter()
            .map(|s| Target {
                name: s.name.clone(),
                sink: build(&s.target),
                backoff: Mutex::default(),
                delivered: AtomicU64::new(0),
                failed: AtomicU64::new(0),
            })
            .collect();
        Delivery { store, clock, settings, targets, pass: tokio::sync::Mutex::new(()) }
    }

    /// How often the scheduler runs a pass.
    pub fn poll_interval(&self) -> Duration {
        self.settings.poll_interval
    }

    /// One pass: every sink whose backoff has run out gets what it lacks, in order; then the
    /// outbox is trimmed.
    ///
    /// # Errors
    /// The store's, when it cannot be read, marked or trimmed (the next pass tries again; an
    /// event sent but not marked is sent again then).
    pub async fn run_once(&self) -> Result<DeliveryRun, StoreError> {
        let _pass = self.pass.lock().await;
        let mut run = DeliveryRun::default();
        for target in &self.targets {
            let now = self.clock.now();
            if target.backoff.lock().not_before.is_some_and(|t| t > now) {
                run.waiting += 1;
                continue;
            }
            for _ in 0..MAX_BATCHES_PER_PASS {
                let batch = self.store.undelivered(&target.name, self.settings.batch_size).await?;
                if batch.is_empty() {
                    break;
                }
                let (sent, error) = target.sink.deliver(&batch).await;
                let seqs: Vec<u64> = batch[..sent.min(batch.len())].iter().map(|q| q.seq).collect();
                if !seqs.is_empty() {
                    self.store.mark_delivered(&target.name, &seqs, self.clock.now()).await?;
                    run.delivered += seqs.len();
                    target.delivered.fetch_add(seqs.len() as u64, Ordering::Relaxed);
                }
                if let Some(error) = error {
                    let delay = self.fail(target);
                    tracing::warn!(
                        sink = %target.name, error = %error, retry_in_ms = delay.as_millis() as u64,
                        "event delivery failed; will retry"
                    );
                    run.failed += 1;
                    target.failed.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                *target.backoff.lock() = Backoff::default();
                if batch.len() < self.settings.batch_size as usize {
                    break;
                }
            }
        }
        let names: Vec<String> = self.targets.iter().map(|t| t.name.clone()).collect();
        run.trimmed = self.store.trim_delivered(&names, self.clock.now() - self.settings.retention).await?;
        Ok(run)
    }

    /// Each sink's deliveries and failures since the start, and its outbox depth.
    ///
    /// # Errors
    /// The store's, when the outbox cannot be counted.
    pub async fn stats(&self) -> Result<Vec<SinkStats>, StoreError> {
        let mut stats = Vec::with_capacity(self.targets.len());
        for t in &self.targets {
            stats.push(SinkStats {
                name: t.name.clone(),
                delivered: t.delivered.load(Ordering::Relaxed),
                failed: t.failed.load(Ordering::Relaxed),
                pending: self.store.undelivered_count(&t.name).await?,
            });
        }
        Ok(stats)
    }

    /// Records a failure of `target`; returns the delay before its next attempt.
    fn fail(&self, target: &Target) -> Duration {
        let mut backoff = target.backoff.lock();
        backoff.failures = backoff.failures.saturating_add(1);
        let delay = retry_delay(&self.settings, backoff.failures, jitter());
        backoff.not_before = Some(self.clock.now() + delay);
        delay
    }
}

/// A fraction in `[0, 1)` from the system CSPRNG (0 if it fails: the full delay).
fn jitter() -> f64 {
    trent_crypto::random_array::<4>().map_or(0.0, |b| f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0))
}

/// The delay after `failures` failures in a row: the initial delay doubled per failure, at
/// most the maximum, less up to half of it at random (so sinks that failed together do not
/// retry together).
fn retry_delay(settings: &EventSettings, failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    let full = settings.retry_initial.saturating_mul(1 << exponent).min(settings.retry_max);
    full.mul_f64(1.0 - jitter / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum_with_jitter_below_half() {
        let settings = EventSettings {
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            ..EventSettings::default()
        };
        let no_jitter: Vec<u128> = (1..=6).map(|n| retry_delay(&settings, n, 0.0).as_millis()).collect();
        assert_eq!(no_jitter, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(retry_delay(&settings, 2, 0.999_999).as_millis(), 100);
        assert_eq!(retry_delay(&settings, u32::MAX, 0.0), Duration::from_secs(1), "no overflow");
        let j = jitter();
        assert!((0.0..1.0).contains(&j), "{j}");
    }
}
