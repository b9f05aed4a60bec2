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
        format!("arn:{}:{}:{}:{}:{}", self.region.partition(), service, self.region, self.account, resource)
    }
}

/// The id of a KMS key: a UUID, written lower-case with hyphens.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(Uuid);

impl KeyId {
    /// A fresh random key id.
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }

    /// The 16 bytes stored in ciphertext blobs.
    pub fn as_bytes(&self) -> [u8; 16] {
        *self.0.as_bytes()
    }

    /// Rebuilds a key id from blob bytes.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        Self(Uuid::from_bytes(b))
    }
}

impl FromStr for KeyId {
    type Err = uuid::Error;
    /// Accepts only the hyphenated 36-character form that AWS uses.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 36 {
            return Err(Uuid::parse_str("!").unwrap_err());
        }
        Uuid::parse_str(s).map(Self)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
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
    fn key_ids_accept_only_the_hyphenated_form() {
        let k: KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab".parse().unwrap();
        assert_eq!(k.to_string(), "1234abcd-12ab-34cd-56ef-1234567890ab");
        assert!("1234abcd12ab34cd56ef1234567890ab".parse::<KeyId>().is_err());
        assert_eq!(KeyId::from_bytes(k.as_bytes()), k);
    }

    #[test]
    fn arns_split_into_six_parts() {
        let a = Arn::parse("arn:aws:kms:us-east-1:111122223333:alias/my/key").unwrap();
        assert_eq!((a.service, a.region, a.account, a.resource), ("kms", "us-east-1", "111122223333", "alias/my/key"));
        assert!(Arn::parse("arn:aws:kms").is_none());
        assert!(Arn::parse("nope:aws:kms:r:a:b").is_none());
    }
}
