//! Cross-account replication (botocore 1.44.18; `aws-sdk-secretsmanager` 1.125 lacks it, so
//! signed JSON): a replica made in the partner's account for a primary of the owner's, then
//! associated by the owner, which copies the primary's versions and labels into it.

use serde_json::{Value, json};

use super::resource_policies::call_as;
use crate::common::TestServer;
use crate::iam::Creds;
use crate::key_policies::second_account;

/// The answer of a call that must succeed.
async fn ok(server: &TestServer, creds: &Creds, op: &str, body: &Value) -> Value {
    let answer = call_as(server, creds, op, body).await;
    assert_eq!(answer.status, 200, "{op}: {}", answer.json());
    answer.json()
}

/// The `__type` and message of a call that must fail with HTTP 400.
async fn refused(server: &TestServer, creds: &Creds, op: &str, body: &Value) -> (String, String) {
    let answer = call_as(server, creds, op, body).await;
    assert_eq!(answer.status, 400, "{op}: {}", answer.json());
    let message = answer.json()["message"].as_str().or(answer.json()["Message"].as_str()).unwrap_or("").to_owned();
    (answer.error_type(), message)
}

/// A customer managed key of `creds`' account whose policy lets `admitted` (an account id) use
/// it too, when given; its ARN.
async fn partner_key(server: &TestServer, creds: &Creds, account: &str, admitted: Option<&str>) -> String {
    let mut statements = vec![format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}"#
    )];
    if let Some(other) = admitted {
        statements.push(format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{other}:root"}},"Action":["kms:GenerateDataKey","kms:Encrypt"],"Resource":"*"}}"#
        ));
    }
    let policy = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","));
    let out = server.kms(creds).create_key().policy(policy).send().await.expect("partner key");
    out.key_metadata().expect("metadata").arn().expect("arn").to_owned()
}

/// Two accounts: the owner's secret `app` (value `v1`, under the owner's key) and, in the
/// partner's account, a customer managed key admitting the owner's account.
struct Accounts {
    owner: Creds,
    owner_account: String,
    partner: Creds,
    partner_account: String,
    primary: String,
    made: Value,
    key: String,
}

async fn accounts(server: &TestServer) -> Accounts {
    let owner = server.admin_creds();
    let owner_account = server.account().await;
    let (partner_account, partner) = second_account(server).await;
    let owner_key = server.new_key().await;
    let made =
        ok(server, &owner, "CreateSecret", &json!({"Name": "app", "KmsKeyId": owner_key, "SecretString": "v1"})).await;
    let primary = made["ARN"].as_str().expect("ARN").to_owned();
    let key = partner_key(server, &partner, &partner_account, Some(&owner_account)).await;
    Accounts { owner, owner_account, partner, partner_account, primary, made, key }
}

#[tokio::test]
async fn a_replica_is_created_pending_then_associated_in_sync_with_the_primarys_versions() {
    let server = TestServer::start().await;
    let Accounts { owner, owner_account, partner, partner_account, primary, made, key } = accounts(&server).await;
    let owner_key = server.new_key().await;
    let v1 = made["VersionId"].as_str().expect("VersionId").to_owned();
    let put = ok(&server, &owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v2"})).await;
    let v2 = put["VersionId"].as_str().expect("VersionId").to_owned();

    // What a replica can't have, each refused with nothing created.
    let replica_of = |extra: Value| {
        let mut body = json!({"Name": "copy", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        body
    };
    for (extra, member) in [
        (json!({"SecretString": "x"}), "SecretString"),
        (json!({"SecretBinary": "eA=="}), "SecretBinary"),
        (json!({"Description": "d"}), "Description"),
        (json!({"AddReplicaRegions": [{"Region": "eu-west-1"}]}), "AddReplicaRegions"),
        (json!({"Type": "t"}), "Type"),
    ] {
        let (code, message) = refused(&server, &partner, "CreateSecret", &replica_of(extra)).await;
        assert_eq!(code, "InvalidRequestException", "{member}");
        assert!(message.contains(member), "{message}");
    }
    for key in [json!(null), json!("alias/aws/secretsmanager")] {
        let body = json!({"Name": "copy", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
        let (code, _) = refused(&server, &partner, "CreateSecret", &body).await;
        assert_eq!(code, "InvalidRequestException", "a customer managed key is required: {key}");
    }
    let own = primary.replace(&owner_account, &partner_account);
    let body = json!({"Name": "copy", "KmsKeyId": key, "CrossAccountPrimaryARN": own});
    let (code, _) = refused(&server, &partner, "CreateSecret", &body).await;
    assert_eq!(code, "InvalidParameterException", "the primary must be another account's");
    let (code, _) = refused(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(code, "ResourceNotFoundException", "nothing was created");

    // Created: Pending, no value, AWS's managed policy attached.
    let created = ok(&server, &partner, "CreateSecret", &replica_of(json!({}))).await;
    let replica = created["ARN"].as_str().expect("ARN").to_owned();
    assert!(created.get("VersionId").is_none(), "{created}");
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"], json!({"PrimarySecretARN": primary, "ReplicationStatus": "Pending"}));
    let (code, _) = refused(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(code, "ResourceNotFoundException", "no value before the association");
    let listed = ok(&server, &partner, "ListResourcePolicies", &json!({"SecretId": "copy"})).await;
    assert_eq!(listed["ResourcePolicies"], json!([{"PolicyName": "cross-account-replication"}]));
    let body = json!({"SecretId": "copy", "PolicyName": "cross-account-replication"});
    let managed = ok(&server, &partner, "GetResourcePolicy", &body).await;
    let document = managed["ResourcePolicy"].as_str().expect("a document");
    assert!(document.contains("secretsmanager:AcceptCrossAccountReplication"), "{document}");
    assert!(document.contains(&format!("arn:aws:iam::{owner_account}:root")), "{document}");

    // Only the primary the replica was made for may associate it.
    ok(&server, &owner, "CreateSecret", &json!({"Name": "other", "KmsKeyId": owner_key, "SecretString": "o"})).await;
    let body = json!({"SecretId": "other", "CrossAccountReplicaARN": replica});
    let (code, _) = refused(&server, &owner, "AssociateCrossAccountReplica", &body).await;
    assert_eq!(code, "InvalidRequestException");

    // Associated: the versions and labels are copied, InSync on both sides.
    let body = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    let associated = ok(&server, &owner, "AssociateCrossAccountReplica", &body).await;
    assert_eq!(associated, json!({"ARN": primary, "CrossAccountReplicaARN": replica, "ReplicationStatus": "InSync"}));
    let current = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!((current["SecretString"].as_str(), current["VersionId"].as_str()), (Some("v2"), Some(v2.as_str())));
    let body = json!({"SecretId": "copy", "VersionStage": "AWSPREVIOUS"});
    let previous = ok(&server, &partner, "GetSecretValue", &body).await;
    assert_eq!((previous["SecretString"].as_str(), previous["VersionId"].as_str()), (Some("v1"), Some(v1.as_str())));
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "InSync");
    let primary_described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["VersionIdsToStages"], primary_described["VersionIdsToStages"]);
    assert_eq!(
        primary_described["CrossAccountReplicas"],
        json!([{"ReplicaSecretARN": replica, "ReplicationStatus": "InSync"}])
    );
    assert!(primary_described.get("CrossAccountPrimary").is_none(), "{primary_described}");

    // Idempotent; a second replica of one primary is over the limit.
    let body = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    assert_eq!(ok(&server, &owner, "AssociateCrossAccountReplica", &body).await, associated);
    let body = json!({"Name": "second", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let second = ok(&server, &partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let body = json!({"SecretId": "app", "CrossAccountReplicaARN": second});
    let (code, _) = refused(&server, &owner, "AssociateCrossAccountReplica", &body).await;
    assert_eq!(code, "LimitExceededException");
}

/// A replica whose key does not admit the primary's account: the association fails and
/// changes neither secret.
#[tokio::test]
async fn an_association_the_replicas_key_refuses_changes_neither_secret() {
    let server = TestServer::start().await;
    let owner = server.admin_creds();
    let (partner_account, partner) = second_account(&server).await;
    let owner_key = server.new_key().await;
    let made =
        ok(&server, &owner, "CreateSecret", &json!({"Name": "app", "KmsKeyId": owner_key, "SecretString": "v1"})).await;
    let primary = made["ARN"].as_str().expect("ARN").to_owned();
    let key = partner_key(&server, &partner, &partner_account, None).await;
    let body = json!({"Name": "locked", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let replica = ok(&server, &partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let body = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    let answer = call_as(&server, &owner, "AssociateCrossAccountReplica", &body).await;
    assert_ne!(answer.status, 200, "{}", answer.json());
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "locked"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Pending");
    assert!(described.get("VersionIdsToStages").is_none_or(|v| v == &json!({})), "{described}");
    let primary_described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert!(primary_described.get("CrossAccountReplicas").is_none(), "{primary_described}");
}

/// After the association every change of the primary reaches the replica (a new version, a
/// label moved), sealed with the updating caller's credentials; when the replica's key stops
/// admitting the primary's account the primary's change stands and both links show `Failed`,
/// and the next change after the key admits it again brings the replica up to date, `InSync`.
#[tokio::test]
async fn later_changes_of_the_primary_reach_the_replica_and_a_refused_key_shows_failed() {
    let server = TestServer::start().await;
    let Accounts { owner, owner_account, partner, partner_account, primary, key, .. } = accounts(&server).await;
    let body = json!({"Name": "copy", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let replica = ok(&server, &partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let body = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    ok(&server, &owner, "AssociateCrossAccountReplica", &body).await;

    let put = ok(&server, &owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v2"})).await;
    let v2 = put["VersionId"].as_str().expect("VersionId").to_owned();
    let current = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!((current["SecretString"].as_str(), current["VersionId"].as_str()), (Some("v2"), Some(v2.as_str())));
    let body = json!({"SecretId": "app", "VersionStage": "blue", "MoveToVersionId": v2});
    ok(&server, &owner, "UpdateSecretVersionStage", &body).await;
    let blue = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy", "VersionStage": "blue"})).await;
    assert_eq!(blue["SecretString"].as_str(), Some("v2"));

    // The replica's key no longer admits the owner's account: the put stands, both sides Failed.
    let alone = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner_account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let kms = server.kms(&partner);
    kms.put_key_policy().key_id(&key).policy_name("default").policy(alone).send().await.expect("policy");
    ok(&server, &owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v3"})).await;
    let own = ok(&server, &owner, "GetSecretValue", &json!({"SecretId": "app"})).await;
    assert_eq!(own["SecretString"].as_str(), Some("v3"), "the primary's change stands");
    let stale = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(stale["SecretString"].as_str(), Some("v2"));
    let described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["CrossAccountReplicas"][0]["ReplicationStatus"], "Failed", "{described}");
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Failed", "{described}");

    // Admitted again: the next change repairs it.
    let admitted = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner_account}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner_account}:root"}},"Action":["kms:GenerateDataKey","kms:Encrypt"],"Resource":"*"}}]}}"#
    );
    kms.put_key_policy().key_id(&key).policy_name("default").policy(admitted).send().await.expect("policy");
    ok(&server, &owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v4"})).await;
    let current = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v4"));
    let described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["CrossAccountReplicas"][0]["ReplicationStatus"], "InSync", "{described}");
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "InSync", "{described}");
}

/// `DeleteSecret` of a primary with an associated replica is refused; after
/// `DisassociateCrossAccountReplica` the replica is Detached, keeps its value and gets no more
/// changes, and the primary may be deleted; `StopReplicationToReplica` in the replica's account
/// makes it a standalone secret without the managed policy. A second, still associated replica
/// stopped by its own account shows Detached on its primary, which may then be deleted.
#[tokio::test]
async fn a_replica_is_disassociated_or_stopped_and_only_then_may_its_primary_be_deleted() {
    let server = TestServer::start().await;
    let Accounts { owner, partner, primary, key, .. } = accounts(&server).await;
    let body = json!({"Name": "copy", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let replica = ok(&server, &partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    ok(&server, &owner, "AssociateCrossAccountReplica", &link).await;
    let (code, message) = refused(&server, &owner, "DeleteSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(code, "InvalidRequestException", "{message}");
    let body = json!({"SecretId": "app", "ForceDeleteWithoutRecovery": true});
    let (code, _) = refused(&server, &owner, "DeleteSecret", &body).await;
    assert_eq!(code, "InvalidRequestException");
    let other = json!({"SecretId": "app", "CrossAccountReplicaARN": primary});
    let (code, _) = refused(&server, &owner, "DisassociateCrossAccountReplica", &other).await;
    assert_eq!(code, "InvalidRequestException", "not the associated replica");

    let out = ok(&server, &owner, "DisassociateCrossAccountReplica", &link).await;
    assert_eq!(out, json!({"ARN": primary, "CrossAccountReplicaARN": replica}));
    let described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert!(described.get("CrossAccountReplicas").is_none(), "{described}");
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Detached", "{described}");
    ok(&server, &owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v2"})).await;
    let kept = ok(&server, &partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(kept["SecretString"].as_str(), Some("v1"), "no more changes after the disassociation");

    // The detached replica made standalone by its own account.
    ok(&server, &partner, "StopReplicationToReplica", &json!({"SecretId": "copy"})).await;
    let described = ok(&server, &partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert!(described.get("CrossAccountPrimary").is_none(), "{described}");
    let listed = ok(&server, &partner, "ListResourcePolicies", &json!({"SecretId": "copy"})).await;
    assert_eq!(listed["ResourcePolicies"], json!([]));
    let own = ok(&server, &partner, "PutSecretValue", &json!({"SecretId": "copy", "SecretString": "mine"})).await;
    assert!(own["VersionId"].is_string(), "{own}");

    // A second replica, still associated, stopped by its own account: Detached on the primary.
    let body = json!({"Name": "copy2", "KmsKeyId": key, "CrossAccountPrimaryARN": primary});
    let second = ok(&server, &partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": second});
    ok(&server, &owner, "AssociateCrossAccountReplica", &link).await;
    ok(&server, &partner, "StopReplicationToReplica", &json!({"SecretId": "copy2"})).await;
    let described = ok(&server, &owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["CrossAccountReplicas"][0]["ReplicationStatus"], "Detached", "{described}");
    ok(&server, &owner, "DeleteSecret", &json!({"SecretId": "app"})).await;
}
