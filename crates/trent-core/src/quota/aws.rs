//! AWS's default request quotas, per account and region, for the services Trent declares.
//!
//! KMS's figures are the "Request quotas" page of the AWS KMS Developer Guide
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html>), as of
//! its version with ML-DSA keys, `GetKeyLastUsage` and Ed25519 data key pairs. Its
//! cryptographic operations share one quota per key type (symmetric, HMAC included; RSA; ECC
//! and SM2; ML-DSA), charged by KMS once the key is known ([`super::Charge::Deferred`]);
//! `GenerateDataKeyPair` has one quota per key pair spec; every control-plane operation has
//! its own. Where AWS's figure differs by region, the table carries the regions' own.

use super::table::{Quota, QuotaTable};

/// Operations of a declared service that the table does not list: generous for real
/// clients, a bound for a flood.
pub const DEFAULT_RATE: f64 = 100.0;

/// KMS's quota of cryptographic operations with symmetric keys (HMAC keys included), and of
/// `GenerateRandom`.
pub const KMS_SYMMETRIC: &str = "kms:cryptographic-symmetric";
/// KMS's quota of cryptographic operations with RSA keys.
pub const KMS_RSA: &str = "kms:cryptographic-rsa";
/// KMS's quota of cryptographic operations with elliptic-curve (and SM2) keys.
pub const KMS_ECC: &str = "kms:cryptographic-ecc";
/// KMS's quota of cryptographic operations with ML-DSA keys.
pub const KMS_ML_DSA: &str = "kms:cryptographic-ml-dsa";
/// KMS's quota of cryptographic operations with ML-KEM keys (`Encapsulate`, `Decapsulate`).
/// AWS's figure for it is not in the copy of the "Request quotas" page this table was checked
/// against (its version with ML-DSA keys); until it is, it has the 1,000 per second every
/// other asymmetric key type has there.
pub const KMS_ML_KEM: &str = "kms:cryptographic-ml-kem";

/// `GenerateDataKeyPair` (and its `WithoutPlaintext` form), one quota per key pair spec:
/// `(quota name, KeyPairSpec, rate, rate in the China regions)`.
pub const KMS_DATA_KEY_PAIRS: &[(&str, &str, f64, f64)] = &[
    ("kms:GenerateDataKeyPair:ECC_NIST_P256", "ECC_NIST_P256", 100.0, 100.0),
    ("kms:GenerateDataKeyPair:ECC_NIST_P384", "ECC_NIST_P384", 100.0, 100.0),
    ("kms:GenerateDataKeyPair:ECC_NIST_P521", "ECC_NIST_P521", 100.0, 100.0),
    ("kms:GenerateDataKeyPair:ECC_SECG_P256K1", "ECC_SECG_P256K1", 100.0, 100.0),
    ("kms:GenerateDataKeyPair:ECC_NIST_EDWARDS25519", "ECC_NIST_EDWARDS25519", 100.0, 100.0),
    ("kms:GenerateDataKeyPair:RSA_2048", "RSA_2048", 20.0, 1.0),
    ("kms:GenerateDataKeyPair:RSA_3072", "RSA_3072", 4.0, 0.5),
    ("kms:GenerateDataKeyPair:RSA_4096", "RSA_4096", 1.0, 0.1),
    ("kms:GenerateDataKeyPair:SM2", "SM2", 25.0, 25.0),
];

/// The regions where AWS's data key pair quotas are lower.
const CHINA_REGIONS: &[&str] = &["cn-north-1", "cn-northwest-1"];

/// The symmetric quota's regions above its 10,000/s: `(region, rate)`.
const KMS_SYMMETRIC_REGIONS: &[(&str, f64)] = &[
    ("us-east-2", 20_000.0),
    ("ap-southeast-1", 20_000.0),
    ("ap-southeast-2", 20_000.0),
    ("ap-northeast-1", 20_000.0),
    ("eu-central-1", 20_000.0),
    ("eu-west-2", 20_000.0),
    ("us-east-1", 100_000.0),
    ("us-west-2", 100_000.0),
    ("eu-west-1", 100_000.0),
];

/// KMS operations charged by key type: the cryptographic operations (KMS charges them
/// once the key, or the data key pair spec, is known).
pub const KMS_BY_KEY: &[&str] = &[
    "Decapsulate",
    "Decrypt",
    "DeriveSharedSecret",
    "Encapsulate",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "ReEncrypt",
    "Sign",
    "Verify",
    "VerifyMac",
];

/// KMS's control-plane quotas, one per operation: `(quota name, operation, rate)`.
const KMS_OPERATIONS: &[(&str, &str, f64)] = &[
    ("kms:CancelKeyDeletion", "CancelKeyDeletion", 5.0),
    ("kms:ConnectCustomKeyStore", "ConnectCustomKeyStore", 5.0),
    ("kms:CreateAlias", "CreateAlias", 5.0),
    ("kms:CreateCustomKeyStore", "CreateCustomKeyStore", 5.0),
    ("kms:CreateGrant", "CreateGrant", 50.0),
    ("kms:CreateKey", "CreateKey", 5.0),
    ("kms:DeleteAlias", "DeleteAlias", 15.0),
    ("kms:DeleteCustomKeyStore", "DeleteCustomKeyStore", 5.0),
    ("kms:DeleteImportedKeyMaterial", "DeleteImportedKeyMaterial", 15.0),
    ("kms:DescribeCustomKeyStores", "DescribeCustomKeyStores", 5.0),
    ("kms:DescribeKey", "DescribeKey", 2000.0),
    ("kms:DisableKey", "DisableKey", 5.0),
    ("kms:DisableKeyRotation", "DisableKeyRotation", 5.0),
    ("kms:DisconnectCustomKeyStore", "DisconnectCustomKeyStore", 5.0),
    ("kms:EnableKey", "EnableKey", 5.0),
    ("kms:EnableKeyRotation", "EnableKeyRotation", 15.0),
    ("kms:GetKeyLastUsage", "GetKeyLastUsage", 5.0),
    ("kms:GetKeyPolicy", "GetKeyPolicy", 1000.0),
    ("kms:GetKeyRotationStatus", "GetKeyRotationStatus", 1000.0),
    ("kms:GetParametersForImport", "GetParametersForImport", 1.0),
    ("kms:GetPublicKey", "GetPublicKey", 2000.0),
    ("kms:ImportKeyMaterial", "ImportKeyMaterial", 15.0),
    ("kms:ListAliases", "ListAliases", 500.0),
    ("kms:ListGrants", "ListGrants", 100.0),
    ("kms:ListKeyPolicies", "ListKeyPolicies", 100.0),
    ("kms:ListKeyRotations", "ListKeyRotations", 100.0),
    ("kms:ListKeys", "ListKeys", 500.0),
    ("kms:ListResourceTags", "ListResourceTags", 2000.0),
    ("kms:ListRetirableGrants", "ListRetirableGrants", 100.0),
    ("kms:PutKeyPolicy", "PutKeyPolicy", 15.0),
    ("kms:ReplicateKey", "ReplicateKey", 5.0),
    ("kms:RetireGrant", "RetireGrant", 50.0),
    ("kms:RevokeGrant", "RevokeGrant", 50.0),
    ("kms:RotateKeyOnDemand", "RotateKeyOnDemand", 5.0),
    ("kms:ScheduleKeyDeletion", "ScheduleKeyDeletion", 15.0),
    ("kms:TagResource", "TagResource", 10.0),
    ("kms:UntagResource", "UntagResource", 5.0),
    ("kms:UpdateAlias", "UpdateAlias", 5.0),
    ("kms:UpdateCustomKeyStore", "UpdateCustomKeyStore", 5.0),
    ("kms:UpdateKeyDescription", "UpdateKeyDescription", 5.0),
    ("kms:UpdatePrimaryRegion", "UpdatePrimaryRegion", 5.0),
];

/// Secrets Manager operations that share AWS's "combined rate" of 50 per second for writes.
const SECRETS_MANAGER_WRITES: &[&str] = &[
    "PutSecretValue",
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "StopReplicationToReplica",
    "UpdateSecret",
    "UpdateSecretVersionStage",
];

/// Secrets Manager operations that share AWS's combined rate of 50 per second for resource
/// policies.
const SECRETS_MANAGER_POLICIES: &[&str] =
    &["DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy", "ValidateResourcePolicy"];

/// Parameter Store's default throughput, shared by its three read operations ("Systems
/// Manager service quotas", AWS General Reference: 40 transactions per second per account
/// and region). AWS's higher throughput (3,000/s for `GetParameter` and `GetParameters`,
/// 100/s for `GetParametersByPath`) is a paid setting; here an operator raises this quota in
/// `[quotas]`.
pub const SSM_READS: &str = "ssm:GetParameter+GetParameters+GetParametersByPath";
/// The operations [`SSM_READS`] counts.
const SSM_READ_OPERATIONS: &[&str] = &["GetParameter", "GetParameters", "GetParametersByPath"];

fn regional(name: &'static str, rate: f64, regions: &[(&str, f64)]) -> Quota {
    let mut q = Quota::new(name, rate);
    q.regional = regions.iter().map(|(r, rate)| ((*r).to_owned(), *rate)).collect();
    q
}

impl QuotaTable {
    /// AWS's default request quotas, per account and region. Every other operation of a
    /// declared service falls into that service's default quota of [`DEFAULT_RATE`].
    pub fn aws() -> Self {
        let default = |name| Quota::new(name, DEFAULT_RATE);
        let mut table = QuotaTable::default()
            .with("kms", regional(KMS_SYMMETRIC, 10_000.0, KMS_SYMMETRIC_REGIONS), &["GenerateRandom"])
            .quota(Quota::new(KMS_RSA, 1000.0))
            .quota(Quota::new(KMS_ECC, 1000.0))
            .quota(Quota::new(KMS_ML_DSA, 1000.0))
            .quota(Quota::new(KMS_ML_KEM, 1000.0));
        for (name, _, rate, china) in KMS_DATA_KEY_PAIRS {
            let regions: Vec<(&str, f64)> = CHINA_REGIONS.iter().map(|r| (*r, *china)).collect();
            table = table.quota(regional(name, *rate, &regions));
        }
        table
            .deferred("kms", KMS_BY_KEY, KMS_SYMMETRIC)
            .each("kms", KMS_OPERATIONS)
            .default_for("kms", default("kms:other"))
            .each("cloudtrail", &[("cloudtrail:LookupEvents", "LookupEvents", 2.0)])
            .default_for("cloudtrail", default("cloudtrail:other"))
            .default_for("iam", default("iam:all"))
            .default_for("sts", Quota::new("sts:all", 600.0))
            .with(
                "secretsmanager",
                Quota::new("secretsmanager:DescribeSecret+GetSecretValue", 10_000.0),
                &["DescribeSecret", "GetSecretValue"],
            )
            .with("secretsmanager", Quota::new("secretsmanager:writes", 50.0), SECRETS_MANAGER_WRITES)
            .with("secretsmanager", Quota::new("secretsmanager:resource-policies", 50.0), SECRETS_MANAGER_POLICIES)
            .default_for("secretsmanager", default("secretsmanager:other"))
            .with("ssm", Quota::new(SSM_READS, 40.0), SSM_READ_OPERATIONS)
            .default_for("ssm", default("ssm:other"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Region;
    use crate::quota::Charge;

    #[test]
    fn kms_defaults_are_aws_current_figures() {
        let t = QuotaTable::aws();
        let rate = |name: &str, region: &str| t.get(t.find(name).unwrap()).rate_in(&Region::parse(region).unwrap());
        assert_eq!(rate("kms:DescribeKey", "eu-west-3"), 2000.0);
        assert_eq!(rate("kms:CreateKey", "eu-west-3"), 5.0);
        assert_eq!(rate(KMS_SYMMETRIC, "eu-west-3"), 10_000.0);
        assert_eq!(rate(KMS_SYMMETRIC, "eu-west-2"), 20_000.0);
        assert_eq!(rate(KMS_SYMMETRIC, "us-east-1"), 100_000.0);
        for q in [KMS_RSA, KMS_ECC, KMS_ML_DSA, KMS_ML_KEM] {
            assert_eq!(rate(q, "us-east-1"), 1000.0, "{q}");
        }
        assert_eq!(rate("kms:GenerateDataKeyPair:RSA_4096", "us-east-1"), 1.0);
        assert_eq!(rate("kms:GenerateDataKeyPair:RSA_4096", "cn-north-1"), 0.1);
        let symmetric = t.find(KMS_SYMMETRIC).unwrap();
        assert_eq!(t.charge_of("kms", "GenerateRandom"), Some(Charge::Quota(symmetric)), "no key: charged by name");
        for op in KMS_BY_KEY {
            assert_eq!(t.charge_of("kms", op), Some(Charge::Deferred { fallback: symmetric }), "{op}");
        }
        let reads = t.find(SSM_READS).unwrap();
        assert_eq!(rate(SSM_READS, "us-east-1"), 40.0);
        for op in SSM_READ_OPERATIONS {
            assert_eq!(t.charge_of("ssm", op), Some(Charge::Quota(reads)), "{op}");
        }
        assert_ne!(t.charge_of("ssm", "DescribeParameters"), Some(Charge::Quota(reads)));
        let mut names = std::collections::HashSet::new();
        assert!(t.quotas().iter().all(|q| names.insert(q.name)), "quota names are unique");
    }
}
