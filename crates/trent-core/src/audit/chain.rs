//! The hash chain and the digest format: pure functions and the writer's view of the chain's
//! end. No I/O: the writer (in `trent-server`) stores what [`Chain::link`] produces and calls
//! [`Chain::advance`] only once the store has committed it.
//!
//! ```text
//! hash(n)      = SHA-256( "trent/audit-event/v1\0" || prev_hash(n) || u64be(len(json(n))) || json(n) )
//! prev_hash(1) = 32 zero bytes;  prev_hash(n) = hash(n - 1)
//!
//! payload(d)   = "trent/audit-digest/v1\0" || u64be(digest_seq) || u64be(first_seq) || u64be(last_seq)
//!                || last_hash(32) || prev_digest_hash(32) || i64be(created_at, unix nanoseconds)
//!                for the single-node chain (node id ""), and for a node's chain (id n)
//!                "trent/audit-digest/v2\0" || u16be(len(n)) || n || the same fields
//! digest_hash  = SHA-256(payload);  prev_digest_hash(1) = 32 zero bytes
//! signature    = Ed25519(audit signing key, payload)
//! ```
//!
//! The tags keep an event hash and a digest hash from ever being confused; the length prefix
//! makes the split between `prev_hash` and the JSON unambiguous. A node's id is signed into
//! its digests, so a chain cannot be passed off as another node's (its signatures then fail).
//! A digest covers exactly the
//! events of one group commit, so every acknowledged event is under a signature from the
//! moment it is acknowledged.

use time::OffsetDateTime;

use super::AuditError;
use super::event::AuditEvent;
use super::record::{AuditHead, DigestRecord, EventKey, StoredEvent};
use super::signer::AuditSigner;

/// `prev_hash` of event 1 and `prev_digest_hash` of digest 1.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];
const EVENT_TAG: &[u8] = b"trent/audit-event/v1\0";
const DIGEST_TAG: &[u8] = b"trent/audit-digest/v1\0";
const NODE_DIGEST_TAG: &[u8] = b"trent/audit-digest/v2\0";

/// `hash(n)` given `prev_hash(n)` and the stored bytes.
pub fn event_hash(prev_hash: &[u8; 32], json: &[u8]) -> [u8; 32] {
    event_hash_with(&mut Vec::new(), prev_hash, json)
}

/// [`event_hash`] reusing `scratch` for the pre-image, to hash many events without allocating.
pub fn event_hash_with(scratch: &mut Vec<u8>, prev_hash: &[u8; 32], json: &[u8]) -> [u8; 32] {
    scratch.clear();
    scratch.reserve(EVENT_TAG.len() + 40 + json.len());
    scratch.extend_from_slice(EVENT_TAG);
    scratch.extend_from_slice(prev_hash);
    scratch.extend_from_slice(&(json.len() as u64).to_be_bytes());
    scratch.extend_from_slice(json);
    trent_crypto::sha256(scratch)
}

/// A timestamp as the digest payload and the stores write it: unix nanoseconds in an `i64`
/// (saturating outside 1677..2262).
pub fn unix_nanos(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(if t.unix_timestamp() < 0 { i64::MIN } else { i64::MAX })
}

/// The bytes a digest of `node`'s chain signs (everything but the signature): the node id
/// (when there is one) and the digest's fields.
pub fn digest_payload(node: &str, d: &DigestRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(NODE_DIGEST_TAG.len() + 2 + node.len() + 24 + 64 + 8);
    if node.is_empty() {
        out.extend_from_slice(DIGEST_TAG);
    } else {
        // Node ids are at most 64 bytes (`NodeId`); a longer one is cut to what a u16 counts,
        // which still signs it whole.
        out.extend_from_slice(NODE_DIGEST_TAG);
        out.extend_from_slice(&u16::try_from(node.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(node.as_bytes());
    }
    out.extend_from_slice(&d.digest_seq.to_be_bytes());
    out.extend_from_slice(&d.first_seq.to_be_bytes());
    out.extend_from_slice(&d.last_seq.to_be_bytes());
    out.extend_from_slice(&d.last_hash);
    out.extend_from_slice(&d.prev_digest_hash);
    out.extend_from_slice(&unix_nanos(d.created_at).to_be_bytes());
    out
}

/// The hash the next digest of `node`'s chain chains to.
pub fn digest_hash(node: &str, d: &DigestRecord) -> [u8; 32] {
    trent_crypto::sha256(&digest_payload(node, d))
}

/// An event serialised on the caller's side, waiting for its place in the chain.
#[derive(Clone, Debug)]
pub struct PendingEvent {
    /// The canonical JSON.
    pub json: Vec<u8>,
    /// The columns of the lookup index.
    pub key: EventKey,
}

impl PendingEvent {
    /// Serialises `event` and takes its index key.
    ///
    /// # Errors
    /// [`AuditError::Encode`] if serialisation fails.
    pub fn new(event: &AuditEvent) -> Result<Self, AuditError> {
        Ok(Self { json: event.to_canonical_json()?, key: EventKey::of(event) })
    }
}

/// A group commit: chained events and the digest that signs them, to be stored atomically.
#[derive(Debug)]
pub struct Batch {
    /// The events, with consecutive seqs.
    pub events: Vec<StoredEvent>,
    /// The signed digest covering exactly `events`.
    pub digest: DigestRecord,
}

/// The end of the chain as the single writer knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The node whose chain this is: every event linked is stamped with it.
    node: String,
    next_seq: u64,
    last_hash: [u8; 32],
    next_digest_seq: u64,
    last_digest_hash: [u8; 32],
}

impl Chain {
    /// The chain of an empty trail.
    pub fn genesis() -> Self {
        Self {
            node: String::new(),
            next_seq: 1,
            last_hash: GENESIS_HASH,
            next_digest_seq: 1,
            last_digest_hash: GENESIS_HASH,
        }
    }

    /// Resumes after what the store holds. The next digest covers only new events: if stored
    /// events were left without a digest (appended behind the writer's back), no signature
    /// ever covers them and `verify` reports them.
    pub fn resume(head: &AuditHead) -> Self {
        let (last_seq, last_hash) = head.last_event.unwrap_or((0, GENESIS_HASH));
        let (digest_seq, digest_hash) =
            head.last_digest.as_ref().map_or((0, GENESIS_HASH), |d| (d.digest_seq, digest_hash(&head.node, d)));
        Self {
            node: head.node.clone(),
            next_seq: last_seq + 1,
            last_hash,
            next_digest_seq: digest_seq + 1,
            last_digest_hash: digest_hash,
        }
    }

    /// Whether the stored head looks as the writer leaves it: the last digest ends at the last
    /// event with its hash. A `false` is logged at start-up; `verify` says precisely what is wrong.
    pub fn head_is_consistent(head: &AuditHead) -> bool {
        match (&head.last_event, &head.last_digest) {
            (None, None) => true,
            (Some((seq, hash)), Some(d)) => d.last_seq == *seq && d.last_hash == *hash,
            _ => false,
        }
    }

    /// The seq the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Chains `pending` after the current end and signs a digest over them, without moving
    /// the end: call [`Chain::advance`] with the returned chain once the batch is committed.
    /// `pending` must not be empty.
    pub fn link(
        &self,
        pending: Vec<PendingEvent>,
        signer: &AuditSigner,
        now: OffsetDateTime,
        scratch: &mut Vec<u8>,
    ) -> (Batch, Chain) {
        let first_seq = self.next_seq;
        let mut prev = self.last_hash;
        let mut events = Vec::with_capacity(pending.len());
        for (i, p) in pending.into_iter().enumerate() {
            let hash = event_hash_with(scratch, &prev, &p.json);
            events.push(StoredEvent {
                node: self.node.clone(),
                seq: first_seq + i as u64,
                prev_hash: prev,
                hash,
                key: p.key,
                json: p.json,
            });
            prev = hash;
        }
        let last_seq = first_seq + events.len().saturating_sub(1) as u64;
        let mut digest = DigestRecord {
            digest_seq: self.next_digest_seq,
            first_seq,
            last_seq,
            last_hash: prev,
            prev_digest_hash: self.last_digest_hash,
            created_at: now,
            signature: Vec::new(),
        };
        let payload = digest_payload(&self.node, &digest);
        digest.signature = signer.sign(&payload).to_vec();
        let next = Chain {
            node: self.node.clone(),
            next_seq: last_seq + 1,
            last_hash: prev,
            next_digest_seq: digest.digest_seq + 1,
            last_digest_hash: trent_crypto::sha256(&payload),
        };
        (Batch { events, digest }, next)
    }

    /// Moves the end to `next` (what [`Chain::link`] returned) after a successful commit.
    pub fn advance(&mut self, next: Chain) {
        *self = next;
    }
}
