//! Members and operations of the Secrets Manager model that `aws-sdk-secretsmanager` 1.125 does
//! not have yet, driven with signed JSON: `CreateSecret`'s `CrossAccountPrimaryARN` (refused,
//! never ignored), `PolicyName` on the resource-policy operations and `ListResourcePolicies`.

use serde_json::{Value, json};

use crate::common::{RawAnswer, TestServer, json_request};
use crate::iam::{Creds, allow};

/// One Secrets Manager call with a raw JSON body, signed by `creds` in `us-east-1`.
async fn call_as(server: &TestServer, creds: &Creds, op: &str, body: &Value) -> RawAnswer {
    let mut req = json_request(Some(&format!("secretsmanager.{op}")), &body.to_string());
    server.sign_with(&mut req, creds, "us-east-1", "secretsmanager");
    server.send_raw(req).await
}

/// One Secrets Manager call with a raw JSON body, signed by the administrator.
async fn call(server: &TestServer, op: &str, body: &Value) -> RawAnswer {
    call_as(server, &server.admin_creds(), op, body).await
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

/// `PolicyName`: only `default` is put or deleted, another name is refused and changes nothing;
/// `GetResourcePolicy` of a name no policy has is not found; `ListResourcePolicies` lists the
/// names only, pages with a token it issued, and is authorized as its own action.
#[tokio::test]
async fn only_the_default_policy_is_put_got_deleted_and_listed() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let arn = ok(&server, "CreateSecret", &json!({"Name": "app", "SecretString": "v"})).await["ARN"].clone();
    let listed = |names: &[&str]| json!({"ResourcePolicies": names.iter().map(|n| json!({"PolicyName": n})).collect::<Vec<_>>()});
    let list = json!({"SecretId": "app"});
    assert_eq!(ok(&server, "ListResourcePolicies", &list).await, listed(&[]));

    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    );
    let put = |name: Option<&str>| match name {
        Some(n) => json!({"SecretId": "app", "ResourcePolicy": document, "PolicyName": n}),
        None => json!({"SecretId": "app", "ResourcePolicy": document}),
    };
    let (code, message) = refused(&server, "PutResourcePolicy", &put(Some("mine"))).await;
    assert_eq!((code.as_str(), message.contains("default")), ("InvalidParameterException", true), "{message}");
    assert_eq!(ok(&server, "ListResourcePolicies", &list).await, listed(&[]), "the refused put attached nothing");
    let answer = ok(&server, "PutResourcePolicy", &put(None)).await;
    assert_eq!(answer, json!({"ARN": arn, "Name": "app", "PolicyName": "default"}));
    assert_eq!(ok(&server, "PutResourcePolicy", &put(Some("default"))).await["PolicyName"], "default");
    assert_eq!(ok(&server, "ListResourcePolicies", &list).await, listed(&["default"]));
    let one = json!({"SecretId": "app", "MaxResults": 1});
    assert_eq!(ok(&server, "ListResourcePolicies", &one).await, listed(&["default"]), "one page, no NextToken");

    // Tokens: garbage, and a position this server never handed out.
    for token in ["garbage", "0000000000000001", "0000000000000000"] {
        let body = json!({"SecretId": "app", "NextToken": token});
        assert_eq!(refused(&server, "ListResourcePolicies", &body).await.0, "InvalidNextTokenException", "{token}");
    }
    let big = json!({"SecretId": "app", "MaxResults": 101});
    assert_eq!(refused(&server, "ListResourcePolicies", &big).await.0, "ValidationException");

    let got = ok(&server, "GetResourcePolicy", &json!({"SecretId": "app"})).await;
    assert_eq!(got["PolicyName"], "default");
    assert_eq!(got["ResourcePolicy"], document.as_str());
    let named = json!({"SecretId": "app", "PolicyName": "default"});
    assert_eq!(ok(&server, "GetResourcePolicy", &named).await, got);
    let other = json!({"SecretId": "app", "PolicyName": "cross-account-replication"});
    let (code, message) = refused(&server, "GetResourcePolicy", &other).await;
    assert_eq!(code, "ResourceNotFoundException");
    assert!(message.contains("cross-account-replication"), "{message}");
    // The name's pattern and length are the model's.
    for bad in ["a b", "", &"n".repeat(65)] {
        let body = json!({"SecretId": "app", "PolicyName": bad});
        let (code, message) = refused(&server, "GetResourcePolicy", &body).await;
        assert_eq!(code, "ValidationException", "{bad:?}");
        assert!(message.contains("'policyName'"), "{message}");
    }

    // A user who may read the secret and its policy but not list the policies.
    let reader = allow(r#"["secretsmanager:GetResourcePolicy", "secretsmanager:DescribeSecret"]"#, "*");
    let reader = server.user_with_policy("reader", Some(&reader)).await;
    assert_eq!(call_as(&server, &reader, "GetResourcePolicy", &list).await.status, 200);
    assert_eq!(call_as(&server, &reader, "ListResourcePolicies", &list).await.error_type(), "AccessDeniedException");
    let missing = json!({"SecretId": "missing"});
    assert_eq!(refused(&server, "ListResourcePolicies", &missing).await.0, "ResourceNotFoundException");

    let delete = |name: Option<&str>| match name {
        Some(n) => json!({"SecretId": "app", "PolicyName": n}),
        None => json!({"SecretId": "app"}),
    };
    let (code, _) = refused(&server, "DeleteResourcePolicy", &delete(Some("cross-account-replication"))).await;
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(ok(&server, "ListResourcePolicies", &list).await, listed(&["default"]), "the refused delete kept it");
    let answer = ok(&server, "DeleteResourcePolicy", &delete(None)).await;
    assert_eq!(answer, json!({"ARN": arn, "Name": "app", "PolicyName": "default"}));
    assert_eq!(ok(&server, "ListResourcePolicies", &list).await, listed(&[]));
    let got = ok(&server, "GetResourcePolicy", &json!({"SecretId": "app"})).await;
    assert_eq!(got, json!({"ARN": arn, "Name": "app", "PolicyName": "default"}), "no policy: no ResourcePolicy");
}
