//! HTTP routing: one `POST /` endpoint dispatched by `X-Amz-Target` (awsJson) or, for a
//! form-urlencoded body, by `Action` (awsQuery: IAM and STS, see `query`), `GET /` for awsQuery,
//! plus `/health` and, on a development server, the reset endpoints (see `reset`).
//!
//! The handler authenticates, hands the body to the service's dispatcher in `trent-wire`,
//! and frames the answer with a request id. Log lines carry the action, status and request id,
//! never bodies.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trent_wire::sigv4::SignedRequest;
use trent_wire::{AwsError, Dispatched, Protocol, Reach};
use zeroize::Zeroize;

use crate::audit::record_call;
use crate::auth::{self, ClientFacts};
use crate::on_behalf::OnBehalfEvents;
use crate::query;
use crate::services::{self, Handler, Service};
use crate::state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;
const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The router over `state`.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(aws_json).get(query::aws_query))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/metrics", get(crate::metrics::handle))
        // Development servers only; 404 otherwise.
        .route("/_trent/operator/rotate-root", post(crate::root::rotate_root))
        .route("/_trent/reset", post(crate::reset::handle))
        .route("/moto-api/reset", post(crate::reset::handle))
        // The handler reads the body itself, with MAX_BODY, to answer an AWS-shaped error.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// `GET /ready`: 200 when the database answers and (on PostgreSQL) its schema is this build's,
/// 503 otherwise, for a load balancer to take the node out of rotation until it recovers.
/// `/health` stays 200 while the process runs.
async fn ready(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    let read = trent_core::MetaStore::get_meta(state.store.as_ref(), crate::bootstrap::ROOT_CHECK_META).await;
    let schema = match &state.readiness {
        crate::state::Readiness::Store => Ok(()),
        crate::state::Readiness::Postgres(pg) => pg.check_ready().await,
    };
    let unready = |reason: &'static str, error: &dyn std::fmt::Display| {
        tracing::warn!(%error, reason, "not ready");
        (StatusCode::SERVICE_UNAVAILABLE, reason)
    };
    match (read, schema) {
        (Ok(Some(_)), Ok(())) => (StatusCode::OK, "ready"),
        (Ok(None), _) => unready("database not initialised", &"no root key check"),
        (Err(e), _) | (_, Err(e @ trent_core::StoreError::Unavailable(_))) => unready("database unreachable", &e),
        (_, Err(e)) => unready("database schema does not match this build", &e),
    }
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Frames an answer. `Date` comes from the server's clock (which SDKs use to correct their
/// own clock skew), not from the system clock behind it.
pub(crate) fn answer(state: &AppState, request_id: &str, status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    let now = state.clock.now().to_offset(time::UtcOffset::UTC);
    if let Some(date) = now.format(HTTP_DATE).ok().and_then(|d| HeaderValue::try_from(d).ok()) {
        headers.insert(http::header::DATE, date);
    }
    response
}

fn error(state: &AppState, request_id: &str, e: &AwsError) -> Response {
    answer(state, request_id, e.status, e.to_json())
}

/// A request id for `x-amzn-RequestId` in UUID form: a random per-process prefix and a
/// counter. Ids must be unique, not secret, so no random generator runs per request.
pub(crate) fn request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<[u8; 8]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        trent_crypto::random_array()
            .unwrap_or_else(|_| *uuid::Uuid::new_v4().as_bytes().first_chunk().unwrap_or(&[0; 8]))
    });
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(prefix);
    bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// Reads at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, AwsError> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.downcast_ref::<http_body_util::LengthLimitError>().is_some());
        if too_large {
            AwsError::new(
                "RequestEntityTooLargeException",
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body larger than {MAX_BODY} bytes"),
            )
        } else {
            AwsError::serialization("The request body could not be read")
        }
    })
}

/// The longest operation name kept from a request (for logs and the audit trail); AWS's are
/// far shorter, so a longer one is an unknown operation anyway.
pub(crate) const MAX_OPERATION_CHARS: usize = 128;

/// `operation` cut to [`MAX_OPERATION_CHARS`] characters.
pub(crate) fn bounded(operation: &str) -> &str {
    match operation.char_indices().nth(MAX_OPERATION_CHARS) {
        Some((end, _)) => &operation[..end],
        None => operation,
    }
}

async fn aws_json(
    State(state): State<Arc<AppState>>,
    client: ClientFacts,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if query::is_form(&headers) {
        return query::aws_query(State(state), client, method, uri, headers, body).await;
    }
    let started = Instant::now();
    let request_id = request_id();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return error(&state, &request_id, &e),
    };
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let signed =
        SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query(), headers: &headers, body: &body };
    // A target no declared service answers is authenticated against the service its
    // credential scope names, so an unsigned probe learns nothing, then refused.
    let routed = services::by_target(target).or_else(|| {
        let scope = auth::signed_service(&signed)?;
        services::json_by_signing_name(&scope).map(|s| (s, target))
    });
    let (name, operation, result) = match routed {
        Some((service, operation)) => {
            let operation = bounded(operation);
            (service.wire.name, operation, serve_json(&state, service, operation, &signed, &client, &request_id).await)
        }
        None => ("unknown", bounded(target), refuse_undeclared(&state, &signed, &client).await),
    };
    // The body may hold plaintext; wipe it if this handler owns the only reference.
    if let Ok(mut owned) = body.try_into_mut() {
        owned.zeroize();
    }
    let (status, code, response) = match result {
        Ok(json) => (StatusCode::OK, None, answer(&state, &request_id, StatusCode::OK, json)),
        Err(e) => (e.status, Some(e.code), error(&state, &request_id, &e)),
    };
    tracing::debug!(
        service = name,
        operation,
        status = status.as_u16(),
        error = code,
        request_id = %request_id,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    state.metrics.request(name, operation, code, started.elapsed());
    response
}

/// The generic path of an awsJson call: authenticate against the service's own signing name,
/// check the caller's request quota, dispatch, record, answer. Every authenticated call within
/// its quota is recorded before it is answered.
async fn serve_json(
    state: &AppState,
    service: &Service,
    operation: &str,
    signed: &SignedRequest<'_>,
    client: &ClientFacts,
    request_id: &str,
) -> Result<Vec<u8>, AwsError> {
    let mut caller = auth::authenticate(state, signed, service.wire, client)
        .await
        .map_err(|f| f.to_aws_error(service.wire.protocol))?;
    let on_behalf = Arc::new(OnBehalfEvents::new(state.clock.clone()));
    caller.on_behalf_log = Some(on_behalf.clone());
    state.quotas.admit(&caller, service.wire, operation)?;
    let dispatched = match service.handler {
        Handler::Json(dispatch) => dispatch(state, &caller, operation, signed.body).await,
        Handler::Query(_) | Handler::NotYet => Dispatched::failed(AwsError::unknown_operation()),
    };
    let dispatched = state.quotas.settle(&caller, service.wire, operation, dispatched)?;
    record_call(state, service.wire, &caller, operation, dispatched, request_id, on_behalf.take()).await
}

/// A target of no declared service, signed for no declared service: the signature is still
/// verified (for the service it names) before the answer, so a probe cannot tell a served
/// service from an unserved one. Nothing is recorded: no service's trail holds the call.
async fn refuse_undeclared(
    state: &AppState,
    signed: &SignedRequest<'_>,
    client: &ClientFacts,
) -> Result<Vec<u8>, AwsError> {
    let json = Protocol::Json { target_prefixes: &[] };
    let scope = auth::signed_service(signed).unwrap_or_default();
    auth::authenticate_as(state, signed, &scope, Reach::Regional, client).await.map_err(|f| f.to_aws_error(json))?;
    Err(AwsError::unknown_operation())
}
