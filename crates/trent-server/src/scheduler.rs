//! The scheduler task: runs due work (key deletions, automatic key rotations, secrets past their
//! recovery window, failed secret replicas, secret rotations, parameter policies) every tick until shutdown, and secret rotations at once
//! when `RotateSecret` starts one (`wake`). The work itself is
//! [`trent_core::kms::Kms::run_due_work`], [`trent_core::params::Params::run_due_policies`],
//! [`trent_core::secrets::Secrets::run_due_work`],
//! [`trent_core::secrets::Secrets::retry_replication`] and
//! [`trent_core::secrets::Secrets::run_rotations`], driven by the injected clock, so tests call
//! them directly after moving the clock. Event delivery ([`crate::events::Delivery::run_once`])
//! runs on a ticker of its own (`[events] poll_interval_milliseconds`), so events leave soon
//! after their change however long the scheduler's tick.
//!
//! On PostgreSQL each job runs only on the node holding its lease (see [`crate::cluster`]):
//! one node at a time across the cluster, so one secret never rotates on two nodes at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{Notify, watch};

use crate::state::AppState;

/// Runs until `shutdown` turns true.
pub(crate) async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>, wake: Arc<Notify>) {
    // A rotation in progress when the server stopped resumes at its next step now.
    if may_run(&state, JOBS[3]).await {
        rotations(&state).await;
    }
    let mut ticker = tokio::time::interval(state.config.scheduler_tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first pass one interval after the start, not at once: a test that runs its own
    // passes sets a long interval and so never races this one.
    let poll = state.delivery.poll_interval();
    let mut events_ticker = tokio::time::interval_at(tokio::time::Instant::now() + poll, poll);
    events_ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = events_ticker.tick() => {
                if may_run(&state, JOBS[4]).await {
                    deliver_events(&state).await;
                }
            }
            _ = ticker.tick() => {
                if may_run(&state, JOBS[0]).await {
                    run_kms(&state).await;
                }
                if may_run(&state, JOBS[1]).await {
                    run_params(&state).await;
                }
                if may_run(&state, JOBS[2]).await {
                    run_secrets(&state).await;
                }
                if may_run(&state, JOBS[3]).await {
                    rotations(&state).await;
                }
            }
            () = wake.notified() => {
                if may_run(&state, JOBS[3]).await {
                    rotations(&state).await;
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
pub(crate) const JOBS: [&str; 5] = ["kms", "params", "secrets", "secret-rotations", "events"];

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

async fn run_params(state: &AppState) {
    match state.params.run_due_policies().await {
        Ok(done) if done.expired + done.notified > 0 => {
            state.metrics.parameters_expired.fetch_add(done.expired as u64, Ordering::Relaxed);
            state.metrics.parameters_notified.fetch_add(done.notified as u64, Ordering::Relaxed);
            tracing::info!(expired = done.expired, notified = done.notified, "parameter policies applied");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "parameter policies failed; will retry"),
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
    match state.secrets.retry_replication().await {
        Ok(done) if done.tried > 0 => {
            state.metrics.replicas_retried.fetch_add((done.in_sync + done.failed) as u64, Ordering::Relaxed);
            state.metrics.replicas_recovered.fetch_add(done.in_sync as u64, Ordering::Relaxed);
            tracing::info!(
                primaries = done.tried,
                in_sync = done.in_sync,
                failed = done.failed,
                "failed secret replicas tried again"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "failed secret replicas could not be listed; will retry"),
    }
}

/// One pass of secret rotations.
async fn rotations(state: &AppState) {
    match state.secrets.run_rotations().await {
        Ok(run) if run.rotated + run.failed > 0 => {
            tracing::info!(rotated = run.rotated, failed = run.failed, "secret rotations run");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "secret rotations could not run; will retry"),
    }
}

/// One pass of event delivery.
async fn deliver_events(state: &AppState) {
    match state.delivery.run_once().await {
        Ok(run) if run.delivered + run.failed > 0 || run.trimmed > 0 => {
            tracing::debug!(delivered = run.delivered, failed = run.failed, trimmed = run.trimmed, "events delivered");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "event delivery could not read the outbox; will retry"),
    }
}
