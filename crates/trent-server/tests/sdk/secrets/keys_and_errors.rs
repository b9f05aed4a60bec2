//! Customer managed keys (disabled and enabled again), resource policies, passwords, and
//! a caller without permissions.

use super::err_code;
use crate::common::TestServer;

#[tokio::test]
async fn secrets_under_a_customer_key_follow_its_state() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let kms = server.client();
    let key = server.new_key().await;
    let key_arn = server.key_arn(&key).await;
    sm.create_secret().name("cmk").kms_key_id(&key).secret_string("under cmk").send().await.unwrap();
    let d = sm.describe_secret().secret_id("cmk").send().await.unwrap();
    assert_eq!(d.kms_key_id(), Some(key.as_str()));
    let versions = sm.list_secret_version_ids().secret_id("cmk").send().await.unwrap();
    assert_eq!(versions.versions()[0].kms_key_ids(), [key_arn.as_str()]);
    assert_eq!(sm.get_secret_value().secret_id("cmk").send().await.unwrap().secret_string(), Some("under cmk"));

    kms.disable_key().key_id(&key).send().await.unwrap();
    assert_eq!(err_code(sm.get_secret_value().secret_id("cmk").send().await), "DecryptionFailure");
    assert_eq!(err_code(sm.put_secret_value().secret_id("cmk").secret_string("n").send().await), "EncryptionFailure");
    kms.enable_key().key_id(&key).send().await.unwrap();
    assert_eq!(sm.get_secret_value().secret_id("cmk").send().await.unwrap().secret_string(), Some("under cmk"));

    // The default key is the account's AWS managed key, created on first use.
    sm.create_secret().name("default").secret_string("d").send().await.unwrap();
    let alias = kms.describe_key().key_id("alias/aws/secretsmanager").send().await.unwrap();
    assert_eq!(alias.key_metadata().unwrap().key_manager().map(|m| m.as_str()), Some("AWS"));
    let missing = sm.create_secret().name("nokey").kms_key_id("alias/none").secret_string("x").send().await;
    assert_eq!(err_code(missing), "EncryptionFailure");
}

#[tokio::test]
async fn secrets_resource_policies_and_random_passwords() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let account = server.account().await;
    sm.create_secret().name("shared").secret_string("s").send().await.unwrap();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    );
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    sm.put_resource_policy().secret_id("shared").resource_policy(&policy).send().await.unwrap();
    let got = sm.get_resource_policy().secret_id("shared").send().await.unwrap();
    assert_eq!(got.resource_policy(), Some(policy.as_str()));
    let blocked = sm.put_resource_policy().secret_id("shared").resource_policy(public).block_public_policy(true);
    assert_eq!(err_code(blocked.send().await), "PublicPolicyException");
    let malformed = sm.put_resource_policy().secret_id("shared").resource_policy("{not json").send().await;
    assert_eq!(err_code(malformed), "MalformedPolicyDocumentException");
    let valid = sm.validate_resource_policy().resource_policy(&policy).send().await.unwrap();
    assert!(valid.policy_validation_passed());
    let open = sm.validate_resource_policy().secret_id("shared").resource_policy(public).send().await.unwrap();
    assert!(!open.policy_validation_passed());
    assert_eq!(open.validation_errors()[0].check_name(), Some("BLOCK_PUBLIC_POLICY"));
    sm.delete_resource_policy().secret_id("shared").send().await.unwrap();
    assert_eq!(sm.get_resource_policy().secret_id("shared").send().await.unwrap().resource_policy(), None);

    let p = sm.get_random_password().send().await.unwrap();
    let p = p.random_password().unwrap();
    assert_eq!(p.chars().count(), 32);
    let digits = sm.get_random_password().password_length(20).exclude_lowercase(true).exclude_uppercase(true);
    let digits = digits.exclude_punctuation(true).send().await.unwrap();
    assert!(digits.random_password().unwrap().chars().all(|c| c.is_ascii_digit()));
    let spaced = sm.get_random_password().password_length(4).include_space(true).exclude_characters("abc");
    assert_eq!(err_code(spaced.send().await), "InvalidParameterException", "five required types in four characters");
    let long = sm.get_random_password().password_length(4097).send().await;
    assert_eq!(err_code(long), "ValidationException");
    let none = sm.get_random_password().exclude_lowercase(true).exclude_uppercase(true).exclude_numbers(true);
    assert_eq!(err_code(none.exclude_punctuation(true).send().await), "InvalidParameterException");

    // A secret of an account that holds none is refused as one no policy shares.
    let unknown = sm.get_secret_value().secret_id("arn:aws:secretsmanager:us-east-1:999999999999:secret:x-AbCdEf");
    assert_eq!(err_code(unknown.send().await), "AccessDeniedException");
}
