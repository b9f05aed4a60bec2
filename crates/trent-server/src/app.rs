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
use trent_core::audit::rules::{CLOUDTRAIL, KMS};
use trent_wire::sigv4::SignedRequest;
use trent_wire::{AwsError, cloudtrail, kms};
use zeroize::Zeroize;

use crate::audit::record_json_call;
use crate::auth::{self, ClientFacts};
use crate::query;
use crate::state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1 << 20;
const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The router over `state`.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(aws_json).get(query::aws_query))
        .route("/health", get(|| async { "ok" }))
        // Development servers only; 404 otherwise.
        .route("/_trent/reset", post(crate::reset::handle))
        .route("/moto-api/reset", post(crate::reset::handle))
        // The handler reads the body itself, with MAX_BODY, to answer an AWS-shaped error.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// The awsJson1_1 services this server answers, by `X-Amz-Target` prefix.
enum Service<'a> {
    Kms(&'a str),
    CloudTrail(&'a str),
}

fn route(target: Option<&str>) -> Option<Service<'_>> {
    let target = target?;
    target
        .strip_prefix(kms::TARGET_PREFIX)
        .map(Service::Kms)
        .or_else(|| cloudtrail::operation(target).map(Service::CloudTrail))
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
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    let signed =
        SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query(), headers: &headers, body: &body };
    // Every authenticated call is recorded in the audit trail and answered only once its
    // event is durable; unauthenticated requests belong to no account and are not recorded.
    let (service, operation, result) = match route(target) {
        None => {
            // Authenticate first, as AWS does, so an unsigned probe learns nothing.
            let operation = target.unwrap_or("");
            let result = match auth::authenticate(&state, &signed, kms::SIGNING_SERVICE, &client).await {
                Ok(caller) => {
                    let r = Err(AwsError::unknown_operation());
                    record_json_call(&state, &KMS, &caller, operation, &body, &request_id, r).await
                }
                Err(f) => Err(f.to_json_error()),
            };
            ("unknown", operation, result)
        }
        Some(Service::Kms(operation)) => {
            let result = match auth::authenticate(&state, &signed, kms::SIGNING_SERVICE, &client).await {
                Ok(caller) => {
                    let r = kms::dispatch(&state.kms, &caller, operation, &body).await;
                    record_json_call(&state, &KMS, &caller, operation, &body, &request_id, r).await
                }
                Err(f) => Err(f.to_json_error()),
            };
            ("kms", operation, result)
        }
        Some(Service::CloudTrail(operation)) => {
            let result = match auth::authenticate(&state, &signed, cloudtrail::SIGNING_SERVICE, &client).await {
                Ok(caller) => {
                    let r = cloudtrail::dispatch(state.audit.trail(), &caller, operation, &body).await;
                    record_json_call(&state, &CLOUDTRAIL, &caller, operation, &body, &request_id, r).await
                }
                Err(f) => Err(f.to_json_error()),
            };
            ("cloudtrail", operation, result)
        }
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
        service,
        operation,
        status = status.as_u16(),
        error = code,
        request_id = %request_id,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
