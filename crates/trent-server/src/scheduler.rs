//! The scheduler task: runs due work (key deletions, automatic rotations, parameter policies,
//! secrets past their recovery window) every tick until shutdown. The work itself is
//! [`trent_core::kms::Kms::run_due_work`], [`trent_core::params::Params::run_due_policies`] and
//! [`trent_core::secrets::Secrets::run_due_work`],
//! driven by the injected clock, so tests call them directly after moving the clock.

use std::sync::Arc;

use tokio::sync::watch;

use crate::state::AppState;

/// Runs until `shutdown` turns true.
pub(crate) async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
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
                match state.params.run_due_policies().await {
                    Ok(done) if done.expired + done.notified > 0 => {
                        tracing::info!(expired = done.expired, notified = done.notified, "parameter policies applied");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "parameter policies failed; will retry"),
                }
                match state.secrets.run_due_work().await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "secrets past their recovery window deleted"),
                    Err(e) => tracing::warn!(error = %e, "scheduled secret deletions failed; will retry"),
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
