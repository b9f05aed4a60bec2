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
pub use kms::KmsStore;
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
    /// The database could not be reached or failed to commit.
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored row could not be understood (bad enum text, bad length...).
    #[error("corrupt row: {0}")]
    Corrupt(String),
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
