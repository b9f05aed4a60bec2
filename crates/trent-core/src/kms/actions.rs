//! The permissions a request asks on a KMS key, and AWS's rule for each: whether a
//! principal of another account may ask it at all.
//!
//! AWS's "AWS KMS permissions" reference has a *Cross-account use* column, and every
//! operation's API reference a "Cross-account use" paragraph (botocore's `kms/2014-11-01`
//! model carries them). An operation that says *No* does not work on a key of another
//! account, whatever the key policy grants: the caller's account has no such key, and the
//! answer is the one for a key that does not exist.
//!
//! [`key_actions!`] is that column, one row per permission. Every request on a key names its
//! permission as a [`KeyAction`] (`access::KeyCall` takes nothing else), and a row cannot be
//! written without its rule, so an operation added later cannot forget to say.

/// Whether a permission may be used on a key of another account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossAccount {
    /// *Cross-account use: Yes*: with the key ARN (or alias ARN), when the key policy of the
    /// owner and the caller's identity policies (or a grant) allow it.
    Allowed,
    /// *Cross-account use: No*: only on keys of the caller's own account.
    Refused,
}

macro_rules! key_actions {
    ($($variant:ident: $rule:ident),+ $(,)?) => {
        /// A permission asked on a KMS key (`kms:<name>`), with AWS's cross-account rule.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum KeyAction {
            $(
                #[doc = concat!("`kms:", stringify!($variant), "`")]
                $variant
            ),+
        }

        impl KeyAction {
            /// Every permission of the table.
            pub const ALL: &'static [KeyAction] = &[$(KeyAction::$variant),+];

            /// The permission's name without the `kms:` prefix.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant)),+
                }
            }

            /// The permission named `name` (without the `kms:` prefix).
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($variant) => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// AWS's *Cross-account use* for this permission.
            pub fn cross_account(self) -> CrossAccount {
                match self {
                    $(Self::$variant => CrossAccount::$rule),+
                }
            }
        }
    };
}

// AWS's table (botocore `kms/2014-11-01`, "Cross-account use" of each operation). ReEncrypt
// asks two permissions, one on each key; both are allowed across accounts.
key_actions! {
    CancelKeyDeletion: Refused,
    CreateAlias: Refused,
    CreateGrant: Allowed,
    Decapsulate: Allowed,
    Decrypt: Allowed,
    DeleteAlias: Refused,
    DeleteImportedKeyMaterial: Refused,
    DeriveSharedSecret: Allowed,
    DescribeKey: Allowed,
    DisableKey: Refused,
    DisableKeyRotation: Refused,
    EnableKey: Refused,
    EnableKeyRotation: Refused,
    Encapsulate: Allowed,
    Encrypt: Allowed,
    GenerateDataKey: Allowed,
    GenerateDataKeyPair: Allowed,
    GenerateDataKeyPairWithoutPlaintext: Allowed,
    GenerateDataKeyWithoutPlaintext: Allowed,
    GenerateMac: Allowed,
    GetKeyLastUsage: Refused,
    GetKeyPolicy: Refused,
    GetKeyRotationStatus: Allowed,
    GetParametersForImport: Refused,
    GetPublicKey: Allowed,
    ImportKeyMaterial: Refused,
    ListAliases: Refused,
    ListGrants: Allowed,
    ListKeyPolicies: Refused,
    ListKeyRotations: Refused,
    ListResourceTags: Refused,
    PutKeyPolicy: Refused,
    ReEncryptFrom: Allowed,
    ReEncryptTo: Allowed,
    ReplicateKey: Refused,
    RetireGrant: Allowed,
    RevokeGrant: Allowed,
    RotateKeyOnDemand: Refused,
    ScheduleKeyDeletion: Refused,
    Sign: Allowed,
    TagResource: Refused,
    UntagResource: Refused,
    UpdateAlias: Refused,
    UpdateKeyDescription: Refused,
    UpdatePrimaryRegion: Refused,
    Verify: Allowed,
    VerifyMac: Allowed,
}

impl KeyAction {
    /// The permission as policies name it: `kms:Encrypt`.
    pub fn permission(self) -> String {
        format!("kms:{}", self.name())
    }

    /// The permission named by a policy action (`kms:Encrypt`), if it is one of the table.
    pub fn from_permission(action: &str) -> Option<Self> {
        action.strip_prefix("kms:").and_then(Self::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in KeyAction::ALL {
            assert!(seen.insert(a.name()), "{} twice", a.name());
            assert_eq!(KeyAction::parse(a.name()), Some(*a));
            assert_eq!(KeyAction::from_permission(&a.permission()), Some(*a));
        }
        assert_eq!(KeyAction::parse("ListKeys"), None, "ListKeys asks nothing of a key");
        assert_eq!(KeyAction::from_permission("Encrypt"), None, "a policy action carries its service prefix");
    }
}
