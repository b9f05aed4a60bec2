//! Cross-account replication (botocore 1.44.18; `aws-sdk-secretsmanager` 1.125 lacks it, so
//! signed JSON): a replica made in the partner's account for a primary of the owner's, then
//! associated by the owner, which copies the primary's versions and labels into it.

use serde_json::{Value, json};

use super::resource_policies::call_as;
use crate::common::TestServer;
use crate::iam::{Creds, allow};
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
    owner_key: String,
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
    Accounts { owner, owner_account, partner, partner_account, primary, made, key, owner_key }
}

#[tokio::test]
async fn a_replica_is_created_pending_then_associated_in_sync_with_the_primarys_versions() {
    let server = TestServer::start().await;
    let Accounts { owner, owner_account, partner, partner_account, primary, made, key, .. } = accounts(&server).await;
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

/// A replica of the owner's `app` made in the partner's account as `copy` and associated by the
/// owner (with `ReplicationRoleARN` `role`, when given); its ARN.
async fn associated_replica(server: &TestServer, a: &Accounts, role: Option<&str>) -> String {
    let body = json!({"Name": "copy", "KmsKeyId": a.key, "CrossAccountPrimaryARN": a.primary});
    let replica = ok(server, &a.partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let mut link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    if let Some(role) = role {
        link["ReplicationRoleARN"] = json!(role);
    }
    ok(server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    replica
}

/// Regression: any account whose policies allowed it could associate or disassociate another
/// account's primary; AWS requires the primary's own account ("you must call this operation
/// from the account that owns the primary secret"), so a resource policy sharing the primary
/// with the partner's account does not let the partner link or unlink it.
#[tokio::test]
async fn only_the_primarys_account_may_associate_or_disassociate_its_replica() {
    let server = TestServer::start().await;
    let a = accounts(&server).await;
    let shared = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"secretsmanager:*","Resource":"*"}}]}}"#,
        a.partner_account
    );
    ok(&server, &a.owner, "PutResourcePolicy", &json!({"SecretId": "app", "ResourcePolicy": shared})).await;
    let seen = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": a.primary})).await;
    assert_eq!(seen["ARN"], json!(a.primary), "the policy does share the primary");
    let body = json!({"Name": "copy", "KmsKeyId": a.key, "CrossAccountPrimaryARN": a.primary});
    let replica = ok(&server, &a.partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();

    // The partner's account: refused, nothing linked.
    let link = json!({"SecretId": a.primary, "CrossAccountReplicaARN": replica});
    let (code, message) = refused(&server, &a.partner, "AssociateCrossAccountReplica", &link).await;
    assert_eq!(code, "AccessDeniedException", "{message}");
    assert!(message.contains("secretsmanager:AssociateCrossAccountReplica"), "{message}");
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Pending", "{described}");

    // The owner's account: linked; then the partner can't unlink it either.
    let own = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    ok(&server, &a.owner, "AssociateCrossAccountReplica", &own).await;
    let (code, message) = refused(&server, &a.partner, "DisassociateCrossAccountReplica", &link).await;
    assert_eq!(code, "AccessDeniedException", "{message}");
    assert!(message.contains("secretsmanager:DisassociateCrossAccountReplica"), "{message}");
    let described = ok(&server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["CrossAccountReplicas"][0]["ReplicationStatus"], "InSync", "{described}");
    ok(&server, &a.owner, "DisassociateCrossAccountReplica", &own).await;
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Detached", "{described}");
}

/// A replica's value and labels are its primary's while it is linked (Pending, InSync or
/// Failed): its own account's PutSecretValue, UpdateSecret with a value,
/// UpdateSecretVersionStage and RotateSecret are refused, while its description may change;
/// once Detached it is written like any secret.
#[tokio::test]
async fn a_linked_replica_is_read_only_until_it_is_detached() {
    let server = TestServer::start().await;
    let a = accounts(&server).await;
    let body = json!({"Name": "copy", "KmsKeyId": a.key, "CrossAccountPrimaryARN": a.primary});
    let replica = ok(&server, &a.partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let put = json!({"SecretId": "copy", "SecretString": "mine"});
    let (code, message) = refused(&server, &a.partner, "PutSecretValue", &put).await;
    assert_eq!(code, "InvalidRequestException", "pending: {message}");
    assert!(message.contains("cross-account replica"), "{message}");

    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    ok(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    let v1 = current["VersionId"].as_str().expect("VersionId").to_owned();
    for (op, body) in [
        ("PutSecretValue", put.clone()),
        ("UpdateSecret", json!({"SecretId": "copy", "SecretString": "mine", "Description": "d"})),
        ("UpdateSecretVersionStage", json!({"SecretId": "copy", "VersionStage": "blue", "MoveToVersionId": v1})),
        ("RotateSecret", json!({"SecretId": "copy"})),
    ] {
        let (code, message) = refused(&server, &a.partner, op, &body).await;
        assert_eq!(code, "InvalidRequestException", "{op}: {message}");
        assert!(message.contains("cross-account replica"), "{op}: {message}");
    }
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert!(described.get("Description").is_none(), "the refused UpdateSecret changed nothing: {described}");
    let mut stages = serde_json::Map::new();
    stages.insert(v1.clone(), json!(["AWSCURRENT"]));
    assert_eq!(described["VersionIdsToStages"], Value::Object(stages), "{described}");
    let same = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(same["SecretString"].as_str(), Some("v1"));
    ok(&server, &a.partner, "UpdateSecret", &json!({"SecretId": "copy", "Description": "partner's copy"})).await;

    // Detached by its primary: its own account writes it.
    ok(&server, &a.owner, "DisassociateCrossAccountReplica", &link).await;
    let mine = ok(&server, &a.partner, "PutSecretValue", &put).await;
    let body = json!({"SecretId": "copy", "VersionStage": "blue", "MoveToVersionId": v1});
    ok(&server, &a.partner, "UpdateSecretVersionStage", &body).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(
        (current["SecretString"].as_str(), current["VersionId"].as_str()),
        (Some("mine"), mine["VersionId"].as_str())
    );
}

/// An identity policy allowing all a replication needs: the replica's
/// `AcceptCrossAccountReplication` and both keys.
fn replication_permissions() -> String {
    allow(r#"["secretsmanager:AcceptCrossAccountReplication","kms:Decrypt","kms:GenerateDataKey","kms:Encrypt"]"#, "*")
}

/// Creates the owner's role `name`, trusting Secrets Manager, with the inline policy `policy`;
/// its ARN.
async fn replication_role(server: &TestServer, name: &str, policy: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let iam = server.iam(&server.admin_creds());
    let out = iam.create_role().role_name(name).assume_role_policy_document(trust).send().await.expect("role");
    let role = out.role().expect("role").arn().to_owned();
    set_role_policy(server, name, policy).await;
    role
}

async fn set_role_policy(server: &TestServer, name: &str, policy: &str) {
    let iam = server.iam(&server.admin_creds());
    let put = iam.put_role_policy().role_name(name).policy_name("replication").policy_document(policy);
    put.send().await.expect("role policy");
}

/// With `ReplicationRoleARN` the replication authorizes as that role, not as the caller who
/// changes the primary: a writer of the primary without any access to the replica's side
/// still reaches the replica through the role (and fails without it), and a role that loses
/// the replica key's permission leaves the links Failed even for the account's administrator.
/// The role must be one of the primary's account that exists.
#[tokio::test]
async fn a_replication_role_replicates_in_place_of_the_caller() {
    let server = TestServer::start().await;
    let a = accounts(&server).await;
    let everything = replication_permissions();
    let role = replication_role(&server, "replicator", &everything).await;
    let owner_key_arn = server.key_arn(&a.owner_key).await;
    let writer_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["secretsmanager:PutSecretValue","secretsmanager:GetSecretValue"],"Resource":"{}"}},{{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"{}"}}]}}"#,
        a.primary, owner_key_arn
    );
    let writer = server.user_with_policy("writer", Some(&writer_policy)).await;

    // Without a role the writer's own credentials replicate, and they don't reach the replica.
    let replica = associated_replica(&server, &a, None).await;
    ok(&server, &writer, "PutSecretValue", &json!({"SecretId": a.primary, "SecretString": "v2"})).await;
    let described = ok(&server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(described["CrossAccountReplicas"][0]["ReplicationStatus"], "Failed", "{described}");
    let message = described["CrossAccountReplicas"][0]["StatusMessage"].as_str().expect("a StatusMessage");
    assert!(message.contains("secretsmanager:AcceptCrossAccountReplication"), "{message}");

    // Refused roles: another account's, one that does not exist.
    for bad in [
        role.replace(&a.owner_account, &a.partner_account),
        format!("arn:aws:iam::{}:role/nobody", a.owner_account),
        format!("arn:aws:iam::{}:user/replicator", a.owner_account),
    ] {
        let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica, "ReplicationRoleARN": bad});
        let (code, message) = refused(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
        assert_eq!(code, "InvalidParameterException", "{bad}: {message}");
    }

    // Associated again with the role: repaired, and the writer's next change reaches the replica.
    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica, "ReplicationRoleARN": role});
    ok(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    let described = ok(&server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert_eq!(
        described["CrossAccountReplicas"],
        json!([{"ReplicaSecretARN": replica, "ReplicationRoleARN": role, "ReplicationStatus": "InSync"}]),
        "in sync again, without a StatusMessage"
    );
    ok(&server, &writer, "PutSecretValue", &json!({"SecretId": a.primary, "SecretString": "v3"})).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v3"));
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "InSync", "{described}");

    // The role loses the replica key: the administrator's change stands, the links are Failed.
    let no_encrypt = allow(r#"["secretsmanager:AcceptCrossAccountReplication","kms:Decrypt"]"#, "*");
    set_role_policy(&server, "replicator", &no_encrypt).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v4"})).await;
    let own = ok(&server, &a.owner, "GetSecretValue", &json!({"SecretId": "app"})).await;
    assert_eq!(own["SecretString"].as_str(), Some("v4"));
    let stale = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(stale["SecretString"].as_str(), Some("v3"));
    failed_because(&server, &a, "kms:GenerateDataKey and kms:Encrypt on the replica secret's KMS key").await;

    // The role loses the primary's key instead: the reason follows.
    let no_decrypt = allow(r#"["secretsmanager:AcceptCrossAccountReplication","kms:GenerateDataKey"]"#, "*");
    set_role_policy(&server, "replicator", &no_decrypt).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v5"})).await;
    failed_because(&server, &a, "kms:Decrypt on the primary secret's KMS key").await;

    // Given the permission back, the next change repairs it: InSync, no StatusMessage.
    set_role_policy(&server, "replicator", &everything).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v6"})).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v6"));
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"], json!({"PrimarySecretARN": a.primary, "ReplicationStatus": "InSync"}));

    // Allowed kms:GenerateDataKey but not kms:Encrypt on the replica's key (issue 10): Failed alike.
    let without_encrypt =
        allow(r#"["secretsmanager:AcceptCrossAccountReplication","kms:Decrypt","kms:GenerateDataKey"]"#, "*");
    set_role_policy(&server, "replicator", &without_encrypt).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v7"})).await;
    failed_because(&server, &a, "kms:GenerateDataKey and kms:Encrypt on the replica secret's KMS key").await;

    // The role deleted: nothing can replicate, and both sides say why.
    let iam = server.iam(&server.admin_creds());
    iam.delete_role_policy().role_name("replicator").policy_name("replication").send().await.expect("policy gone");
    iam.delete_role().role_name("replicator").send().await.expect("role gone");
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v7"})).await;
    failed_because(&server, &a, "can't assume the ReplicationRoleARN role: it doesn't exist").await;
}

/// Regression (issue 10): the replica's key had to admit only kms:GenerateDataKey, where AWS
/// asks for kms:GenerateDataKey and kms:Encrypt. A key policy admitting the primary's account
/// for the first only refuses the association (nothing changes on either side), admitting both
/// lets it through (a `ReplicationRoleARN` role's policy: see
/// `a_replication_role_replicates_in_place_of_the_caller`).
#[tokio::test]
async fn the_replicas_key_must_admit_encrypt_as_well_as_generate_data_key() {
    let server = TestServer::start().await;
    let a = accounts(&server).await;
    let admitting = |actions: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":{actions},"Resource":"*"}}]}}"#,
            a.partner_account, a.owner_account
        )
    };
    let set_key_policy = |policy: String| async {
        let put = server.kms(&a.partner).put_key_policy().key_id(&a.key).policy_name("default").policy(policy);
        put.send().await.expect("key policy");
    };
    set_key_policy(admitting(r#"["kms:GenerateDataKey"]"#)).await;
    let body = json!({"Name": "copy", "KmsKeyId": a.key, "CrossAccountPrimaryARN": a.primary});
    let replica = ok(&server, &a.partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica});
    let (code, _) = refused(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    assert_eq!(code, "AccessDeniedException");
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"]["ReplicationStatus"], "Pending", "{described}");
    let primary = ok(&server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert!(primary.get("CrossAccountReplicas").is_none(), "{primary}");

    set_key_policy(admitting(r#"["kms:GenerateDataKey","kms:Encrypt"]"#)).await;
    ok(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v1"));
}

/// Gives the owner's role `name` the trust policy `trust` (`UpdateAssumeRolePolicy`).
async fn retrust_role(server: &TestServer, name: &str, trust: &str) {
    let iam = server.iam(&server.admin_creds());
    iam.update_assume_role_policy().role_name(name).policy_document(trust).send().await.expect("trust updated");
}

/// A trust policy of `statements` (JSON objects, comma-separated).
fn trust_policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// Regression (issue 10): a `ReplicationRoleARN` role was used whatever its trust policy said;
/// Secrets Manager may assume it only when the trust policy lets the service principal
/// `secretsmanager.amazonaws.com` `sts:AssumeRole`. A role trusting another service, only an
/// account, or Secrets Manager but denying it too, is refused at association and changes
/// neither secret; one trusting Secrets Manager (here only for the primary's account, through
/// `aws:SourceAccount`) replicates; its trust changed afterwards leaves the links Failed with
/// the reason at the next change, and the trust restored repairs them at the one after.
/// (The role is made again to change its trust: Trent's IAM has no `UpdateAssumeRolePolicy`.)
#[tokio::test]
async fn a_replication_role_must_trust_secrets_manager() {
    let server = TestServer::start().await;
    let a = accounts(&server).await;
    let everything = replication_permissions();
    let iam = server.iam(&server.admin_creds());
    let service =
        |name: &str| format!(r#"{{"Effect":"Allow","Principal":{{"Service":"{name}"}},"Action":"sts:AssumeRole"}}"#);
    let secrets_manager = service("secretsmanager.amazonaws.com");
    let from_owner = format!(
        r#"{{"Effect":"Allow","Principal":{{"Service":"secretsmanager.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"{}"}}}}}}"#,
        a.owner_account
    );
    let untrusting = [
        ("other-service", trust_policy(&service("ec2.amazonaws.com"))),
        (
            "account-only",
            trust_policy(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"sts:AssumeRole"}}"#,
                a.owner_account
            )),
        ),
        (
            "denying",
            trust_policy(&format!(r#"{secrets_manager},{}"#, secrets_manager.replacen(r#""Allow""#, r#""Deny""#, 1))),
        ),
        ("other-account", trust_policy(&from_owner.replace(&a.owner_account, &a.partner_account))),
    ];
    let body = json!({"Name": "copy", "KmsKeyId": a.key, "CrossAccountPrimaryARN": a.primary});
    let replica = ok(&server, &a.partner, "CreateSecret", &body).await["ARN"].as_str().expect("ARN").to_owned();
    for (name, trust) in &untrusting {
        let made = iam.create_role().role_name(*name).assume_role_policy_document(trust).send().await.expect("role");
        let role = made.role().expect("role").arn().to_owned();
        set_role_policy(&server, name, &everything).await;
        let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica, "ReplicationRoleARN": role});
        let (code, message) = refused(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
        assert_eq!(code, "InvalidParameterException", "{name}: {message}");
        assert!(message.contains("secretsmanager.amazonaws.com") && message.contains(&role), "{name}: {message}");
    }
    let described = ok(&server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    assert!(described.get("CrossAccountReplicas").is_none(), "no link made: {described}");
    let waiting = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(waiting["CrossAccountPrimary"]["ReplicationStatus"], "Pending", "{waiting}");

    // Trusting Secrets Manager, for the primary's account: associated, in sync.
    let made = iam.create_role().role_name("trusted").assume_role_policy_document(trust_policy(&from_owner));
    let role = made.send().await.expect("role").role().expect("role").arn().to_owned();
    set_role_policy(&server, "trusted", &everything).await;
    let link = json!({"SecretId": "app", "CrossAccountReplicaARN": replica, "ReplicationRoleARN": role});
    ok(&server, &a.owner, "AssociateCrossAccountReplica", &link).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v1"));

    // The trust changed to another service (`UpdateAssumeRolePolicy`, the same role): the next
    // change stands, the links are Failed.
    retrust_role(&server, "trusted", &trust_policy(&service("ec2.amazonaws.com"))).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v2"})).await;
    let stale = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(stale["SecretString"].as_str(), Some("v1"));
    failed_because(&server, &a, "trust policy doesn't allow the service principal secretsmanager.amazonaws.com").await;

    // The trust restored: the next change repairs both links.
    retrust_role(&server, "trusted", &trust_policy(&secrets_manager)).await;
    ok(&server, &a.owner, "PutSecretValue", &json!({"SecretId": "app", "SecretString": "v3"})).await;
    let current = ok(&server, &a.partner, "GetSecretValue", &json!({"SecretId": "copy"})).await;
    assert_eq!(current["SecretString"].as_str(), Some("v3"));
    let described = ok(&server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    assert_eq!(described["CrossAccountPrimary"], json!({"PrimarySecretARN": a.primary, "ReplicationStatus": "InSync"}));
}

/// Both links of the owner's `app` and the partner's `copy` are `Failed`, each with a
/// `StatusMessage` containing `reason` and none of the values written in these tests.
async fn failed_because(server: &TestServer, a: &Accounts, reason: &str) {
    let primary = ok(server, &a.owner, "DescribeSecret", &json!({"SecretId": "app"})).await;
    let replica = ok(server, &a.partner, "DescribeSecret", &json!({"SecretId": "copy"})).await;
    for link in [&primary["CrossAccountReplicas"][0], &replica["CrossAccountPrimary"]] {
        assert_eq!(link["ReplicationStatus"], "Failed", "{link}");
        let message = link["StatusMessage"].as_str().expect("a StatusMessage");
        assert!(message.contains(reason), "{message}");
        assert!(!["v1", "v2", "v3", "v4", "v5", "v6", "v7"].iter().any(|v| message.contains(v)), "{message}");
    }
}
