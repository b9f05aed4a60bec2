//! The SigV4 target: a request (see `http_text`) goes through `parse_authorization`,
//! `check_clock_skew` and `verify` under the secret of the AWS SigV4 test suite, so that seeds
//! taken from the suite verify; then two round-trip properties must hold for it: a request
//! signed by `sign`, or presigned by `presign`, verifies.

use http::HeaderMap;
use trent_wire::sigv4::{self, AuthError, MAX_QUERY_PARAMETERS, MAX_SIGNED_HEADERS, SignedRequest};

use crate::http_text::TextRequest;

/// The access key of the AWS SigV4 test suite, which the seeds are signed with.
const AKID: &str = "AKIDEXAMPLE";
/// Its secret.
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "service";
/// The headers a client adds or a verifier reads itself: a request carrying one is not a
/// plain request to sign.
const SIGNING_HEADERS: [&str; 3] = ["authorization", "x-amz-content-sha256", "x-amz-security-token"];
/// The parameters `presign` adds to a query.
const PRESIGN_PARAMETERS: usize = 6;

/// Parses and verifies the request in `data`; then checks that signing and presigning it
/// produce requests that verify. Returns whether `data` itself verified.
///
/// # Panics
/// When a round-trip property fails: that is a finding.
pub fn sigv4(data: &[u8]) -> bool {
    let Some(req) = TextRequest::parse(data) else {
        return false;
    };
    let accepted = authenticate(&req.view(&req.headers)).is_ok();
    if signable(&req) {
        sign_round_trip(&req);
        presign_round_trip(&req);
    }
    accepted
}

/// What the server does: parse, check the clock at the request's own time, verify.
fn authenticate(req: &SignedRequest<'_>) -> Result<(), AuthError> {
    let auth = sigv4::parse_authorization(req)?;
    sigv4::check_clock_skew(&auth, auth.timestamp, time::Duration::minutes(15))?;
    let credential = &auth.credential;
    let key = sigv4::signing_key(SECRET, &credential.date, &credential.region, &credential.service);
    sigv4::verify(&auth, req, &key)
}

/// Whether `sign` and `presign` may be asked to sign `req`: it names its host, carries no
/// signature or payload hash of its own, and stays within the verifier's limits once signed.
fn signable(req: &TextRequest) -> bool {
    let signed = req.headers.keys().filter(|n| n.as_str() == "host" || n.as_str() == "content-type").count()
        + req.headers.keys().filter(|n| n.as_str().starts_with("x-amz-")).count();
    let parameters = req.query.as_deref().map_or(0, |q| q.split('&').filter(|p| !p.is_empty()).count());
    req.headers.contains_key("host")
        && SIGNING_HEADERS.iter().all(|h| !req.headers.contains_key(*h))
        && signed < MAX_SIGNED_HEADERS
        && parameters + PRESIGN_PARAMETERS <= MAX_QUERY_PARAMETERS
}

/// The refusals a signed request may meet for what its query already held: SigV4 parameters of
/// its own (`X-Amz-Algorithm`, a repeated `X-Amz-Date`, a malformed `X-Amz-Expires`, ...).
fn refused_for_its_query(e: &AuthError, req: &TextRequest) -> bool {
    let query = req.query.as_deref().unwrap_or("").to_ascii_lowercase();
    matches!(e, AuthError::IncompleteSignature(_)) && (query.contains("x-amz-") || query.contains('%'))
}

fn sign_round_trip(req: &TextRequest) {
    let now = time::macros::datetime!(2015-08-30 12:36:00 UTC);
    let added = sigv4::sign(&req.view(&req.headers), AKID, SECRET, REGION, SERVICE, now, None);
    let mut headers: HeaderMap = req.headers.clone();
    for (name, value) in added {
        headers.insert(name, value);
    }
    match authenticate(&req.view(&headers)) {
        Ok(()) => {}
        Err(e) if refused_for_its_query(&e, req) => {}
        Err(e) => panic!("a request signed by `sign` does not verify: {e:?}"),
    }
}

fn presign_round_trip(req: &TextRequest) {
    let now = time::macros::datetime!(2015-08-30 12:36:00 UTC);
    let view = req.view(&req.headers);
    let query = sigv4::presign(&view, AKID, SECRET, REGION, SERVICE, now, time::Duration::minutes(5), None);
    match authenticate(&SignedRequest { query: Some(&query), ..view }) {
        Ok(()) => {}
        Err(e) if refused_for_its_query(&e, req) => {}
        Err(e) => panic!("a request presigned by `presign` does not verify: {e:?}"),
    }
}
