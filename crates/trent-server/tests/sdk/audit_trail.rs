//! The audit trail end to end: calls of every service through the real server — allowed,
//! failed and denied, KMS, IAM, STS and CloudTrail itself — each become a CloudTrail record
//! before they are answered, none carrying a secret, and the chain verifies.

use crate::common::{TestServer, blob, expect_code};
use crate::iam::allow;

pub(crate) async fn lookup(server: &TestServer, body: &str) -> serde_json::Value {
    let mut req = crate::common::json_request(Some("CloudTrail_20131101.LookupEvents"), body);
    server.sign(&mut req, "us-east-1", "cloudtrail");
    let answer = server.send_raw(req).await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    answer.json()
}

pub(crate) fn records(page: &serde_json::Value) -> Vec<serde_json::Value> {
    page["Events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| serde_json::from_str(e["CloudTrailEvent"].as_str().expect("record")).expect("json"))
        .collect()
}

#[tokio::test]
async fn every_call_is_recorded_without_secrets_and_the_chain_verifies() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let canary = b"AUDIT-CANARY-PLAINTEXT-0123456789";
    let ct = kms.encrypt().key_id(&key).plaintext(blob(canary)).encryption_context("app", "x").send().await.unwrap();
    let dk = kms.generate_data_key().key_id(&key).number_of_bytes(32).send().await.unwrap();
    expect_code(kms.decrypt().ciphertext_blob(blob(&[7; 150])).send().await, "InvalidCiphertextException");
    let nobody = server.user_with_policy("nobody", Some(&allow(r#"["kms:ListKeys"]"#, "*"))).await;
    expect_code(server.kms(&nobody).encrypt().key_id(&key).plaintext(blob(b"x")).send().await, "AccessDeniedException");
    server.sts(&nobody).get_caller_identity().send().await.unwrap();

    let page = lookup(&server, r#"{"MaxResults":50}"#).await;
    let all = records(&page);
    let names: Vec<&str> = all.iter().map(|r| r["eventName"].as_str().unwrap()).collect();
    for expected in [
        "CreateKey",
        "Encrypt",
        "GenerateDataKey",
        "Decrypt",
        "CreateUser",
        "PutUserPolicy",
        "CreateAccessKey",
        "GetCallerIdentity",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let encrypts: Vec<_> = all.iter().filter(|r| r["eventName"] == "Encrypt").collect();
    assert_eq!(encrypts.len(), 2, "the allowed and the denied Encrypt");
    let denied = encrypts.iter().find(|r| r["errorCode"] == "AccessDeniedException").expect("denied call recorded");
    assert_eq!(denied["userIdentity"]["userName"], "nobody");
    let allowed = encrypts.iter().find(|r| r["errorCode"].is_null()).expect("allowed call recorded");
    assert_eq!(allowed["requestParameters"]["encryptionContext"]["app"], "x");
    assert_eq!(allowed["eventSource"], "kms.amazonaws.com");
    assert_eq!(allowed["awsRegion"], "us-east-1");
    assert_eq!(allowed["resources"][0]["ARN"], server.key_arn(&key).await);
    assert!(allowed["requestParameters"].get("plaintext").is_none());
    let failed = all.iter().find(|r| r["eventName"] == "Decrypt").expect("decrypt");
    assert_eq!(failed["errorCode"], "InvalidCiphertextException");
    let sts = all.iter().find(|r| r["eventName"] == "GetCallerIdentity").expect("sts");
    assert_eq!(sts["eventSource"], "sts.amazonaws.com");

    // No secret reached the trail: plaintext, data key, ciphertexts, the new access key's secret.
    let text = page.to_string();
    let b64 = |b: &[u8]| crate::common::base64(b);
    for secret in [
        b64(canary),
        b64(dk.plaintext().unwrap().as_ref()),
        b64(ct.ciphertext_blob().unwrap().as_ref()),
        b64(dk.ciphertext_blob().unwrap().as_ref()),
        nobody.secret.clone(),
    ] {
        assert!(!text.contains(&secret), "a secret is in the trail");
    }
    assert!(!text.contains("AUDIT-CANARY"));

    // The trail of this running server verifies under its public key.
    let store =
        trent_store::SqliteAuditStore::open_read_only(&server.data_dir().join("audit.db")).await.expect("open store");
    let report = trent_core::audit::verify(&store, &server.state.audit.public_key(), None).await.expect("verify");
    assert!(report.problem.is_none(), "{report:?}");
    assert!(report.events_checked as usize >= all.len());
}
