//! Identifiers that scope every resource: accounts, regions, partitions, key ids, ARNs.
//!
//! Every stored resource belongs to exactly one account and one region ([`Scope`]), as in
//! AWS. The partition of an ARN follows from its region.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use uuid::Uuid;

/// A malformed identifier.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not a 12-digit account id.
    #[error("'{0}' is not a 12-digit account id")]
    Account(String),
    /// Not a region name such as `us-east-1`.
    #[error("'{0}' is not a region name")]
    Region(String),
}

/// A 12-digit AWS account id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit id.
    ///
    /// # Errors
    /// [`IdError::Account`] if `s` is not exactly twelve ASCII digits.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Account(s.to_owned()))
        }
    }

    /// The account id as a number (as it is stored inside ciphertext blobs).
    pub fn as_u64(&self) -> u64 {
        self.0.parse().unwrap_or(0)
    }

    /// Rebuilds an id from its numeric form.
    pub fn from_u64(n: u64) -> Option<Self> {
        (n <= 999_999_999_999).then(|| Self(format!("{n:012}")))
    }

    /// The id as written in ARNs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// A region name such as `us-east-1` or `cn-north-1`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    /// Parses a region name: lower-case words joined by `-`, ending in a number
    /// (the botocore pattern `^([a-z]+-){2,3}\d+$`).
    ///
    /// # Errors
    /// [`IdError::Region`] for anything else.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let parts: Vec<&str> = s.split('-').collect();
        let ok = (3..=4).contains(&parts.len())
            && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts.last().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if ok { Ok(Self(s.to_owned())) } else { Err(IdError::Region(s.to_owned())) }
    }

    /// The ARN partition this region belongs to.
    pub fn partition(&self) -> &'static str {
        if self.0.starts_with("cn-") {
            "aws-cn"
        } else if self.0.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// The region name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.0)
    }
}

/// Where a resource lives: one account in one region.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Scope {
    /// The owning account.
    pub account: AccountId,
    /// The region the resource was created in.
    pub region: Region,
}

impl Scope {
    /// A scope of `account` in `region`.
    pub fn new(account: AccountId, region: Region) -> Self {
        Self { account, region }
    }

    /// `arn:{partition}:{service}:{region}:{account}:{resource}`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        // Built by appending, without `format!`'s machinery: every answer and record has ARNs.
        let parts = [
            "arn:",
            self.region.partition(),
            ":",
            service,
            ":",
            self.region.as_str(),
            ":",
            self.account.as_str(),
            ":",
            resource,
        ];
        let mut arn = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        for part in parts {
            arn.push_str(part);
        }
        arn
    }

    /// The ARN of the KMS key `id` of this scope: `arn:{partition}:kms:{region}:{account}:key/{id}`.
    /// `id` is a [`KeyId`] or, where one is read back from storage or a request, its text.
    pub fn key_arn(&self, id: impl fmt::Display) -> String {
        self.arn(KMS, &format!("key/{id}"))
    }

    /// The ARN of the KMS alias `name` of this scope; `name` is the whole alias name,
    /// `alias/` included (`alias/app` gives `arn:{partition}:kms:{region}:{account}:alias/app`).
    pub fn alias_arn(&self, name: &str) -> String {
        self.arn(KMS, name)
    }
}

/// The service name of KMS in its ARNs.
const KMS: &str = "kms";

/// The id of a KMS key: a UUID, written lower-case with hyphens, or for a multi-Region key
/// `mrk-` and the UUID's 32 hex digits, as AWS writes them.
///
/// A multi-Region key's UUID is made with version 8 (custom) so that the 16 bytes a ciphertext
/// carries say which form the id has; [`KeyId::from_bytes`] reads it back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId {
    uuid: Uuid,
    multi_region: bool,
}

/// The prefix of multi-Region key ids.
pub const MULTI_REGION_PREFIX: &str = "mrk-";

/// The UUID version that marks a multi-Region key id.
const MULTI_REGION_VERSION: usize = 8;

impl KeyId {
    /// A fresh random key id.
    pub fn new_random() -> Self {
        Self { uuid: Uuid::new_v4(), multi_region: false }
    }

    /// A fresh random multi-Region key id (`mrk-...`).
    pub fn new_multi_region() -> Self {
        let random = Uuid::new_v4().into_bytes();
        Self { uuid: uuid::Builder::from_custom_bytes(random).into_uuid(), multi_region: true }
    }

    /// Whether this is a multi-Region key's id.
    pub fn is_multi_region(&self) -> bool {
        self.multi_region
    }

    /// The 16 bytes stored in ciphertext blobs.
    pub fn as_bytes(&self) -> [u8; 16] {
        *self.uuid.as_bytes()
    }

    /// Rebuilds a key id from blob bytes: a version-8 UUID is a multi-Region key's.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        let uuid = Uuid::from_bytes(b);
        Self { uuid, multi_region: uuid.get_version_num() == MULTI_REGION_VERSION }
    }

    /// The same UUID in the other form (`mrk-` or not): a key imported with a version-8
    /// UUID is found through this when its ciphertext is read.
    pub fn other_form(&self) -> Self {
        Self { uuid: self.uuid, multi_region: !self.multi_region }
    }
}

impl FromStr for KeyId {
    type Err = uuid::Error;
    /// Accepts only the forms AWS uses: the hyphenated 36-character UUID, or `mrk-` and 32
    /// hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(hex) = s.strip_prefix(MULTI_REGION_PREFIX) {
            if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Uuid::parse_str("!").unwrap_err());
            }
            return Uuid::parse_str(hex).map(|uuid| Self { uuid, multi_region: true });
        }
        if s.len() != 36 {
            return Err(Uuid::parse_str("!").unwrap_err());
        }
        Uuid::parse_str(s).map(|uuid| Self { uuid, multi_region: false })
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.multi_region {
            write!(f, "{MULTI_REGION_PREFIX}{}", self.uuid.simple())
        } else {
            fmt::Display::fmt(&self.uuid.hyphenated(), f)
        }
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// `kms`, `iam`, ...
    pub service: &'a str,
    /// Region, empty for global services.
    pub region: &'a str,
    /// Account id, empty for some resources.
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN into its parts; `None` if it does not have six colon-separated fields.
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut it = s.splitn(6, ':');
        let (arn, partition, service, region, account, resource) =
            (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
        (arn == "arn" && !partition.is_empty() && !service.is_empty()).then_some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
        let a = AccountId::parse("000000000042").unwrap();
        assert_eq!(a.as_u64(), 42);
        assert_eq!(AccountId::from_u64(42).unwrap(), a);
        assert!(AccountId::from_u64(1_000_000_000_000).is_none());
    }

    #[test]
    fn regions_parse_and_imply_partitions() {
        assert_eq!(Region::parse("us-east-1").unwrap().partition(), "aws");
        assert_eq!(Region::parse("cn-north-1").unwrap().partition(), "aws-cn");
        assert_eq!(Region::parse("us-gov-west-1").unwrap().partition(), "aws-us-gov");
        for bad in ["", "useast1", "us-east", "US-east-1", "us--1", "a-b-c-d-1"] {
            assert!(Region::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scope_builds_arns_with_partition() {
        let s = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("cn-north-1").unwrap());
        assert_eq!(s.arn("kms", "key/x"), "arn:aws-cn:kms:cn-north-1:111122223333:key/x");
    }

    #[test]
    fn scope_builds_kms_key_and_alias_arns() {
        let account = AccountId::parse("111122223333").unwrap();
        let s = Scope::new(account.clone(), Region::parse("us-east-1").unwrap());
        let id: KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab".parse().unwrap();
        assert_eq!(s.key_arn(id), "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(s.key_arn("k"), "arn:aws:kms:us-east-1:111122223333:key/k", "an id read back as text");
        let mrk = KeyId::new_multi_region();
        assert_eq!(s.key_arn(mrk), format!("arn:aws:kms:us-east-1:111122223333:key/{mrk}"));
        assert!(s.key_arn(mrk).starts_with("arn:aws:kms:us-east-1:111122223333:key/mrk-"), "{mrk}");
        assert_eq!(s.alias_arn("alias/app"), "arn:aws:kms:us-east-1:111122223333:alias/app");
        let gov = Scope::new(account.clone(), Region::parse("us-gov-west-1").unwrap());
        assert_eq!(
            gov.key_arn(id),
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        let cn = Scope::new(account, Region::parse("cn-north-1").unwrap());
        assert_eq!(cn.alias_arn("alias/a/b"), "arn:aws-cn:kms:cn-north-1:111122223333:alias/a/b");
    }

    #[test]
    fn key_ids_accept_only_the_hyphenated_form() {
        let k: KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab".parse().unwrap();
        assert_eq!(k.to_string(), "1234abcd-12ab-34cd-56ef-1234567890ab");
        assert!("1234abcd12ab34cd56ef1234567890ab".parse::<KeyId>().is_err());
        assert_eq!(KeyId::from_bytes(k.as_bytes()), k);
    }

    #[test]
    fn multi_region_key_ids_are_mrk_and_32_hex_digits() {
        let k = KeyId::new_multi_region();
        let text = k.to_string();
        assert!(text.starts_with("mrk-") && text.len() == 36 && !text[4..].contains('-'), "{text}");
        assert_eq!(text.parse::<KeyId>().unwrap(), k);
        assert!(k.is_multi_region() && !KeyId::new_random().is_multi_region());
        assert_eq!(KeyId::from_bytes(k.as_bytes()), k, "the blob bytes keep the form");
        assert!(!k.other_form().is_multi_region());
        assert_eq!(k.other_form().as_bytes(), k.as_bytes());
        for bad in
            ["mrk-", "mrk-1234", "mrk-1234abcd-12ab-34cd-56ef-1234567890", "mrk-1234abcd12ab34cd56ef1234567890az"]
        {
            assert!(bad.parse::<KeyId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn arns_split_into_six_parts() {
        let a = Arn::parse("arn:aws:kms:us-east-1:111122223333:alias/my/key").unwrap();
        assert_eq!((a.service, a.region, a.account, a.resource), ("kms", "us-east-1", "111122223333", "alias/my/key"));
        assert!(Arn::parse("arn:aws:kms").is_none());
        assert!(Arn::parse("nope:aws:kms:r:a:b").is_none());
    }
}
