"""A test suite as it would be written for moto or LocalStack, run against `trent server --dev`."""

import boto3
import pytest
from botocore.exceptions import ClientError


def test_encrypt_then_decrypt():
    kms = boto3.client("kms")
    key = kms.create_key(Description="pytest")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/pytest", TargetKeyId=key)
    blob = kms.encrypt(KeyId="alias/pytest", Plaintext=b"hello", EncryptionContext={"t": "1"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"t": "1"})["Plaintext"] == b"hello"
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"t": "2"})
    assert e.value.response["Error"]["Code"] == "InvalidCiphertextException"


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_from_an_empty_server(run):
    kms = boto3.client("kms")
    assert kms.list_keys()["Keys"] == []
    assert [a for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")] == []
    kms.create_key()
    kms.create_alias(AliasName="alias/pytest", TargetKeyId=kms.list_keys()["Keys"][0]["KeyId"])
