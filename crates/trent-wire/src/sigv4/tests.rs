//! Tests of the SigV4 module: sign → verify round trips, tampering, and every error with its
//! AWS wording. The AWS test-suite vectors and encoding details are in `vectors`, presigning
//! and clock skew in `expiry`.

mod expiry;
mod limits;
mod vectors;

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use super::canonical::{self, AmzDate, Scope, SigningInput};
use super::{AuthError, SignatureLocation, SignedRequest, check_clock_skew, parse_authorization, sign, signing_key};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "service";
const KMS_BODY: &[u8] = br#"{"KeyId":"alias/trent","Plaintext":"aGVsbG8="}"#;
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS \
     Secret Access Key and signing method. Consult the service documentation for details.";

/// The suite's signing time, 20150830T123600Z.
fn suite_time() -> OffsetDateTime {
    time::macros::datetime!(2015-08-30 12:36:00 UTC)
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
    }
    map
}

/// A KMS `Encrypt` call as an AWS SDK sends it, before signing.
fn kms_headers() -> HeaderMap {
    header_map(&[
        ("host", "kms.us-east-1.amazonaws.com"),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "TrentService.Encrypt"),
        ("user-agent", "aws-sdk-rust/1.0"),
    ])
}

fn post<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> SignedRequest<'a> {
    SignedRequest { method: "POST", path: "/", query: None, headers, body }
}

/// `headers` with the output of [`sign`] added at the suite time.
fn signed(mut headers: HeaderMap, body: &[u8], token: Option<&str>) -> HeaderMap {
    for (name, value) in sign(&post(&headers, body), AKID, SECRET, REGION, SERVICE, suite_time(), token) {
        headers.insert(name, value);
    }
    headers
}

/// Parses, checks the clock at the suite time and verifies, as the server does.
fn authenticate(req: &SignedRequest<'_>) -> Result<(), AuthError> {
    let auth = parse_authorization(req)?;
    check_clock_skew(&auth, suite_time(), minutes(15))?;
    super::verify(&auth, req, &signing_key(SECRET, &auth.credential.date, REGION, SERVICE))
}

/// An `Authorization` value for `req` signing exactly `names` at `ts`, built from the shared
/// canonicalisation code; for requests `sign` would not produce.
fn authorization_for(req: &SignedRequest<'_>, names: &[&str], ts: OffsetDateTime) -> String {
    let amz_date = AmzDate::new(ts);
    let input = SigningInput {
        signed_headers: names,
        query_auth: false,
        payload_hash: &canonical::payload_hash_hex(req.body),
        amz_date: &amz_date,
        scope: Scope { date: amz_date.date(), region: REGION, service: SERVICE },
    };
    let key = signing_key(SECRET, amz_date.date(), REGION, SERVICE);
    let signature = canonical::signature(&key, req, &input).expect("headers present");
    let mut hex = Vec::new();
    canonical::push_hex_lower(&mut hex, &signature);
    format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/{}/{REGION}/{SERVICE}/aws4_request, SignedHeaders={}, Signature={}",
        amz_date.date(),
        names.join(";"),
        String::from_utf8_lossy(&hex)
    )
}

/// The error of authenticating the KMS request whose `Authorization` is replaced by `value`.
fn with_authorization(value: &str) -> AuthError {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("authorization", HeaderValue::from_str(value).unwrap());
    authenticate(&post(&headers, KMS_BODY)).unwrap_err()
}

fn kms_authorization() -> String {
    signed(kms_headers(), KMS_BODY, None)["authorization"].to_str().unwrap().to_owned()
}

#[test]
fn signed_kms_request_round_trips_and_reports_its_scope() {
    let headers = signed(kms_headers(), KMS_BODY, None);
    let req = post(&headers, KMS_BODY);
    let auth = parse_authorization(&req).unwrap();
    assert_eq!(auth.credential.access_key_id, AKID);
    assert_eq!((auth.credential.date.as_str(), auth.credential.region.as_str()), ("20150830", REGION));
    assert_eq!(auth.credential.service, SERVICE);
    assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-date", "x-amz-target"]);
    assert_eq!((auth.timestamp, auth.location, auth.security_token), (suite_time(), SignatureLocation::Header, None));
    authenticate(&req).unwrap();
}

#[test]
fn session_token_is_signed_and_reported() {
    let headers = signed(kms_headers(), KMS_BODY, Some("session-token"));
    let req = post(&headers, KMS_BODY);
    let auth = parse_authorization(&req).unwrap();
    assert_eq!(auth.security_token.as_deref(), Some("session-token"));
    assert!(auth.signed_headers.iter().any(|h| h == "x-amz-security-token"));
    authenticate(&req).unwrap();
}

#[test]
fn sign_replaces_a_stale_date_and_marks_secrets_sensitive() {
    let mut headers = kms_headers();
    headers.insert("x-amz-date", HeaderValue::from_static("20000101T000000Z"));
    let added = sign(&post(&headers, KMS_BODY), AKID, SECRET, REGION, SERVICE, suite_time(), Some("t"));
    let names: Vec<&str> = added.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["x-amz-date", "x-amz-security-token", "authorization"]);
    assert_eq!(added[0].1, "20150830T123600Z");
    assert!(added[1].1.is_sensitive() && added[2].1.is_sensitive());
    assert_eq!(signed(headers, KMS_BODY, None)["x-amz-date"], "20150830T123600Z");
}

#[test]
fn a_flipped_signature_bit_is_rejected() {
    let authorization = kms_authorization();
    let last = authorization.chars().last().unwrap();
    let flipped = char::from_digit(last.to_digit(16).unwrap() ^ 1, 16).unwrap();
    let err = with_authorization(&format!("{}{flipped}", &authorization[..authorization.len() - 1]));
    assert_eq!(err, AuthError::InvalidSignature(MISMATCH.to_owned()));

    let headers = signed(kms_headers(), KMS_BODY, None);
    let req = post(&headers, KMS_BODY);
    let mut auth = parse_authorization(&req).unwrap();
    auth.signature[0] ^= 0x80;
    let key = signing_key(SECRET, "20150830", REGION, SERVICE);
    assert_eq!(super::verify(&auth, &req, &key).unwrap_err().message(), MISMATCH);
}

#[test]
fn a_changed_body_is_rejected() {
    let headers = signed(kms_headers(), KMS_BODY, None);
    let err = authenticate(&post(&headers, br#"{"KeyId":"alias/other","Plaintext":"aGVsbG8="}"#)).unwrap_err();
    assert_eq!(err.message(), MISMATCH);
}

#[test]
fn a_changed_signed_header_is_rejected_but_an_unsigned_one_is_not() {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("user-agent", HeaderValue::from_static("something-else"));
    headers.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    authenticate(&post(&headers, KMS_BODY)).unwrap();

    headers.insert("x-amz-target", HeaderValue::from_static("TrentService.Decrypt"));
    assert_eq!(authenticate(&post(&headers, KMS_BODY)).unwrap_err().message(), MISMATCH);
}

#[test]
fn a_missing_signed_header_is_rejected() {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.remove("x-amz-target");
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::InvalidSignature(
            "Header 'x-amz-target' is named in SignedHeaders but is absent from the request.".to_owned()
        )
    );
}

#[test]
fn repeated_headers_are_joined_and_whitespace_is_normalised() {
    let mut headers = kms_headers();
    headers.append("x-amz-list", HeaderValue::from_static("one"));
    headers.append("x-amz-list", HeaderValue::from_static("two"));
    headers.insert("x-amz-spaced", HeaderValue::from_static("a   b    c"));
    let mut headers = signed(headers, KMS_BODY, None);
    headers.insert("x-amz-spaced", HeaderValue::from_static("  a b c "));
    authenticate(&post(&headers, KMS_BODY)).unwrap();

    headers.remove("x-amz-list");
    headers.append("x-amz-list", HeaderValue::from_static("two"));
    headers.append("x-amz-list", HeaderValue::from_static("one"));
    assert_eq!(authenticate(&post(&headers, KMS_BODY)).unwrap_err().message(), MISMATCH);
}

const CONTENT_SHA256_MISMATCH: &str = "The provided 'x-amz-content-sha256' header does not match what was computed.";

#[test]
fn content_sha256_must_match_the_body() {
    let mut headers = kms_headers();
    headers.insert("x-amz-content-sha256", HeaderValue::from_str(&trent_crypto::sha256_hex(KMS_BODY)).unwrap());
    let headers = signed(headers, KMS_BODY, None);
    authenticate(&post(&headers, KMS_BODY)).unwrap();

    let mut headers = kms_headers();
    headers.insert("x-amz-content-sha256", HeaderValue::from_str(&trent_crypto::sha256_hex(b"{}")).unwrap());
    let headers = signed(headers, KMS_BODY, None);
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::InvalidSignature(CONTENT_SHA256_MISMATCH.into())
    );
}

/// Guards a declared payload hash that is not the body's (issue 8, item 4): `UNSIGNED-PAYLOAD`
/// is an S3 feature, and a second `x-amz-content-sha256` value must not go unchecked.
#[test]
fn unsigned_payload_and_a_second_declared_hash_are_refused() {
    let mut headers = kms_headers();
    headers.insert("x-amz-content-sha256", HeaderValue::from_static("UNSIGNED-PAYLOAD"));
    let headers = signed(headers, KMS_BODY, None);
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::InvalidSignature(CONTENT_SHA256_MISMATCH.into())
    );

    let mut headers = kms_headers();
    headers.append("x-amz-content-sha256", HeaderValue::from_str(&trent_crypto::sha256_hex(KMS_BODY)).unwrap());
    headers.append("x-amz-content-sha256", HeaderValue::from_static("UNSIGNED-PAYLOAD"));
    let headers = signed(headers, KMS_BODY, None);
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::InvalidSignature(CONTENT_SHA256_MISMATCH.into())
    );
}

#[test]
fn missing_authentication_is_its_own_error() {
    let headers = kms_headers();
    let err = authenticate(&post(&headers, KMS_BODY)).unwrap_err();
    assert_eq!(err, AuthError::MissingAuthenticationToken);
    assert_eq!(
        (err.aws_type(), err.message()),
        ("MissingAuthenticationTokenException", "Missing Authentication Token")
    );
    assert_eq!(err.to_string(), "Missing Authentication Token");
}

#[test]
fn incomplete_signatures_are_reported_in_aws_wording() {
    let full = kms_authorization();
    let (_, rest) = full.split_once(", ").unwrap();
    let (signed_headers, signature) = rest.split_once(", ").unwrap();
    let cases = [
        (
            format!("AWS4-HMAC-SHA256 {signed_headers}, {signature}"),
            "Authorization header requires 'Credential' parameter.".to_owned(),
        ),
        (
            "AWS4-HMAC-SHA256".to_owned(),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' \
             parameter. Authorization header requires 'SignedHeaders' parameter."
                .to_owned(),
        ),
        (
            "ApiKey 96989ee3".to_owned(),
            "Invalid key=value pair (missing equal-sign) in Authorization header.".to_owned(),
        ),
        (
            full.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'".into(),
        ),
        (
            full.replace("/service/aws4_request", "/service"),
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got \
             'AKIDEXAMPLE/20150830/us-east-1/service'"
                .to_owned(),
        ),
    ];
    for (value, message) in cases {
        let err = with_authorization(&value);
        assert_eq!(err, AuthError::IncompleteSignature(message), "{value}");
        assert_eq!(err.aws_type(), "IncompleteSignatureException");
    }
}

#[test]
fn a_missing_or_malformed_date_is_incomplete() {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("x-amz-date", HeaderValue::from_static("2015-08-30T12:36:00Z"));
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::IncompleteSignature(
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"
                .into()
        )
    );
    headers.remove("x-amz-date");
    assert_eq!(
        authenticate(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::IncompleteSignature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into()
        )
    );
}

#[test]
fn the_date_header_is_used_when_x_amz_date_is_absent() {
    let mut headers = kms_headers();
    headers.insert("date", HeaderValue::from_static("Sun, 30 Aug 2015 12:36:00 GMT"));
    let value = authorization_for(&post(&headers, KMS_BODY), &["date", "host", "x-amz-target"], suite_time());
    headers.insert("authorization", HeaderValue::from_str(&value).unwrap());
    let auth = parse_authorization(&post(&headers, KMS_BODY)).unwrap();
    assert_eq!(auth.timestamp, suite_time());
    authenticate(&post(&headers, KMS_BODY)).unwrap();

    headers.insert("x-amz-date", HeaderValue::from_static("20150830T123700Z"));
    assert_eq!(parse_authorization(&post(&headers, KMS_BODY)).unwrap().timestamp, suite_time() + minutes(1));
}

#[test]
fn authorization_whitespace_and_parameter_order_are_tolerated() {
    let full = kms_authorization();
    let (scope, rest) = full.split_once(", ").unwrap();
    let (signed_headers, signature) = rest.split_once(", ").unwrap();
    let credential = scope.trim_start_matches("AWS4-HMAC-SHA256 ");
    let value = format!("  AWS4-HMAC-SHA256   {signature} ,\t{credential},{signed_headers}  ");
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("authorization", HeaderValue::from_str(&value).unwrap());
    authenticate(&post(&headers, KMS_BODY)).unwrap();
}

#[test]
fn scope_inconsistencies_are_invalid_signatures() {
    let full = kms_authorization();
    assert_eq!(
        with_authorization(&full.replace("/20150830/", "/20150831/")),
        AuthError::InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != \
             '20150830', from '20150830T123600Z'."
                .into()
        )
    );
    let err = with_authorization(&full.replace("aws4_request", "aws5_request"));
    assert_eq!(
        err.message(),
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    );
    assert_eq!(err.aws_type(), "InvalidSignatureException");
    let (head, _) = full.rsplit_once('=').unwrap();
    assert_eq!(with_authorization(&format!("{head}=NOT-HEX")).message(), MISMATCH);
}

#[test]
fn header_and_query_signatures_together_are_refused() {
    let headers = signed(kms_headers(), KMS_BODY, None);
    let req = SignedRequest { query: Some("X-Amz-Algorithm=AWS4-HMAC-SHA256"), ..post(&headers, KMS_BODY) };
    assert!(
        matches!(parse_authorization(&req), Err(AuthError::IncompleteSignature(m)) if m.starts_with("Only one auth"))
    );
}

#[test]
fn a_non_ascii_authorization_header_is_incomplete() {
    let mut headers = kms_headers();
    headers.insert("authorization", HeaderValue::from_bytes(b"AWS4-HMAC-SHA256 Credential=\xff").unwrap());
    assert!(matches!(authenticate(&post(&headers, KMS_BODY)), Err(AuthError::IncompleteSignature(_))));
}

#[test]
fn every_error_maps_to_one_aws_type() {
    let table = [
        (AuthError::MissingAuthenticationToken, "MissingAuthenticationTokenException"),
        (AuthError::IncompleteSignature("m".into()), "IncompleteSignatureException"),
        (AuthError::InvalidSignature("m".into()), "InvalidSignatureException"),
    ];
    for (err, aws_type) in table {
        assert_eq!(err.aws_type(), aws_type);
    }
}

#[test]
fn secrets_and_signatures_do_not_print() {
    let key = signing_key(SECRET, "20150830", REGION, SERVICE);
    assert_eq!(format!("{key:?}"), "SigningKey([REDACTED])");
    let headers = signed(kms_headers(), KMS_BODY, Some("session-token"));
    let auth = parse_authorization(&post(&headers, KMS_BODY)).unwrap();
    let printed = format!("{auth:?}");
    let signature = kms_authorization().rsplit_once('=').unwrap().1.to_owned();
    assert!(!printed.contains("session-token") && !printed.contains(&signature[..16]), "{printed}");
}
