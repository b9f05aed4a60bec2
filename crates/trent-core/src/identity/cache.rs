//! The credential cache: what authentication needs about an access key (its secret, its
//! principal, its parsed policies and tags, a session's token hash and expiry), loaded from
//! the store once and then served from memory.
//!
//! The KMS hot path authenticates tens of thousands of requests per second; none of them may
//! read the database. Every IAM mutation that changes what a cached entry says (a policy put
//! or deleted, a group membership, a key's status, a deletion) calls [`CredentialCache::invalidate`]
//! *after* its write returns, which drops the affected entries. It does so whether the write
//! succeeded or failed: a failed write may still have committed (an acknowledgement lost after
//! the commit), and a dropped entry only costs one store read.
//!
//! A fill that read the store before a mutation committed must not insert what it read after
//! the invalidation ran: fills note the cache's generation before reading and insert only if
//! it has not moved ([`CredentialCache::insert_if_current`]); invalidation bumps the
//! generation and drops entries under the same write lock. Either the stale insert happens
//! first and is dropped, or it happens after and is refused.
//!
//! Other nodes sharing the database cache the same credentials: every invalidation is also
//! handed to the cache's [`InvalidationSink`] (see [`crate::invalidation`]), and what other
//! nodes publish arrives through [`CredentialCache::apply_remote`].

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use time::OffsetDateTime;
use trent_crypto::SecretBytes;

use super::{CallerIdentity, Principal};
use crate::coherence::Coherence;
use crate::ids::AccountId;
use crate::invalidation::{Invalidation, InvalidationSink};

/// Entries kept before the cache sheds expired sessions (and, if that is not enough,
/// everything): a bound on memory that a flood of `AssumeRole` calls cannot break.
const CAPACITY: usize = 100_000;

/// A usable access key (long-term or temporary): whose it is, its secret, and what the
/// credentials stand for.
pub struct ActiveAccessKey {
    /// The access key id.
    pub access_key_id: String,
    /// The principal it authenticates.
    pub principal: Principal,
    /// The policies, tags and session facts every request signed with it carries.
    pub identity: Arc<CallerIdentity>,
    secret: SecretBytes,
    session: Option<SessionCheck>,
    depends_on: Dependencies,
}

/// What temporary credentials must be presented with.
struct SessionCheck {
    token_hash: [u8; 32],
    expires_at: OffsetDateTime,
}

/// The IAM entities an entry was derived from (names lower-cased: IAM names are
/// case-insensitive).
#[derive(Default)]
pub(crate) struct Dependencies {
    pub(crate) account: Option<AccountId>,
    pub(crate) user: Option<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) role: Option<String>,
}

/// An IAM change that may make cached entries wrong.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Change<'a> {
    /// A user's policies, groups or existence changed.
    User(&'a AccountId, &'a str),
    /// A group's policies changed: every member's entries.
    Group(&'a AccountId, &'a str),
    /// A role's policies or existence changed: every session's entries.
    Role(&'a AccountId, &'a str),
    /// One access key's status changed or it was deleted.
    AccessKey(&'a str),
}

impl ActiveAccessKey {
    /// An entry for long-term credentials.
    pub(crate) fn long_term(
        access_key_id: String,
        principal: Principal,
        identity: CallerIdentity,
        secret: SecretBytes,
        depends_on: Dependencies,
    ) -> Self {
        Self { access_key_id, principal, identity: Arc::new(identity), secret, session: None, depends_on }
    }

    /// An entry for temporary credentials, usable with the token whose SHA-256 is
    /// `token_hash` until `expires_at`.
    pub(crate) fn temporary(
        access_key_id: String,
        principal: Principal,
        identity: CallerIdentity,
        secret: SecretBytes,
        token_hash: [u8; 32],
        depends_on: Dependencies,
    ) -> Self {
        let expires_at = identity.session_expires.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Self {
            access_key_id,
            principal,
            identity: Arc::new(identity),
            secret,
            session: Some(SessionCheck { token_hash, expires_at }),
            depends_on,
        }
    }

    /// The secret access key, for deriving SigV4 signing keys.
    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    /// Whether these are temporary (STS) credentials.
    pub fn is_temporary(&self) -> bool {
        self.session.is_some()
    }

    /// Whether `token` (`X-Amz-Security-Token`) belongs with these credentials: temporary
    /// credentials need their own session token (its SHA-256 compared in constant time),
    /// long-term keys must come without one.
    pub fn token_matches(&self, token: Option<&str>) -> bool {
        match (&self.session, token) {
            (Some(check), Some(token)) => {
                trent_crypto::constant_time_eq(&trent_crypto::sha256(token.as_bytes()), &check.token_hash)
            }
            (None, None) => true,
            (Some(_), None) | (None, Some(_)) => false,
        }
    }

    /// Whether temporary credentials have expired at `now` (long-term keys never do).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.session.as_ref().is_some_and(|s| now >= s.expires_at)
    }

    fn affected_by(&self, change: &Change<'_>) -> bool {
        let d = &self.depends_on;
        let in_account = |a: &AccountId| d.account.as_ref() == Some(a);
        match *change {
            Change::AccessKey(id) => self.access_key_id == id,
            Change::User(a, name) => in_account(a) && d.user.as_deref() == Some(&*name.to_lowercase()),
            Change::Group(a, name) => in_account(a) && d.groups.iter().any(|g| *g == name.to_lowercase()),
            Change::Role(a, name) => in_account(a) && d.role.as_deref() == Some(&*name.to_lowercase()),
        }
    }
}

impl std::fmt::Debug for ActiveAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveAccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("principal", &self.principal)
            .field("temporary", &self.is_temporary())
            .finish_non_exhaustive()
    }
}

/// Cached entries by access key id, with the generation that orders fills and invalidations.
#[derive(Default)]
pub(crate) struct CredentialCache {
    entries: RwLock<HashMap<String, Arc<ActiveAccessKey>>>,
    /// The generation (the epoch), the sink and the lookup counters.
    coherence: Coherence,
}

impl CredentialCache {
    /// The entry of `access_key_id`, if cached.
    pub(crate) fn get(&self, access_key_id: &str) -> Option<Arc<ActiveAccessKey>> {
        let found = self.entries.read().get(access_key_id).cloned();
        self.coherence.count(found)
    }

    /// Lookups so far: (hits, misses).
    pub(crate) fn stats(&self) -> (u64, u64) {
        self.coherence.stats()
    }

    /// The generation to pass to [`CredentialCache::insert_if_current`]; read it *before*
    /// reading the store.
    pub(crate) fn generation(&self) -> u64 {
        self.coherence.epoch()
    }

    /// Caches `entry` unless an invalidation ran since `generation` was read.
    pub(crate) fn insert_if_current(&self, generation: u64, entry: Arc<ActiveAccessKey>, now: OffsetDateTime) {
        let mut entries = self.entries.write();
        if !self.coherence.unchanged_since(generation) {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| !e.is_expired(now));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(entry.access_key_id.clone(), entry);
    }

    /// Sends every later invalidation to `sink` too.
    pub(crate) fn set_sink(&mut self, sink: Arc<dyn InvalidationSink>) {
        self.coherence.set_sink(sink);
    }

    /// Drops every entry `change` may have made wrong, here and (through the sink) on other
    /// nodes. Call after the change has committed.
    pub(crate) fn invalidate(&self, change: Change<'_>) {
        self.forget(change);
        self.coherence.publish(|| match change {
            Change::User(a, name) => Invalidation::User(a.clone(), name.to_owned()),
            Change::Group(a, name) => Invalidation::Group(a.clone(), name.to_owned()),
            Change::Role(a, name) => Invalidation::Role(a.clone(), name.to_owned()),
            Change::AccessKey(id) => Invalidation::AccessKey(id.to_owned()),
        });
    }

    fn forget(&self, change: Change<'_>) {
        let mut entries = self.entries.write();
        self.coherence.advance();
        entries.retain(|_, e| !e.affected_by(&change));
    }

    /// Applies another node's invalidation (publishing nothing); the KMS changes are not this
    /// cache's and leave it alone.
    pub(crate) fn apply_remote(&self, change: &Invalidation) {
        match change {
            Invalidation::User(a, name) => self.forget(Change::User(a, name)),
            Invalidation::Group(a, name) => self.forget(Change::Group(a, name)),
            Invalidation::Role(a, name) => self.forget(Change::Role(a, name)),
            Invalidation::AccessKey(id) => self.forget(Change::AccessKey(id)),
            Invalidation::All => self.clear(),
            Invalidation::Key(..)
            | Invalidation::Aliases(_)
            | Invalidation::Secret(..)
            | Invalidation::Parameter(..) => {}
        }
    }

    /// Drops every entry (after the store was emptied).
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.write();
        self.coherence.advance();
        entries.clear();
    }

    /// How many entries are cached.
    pub(crate) fn len(&self) -> usize {
        self.entries.read().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::PrincipalKind;

    fn entry(id: &str, user: &str, groups: &[&str]) -> Arc<ActiveAccessKey> {
        let account = AccountId::parse("111122223333").unwrap();
        let principal = Principal {
            account: account.clone(),
            kind: PrincipalKind::User { name: user.into(), path: "/".into() },
            unique_id: "AIDA".into(),
        };
        let deps = Dependencies {
            account: Some(account.clone()),
            user: Some(user.to_lowercase()),
            groups: groups.iter().map(|g| g.to_lowercase()).collect(),
            role: None,
        };
        Arc::new(ActiveAccessKey::long_term(
            id.into(),
            principal,
            CallerIdentity::root(&account),
            SecretBytes::from_slice(b"s"),
            deps,
        ))
    }

    #[test]
    fn invalidation_drops_exactly_the_affected_entries() {
        let cache = CredentialCache::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        for e in [entry("K1", "Alice", &["Admins"]), entry("K2", "bob", &["devs"]), entry("K3", "carol", &[])] {
            cache.insert_if_current(cache.generation(), e, now);
        }
        let account = AccountId::parse("111122223333").unwrap();
        let other = AccountId::parse("444455556666").unwrap();
        cache.invalidate(Change::User(&other, "alice"));
        assert_eq!(cache.len(), 3, "another account's user of the same name");
        cache.invalidate(Change::User(&account, "ALICE"));
        assert!(cache.get("K1").is_none() && cache.get("K2").is_some());
        cache.invalidate(Change::Group(&account, "DEVS"));
        assert!(cache.get("K2").is_none());
        cache.invalidate(Change::AccessKey("K3"));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn another_nodes_invalidation_drops_the_same_entries() {
        let cache = CredentialCache::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        for e in [entry("K1", "Alice", &["Admins"]), entry("K2", "bob", &["devs"]), entry("K3", "carol", &[])] {
            cache.insert_if_current(cache.generation(), e, now);
        }
        let account = AccountId::parse("111122223333").unwrap();
        cache.apply_remote(&Invalidation::Group(account.clone(), "ADMINS".into()));
        assert!(cache.get("K1").is_none() && cache.get("K2").is_some());
        cache.apply_remote(&Invalidation::Key(
            crate::Scope::new(account, crate::Region::parse("us-east-1").unwrap()),
            crate::KeyId::new_random(),
        ));
        assert_eq!(cache.len(), 2, "a key's change is not a credential's");
        cache.apply_remote(&Invalidation::All);
        assert_eq!(cache.len(), 0);
    }

    /// Regression guard for a lost invalidation: a fill that read the store before a
    /// mutation must not cache what it read once the mutation has invalidated.
    #[test]
    fn a_fill_older_than_an_invalidation_is_not_cached() {
        let cache = CredentialCache::default();
        let generation = cache.generation();
        cache.invalidate(Change::AccessKey("unrelated"));
        cache.insert_if_current(generation, entry("K1", "alice", &[]), OffsetDateTime::UNIX_EPOCH);
        assert!(cache.get("K1").is_none());
    }

    #[test]
    fn tokens_match_only_their_own_credentials() {
        let account = AccountId::parse("111122223333").unwrap();
        let expires = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let identity = CallerIdentity { session_expires: Some(expires), ..CallerIdentity::root(&account) };
        let principal = Principal { account, kind: PrincipalKind::Root, unique_id: String::new() };
        let temp = ActiveAccessKey::temporary(
            "ASIA1".into(),
            principal.clone(),
            identity,
            SecretBytes::from_slice(b"s"),
            trent_crypto::sha256(b"token"),
            Dependencies::default(),
        );
        assert!(temp.token_matches(Some("token")));
        assert!(!temp.token_matches(Some("token2")) && !temp.token_matches(None));
        assert!(!temp.is_expired(expires - time::Duration::seconds(1)) && temp.is_expired(expires));
        let long = entry("AKIA1", "alice", &[]);
        assert!(long.token_matches(None) && !long.token_matches(Some("token")));
        assert!(!long.is_expired(OffsetDateTime::now_utc()));
    }
}
