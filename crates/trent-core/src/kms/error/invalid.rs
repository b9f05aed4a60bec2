//! Why a KMS request's input is invalid (`ValidationException`): a member that breaks a
//! constraint of the model, or a rule between members of one area. Typed fields only;
//! `trent-wire` renders AWS's sentences.

use crate::ids::Region;
use crate::kms::seed::MaterialFault;
use crate::kms::{EncryptionAlgorithm, KeySpec, KeyUsage, SigningAlgorithm};

/// Why a request's input is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// A member breaks a constraint of the model ("1 validation error detected: ...").
    Member(Violation),
    /// A rule of `CreateGrant`, `RetireGrant` or `ListRetirableGrants`.
    Grant(GrantInput),
    /// A rule of `CreateAlias` or `UpdateAlias`.
    Alias(AliasInput),
    /// A rule of `CreateKey` or of a seeded key.
    Key(KeyInput),
    /// A rule of `ImportKeyMaterial` or `DeleteImportedKeyMaterial`.
    Import(ImportInput),
    /// A rule of a cryptographic operation's input.
    Crypto(CryptoInput),
    /// A rule of `ReplicateKey` or `UpdatePrimaryRegion`.
    Region(RegionInput),
}

/// One member that breaks one constraint of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The member's wire name (`numberOfBytes`).
    pub field: &'static str,
    /// What the sentence shows of the value.
    pub value: Shown,
    /// The constraint broken.
    pub constraint: Constraint,
}

/// What a violation's sentence shows of the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The value, as given.
    Value(String),
    /// Nothing: a sensitive member or a map.
    Hidden,
    /// `null`: the member is missing.
    Null,
}

/// A constraint of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// A number of at least this.
    ValueAtLeast(i64),
    /// A number of at most this.
    ValueAtMost(i64),
    /// A length of at least this.
    LengthAtLeast(usize),
    /// A length of at most this.
    LengthAtMost(usize),
    /// A length within these bounds.
    LengthBetween(usize, usize),
    /// A string that matches this pattern.
    Pattern(&'static str),
    /// A member that must be present.
    NotNull,
    /// Map keys (`"keys"`) or values (`"value"`) of at most this many characters.
    MapEntries {
        /// Which side of the map, as AWS words it.
        side: &'static str,
        /// The most characters an entry may have.
        max: usize,
    },
}

/// A rule of the grant operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantInput {
    /// `Operations` is empty.
    NoOperations,
    /// A principal member that is no principal.
    Principal {
        /// The member's wire name.
        field: &'static str,
        /// The value as given.
        value: String,
    },
    /// `RetireGrant` with neither a grant token nor both a key id and a grant id.
    RetireTarget,
    /// Both `EncryptionContextEquals` and `EncryptionContextSubset`.
    BothConstraints,
    /// Constraints on an operation that takes no encryption context.
    ConstraintsNotApplicable,
}

/// A rule of the alias operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AliasInput {
    /// The target names an alias instead of a key.
    TargetIsAlias,
    /// `UpdateAlias` to a key of another spec or usage than the current target's.
    Retarget {
        /// The alias's ARN.
        alias_arn: String,
        /// The current target's spec.
        spec: KeySpec,
        /// The current target's usage.
        usage: KeyUsage,
    },
}

/// A rule of key creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyInput {
    /// A usage the spec does not allow.
    UsageSpec {
        /// The usage asked for.
        usage: KeyUsage,
        /// The spec asked for.
        spec: KeySpec,
    },
    /// `XksKeyId` without an external key store.
    XksKeyId,
    /// Seeded material that does not fit the spec.
    SeedMaterial(MaterialFault),
}

/// A rule of the import operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportInput {
    /// `ValidTo` with `KEY_MATERIAL_DOES_NOT_EXPIRE`.
    ValidToGiven,
    /// No `ValidTo` with `KEY_MATERIAL_EXPIRES`.
    ValidToMissing,
    /// A `ValidTo` that is not in the future.
    ValidToPast,
    /// A `ValidTo` past [`MAX_VALID_TO_DAYS`](crate::kms::MAX_VALID_TO_DAYS) days.
    ValidToFar,
    /// A `ValidTo` that is no date and time.
    ValidToNotATime,
    /// `KeyMaterialId` with `NEW_KEY_MATERIAL`.
    MaterialIdWithNew,
    /// A `KeyMaterialId` that is no key material id, as given.
    MaterialIdSyntax(String),
    /// A `KeyMaterialId` that names no material of the key.
    MaterialIdUnknown {
        /// The id, in hex.
        material_id: String,
        /// The key's ARN.
        key_arn: String,
    },
}

/// A rule of a cryptographic operation's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CryptoInput {
    /// An encryption context entry of 65536 bytes or more.
    ContextEntryTooLong,
    /// An encryption context with an asymmetric encryption algorithm.
    ContextNotSupported(EncryptionAlgorithm),
    /// A plaintext longer than RSA-OAEP takes.
    PlaintextTooLong {
        /// The plaintext's length.
        len: usize,
        /// The algorithm.
        algorithm: EncryptionAlgorithm,
        /// The key's spec.
        spec: KeySpec,
        /// The most bytes the algorithm takes with the key.
        max: usize,
    },
    /// Both `NumberOfBytes` and `KeySpec`.
    BytesAndSpec,
    /// Neither `NumberOfBytes` nor `KeySpec`.
    NeitherBytesNorSpec,
    /// A digest of the wrong length for the algorithm.
    DigestLength(SigningAlgorithm),
    /// `MessageType` `DIGEST` with an algorithm that signs no digests.
    DigestNotValid(SigningAlgorithm),
    /// `MessageType` `EXTERNAL_MU` with an algorithm other than ML-DSA.
    ExternalMu(SigningAlgorithm),
    /// An `EXTERNAL_MU` message that is not the 64 bytes of an ML-DSA mu.
    ExternalMuLength(SigningAlgorithm),
    /// A peer public key that is no point on the curve of the key's spec.
    PeerPublicKey(KeySpec),
}

/// A rule of the multi-Region operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionInput {
    /// `ReplicateKey` into the primary key's own Region.
    ReplicaInPrimary {
        /// The Region asked for.
        region: Region,
        /// The primary key's ARN.
        key_arn: String,
    },
    /// `UpdatePrimaryRegion` to the Region that is primary already.
    AlreadyPrimary {
        /// The key's ARN.
        key_arn: String,
        /// The Region asked for.
        region: Region,
    },
}

impl From<Violation> for Invalid {
    fn from(v: Violation) -> Self {
        Self::Member(v)
    }
}

/// Builders of [`Violation`]s, for the call sites.
pub(crate) mod validation {
    use super::{Constraint, Shown, Violation};
    use crate::kms::KmsError;

    fn violation(field: &'static str, value: Shown, constraint: Constraint) -> KmsError {
        KmsError::Validation(Violation { field, value, constraint }.into())
    }

    /// A number member below `min`.
    pub(crate) fn value_at_least(field: &'static str, value: impl std::fmt::Display, min: i64) -> KmsError {
        violation(field, Shown::Value(value.to_string()), Constraint::ValueAtLeast(min))
    }

    /// A number member above `max`.
    pub(crate) fn value_at_most(field: &'static str, value: impl std::fmt::Display, max: i64) -> KmsError {
        violation(field, Shown::Value(value.to_string()), Constraint::ValueAtMost(max))
    }

    /// A violation reported without the value (a sensitive member, or a map).
    pub(crate) fn unechoed(field: &'static str, constraint: Constraint) -> KmsError {
        violation(field, Shown::Hidden, constraint)
    }

    /// A required member that is missing.
    pub(crate) fn null(field: &'static str) -> KmsError {
        violation(field, Shown::Null, Constraint::NotNull)
    }

    /// A string member of `value` outside `min..=max` characters.
    pub(crate) fn length(field: &'static str, value: &str, min: usize, max: usize) -> KmsError {
        let bound =
            if value.chars().count() < min { Constraint::LengthAtLeast(min) } else { Constraint::LengthAtMost(max) };
        violation(field, Shown::Value(value.to_owned()), bound)
    }

    /// A string member of `value` outside `min..=max`, reported with both bounds.
    pub(crate) fn length_between(field: &'static str, value: &str, min: usize, max: usize) -> KmsError {
        violation(field, Shown::Value(value.to_owned()), Constraint::LengthBetween(min, max))
    }

    /// A string member that does not match the model's `pattern`.
    pub(crate) fn pattern(field: &'static str, value: &str, pattern: &'static str) -> KmsError {
        violation(field, Shown::Value(value.to_owned()), Constraint::Pattern(pattern))
    }
}
