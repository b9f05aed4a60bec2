//! What CloudTrail records of each service's calls: one [`ServiceRules`] table per service.
//!
//! A table names the members that are never recorded (secrets, plaintext, ciphertext, any
//! blob), the members whose keys are user data (encryption contexts), the timestamp members
//! CloudTrail renders as dates, and per operation whether it is read-only and whether its
//! answer appears in `responseElements`. Adding a service (IAM, STS, Secrets Manager, SSM) is
//! adding a table; the filtering itself lives in [`super::redact`] and is the same for all.
//!
//! Besides each table's list, [`is_secret_member`] drops by name pattern everywhere (`*Blob`,
//! `*Plaintext*`, `*Ciphertext*`, `*Password*`, `*SecretAccessKey*`, `*SessionToken*`,
//! `*SecurityToken*`, `*Signature*`, `PrivateKey*`, `SecretString`, `SecretBinary`, and the
//! SigV4 query members `X-Amz-Credential` and `Authorization`), so a member added to a model
//! later, or credential material of a presigned request, is dropped before anyone remembers
//! to list it.

/// Whether an operation's answer is recorded in `responseElements`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseRule {
    /// `responseElements` is null (CloudTrail's choice for most operations, and for every
    /// operation that returns key material, plaintext or ciphertext).
    Null,
    /// The answer, with secret members dropped.
    Record,
}

/// How one operation is recorded.
#[derive(Clone, Copy, Debug)]
pub struct OperationRule {
    /// The AWS operation name.
    pub name: &'static str,
    /// CloudTrail's `readOnly`.
    pub read_only: bool,
    /// Whether `requestParameters` is recorded (CloudTrail records none for a few operations).
    pub record_request: bool,
    /// Members CloudTrail always shows with their default when the request omits them.
    pub request_defaults: &'static [(&'static str, &'static str)],
    /// Whether `responseElements` is recorded.
    pub response: ResponseRule,
}

/// How a service's calls are recorded.
#[derive(Debug)]
pub struct ServiceRules {
    /// `eventSource`, e.g. `kms.amazonaws.com`.
    pub event_source: &'static str,
    /// Wire member names (PascalCase) never recorded, at any depth, in requests or answers.
    pub secret_members: &'static [&'static str],
    /// Members whose values are maps keyed by user data: keys kept verbatim, not renamed.
    pub map_members: &'static [&'static str],
    /// Timestamp members (epoch seconds on the wire) CloudTrail renders as dates.
    pub date_members: &'static [&'static str],
    /// Every operation of the service's model.
    pub operations: &'static [OperationRule],
}

impl ServiceRules {
    /// The rule of `operation`, or one guessed from its name for an operation missing from the
    /// table: `Describe*`/`List*`/`Get*`/`Lookup*` read-only, the answer not recorded.
    pub fn operation(&self, operation: &str) -> OperationRule {
        self.operations.iter().find(|o| o.name == operation).copied().unwrap_or(OperationRule {
            name: "",
            read_only: ["Describe", "List", "Get", "Lookup"].iter().any(|p| operation.starts_with(p)),
            record_request: true,
            request_defaults: &[],
            response: ResponseRule::Null,
        })
    }

    /// Whether the wire member `name` is never recorded in this service.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secret_members.contains(&name) || is_secret_member(name)
    }
}

/// Member names dropped in every service wherever they occur in a name.
pub(crate) const SECRET_NAME_PARTS: &[&str] =
    &["Plaintext", "Ciphertext", "Password", "SecretAccessKey", "SessionToken", "SecurityToken", "Signature"];
/// Member names dropped in every service.
pub(crate) const SECRET_NAMES: &[&str] =
    &["SecretString", "SecretBinary", "PrivateKey", "GrantToken", "GrantTokens", "X-Amz-Credential", "Authorization"];

/// Member-name patterns dropped in every service.
pub fn is_secret_member(name: &str) -> bool {
    name.ends_with("Blob")
        || name.starts_with("PrivateKey")
        || SECRET_NAMES.contains(&name)
        || SECRET_NAME_PARTS.iter().any(|p| contains(name, p))
}

/// `name.contains(pattern)` for the short names and patterns of [`is_secret_member`], without
/// setting up `str::contains`'s searcher for each pattern of each member of each record.
fn contains(name: &str, pattern: &str) -> bool {
    let (name, pattern) = (name.as_bytes(), pattern.as_bytes());
    // A pattern is a whole UTF-8 string: a byte match is a match of characters.
    match pattern.split_first() {
        None => true,
        Some((first, rest)) => {
            name.len() >= pattern.len() && name.windows(pattern.len()).any(|w| w[0] == *first && &w[1..] == rest)
        }
    }
}

const fn op(name: &'static str, read_only: bool, response: ResponseRule) -> OperationRule {
    OperationRule { name, read_only, record_request: true, request_defaults: &[], response }
}

const R: bool = true;
const W: bool = false;
use ResponseRule::{Null, Record};

/// AWS KMS. Read-only as CloudTrail marks it: every cryptographic operation reads (Encrypt,
/// Decrypt, GenerateDataKey... are `readOnly: true` in CloudTrail), only management writes.
pub static KMS: ServiceRules = ServiceRules {
    event_source: "kms.amazonaws.com",
    secret_members: &[
        "Plaintext",
        "CiphertextBlob",
        "CiphertextForRecipient",
        "SourceCiphertextBlob",
        "PrivateKeyPlaintext",
        "PrivateKeyCiphertextBlob",
        "PublicKey",
        "KeyMaterial",
        "EncryptedKeyMaterial",
        "ImportToken",
        "AttestationDocument",
        "KeyStorePassword",
        "RawSecretAccessKey",
        "AccessKeyId",
        "XksProxyAuthenticationCredential",
        "Message",
        "Signature",
        "Mac",
        "SharedSecret",
        "SharedSecretCiphertextBlob",
        "GrantTokens",
        "GrantToken",
    ],
    map_members: &[
        "EncryptionContext",
        "SourceEncryptionContext",
        "DestinationEncryptionContext",
        "EncryptionContextEquals",
        "EncryptionContextSubset",
    ],
    date_members: &[
        "CreationDate",
        "DeletionDate",
        "KeyCreationDate",
        "LastUpdatedDate",
        "NextRotationDate",
        "OnDemandRotationStartDate",
        "ParametersValidTo",
        "RotationDate",
        "TrackingStartDate",
        "ValidTo",
    ],
    operations: &[
        op("CancelKeyDeletion", W, Record),
        op("ConnectCustomKeyStore", W, Null),
        op("CreateAlias", W, Null),
        op("CreateCustomKeyStore", W, Record),
        op("CreateGrant", W, Null),
        op("CreateKey", W, Record),
        op("Decapsulate", R, Null),
        OperationRule {
            name: "Decrypt",
            read_only: R,
            record_request: true,
            request_defaults: &[("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")],
            response: Null,
        },
        op("DeleteAlias", W, Null),
        op("DeleteCustomKeyStore", W, Null),
        op("DeleteImportedKeyMaterial", W, Null),
        op("DeriveSharedSecret", R, Null),
        op("DescribeCustomKeyStores", R, Null),
        op("DescribeKey", R, Null),
        op("DisableKey", W, Null),
        op("DisableKeyRotation", W, Null),
        op("DisconnectCustomKeyStore", W, Null),
        op("EnableKey", W, Null),
        op("EnableKeyRotation", W, Null),
        op("Encapsulate", R, Null),
        op("Encrypt", R, Null),
        op("GenerateDataKey", R, Null),
        op("GenerateDataKeyPair", R, Null),
        op("GenerateDataKeyPairWithoutPlaintext", R, Null),
        op("GenerateDataKeyWithoutPlaintext", R, Null),
        op("GenerateMac", R, Null),
        OperationRule {
            name: "GenerateRandom",
            read_only: R,
            record_request: false,
            request_defaults: &[],
            response: Null,
        },
        op("GetKeyLastUsage", R, Null),
        op("GetKeyPolicy", R, Null),
        op("GetKeyRotationStatus", R, Null),
        op("GetParametersForImport", R, Null),
        op("GetPublicKey", R, Null),
        op("ImportKeyMaterial", W, Null),
        op("ListAliases", R, Null),
        op("ListGrants", R, Null),
        op("ListKeyPolicies", R, Null),
        op("ListKeyRotations", R, Null),
        op("ListKeys", R, Null),
        op("ListResourceTags", R, Null),
        op("ListRetirableGrants", R, Null),
        op("PutKeyPolicy", W, Null),
        op("ReEncrypt", R, Null),
        op("ReplicateKey", W, Record),
        op("RetireGrant", W, Null),
        op("RevokeGrant", W, Null),
        op("RotateKeyOnDemand", W, Record),
        op("ScheduleKeyDeletion", W, Record),
        op("Sign", R, Null),
        op("TagResource", W, Null),
        op("UntagResource", W, Null),
        op("UpdateAlias", W, Null),
        op("UpdateCustomKeyStore", W, Null),
        op("UpdateKeyDescription", W, Null),
        op("UpdatePrimaryRegion", W, Null),
        op("Verify", R, Null),
        op("VerifyMac", R, Null),
    ],
};

/// AWS CloudTrail itself (`LookupEvents` is recorded like any other call).
pub static CLOUDTRAIL: ServiceRules = ServiceRules {
    event_source: "cloudtrail.amazonaws.com",
    secret_members: &[],
    map_members: &[],
    date_members: &[],
    operations: &[op("LookupEvents", R, Null)],
};

/// IAM: secrets of access keys, login profiles, service credentials and MFA seeds.
pub static IAM: ServiceRules = ServiceRules {
    event_source: "iam.amazonaws.com",
    secret_members: &[
        "SecretAccessKey",
        "Password",
        "NewPassword",
        "OldPassword",
        "PrivateKey",
        "AddPrivateKey",
        "Base32StringSeed",
        "QRCodePNG",
        "ServicePassword",
        "ServiceCredentialSecret",
        "Content",
    ],
    map_members: &[],
    date_members: &[],
    operations: &[],
};

/// STS: temporary credentials and the assertions that buy them.
pub static STS: ServiceRules = ServiceRules {
    event_source: "sts.amazonaws.com",
    secret_members: &["SecretAccessKey", "SessionToken", "SAMLAssertion", "WebIdentityToken", "TradeInToken"],
    map_members: &[],
    date_members: &[],
    operations: &[],
};

/// Secrets Manager: secret values, generated passwords, rotation tokens.
pub static SECRETS_MANAGER: ServiceRules = ServiceRules {
    event_source: "secretsmanager.amazonaws.com",
    secret_members: &["SecretString", "SecretBinary", "RandomPassword", "RotationToken"],
    map_members: &["SecretVersionsToStages", "VersionIdsToStages"],
    date_members: &[],
    operations: &[],
};

/// SSM Parameter Store: a parameter's `Value` (SecureString or not) is never recorded.
pub static SSM: ServiceRules = ServiceRules {
    event_source: "ssm.amazonaws.com",
    secret_members: &["Value", "Values", "Parameters", "SourceResult", "SecretAccessKey", "SessionToken", "Payload"],
    map_members: &[],
    date_members: &[],
    operations: &[],
};
