//! `POST /_trent/operator/rotate-root`: begins a root key rotation (`trent operator
//! rotate-root`). Unlike the seal's operator calls, the server serves while it runs, so the
//! call is signed with SigV4 (service name `trent`) and allowed to the operator account (the
//! first account the server made) when the caller may `trent:RotateRootKey`: its root user, or
//! an IAM principal whose identity policies allow that action on `*`.
//!
//! The body is `{"BatchSize": n, "PauseMilliseconds": m}`, both optional; the answer is the
//! rotation's progress as `trent operator status` shows it. With the Shamir seal it also
//! carries the new split, once: `Shares`, `Threshold` and the new `OperatorToken` (nothing
//! keeps them; the seal's file holds their digests).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use trent_core::IdentityError;
use trent_core::root_rotation::{DEFAULT_BATCH_SIZE, RotationError};
use trent_wire::auth::AuthFailure;
use trent_wire::sigv4::SignedRequest;
use trent_wire::{AwsError, Protocol, Reach};

use super::{Begun, RootError, RotationProgress};
use crate::auth::ClientFacts;
use crate::state::AppState;

/// The SigV4 service name operator calls are signed for.
pub(crate) const SIGNING_NAME: &str = "trent";
/// The IAM action a caller must be allowed.
pub(crate) const ACTION: &str = "trent:RotateRootKey";
/// The longest body accepted.
const MAX_BODY: usize = 1024;

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RotateBody {
    batch_size: Option<u32>,
    pause_milliseconds: Option<u32>,
}

/// Why the call was refused. Mapped to its answer once, in [`Refused::answer`].
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("{0}")]
    Auth(AwsError),
    #[error("only the operator account (the first account of this server) may rotate the root key")]
    NotOperatorAccount,
    #[error("{0}")]
    Denied(String),
    #[error("the body must be JSON with at most BatchSize and PauseMilliseconds")]
    BadRequest,
    #[error(transparent)]
    Root(#[from] RootError),
    #[error("the server is not ready to rotate its root key")]
    Unavailable,
}

impl Refused {
    fn answer(self) -> AwsError {
        let internal = || AwsError::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "internal failure");
        let message = self.to_string();
        match self {
            Refused::Auth(e) => e,
            Refused::NotOperatorAccount | Refused::Denied(_) => {
                AwsError::new("AccessDeniedException", StatusCode::FORBIDDEN, message)
            }
            Refused::BadRequest | Refused::Root(RootError::Rotation(RotationError::Bounds)) => {
                AwsError::new("ValidationException", StatusCode::BAD_REQUEST, message)
            }
            Refused::Root(RootError::Rotation(RotationError::InProgress { .. })) => {
                AwsError::new("InvalidStateException", StatusCode::CONFLICT, message)
            }
            Refused::Root(RootError::Unsealable(_)) => {
                AwsError::new("UnsupportedOperationException", StatusCode::BAD_REQUEST, message)
            }
            Refused::Root(RootError::Seal(_)) => {
                AwsError::new("ServiceUnavailableException", StatusCode::SERVICE_UNAVAILABLE, message)
            }
            Refused::Unavailable | Refused::Root(RootError::Rotation(RotationError::Store(_))) => {
                AwsError::new("ServiceUnavailableException", StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
            }
            Refused::Root(
                RootError::Panicked
                | RootError::Rotation(
                    RotationError::Crypto(_)
                    | RotationError::UnreadableState
                    | RotationError::ForeignRoot
                    | RotationError::Unopenable { .. },
                ),
            ) => internal(),
        }
    }
}

/// The handler.
pub(crate) async fn rotate_root(
    State(state): State<Arc<AppState>>,
    client: ClientFacts,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = match crate::app::read_body(body).await {
        Ok(body) => serve(&state, &client, &method, &uri, &headers, &body).await,
        Err(e) => Err(Refused::Auth(e)),
    };
    let (status, json) = match result {
        Ok(begun) => (StatusCode::OK, answer(&begun)),
        Err(refused) => {
            if let Refused::Root(e) = &refused {
                tracing::warn!(error = %e, "rotate-root refused");
            }
            let e = refused.answer();
            (e.status, e.to_json())
        }
    };
    let mut response = (status, json).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The answer's body: the progress, and the new split once (Shamir).
fn answer(begun: &Begun) -> Vec<u8> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer<'a> {
        #[serde(flatten)]
        progress: &'a RotationProgress,
        #[serde(skip_serializing_if = "Option::is_none")]
        shares: Option<Vec<&'a str>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        threshold: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        operator_token: Option<&'a str>,
    }
    let split = begun.new_shares.as_ref();
    let answer = Answer {
        progress: &begun.progress,
        shares: split.map(|(made, _)| made.shares.iter().map(|s| s.as_str()).collect()),
        threshold: split.map(|(_, threshold)| *threshold),
        operator_token: split.map(|(made, _)| made.operator_token.as_str()),
    };
    serde_json::to_vec(&answer).unwrap_or_default()
}

async fn serve(
    state: &AppState,
    client: &ClientFacts,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Begun, Refused> {
    let signed = SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query(), headers, body };
    let caller = crate::auth::authenticate_as(state, &signed, SIGNING_NAME, Reach::Global, client)
        .await
        .map_err(|f: AuthFailure| Refused::Auth(f.to_aws_error(Protocol::Json { target_prefixes: &[] })))?;
    let mut accounts = state.identities.accounts().await.map_err(|_| Refused::Unavailable)?;
    accounts.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    if accounts.first().map(|a| &a.id) != Some(&caller.principal.account) {
        return Err(Refused::NotOperatorAccount);
    }
    state.identities.authorize_operator(&caller, ACTION).map_err(|e| match e {
        e @ IdentityError::AccessDenied(_) => Refused::Denied(trent_wire::iam::to_aws_error(e).message),
        _ => Refused::Unavailable,
    })?;
    if body.len() > MAX_BODY {
        return Err(Refused::BadRequest);
    }
    let request: RotateBody = if body.is_empty() {
        RotateBody::default()
    } else {
        serde_json::from_slice(body).map_err(|_| Refused::BadRequest)?
    };
    let root = state.root.as_ref().ok_or(Refused::Unavailable)?;
    let begun =
        root.rotate(request.batch_size.unwrap_or(DEFAULT_BATCH_SIZE), request.pause_milliseconds.unwrap_or(0)).await?;
    Ok(begun)
}
