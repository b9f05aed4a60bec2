//! The golden table of the KMS errors: every domain error's `__type`, status and JSON body.

use trent_core::StoreError;
use trent_core::ids::{AccountId, Region, Scope};

use trent_core::kms::decide::PolicySource;
use trent_core::kms::{
    AliasInput, Constraint, Contended, CryptoInput, Denied, EncryptionAlgorithm, Existing, GrantInput, HsmFault,
    ImportInput, Invalid, KeyInput, KeySpec, KeyState, KeyUsage, Limit, Malformed, MaterialFault, Mismatch, Missing,
    MissingStore, Misuse, Refusal, RegionInput, Shown, SigningAlgorithm, TagRule, Unsupported, Violation,
};
use trent_core::policy::{Policy, PolicyKind};

use super::*;

mod sentences;

/// Golden table: every domain error's `__type`, status and JSON body.
#[test]
fn every_kms_error_maps_to_its_aws_type() {
    let arn = "arn:aws:kms:us-east-1:111122223333:key/k".to_owned();
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let cases: Vec<(KmsError, &str, u16, &str)> = vec![
        (KmsError::NotFound(Missing::Key("x".into())), "NotFoundException", 400, "Key 'x' does not exist"),
        (KmsError::NotFound(Missing::KeyId("alias/x".into())), "NotFoundException", 400, "Invalid keyId 'alias/x'"),
        (KmsError::NotFound(Missing::ArnRegion("eu-west-1".into())), "NotFoundException", 400, "Invalid arn eu-west-1"),
        (
            KmsError::NotFound(Missing::Alias { scope: scope.clone(), name: "alias/app".into() }),
            "NotFoundException",
            400,
            "Alias arn:aws:kms:us-east-1:111122223333:alias/app is not found.",
        ),
        (KmsError::NotFound(Missing::Grant("g1".into())), "NotFoundException", 400, "Grant ID g1 not found"),
        (KmsError::NotFound(Missing::KeyPolicy), "NotFoundException", 400, "No such policy exists"),
        (
            KmsError::InvalidArn { arn: "arn:aws:s3:::x".into() },
            "InvalidArnException",
            400,
            "Invalid arn arn:aws:s3:::x",
        ),
        (
            KmsError::Disabled { key_arn: arn.clone() },
            "DisabledException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k is disabled.",
        ),
        (
            KmsError::InvalidState { key_arn: arn.clone(), state: KeyState::PendingDeletion },
            "KMSInvalidStateException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k is pending deletion.",
        ),
        (
            KmsError::NoPendingRotation { key_arn: arn.clone() },
            "KMSInvalidStateException",
            400,
            "No available key material pending rotation for the key: arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (
            KmsError::RotationPending { key_id: "k".into(), new: "aa".into(), pending: "bb".into() },
            "KMSInvalidStateException",
            400,
            "New key material (id: aa) cannot be imported into KMS key k, because another key material (id: bb) \
             is pending rotation.",
        ),
        (KmsError::InvalidCiphertext, "InvalidCiphertextException", 400, ""),
        (KmsError::InvalidSignature, "KMSInvalidSignatureException", 400, ""),
        (KmsError::InvalidMac, "KMSInvalidMacException", 400, ""),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::UnknownId),
            "IncorrectKeyMaterialException",
            400,
            "KeyMaterialId does not identify key material.",
        ),
        (
            KmsError::ExpiredImportToken,
            "ExpiredImportTokenException",
            400,
            "The import token expired; call GetParametersForImport again.",
        ),
        (
            KmsError::InvalidImportToken,
            "InvalidImportTokenException",
            400,
            "The import token is invalid or is associated with a different KMS key.",
        ),
        (
            KmsError::IncorrectKey,
            "IncorrectKeyException",
            400,
            "The key ID in the request does not identify a CMK that can perform this operation.",
        ),
        (
            KmsError::AliasPrefix,
            "ValidationException",
            400,
            "Alias must start with the prefix \"alias/\". \
             Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ),
        (
            KmsError::AliasCharacters { name: "alias/my:alias".into() },
            "ValidationException",
            400,
            "alias/my:alias contains invalid characters for an alias",
        ),
        (
            KmsError::InvalidKeyUsage(Misuse::Usage {
                key_arn: arn.clone(),
                usage: KeyUsage::SignVerify,
                operation: "ReEncrypt",
            }),
            "InvalidKeyUsageException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k key usage is SIGN_VERIFY which is not valid for ReEncrypt.",
        ),
        (
            KmsError::InvalidKeyUsage(Misuse::Algorithm {
                kind: "Key agreement",
                algorithm: "ECDH",
                key_arn: arn.clone(),
                spec: KeySpec::Rsa2048,
            }),
            "InvalidKeyUsageException",
            400,
            "Key agreement algorithm ECDH is not valid for arn:aws:kms:us-east-1:111122223333:key/k which has key \
             spec RSA_2048.",
        ),
        (
            KmsError::AlreadyExists(Existing::Replica { key_arn: arn.clone() }),
            "AlreadyExistsException",
            400,
            "Replica key arn:aws:kms:us-east-1:111122223333:key/k already exists.",
        ),
        (
            KmsError::InvalidAliasName { name: "alias/".into() },
            "InvalidAliasNameException",
            400,
            "alias/ is not a valid alias name.",
        ),
        (
            KmsError::NotAuthorized { reserved_alias: "alias/aws/ebs".into() },
            "NotAuthorizedException",
            400,
            "alias/aws/ebs: the alias/aws/ prefix is reserved for AWS managed keys",
        ),
        (
            KmsError::LimitExceeded(Limit::GrantsPerKey { key_arn: arn.clone() }),
            "LimitExceededException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k has the maximum of 50000 grants",
        ),
        (
            KmsError::LimitExceeded(Limit::AliasesPerKey { key_arn: arn.clone() }),
            "LimitExceededException",
            400,
            "Key arn:aws:kms:us-east-1:111122223333:key/k already has the maximum of 50 aliases",
        ),
        (
            KmsError::LimitExceeded(Limit::KeyPolicySize { bytes: 40_000 }),
            "LimitExceededException",
            400,
            "The key policy is 40000 bytes; the key policy document size quota is 32768 bytes",
        ),
        (KmsError::LimitExceeded(Limit::TagsPerKey), "LimitExceededException", 400, "A key may have at most 50 tags"),
        (
            KmsError::LimitExceeded(Limit::OnDemandRotations { key_arn: arn.clone() }),
            "LimitExceededException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k has reached the limit of 25 on-demand rotations",
        ),
        (
            KmsError::Validation(Invalid::Grant(GrantInput::NoOperations)),
            "ValidationException",
            400,
            "Operations must contain at least one grant operation.",
        ),
        (KmsError::InvalidGrantToken, "InvalidGrantTokenException", 400, "Grant token is not valid."),
        (KmsError::InvalidGrantId { id: "g".into() }, "InvalidGrantIdException", 400, "Grant id 'g' is not valid"),
        (KmsError::InvalidMarker, "InvalidMarkerException", 400, "Invalid marker"),
        (
            KmsError::Unsupported(Unsupported::StoreKeyMultiRegion),
            "UnsupportedOperationException",
            400,
            "You cannot create a multi-Region key in a custom key store.",
        ),
        (KmsError::Tag(TagRule::DuplicateKeys), "TagException", 400, "Duplicate tag keys"),
        (
            KmsError::MalformedPolicy(Malformed::Lockout),
            "MalformedPolicyDocumentException",
            400,
            "The new key policy will not allow you to update the key policy in the future.",
        ),
        (
            KmsError::AccessDenied(Denied::RetireGrant {
                principal_arn: "arn:aws:iam::111122223333:user/u".into(),
                grant_id: "g1".into(),
            }),
            "AccessDeniedException",
            400,
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:RetireGrant on grant g1",
        ),
        (
            KmsError::DryRun,
            "DryRunOperationException",
            400,
            "The request would have succeeded, but the DryRun option is set.",
        ),
        (
            KmsError::CustomKeyStoreNotFound(MissingStore::Id("cks-1".into())),
            "CustomKeyStoreNotFoundException",
            400,
            "Custom key store 'cks-1' does not exist",
        ),
        (
            KmsError::CustomKeyStoreNotFound(MissingStore::Name("hsm".into())),
            "CustomKeyStoreNotFoundException",
            400,
            "Custom key store with name 'hsm' does not exist",
        ),
        (
            KmsError::CustomKeyStoreNameInUse { name: "n".into() },
            "CustomKeyStoreNameInUseException",
            400,
            "The custom key store name 'n' is already in use in this account and Region.",
        ),
        (
            KmsError::CustomKeyStoreInvalidState {
                id: "cks-1".into(),
                state: trent_core::kms::ConnectionState::Disconnected,
            },
            "CustomKeyStoreInvalidStateException",
            400,
            "Custom key store 'cks-1' has ConnectionState DISCONNECTED; the operation is not valid in that state.",
        ),
        (
            KmsError::CloudHsmClusterNotFound { cluster_id: "cluster-abc".into() },
            "CloudHsmClusterNotFoundException",
            400,
            "AWS CloudHSM cluster 'cluster-abc' does not exist.",
        ),
        (
            KmsError::CloudHsmClusterInUse { cluster_id: "cluster-abc".into() },
            "CloudHsmClusterInUseException",
            400,
            "AWS CloudHSM cluster 'cluster-abc' is already associated with a custom key store in this account \
             and Region.",
        ),
        (
            KmsError::CloudHsmClusterNotRelated { cluster_id: "cluster-abc".into() },
            "CloudHsmClusterNotRelatedException",
            400,
            "AWS CloudHSM cluster 'cluster-abc' is not related to the custom key store's cluster.",
        ),
        (
            KmsError::IncorrectTrustAnchor { cluster_id: "cluster-abc".into() },
            "IncorrectTrustAnchorException",
            400,
            "The trust anchor certificate does not match the trust anchor of AWS CloudHSM cluster 'cluster-abc'.",
        ),
        (
            KmsError::CloudHsmClusterInvalidConfiguration { cluster_id: "cluster-abc".into() },
            "CloudHsmClusterInvalidConfigurationException",
            400,
            "AWS CloudHSM cluster 'cluster-abc' cannot create the key material.",
        ),
        (
            KmsError::CustomKeyStoreHasKeys { id: "cks-1".into() },
            "CustomKeyStoreHasCMKsException",
            400,
            "Custom key store 'cks-1' contains KMS keys.",
        ),
        (
            KmsError::HsmKey { key_arn: arn.clone(), fault: HsmFault::KeyMissing },
            "KMSInvalidStateException",
            400,
            "The key material for arn:aws:kms:us-east-1:111122223333:key/k is not in the AWS CloudHSM cluster \
             associated with its custom key store.",
        ),
        (
            KmsError::HsmKey { key_arn: arn.clone(), fault: HsmFault::Failed },
            "KMSInvalidStateException",
            400,
            "The AWS CloudHSM cluster of the custom key store failed the cryptographic operation with \
             arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (
            KmsError::InvalidState { key_arn: arn.clone(), state: KeyState::Unavailable },
            "KMSInvalidStateException",
            400,
            "arn:aws:kms:us-east-1:111122223333:key/k is unavailable.",
        ),
        (
            KmsError::Conflict(Contended::Key),
            "ConflictException",
            400,
            "The key was modified concurrently; retry the request",
        ),
        (
            KmsError::Conflict(Contended::PrimaryRegion),
            "ConflictException",
            400,
            "The primary Region moved concurrently; retry the request",
        ),
        (
            KmsError::Conflict(Contended::CustomKeyStore),
            "ConflictException",
            400,
            "The custom key store was changed concurrently; retry.",
        ),
        (
            KmsError::LimitExceeded(Limit::CustomKeyStores),
            "LimitExceededException",
            400,
            "The request was rejected because you have reached the limit of 10 custom key stores in this account \
             and Region.",
        ),
        (
            KmsError::Throttled { quota: "kms:cryptographic-rsa" },
            "ThrottlingException",
            400,
            "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
        ),
        (
            KmsError::Unavailable(StoreError::Unavailable("db down at /secret/path".into())),
            "DependencyTimeoutException",
            500,
            "The system timed out while trying to fulfill the request.",
        ),
        (KmsError::Internal("boom: detail".into()), "KMSInternalException", 500, "An internal error occurred."),
    ];
    for (err, code, status, message) in cases {
        let aws = AwsError::from(err);
        assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, status, message));
        let body: serde_json::Value = serde_json::from_slice(&aws.to_json()).unwrap();
        assert_eq!(body, serde_json::json!({"__type": code, "message": message}));
    }
}

/// Golden sentences: every typed reason of the 400 errors renders as the sentence the domain
/// used to build itself.
#[test]
fn every_reason_renders_its_aws_sentence() {
    let arn = "arn:aws:kms:us-east-1:111122223333:key/k".to_owned();
    let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap());
    let alias = || (scope.clone(), "alias/app".to_owned());
    let user = "arn:aws:iam::111122223333:user/u";
    let policy_error = Policy::parse("{", PolicyKind::Resource).unwrap_err();
    let engine_sentence = policy_error.to_string();
    let denied = |refusal| {
        KmsError::AccessDenied(Denied::Policy {
            principal_arn: user.into(),
            action: "kms:Encrypt".into(),
            resource: arn.clone(),
            refusal,
        })
    };
    let member =
        |field, value, constraint| KmsError::Validation(Invalid::Member(Violation { field, value, constraint }));
    let shown = |v: &str| Shown::Value(v.to_owned());
    let invalid = KmsError::Validation;
    let cases: Vec<(KmsError, &str, &str)> = vec![
        (
            KmsError::AlreadyExists(Existing::Alias { scope: alias().0, name: alias().1 }),
            "AlreadyExistsException",
            "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/app already exists",
        ),
        (
            KmsError::AlreadyExists(Existing::SeededTwice { key_arn: arn.clone() }),
            "AlreadyExistsException",
            "Key arn:aws:kms:us-east-1:111122223333:key/k is seeded twice",
        ),
        (
            KmsError::AlreadyExists(Existing::SeededOtherMaterial { key_arn: arn.clone() }),
            "AlreadyExistsException",
            "Key arn:aws:kms:us-east-1:111122223333:key/k exists with other key material",
        ),
        (
            KmsError::AlreadyExists(Existing::SeededAlias { scope: alias().0, name: alias().1 }),
            "AlreadyExistsException",
            "Alias arn:aws:kms:us-east-1:111122223333:alias/app names another key",
        ),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::AlreadyAssociated { key_arn: arn.clone() }),
            "IncorrectKeyMaterialException",
            "The key material is already associated with arn:aws:kms:us-east-1:111122223333:key/k; import it with \
             ImportType EXISTING_KEY_MATERIAL.",
        ),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::NothingToReimport { key_arn: arn.clone() }),
            "IncorrectKeyMaterialException",
            "arn:aws:kms:us-east-1:111122223333:key/k has no key material to import again.",
        ),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::NotPreviouslyImported { key_arn: arn.clone() }),
            "IncorrectKeyMaterialException",
            "The key material is not key material previously imported into arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::Invalid {
                key_arn: arn.clone(),
                fault: MaterialFault::SymmetricLength { len: 16 },
            }),
            "IncorrectKeyMaterialException",
            "The key material is not valid for arn:aws:kms:us-east-1:111122223333:key/k: SYMMETRIC_DEFAULT material \
             must be 32 bytes, not 16.",
        ),
        (
            KmsError::IncorrectKeyMaterial(Mismatch::OtherId { key_arn: arn.clone() }),
            "IncorrectKeyMaterialException",
            "The key material does not have the KeyMaterialId given for arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (KmsError::Tag(TagRule::TooMany), "TagException", "Too many tags"),
        (KmsError::Tag(TagRule::Reserved), "TagException", "Tags beginning with aws: are reserved"),
        (KmsError::Tag(TagRule::Key("k<".into())), "TagException", "Tag key 'k<' is not valid"),
        (KmsError::Tag(TagRule::Value("k".into())), "TagException", "Tag value of key 'k' is not valid"),
        (
            KmsError::MalformedPolicy(Malformed::Document(policy_error)),
            "MalformedPolicyDocumentException",
            &engine_sentence,
        ),
        (
            denied(Refusal::Explicit(PolicySource::KeyPolicy)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k with an explicit deny in a resource-based policy",
        ),
        (
            denied(Refusal::Explicit(PolicySource::Identity)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k with an explicit deny in an identity-based policy",
        ),
        (
            denied(Refusal::Explicit(PolicySource::Session)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k with an explicit deny in a session policy",
        ),
        (
            denied(Refusal::Implicit(PolicySource::KeyPolicy)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k because no resource-based policy allows the kms:Encrypt action",
        ),
        (
            denied(Refusal::Implicit(PolicySource::Identity)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k because no identity-based policy allows the kms:Encrypt action",
        ),
        (
            denied(Refusal::Implicit(PolicySource::Session)),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Encrypt on resource: \
             arn:aws:kms:us-east-1:111122223333:key/k because no session policy allows the kms:Encrypt action",
        ),
        (
            KmsError::AccessDenied(Denied::RetirableGrants {
                principal_arn: user.into(),
                retiring_principal: "arn:aws:iam::444455556666:root".into(),
            }),
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/u is not authorized to list the retirable grants of \
             arn:aws:iam::444455556666:root",
        ),
        (
            member("numberOfBytes", shown("0"), Constraint::ValueAtLeast(1)),
            "ValidationException",
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have \
             value greater than or equal to 1",
        ),
        (
            member("numberOfBytes", shown("2000"), Constraint::ValueAtMost(1024)),
            "ValidationException",
            "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must \
             have value less than or equal to 1024",
        ),
        (
            member("plaintext", Shown::Hidden, Constraint::LengthAtLeast(1)),
            "ValidationException",
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length \
             greater than or equal to 1",
        ),
        (
            member("plaintext", Shown::Hidden, Constraint::LengthAtMost(4096)),
            "ValidationException",
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length \
             less than or equal to 4096",
        ),
        (
            member("name", shown(""), Constraint::LengthAtLeast(1)),
            "ValidationException",
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length \
             greater than or equal to 1",
        ),
        (
            member("name", shown("nnn"), Constraint::LengthAtMost(2)),
            "ValidationException",
            "1 validation error detected: Value 'nnn' at 'name' failed to satisfy constraint: Member must have length \
             less than or equal to 2",
        ),
        (
            member("aliasName", shown(""), Constraint::LengthBetween(1, 256)),
            "ValidationException",
            "1 validation error detected: Value '' at 'aliasName' failed to satisfy constraint: Member must have \
             length between 1 and 256",
        ),
        (
            member("aliasName", shown("alias/a b"), Constraint::Pattern("^[a-zA-Z0-9:/_-]+$")),
            "ValidationException",
            "1 validation error detected: Value 'alias/a b' at 'aliasName' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        ),
        (
            member("numberOfBytes", Shown::Null, Constraint::NotNull),
            "ValidationException",
            "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not \
             be null",
        ),
        (
            member(
                "constraints.encryptionContextSubset",
                Shown::Hidden,
                Constraint::MapEntries { side: "value", max: 384 },
            ),
            "ValidationException",
            "1 validation error detected: Value at 'constraints.encryptionContextSubset' failed to satisfy \
             constraint: Map value must satisfy constraint: [Member must have length less than or equal to 384]",
        ),
        (
            invalid(Invalid::Grant(GrantInput::Principal { field: "granteePrincipal", value: "nobody".into() })),
            "ValidationException",
            "Value 'nobody' at 'granteePrincipal' is not a valid principal",
        ),
        (
            invalid(Invalid::Grant(GrantInput::RetireTarget)),
            "ValidationException",
            "Specify either GrantToken, or both KeyId and GrantId.",
        ),
        (
            invalid(Invalid::Grant(GrantInput::BothConstraints)),
            "ValidationException",
            "Specify either EncryptionContextEquals or EncryptionContextSubset, not both",
        ),
        (
            invalid(Invalid::Grant(GrantInput::ConstraintsNotApplicable)),
            "ValidationException",
            "Grant constraints are only valid for operations that take an encryption context",
        ),
        (
            invalid(Invalid::Alias(AliasInput::TargetIsAlias)),
            "ValidationException",
            "Aliases must refer to keys. Not aliases",
        ),
        (
            invalid(Invalid::Alias(AliasInput::Retarget {
                alias_arn: scope.alias_arn("alias/app"),
                spec: KeySpec::SymmetricDefault,
                usage: KeyUsage::EncryptDecrypt,
            })),
            "ValidationException",
            "Alias arn:aws:kms:us-east-1:111122223333:alias/app must keep pointing to a key of spec SYMMETRIC_DEFAULT \
             and usage ENCRYPT_DECRYPT",
        ),
        (
            invalid(Invalid::Key(KeyInput::UsageSpec { usage: KeyUsage::SignVerify, spec: KeySpec::SymmetricDefault })),
            "ValidationException",
            "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT",
        ),
        (
            invalid(Invalid::Key(KeyInput::XksKeyId)),
            "ValidationException",
            "XksKeyId requires a custom key store of type EXTERNAL_KEY_STORE",
        ),
        (
            invalid(Invalid::Key(KeyInput::SeedMaterial(MaterialFault::SymmetricLength { len: 16 }))),
            "ValidationException",
            "SYMMETRIC_DEFAULT material must be 32 bytes, not 16",
        ),
        (
            invalid(Invalid::Import(ImportInput::ValidToGiven)),
            "ValidationException",
            "ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.",
        ),
        (
            invalid(Invalid::Import(ImportInput::ValidToMissing)),
            "ValidationException",
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        ),
        (
            invalid(Invalid::Import(ImportInput::ValidToPast)),
            "ValidationException",
            "ValidTo must be a future date and time.",
        ),
        (
            invalid(Invalid::Import(ImportInput::ValidToFar)),
            "ValidationException",
            "ValidTo must be at most 365 days from the request date.",
        ),
        (
            invalid(Invalid::Import(ImportInput::ValidToNotATime)),
            "ValidationException",
            "ValidTo is not a valid date and time.",
        ),
        (
            invalid(Invalid::Import(ImportInput::MaterialIdWithNew)),
            "ValidationException",
            "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL.",
        ),
        (
            invalid(Invalid::Import(ImportInput::MaterialIdSyntax("zz".into()))),
            "ValidationException",
            "KeyMaterialId zz is not a key material id.",
        ),
        (
            invalid(Invalid::Import(ImportInput::MaterialIdUnknown { material_id: "ab".into(), key_arn: arn.clone() })),
            "ValidationException",
            "KeyMaterialId ab does not identify key material of arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::ContextEntryTooLong)),
            "ValidationException",
            "Encryption context entries must be shorter than 65536 bytes",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::ContextNotSupported(EncryptionAlgorithm::RsaesOaepSha256))),
            "ValidationException",
            "EncryptionContext is not supported with encryption algorithm RSAES_OAEP_SHA_256.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::PlaintextTooLong {
                len: 300,
                algorithm: EncryptionAlgorithm::RsaesOaepSha256,
                spec: KeySpec::Rsa2048,
                max: 190,
            })),
            "ValidationException",
            "Plaintext of 300 bytes is too long for encryption algorithm RSAES_OAEP_SHA_256 with key spec RSA_2048: \
             at most 190 bytes.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::BytesAndSpec)),
            "ValidationException",
            "Please specify either number of bytes or key spec, not both.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::NeitherBytesNorSpec)),
            "ValidationException",
            "Please specify either number of bytes or key spec.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::DigestLength(SigningAlgorithm::EcdsaSha384))),
            "ValidationException",
            "Digest is invalid length for algorithm ECDSA_SHA_384.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::DigestNotValid(SigningAlgorithm::Ed25519Sha512))),
            "ValidationException",
            "MessageType DIGEST is not valid for signing algorithm ED25519_SHA_512.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::ExternalMu(SigningAlgorithm::RsassaPssSha256))),
            "ValidationException",
            "MessageType EXTERNAL_MU is only valid for signing algorithm ML_DSA_SHAKE_256, not RSASSA_PSS_SHA_256.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::ExternalMuLength(SigningAlgorithm::MlDsaShake256))),
            "ValidationException",
            "External mu is invalid length for algorithm ML_DSA_SHAKE_256: it must be 64 bytes.",
        ),
        (
            invalid(Invalid::Crypto(CryptoInput::PeerPublicKey(KeySpec::EccNistP256))),
            "ValidationException",
            "PublicKey is not a DER-encoded SubjectPublicKeyInfo of a point on the curve of key spec ECC_NIST_P256.",
        ),
        (
            invalid(Invalid::Region(RegionInput::ReplicaInPrimary {
                region: Region::parse("us-east-1").unwrap(),
                key_arn: arn.clone(),
            })),
            "ValidationException",
            "The replica region us-east-1 is the region of the primary key arn:aws:kms:us-east-1:111122223333:key/k.",
        ),
        (
            invalid(Invalid::Region(RegionInput::AlreadyPrimary {
                key_arn: arn.clone(),
                region: Region::parse("us-west-2").unwrap(),
            })),
            "ValidationException",
            "arn:aws:kms:us-east-1:111122223333:key/k is already the primary key in us-west-2.",
        ),
    ];
    for (err, code, message) in cases {
        let aws = AwsError::from(err);
        assert_eq!((aws.code, aws.status.as_u16(), aws.message.as_str()), (code, 400, message));
    }
}
