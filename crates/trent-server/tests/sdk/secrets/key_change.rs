//! `UpdateSecret` with a new `KmsKeyId`, as AWS documents it: new versions use the new key,
//! and the versions labelled `AWSCURRENT`, `AWSPENDING` or `AWSPREVIOUS` are encrypted again
//! under it (when the caller may use the new key); unlabelled versions keep their old key; an
//! empty `KmsKeyId` means the AWS managed key `aws/secretsmanager`.

use super::err_code;
use crate::common::TestServer;

/// The KMS key ARNs of each version, by version id.
async fn keys_by_version(sm: &aws_sdk_secretsmanager::Client, id: &str) -> Vec<(String, Vec<String>)> {
    let out = sm.list_secret_version_ids().secret_id(id).include_deprecated(true).send().await.unwrap();
    out.versions().iter().map(|v| (v.version_id().unwrap().to_owned(), v.kms_key_ids().to_vec())).collect()
}

#[tokio::test]
async fn a_new_key_reencrypts_the_labelled_versions_and_encrypts_new_ones() {
    let server = TestServer::start().await;
    let (sm, kms) = (server.secrets(), server.client());
    let (old, new) = (server.new_key().await, server.new_key().await);
    let (old_arn, new_arn) = (server.key_arn(&old).await, server.key_arn(&new).await);
    let v1 = "00000000-0000-0000-0000-000000000001";
    let v2 = "00000000-0000-0000-0000-000000000002";
    let v3 = "00000000-0000-0000-0000-000000000003";
    sm.create_secret().name("s").kms_key_id(&old).secret_string("one").client_request_token(v1).send().await.unwrap();
    for (v, value) in [(v2, "two"), (v3, "three")] {
        sm.put_secret_value().secret_id("s").secret_string(value).client_request_token(v).send().await.unwrap();
    }
    // v3 is AWSCURRENT, v2 AWSPREVIOUS, v1 unlabelled.
    sm.update_secret().secret_id("s").kms_key_id(&new).send().await.unwrap();
    assert_eq!(sm.describe_secret().secret_id("s").send().await.unwrap().kms_key_id(), Some(new.as_str()));
    let keys = keys_by_version(&sm, "s").await;
    for (version, expected) in [(v1, &old_arn), (v2, &new_arn), (v3, &new_arn)] {
        let got = keys.iter().find(|(v, _)| v == version).map(|(_, k)| k.clone());
        assert_eq!(got, Some(vec![expected.clone()]), "{version}");
    }
    // With the old key disabled, the labelled versions still read; the unlabelled one does not.
    kms.disable_key().key_id(&old).send().await.unwrap();
    assert_eq!(sm.get_secret_value().secret_id("s").send().await.unwrap().secret_string(), Some("three"));
    let previous = sm.get_secret_value().secret_id("s").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!(previous.secret_string(), Some("two"));
    assert_eq!(err_code(sm.get_secret_value().secret_id("s").version_id(v1).send().await), "DecryptionFailure");
    // A value given with the key is encrypted under the new key; the old current follows it.
    let out = sm.update_secret().secret_id("s").secret_string("four").send().await.unwrap();
    let v4 = out.version_id().unwrap().to_owned();
    let keys = keys_by_version(&sm, "s").await;
    assert_eq!(keys.iter().find(|(v, _)| *v == v4).map(|(_, k)| k.clone()), Some(vec![new_arn.clone()]));

    // An empty KmsKeyId goes back to the AWS managed key.
    sm.update_secret().secret_id("s").kms_key_id("").send().await.unwrap();
    assert_eq!(sm.describe_secret().secret_id("s").send().await.unwrap().kms_key_id(), None);
    let managed = kms.describe_key().key_id("alias/aws/secretsmanager").send().await.unwrap();
    let managed_arn = managed.key_metadata().unwrap().arn().unwrap().to_owned();
    let keys = keys_by_version(&sm, "s").await;
    let current = keys.iter().find(|(v, _)| *v == v4).map(|(_, k)| k.clone());
    assert_eq!(current, Some(vec![managed_arn]));
    kms.disable_key().key_id(&new).send().await.unwrap();
    assert_eq!(sm.get_secret_value().secret_id("s").send().await.unwrap().secret_string(), Some("four"));
}

#[tokio::test]
async fn without_permission_on_the_new_key_the_versions_keep_the_old_one() {
    let server = TestServer::start().await;
    let (sm, kms) = (server.secrets(), server.client());
    let (old, new) = (server.new_key().await, server.new_key().await);
    let old_arn = server.key_arn(&old).await;
    sm.create_secret().name("s").kms_key_id(&old).secret_string("one").send().await.unwrap();
    // Allowed everything on secrets and decryption with the old key, nothing on the new key.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}},{{"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"{old_arn}"}}]}}"#
    );
    let user = server.user_with_policy("updater", Some(&policy)).await;
    let theirs = server.secrets_with(&user.id, &user.secret);
    theirs.update_secret().secret_id("s").kms_key_id(&new).send().await.unwrap();
    assert_eq!(sm.describe_secret().secret_id("s").send().await.unwrap().kms_key_id(), Some(new.as_str()));
    let keys = keys_by_version(&sm, "s").await;
    assert_eq!(keys.iter().map(|(_, k)| k.clone()).collect::<Vec<_>>(), vec![vec![old_arn]]);
    assert_eq!(sm.get_secret_value().secret_id("s").send().await.unwrap().secret_string(), Some("one"));
    kms.disable_key().key_id(&old).send().await.unwrap();
    assert_eq!(err_code(sm.get_secret_value().secret_id("s").send().await), "DecryptionFailure");
}
