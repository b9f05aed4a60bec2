//! Cache invalidation across nodes: what one node tells the others after it changed something
//! that their in-memory caches may hold (unwrapped keys and aliases, credentials and their
//! policies, secrets' metadata and versions, parameters).
//!
//! The caches ([`crate::kms::Kms`]'s keys and aliases, [`crate::Identities`]'s credentials)
//! drop their own entries after every change, and hand the same [`Invalidation`] to the
//! [`InvalidationSink`] they were given, if any. The server's sink carries it to every other
//! node (PostgreSQL `NOTIFY`), which applies it with `apply_remote` (dropping the entries
//! without publishing again). Nothing secret is in an invalidation: ids and names only.
//!
//! This module knows nothing of how the message travels; the text form
//! ([`Invalidation::encode`], [`Invalidation::decode`]) is what the transport carries.

use crate::ids::{AccountId, KeyId, Region, Scope};

/// A change that may make another node's cached entries wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalidation {
    /// A key's metadata, material, policy, grants, tags or aliases changed.
    Key(Scope, KeyId),
    /// An alias of the scope was created, moved or deleted.
    Aliases(Scope),
    /// An IAM user's policies, groups, existence or access keys changed.
    User(AccountId, String),
    /// An IAM group's policies changed (every member's credentials).
    Group(AccountId, String),
    /// An IAM role's policies or existence changed (every session of it).
    Role(AccountId, String),
    /// One access key's status changed or it was deleted.
    AccessKey(String),
    /// A Secrets Manager secret (its metadata, labels, versions or existence) changed.
    Secret(Scope, String),
    /// A Parameter Store parameter (its versions, labels, policies or existence) changed.
    Parameter(Scope, String),
    /// Everything may have changed (a development reset emptied the store).
    All,
}

/// Where a cache hands the invalidations it made, for other nodes to apply. Publishing never
/// blocks and never fails the change: a lost message is caught by the periodic full check of
/// the receiving nodes, which bounds how long a missed one can keep a stale entry.
pub trait InvalidationSink: Send + Sync {
    /// Hands over an invalidation of a change that has committed.
    fn publish(&self, change: Invalidation);
}

/// The longest encoded invalidation: ids and IAM names (at most 128 characters) are short, and
/// PostgreSQL's `NOTIFY` payload is limited to 8000 bytes.
pub const MAX_ENCODED: usize = 1024;

impl Invalidation {
    /// The text form: a tag and the fields, separated by tabs (no id or IAM name holds one).
    pub fn encode(&self) -> String {
        match self {
            Self::Key(scope, id) => format!("key\t{}\t{}\t{id}", scope.account, scope.region),
            Self::Aliases(scope) => format!("aliases\t{}\t{}", scope.account, scope.region),
            Self::User(account, name) => format!("user\t{account}\t{name}"),
            Self::Group(account, name) => format!("group\t{account}\t{name}"),
            Self::Role(account, name) => format!("role\t{account}\t{name}"),
            Self::AccessKey(id) => format!("access-key\t{id}"),
            Self::Secret(scope, name) => format!("secret\t{}\t{}\t{name}", scope.account, scope.region),
            Self::Parameter(scope, name) => format!("parameter\t{}\t{}\t{name}", scope.account, scope.region),
            Self::All => "all".to_owned(),
        }
    }

    /// Reads the text form back; `None` for anything else (a message of a newer node, which
    /// the caller then treats as [`Invalidation::All`]).
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > MAX_ENCODED {
            return None;
        }
        let fields: Vec<&str> = text.split('\t').collect();
        let scope = |account: &str, region: &str| -> Option<Scope> {
            Some(Scope::new(AccountId::parse(account).ok()?, Region::parse(region).ok()?))
        };
        let name = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        match fields.as_slice() {
            ["key", account, region, id] => Some(Self::Key(scope(account, region)?, id.parse().ok()?)),
            ["aliases", account, region] => Some(Self::Aliases(scope(account, region)?)),
            ["user", account, n] => Some(Self::User(AccountId::parse(account).ok()?, name(n)?)),
            ["group", account, n] => Some(Self::Group(AccountId::parse(account).ok()?, name(n)?)),
            ["role", account, n] => Some(Self::Role(AccountId::parse(account).ok()?, name(n)?)),
            ["access-key", id] => Some(Self::AccessKey(name(id)?)),
            ["secret", account, region, n] => Some(Self::Secret(scope(account, region)?, name(n)?)),
            ["parameter", account, region, n] => Some(Self::Parameter(scope(account, region)?, name(n)?)),
            ["all"] => Some(Self::All),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invalidation_round_trips_its_text_form() {
        let scope = Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("eu-west-1").unwrap());
        let account = AccountId::parse("444455556666").unwrap();
        for change in [
            Invalidation::Key(scope.clone(), KeyId::new_random()),
            Invalidation::Key(scope.clone(), KeyId::new_multi_region()),
            Invalidation::Aliases(scope),
            Invalidation::User(account.clone(), "Alice".into()),
            Invalidation::Group(account.clone(), "admins".into()),
            Invalidation::Role(account, "Deployer".into()),
            Invalidation::AccessKey("AKIAEXAMPLE".into()),
            Invalidation::Secret(
                Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap()),
                "prod/db-credentials".into(),
            ),
            Invalidation::Parameter(
                Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap()),
                "/my-department/my-app/db-url".into(),
            ),
            Invalidation::All,
        ] {
            assert_eq!(Invalidation::decode(&change.encode()), Some(change));
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in [
            "",
            "key\t1\tus-east-1\tx",
            "user\t111122223333\t",
            "secret\t111122223333\tus-east-1\t",
            "parameter\t111122223333\tus-east-1\t",
            "nonsense",
            "all\textra",
            &"a".repeat(2000),
        ] {
            assert_eq!(Invalidation::decode(text), None, "{text:?}");
        }
    }
}
