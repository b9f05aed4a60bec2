//! The scheduler task: runs due work (key deletions, automatic key rotations, secrets past their
//! recovery window, secret rotations) every tick until shutdown, and secret rotations at once
//! when `RotateSecret` starts one (`wake`). The work itself is
//! [`trent_core::kms::Kms::run_due_work`], [`trent_core::secrets::Secrets::run_due_work`] and
//! [`trent_core::secrets::Secrets::run_rotations`], driven by the injected clock, so tests call
//! them directly after moving the clock.

use std::sync::Arc;

use tokio::sync::{Notify, watch};

use crate::state::AppState;

/// Runs until `shutdown` turns true.
pub(crate) async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>, wake: Arc<Notify>) {
    // A rotation in progress when the server stopped resumes at its next step now.
    rotations(&state).await;
    let mut ticker = tokio::time::interval(state.config.scheduler_tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                match state.kms.run_due_work().await {
                    Ok(done) if done.deleted + done.rotated > 0 => {
                        tracing::info!(deleted = done.deleted, rotated = done.rotated, "scheduled work done");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "scheduled work failed; will retry"),
                }
                match state.secrets.run_due_work().await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "secrets past their recovery window deleted"),
                    Err(e) => tracing::warn!(error = %e, "scheduled secret deletions failed; will retry"),
                }
                rotations(&state).await;
            }
            () = wake.notified() => rotations(&state).await,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
        }
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
