//! `GetKeyLastUsage`: the last successful cryptographic operation of each key, its time and
//! the CloudTrail event that recorded it.
//!
//! Kept off the hot path: each tracked operation's answer carries the key it used as a typed
//! [`KeyUsed`] (nothing is parsed back out of the call's records); once the call's records are
//! durable, the request path notes it with its record's `eventID` ([`Kms::track_usage`]) and
//! the latest use of each key goes into an in-memory map split into [`SHARDS`] independently
//! locked shards (a lock held for one hash-map insert, never across an await). A background
//! task ([`Kms::flush_key_usage`], run by the server on an interval and at shutdown) writes
//! what changed to the store in one batch; the store keeps the later of two uses, so nodes
//! flushing in any order keep the latest. A read takes the later of the store's row and this
//! node's unflushed use.
//!
//! This module knows nothing of HTTP or of how the store keeps rows.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use parking_lot::Mutex;
use time::OffsetDateTime;

use super::cache::LoadedKey;
use super::keyref::{self, Aliases};
use super::{KeyAction, Kms, KmsError};
use crate::audit::AuditEvent;
use crate::identity::Caller;
use crate::ids::{KeyId, Scope};

/// How many independently locked parts the in-memory map has.
pub(crate) const SHARDS: usize = 16;

/// The cryptographic operations `GetKeyLastUsage` reports (AWS's `KeyLastUsageTrackingOperation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UsageOperation {
    /// `Decapsulate`
    Decapsulate,
    /// `Decrypt`
    Decrypt,
    /// `DeriveSharedSecret`
    DeriveSharedSecret,
    /// `Encapsulate`
    Encapsulate,
    /// `Encrypt`
    Encrypt,
    /// `GenerateDataKey`
    GenerateDataKey,
    /// `GenerateDataKeyPair`
    GenerateDataKeyPair,
    /// `GenerateDataKeyPairWithoutPlaintext`
    GenerateDataKeyPairWithoutPlaintext,
    /// `GenerateDataKeyWithoutPlaintext`
    GenerateDataKeyWithoutPlaintext,
    /// `GenerateMac`
    GenerateMac,
    /// `ReEncrypt`
    ReEncrypt,
    /// `Sign`
    Sign,
    /// `Verify`
    Verify,
    /// `VerifyMac`
    VerifyMac,
}

impl UsageOperation {
    /// Every tracked operation.
    pub const ALL: [UsageOperation; 14] = [
        Self::Decapsulate,
        Self::Decrypt,
        Self::DeriveSharedSecret,
        Self::Encapsulate,
        Self::Encrypt,
        Self::GenerateDataKey,
        Self::GenerateDataKeyPair,
        Self::GenerateDataKeyPairWithoutPlaintext,
        Self::GenerateDataKeyWithoutPlaintext,
        Self::GenerateMac,
        Self::ReEncrypt,
        Self::Sign,
        Self::Verify,
        Self::VerifyMac,
    ];

    /// The AWS operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Decapsulate => "Decapsulate",
            Self::Decrypt => "Decrypt",
            Self::DeriveSharedSecret => "DeriveSharedSecret",
            Self::Encapsulate => "Encapsulate",
            Self::Encrypt => "Encrypt",
            Self::GenerateDataKey => "GenerateDataKey",
            Self::GenerateDataKeyPair => "GenerateDataKeyPair",
            Self::GenerateDataKeyPairWithoutPlaintext => "GenerateDataKeyPairWithoutPlaintext",
            Self::GenerateDataKeyWithoutPlaintext => "GenerateDataKeyWithoutPlaintext",
            Self::GenerateMac => "GenerateMac",
            Self::ReEncrypt => "ReEncrypt",
            Self::Sign => "Sign",
            Self::Verify => "Verify",
            Self::VerifyMac => "VerifyMac",
        }
    }

    /// The tracked operation named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// One successful cryptographic use of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUse {
    /// The key's account and region.
    pub scope: Scope,
    /// The key.
    pub key_id: KeyId,
    /// What it was used for.
    pub operation: UsageOperation,
    /// When (the event's time).
    pub at: OffsetDateTime,
    /// The CloudTrail `eventID` of the call in the key owner's trail.
    pub event_id: String,
    /// The call's `x-amzn-RequestId`.
    pub request_id: String,
}

impl KeyUse {
    /// Whether `self`, noted after `other`, replaces it as a key's last use: it is not
    /// earlier. Two uses at the same instant are both the last; the one noted later wins.
    pub fn supersedes(&self, other: &KeyUse) -> bool {
        self.at >= other.at
    }
}

/// What `GetKeyLastUsage` returns.
#[derive(Clone, Debug)]
pub struct KeyLastUsage {
    /// The key's id.
    pub key_id: KeyId,
    /// The last use since tracking began, if any.
    pub last: Option<KeyUse>,
    /// When tracking began for this key: the deployment's start of tracking or the key's
    /// creation, whichever is later.
    pub tracking_start: OffsetDateTime,
    /// When the key was created.
    pub created: OffsetDateTime,
}

type Shard = Mutex<HashMap<(Scope, KeyId), KeyUse>>;

/// The uses not yet written to the store, one entry per key, in [`SHARDS`] shards.
pub(crate) struct UsageTracker {
    shards: Box<[Shard]>,
    hasher: std::collections::hash_map::RandomState,
    /// The deployment's start of tracking, once read from the store.
    tracking_start: OnceLock<OffsetDateTime>,
}

impl std::fmt::Debug for UsageTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageTracker").field("pending", &self.pending()).finish()
    }
}

impl UsageTracker {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            tracking_start: OnceLock::new(),
        }
    }

    fn shard(&self, scope: &Scope, key_id: &KeyId) -> &Shard {
        let mut h = self.hasher.build_hasher();
        scope.hash(&mut h);
        key_id.hash(&mut h);
        // The modulo keeps the index below SHARDS, so it fits in usize.
        &self.shards[(h.finish() % SHARDS as u64) as usize]
    }

    /// Keeps `usage` if it is the key's latest unflushed use.
    pub(crate) fn record(&self, usage: KeyUse) {
        let mut shard = self.shard(&usage.scope, &usage.key_id).lock();
        match shard.get_mut(&(usage.scope.clone(), usage.key_id)) {
            Some(held) if !usage.supersedes(held) => {}
            Some(held) => *held = usage,
            None => {
                shard.insert((usage.scope.clone(), usage.key_id), usage);
            }
        }
    }

    /// The key's unflushed use, if any.
    pub(crate) fn get(&self, scope: &Scope, key_id: &KeyId) -> Option<KeyUse> {
        self.shard(scope, key_id).lock().get(&(scope.clone(), *key_id)).cloned()
    }

    /// A copy of every unflushed use; they stay held until [`UsageTracker::forget`].
    pub(crate) fn snapshot(&self) -> Vec<KeyUse> {
        self.shards.iter().flat_map(|s| s.lock().values().cloned().collect::<Vec<_>>()).collect()
    }

    /// Drops the uses that were written, unless a later one replaced them meanwhile.
    pub(crate) fn forget(&self, written: &[KeyUse]) {
        for usage in written {
            let mut shard = self.shard(&usage.scope, &usage.key_id).lock();
            let key = (usage.scope.clone(), usage.key_id);
            if shard.get(&key) == Some(usage) {
                shard.remove(&key);
            }
        }
    }

    /// How many keys have an unflushed use.
    pub(crate) fn pending(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }
}

/// A key a call used for a tracked operation, as the domain knows it when it serves the call:
/// carried in the operation's answer to the request path, which notes it once the call's
/// records are durable ([`KeyUsed::recorded_in`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsed {
    /// The key's account and region.
    pub scope: Scope,
    /// The key.
    pub key_id: KeyId,
    /// What it was used for.
    pub operation: UsageOperation,
}

impl KeyUsed {
    /// `key`, used for `operation`.
    pub(crate) fn new(key: &LoadedKey, operation: UsageOperation) -> Self {
        Self { scope: key.record.scope.clone(), key_id: key.record.key_id, operation }
    }

    /// The use as the call's `events` record it: the time, `eventID` and request id of the
    /// record in the trail of the key's owner (a cross-account call is recorded in both
    /// trails; the owner's is the one `GetKeyLastUsage` names). `None` if no record is in
    /// the owner's trail.
    pub fn recorded_in(self, events: &[AuditEvent]) -> Option<KeyUse> {
        let event = events.iter().find(|e| e.recipient_account_id == self.scope.account.as_str())?;
        Some(KeyUse {
            scope: self.scope,
            key_id: self.key_id,
            operation: self.operation,
            at: event.event_time,
            event_id: event.event_id.clone(),
            request_id: event.request_id.clone(),
        })
    }
}

impl Kms {
    /// Notes the key uses of a call whose events were recorded (see [`KeyUsed::recorded_in`]):
    /// memory only, written by the next [`Kms::flush_key_usage`].
    pub fn track_usage(&self, uses: Vec<KeyUse>) {
        for usage in uses {
            self.usage.record(usage);
        }
    }

    /// Writes every unflushed key use to the store in one batch. A failed write keeps them
    /// for the next flush.
    ///
    /// # Errors
    /// The store's error.
    pub async fn flush_key_usage(&self) -> Result<usize, KmsError> {
        let batch = self.usage.snapshot();
        if batch.is_empty() {
            return Ok(0);
        }
        self.store.record_key_usage(&batch).await?;
        self.usage.forget(&batch);
        Ok(batch.len())
    }

    /// How many keys have a use not yet written to the store.
    pub fn unflushed_key_usage(&self) -> usize {
        self.usage.pending()
    }

    /// The deployment's start of usage tracking: read from the store, or set to now there by
    /// the first node that asks.
    ///
    /// # Errors
    /// The store's error.
    pub async fn usage_tracking_start(&self) -> Result<OffsetDateTime, KmsError> {
        if let Some(at) = self.usage.tracking_start.get() {
            return Ok(*at);
        }
        let at = self.store.usage_tracking_start(self.clock.now()).await?;
        Ok(*self.usage.tracking_start.get_or_init(|| at))
    }

    /// `GetKeyLastUsage`: the later of the stored last use and this node's unflushed one. Not
    /// available across accounts; works in every key state.
    ///
    /// # Errors
    /// `NotFound`, `InvalidArn`, `AccessDenied`; the store's errors.
    pub async fn get_key_last_usage(&self, caller: &Caller, key_id: &str) -> Result<KeyLastUsage, KmsError> {
        let r = keyref::parse(caller, key_id, Aliases::Refused)?;
        let (scope, id) = self.resolve_authorized(caller, r, KeyAction::GetKeyLastUsage).await?;
        let rec = self.record(&scope, &id).await?;
        // Memory first: a flush writes the store before it forgets, so a use is always in one
        // of the two places read in this order.
        let unflushed = self.usage.get(&scope, &id);
        let stored = self.store.key_last_usage(&scope, &id).await?;
        let last = match (stored, unflushed) {
            (Some(s), Some(m)) => Some(if m.supersedes(&s) { m } else { s }),
            (s, m) => s.or(m),
        };
        let tracking_start = self.usage_tracking_start().await?.max(rec.created_at);
        Ok(KeyLastUsage { key_id: id, last, tracking_start, created: rec.created_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Region};

    fn usage(key: KeyId, secs: i64, event: &str) -> KeyUse {
        KeyUse {
            scope: Scope::new(AccountId::parse("111122223333").unwrap(), Region::parse("us-east-1").unwrap()),
            key_id: key,
            operation: UsageOperation::Encrypt,
            at: OffsetDateTime::from_unix_timestamp(secs).unwrap(),
            event_id: event.to_owned(),
            request_id: "r".to_owned(),
        }
    }

    #[test]
    fn operation_names_round_trip() {
        for op in UsageOperation::ALL {
            assert_eq!(UsageOperation::parse(op.name()), Some(op));
        }
        assert_eq!(UsageOperation::parse("DescribeKey"), None);
    }

    #[test]
    fn the_latest_use_is_kept_and_a_replaced_one_is_not_forgotten() {
        let t = UsageTracker::new();
        let key = KeyId::new_random();
        t.record(usage(key, 20, "b"));
        t.record(usage(key, 10, "a"));
        let held = t.get(&usage(key, 0, "").scope, &key).unwrap();
        assert_eq!(held.event_id, "b", "an older use does not replace a newer one");
        let batch = t.snapshot();
        t.record(usage(key, 30, "c"));
        t.forget(&batch);
        assert_eq!(t.pending(), 1, "a use newer than the flushed one stays for the next flush");
        let batch = t.snapshot();
        t.forget(&batch);
        assert_eq!(t.pending(), 0);
    }
}
