//! Verifying the trail with nothing but the public key: walk every event in seq order and
//! every digest in digest order, and report the first problem found, precisely.
//!
//! What is detected (each a [`Problem`] naming the seq): an edited record, a deleted record
//! (a gap, or a renumbered gap that breaks the link), records swapped or moved, an index
//! column (account, region, time) edited to move an event out of a lookup's range, a digest missing from the digest chain, a
//! digest whose signature fails (forged or edited), a digest that does not match the events
//! it signs (history rewritten and re-hashed), a digest covering events that no longer exist
//! (tail deleted), events no digest covers (appended behind the writer), and, given an
//! [`Anchor`] from an earlier run, a trail truncated before or rewritten at that point.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::AuditError;
use super::chain::{GENESIS_HASH, digest_hash, digest_payload, event_hash_with};
use super::event::AuditEvent;
use super::record::{DigestRecord, EventKey, StoredEvent};
use crate::store::AuditStore;

/// Events and digests read per store call.
const PAGE: u32 = 1000;
/// Events read ahead to tell a reordering from a removal.
const LOOKAHEAD: u32 = 64;

/// A digest seen by an earlier verification (kept outside the database by the operator), so
/// that a later truncation of the trail, digests included, is still noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The digest's seq.
    pub digest_seq: u64,
    /// The last event it covered.
    pub last_seq: u64,
    /// Its hash ([`digest_hash`]).
    pub digest_hash: [u8; 32],
}

/// The first problem found; the trail before it verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The record at `seq` does not hash to its stored hash: its content was edited.
    EventEdited { seq: u64 },
    /// No record has seq `seq` although later ones exist: it was deleted.
    EventMissing { seq: u64 },
    /// The record at `seq` does not follow the one before it: a record before it was removed
    /// (and the rest renumbered), inserted, or rewritten with a new hash.
    ChainBroken { seq: u64 },
    /// The record stored at `found_at` is the one that belongs at `seq`: records were swapped or moved.
    EventsReordered { seq: u64, found_at: u64 },
    /// The stored index column of record member `member` (`eventTime`, `recipientAccountId`,
    /// `awsRegion`) of `seq` disagrees with the hashed record.
    IndexMismatch { seq: u64, member: &'static str },
    /// The record at `seq` hashes correctly but is not an event record.
    Unreadable { seq: u64 },
    /// Digest `digest_seq` is missing from the digest chain.
    DigestMissing { digest_seq: u64 },
    /// Digest `digest_seq`'s signature does not verify under the public key: forged or edited.
    DigestBadSignature { digest_seq: u64 },
    /// Digest `digest_seq` does not chain to the digest before it.
    DigestChainBroken { digest_seq: u64 },
    /// Digest `digest_seq` covers an impossible range (overlapping the previous one).
    DigestRangeInvalid { digest_seq: u64 },
    /// The events up to `seq` do not end in the hash digest `digest_seq` signed: history rewritten.
    DigestMismatch { digest_seq: u64, seq: u64 },
    /// Digest `digest_seq` signs events `from..=to` that no longer exist: the tail was deleted.
    TailDeleted { digest_seq: u64, from: u64, to: u64 },
    /// Events `from..=to` are covered by no signed digest: added behind the writer's back.
    EventsUnsigned { from: u64, to: u64 },
    /// The anchored digest (covering events up to `last_seq`) no longer exists: the trail was
    /// truncated, digests included.
    AnchorMissing { digest_seq: u64, last_seq: u64 },
    /// The anchored digest exists but differs from the one seen before.
    AnchorMismatch { digest_seq: u64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EventEdited { seq } => write!(f, "event seq {seq}: hash mismatch (the record was edited)"),
            Self::EventMissing { seq } => write!(f, "event seq {seq} is missing (deleted record)"),
            Self::ChainBroken { seq } => write!(
                f,
                "event seq {seq}: prev_hash does not match the hash of seq {} (a record was removed, inserted or rewritten before it)",
                seq.saturating_sub(1)
            ),
            Self::EventsReordered { seq, found_at } => {
                write!(
                    f,
                    "event seq {seq}: records reordered (the record stored at seq {found_at} belongs at seq {seq})"
                )
            }
            Self::IndexMismatch { seq, member } => {
                write!(f, "event seq {seq}: the stored {member} column disagrees with the record (index edited)")
            }
            Self::Unreadable { seq } => write!(f, "event seq {seq}: the record is not a CloudTrail event"),
            Self::DigestMissing { digest_seq } => write!(f, "digest #{digest_seq} is missing"),
            Self::DigestBadSignature { digest_seq } => {
                write!(f, "digest #{digest_seq}: the signature does not verify (forged or edited digest)")
            }
            Self::DigestChainBroken { digest_seq } => {
                write!(f, "digest #{digest_seq}: does not chain to digest #{}", digest_seq.saturating_sub(1))
            }
            Self::DigestRangeInvalid { digest_seq } => write!(f, "digest #{digest_seq}: invalid event range"),
            Self::DigestMismatch { digest_seq, seq } => write!(
                f,
                "digest #{digest_seq}: events up to seq {seq} do not match the signed hash (history rewritten)"
            ),
            Self::TailDeleted { digest_seq, from, to } => {
                write!(f, "digest #{digest_seq} covers events seq {from}..={to}, which no longer exist (tail deleted)")
            }
            Self::EventsUnsigned { from, to } => {
                write!(f, "events seq {from}..={to} are not covered by any signed digest (appended)")
            }
            Self::AnchorMissing { digest_seq, last_seq } => write!(
                f,
                "digest #{digest_seq} (events up to seq {last_seq}), seen by an earlier verify, is gone (trail truncated)"
            ),
            Self::AnchorMismatch { digest_seq } => {
                write!(f, "digest #{digest_seq} differs from the one seen by an earlier verify (rewritten)")
            }
        }
    }
}

/// What a verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events that verified (all of them when there is no problem).
    pub events_checked: u64,
    /// Digests whose signature and claims verified.
    pub digests_checked: u64,
    /// The last verified digest, to keep as the [`Anchor`] of the next run.
    pub last_digest: Option<Anchor>,
    /// The first problem, or `None` if the whole trail verified.
    pub problem: Option<Problem>,
}

/// Verifies the whole trail under `public_key`, optionally against an earlier `anchor`.
///
/// # Errors
/// [`AuditError::Store`] if the store cannot be read. Tampering is not an error: it is the
/// report's `problem`.
pub async fn verify<S: AuditStore + ?Sized>(
    store: &S,
    public_key: &[u8; 32],
    anchor: Option<Anchor>,
) -> Result<VerifyReport, AuditError> {
    // The chain's node id is signed into its digests: the store handle says which chain it reads.
    let node = store.audit_head().await.map_err(AuditError::Store)?.node;
    let mut walk = Walk {
        node,
        public_key: *public_key,
        anchor,
        expected_seq: 1,
        prev_hash: GENESIS_HASH,
        covered: 0,
        expected_digest_seq: 1,
        prev_digest_hash: GENESIS_HASH,
        report: VerifyReport { events_checked: 0, digests_checked: 0, last_digest: None, problem: None },
        digests: Vec::new(),
        digests_from: 1,
        scratch: Vec::new(),
    };
    let problem = walk.run(store).await?;
    walk.report.problem = problem;
    Ok(walk.report)
}

/// The verification of one node's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The chain's node id (`""` for a single-node trail).
    pub node: String,
    /// What its verification found.
    pub report: VerifyReport,
}

/// Verifies every chain of the trail (one per node, see [`AuditStore::audit_nodes`]) under
/// `public_key`. `anchors` are the chains' last verified digests from an earlier run, by node:
/// a chain with an anchor that no longer exists at all is reported truncated.
///
/// # Errors
/// [`AuditError::Store`] if the store cannot be read. Tampering is each report's `problem`.
pub async fn verify_chains(
    store: &dyn AuditStore,
    public_key: &[u8; 32],
    anchors: &BTreeMap<String, Anchor>,
) -> Result<Vec<ChainReport>, AuditError> {
    let mut nodes: BTreeSet<String> = store.audit_nodes().await.map_err(AuditError::Store)?.into_iter().collect();
    nodes.extend(anchors.keys().cloned());
    let mut reports = Vec::with_capacity(nodes.len());
    for node in nodes {
        let chain = store.audit_chain(&node);
        let chain: &dyn AuditStore = chain.as_deref().unwrap_or(store);
        let report = verify(chain, public_key, anchors.get(&node).copied()).await?;
        reports.push(ChainReport { node, report });
    }
    Ok(reports)
}

struct Walk {
    /// The chain's node id (`""` for a single-node trail).
    node: String,
    public_key: [u8; 32],
    anchor: Option<Anchor>,
    expected_seq: u64,
    prev_hash: [u8; 32],
    /// The last event seq covered by a verified digest.
    covered: u64,
    expected_digest_seq: u64,
    prev_digest_hash: [u8; 32],
    report: VerifyReport,
    /// Digests read but not yet checked, in reverse order (next one last).
    digests: Vec<DigestRecord>,
    digests_from: u64,
    scratch: Vec<u8>,
}

impl Walk {
    async fn run<S: AuditStore + ?Sized>(&mut self, store: &S) -> Result<Option<Problem>, AuditError> {
        let mut rechecked = false;
        loop {
            let page = store.audit_events(self.expected_seq, PAGE).await.map_err(AuditError::Store)?;
            if page.is_empty() {
                // A digest beyond the last event is forged, or signs deleted events, or was
                // committed (with its events) by a running server after the events were read:
                // a digest and its events commit together, so one more read tells them apart.
                let Some(d) = self.peek_digest(store).await? else { break };
                if let Some(p) = self.digest(&d, None) {
                    return Ok(Some(p));
                }
                if rechecked {
                    let from = self.expected_seq.max(d.first_seq);
                    return Ok(Some(Problem::TailDeleted { digest_seq: d.digest_seq, from, to: d.last_seq }));
                }
                rechecked = true;
                continue;
            }
            rechecked = false;
            for event in &page {
                if let Some(p) = self.event(store, event).await? {
                    return Ok(Some(p));
                }
                while let Some(d) = self.peek_digest(store).await?.filter(|d| d.last_seq <= event.seq) {
                    if let Some(p) = self.digest(&d, Some(event)) {
                        return Ok(Some(p));
                    }
                    self.digests.pop();
                }
            }
        }
        let last_seq = self.expected_seq - 1;
        if self.covered < last_seq {
            return Ok(Some(Problem::EventsUnsigned { from: self.covered + 1, to: last_seq }));
        }
        if let Some(a) = self.anchor
            && a.digest_seq >= self.expected_digest_seq
        {
            return Ok(Some(Problem::AnchorMissing { digest_seq: a.digest_seq, last_seq: a.last_seq }));
        }
        Ok(None)
    }

    async fn event<S: AuditStore + ?Sized>(
        &mut self,
        store: &S,
        e: &StoredEvent,
    ) -> Result<Option<Problem>, AuditError> {
        if e.seq != self.expected_seq {
            return Ok(Some(Problem::EventMissing { seq: self.expected_seq }));
        }
        if event_hash_with(&mut self.scratch, &e.prev_hash, &e.json) != e.hash {
            return Ok(Some(Problem::EventEdited { seq: e.seq }));
        }
        if e.prev_hash != self.prev_hash {
            let ahead = store.audit_events(e.seq + 1, LOOKAHEAD).await.map_err(AuditError::Store)?;
            let belongs_here = ahead.iter().find(|r| {
                r.prev_hash == self.prev_hash && event_hash_with(&mut self.scratch, &r.prev_hash, &r.json) == r.hash
            });
            return Ok(Some(match belongs_here {
                Some(r) => Problem::EventsReordered { seq: e.seq, found_at: r.seq },
                None => Problem::ChainBroken { seq: e.seq },
            }));
        }
        let Ok(parsed) = AuditEvent::from_json(&e.json) else {
            return Ok(Some(Problem::Unreadable { seq: e.seq }));
        };
        if let Some(member) = EventKey::of(&parsed).first_difference(&e.key) {
            return Ok(Some(Problem::IndexMismatch { seq: e.seq, member }));
        }
        self.prev_hash = e.hash;
        self.expected_seq += 1;
        self.report.events_checked += 1;
        Ok(None)
    }

    async fn peek_digest<S: AuditStore + ?Sized>(&mut self, store: &S) -> Result<Option<DigestRecord>, AuditError> {
        if self.digests.is_empty() {
            let mut page = store.audit_digests(self.digests_from, PAGE).await.map_err(AuditError::Store)?;
            if let Some(last) = page.last() {
                self.digests_from = last.digest_seq + 1;
            }
            page.reverse();
            self.digests = page;
        }
        Ok(self.digests.last().cloned())
    }

    /// Checks digest `d`; `last` is the event at `d.last_seq` if the walk reached it.
    fn digest(&mut self, d: &DigestRecord, last: Option<&StoredEvent>) -> Option<Problem> {
        let digest_seq = d.digest_seq;
        if digest_seq != self.expected_digest_seq {
            return Some(Problem::DigestMissing { digest_seq: self.expected_digest_seq });
        }
        let payload = digest_payload(&self.node, d);
        if !trent_crypto::ed25519_verify(&self.public_key, &payload, &d.signature) {
            return Some(Problem::DigestBadSignature { digest_seq });
        }
        if d.prev_digest_hash != self.prev_digest_hash {
            return Some(Problem::DigestChainBroken { digest_seq });
        }
        if d.first_seq > self.covered + 1 {
            return Some(Problem::EventsUnsigned { from: self.covered + 1, to: d.first_seq - 1 });
        }
        if d.first_seq <= self.covered || d.last_seq < d.first_seq {
            return Some(Problem::DigestRangeInvalid { digest_seq });
        }
        if let Some(e) = last {
            if e.seq != d.last_seq {
                return Some(Problem::DigestRangeInvalid { digest_seq });
            }
            if e.hash != d.last_hash {
                return Some(Problem::DigestMismatch { digest_seq, seq: d.last_seq });
            }
        }
        let hash = digest_hash(&self.node, d);
        if let Some(a) = self.anchor.filter(|a| a.digest_seq == digest_seq)
            && a.digest_hash != hash
        {
            return Some(Problem::AnchorMismatch { digest_seq });
        }
        if last.is_some() {
            self.covered = d.last_seq;
            self.expected_digest_seq += 1;
            self.prev_digest_hash = hash;
            self.report.digests_checked += 1;
            self.report.last_digest = Some(Anchor { digest_seq, last_seq: d.last_seq, digest_hash: hash });
        }
        None
    }
}
