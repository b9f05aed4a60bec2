//! The bounds on what a request may ask of the verifier: the signed header list (its length,
//! repeats, `host`), the query's parameters, the credential's parts, the session token, and
//! the size of the canonical request they allow.

use http::HeaderValue;

use super::super::canonical::{self, AmzDate, Scope, SigningInput};
use super::super::limits::canonical_len_bound;
use super::super::{
    AuthError, MAX_QUERY_PARAMETERS, MAX_SIGNED_HEADERS, SignedRequest, parse_authorization, sign, signing_key, verify,
};
use super::{
    AKID, KMS_BODY, REGION, SECRET, SERVICE, authenticate, header_map, kms_headers, minutes, post, signed, suite_time,
};

const HOST_NOT_SIGNED: &str = "'Host' must be a 'SignedHeader' in the AWS Authorization.";

/// An `Authorization` value listing `names` with a made-up signature: what an attacker sends.
fn forged_authorization(names: &[&str]) -> HeaderValue {
    let value = format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/20150830/{REGION}/{SERVICE}/aws4_request, SignedHeaders={}, Signature={}",
        names.join(";"),
        "0".repeat(64)
    );
    HeaderValue::from_str(&value).unwrap()
}

/// The canonical request of `req` signing `names`, as `verify` would build it.
fn canonical_request(req: &SignedRequest<'_>, names: &[&str]) -> Result<Vec<u8>, AuthError> {
    let amz_date = AmzDate::new(suite_time());
    let hash = canonical::payload_hash_hex(req.body);
    let input = SigningInput {
        signed_headers: names,
        query_auth: false,
        payload_hash: &hash,
        amz_date: &amz_date,
        scope: Scope { date: amz_date.date(), region: REGION, service: SERVICE },
    };
    canonical::canonical_request(req, &input)
}

/// Guards the SigV4 amplification hole (issue 8, item 4): a 50 KB header named 5 000 times in
/// `SignedHeaders` made the verifier reserve and hash a 250 MB canonical request.
#[test]
fn a_header_named_many_times_is_refused_before_the_canonical_request_is_built() {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("x-amz-pad", HeaderValue::from_str(&"a".repeat(50_000)).unwrap());
    let mut names = vec!["host"];
    names.extend(std::iter::repeat_n("x-amz-pad", 5_000));
    let too_many = AuthError::InvalidSignature("SignedHeaders lists 5001 headers; at most 64 may be signed.".into());

    // The builder refuses the list, and what it may build for this request is small.
    let req = post(&headers, KMS_BODY);
    assert_eq!(canonical_request(&req, &names), Err(too_many.clone()));
    assert!(canonical_len_bound(&req) < 250_000, "{}", canonical_len_bound(&req));
    assert_eq!(
        canonical_request(&req, &["host", "x-amz-pad", "X-Amz-Pad"]),
        Err(AuthError::InvalidSignature("Header 'X-Amz-Pad' is named more than once in SignedHeaders.".into()))
    );

    // Parsing refuses the list before collecting it; `verify` refuses it even when handed it.
    headers.insert("authorization", forged_authorization(&names));
    let req = post(&headers, KMS_BODY);
    assert_eq!(parse_authorization(&req).unwrap_err(), too_many);
    headers.insert("authorization", forged_authorization(&["host", "x-amz-pad"]));
    let req = post(&headers, KMS_BODY);
    let mut auth = parse_authorization(&req).unwrap();
    auth.signed_headers = names.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(verify(&auth, &req, &signing_key(SECRET, "20150830", REGION, SERVICE)), Err(too_many));
}

/// Guards the SigV4 amplification hole (issue 8, item 4): many values under one name, named
/// repeatedly, multiplied the same way; a list longer than the request's headers is refused
/// (it must repeat a name or name an absent header).
#[test]
fn a_list_longer_than_the_request_or_the_bound_is_refused() {
    let mut headers = kms_headers();
    for _ in 0..90 {
        headers.append("x-amz-pad", HeaderValue::from_static("b"));
    }
    let headers = signed(headers, KMS_BODY, None);
    let req = post(&headers, KMS_BODY);
    assert_eq!(req.headers.keys_len(), 7);
    let names = ["content-type", "host", "x-amz-date", "x-amz-pad", "x-amz-pad", "x-amz-pad", "x-amz-target", "x"];
    assert_eq!(
        canonical_request(&req, &names),
        Err(AuthError::InvalidSignature("Header 'x-amz-pad' is named more than once in SignedHeaders.".into()))
    );
    let names = ["content-type", "host", "user-agent", "x-amz-date", "x-amz-pad", "x-amz-target", "authorization", "x"];
    assert_eq!(
        canonical_request(&req, &names),
        Err(AuthError::InvalidSignature("Header 'x' is named in SignedHeaders but is absent from the request.".into()))
    );
    // Signed once, every value counts once: the request verifies.
    authenticate(&req).unwrap();

    // Exactly the bound is accepted; one more is not.
    let mut many = kms_headers();
    for i in 0..MAX_SIGNED_HEADERS - 4 {
        many.insert(http::HeaderName::from_bytes(format!("x-amz-h{i:02}").as_bytes()).unwrap(), "v".parse().unwrap());
    }
    let many = signed(many, KMS_BODY, None);
    let auth = parse_authorization(&post(&many, KMS_BODY)).unwrap();
    assert_eq!(auth.signed_headers.len(), MAX_SIGNED_HEADERS);
    authenticate(&post(&many, KMS_BODY)).unwrap();
    let mut names: Vec<&str> = auth.signed_headers.iter().map(String::as_str).collect();
    names.push("user-agent");
    assert_eq!(
        canonical_request(&post(&many, KMS_BODY), &names),
        Err(AuthError::InvalidSignature("SignedHeaders lists 65 headers; at most 64 may be signed.".into()))
    );
}

#[test]
fn the_host_header_must_be_signed_in_either_location() {
    let mut headers = signed(kms_headers(), KMS_BODY, None);
    headers.insert("authorization", forged_authorization(&["content-type", "x-amz-date"]));
    assert_eq!(authenticate(&post(&headers, KMS_BODY)), Err(AuthError::InvalidSignature(HOST_NOT_SIGNED.into())));

    let headers = header_map(&[("host", "kms.us-east-1.amazonaws.com")]);
    let req = SignedRequest { method: "GET", path: "/", query: Some("Action=Describe"), headers: &headers, body: b"" };
    let query = super::super::presign(&req, AKID, SECRET, REGION, SERVICE, suite_time(), minutes(5), None);
    let query = query.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date");
    let req = SignedRequest { query: Some(&query), ..req };
    assert_eq!(parse_authorization(&req).unwrap_err(), AuthError::InvalidSignature(HOST_NOT_SIGNED.into()));
}

/// Guards unbounded query parsing (issue 8, item 4): the number of query parameters a signed
/// request may have is bounded before any of them is decoded.
#[test]
fn the_query_has_a_bounded_number_of_parameters() {
    let at_bound: String = (0..MAX_QUERY_PARAMETERS).map(|i| format!("P{i}=v")).collect::<Vec<_>>().join("&");
    let unsigned = kms_headers();
    let added = sign(
        &SignedRequest { query: Some(&at_bound), ..post(&unsigned, KMS_BODY) },
        AKID,
        SECRET,
        REGION,
        SERVICE,
        suite_time(),
        None,
    );
    let mut headers = unsigned.clone();
    for (name, value) in added {
        headers.insert(name, value);
    }
    authenticate(&SignedRequest { query: Some(&at_bound), ..post(&headers, KMS_BODY) }).unwrap();
    let over = format!("{at_bound}&&&P=v");
    let req = SignedRequest { query: Some(&over), ..post(&headers, KMS_BODY) };
    assert_eq!(
        parse_authorization(&req).unwrap_err(),
        AuthError::InvalidSignature("The query string has more than 1000 parameters.".into())
    );
    let presigned = format!("{at_bound}&X-Amz-Algorithm=AWS4-HMAC-SHA256");
    let headers = kms_headers();
    let req = SignedRequest { query: Some(&presigned), ..post(&headers, KMS_BODY) };
    assert_eq!(
        parse_authorization(&req).unwrap_err(),
        AuthError::InvalidSignature("The query string has more than 1000 parameters.".into())
    );
}

/// Guards unbounded credential parts and session tokens (issue 8, item 4).
#[test]
fn credential_parts_and_session_tokens_are_bounded() {
    let long_key = "A".repeat(129);
    let headers = signed(kms_headers(), KMS_BODY, None);
    let value = headers["authorization"].to_str().unwrap().replace(AKID, &long_key);
    let mut forged = headers.clone();
    forged.insert("authorization", HeaderValue::from_str(&value).unwrap());
    let message = format!(
        "Credential elements must be at most 128 characters long, got '{}'",
        &format!("{long_key}/20150830/{REGION}/{SERVICE}/aws4_request")[..128]
    );
    assert_eq!(authenticate(&post(&forged, KMS_BODY)), Err(AuthError::IncompleteSignature(message)));
    let long_region = value.replace(&long_key, AKID).replace(REGION, &"r".repeat(129));
    forged.insert("authorization", HeaderValue::from_str(&long_region).unwrap());
    assert!(
        matches!(authenticate(&post(&forged, KMS_BODY)), Err(AuthError::IncompleteSignature(m)) if m.starts_with("Credential elements"))
    );

    let token = "t".repeat(8192);
    let headers = signed(kms_headers(), KMS_BODY, Some(&token));
    assert_eq!(parse_authorization(&post(&headers, KMS_BODY)).unwrap().security_token.as_deref(), Some(&token[..]));
    let token = "t".repeat(8193);
    let headers = signed(kms_headers(), KMS_BODY, Some(&token));
    assert_eq!(
        parse_authorization(&post(&headers, KMS_BODY)).unwrap_err(),
        AuthError::IncompleteSignature("X-Amz-Security-Token must be at most 8192 characters long.".into())
    );
}

/// The canonical request of every request the suite signs stays within the bound.
#[test]
fn canonical_requests_stay_within_the_bound() {
    let mut headers = kms_headers();
    headers.append("x-amz-list", HeaderValue::from_static("one"));
    headers.append("x-amz-list", HeaderValue::from_static("  two  "));
    let headers = signed(headers, KMS_BODY, None);
    for query in [None, Some(""), Some("a"), Some("+&%&b=%zz&c=%41"), Some("x=1&x=2&&")] {
        for path in ["", "/", "/a b/%2F/..", "/\u{e9}"] {
            let req = SignedRequest { path, query, ..post(&headers, KMS_BODY) };
            let names: Vec<String> = parse_authorization(&req).unwrap().signed_headers;
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let creq = canonical_request(&req, &names).unwrap();
            assert!(creq.len() <= canonical_len_bound(&req), "{path:?} {query:?}");
        }
    }
}
