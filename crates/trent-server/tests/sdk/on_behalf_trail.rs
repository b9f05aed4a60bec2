//! KMS calls made by Secrets Manager and Parameter Store on a caller's behalf are in the
//! trail as AWS CloudTrail records them: KMS events of the caller with `invokedBy`,
//! `sourceIPAddress` and `userAgent` naming the service, the key's ARN and the encryption
//! context, never the value; a customer managed key's use reaches its owner's trail.

use aws_sdk_ssm::types::ParameterType;
use serde_json::Value;

use crate::audit_trail::{lookup, records};
use crate::common::TestServer;
use crate::iam::{Creds, allow};
use crate::key_policies::second_account;

/// The KMS events of the trail that `service` made on someone's behalf, oldest first.
async fn on_behalf_events(server: &TestServer, service: &str) -> (Vec<Value>, String) {
    let body =
        r#"{"MaxResults":50,"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"kms.amazonaws.com"}]}"#;
    let page = lookup(server, body).await;
    let principal = format!("{service}.amazonaws.com");
    let mut events: Vec<Value> =
        records(&page).into_iter().filter(|r| r["userIdentity"]["invokedBy"] == principal.as_str()).collect();
    events.reverse();
    (events, page.to_string())
}

fn assert_shaped(event: &Value, service: &str, key_arn: &str) {
    let principal = format!("{service}.amazonaws.com");
    assert_eq!(event["eventSource"], "kms.amazonaws.com", "{event}");
    assert_eq!(event["sourceIPAddress"], principal.as_str(), "{event}");
    assert_eq!(event["userAgent"], principal.as_str(), "{event}");
    assert_eq!(event["readOnly"], true, "{event}");
    assert_eq!(event["resources"][0]["ARN"], key_arn, "{event}");
    assert_eq!(event["resources"][0]["type"], "AWS::KMS::Key", "{event}");
    assert!(event["errorCode"].is_null(), "{event}");
    assert!(event["responseElements"].is_null(), "{event}");
}

#[tokio::test]
async fn get_secret_value_records_the_kms_calls_made_for_the_caller() {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let key_arn = server.key_arn(&key).await;
    let sm = server.secrets();
    let canary = "ON-BEHALF-CANARY-SECRET-7f3a";
    let created = sm.create_secret().name("db").kms_key_id(&key).secret_string(canary).send().await.unwrap();
    let secret_arn = created.arn().unwrap().to_owned();
    let version = created.version_id().unwrap().to_owned();
    for _ in 0..2 {
        let got = sm.get_secret_value().secret_id("db").send().await.unwrap();
        assert_eq!(got.secret_string(), Some(canary));
    }

    let (events, text) = on_behalf_events(&server, "secretsmanager").await;
    let names: Vec<&str> = events.iter().map(|e| e["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["GenerateDataKey", "Decrypt", "Decrypt"], "CreateSecret, then each GetSecretValue");
    let body = r#"{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"GetSecretValue"}]}"#;
    let own = records(&lookup(&server, body).await);
    let admin_arn = own[0]["userIdentity"]["arn"].as_str().expect("the caller's ARN").to_owned();
    for event in &events {
        assert_shaped(event, "secretsmanager", &key_arn);
        assert_eq!(event["userIdentity"]["arn"], admin_arn.as_str(), "the caller's identity: {event}");
        let ctx = &event["requestParameters"]["encryptionContext"];
        assert_eq!(ctx["SecretARN"], secret_arn.as_str(), "{event}");
        assert_eq!(ctx["SecretVersionId"], version.as_str(), "{event}");
    }
    assert_eq!(events[0]["requestParameters"]["keyId"], key.as_str());
    assert_eq!(events[0]["requestParameters"]["keySpec"], "AES_256");
    assert_eq!(events[1]["requestParameters"]["encryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    assert!(!text.contains(canary), "the secret value is in the trail");
}

#[tokio::test]
async fn secure_string_put_and_decrypting_get_record_encrypt_and_decrypt() {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let key_arn = server.key_arn(&key).await;
    let ssm = server.ssm(&server.admin_creds());
    let canary = "ON-BEHALF-CANARY-PARAMETER-91c2";
    ssm.put_parameter()
        .name("/app/db")
        .value(canary)
        .r#type(ParameterType::SecureString)
        .key_id(&key)
        .send()
        .await
        .unwrap();
    let got = ssm.get_parameter().name("/app/db").with_decryption(true).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some(canary));
    // Without decryption, no KMS call is made.
    ssm.get_parameter().name("/app/db").with_decryption(false).send().await.unwrap();

    let (events, text) = on_behalf_events(&server, "ssm").await;
    let names: Vec<&str> = events.iter().map(|e| e["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Encrypt", "Decrypt"]);
    let parameter_arn = format!("arn:aws:ssm:us-east-1:{}:parameter/app/db", server.account().await);
    for event in &events {
        assert_shaped(event, "ssm", &key_arn);
        assert_eq!(event["requestParameters"]["encryptionContext"]["PARAMETER_ARN"], parameter_arn.as_str());
    }
    assert!(!text.contains(canary), "the parameter value is in the trail");

    // A refused decryption is recorded with its error, as the caller's.
    server.client().disable_key().key_id(&key).send().await.unwrap();
    assert!(ssm.get_parameter().name("/app/db").with_decryption(true).send().await.is_err());
    let (events, _) = on_behalf_events(&server, "ssm").await;
    let last = events.last().unwrap();
    assert_eq!(last["eventName"], "Decrypt");
    assert_eq!(last["errorCode"], "DisabledException", "{last}");
}

#[tokio::test]
async fn a_customer_managed_keys_use_by_another_account_reaches_the_owners_trail() {
    let server = TestServer::start().await;
    let owner = server.account().await;
    let (partner, partner_admin) = second_account(&server).await;
    let key = server.new_key().await;
    let key_arn = server.key_arn(&key).await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner}:root"}},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}]}}"#
    );
    server.client().put_key_policy().key_id(&key).policy_name("default").policy(policy).send().await.unwrap();
    let carol: Creds = {
        let iam = server.iam(&partner_admin);
        iam.create_user().user_name("carol").send().await.unwrap();
        let policy = allow(r#"["ssm:*", "kms:Encrypt", "kms:Decrypt"]"#, "*");
        iam.put_user_policy().user_name("carol").policy_name("p").policy_document(policy).send().await.unwrap();
        let k = iam.create_access_key().user_name("carol").send().await.unwrap();
        let k = k.access_key().unwrap();
        Creds { id: k.access_key_id().to_owned(), secret: k.secret_access_key().to_owned(), token: None }
    };
    let ssm = server.ssm(&carol);
    let put = ssm.put_parameter().name("/partner/token").value("partner-only").r#type(ParameterType::SecureString);
    put.key_id(&key_arn).send().await.unwrap();
    ssm.get_parameter().name("/partner/token").with_decryption(true).send().await.unwrap();

    // The owner's trail (LookupEvents is signed by the owner's administrator).
    let (events, _) = on_behalf_events(&server, "ssm").await;
    let names: Vec<&str> = events.iter().map(|e| e["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Encrypt", "Decrypt"], "the partner's use of the owner's key");
    for event in &events {
        assert_shaped(event, "ssm", &key_arn);
        assert_eq!(event["recipientAccountId"], owner.as_str());
        assert_eq!(event["userIdentity"]["type"], "AWSAccount", "{event}");
        assert_eq!(event["userIdentity"]["accountId"], partner.as_str(), "{event}");
        assert!(event["sharedEventID"].is_string(), "{event}");
    }
}
