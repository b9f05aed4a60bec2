//! Storage of the values wrapped under the root key, as `trent operator rotate-root` walks
//! them: every column that holds one, read in primary-key order a bounded batch at a time, and
//! replaced only where the row still holds the value that was read.
//!
//! The store knows nothing of wrapping: a wrapped value is opaque bytes, and a row is named by
//! its primary key ([`WrappedRow`]), from which the domain derives the value's AAD.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A column of values wrapped under the root key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WrappedColumn {
    /// `kms_key_materials.wrapped`: the backing keys of every KMS key version and key type,
    /// imported material included.
    KeyMaterials,
    /// `access_keys.secret_wrapped`: the secret access keys of long-term credentials.
    AccessKeys,
    /// `sts_sessions.secret_wrapped`: the secret access keys of STS sessions.
    Sessions,
    /// `kms_custom_key_stores.wrapped_password`: custom key stores' token PINs.
    CustomKeyStorePasswords,
}

impl WrappedColumn {
    /// Every column, in the order a rotation walks them.
    pub const ALL: [WrappedColumn; 4] = [
        WrappedColumn::KeyMaterials,
        WrappedColumn::AccessKeys,
        WrappedColumn::Sessions,
        WrappedColumn::CustomKeyStorePasswords,
    ];

    /// The column's name for operators (`trent operator status`).
    pub fn name(self) -> &'static str {
        match self {
            WrappedColumn::KeyMaterials => "kms_key_materials",
            WrappedColumn::AccessKeys => "access_keys",
            WrappedColumn::Sessions => "sts_sessions",
            WrappedColumn::CustomKeyStorePasswords => "kms_custom_key_stores",
        }
    }
}

/// Which row holds a wrapped value: its primary key, and what else its AAD names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WrappedRow {
    /// A backing key of a KMS key.
    KeyMaterial {
        /// The key's account.
        account: String,
        /// The key's region.
        region: String,
        /// The key's id.
        key_id: String,
        /// The version's sequence number (the primary key's last part).
        seq: i64,
        /// The material id (named in the AAD), 32 bytes.
        material_id: Vec<u8>,
    },
    /// A long-term access key.
    AccessKey {
        /// Its id (the primary key).
        access_key_id: String,
    },
    /// An STS session's access key.
    Session {
        /// Its id (the primary key).
        access_key_id: String,
    },
    /// A custom key store.
    CustomKeyStore {
        /// Its account.
        account: String,
        /// Its region.
        region: String,
        /// Its id.
        id: String,
    },
}

/// A wrapped value as read: the row and the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedValue {
    /// Where it is.
    pub row: WrappedRow,
    /// The value wrapped under the root key.
    pub wrapped: Vec<u8>,
}

/// A value wrapped again: replaces `old` in `row` with `new`, unless the row changed since.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrapped {
    /// Where it is.
    pub row: WrappedRow,
    /// The bytes read (the replacement happens only if the row still holds them).
    pub old: Vec<u8>,
    /// The bytes to write.
    pub new: Vec<u8>,
}

/// The wrapped columns, for the root key's rotation.
#[async_trait]
pub trait RewrapStore: Send + Sync {
    /// At most `limit` values of `column` whose rows come after `after` in primary-key order
    /// (from the first row when `None`), in that order.
    ///
    /// # Errors
    /// [`StoreError`] if the database fails or a row is malformed.
    async fn wrapped_after(
        &self,
        column: WrappedColumn,
        after: Option<&WrappedRow>,
        limit: u32,
    ) -> Result<Vec<WrappedValue>, StoreError>;

    /// Replaces each value in one transaction, each only if its row still holds `old` (a row
    /// written or deleted since it was read is left alone). Returns how many were replaced.
    ///
    /// # Errors
    /// [`StoreError`] if the database fails; nothing is replaced then.
    async fn replace_wrapped(&self, values: &[Rewrapped]) -> Result<u64, StoreError>;

    /// Records a rotation's state (`meta` entry `name`) only if none is recorded: `false` when
    /// one already is (another rotation started first).
    ///
    /// # Errors
    /// [`StoreError`] if the database fails.
    async fn insert_meta_if_absent(&self, name: &str, value: &[u8]) -> Result<bool, StoreError>;

    /// Ends a rotation in one transaction: writes each of `values` into `meta` and removes the
    /// entry `remove`.
    ///
    /// # Errors
    /// [`StoreError`] if the database fails; nothing is written then.
    async fn finish_meta(&self, values: &[(&str, &[u8])], remove: &str) -> Result<(), StoreError>;
}
