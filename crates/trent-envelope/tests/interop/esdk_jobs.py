"""Runs a list of encrypt/decrypt jobs with the official AWS Encryption SDK for Python.

Used by trent-envelope's interop tests: `python esdk_jobs.py JOBS.json` reads jobs of the
form {"op": "encrypt"|"decrypt", "in": path, "out": path, "key": {...}, "suite": int,
"frame_length": int, "context": {...}} (key types: aes, rsa, kms) and writes each result to its "out" path (or the
error text to "out" + ".error").
"""

import json
import sys

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

AES = {
    16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
    24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
    32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
}
RSA = {
    "pkcs1": WrappingAlgorithm.RSA_PKCS1,
    "oaep-sha1": WrappingAlgorithm.RSA_OAEP_SHA1_MGF1,
    "oaep-sha256": WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
    "oaep-sha384": WrappingAlgorithm.RSA_OAEP_SHA384_MGF1,
    "oaep-sha512": WrappingAlgorithm.RSA_OAEP_SHA512_MGF1,
}


def master_key(spec):
    if spec["type"] == "kms":
        # boto3 finds the endpoint (AWS_ENDPOINT_URL) and credentials in the environment.
        return aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[spec["arn"]])
    if spec["type"] == "aes":
        material = bytes.fromhex(spec["hex"])
        wrapping = WrappingKey(AES[len(material)], material, EncryptionKeyType.SYMMETRIC)
    else:
        wrapping = WrappingKey(RSA[spec["padding"]], spec["pem"].encode(), EncryptionKeyType.PRIVATE)
    return RawMasterKey(provider_id=spec["namespace"], key_id=spec["name"].encode(), wrapping_key=wrapping)


def main():
    jobs = json.load(open(sys.argv[1]))
    for job in jobs:
        try:
            key = master_key(job["key"])
            data = open(job["in"], "rb").read()
            if job["op"] == "encrypt":
                suite = Algorithm.get_by_id(job["suite"])
                policy = (
                    CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
                    if suite.is_committing()
                    else CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
                )
                client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)
                out, _ = client.encrypt(
                    source=data,
                    key_provider=key,
                    algorithm=suite,
                    frame_length=job["frame_length"],
                    encryption_context=job.get("context", {}),
                )
            else:
                client = aws_encryption_sdk.EncryptionSDKClient(
                    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
                )
                out, header = client.decrypt(source=data, key_provider=key)
                for k, v in job.get("context", {}).items():
                    if header.encryption_context.get(k) != v:
                        raise ValueError("encryption context differs at " + k)
            open(job["out"], "wb").write(out)
        except Exception as e:  # reported to the Rust side, which fails the test
            open(job["out"] + ".error", "w").write(repr(e))


if __name__ == "__main__":
    main()
