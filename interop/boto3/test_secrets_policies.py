"""Secrets Manager members and operations that aws-sdk-secretsmanager 1.125 lacks, through
botocore 1.44.18's own serializer, parser and paginator: PolicyName on the resource-policy
operations, ListResourcePolicies, and CreateSecret's CrossAccountPrimaryARN refused."""

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


def test_a_cross_account_replica_is_refused_not_faked(sm):
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    primary = "arn:aws:secretsmanager:us-east-1:210987654321:secret:app-AbCdEf"
    with pytest.raises(sm.exceptions.InvalidRequestException) as e:
        sm.create_secret(Name="replica", KmsKeyId=key, CrossAccountPrimaryARN=primary)
    assert "CrossAccountPrimaryARN" in e.value.response["Error"]["Message"]
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId="replica")
