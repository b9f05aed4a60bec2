//! The development server's reset: `POST /_trent/reset`, and `POST /moto-api/reset` for test
//! suites written for moto's server mode. Both answer 404 outside dev mode.
//!
//! The reset is unauthenticated, so a web page must not be able to trigger it from a
//! developer's browser. A page can send a cross-origin POST without a CORS preflight only as a
//! "simple request": no custom header, and a body of type `text/plain`,
//! `application/x-www-form-urlencoded` or `multipart/form-data`; and browsers send `Origin` on
//! every cross-origin POST (and on same-origin ones; Trent serves no pages). So a reset is
//! refused with 403 when it carries an `Origin` header or one of those three content types.
//! What test suites send passes: moto's and LocalStack's fixtures (`requests.post(url)`), the
//! README's (`urllib` with no body), `curl -X POST` and any `application/json` request. A
//! preflight (`OPTIONS`) gets no CORS headers, so a page cannot send anything else.
//!
//! A reset empties the audit trail (between two of the writer's commits), then the store in one
//! transaction, forgets every cache built from what was there (keys and aliases, credentials,
//! derived signing keys), and applies the seed again, exactly as at start. Requests that run
//! during a reset may see either side of it; two resets never interleave. The reset itself is
//! not an AWS call and is not recorded.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
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
    state.secrets.invalidate_cache();
    state.params.invalidate_cache();
    state.identities.invalidate_cache();
    if let Some(cluster) = &state.cluster {
        cluster.publish_all();
    }
    state.auth.clear();
    apply_seed(state, state.config.seed.as_deref(), state.config.dev).await.map_err(ResetError::Seed)?;
    tracing::warn!("development reset: all state wiped and the seed applied again");
    Ok(())
}

/// Content types a web page can POST across origins without a preflight.
const SIMPLE_CONTENT_TYPES: [&str; 3] = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

/// Why a request could have come from a web page, or `None` if it could not.
fn forgeable(headers: &HeaderMap) -> Option<&'static str> {
    if headers.contains_key(http::header::ORIGIN) {
        return Some("it has an Origin header (browsers send one; test clients do not)");
    }
    let simple = headers.get_all(http::header::CONTENT_TYPE).iter().any(|value| {
        let media = value.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        SIMPLE_CONTENT_TYPES.contains(&media.as_str())
    });
    simple.then_some("its content type is one a web page can send; send no body, or Content-Type: application/json")
}

/// The handler of both reset routes.
pub(crate) async fn handle(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !state.config.dev {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (status, body) = match forgeable(&headers) {
        Some(why) => {
            tracing::warn!(reason = why, "development reset refused: it may come from a web page");
            (
                StatusCode::FORBIDDEN,
                serde_json::json!({ "status": "error", "message": format!("reset refused: {why}") }),
            )
        }
        None => match reset(&state).await {
            Ok(()) => (StatusCode::OK, serde_json::json!({ "status": "ok" })),
            Err(e) => {
                tracing::error!(error = %e, "development reset failed");
                (StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({ "status": "error", "message": e.to_string() }))
            }
        },
    };
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    /// Guards the development reset against cross-site request forgery: every request a web
    /// page can send without a preflight is refused, and what test clients send is not.
    #[test]
    fn only_requests_a_web_page_cannot_forge_pass() {
        for forged in [
            headers(&[("origin", "http://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("content-type", "text/plain;charset=UTF-8")]),
            headers(&[("content-type", "Application/X-WWW-Form-Urlencoded")]),
            headers(&[("content-type", "multipart/form-data; boundary=x")]),
            headers(&[("origin", "http://127.0.0.1:4599"), ("content-type", "application/json")]),
        ] {
            assert!(forgeable(&forged).is_some(), "{forged:?}");
        }
        for client in [
            headers(&[]),
            headers(&[("content-length", "0"), ("user-agent", "python-requests/2.32")]),
            headers(&[("content-type", "application/json")]),
        ] {
            assert_eq!(forgeable(&client), None, "{client:?}");
        }
    }
}
