"""Secrets Manager members and operations that aws-sdk-secretsmanager 1.125 lacks, through
botocore 1.44.18's own serializer, parser and paginator: PolicyName on the resource-policy
operations, ListResourcePolicies, CreateSecret's CrossAccountPrimaryARN (a cross-account
replica, Pending), AssociateCrossAccountReplica's checks (the primary's account only, a ReplicationRoleARN of that
account), DisassociateCrossAccountReplica, a linked replica's read-only value and
StopReplicationToReplica (a second account is the Rust suite's: sdk secrets::cross_account_replicas)."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sm():
    return boto3.client("secretsmanager")


def code(e):
    return e.value.response["Error"]["Code"]


def policy(sm):
    account = boto3.client("sts").get_caller_identity()["Account"]
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})


def test_policy_names_and_the_list_of_policies(sm):
    sm.create_secret(Name="app", SecretString="v")
    assert sm.list_resource_policies(SecretId="app")["ResourcePolicies"] == []
    with pytest.raises(ClientError) as e:
        sm.put_resource_policy(SecretId="app", ResourcePolicy=policy(sm), PolicyName="mine")
    assert code(e) == "InvalidParameterException"
    assert sm.put_resource_policy(SecretId="app", ResourcePolicy=policy(sm))["PolicyName"] == "default"
    paged = [p["PolicyName"] for page in sm.get_paginator("list_resource_policies").paginate(
        SecretId="app", PaginationConfig={"PageSize": 1}) for p in page["ResourcePolicies"]]
    assert paged == ["default"]
    got = sm.get_resource_policy(SecretId="app", PolicyName="default")
    assert got["PolicyName"] == "default" and json.loads(got["ResourcePolicy"]) == json.loads(policy(sm))
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_resource_policy(SecretId="app", PolicyName="cross-account-replication")
    with pytest.raises(sm.exceptions.InvalidNextTokenException):
        sm.list_resource_policies(SecretId="app", NextToken="garbage")
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.delete_resource_policy(SecretId="app", PolicyName="cross-account-replication")
    assert sm.delete_resource_policy(SecretId="app")["PolicyName"] == "default"
    assert sm.list_resource_policies(SecretId="app")["ResourcePolicies"] == []


def test_a_cross_account_replica_is_created_pending_with_the_managed_policy(sm):
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    primary = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app-AbCdEf"
    with pytest.raises(sm.exceptions.InvalidRequestException) as e:
        sm.create_secret(Name="replica", KmsKeyId=key, CrossAccountPrimaryARN=primary, SecretString="x")
    assert "SecretString" in e.value.response["Error"]["Message"]
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.create_secret(Name="replica", CrossAccountPrimaryARN=primary)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="replica")
    created = sm.create_secret(Name="replica", KmsKeyId=key, CrossAccountPrimaryARN=primary)
    described = sm.describe_secret(SecretId="replica")
    assert described["CrossAccountPrimary"] == {"PrimarySecretARN": primary, "ReplicationStatus": "Pending"}
    assert "CrossAccountReplicas" not in described
    names = [p["PolicyName"] for p in sm.list_resource_policies(SecretId="replica")["ResourcePolicies"]]
    assert names == ["cross-account-replication"]
    managed = sm.get_resource_policy(SecretId=created["ARN"], PolicyName="cross-account-replication")
    assert "arn:aws:iam::210987654321:root" in managed["ResourcePolicy"]


def test_associate_cross_account_replica_checks_its_members(sm):
    sm.create_secret(Name="app", SecretString="v")
    # Another account's secret that no policy shares: refused as AWS refuses it, nothing linked.
    replica = "arn:aws:secretsmanager:us-east-1:210987654321:secret:copy-AbCdEf"
    with pytest.raises(ClientError) as e:
        sm.associate_cross_account_replica(SecretId="app", CrossAccountReplicaARN=replica)
    assert code(e) == "AccessDeniedException"
    own = sm.describe_secret(SecretId="app")["ARN"]
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.associate_cross_account_replica(SecretId="app", CrossAccountReplicaARN=own)
    # ReplicationRoleARN must be a role of the primary's account.
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.associate_cross_account_replica(SecretId="app", CrossAccountReplicaARN=replica,
                                           ReplicationRoleARN="arn:aws:iam::210987654321:role/replicator")
    assert "CrossAccountReplicas" not in sm.describe_secret(SecretId="app")
    # Only the primary's own account may link or unlink it: another account's primary is
    # refused by name, whatever its policies say.
    foreign = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app-AbCdEf"
    for call in (sm.associate_cross_account_replica, sm.disassociate_cross_account_replica):
        with pytest.raises(ClientError) as e:
            call(SecretId=foreign, CrossAccountReplicaARN=own)
        assert code(e) == "AccessDeniedException"
        assert "resource-based policy" in e.value.response["Error"]["Message"]


def test_disassociate_and_stop_on_a_single_account(sm):
    sm.create_secret(Name="lone", SecretString="v")
    replica = "arn:aws:secretsmanager:us-east-1:210987654321:secret:copy-AbCdEf"
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.disassociate_cross_account_replica(SecretId="lone", CrossAccountReplicaARN=replica)
    # A Pending cross-account replica (never associated) made standalone by its own account.
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    primary = "arn:aws:secretsmanager:us-east-1:210987654321:secret:lone-AbCdEf"
    sm.create_secret(Name="waiting", KmsKeyId=key, CrossAccountPrimaryARN=primary)
    # Its value is its primary's to give: read-only while it is linked, even Pending.
    with pytest.raises(sm.exceptions.InvalidRequestException) as e:
        sm.put_secret_value(SecretId="waiting", SecretString="mine")
    assert "cross-account replica" in e.value.response["Error"]["Message"]
    sm.stop_replication_to_replica(SecretId="waiting")
    described = sm.describe_secret(SecretId="waiting")
    assert "CrossAccountPrimary" not in described
    assert sm.list_resource_policies(SecretId="waiting")["ResourcePolicies"] == []
    sm.put_secret_value(SecretId="waiting", SecretString="mine")
    assert sm.get_secret_value(SecretId="waiting")["SecretString"] == "mine"
