//! The typed payloads of [`KmsError`](super::KmsError): what is missing, what exists, which
//! quota or rule a request broke, who was refused what. Each holds the values AWS's sentence
//! names; `trent-wire` renders the sentences, once. Nothing here is a plaintext, key
//! material or a grant token.

use crate::ids::Scope;
use crate::kms::decide::{Decision, PolicySource};
use crate::kms::seed::MaterialFault;
use crate::kms::{KeySpec, KeyUsage};
use crate::policy::PolicyError;

/// What a `NotFoundException` says does not exist. The fields are the values AWS's sentences
/// name; `trent-wire` renders the sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// A key, as the request named it (a key id or key ARN) or by its ARN.
    Key(String),
    /// A `KeyId` that is no key id where only a key id or key ARN is taken, as given.
    KeyId(String),
    /// A key ARN of a region or partition that is not the caller's: the ARN's region.
    ArnRegion(String),
    /// An alias `name` (with its `alias/` prefix) of `scope`.
    Alias {
        /// The account and region of the alias.
        scope: Scope,
        /// The alias name.
        name: String,
    },
    /// A grant id that names no grant of the key.
    Grant(String),
    /// A key policy name other than `default`.
    KeyPolicy,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(name) => write!(f, "key {name}"),
            Self::KeyId(input) => write!(f, "key id {input}"),
            Self::ArnRegion(region) => write!(f, "key ARN of region {region}"),
            Self::Alias { scope, name } => write!(f, "alias {}", scope.alias_arn(name)),
            Self::Grant(id) => write!(f, "grant {id}"),
            Self::KeyPolicy => f.write_str("key policy"),
        }
    }
}

/// What exists already (`AlreadyExistsException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Existing {
    /// `CreateAlias` of an alias `name` of `scope` that exists.
    Alias {
        /// The account and region of the alias.
        scope: Scope,
        /// The alias name.
        name: String,
    },
    /// A replica of the key with this ARN exists in the Region asked for.
    Replica {
        /// The replica's ARN.
        key_arn: String,
    },
    /// A seed file names the key with this ARN twice.
    SeededTwice {
        /// The key's ARN.
        key_arn: String,
    },
    /// A seeded key exists already with other key material.
    SeededOtherMaterial {
        /// The key's ARN.
        key_arn: String,
    },
    /// A seeded alias `name` of `scope` exists and names another key.
    SeededAlias {
        /// The account and region of the alias.
        scope: Scope,
        /// The alias name.
        name: String,
    },
}

/// What a competing change modified while retries ran (`ConflictException`); `trent-wire`
/// renders the sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contended {
    /// The key's record.
    Key,
    /// A multi-Region key's primary Region.
    PrimaryRegion,
    /// The custom key stores of an account and Region (a name or cluster taken meanwhile).
    CustomKeyStore,
}

/// Which quota a request would exceed (`LimitExceededException`); `trent-wire` renders the
/// sentence with the quota's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`MAX_GRANTS_PER_KEY`](crate::kms::MAX_GRANTS_PER_KEY) grants of the key with this ARN.
    GrantsPerKey {
        /// The key's ARN.
        key_arn: String,
    },
    /// [`MAX_ALIASES_PER_KEY`](crate::kms::MAX_ALIASES_PER_KEY) aliases of the key with this ARN.
    AliasesPerKey {
        /// The key's ARN.
        key_arn: String,
    },
    /// A key policy of `bytes` bytes, over [`MAX_POLICY_BYTES`](crate::kms::MAX_POLICY_BYTES).
    KeyPolicySize {
        /// The policy's size.
        bytes: usize,
    },
    /// [`MAX_TAGS_PER_KEY`](crate::kms::MAX_TAGS_PER_KEY) tags of one key.
    TagsPerKey,
    /// [`MAX_ON_DEMAND_ROTATIONS`](crate::kms::MAX_ON_DEMAND_ROTATIONS) on-demand rotations of
    /// the key with this ARN.
    OnDemandRotations {
        /// The key's ARN.
        key_arn: String,
    },
    /// [`MAX_CUSTOM_KEY_STORES`](crate::kms::MAX_CUSTOM_KEY_STORES) custom key stores in an
    /// account and Region.
    CustomKeyStores,
}

/// Which tag rule a request broke (`TagException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagRule {
    /// One tag key twice in one request.
    DuplicateKeys,
    /// More than [`MAX_TAGS_PER_KEY`](crate::kms::MAX_TAGS_PER_KEY) tags in one request.
    TooMany,
    /// A key with the reserved `aws:` prefix.
    Reserved,
    /// A tag key with a character tags may not have: the key.
    Key(String),
    /// A tag value with a character tags may not have: the tag's key.
    Value(String),
}

/// Why a policy document was refused (`MalformedPolicyDocumentException`).
#[derive(Debug, thiserror::Error)]
pub enum Malformed {
    /// The policy engine refused the document; its error is AWS's sentence.
    #[error("the key policy is not a valid policy")]
    Document(#[source] PolicyError),
    /// The lockout safety check: the new key policy would not let the caller put a key
    /// policy again.
    #[error("the key policy would lock the caller out")]
    Lockout,
}

/// Which policy refused a request, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A `Deny` statement of that kind of policy matched.
    Explicit(PolicySource),
    /// No policy of that kind allowed the request.
    Implicit(PolicySource),
}

impl Refusal {
    /// The refusal a decision is, `None` for an allow or a key out of reach (answered as
    /// not found).
    pub fn of(decision: Decision) -> Option<Self> {
        match decision {
            Decision::Allow(_) | Decision::OtherAccountKey => None,
            Decision::ExplicitDeny(source) => Some(Self::Explicit(source)),
            Decision::ImplicitDeny(source) => Some(Self::Implicit(source)),
        }
    }
}

/// Who was refused what (`AccessDeniedException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The policies refused `action` on `resource` to the principal.
    Policy {
        /// The caller's ARN.
        principal_arn: String,
        /// The permission asked for (`kms:Encrypt`).
        action: String,
        /// The key's ARN, or `*` for an account-level action.
        resource: String,
        /// Which policy refused it, and how.
        refusal: Refusal,
    },
    /// `ListRetirableGrants` of another principal's grants.
    RetirableGrants {
        /// The caller's ARN.
        principal_arn: String,
        /// The retiring principal asked about.
        retiring_principal: String,
    },
    /// `RetireGrant` by a principal that may not retire the grant.
    RetireGrant {
        /// The caller's ARN.
        principal_arn: String,
        /// The grant's id.
        grant_id: String,
    },
}

/// Why imported key material was refused (`IncorrectKeyMaterialException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// `NEW_KEY_MATERIAL` whose material the key holds already.
    AlreadyAssociated {
        /// The key's ARN.
        key_arn: String,
    },
    /// `EXISTING_KEY_MATERIAL` into a key that never had material.
    NothingToReimport {
        /// The key's ARN.
        key_arn: String,
    },
    /// `EXISTING_KEY_MATERIAL` that is none of the material imported before.
    NotPreviouslyImported {
        /// The key's ARN.
        key_arn: String,
    },
    /// Material that does not fit the key's spec.
    Invalid {
        /// The key's ARN.
        key_arn: String,
        /// What is wrong with it (never the material itself).
        fault: MaterialFault,
    },
    /// Material whose id is not the `KeyMaterialId` given.
    OtherId {
        /// The key's ARN.
        key_arn: String,
    },
    /// A `KeyMaterialId` that is no key material id.
    UnknownId,
}

/// Why a key cannot be used so (`InvalidKeyUsageException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misuse {
    /// The key's usage is not the operation's.
    Usage {
        /// The key's ARN.
        key_arn: String,
        /// The key's usage.
        usage: KeyUsage,
        /// The operation, as AWS names it (`Encrypt`, `ReEncrypt`).
        operation: &'static str,
    },
    /// An algorithm the key's spec does not take.
    Algorithm {
        /// Which kind of algorithm, as AWS's sentence starts (`Encryption`, `Signing`, `MAC`,
        /// `Key agreement`).
        kind: &'static str,
        /// The algorithm's AWS name.
        algorithm: &'static str,
        /// The key's ARN.
        key_arn: String,
        /// The key's spec.
        spec: KeySpec,
    },
}

/// Which custom key store does not exist (`CustomKeyStoreNotFoundException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissingStore {
    /// No store has this id.
    Id(String),
    /// No store has this name.
    Name(String),
}
