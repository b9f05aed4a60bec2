//! The scheduler task: runs due work (key deletions, automatic rotations, secrets past their
//! recovery window) every tick until shutdown. The work itself is
//! [`trent_core::kms::Kms::run_due_work`] and [`trent_core::secrets::Secrets::run_due_work`],
//! driven by the injected clock, so tests call them directly after moving the clock.
//!
//! On PostgreSQL each job runs only on the node holding its lease (see [`crate::cluster`]):
//! one node at a time across the cluster.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use crate::state::AppState;

/// Runs until `shutdown` turns true.
pub(crate) async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(state.config.scheduler_tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if may_run(&state, JOBS[0]).await {
                    run_kms(&state).await;
                }
                if may_run(&state, JOBS[1]).await {
                    run_secrets(&state).await;
                }
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// The scheduled jobs, each under a lease of its own in a cluster.
pub(crate) const JOBS: [&str; 2] = ["kms", "secrets"];

/// Whether this node runs `job` now: always alone, under the job's lease in a cluster.
async fn may_run(state: &AppState, job: &'static str) -> bool {
    match &state.cluster {
        None => true,
        Some(cluster) => cluster.hold(job).await,
    }
}

async fn run_kms(state: &AppState) {
    match state.kms.run_due_work().await {
        Ok(done) if done.deleted + done.rotated > 0 => {
            state.metrics.keys_deleted.fetch_add(done.deleted as u64, Ordering::Relaxed);
            state.metrics.keys_rotated.fetch_add(done.rotated as u64, Ordering::Relaxed);
            tracing::info!(deleted = done.deleted, rotated = done.rotated, "scheduled work done");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "scheduled work failed; will retry"),
    }
}

async fn run_secrets(state: &AppState) {
    match state.secrets.run_due_work().await {
        Ok(0) => {}
        Ok(purged) => {
            state.metrics.secrets_purged.fetch_add(purged as u64, Ordering::Relaxed);
            tracing::info!(purged, "secrets past their recovery window deleted");
        }
        Err(e) => tracing::warn!(error = %e, "scheduled secret deletions failed; will retry"),
    }
}
