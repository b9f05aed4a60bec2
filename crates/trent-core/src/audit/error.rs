//! The audit layer's errors: recording, signing and reading the trail.
//!
//! Tampering found by `verify` is not an error: it is a [`super::Problem`] in a successful
//! report. An [`AuditError`] means the trail could not be written or read at all.

use std::sync::Arc;

use crate::store::StoreError;

/// Why the trail could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// An event could not be serialised.
    #[error("cannot encode the audit event")]
    Encode(#[source] serde_json::Error),
    /// Stored bytes are not an event record.
    #[error("cannot decode a stored audit event")]
    Decode(#[source] serde_json::Error),
    /// The store failed.
    #[error("audit storage failed")]
    Store(#[source] StoreError),
    /// The group commit holding this event failed; every event of the batch shares the cause.
    #[error("the audit commit failed; the event was not recorded")]
    CommitFailed(#[source] Arc<StoreError>),
    /// The writer has stopped (shutdown, or a panic): nothing more can be recorded.
    #[error("the audit writer is not running")]
    WriterStopped,
    /// The signing key is missing, mismatched or cannot be unwrapped.
    #[error("audit signing key: {0}")]
    SigningKey(&'static str),
    /// A cryptographic primitive failed.
    #[error("audit cryptography failed")]
    Crypto(#[source] trent_crypto::CryptoError),
}
