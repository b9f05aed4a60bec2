//! The storage traits the domain talks to, and the narrow error they return.
//!
//! Implementations live in `trent-store` (SQLite today, PostgreSQL next). The traits speak
//! domain types only; each backend converts them to and from its own rows. Every method that
//! writes more than one row does so in one transaction, and a domain operation that creates
//! several things hands them to the store at once ([`Batch`]): one operation, one write.

mod audit;
mod batch;
mod custom_key_stores;
mod events;
mod identity;
mod kms;
mod meta;
mod params;
mod reset;
mod rewrap;
mod secrets;

pub use audit::AuditStore;
pub use batch::{Batch, BatchStore, NewKey};
pub use custom_key_stores::CustomKeyStoreStore;
pub use events::EventStore;
pub use identity::IdentityStore;
pub use kms::{KmsStore, ListedKey};
pub use meta::MetaStore;
pub use params::ParamStore;
pub use reset::ResetStore;
pub use rewrap::{RewrapStore, Rewrapped, WrappedColumn, WrappedRow, WrappedValue};
pub use secrets::{SecretChange, SecretsStore};

/// What can go wrong in storage, narrowly enough for the domain to branch on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row addressed does not exist.
    #[error("not found")]
    NotFound,
    /// A row with the same identity already exists.
    #[error("already exists")]
    AlreadyExists,
    /// An optimistic-concurrency check failed: someone else changed the row first.
    #[error("concurrent modification")]
    Conflict,
    /// The write would take its scope past a quota the caller passed with it (a Parameter
    /// Store tier's, [`crate::params::ParameterWrite::tier_quota`]), counted inside the
    /// write's transaction; nothing was written.
    #[error("quota exceeded")]
    QuotaExceeded,
    /// The database could not be reached or failed to commit.
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored row or document could not be understood (bad enum text, bad length...).
    #[error("corrupt stored data")]
    Corrupt(#[source] Corruption),
    /// A stored value the database driver could not decode into the type of its column.
    #[error("undecodable column value")]
    Undecodable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database's schema was written by a newer Trent than this build: running on it
    /// could misread or damage it.
    #[error(
        "database schema version {found} is newer than the newest this build of Trent knows ({known}); \
         run a newer Trent or restore a backup"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i64,
        /// The newest version this build's migrations reach.
        known: i64,
    },
}

/// Where stored data was found corrupt and what was wrong with it, with the decoder's error
/// when one said why. It names tables, columns and ids, counters and enum text, never a stored
/// secret or value.
#[derive(Debug, thiserror::Error)]
#[error("corrupt {place}: {fault}")]
pub struct Corruption {
    /// The table and column (`keys.revision`) or stored document that holds the bad value.
    pub place: &'static str,
    /// What was wrong with it.
    pub fault: Fault,
    /// The decoder's error, when one said why.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What was wrong with a stored value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// A number outside the range its type can hold.
    #[error("{0} is out of range")]
    OutOfRange(i128),
    /// Text that is no known value of its kind (an enum, a flag, an id).
    #[error("'{0}' is not a known value")]
    Unknown(String),
    /// A blob of the wrong length.
    #[error("{found} bytes, not {expected}")]
    Length {
        /// Its length.
        found: usize,
        /// The length its kind has.
        expected: usize,
    },
    /// Text or JSON that does not decode, or a value that does not encode (the source says
    /// why when there is one).
    #[error("does not decode")]
    Undecodable,
    /// A member missing from a stored document.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// Values that contradict each other or the caller's request.
    #[error("{0}")]
    Inconsistent(&'static str),
}

impl StoreError {
    /// [`StoreError::Corrupt`] at `place`.
    pub fn corrupt(place: &'static str, fault: Fault) -> Self {
        Self::Corrupt(Corruption { place, fault, source: None })
    }

    /// [`StoreError::Corrupt`] at `place`, with the decoder's error.
    pub fn corrupt_because(
        place: &'static str,
        fault: Fault,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Corrupt(Corruption { place, fault, source: Some(source.into()) })
    }
}

/// Everything a Trent node stores about keys and identities. The audit trail is an
/// [`AuditStore`] of its own.
pub trait Store:
    KmsStore + CustomKeyStoreStore + SecretsStore + IdentityStore + BatchStore + MetaStore + ResetStore + RewrapStore
{
}

impl<
    T: KmsStore + CustomKeyStoreStore + SecretsStore + IdentityStore + BatchStore + MetaStore + ResetStore + RewrapStore,
> Store for T
{
}
