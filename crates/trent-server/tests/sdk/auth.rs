//! Authentication and the HTTP boundary: SigV4 failures (secret, access key, clock skew,
//! region, service), partitions of `*` regions, and, with raw requests, missing or malformed
//! signatures, unknown targets, malformed bodies, the error body's exact shape, `/health`.

use trent_core::Clock as _;
use trent_server::RawConfig;

use crate::common::{RawAnswer, TestServer, expect_code, json_request};

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your \
                        AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[tokio::test]
async fn a_wrong_secret_or_an_unknown_access_key_is_refused() {
    let server = TestServer::start().await;
    let zero = time::Duration::ZERO;
    let wrong = server.client_with(&server.access_key_id, "wrong-secret", "us-east-1", zero);
    assert_eq!(expect_code(wrong.list_keys().send().await, "InvalidSignatureException"), MISMATCH);
    let unknown = server.client_with("AKIAZZZZZZZZZZZZZZZZ", &server.secret_access_key, "us-east-1", zero);
    let m = expect_code(unknown.list_keys().send().await, "UnrecognizedClientException");
    assert_eq!(m, "The security token included in the request is invalid.");
    // Neither created anything; the right credentials still work.
    assert!(server.client().list_keys().send().await.unwrap().keys().is_empty());
}

#[tokio::test]
async fn a_signature_is_valid_for_fifteen_minutes_either_way() {
    let server = TestServer::start().await;
    let at = |minutes: i64| {
        server.client_with(
            &server.access_key_id,
            &server.secret_access_key,
            "us-east-1",
            time::Duration::minutes(minutes),
        )
    };
    let m = expect_code(at(-16).list_keys().send().await, "InvalidSignatureException");
    assert!(m.starts_with("Signature expired: ") && m.ends_with("15 min.)"), "{m}");
    let m = expect_code(at(16).list_keys().send().await, "InvalidSignatureException");
    assert!(m.starts_with("Signature not yet current: ") && m.ends_with("15 min.)"), "{m}");
    at(-14).list_keys().send().await.unwrap();
    at(14).list_keys().send().await.unwrap();
    // The window follows the server's clock, not the wall clock.
    server.clock.advance(time::Duration::days(3));
    at(0).list_keys().send().await.unwrap();
    let m = expect_code(at(-16).list_keys().send().await, "InvalidSignatureException");
    assert!(m.starts_with("Signature expired"), "{m}");
}

#[tokio::test]
async fn a_region_the_server_does_not_host_is_refused() {
    let server = TestServer::start().await;
    let m = expect_code(server.client_in("eu-west-1").list_keys().send().await, "InvalidSignatureException");
    assert_eq!(m, "Credential should be scoped to a valid region.");
    let m = expect_code(server.client_in("not-a-region").list_keys().send().await, "InvalidSignatureException");
    assert_eq!(m, "Credential should be scoped to a valid region.");
}

#[tokio::test]
async fn with_every_region_hosted_each_region_names_its_partition() {
    let server = TestServer::start_with(RawConfig { regions: Some(vec!["*".into()]), ..Default::default() }).await;
    let mut arns = Vec::new();
    for (region, partition) in [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("ap-south-1", "aws")] {
        let kms = server.client_in(region);
        let m = kms.create_key().send().await.unwrap().key_metadata().unwrap().clone();
        let arn = m.arn().unwrap().to_owned();
        let account = m.aws_account_id().unwrap();
        assert_eq!(arn, format!("arn:{partition}:kms:{region}:{account}:key/{}", m.key_id()));
        let again = kms.describe_key().key_id(&arn).send().await.unwrap();
        assert_eq!(again.key_metadata().unwrap().arn(), Some(arn.as_str()));
        arns.push((region, arn, m.key_id().to_owned()));
    }
    for (home, arn, id) in &arns {
        for (elsewhere, _, _) in arns.iter().filter(|(r, _, _)| r != home) {
            let kms = server.client_in(elsewhere);
            expect_code(kms.describe_key().key_id(arn).send().await, "NotFoundException");
            expect_code(kms.describe_key().key_id(id).send().await, "NotFoundException");
        }
        expect_code(server.client().describe_key().key_id(arn).send().await, "NotFoundException");
    }
}

/// Asserts the exact awsJson1_1 error framing and returns the message.
#[track_caller]
fn assert_error(answer: &RawAnswer, status: u16, code: &str) -> String {
    assert_eq!(answer.status, status, "{}", String::from_utf8_lossy(&answer.body));
    assert_eq!(answer.headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/x-amz-json-1.1"[..]));
    assert!(answer.headers.get("x-amzn-requestid").is_some_and(|v| v.len() == 36), "{:?}", answer.headers);
    let json = answer.json();
    let object = json.as_object().expect("a JSON object");
    let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["__type", "message"], "{json}");
    assert_eq!(object["__type"].as_str(), Some(code), "{json}");
    object["message"].as_str().expect("message is a string").to_owned()
}

#[tokio::test]
async fn unsigned_malformed_and_misdirected_signatures() {
    let server = TestServer::start().await;
    let answer = server.send_raw(json_request(Some("TrentService.ListKeys"), "{}")).await;
    assert_eq!(assert_error(&answer, 403, "MissingAuthenticationTokenException"), "Missing Authentication Token");
    // An unsigned probe of an unknown target learns nothing more.
    let answer = server.send_raw(json_request(Some("Nope.Nothing"), "{}")).await;
    assert_error(&answer, 403, "MissingAuthenticationTokenException");
    let mut req = json_request(Some("TrentService.ListKeys"), "{}");
    req.headers_mut().insert("authorization", "AWS4-HMAC-SHA256 garbage".parse().unwrap());
    req.headers_mut().insert("x-amz-date", "20250101T000000Z".parse().unwrap());
    assert_error(&server.send_raw(req).await, 400, "IncompleteSignatureException");
    let mut req = json_request(Some("TrentService.ListKeys"), "{}");
    server.sign(&mut req, "us-east-1", "sts");
    let m = assert_error(&server.send_raw(req).await, 400, "InvalidSignatureException");
    assert_eq!(m, "Credential should be scoped to correct service: 'kms'.");
    // Long-term access keys carry no session token: a token makes the client unrecognized.
    let mut req = json_request(Some("TrentService.ListKeys"), "{}");
    let headers = {
        let view = trent_wire::sigv4::SignedRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: req.headers(),
            body: req.body(),
        };
        let (akid, secret) = (&server.access_key_id, server.secret_access_key.as_bytes());
        trent_wire::sigv4::sign(&view, akid, secret, "us-east-1", "kms", server.clock.now(), Some("session-token"))
    };
    req.headers_mut().extend(headers);
    assert_error(&server.send_raw(req).await, 400, "UnrecognizedClientException");
    // A signed request whose body was changed afterwards.
    let mut req = json_request(Some("TrentService.ListKeys"), "{}");
    server.sign(&mut req, "us-east-1", "kms");
    *req.body_mut() = br#"{"Limit":1}"#.to_vec();
    assert_eq!(assert_error(&server.send_raw(req).await, 400, "InvalidSignatureException"), MISMATCH);
}

#[tokio::test]
async fn unknown_targets_answer_unknown_operation() {
    let server = TestServer::start().await;
    for target in
        ["TrentService.NoSuchOp", "TrentService.connectCustomKeyStore", "TrentService.", "SecretsManager.ListSecrets"]
    {
        let mut req = json_request(Some(target), "{}");
        server.sign(&mut req, "us-east-1", "kms");
        assert_error(&server.send_raw(req).await, 400, "UnknownOperationException");
    }
    let mut req = json_request(None, "{}");
    server.sign(&mut req, "us-east-1", "kms");
    assert_error(&server.send_raw(req).await, 400, "UnknownOperationException");
}

#[tokio::test]
async fn malformed_bodies_and_missing_members() {
    let server = TestServer::start().await;
    let m = assert_error(&server.call_raw("DescribeKey", "{not json").await, 400, "SerializationException");
    assert!(!m.contains("not json"), "{m}");
    assert_error(&server.call_raw("DescribeKey", r#"{"KeyId": 5}"#).await, 400, "SerializationException");
    assert_error(&server.call_raw("DescribeKey", "[]").await, 400, "SerializationException");
    let m = assert_error(
        &server.call_raw("Encrypt", r#"{"KeyId":"k","Plaintext":"%%%"}"#).await,
        400,
        "SerializationException",
    );
    assert!(!m.contains("%%%"), "{m}");
    let m = assert_error(&server.call_raw("DescribeKey", "{}").await, 400, "ValidationException");
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );
    // An empty body is an empty object, as the SDKs send for operations without input.
    let ok = server.call_raw("ListKeys", "").await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
}

#[tokio::test]
async fn answers_carry_content_type_and_a_fresh_request_id() {
    let server = TestServer::start().await;
    let ok = server.call_raw("CreateKey", "{}").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/x-amz-json-1.1"[..]));
    let id = ok.json()["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let missing = server.call_raw("DescribeKey", r#"{"KeyId":"00000000-0000-0000-0000-000000000000"}"#).await;
    assert_error(&missing, 400, "NotFoundException");
    let disabled = server.call_raw("DisableKey", &format!(r#"{{"KeyId":"{id}"}}"#)).await;
    assert_eq!(disabled.status, 200);
    let refused = server.call_raw("Encrypt", &format!(r#"{{"KeyId":"{id}","Plaintext":"AAAA"}}"#)).await;
    assert_error(&refused, 400, "DisabledException");
    let bad_blob = server.call_raw("Decrypt", r#"{"CiphertextBlob":"AAAA"}"#).await;
    assert_eq!(assert_error(&bad_blob, 400, "InvalidCiphertextException"), "");
    let ids: std::collections::HashSet<_> =
        [&ok, &missing, &refused, &bad_blob].iter().map(|a| a.headers["x-amzn-requestid"].clone()).collect();
    assert_eq!(ids.len(), 4, "request ids are unique");
}

#[tokio::test]
async fn health_answers_without_a_signature() {
    let server = TestServer::start().await;
    let req = http::Request::builder().method("GET").uri("/health").header("host", "localhost");
    let answer = server.send_raw(req.body(Vec::new()).unwrap()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, b"ok");
}

#[tokio::test]
async fn an_oversized_body_gets_an_aws_shaped_error() {
    let server = TestServer::start().await;
    let body = format!(r#"{{"KeyId":"k","Plaintext":"{}"}}"#, "A".repeat(trent_server::MAX_BODY));
    let mut req = json_request(Some("TrentService.Encrypt"), &body);
    server.sign(&mut req, "us-east-1", "kms");
    let answer = server.send_raw(req).await;
    assert!(matches!(answer.status, 400 | 413), "{answer:?}");
    let m = assert_error(&answer, answer.status, &answer.error_type());
    assert!(!m.contains("AAAA"), "{m}");
}
