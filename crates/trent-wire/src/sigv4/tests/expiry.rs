//! Time-bound behaviour: the clock-skew window of header signatures in both directions and
//! the validity period of presigned URLs, tested by moving `now`, never by sleeping.

use http::HeaderValue;

use super::super::{
    AuthError, SignatureLocation, SignedRequest, check_clock_skew, parse_authorization, presign, signing_key, verify,
};
use super::{
    AKID, KMS_BODY, MISMATCH, REGION, SECRET, SERVICE, header_map, kms_headers, minutes, post, signed, suite_time,
};

fn seconds(n: i64) -> time::Duration {
    time::Duration::seconds(n)
}

/// The skew check of the signed KMS request at `now`, with AWS's 15-minute window.
fn skew_at(now: time::OffsetDateTime) -> Result<(), AuthError> {
    let headers = signed(kms_headers(), KMS_BODY, None);
    let auth = parse_authorization(&post(&headers, KMS_BODY)).unwrap();
    check_clock_skew(&auth, now, minutes(15))
}

#[test]
fn skew_up_to_fifteen_minutes_either_way_is_accepted() {
    for offset in [seconds(0), minutes(15), -minutes(15), minutes(14) + seconds(59)] {
        skew_at(suite_time() + offset).unwrap_or_else(|e| panic!("{offset}: {e}"));
    }
}

#[test]
fn a_signature_older_than_the_window_has_expired() {
    assert_eq!(
        skew_at(suite_time() + minutes(15) + seconds(1)),
        Err(AuthError::InvalidSignature(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
                .into()
        ))
    );
    assert_eq!(
        skew_at(suite_time() + minutes(25)).unwrap_err().message(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"
    );
}

#[test]
fn a_signature_from_beyond_the_window_is_not_yet_current() {
    let err = skew_at(suite_time() - minutes(15) - seconds(1)).unwrap_err();
    assert_eq!(
        err.message(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"
    );
    assert_eq!(err.aws_type(), "InvalidSignatureException");
}

#[test]
fn the_window_is_written_in_seconds_when_not_whole_minutes() {
    let headers = signed(kms_headers(), KMS_BODY, None);
    let auth = parse_authorization(&post(&headers, KMS_BODY)).unwrap();
    let err = check_clock_skew(&auth, suite_time() + seconds(91), seconds(90)).unwrap_err();
    assert!(err.message().ends_with("(20150830T123731Z - 90 sec.)"), "{}", err.message());
}

/// A presigned `GET /?Action=Describe` at the suite time, valid for `expires`.
fn presigned_query(expires: time::Duration, token: Option<&str>) -> String {
    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let req = SignedRequest { method: "GET", path: "/", query: Some("Action=Describe"), headers: &headers, body: b"" };
    presign(&req, AKID, SECRET, REGION, SERVICE, suite_time(), expires, token)
}

/// Parses, checks the clock at `now` and verifies a presigned GET with `query`.
fn presigned_at(query: &str, now: time::OffsetDateTime) -> Result<(), AuthError> {
    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let req = SignedRequest { method: "GET", path: "/", query: Some(query), headers: &headers, body: b"" };
    let auth = parse_authorization(&req)?;
    check_clock_skew(&auth, now, minutes(15))?;
    verify(&auth, &req, &signing_key(SECRET, "20150830", REGION, SERVICE))
}

#[test]
fn a_presigned_url_is_valid_until_it_expires() {
    let query = presigned_query(minutes(60), Some("session-token"));
    assert!(query.starts_with("Action=Describe&X-Amz-Algorithm=AWS4-HMAC-SHA256&"), "{query}");
    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let req = SignedRequest { method: "GET", path: "/", query: Some(&query), headers: &headers, body: b"" };
    let auth = parse_authorization(&req).unwrap();
    assert_eq!(auth.location, SignatureLocation::Query { expires: Some(minutes(60)) });
    assert_eq!(auth.security_token.as_deref(), Some("session-token"));
    assert_eq!(auth.signed_headers, ["host"]);

    for now in [suite_time(), suite_time() + minutes(59), suite_time() + minutes(60)] {
        presigned_at(&query, now).unwrap_or_else(|e| panic!("{now}: {e}"));
    }
    assert_eq!(
        presigned_at(&query, suite_time() + minutes(60) + seconds(1)),
        Err(AuthError::InvalidSignature("Request has expired".into()))
    );
    assert!(presigned_at(&query, suite_time() - minutes(16)).unwrap_err().message().starts_with("Signature not yet"));
}

#[test]
fn a_tampered_presigned_url_is_rejected() {
    let query = presigned_query(minutes(5), None);
    let longer = query.replace("X-Amz-Expires=300", "X-Amz-Expires=3600");
    assert_eq!(presigned_at(&longer, suite_time()).unwrap_err().message(), MISMATCH);
    let other = query.replace("Action=Describe", "Action=Delete");
    assert_eq!(presigned_at(&other, suite_time()).unwrap_err().message(), MISMATCH);
    assert_eq!(presigned_at(&format!("{query}&extra=1"), suite_time()).unwrap_err().message(), MISMATCH);
}

/// Guards presigned-URL replay (issue 8, item 4): a URL presigned with `UNSIGNED-PAYLOAD`
/// was good for any body, and one that left `X-Amz-Target` unsigned for any operation.
#[test]
fn a_presigned_request_is_good_for_one_body_and_one_operation() {
    let mut headers = kms_headers();
    let req = post(&headers, KMS_BODY);
    let query = presign(&req, AKID, SECRET, REGION, SERVICE, suite_time(), minutes(5), None);
    assert!(query.contains("X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target&"), "{query}");
    let check = |headers: &http::HeaderMap, query: &str, body: &[u8]| {
        let req = SignedRequest { query: Some(query), ..post(headers, body) };
        verify(&parse_authorization(&req)?, &req, &signing_key(SECRET, "20150830", REGION, SERVICE))
    };
    check(&headers, &query, KMS_BODY).unwrap();
    assert_eq!(check(&headers, &query, b"{}").unwrap_err().message(), MISMATCH);

    // Declaring the body unsigned does not unsign it.
    headers.insert("x-amz-content-sha256", HeaderValue::from_static("UNSIGNED-PAYLOAD"));
    let query = presign(&post(&headers, KMS_BODY), AKID, SECRET, REGION, SERVICE, suite_time(), minutes(5), None);
    assert_eq!(
        check(&headers, &query, b"{}"),
        Err(AuthError::InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed.".into()
        ))
    );

    // A URL presigned without the target header refuses a request that carries one.
    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let query = presign(&post(&headers, KMS_BODY), AKID, SECRET, REGION, SERVICE, suite_time(), minutes(5), None);
    check(&headers, &query, KMS_BODY).unwrap();
    let targeted = kms_headers();
    assert_eq!(
        check(&targeted, &query, KMS_BODY),
        Err(AuthError::InvalidSignature("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".into()))
    );
}

#[test]
fn incomplete_presigned_parameters_are_reported() {
    assert_eq!(
        presigned_at("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z", suite_time()),
        Err(AuthError::IncompleteSignature(
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include \
             'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the \
             query-string parameters."
                .into()
        ))
    );
    let query = presigned_query(minutes(5), None);
    let cases = [
        (query.replace("X-Amz-Expires=300", "X-Amz-Expires=soon"), "X-Amz-Expires should be a number"),
        (
            query.replace("X-Amz-Expires=300", "X-Amz-Expires=604801"),
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ),
        (
            query.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS2"),
            "Unsupported AWS 'algorithm': 'AWS2'",
        ),
        (
            format!("{query}&X-Amz-Date=20150830T123600Z"),
            "AWS query-string parameter 'X-Amz-Date' must be given only once.",
        ),
    ];
    for (query, message) in cases {
        assert_eq!(presigned_at(&query, suite_time()), Err(AuthError::IncompleteSignature(message.into())), "{query}");
    }
}

#[test]
fn a_presigned_url_without_expiry_uses_the_skew_window() {
    let query = presigned_query(minutes(5), None);
    let without: Vec<&str> = query.split('&').filter(|p| !p.starts_with("X-Amz-Expires=")).collect();
    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let joined = without.join("&");
    let req = SignedRequest { method: "GET", path: "/", query: Some(&joined), headers: &headers, body: b"" };
    let auth = parse_authorization(&req).unwrap();
    assert_eq!(auth.location, SignatureLocation::Query { expires: None });
    check_clock_skew(&auth, suite_time() + minutes(15), minutes(15)).unwrap();
    assert!(
        check_clock_skew(&auth, suite_time() + minutes(16), minutes(15))
            .unwrap_err()
            .message()
            .starts_with("Signature expired")
    );
}
