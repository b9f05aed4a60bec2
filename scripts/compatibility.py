#!/usr/bin/env python3
"""Regenerates the operation tables of docs/COMPATIBILITY.md from the botocore models.

Each service's state table lives in STATES below; every operation of the botocore model that
is not listed there is "not yet". Run: python3 scripts/compatibility.py > docs/COMPATIBILITY.md
"""
import gzip
import json
import os
import sys

import botocore

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")

# operation -> (state, note). States: done, partial, not yet.
STATES = {
    "kms": {
        "CancelKeyDeletion": ("done", "key returns to Disabled (PendingImport for an EXTERNAL key without its material)"),
        "ConnectCustomKeyStore": ("partial", "AWS_CLOUDHSM over a PKCS#11 token ([[hsm_clusters]]): logs in with the stored password on the node serving the call, every other node on first use; a refused login shows as FAILED with INVALID_CREDENTIALS, USER_LOCKED_OUT, USER_NOT_FOUND or CLUSTER_NOT_FOUND"""),
        "CreateAlias": ("done", ""),
        "CreateCustomKeyStore": ("partial", "AWS_CLOUDHSM: CloudHsmClusterId names a PKCS#11 token of [[hsm_clusters]] (CloudHsmClusterNotFoundException otherwise), KeyStorePassword is its user PIN, stored wrapped under the root key and never audited; TrustAnchorCertificate must be the configured certificate, or any PEM certificate when none is (IncorrectTrustAnchorException); CustomKeyStoreNameInUseException, CloudHsmClusterInUseException, at most 10 per account and Region (LimitExceededException); CloudHsmClusterNotActiveException is never returned: a configured token is taken as an active cluster, and one absent when the store connects leaves it FAILED with ConnectionErrorCode CLUSTER_NOT_FOUND""; custom key stores of type EXTERNAL_KEY_STORE (and every XksProxy* member) answer UnsupportedOperationException"),
        "CreateGrant": ("partial", "grants for AWS service principals (GranteeServicePrincipal, RetiringServicePrincipal, the SourceArn constraint) answer UnsupportedOperationException once their members are valid: no Trent service uses a key as a service principal; Name idempotency, grant tokens usable at once; kms:Grant* condition keys; constraints "
                        "of at most 8 pairs of 384 characters, not applied to DescribeKey and RetireGrant; CreateGrant "
                        "allowed by a grant creates only grants within it (its operations, constraints as strict); the "
                        "Encapsulate and Decapsulate operations (not in a constrained grant, as the other operations "
                        "without an encryption context)"),
        "CreateKey": ("partial", "every KeySpec but SM2 (China Regions only: UnsupportedOperationException), with the KeyUsage values AWS allows for each (ValidationException otherwise); Origin AWS_KMS, and EXTERNAL (PendingImport, no material; not multi-Region yet); Origin AWS_CLOUDHSM with the CustomKeyStoreId of a CONNECTED store (CustomKeyStoreNotFoundException, CustomKeyStoreInvalidStateException otherwise) generates a sensitive, non-extractable AES-256 key inside the store's PKCS#11 token (CloudHsmClusterInvalidConfigurationException when the token cannot hold one), symmetric and single-Region only (UnsupportedOperationException otherwise); the EXTERNAL_KEY_STORE origin answers UnsupportedOperationException; MultiRegion=true makes a multi-Region primary key (mrk- id) of any of those specs (symmetric, RSA, ECC, ML-DSA, ML-KEM, HMAC); ML_KEM_512/768/1024 only with ENCAPSULATE_DECAPSULATE (and that usage only with them), KeyMetadata EncapsulationAlgorithms [ML_KEM] for them alone; Policy validated and enforced, with the lockout safety check, at most 32 KB (AWS's quota: LimitExceededException past it); at most 50 Tags (TagException)"),
        "Decrypt": ("partial", "symmetric, and RSAES_OAEP_SHA_1/SHA_256 under RSA keys (KeyId required, no EncryptionContext, no KeyMaterialId in the answer, as on AWS); Recipient (Nitro attestation) refused; DryRunModifiers IGNORE_CIPHERTEXT on a dry run answers UnsupportedOperationException; EncryptionContext at most 8,192 bytes of keys and values (Trent's bound; the model sets none)"),
        "DeleteAlias": ("done", ""),
        "DeleteCustomKeyStore": ("partial", "only while DISCONNECTED (CustomKeyStoreInvalidStateException) and without KMS keys, even pending deletion (CustomKeyStoreHasCMKsException); the token's objects are left as they are"""),
        "DeleteImportedKeyMaterial": ("done", "the current material, or the one KeyMaterialId names (ValidationException for another): material the key is bound to is kept as PENDING_IMPORT and the key becomes PendingImport (a key pending deletion stays so) until it is imported again; material pending rotation is forgotten and the key stays usable"),
        "Decapsulate": ("done", "ML_KEM_512/768/1024 keys, ML_KEM algorithm; InvalidCiphertextException only for a SharedSecretCiphertextBlob whose length is not the key spec's, any other ciphertext answers 32 bytes (FIPS 203 implicit rejection); InvalidKeyUsageException for other keys; DryRun; grants and cross-account use"),
        "DeriveSharedSecret": ("partial", "ECDH on ECC_NIST_P256/P384/P521 KEY_AGREEMENT keys (the raw shared secret, as AWS's); Recipient (Nitro attestation) refused"),
        "DescribeCustomKeyStores": ("done", "by CustomKeyStoreId or CustomKeyStoreName or all, paged (Limit, Marker); ConnectionState CONNECTED, FAILED or DISCONNECTED (connecting and disconnecting happen within the call) with ConnectionErrorCode"),
        "DescribeKey": ("done", "key id, key ARN, alias name, alias ARN; MultiRegionConfiguration for multi-Region keys; CurrentKeyMaterialId for symmetric keys only (an imported key's current material, also while it is deleted; none for a key in a custom key store); CustomKeyStoreId and CloudHsmClusterId for a key in a custom key store, whose KeyState is Unavailable (unless PendingDeletion) while its store is not connected; ValidTo and ExpirationModel while imported material is present, as AWS"),
        "DisableKey": ("done", ""),
        "DisableKeyRotation": ("done", ""),
        "DisconnectCustomKeyStore": ("done", ""),
        "EnableKey": ("done", ""),
        "EnableKeyRotation": ("done", "RotationPeriodInDays 90..2560, default 365"),
        "Encapsulate": ("done", "ML_KEM_512/768/1024 keys, ML_KEM algorithm: a 32-byte SharedSecret and its 768/1088/1568-byte SharedSecretCiphertextBlob; InvalidKeyUsageException for other keys; DryRun; grants and cross-account use"),
        "Encrypt": ("done", "SYMMETRIC_DEFAULT (AES-GCM inside the token for a key in a custom key store; KMSInvalidStateException while its store is not connected), and RSAES_OAEP_SHA_1/SHA_256 under RSA keys (plaintext at most the modulus length less 2 hash lengths less 2 bytes; no EncryptionContext: ValidationException); EncryptionContext at most 8,192 bytes of keys and values (Trent's bound; the model sets none)"),
        "GenerateDataKey": ("partial", "Recipient (Nitro attestation) refused; EncryptionContext at most 8,192 bytes of keys and values (Trent's bound; the model sets none)"),
        "GenerateMac": ("done", "HMAC_224/256/384/512 keys"),
        "GenerateDataKeyPair": ("partial", "every KeyPairSpec but SM2 (China Regions only); a KMS key in a custom key store answers UnsupportedOperationException, as on AWS; private key as PKCS#8 DER (ML_KEM_*: the seed form AWS documents, 86 bytes for every level), public key as SubjectPublicKeyInfo; charged against the pair spec's quota; Recipient (Nitro attestation) refused"),
        "GenerateDataKeyPairWithoutPlaintext": ("done", "every KeyPairSpec but SM2 (China Regions only), ML_KEM_512/768/1024 included"),
        "GenerateDataKeyWithoutPlaintext": ("done", "EncryptionContext at most 8,192 bytes of keys and values (Trent's bound; the model sets none)"),
        "GenerateRandom": ("partial", "CustomKeyStoreId draws from the store's PKCS#11 token (C_GenerateRandom; CustomKeyStoreInvalidStateException unless CONNECTED); Recipient refused"),
        "GetKeyLastUsage": ("done", "Encrypt, Decrypt, ReEncrypt (both keys), GenerateDataKey*, GenerateDataKeyPair*, Sign, Verify, GenerateMac, VerifyMac, DeriveSharedSecret, Encapsulate, Decapsulate, including the calls a service makes for its caller; the CloudTrail eventID of the key owner's trail; kept in memory and written to the store every second and at shutdown (a crash loses at most the last second); across nodes the latest use wins; not across accounts (NotFoundException), as AWS"),
        "GetKeyPolicy": ("done", "the one policy is named default"),
        "GetParametersForImport": ("partial", "RSA_2048/3072/4096 wrapping keys with RSAES_OAEP_SHA_1/SHA_256 and RSA_AES_KEY_WRAP_SHA_1/SHA_256; the token is valid 24 hours, bound to its key, and imports once: it carries the key's import count, so a successful import spends it and every other token issued for that key before (a refused import spends nothing, as on AWS); RSAES_PKCS1_V1_5 and SM2 answer UnsupportedOperationException"),
        "ImportKeyMaterial": ("done", "symmetric, HMAC and asymmetric (PKCS#8) material checked against the key spec; re-import of the same material at any time (changes its ValidTo and description); symmetric keys take new material with ImportType NEW_KEY_MATERIAL (PENDING_ROTATION until RotateKeyOnDemand; one at a time, KMSInvalidStateException in AWS's words otherwise), KeyMaterialId checked against the material, KeyMaterialDescription kept per material and listed by ListKeyRotations; ImportType, KeyMaterialId and KeyMaterialDescription on other specs answer UnsupportedOperationException; KeyMaterialId in the answer for symmetric keys only, as AWS; ExpirationModel (default KEY_MATERIAL_EXPIRES) and ValidTo (at most 365 days) per material, expiry run by the scheduler; no multi-Region EXTERNAL keys (so no PENDING_MULTI_REGION_IMPORT_AND_ROTATION)"),
        "GetKeyRotationStatus": ("done", ""),
        "GetPublicKey": ("done", "DER SubjectPublicKeyInfo of RSA, ECC, Ed25519, ML-DSA and ML-KEM keys (id-alg-ml-kem-512/768/1024, with EncapsulationAlgorithms); symmetric and HMAC keys answer UnsupportedOperationException"),
        "ListAliases": ("done", "no AWS managed aliases exist yet; a KeyId of another account, or of a key the caller "
                        "may not ask kms:ListAliases of, answers as a key that does not exist"),
        "ListGrants": ("partial", "the GranteeServicePrincipal filter (for callers in a service principal) answers UnsupportedOperationException"),
        "ListRetirableGrants": ("partial", "the RetiringServicePrincipal filter (for callers in a service principal) answers UnsupportedOperationException; a principal of the caller's account (grants on other accounts' keys that "
                                "name it included); for a service principal only grants on the caller's keys"),
        "ListKeyPolicies": ("done", ""),
        "ListKeyRotations": ("done", "symmetric keys of origin EXTERNAL list their imported materials with KeyMaterialDescription, ImportState, KeyMaterialState (PENDING_ROTATION included with ALL_KEY_MATERIAL), ExpirationModel and ValidTo; those fields are absent for AWS_KMS keys, as AWS"),
        "ListKeys": ("done", "keys are listed in the order they were created (AWS documents no order), and NextMarker is opaque; ResourceOwners: SELF lists the caller's keys; OTHER_ACCOUNTS_VIA_RAM alone lists none (Trent has no Resource Access Manager sharing)"),
        "ListResourceTags": ("done", ""),
        "PutKeyPolicy": ("done", "MalformedPolicyDocumentException from the policy engine; lockout safety check unless BypassPolicyLockoutSafetyCheck; at most 32 KB (AWS's quota: LimitExceededException past it)"),
        "ReplicateKey": ("done", "multi-Region primary keys of every spec (symmetric, RSA, ECC, ML-DSA, ML-KEM, HMAC), "
                         "with every backing key, in one store transaction, into another region this deployment hosts (UnsupportedOperationException otherwise); same "
                         "key id and material, its own policy (lockout check), description, tags and state; not "
                         "cross-account; kms:CreateKey asked in the replica region; kms:ReplicaRegion condition key"),
        "ReEncrypt": ("partial", "between symmetric and RSA keys in both directions; DryRunModifiers IGNORE_CIPHERTEXT on a dry run answers UnsupportedOperationException; EncryptionContext at most 8,192 bytes of keys and values (Trent's bound; the model sets none)"),
        "RetireGrant": ("done", "by token, or by key and grant id"),
        "RevokeGrant": ("done", "a DryRun checks that the grant exists (NotFoundException otherwise), as the call "
                        "would: DryRunOperationException means the call would have succeeded"),
        "RotateKeyOnDemand": ("done", "at most 25 on-demand rotations per key (the limit of the current KMS Developer Guide and API reference, raised from 10); a symmetric EXTERNAL key makes its material pending rotation current (KMSInvalidStateException in AWS's words without one); a multi-Region primary's new backing key "
                              "reaches its replicas, which refuse rotation management (UnsupportedOperationException)"),
        "ScheduleKeyDeletion": ("done", "PendingWindowInDays 7..30; the scheduler destroys the material when the window ends (for a key in a custom key store, its token object while the store is connected; otherwise the object is left orphaned in the token, as AWS documents); "
                                "a multi-Region primary with replicas waits in PendingReplicaDeletion until they are gone"),
        "Sign": ("partial", "RSASSA_PSS_*, RSASSA_PKCS1_V1_5_*, ECDSA_SHA_* and ED25519_PH_SHA_512 (RAW and DIGEST, a 64-byte SHA-512 digest; Ed25519ph from ed25519-dalek, checked against RFC 8032's test vector), ED25519_SHA_512 and ML_DSA_SHAKE_256 (RAW); ML_DSA_SHAKE_256 with MessageType EXTERNAL_MU (a 64-byte mu, FIPS 204 6.2): aws-lc-rs signs ML-DSA only in pure mode and unsafe FFI is forbidden, so mu signing and verifying come from RustCrypto's ml-dsa (pure Rust, not independently audited, its README says) over the same expanded private key, checked against aws-lc-rs's public key; its signatures verify with aws-lc-rs as pure signatures of the message"),
        "TagResource": ("done", "at most 50 tags: more in one request is a TagException, more on the key a LimitExceededException"),
        "UntagResource": ("done", ""),
        "UpdateAlias": ("done", ""),
        "UpdateCustomKeyStore": ("partial", "AWS_CLOUDHSM: NewCustomKeyStoreName while CONNECTED or DISCONNECTED; KeyStorePassword and CloudHsmClusterId only while DISCONNECTED, the cluster another id of the same token (CloudHsmClusterNotRelatedException otherwise)""; custom key stores of type EXTERNAL_KEY_STORE (and every XksProxy* member) answer UnsupportedOperationException"),
        "UpdateKeyDescription": ("done", ""),
        "UpdatePrimaryRegion": ("done", "to a replica in a hosted region, both roles changed in one store transaction; both copies must allow kms:UpdatePrimaryRegion; "
                                "kms:PrimaryRegion condition key; not cross-account"),
        "Verify": ("partial", "as Sign; a signature that does not verify answers KMSInvalidSignatureException, as AWS does"),
        "VerifyMac": ("done", "a MAC that does not verify answers KMSInvalidMacException, as AWS does"),
    },
}

STATES["cloudtrail"] = {
    "LookupEvents": ("partial", "management events of Trent's own audit trail, scoped to the caller's account and "
                     "region, authorized as cloudtrail:LookupEvents; every LookupAttribute key; no Insights events "
                     "(EventCategory insight returns none); no 90-day limit"),
}

STATES["iam"] = {
    "AddUserToGroup": ("done", "at most 10 groups per user"),
    "CreateAccessKey": ("done", "at most 2 keys per user (and per root); without UserName, the caller's own"),
    "CreateGroup": ("done", ""),
    "CreateRole": ("partial", "trust policy validated by the policy engine (2,048 characters); Tags as TagRole's "
                   "(aws:RequestTag/aws:TagKeys in conditions); PermissionsBoundary refused with InvalidInput"),
    "CreateUser": ("partial", "Path, Tags (aws:RequestTag/aws:TagKeys in conditions; keys starting with aws: refused "
                   "with InvalidInput); PermissionsBoundary refused with InvalidInput"),
    "DeleteAccessKey": ("done", ""),
    "DeleteGroupPolicy": ("done", ""),
    "DeleteRole": ("done", "DeleteConflict while it has inline policies; its sessions stop working"),
    "DeleteRolePolicy": ("done", ""),
    "DeleteUser": ("done", "DeleteConflict while it has access keys, inline policies or groups"),
    "DeleteUserPolicy": ("done", ""),
    "GetGroupPolicy": ("done", "document URL-encoded as AWS returns it"),
    "GetRole": ("partial", "no RoleLastUsed"),
    "GetRolePolicy": ("done", "document URL-encoded as AWS returns it"),
    "GetUser": ("partial", "without UserName only for IAM users (root and role sessions get ValidationError); no "
                "PasswordLastUsed"),
    "GetUserPolicy": ("done", "document URL-encoded as AWS returns it"),
    "ListAccessKeys": ("done", ""),
    "ListGroupPolicies": ("done", ""),
    "ListRolePolicies": ("done", ""),
    "ListRoleTags": ("done", "tags ordered by key (regardless of case), Marker/MaxItems"),
    "ListRoles": ("done", "PathPrefix, Marker/MaxItems; tags left out, as AWS does; authorized on resource *"),
    "ListUserPolicies": ("done", ""),
    "ListUsers": ("done", "PathPrefix, Marker/MaxItems; authorized on resource *"),
    "PutGroupPolicy": ("done", "5,120 characters per group"),
    "PutRolePolicy": ("done", "10,240 characters per role"),
    "PutUserPolicy": ("done", "2,048 characters per user"),
    "RemoveUserFromGroup": ("done", ""),
    "TagRole": ("done", "50 tags per role (LimitExceeded), keys and values held to the model's lengths and patterns, "
                "keys unique regardless of case (a key the role has replaces its tag), keys starting with aws: refused "
                "(InvalidInput); aws:RequestTag/aws:TagKeys in conditions; the role's tags are its sessions' "
                "aws:PrincipalTag at once, on every node; not aws:ResourceTag/iam:ResourceTag (user tags are not "
                "either)"),
    "UntagRole": ("done", "keys regardless of case, a key the role lacks ignored; aws:TagKeys in conditions; its "
                  "sessions lose the tags at once, on every node"),
    "UpdateAccessKey": ("done", "takes effect on the next request"),
    "UpdateAssumeRolePolicy": ("done", "held to CreateRole's rules (policy engine, 2,048 characters); the next "
                               "AssumeRole on any node obeys the new trust policy"),
    "UpdateRole": ("partial", "Description, MaxSessionDuration (3600..43200; sessions already granted keep their "
                   "expiry); MaxSigninSessionDuration and ResetMaxSigninSessionDuration refused with InvalidInput (no "
                   "console)"),
    "UpdateRoleDescription": ("done", ""),
}

STATES["sts"] = {
    "AssumeRole": ("partial", "trust policy and identity policies per AWS's evaluation rules, DurationSeconds "
                   "900..MaxSessionDuration (1 hour when chaining), inline session Policy, session Tags "
                   "(sts:TagSession), ExternalId (2..1224 characters) and SourceIdentity (2..256) as condition keys, "
                   "held to the model's lengths and patterns; SourceIdentity needs sts:SetSourceIdentity as tags need "
                   "sts:TagSession, and does not persist into chained sessions; PolicyArns, MFA "
                   "(SerialNumber/TokenCode), TransitiveTagKeys, ProvidedContexts and MinimumSessionTokenSize "
                   "refused (ValidationError naming the member); no SessionTokenSize or SessionTokenUtilization in "
                   "the answer"),
    "GetCallerIdentity": ("done", "needs no permission"),
}

STATES["ssm"] = {
    "AddTagsToResource": ("partial", "ResourceType Parameter only (others: InvalidResourceType); at most 50 tags per "
                          "parameter (TooManyTagsError); keys starting with aws: refused"),
    "DeleteParameter": ("done", ""),
    "DeleteParameters": ("done", "AccessDeniedException if any name may not be deleted (nothing is deleted then)"),
    "DescribeParameters": ("partial", "Filters and ParameterFilters (Name, Path, Type, KeyId, Tier, DataType, tag:KEY "
                           "with their options); Shared lists nothing (no AWS RAM); a page examines at most 10,000 "
                           "parameters and may come back short with a NextToken; Policies with their statuses (Pending, "
                           "Finished)"),
    "GetParameter": ("partial", "name:version and name:label selectors, a parameter's ARN as its name; SecureString "
                     "without WithDecryption answers the base64 ciphertext; /aws/reference/secretsmanager/<secret-id> "
                     "reads the Secrets Manager secret (SecureString, Version 0, the secret's ARN, SourceResult; "
                     ":VersionId or :staging-label selectors; WithDecryption required; needs ssm:GetParameter and "
                     "secretsmanager:GetSecretValue; a SecretBinary base64); no AWS public parameters "
                     "(/aws/service/...); throttled at AWS's default throughput (40/s shared with GetParameters and "
                     "GetParametersByPath), no high-throughput setting"),
    "GetParameterHistory": ("done", "oldest first; each version with the policies it carries"),
    "GetParameters": ("done", "selectors; unknown names in InvalidParameters; AccessDeniedException if any name "
                      "may not be read; /aws/reference/secretsmanager/... names read their secrets as GetParameter "
                      "does"),
    "GetParametersByPath": ("partial", "Recursive, ParameterFilters (Type, KeyId, Label), WithDecryption; returns "
                            "only the parameters the caller may read (ssm:GetParametersByPath on each ARN); a page "
                            "examines at most 10,000 parameters and may come back short with a NextToken"),
    "GetServiceSetting": ("partial", "/ssm/parameter-store/default-parameter-tier only (others: "
                          "ServiceSettingNotFound)"),
    "LabelParameterVersion": ("done", "AWS's label rules; invalid labels in InvalidLabels; at most 10 per version"),
    "ListTagsForResource": ("partial", "ResourceType Parameter only"),
    "PutParameter": ("partial", "String, StringList, SecureString (KMS Encrypt up to 4 KB, envelope encryption "
                     "above, context PARAMETER_ARN, default key alias/aws/ssm created on first use); Overwrite (of "
                     "overwrites racing for one parameter each version goes to one, the others answer "
                     "TooManyUpdates), "
                     "tiers with their sizes and quotas (counted in the write's transaction, also across nodes on "
                     "one PostgreSQL: of requests racing for a tier's last place one gets it, the others "
                     "ParameterLimitExceeded), Intelligent-Tiering (Advanced if Standard filled up before the "
                     "write), AllowedPattern (whole value, Rust "
                     "regex syntax), DataType text / aws:ec2:image (format only) / aws:ssm:integration, Tags; at "
                     "most 100 versions; Policies (Expiration, ExpirationNotification, NoChangeNotification; "
                     "Advanced tier only, Intelligent-Tiering picks Advanced; kept across updates, [] removes them) "
                     "run by the scheduler, each action an EventBridge-shaped event in the outbox, delivered at least "
                     "once to the [events] sinks (webhook, NATS JetStream, JSON-lines file)"),
    "RemoveTagsFromResource": ("partial", "ResourceType Parameter only"),
    "ResetServiceSetting": ("partial", "/ssm/parameter-store/default-parameter-tier only"),
    "UnlabelParameterVersion": ("done", ""),
    "UpdateServiceSetting": ("partial", "/ssm/parameter-store/default-parameter-tier only (Standard, Advanced, "
                             "Intelligent-Tiering)"),
}

STATES["secretsmanager"] = {
    "BatchGetSecretValue": ("done", "SecretIdList (at most 20) or Filters with paging; per-secret Errors"),
    "CancelRotateSecret": ("done", "rotation off, a rotation in progress stopped; AWSPENDING left as AWS leaves it"),
    "CreateSecret": ("partial", "AddReplicaRegions and ForceOverwriteReplicaSecret (replicas in hosted regions, keys "
                     "as ReplicateSecretToRegions); Type "
                     "ignored; ClientRequestToken idempotent; default key the account's aws/secretsmanager; "
                     "CrossAccountPrimaryARN makes a cross-account replica (Pending, no value, AWS's managed "
                     "cross-account-replication policy derived from the primary's ARN; needs PutResourcePolicy and a "
                     "customer managed KmsKeyId, refuses SecretString, SecretBinary, Description, AddReplicaRegions and "
                     "Type with InvalidRequestException); "
                     "PreconditionNotMetException is never answered: AWS documents no condition that raises it (its model sentence, 'you did not complete all the prerequisite steps', names none), so Trent invents none"),
    "DeleteResourcePolicy": ("done", "PolicyName default only (another answers InvalidParameterException, as "
                             "AWS documents)"),
    "DeleteSecret": ("partial", "RecoveryWindowInDays 7..30 (default 30), or ForceDeleteWithoutRecovery; the "
                     "scheduler purges when the window ends; StartSecretVersionDelete and EndSecretVersionDelete "
                     "service events in the trail; a primary with an associated cross-account replica is refused "
                     "(InvalidRequestException) until it is disassociated or the replica's account stops it; a "
                     "cross-account replica may be deleted by its own account"),
    "DescribeSecret": ("partial", "RotationEnabled, RotationLambdaARN, RotationRules, LastRotatedDate, "
                       "NextRotationDate; PrimaryRegion and ReplicationStatus (with each replica's own "
                       "LastAccessedDate); CrossAccountReplicas and CrossAccountPrimary, a Failed link's StatusMessage "
                       "naming what refused (the replica's AcceptCrossAccountReplication, kms:Decrypt on the primary's key, "
                       "kms:GenerateDataKey and kms:Encrypt on the replica's, a ReplicationRoleARN role that no longer exists or "
                       "no longer trusts secretsmanager.amazonaws.com) on both "
                       "sides, in Trent's words (AWS publishes none); a link Failed before schema version 20 has none"),
    "AssociateCrossAccountReplica": ("partial", "copies the primary's versions and labels into the replica made for it "
                                     "(InSync), again for the same replica what it lacks; at most one replica per "
                                     "primary (LimitExceededException); nothing changes when a check or key refuses. "
                                     "Only the primary's own account may call it (AWS: 'you must call this operation "
                                     "from the account that owns the primary secret'): another account's primary "
                                     "answers AccessDeniedException whatever its policies. "
                                     "Authorized as AssociateCrossAccountReplica and GetSecretValue on the primary, "
                                     "AcceptCrossAccountReplication on the replica (its managed policy and the caller's "
                                     "IAM policy), kms:Decrypt on the primary's key, kms:GenerateDataKey and kms:Encrypt on "
                                     "the replica's (as AWS documents; kms:Encrypt is an authorization check through "
                                     "Secrets Manager, kms:ViaService, with no Encrypt made: none in the trail or the "
                                     "quotas). Every later change of the primary (a new version, a "
                                     "label moved) reaches the replica in the same request; when the replication's "
                                     "identity or a key refuses, the change stands and both links show Failed with a "
                                     "StatusMessage until the next change or a new association repairs it. The "
                                     "replication (the association's copy and every later one: AcceptCrossAccountReplication, "
                                     "kms:Decrypt, kms:GenerateDataKey, kms:Encrypt) authorizes as the ReplicationRoleARN role when one "
                                     "is given, else as the updating caller, as AWS documents; the role must exist in the "
                                     "primary's account (InvalidParameterException) and the caller needs iam:PassRole on "
                                     "it; its trust policy must let the service principal secretsmanager.amazonaws.com "
                                     "sts:AssumeRole (no Deny), evaluated with aws:SourceAccount and aws:SourceArn as the "
                                     "primary's account and ARN (assumed: AWS documents neither these keys nor the error; "
                                     "Trent answers InvalidParameterException as for a missing role), at association and "
                                     "at each replication (a trust changed later leaves the links Failed with a "
                                     "StatusMessage saying so). Trent assumes it without issuing credentials. "
                                     "ReplicaRestriction is accepted and "
                                     "restricts nothing (Trent has no Organizations)"),
    "DisassociateCrossAccountReplica": ("done", "on the primary, from its own account only (another account's "
                                        "primary answers AccessDeniedException whatever its policies): it forgets the "
                                        "replica, which keeps its versions, shows its primary Detached, gets no more "
                                        "changes and may be written by its own account (InvalidRequestException for a "
                                        "replica the primary is not linked to)"),
    "RemoveRegionsFromReplication": ("done", "the replicas are deleted at once"),
    "ReplicateSecretToRegions": ("partial", "into regions this deployment hosts; each replica sealed under its region's "
                                 "KmsKeyId or aws/secretsmanager (a customer managed KmsKeyId must allow the caller "
                                 "kms:GenerateDataKey and kms:Encrypt through Secrets Manager, as AWS documents; "
                                 "kms:Encrypt is an authorization check with no Encrypt made, none in the trail or the "
                                 "quotas, and refuses as GenerateDataKey does: Failed with its StatusMessage); brought up to date on every change of the primary in "
                                 "the same request (Failed with a status message when it cannot be, tried again on the "
                                 "next change and by the scheduler after 1, 2, 4 ... minutes, at most an hour, on one "
                                 "node of a cluster, found through an index of the next retry time; the retries' KMS "
                                 "calls are in the trail as Secrets Manager's own, userIdentity AWSService); a Failed replica's StatusMessage for a name taken in its region is "
                                 "AWS's documented wording, for a KMS key that refuses it is Trent's (AWS publishes none)"),
    "StopReplicationToReplica": ("done", "promotes a multi-Region replica to a standalone secret (the primary "
                                 "forgets it), or a cross-account replica (its managed cross-account-replication policy "
                                 "goes with the link; its primary, if still linked, shows it Detached)"),
    "GetRandomPassword": ("done", "system CSPRNG, every flag"),
    "GetResourcePolicy": ("done", "PolicyName default, cross-account-replication on a cross-account replica (the "
                          "managed policy, derived from its primary's ARN: the primary's account may "
                          "AcceptCrossAccountReplication), or ResourceNotFoundException for a name no policy has"),
    "ListResourcePolicies": ("done", "names only, default first, then cross-account-replication on a cross-account "
                             "replica; MaxResults, NextToken"),
    "GetSecretValue": ("done", "name, full ARN or partial ARN; VersionId and/or VersionStage"),
    "ListSecretVersionIds": ("done", "IncludeDeprecated; no per-version LastAccessedDate"),
    "ListSecrets": ("done", "Filters (prefix, ! negation; description and all ignore case), SortOrder, SortBy, "
                    "IncludePlannedDeletion, paging"),
    "PutResourcePolicy": ("partial", "PolicyName default only (another answers InvalidParameterException, as AWS "
                          "documents); BlockPublicPolicy refuses a policy that allows a Secrets Manager action to an "
                          "anonymous principal without conditions (not AWS's full Zelkova analysis)"),
    "PutSecretValue": ("partial", "RotationToken accepted and ignored; unlabelled versions pruned past 100 when "
                       "older than a day; refused (InvalidRequestException) on a multi-Region replica and on a "
                       "cross-account replica still linked to its primary (Pending, InSync, Failed), as are UpdateSecret "
                       "with a value, UpdateSecretVersionStage and RotateSecret: assumed, AWS documents no such rule for "
                       "cross-account replicas, so Trent treats them as its multi-Region replicas; Detached or "
                       "standalone, they are written like any secret"),
    "RestoreSecret": ("done", "CancelSecretVersionDelete service event in the trail"),
    "RotateSecret": ("partial", "RotationLambdaARN names a built-in PostgreSQL/MySQL function or a "
                     "[[rotation.functions]] command or HTTP endpoint (not a Lambda); RotationRules (AutomaticallyAfterDays, "
                     "rate/cron ScheduleExpression, Duration), RotateImmediately; the scheduler runs the four steps, "
                     "resumes at its next step after a restart (a stopping server ends a rotation between steps), "
                     "retries a failure after 1, 2, 4, 8, 16 minutes, then at the next window; RotationStarted, "
                     "RotationSucceeded and RotationFailed service events in the trail, and the KMS calls of built-in "
                     "functions' steps as Secrets Manager's own (userIdentity AWSService); a new AWSCURRENT version "
                     "put by hand during a rotation takes AWSPENDING off the rotation's version and records "
                     "RotationAbandoned; "
                     "ExternalSecretRotation* refused"),
    "TagResource": ("done", "at most 50 tags; aws: prefix reserved"),
    "UntagResource": ("done", ""),
    "UpdateSecret": ("done", "a new KmsKeyId encrypts new versions and, again, the versions labelled AWSCURRENT, "
                     "AWSPENDING and AWSPREVIOUS (left under the old key when the caller's KMS permissions do not "
                     "allow the move, as AWS does); unlabelled versions keep their key; an empty KmsKeyId means "
                     "aws/secretsmanager; PreconditionNotMetException is never answered: AWS documents no condition that raises it (its model sentence, 'you did not complete all the prerequisite steps', names none), so Trent invents none"),
    "UpdateSecretVersionStage": ("done", "AWSPREVIOUS follows AWSCURRENT; refused on a replica still linked to its "
                                 "primary (see PutSecretValue)"),
    "ValidateResourcePolicy": ("partial", "the policy grammar and the public-access check above"),
}

SERVICES = [
    ("kms", "2014-11-01", "AWS KMS",
     "`TrentService.*` (awsJson1_1), SigV4 service `kms`; a key of another account works only in the operations "
     "whose *Cross-account use* is Yes (when its key policy and the caller's IAM policy allow), every other "
     "operation answers `NotFoundException` as for a key that does not exist. Every request member is checked "
     "against the model's constraints before anything else, and all violations come in one `ValidationException` "
     "in AWS's words (`2 validation errors detected: ...`); unlike AWS, a message repeats at most 256 characters of "
     "a value and spells out at most 10 violations (the count stays exact), and never repeats a grant token"),
    ("secretsmanager", "2017-10-17", "AWS Secrets Manager",
     "`secretsmanager.*` (awsJson1_1), SigV4 service `secretsmanager`; values envelope-encrypted with a KMS data "
     "key asked for on the caller's behalf; replicas only in regions this deployment hosts"),
    ("cloudtrail", "2013-11-01", "AWS CloudTrail",
     "`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*` (awsJson1_1), SigV4 service `cloudtrail`"),
    ("iam", "2010-05-08", "AWS IAM",
     "`Action=...&Version=2010-05-08` (awsQuery, XML answers), SigV4 service `iam`; actions not yet implemented "
     "answer `InvalidAction`"),
    ("sts", "2011-06-15", "AWS STS",
     "`Action=...&Version=2011-06-15` (awsQuery, XML answers), SigV4 service `sts`; temporary credentials work on "
     "every service until they expire; actions not yet implemented answer `InvalidAction`"),
    ("ssm", "2014-11-06", "AWS Systems Manager (Parameter Store)",
     "`AmazonSSM.*` (awsJson1_1), SigV4 service `ssm`; only the Parameter Store operations are served, every other "
     "Systems Manager operation answers `UnknownOperationException`. Access is decided by the caller's IAM policies "
     "on parameter ARNs (`arn:aws:ssm:REGION:ACCOUNT:parameter/a/b`); SecureString values are encrypted through "
     "KMS on the caller's behalf (its own kms:Decrypt decides WithDecryption with a customer managed key); values "
     "never appear in the audit trail. Parameters live in the data directory's SQLite database, also when the "
     "other stores are on PostgreSQL (no PostgreSQL backend for Parameter Store yet)"),
]


def model(service, version):
    path = os.path.join(DATA, service, version, "service-2.json")
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz") as f:
            return json.load(f)
    with open(path) as f:
        return json.load(f)


def main():
    out = sys.stdout
    out.write("# Compatibility\n\n")
    out.write("Every operation of each wire service, from the botocore models (botocore "
              f"{botocore.__version__}), with its state in Trent. Operations that are *not yet* "
              "implemented answer `UnknownOperationException`, never a fake success.\n\n")
    out.write("States: **done** (every member and error of the model that applies), **partial** "
              "(works; the note says what is missing), **not yet**.\n\n")
    out.write("Regenerate the tables with `python3 scripts/compatibility.py > docs/COMPATIBILITY.md`.\n")
    for service, version, title, wire in SERVICES:
        ops = sorted(model(service, version)["operations"])
        states = STATES.get(service, {})
        unknown = set(states) - set(ops)
        if unknown:
            sys.exit(f"{service}: not in the model: {sorted(unknown)}")
        counts = {}
        for op in ops:
            counts[states.get(op, ("not yet", ""))[0]] = counts.get(states.get(op, ("not yet", ""))[0], 0) + 1
        out.write(f"\n## {title}\n\n{wire}. {len(ops)} operations: ")
        out.write(", ".join(f"{counts.get(s, 0)} {s}" for s in ("done", "partial", "not yet")) + ".\n\n")
        out.write("| operation | state | notes |\n|---|---|---|\n")
        for op in ops:
            state, note = states.get(op, ("not yet", ""))
            out.write(f"| {op} | {state} | {note} |\n")


if __name__ == "__main__":
    main()
