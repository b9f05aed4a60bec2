//! Members and operations of the Secrets Manager model that `aws-sdk-secretsmanager` 1.125 does
//! not have yet, driven with signed JSON: `CreateSecret`'s `CrossAccountPrimaryARN` (refused,
//! never ignored).

use serde_json::{Value, json};

use crate::common::{RawAnswer, TestServer, json_request};

/// One Secrets Manager call with a raw JSON body, signed by the administrator in `us-east-1`.
async fn call(server: &TestServer, op: &str, body: &Value) -> RawAnswer {
    let mut req = json_request(Some(&format!("secretsmanager.{op}")), &body.to_string());
    server.sign(&mut req, "us-east-1", "secretsmanager");
    server.send_raw(req).await
}

/// The answer of a call that must succeed.
async fn ok(server: &TestServer, op: &str, body: &Value) -> Value {
    let answer = call(server, op, body).await;
    assert_eq!(answer.status, 200, "{op}: {}", answer.json());
    answer.json()
}

/// The `__type` and message of a call that must fail with HTTP 400.
async fn refused(server: &TestServer, op: &str, body: &Value) -> (String, String) {
    let answer = call(server, op, body).await;
    assert_eq!(answer.status, 400, "{op}: {}", answer.json());
    let message = answer.json()["message"].as_str().or(answer.json()["Message"].as_str()).unwrap_or("").to_owned();
    (answer.error_type(), message)
}

/// Regression: `CreateSecret` with `CrossAccountPrimaryARN` used to create an ordinary secret
/// and answer success, as if the replica had been made.
#[tokio::test]
async fn a_cross_account_replica_is_refused_and_nothing_is_created() {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let primary = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app-AbCdEf";
    let body = json!({"Name": "app", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let (code, message) = refused(&server, "CreateSecret", &body).await;
    assert_eq!(code, "InvalidRequestException");
    assert!(message.contains("CrossAccountPrimaryARN"), "{message}");
    let (code, _) = refused(&server, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(code, "ResourceNotFoundException", "no secret was created in the replica's place");
    // The member's bounds are the model's, checked first.
    let short = json!({"Name": "app", "CrossAccountPrimaryARN": "arn:short"});
    let (code, message) = refused(&server, "CreateSecret", &short).await;
    assert_eq!(code, "ValidationException");
    assert!(message.contains("'crossAccountPrimaryARN'"), "{message}");
    // Without it, the same request creates the secret.
    ok(&server, "CreateSecret", &json!({"Name": "app", "KmsKeyId": key})).await;
}
