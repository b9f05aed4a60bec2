//! The development server's reset: `POST /_trent/reset`, and `POST /moto-api/reset` for test
//! suites written for moto's server mode. Both answer 404 outside dev mode.
//!
//! A reset empties the audit trail (between two of the writer's commits), then the store in one
//! transaction, forgets every cache built from what was there (keys and aliases, credentials,
//! derived signing keys), and applies the seed again, exactly as at start. Requests that run
//! during a reset may see either side of it; two resets never interleave. The reset itself is
//! not an AWS call and is not recorded.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::bootstrap::{BootstrapError, apply_seed};
use crate::state::AppState;

/// Why a reset failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResetError {
    /// The audit trail could not be emptied.
    #[error("audit trail: {0}")]
    Audit(#[source] trent_core::audit::AuditError),
    /// The store could not be emptied.
    #[error("database: {0}")]
    Store(#[source] trent_core::StoreError),
    /// The seed could not be applied again (it may have changed since the start).
    #[error(transparent)]
    Seed(BootstrapError),
}

/// Empties every piece of state and applies the seed again.
///
/// # Errors
/// [`ResetError`] naming the step that failed; the steps before it stay done.
pub(crate) async fn reset(state: &AppState) -> Result<(), ResetError> {
    let _one_at_a_time = state.reset_lock.lock().await;
    state.audit.clear().await.map_err(ResetError::Audit)?;
    state.store.wipe().await.map_err(ResetError::Store)?;
    state.kms.invalidate_cache();
    state.identities.invalidate_cache();
    state.auth.clear();
    apply_seed(state, state.config.seed.as_deref(), state.config.dev).await.map_err(ResetError::Seed)?;
    tracing::warn!("development reset: all state wiped and the seed applied again");
    Ok(())
}

/// The handler of both reset routes.
pub(crate) async fn handle(State(state): State<Arc<AppState>>) -> Response {
    if !state.config.dev {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (status, body) = match reset(&state).await {
        Ok(()) => (StatusCode::OK, serde_json::json!({ "status": "ok" })),
        Err(e) => {
            tracing::error!(error = %e, "development reset failed");
            (StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({ "status": "error", "message": e.to_string() }))
        }
    };
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
