//! AWS's sentences for the KMS domain errors, rendered from their typed fields: the only
//! place they are written. Exhaustive, without a `_` arm.

use trent_core::kms::decide::PolicySource;
use trent_core::kms::{
    AliasInput, Constraint, Contended, CryptoInput, Denied, Existing, GrantInput, HsmFault, ImportInput, Invalid,
    KeyInput, KeyState, KmsError, Limit, MAX_ALIASES_PER_KEY, MAX_CUSTOM_KEY_STORES, MAX_GRANTS_PER_KEY,
    MAX_ON_DEMAND_ROTATIONS, MAX_POLICY_BYTES, MAX_TAGS_PER_KEY, MAX_VALID_TO_DAYS, Malformed, Mismatch, Missing,
    MissingStore, Misuse, Refusal, RegionInput, Shown, TagRule, Violation,
};

/// AWS's sentence for `IncorrectKeyException` (it still says CMK).
const INCORRECT_KEY: &str = "The key ID in the request does not identify a CMK that can perform this operation.";

/// AWS's sentence for an alias name without its prefix, link included.
const ALIAS_PREFIX: &str = "Alias must start with the prefix \"alias/\". \
                            Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html";

/// AWS's message for `e`: where the domain's typed errors become AWS's sentences, once.
pub(crate) fn message(e: &KmsError) -> String {
    match e {
        KmsError::NotFound(missing) => not_found(missing),
        KmsError::InvalidArn { arn } => format!("Invalid arn {arn}"),
        KmsError::Disabled { key_arn } => format!("{key_arn} is disabled."),
        KmsError::InvalidState { key_arn, state } => format!("{key_arn} is {}.", state_words(*state)),
        KmsError::NotPendingDeletion { key_arn } => format!("{key_arn} is not pending deletion."),
        KmsError::NoPendingRotation { key_arn } => {
            format!("No available key material pending rotation for the key: {key_arn}.")
        }
        KmsError::RotationPending { key_id, new, pending } => format!(
            "New key material (id: {new}) cannot be imported into KMS key {key_id}, because another key material \
             (id: {pending}) is pending rotation."
        ),
        KmsError::InvalidCiphertext | KmsError::InvalidSignature | KmsError::InvalidMac => String::new(),
        KmsError::IncorrectKeyMaterial(mismatch) => incorrect_material(mismatch),
        KmsError::ExpiredImportToken => "The import token expired; call GetParametersForImport again.".to_owned(),
        KmsError::InvalidImportToken => {
            "The import token is invalid or is associated with a different KMS key.".to_owned()
        }
        KmsError::IncorrectKey => INCORRECT_KEY.to_owned(),
        KmsError::InvalidKeyUsage(Misuse::Usage { key_arn, usage, operation }) => {
            format!("{key_arn} key usage is {} which is not valid for {operation}.", usage.as_str())
        }
        KmsError::InvalidKeyUsage(Misuse::Algorithm { kind, algorithm, key_arn, spec }) => {
            format!("{kind} algorithm {algorithm} is not valid for {key_arn} which has key spec {}.", spec.as_str())
        }
        KmsError::InvalidAliasName { name } => format!("{name} is not a valid alias name."),
        KmsError::CustomKeyStoreNotFound(MissingStore::Id(id)) => format!("Custom key store '{id}' does not exist"),
        KmsError::CustomKeyStoreNotFound(MissingStore::Name(name)) => {
            format!("Custom key store with name '{name}' does not exist")
        }
        KmsError::Unsupported(reason) => super::unsupported::unsupported(reason),
        KmsError::AlreadyExists(existing) => already_exists(existing),
        KmsError::AliasPrefix => ALIAS_PREFIX.to_owned(),
        KmsError::AliasCharacters { name } => format!("{name} contains invalid characters for an alias"),
        KmsError::NotAuthorized { reserved_alias } => {
            format!("{reserved_alias}: the alias/aws/ prefix is reserved for AWS managed keys")
        }
        KmsError::LimitExceeded(limit) => limit_exceeded(limit),
        KmsError::Validation(invalid) => validation(invalid),
        KmsError::InvalidGrantToken => "Grant token is not valid.".to_owned(),
        KmsError::InvalidGrantId { id } => format!("Grant id '{id}' is not valid"),
        KmsError::InvalidMarker => "Invalid marker".to_owned(),
        KmsError::Tag(rule) => tag(rule),
        KmsError::MalformedPolicy(Malformed::Document(e)) => e.to_string(),
        KmsError::MalformedPolicy(Malformed::Lockout) => {
            "The new key policy will not allow you to update the key policy in the future.".to_owned()
        }
        KmsError::AccessDenied(denied) => access_denied(denied),
        KmsError::DryRun => "The request would have succeeded, but the DryRun option is set.".to_owned(),
        KmsError::CustomKeyStoreNameInUse { name } => {
            format!("The custom key store name '{name}' is already in use in this account and Region.")
        }
        KmsError::CustomKeyStoreInvalidState { id, state } => format!(
            "Custom key store '{id}' has ConnectionState {}; the operation is not valid in that state.",
            state.as_str()
        ),
        KmsError::CloudHsmClusterNotFound { cluster_id } => {
            format!("AWS CloudHSM cluster '{cluster_id}' does not exist.")
        }
        KmsError::CloudHsmClusterInUse { cluster_id } => format!(
            "AWS CloudHSM cluster '{cluster_id}' is already associated with a custom key store in this account and \
             Region."
        ),
        KmsError::CloudHsmClusterNotRelated { cluster_id } => {
            format!("AWS CloudHSM cluster '{cluster_id}' is not related to the custom key store's cluster.")
        }
        KmsError::IncorrectTrustAnchor { cluster_id } => format!(
            "The trust anchor certificate does not match the trust anchor of AWS CloudHSM cluster '{cluster_id}'."
        ),
        KmsError::CloudHsmClusterInvalidConfiguration { cluster_id } => {
            format!("AWS CloudHSM cluster '{cluster_id}' cannot create the key material.")
        }
        KmsError::CustomKeyStoreHasKeys { id } => format!("Custom key store '{id}' contains KMS keys."),
        KmsError::HsmKey { key_arn, fault: HsmFault::KeyMissing } => format!(
            "The key material for {key_arn} is not in the AWS CloudHSM cluster associated with its custom key store."
        ),
        KmsError::HsmKey { key_arn, fault: HsmFault::Failed } => {
            format!(
                "The AWS CloudHSM cluster of the custom key store failed the cryptographic operation with {key_arn}."
            )
        }
        KmsError::Throttled { .. } => super::super::SERVICE.throttling_message.to_owned(),
        KmsError::Conflict(contended) => conflict(*contended).to_owned(),
        KmsError::Unavailable(_) => "The system timed out while trying to fulfill the request.".to_owned(),
        KmsError::Internal(_) => "An internal error occurred.".to_owned(),
    }
}

/// A key state as `KMSInvalidStateException`'s sentence words it.
fn state_words(state: KeyState) -> &'static str {
    match state {
        KeyState::PendingDeletion => "pending deletion",
        KeyState::PendingImport => "pending import",
        KeyState::PendingReplicaDeletion => "pending replica deletion",
        KeyState::Unavailable => "unavailable",
        KeyState::Creating => "being created",
        KeyState::Updating => "being updated",
        KeyState::Enabled => "enabled",
        KeyState::Disabled => "disabled",
    }
}

/// `NotFoundException`'s sentence for what is missing.
fn not_found(missing: &Missing) -> String {
    match missing {
        Missing::Key(name) => format!("Key '{name}' does not exist"),
        Missing::KeyId(input) => format!("Invalid keyId '{input}'"),
        Missing::ArnRegion(region) => format!("Invalid arn {region}"),
        Missing::Alias { scope, name } => format!("Alias {} is not found.", scope.alias_arn(name)),
        Missing::Grant(id) => format!("Grant ID {id} not found"),
        Missing::KeyPolicy => "No such policy exists".to_owned(),
    }
}

/// `AlreadyExistsException`'s sentence for what exists.
fn already_exists(existing: &Existing) -> String {
    match existing {
        Existing::Alias { scope, name } => format!("An alias with the name {} already exists", scope.alias_arn(name)),
        Existing::Replica { key_arn } => format!("Replica key {key_arn} already exists."),
        Existing::SeededTwice { key_arn } => format!("Key {key_arn} is seeded twice"),
        Existing::SeededOtherMaterial { key_arn } => format!("Key {key_arn} exists with other key material"),
        Existing::SeededAlias { scope, name } => format!("Alias {} names another key", scope.alias_arn(name)),
    }
}

/// `ConflictException`'s sentence for what changed meanwhile.
fn conflict(contended: Contended) -> &'static str {
    match contended {
        Contended::Key => "The key was modified concurrently; retry the request",
        Contended::PrimaryRegion => "The primary Region moved concurrently; retry the request",
        Contended::CustomKeyStore => "The custom key store was changed concurrently; retry.",
    }
}

/// `LimitExceededException`'s sentence for the quota.
fn limit_exceeded(limit: &Limit) -> String {
    match limit {
        Limit::GrantsPerKey { key_arn } => format!("{key_arn} has the maximum of {MAX_GRANTS_PER_KEY} grants"),
        Limit::AliasesPerKey { key_arn } => {
            format!("Key {key_arn} already has the maximum of {MAX_ALIASES_PER_KEY} aliases")
        }
        Limit::KeyPolicySize { bytes } => {
            format!("The key policy is {bytes} bytes; the key policy document size quota is {MAX_POLICY_BYTES} bytes")
        }
        Limit::TagsPerKey => format!("A key may have at most {MAX_TAGS_PER_KEY} tags"),
        Limit::OnDemandRotations { key_arn } => {
            format!("{key_arn} has reached the limit of {MAX_ON_DEMAND_ROTATIONS} on-demand rotations")
        }
        Limit::CustomKeyStores => format!(
            "The request was rejected because you have reached the limit of {MAX_CUSTOM_KEY_STORES} custom key \
             stores in this account and Region."
        ),
    }
}

/// `TagException`'s sentence for the rule broken.
fn tag(rule: &TagRule) -> String {
    match rule {
        TagRule::DuplicateKeys => "Duplicate tag keys".to_owned(),
        TagRule::TooMany => "Too many tags".to_owned(),
        TagRule::Reserved => "Tags beginning with aws: are reserved".to_owned(),
        TagRule::Key(key) => format!("Tag key '{key}' is not valid"),
        TagRule::Value(key) => format!("Tag value of key '{key}' is not valid"),
    }
}

/// `AccessDeniedException`'s sentence for who was refused what.
fn access_denied(denied: &Denied) -> String {
    match denied {
        Denied::Policy { principal_arn, action, resource, refusal } => {
            let why = match refusal {
                Refusal::Explicit(source) => format!("with an explicit deny in {}", policy_kind(*source)),
                Refusal::Implicit(source) => format!("because no {} allows the {action} action", policy_noun(*source)),
            };
            format!("User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}")
        }
        Denied::RetirableGrants { principal_arn, retiring_principal } => {
            format!("User: {principal_arn} is not authorized to list the retirable grants of {retiring_principal}")
        }
        Denied::RetireGrant { principal_arn, grant_id } => {
            format!("User: {principal_arn} is not authorized to perform: kms:RetireGrant on grant {grant_id}")
        }
    }
}

/// The policy kind with its article, as an explicit deny names it.
fn policy_kind(source: PolicySource) -> &'static str {
    match source {
        PolicySource::KeyPolicy => "a resource-based policy",
        PolicySource::Identity => "an identity-based policy",
        PolicySource::Session => "a session policy",
    }
}

/// The policy kind, as an implicit deny names it.
fn policy_noun(source: PolicySource) -> &'static str {
    match source {
        PolicySource::KeyPolicy => "resource-based policy",
        PolicySource::Identity => "identity-based policy",
        PolicySource::Session => "session policy",
    }
}

/// `IncorrectKeyMaterialException`'s sentence for the mismatch.
fn incorrect_material(mismatch: &Mismatch) -> String {
    match mismatch {
        Mismatch::AlreadyAssociated { key_arn } => format!(
            "The key material is already associated with {key_arn}; import it with ImportType EXISTING_KEY_MATERIAL."
        ),
        Mismatch::NothingToReimport { key_arn } => format!("{key_arn} has no key material to import again."),
        Mismatch::NotPreviouslyImported { key_arn } => {
            format!("The key material is not key material previously imported into {key_arn}.")
        }
        Mismatch::Invalid { key_arn, fault } => format!("The key material is not valid for {key_arn}: {fault}."),
        Mismatch::OtherId { key_arn } => {
            format!("The key material does not have the KeyMaterialId given for {key_arn}.")
        }
        Mismatch::UnknownId => "KeyMaterialId does not identify key material.".to_owned(),
    }
}

/// `ValidationException`'s sentence for the input.
fn validation(invalid: &Invalid) -> String {
    match invalid {
        Invalid::Member(v) => violation(v),
        Invalid::Grant(rule) => grant(rule),
        Invalid::Alias(AliasInput::TargetIsAlias) => "Aliases must refer to keys. Not aliases".to_owned(),
        Invalid::Alias(AliasInput::Retarget { alias_arn, spec, usage }) => format!(
            "Alias {alias_arn} must keep pointing to a key of spec {} and usage {}",
            spec.as_str(),
            usage.as_str()
        ),
        Invalid::Key(KeyInput::UsageSpec { usage, spec }) => {
            format!("KeyUsage {} is not compatible with KeySpec {}", usage.as_str(), spec.as_str())
        }
        Invalid::Key(KeyInput::XksKeyId) => {
            "XksKeyId requires a custom key store of type EXTERNAL_KEY_STORE".to_owned()
        }
        Invalid::Key(KeyInput::SeedMaterial(fault)) => fault.to_string(),
        Invalid::Import(rule) => import(rule),
        Invalid::Crypto(rule) => crypto(rule),
        Invalid::Region(RegionInput::ReplicaInPrimary { region, key_arn }) => {
            format!("The replica region {region} is the region of the primary key {key_arn}.")
        }
        Invalid::Region(RegionInput::AlreadyPrimary { key_arn, region }) => {
            format!("{key_arn} is already the primary key in {region}.")
        }
    }
}

/// The model's sentence for one member that breaks one constraint.
fn violation(v: &Violation) -> String {
    let field = v.field;
    let subject = match &v.value {
        Shown::Value(value) => format!("Value '{value}' at '{field}'"),
        Shown::Hidden => format!("Value at '{field}'"),
        Shown::Null => format!("Value null at '{field}'"),
    };
    let constraint = match &v.constraint {
        Constraint::ValueAtLeast(min) => format!("Member must have value greater than or equal to {min}"),
        Constraint::ValueAtMost(max) => format!("Member must have value less than or equal to {max}"),
        Constraint::LengthAtLeast(min) => format!("Member must have length greater than or equal to {min}"),
        Constraint::LengthAtMost(max) => format!("Member must have length less than or equal to {max}"),
        Constraint::LengthBetween(min, max) => format!("Member must have length between {min} and {max}"),
        Constraint::Pattern(pattern) => format!("Member must satisfy regular expression pattern: {pattern}"),
        Constraint::NotNull => "Member must not be null".to_owned(),
        Constraint::MapEntries { side, max } => {
            format!("Map {side} must satisfy constraint: [Member must have length less than or equal to {max}]")
        }
    };
    format!("1 validation error detected: {subject} failed to satisfy constraint: {constraint}")
}

fn grant(rule: &GrantInput) -> String {
    match rule {
        GrantInput::NoOperations => "Operations must contain at least one grant operation.".to_owned(),
        GrantInput::Principal { field, value } => format!("Value '{value}' at '{field}' is not a valid principal"),
        GrantInput::RetireTarget => "Specify either GrantToken, or both KeyId and GrantId.".to_owned(),
        GrantInput::BothConstraints => {
            "Specify either EncryptionContextEquals or EncryptionContextSubset, not both".to_owned()
        }
        GrantInput::ConstraintsNotApplicable => {
            "Grant constraints are only valid for operations that take an encryption context".to_owned()
        }
    }
}

fn import(rule: &ImportInput) -> String {
    match rule {
        ImportInput::ValidToGiven => {
            "ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.".to_owned()
        }
        ImportInput::ValidToMissing => {
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES".to_owned()
        }
        ImportInput::ValidToPast => "ValidTo must be a future date and time.".to_owned(),
        ImportInput::ValidToFar => {
            format!("ValidTo must be at most {MAX_VALID_TO_DAYS} days from the request date.")
        }
        ImportInput::ValidToNotATime => "ValidTo is not a valid date and time.".to_owned(),
        ImportInput::MaterialIdWithNew => {
            "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL.".to_owned()
        }
        ImportInput::MaterialIdSyntax(given) => format!("KeyMaterialId {given} is not a key material id."),
        ImportInput::MaterialIdUnknown { material_id, key_arn } => {
            format!("KeyMaterialId {material_id} does not identify key material of {key_arn}.")
        }
    }
}

fn crypto(rule: &CryptoInput) -> String {
    match rule {
        CryptoInput::ContextEntryTooLong => "Encryption context entries must be shorter than 65536 bytes".to_owned(),
        CryptoInput::ContextNotSupported(algorithm) => {
            format!("EncryptionContext is not supported with encryption algorithm {}.", algorithm.as_str())
        }
        CryptoInput::PlaintextTooLong { len, algorithm, spec, max } => format!(
            "Plaintext of {len} bytes is too long for encryption algorithm {} with key spec {}: at most {max} bytes.",
            algorithm.as_str(),
            spec.as_str()
        ),
        CryptoInput::BytesAndSpec => "Please specify either number of bytes or key spec, not both.".to_owned(),
        CryptoInput::NeitherBytesNorSpec => "Please specify either number of bytes or key spec.".to_owned(),
        CryptoInput::DigestLength(algorithm) => {
            format!("Digest is invalid length for algorithm {}.", algorithm.as_str())
        }
        CryptoInput::DigestNotValid(algorithm) => {
            format!("MessageType DIGEST is not valid for signing algorithm {}.", algorithm.as_str())
        }
        CryptoInput::ExternalMu(algorithm) => format!(
            "MessageType EXTERNAL_MU is only valid for signing algorithm ML_DSA_SHAKE_256, not {}.",
            algorithm.as_str()
        ),
        CryptoInput::ExternalMuLength(algorithm) => {
            format!("External mu is invalid length for algorithm {}: it must be 64 bytes.", algorithm.as_str())
        }
        CryptoInput::PeerPublicKey(spec) => format!(
            "PublicKey is not a DER-encoded SubjectPublicKeyInfo of a point on the curve of key spec {}.",
            spec.as_str()
        ),
    }
}
