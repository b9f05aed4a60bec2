//! What the trail stores: chained records with the few columns the lookup index needs, and
//! signed digests; and the searchable members a lookup derives from a record when it reads it.
//!
//! A [`StoredEvent`] is the canonical JSON of an [`AuditEvent`] plus its place in the hash
//! chain and its [`EventKey`]: account, region and time, the key of the one index the store
//! keeps (every `LookupEvents` is scoped to an account and a region and ordered by time). The
//! key is derived from the record and never trusted on its own: `verify` re-derives it from the
//! hashed JSON and reports a stored key that disagrees (an event moved out of a lookup's range).
//! Everything else a lookup filters on ([`EventIndex`]: event name, user, access key,
//! resources...) is read from the record itself, so it cannot disagree with it.

use serde::Deserialize;
use time::OffsetDateTime;

use super::AuditError;
use super::event::{AuditEvent, IdentityType, Resource};

/// The columns stored beside each record: the key of the lookup index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventKey {
    /// `eventTime`, whole seconds: lookups are ordered and bounded by it.
    pub event_time: OffsetDateTime,
    /// `recipientAccountId`: the account whose trail holds the event.
    pub account_id: String,
    /// `awsRegion`: lookups are regional.
    pub region: String,
}

impl EventKey {
    /// The key of `event`.
    pub fn of(event: &AuditEvent) -> Self {
        Self {
            event_time: whole_seconds(event.event_time),
            account_id: event.recipient_account_id.clone(),
            region: event.aws_region.clone(),
        }
    }

    /// The record member of the first column in which `self` and `other` differ, if any.
    pub fn first_difference(&self, other: &EventKey) -> Option<&'static str> {
        [
            ("eventTime", self.event_time == other.event_time),
            ("recipientAccountId", self.account_id == other.account_id),
            ("awsRegion", self.region == other.region),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }
}

/// The searchable members of one event, as `LookupEvents` filters on and shows them. Derived
/// from the record whenever it is read; never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventIndex {
    /// `eventID`.
    pub event_id: String,
    /// `eventTime` (whole seconds).
    pub event_time: OffsetDateTime,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `recipientAccountId`: the account whose trail holds the event.
    pub account_id: String,
    /// `awsRegion`: lookups are regional.
    pub region: String,
    /// CloudTrail's `Username`: the IAM user name, `root`, or a role session name.
    pub username: Option<String>,
    /// `userIdentity.accessKeyId`.
    pub access_key_id: Option<String>,
    /// `readOnly`.
    pub read_only: bool,
    /// `resources`, as (type, ARN) pairs in the event's order.
    pub resources: Vec<IndexedResource>,
}

/// A resource as `LookupEvents` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedResource {
    /// `ResourceType`, e.g. `AWS::KMS::Key`.
    pub resource_type: String,
    /// `ResourceName`: the ARN.
    pub name: String,
}

impl EventIndex {
    /// The index of `event`.
    pub fn of(event: &AuditEvent) -> Self {
        let who = &event.user_identity;
        Self {
            event_id: event.event_id.clone(),
            event_time: whole_seconds(event.event_time),
            event_source: event.event_source.clone(),
            event_name: event.event_name.clone(),
            account_id: event.recipient_account_id.clone(),
            region: event.aws_region.clone(),
            username: username(who.identity_type, who.arn.as_deref(), who.user_name.as_deref()),
            access_key_id: who.access_key_id.clone(),
            read_only: event.read_only,
            resources: event.resources.iter().map(IndexedResource::from).collect(),
        }
    }

    /// The index of a stored record, reading only the members it needs (parameters and the
    /// rest of the record are skipped without being built).
    ///
    /// # Errors
    /// [`AuditError::Decode`] if the bytes are not an event record.
    pub fn from_record(json: &[u8]) -> Result<Self, AuditError> {
        let v: RecordView = serde_json::from_slice(json).map_err(AuditError::Decode)?;
        let who = v.user_identity;
        Ok(Self {
            username: username(who.identity_type, who.arn.as_deref(), who.user_name.as_deref()),
            access_key_id: who.access_key_id,
            event_id: v.event_id,
            event_time: whole_seconds(v.event_time),
            event_source: v.event_source,
            event_name: v.event_name,
            account_id: v.recipient_account_id,
            region: v.aws_region,
            read_only: v.read_only,
            resources: v.resources.iter().map(IndexedResource::from).collect(),
        })
    }
}

impl From<&Resource> for IndexedResource {
    fn from(r: &Resource) -> Self {
        Self { resource_type: r.resource_type.clone(), name: r.arn.clone() }
    }
}

/// CloudTrail's `Username`: `root` for the root, the session name of an assumed role (the
/// last part of its ARN), the user name otherwise.
/// A service event (no identity type) and a service's own call (`AWSService`) have none.
fn username(kind: Option<IdentityType>, arn: Option<&str>, user_name: Option<&str>) -> Option<String> {
    match kind? {
        IdentityType::AwsService => None,
        IdentityType::Root => Some("root".to_owned()),
        IdentityType::AssumedRole => arn.and_then(|arn| arn.rsplit('/').next()).map(str::to_owned),
        IdentityType::IamUser | IdentityType::AwsAccount | IdentityType::Unknown => user_name.map(str::to_owned),
    }
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// The members of a record [`EventIndex::from_record`] reads; serde skips the others.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordView {
    user_identity: IdentityView,
    #[serde(with = "super::event::event_time")]
    event_time: OffsetDateTime,
    event_source: String,
    event_name: String,
    aws_region: String,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    #[serde(default)]
    resources: Vec<Resource>,
    recipient_account_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentityView {
    #[serde(rename = "type", default)]
    identity_type: Option<IdentityType>,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    user_name: Option<String>,
}

/// One event in the chain, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The chain holding it: the id of the node that recorded it (`""` for the one chain of a
    /// single-node trail). Each node's chain has its own seqs.
    pub node: String,
    /// Position in the chain: 1, 2, 3... without gaps.
    pub seq: u64,
    /// The `hash` of event `seq - 1`; 32 zero bytes for event 1.
    pub prev_hash: [u8; 32],
    /// `SHA-256` over the domain tag, `prev_hash`, the length and `json` (see `chain`).
    pub hash: [u8; 32],
    /// The lookup index's columns, derived from `json`.
    pub key: EventKey,
    /// The canonical JSON bytes of the event, exactly as hashed.
    pub json: Vec<u8>,
}

/// A signed statement "events `first_seq..=last_seq` end in `last_hash`", chained to the
/// previous digest. The writer stores one with every group commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestRecord {
    /// Position in the digest chain: 1, 2, 3... without gaps.
    pub digest_seq: u64,
    /// The first event this digest covers (the previous digest's `last_seq + 1`).
    pub first_seq: u64,
    /// The last event this digest covers.
    pub last_seq: u64,
    /// The `hash` of event `last_seq`.
    pub last_hash: [u8; 32],
    /// `SHA-256` of the previous digest's signed payload; 32 zero bytes for digest 1.
    pub prev_digest_hash: [u8; 32],
    /// When the digest was made (the writer's clock).
    pub created_at: OffsetDateTime,
    /// Ed25519 signature of the payload (see `chain::digest_payload`).
    pub signature: Vec<u8>,
}

/// Where the chain ends, read at start-up and after a failed commit to resume it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AuditHead {
    /// The chain this is the end of: its node id (`""` for a single-node trail).
    pub node: String,
    /// The last event's seq and hash, `None` for an empty trail.
    pub last_event: Option<(u64, [u8; 32])>,
    /// The last digest, `None` if none was ever written.
    pub last_digest: Option<DigestRecord>,
}
