//! The key-usage flush task: writes each key's last use (`GetKeyLastUsage`) from memory to the
//! store every [`FLUSH_INTERVAL`] and once more at shutdown, so a request never waits for a
//! usage write and a restart loses nothing that was answered before a clean stop.
//!
//! The requests note uses in [`trent_core::kms::Kms::track_usage`] (from `audit::record_call`);
//! this task only moves them to the store. A failed write keeps them in memory for the next
//! tick. Every node runs its own task: the store keeps the latest use whichever node writes
//! last.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

/// How often unflushed uses are written: what another node (or a crash) may miss.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until `shutdown` turns true, then flushes once more.
pub(crate) async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    // Fixes the deployment's start of tracking the first time a server runs with it.
    if let Err(e) = state.kms.usage_tracking_start().await {
        tracing::warn!(error = %e, "cannot read the start of key usage tracking; retried on the first GetKeyLastUsage");
    }
    let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => flush(&state).await,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    flush(&state).await;
    tracing::debug!("key usage flush task stopped");
}

async fn flush(state: &AppState) {
    match state.kms.flush_key_usage().await {
        Ok(0) => {}
        Ok(n) => tracing::trace!(keys = n, "key usage flushed"),
        Err(e) => tracing::warn!(
            error = %e,
            pending = state.kms.unflushed_key_usage(),
            "key usage flush failed; kept in memory for the next one"
        ),
    }
}
