//! Storage of the audit trail: chained events with their lookup key, and signed digests.
//!
//! The trail is a store of its own, apart from [`super::Store`]: a backend may keep it in
//! another database (the SQLite backend uses its own file), so that recording never waits
//! behind key and identity writes.

use async_trait::async_trait;

use super::StoreError;
use crate::audit::{AuditHead, AuditScan, DigestRecord, StoredEvent};

/// The append-only audit trail.
///
/// Only one writer appends (the server's audit writer); the store enforces that the chain
/// stays linear so that a second writer fails instead of forking it. Stores index events only
/// by their [`crate::audit::EventKey`]; every other filter is applied to the record by
/// [`crate::audit::search`].
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends `events` (ascending, consecutive seqs) and, if given, `digest`, in one
    /// transaction: either all of it is durable when this returns `Ok`, or none of it is.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] if the first seq is not the stored last seq + 1, the seqs are
    /// not consecutive, or the digest seq is not the stored last digest seq + 1 (nothing is
    /// written); [`StoreError::Unavailable`] if the commit fails.
    async fn append_audit(&self, events: &[StoredEvent], digest: Option<&DigestRecord>) -> Result<(), StoreError>;

    /// Events with `seq >= from_seq`, ascending, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that cannot be decoded (a hash of the wrong length...).
    async fn audit_events(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError>;

    /// Digests with `digest_seq >= from_digest_seq`, ascending, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that cannot be decoded.
    async fn audit_digests(&self, from_digest_seq: u64, limit: u32) -> Result<Vec<DigestRecord>, StoreError>;

    /// Events in the range of `scan`, in its order (see [`AuditScan`]), strictly after
    /// `scan.after`, at most `scan.limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that cannot be decoded.
    async fn scan_audit(&self, scan: &AuditScan) -> Result<Vec<StoredEvent>, StoreError>;

    /// Removes every event and digest (the signing key stays): the trail starts again at seq 1.
    /// Only for a development server's reset; the caller makes sure no append runs meanwhile
    /// (the audit writer does it between two commits).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the deletion fails (nothing is deleted).
    async fn clear_audit(&self) -> Result<(), StoreError>;

    /// The last event's seq and hash and the last digest, to resume the chain.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that cannot be decoded.
    async fn audit_head(&self) -> Result<AuditHead, StoreError>;

    /// The chains of the trail, one per node that recorded into it, by node id, sorted. A
    /// single-node trail (the default) has the one chain `""`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the store cannot be read.
    async fn audit_nodes(&self) -> Result<Vec<String>, StoreError> {
        Ok(vec![String::new()])
    }

    /// The same trail addressing `node`'s chain: its appends, head, events and digests are
    /// that chain's (scans still merge every chain). `None` for a single-chain store, whose
    /// one chain is `self`.
    fn audit_chain(&self, node: &str) -> Option<std::sync::Arc<dyn AuditStore>> {
        let _ = node;
        None
    }
}
