"""KMS through boto3 (botocore's own parser, not the Rust SDK's): every operation family, its
paginators, and the error codes botocore must recognise."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def kms():
    return boto3.client("kms")


def code(e):
    return e.value.response["Error"]["Code"]


def test_keys_describe_list_paginate_and_update(kms):
    ids = [kms.create_key(Description=f"k{i}", Tags=[{"TagKey": "n", "TagValue": str(i)}])["KeyMetadata"]["KeyId"]
           for i in range(3)]
    meta = kms.describe_key(KeyId=ids[0])["KeyMetadata"]
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True
    assert kms.describe_key(KeyId=meta["Arn"])["KeyMetadata"]["KeyId"] == ids[0]
    paged = [k["KeyId"] for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1})
             for k in page["Keys"]]
    assert sorted(paged) == sorted(ids)
    kms.update_key_description(KeyId=ids[1], Description="renamed")
    assert kms.describe_key(KeyId=ids[1])["KeyMetadata"]["Description"] == "renamed"
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="00000000-0000-0000-0000-000000000000")
    assert code(e) == "NotFoundException"
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId="alias/missing")


def test_crypto_round_trips_and_failures(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret", EncryptionContext={"a": "1"})["CiphertextBlob"]
    out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "1"})
    assert out["Plaintext"] == b"secret" and out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "2"})
    with pytest.raises(kms.exceptions.IncorrectKeyException):
        kms.decrypt(CiphertextBlob=blob, KeyId=other, EncryptionContext={"a": "1"})
    moved = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "1"}, DestinationKeyId=other)
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"secret"
    dk = kms.generate_data_key(KeyId=key, KeySpec="AES_256")
    assert len(dk["Plaintext"]) == 32
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]
    assert "Plaintext" not in kms.generate_data_key_without_plaintext(KeyId=key, NumberOfBytes=64)
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=key, Plaintext=b"x" * 4097)
    assert code(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        kms.generate_random(NumberOfBytes=1025)
    assert code(e) == "ValidationException"


def test_key_states_and_scheduled_deletion(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    with pytest.raises(kms.exceptions.DisabledException):
        kms.encrypt(KeyId=key, Plaintext=b"x")
    kms.enable_key(KeyId=key)
    with pytest.raises(ClientError) as e:
        kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=6)
    assert code(e) == "ValidationException"
    deletion = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert deletion["KeyState"] == "PendingDeletion" and deletion["PendingWindowInDays"] == 7
    with pytest.raises(kms.exceptions.KMSInvalidStateException):
        kms.encrypt(KeyId=key, Plaintext=b"x")
    kms.cancel_key_deletion(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"


def test_aliases(kms):
    a = kms.create_key()["KeyMetadata"]["KeyId"]
    b = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=a)
    with pytest.raises(kms.exceptions.AlreadyExistsException):
        kms.create_alias(AliasName="alias/app", TargetKeyId=b)
    # Not in botocore's model, so no modelled exception class: AWS (and moto) answer this code.
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=a)
    assert code(e) == "NotAuthorizedException"
    kms.update_alias(AliasName="alias/app", TargetKeyId=b)
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == b
    names = [x["AliasName"] for p in kms.get_paginator("list_aliases").paginate(KeyId=b) for x in p["Aliases"]]
    assert names == ["alias/app"]
    kms.delete_alias(AliasName="alias/app")
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.delete_alias(AliasName="alias/app")


def test_rotation_keeps_old_ciphertexts(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    old = kms.encrypt(KeyId=key, Plaintext=b"old")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    kms.rotate_key_on_demand(KeyId=key)
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert len(rotations) == 1 and rotations[0]["RotationType"] == "ON_DEMAND"
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"old"
    kms.disable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False


def test_tags(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
    kms.untag_resource(KeyId=key, TagKeys=["a"])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "b", "TagValue": "2"}]


def test_key_policies_and_grants(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.list_key_policies(KeyId=key)["PolicyNames"] == ["default"]
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Action"] == "kms:*"
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy="{not json")
    account = boto3.client("sts").get_caller_identity()["Account"]
    grant = kms.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{account}:root",
                             Operations=["Encrypt", "Decrypt"], Name="g1")
    grants = kms.list_grants(KeyId=key)["Grants"]
    assert [g["GrantId"] for g in grants] == [grant["GrantId"]]
    assert sorted(grants[0]["Operations"]) == ["Decrypt", "Encrypt"]
    kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
    assert kms.list_grants(KeyId=key)["Grants"] == []


def test_iam_user_policy_is_enforced_and_sts_answers():
    iam = boto3.client("iam")
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="decrypt-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}],
    }))
    ak = iam.create_access_key(UserName="reader")["AccessKey"]
    reader = boto3.client("kms", aws_access_key_id=ak["AccessKeyId"], aws_secret_access_key=ak["SecretAccessKey"])
    blob = kms.encrypt(KeyId=key, Plaintext=b"for the reader")["CiphertextBlob"]
    assert reader.decrypt(CiphertextBlob=blob)["Plaintext"] == b"for the reader"
    with pytest.raises(ClientError) as e:
        reader.encrypt(KeyId=key, Plaintext=b"x")
    assert code(e) == "AccessDeniedException"
    who = boto3.client("sts", aws_access_key_id=ak["AccessKeyId"],
                       aws_secret_access_key=ak["SecretAccessKey"]).get_caller_identity()
    assert who["Arn"].endswith(":user/reader")
    assert "reader" in [u["UserName"] for u in iam.list_users()["Users"]]


def test_iam_role_updates_tags_and_paginator():
    iam = boto3.client("iam")
    account = boto3.client("sts").get_caller_identity()["Account"]

    def trust(principal):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]})

    for name in ["r1", "r2", "r3"]:
        iam.create_role(RoleName=name, Path="/ops/", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
    paged = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(
        PathPrefix="/ops/", PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
    assert paged == ["r1", "r2", "r3"]
    updated = trust(f"arn:aws:iam::{account}:user/admin")
    iam.update_assume_role_policy(RoleName="r1", PolicyDocument=updated)
    # botocore decodes the URL-encoded document into a dict.
    assert iam.get_role(RoleName="r1")["Role"]["AssumeRolePolicyDocument"] == json.loads(updated)
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.update_assume_role_policy(RoleName="r1", PolicyDocument="{}")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_assume_role_policy(RoleName="missing", PolicyDocument=updated)
    iam.update_role(RoleName="r1", Description="first", MaxSessionDuration=7200)
    role = iam.update_role_description(RoleName="r1", Description="renamed")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("renamed", 7200)
    iam.tag_role(RoleName="r1", Tags=[{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "dev"}])
    iam.untag_role(RoleName="r1", TagKeys=["env"])
    assert iam.list_role_tags(RoleName="r1")["Tags"] == [{"Key": "team", "Value": "core"}]
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.tag_role(RoleName="r1", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError) as e:
        iam.tag_role(RoleName="r1", Tags=[{"Key": "aws:team", "Value": "x"}])
    assert code(e) == "InvalidInput"


def test_lookup_events_pages_with_botocore_paginator(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(5):
        kms.encrypt(KeyId=key, Plaintext=b"x")
    trail = boto3.client("cloudtrail")
    pages = trail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Encrypt"}],
        PaginationConfig={"PageSize": 2},
    )
    events = [e for p in pages for e in p["Events"]]
    assert len(events) == 5
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["eventSource"] == "kms.amazonaws.com" and "plaintext" not in record["requestParameters"]
    assert events[0]["Resources"][0]["ResourceType"] == "AWS::KMS::Key"
    with pytest.raises(ClientError) as e:
        trail.lookup_events(MaxResults=51)
    assert code(e) == "InvalidMaxResultsException"
