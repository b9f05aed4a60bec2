//! The awsQuery endpoint: IAM and STS requests (`Action=...`), form-urlencoded in a `POST /`
//! body or in a `GET /` query string, answered in XML.
//!
//! Both services share the endpoint, as they share AWS's wire protocol; the SigV4 credential
//! scope's service (`iam` or `sts`) picks one, and authentication insists on it like for any
//! other service. Errors, authentication's included, are `<ErrorResponse>` documents in the
//! chosen service's namespace. Log lines carry the action, status and request id, never
//! parameters.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use trent_wire::query::{self, Params};
use trent_wire::sigv4::SignedRequest;
use trent_wire::{AwsError, Dispatched, Protocol, iam};

use crate::app::{answer, bounded, read_body, request_id};
use crate::audit::{OnBehalfRecords, record_call};
use crate::auth::{self, ClientFacts};
use crate::services::{self, Handler};
use crate::state::AppState;

/// Whether a request is awsQuery by its `Content-Type` (checked on every awsJson request, so
/// without allocating).
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().as_bytes().get(..query::FORM_CONTENT_TYPE.len()))
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(query::FORM_CONTENT_TYPE.as_bytes()))
}

fn xml(state: &AppState, request_id: &str, status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = answer(state, request_id, status, body);
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(query::XML_CONTENT_TYPE));
    response
}

/// Serves one awsQuery request (the `GET /` route, and `POST /` with a form body).
pub(crate) async fn aws_query(
    State(state): State<Arc<AppState>>,
    client: ClientFacts,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let request_id = request_id();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return xml(&state, &request_id, e.status, query::error_response(&e, iam::NAMESPACE, &request_id)),
    };
    let signed =
        SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query(), headers: &headers, body: &body };
    // Unsigned requests, and requests signed for anything else, are answered as IAM's.
    let service = services::query_service(auth::signed_service(&signed).as_deref());
    let namespace = match service.wire.protocol {
        Protocol::Query { namespace } => namespace,
        Protocol::Json { .. } => iam::NAMESPACE,
    };
    let mut action = String::new();
    let result: Result<Vec<u8>, AwsError> = async {
        let caller = auth::authenticate(&state, &signed, service.wire, &client)
            .await
            .map_err(|f| f.to_aws_error(service.wire.protocol))?;
        let mut params = if method == Method::POST { Params::parse(&body)? } else { Params::default() };
        params.extend(uri.query().unwrap_or("").as_bytes())?;
        action = bounded(params.action().unwrap_or("")).to_owned();
        state.quotas.admit(&caller, service.wire, &action)?;
        let dispatched = match service.handler {
            Handler::Query(dispatch) => dispatch(&state, &caller, &params, &request_id).await,
            Handler::Json(_) | Handler::NotYet => Dispatched::failed(AwsError::unknown_operation()),
        };
        record_call(&state, service.wire, &caller, &action, dispatched, &request_id, OnBehalfRecords::default()).await
    }
    .await;
    let (status, code, response) = match result {
        Ok(body) => (StatusCode::OK, None, xml(&state, &request_id, StatusCode::OK, body)),
        Err(e) => {
            let body = query::error_response(&e, namespace, &request_id);
            (e.status, Some(e.code), xml(&state, &request_id, e.status, body))
        }
    };
    tracing::debug!(
        service = service.wire.name,
        operation = %action,
        status = status.as_u16(),
        error = code,
        request_id = %request_id,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    state.metrics.request(service.wire.name, &action, code, started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_content_types_are_recognised_in_any_case() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            h
        };
        for form in ["application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded; charset=utf-8"] {
            assert!(is_form(&headers(form)), "{form}");
        }
        for other in ["application/x-amz-json-1.1", "application/x-www-form", "text/xml", ""] {
            assert!(!is_form(&headers(other)), "{other}");
        }
        assert!(!is_form(&HeaderMap::new()));
    }
}
