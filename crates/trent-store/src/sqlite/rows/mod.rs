//! Rows as both backends store them, and their conversions to and from the domain types.
//!
//! Each `*Row` struct mirrors a table's columns in SQLite's own types (TEXT, INTEGER, BLOB),
//! which the PostgreSQL schema spells TEXT, BIGINT and BYTEA: the same values in both, so the
//! rows read (`FromRow` for any row type) and bind (`bind` on any [`Query`]) identically on
//! either backend (`docs/adr/0009-postgresql-backend.md`).
//! Writing converts a domain value into a row (`TryFrom<&Domain>`, failing only for values
//! SQLite cannot represent, such as a date after 2262, reported as [`StoreError::Corrupt`]
//! for want of a better variant); reading converts a row back (`TryFrom<Row>`, failing with
//! [`StoreError::Corrupt`] for unknown enum text, a wrong blob length or an out-of-range
//! number). No conversion here panics on stored data.

/// Implements `FromRow` of `$row` for the rows of any database that decodes the columns of
/// this module (`TEXT`, `BIGINT`, bytes; SQLite and PostgreSQL), from the body of `from_row`.
macro_rules! from_any_row {
    ($row:ty, |$r:ident| $body:block) => {
        impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for $row
        where
            &'static str: sqlx::ColumnIndex<R>,
            String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        {
            fn from_row($r: &'r R) -> Result<Self, sqlx::Error> $body
        }
    };
}

mod custom_key_stores;
mod grants;
mod identity;
mod kms;
mod usage;

pub(crate) use custom_key_stores::CustomKeyStoreRow;
pub(crate) use grants::GrantRow;
pub(crate) use identity::{AccessKeyRow, AccountRow, GroupRow, KIND_USER, PolicyRow, RoleRow, SessionRow, UserRow};
pub(crate) use kms::{AliasRow, KeyRow, MaterialRow, TagRow};
pub(crate) use usage::{UsageRow, usage_rows};

use sqlx::Sqlite;
use time::OffsetDateTime;
use trent_core::store::Fault;
use trent_core::{AccountId, KeyId, ListedKey, Region, Scope, StoreError};

/// A query whose parameters are being bound, on SQLite unless `DB` says otherwise: the rows
/// bind and read the same way on every backend (see `docs/adr/0009-postgresql-backend.md`).
pub(crate) type Query<'q, DB = Sqlite> = sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>;

/// A timestamp as stored: unix nanoseconds. Lossless for 1677-09-21 to 2262-04-11.
pub(crate) fn ts_to_db(t: OffsetDateTime) -> Result<i64, StoreError> {
    i64::try_from(t.unix_timestamp_nanos())
        .map_err(|_| StoreError::corrupt("a timestamp column", Fault::OutOfRange(t.unix_timestamp_nanos())))
}

/// The inverse of [`ts_to_db`].
pub(crate) fn ts_from_db(nanos: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .map_err(|e| StoreError::corrupt_because("a timestamp column", Fault::OutOfRange(i128::from(nanos)), e))
}

pub(crate) fn opt_ts_to_db(t: Option<OffsetDateTime>) -> Result<Option<i64>, StoreError> {
    t.map(ts_to_db).transpose()
}

pub(crate) fn opt_ts_from_db(n: Option<i64>) -> Result<Option<OffsetDateTime>, StoreError> {
    n.map(ts_from_db).transpose()
}

/// Reads a non-negative integer column into a narrower unsigned type.
pub(crate) fn unsigned<T: TryFrom<i64>>(column: &'static str, n: i64) -> Result<T, StoreError> {
    T::try_from(n).map_err(|_| StoreError::corrupt(column, Fault::OutOfRange(i128::from(n))))
}

pub(crate) fn boolean(column: &'static str, n: i64) -> Result<bool, StoreError> {
    match n {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(StoreError::corrupt(column, Fault::OutOfRange(i128::from(n)))),
    }
}

/// Parses an enum column with the domain type's `parse`.
pub(crate) fn enumeration<T>(column: &'static str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| StoreError::corrupt(column, Fault::Unknown(text.to_owned())))
}

/// Rebuilds the scope of a row from its `account_id` and `region` columns.
pub(crate) fn scope_from_db(account_id: &str, region: &str) -> Result<Scope, StoreError> {
    Ok(Scope::new(account_from_db(account_id)?, region_from_db(region)?))
}

pub(crate) fn account_from_db(s: &str) -> Result<AccountId, StoreError> {
    AccountId::parse(s).map_err(|e| StoreError::corrupt_because("account_id", Fault::Unknown(s.to_owned()), e))
}

fn region_from_db(s: &str) -> Result<Region, StoreError> {
    Region::parse(s).map_err(|e| StoreError::corrupt_because("region", Fault::Unknown(s.to_owned()), e))
}

pub(crate) fn key_id_from_db(s: &str) -> Result<KeyId, StoreError> {
    s.parse().map_err(|_| StoreError::corrupt("key_id", Fault::Unknown(s.to_owned())))
}

/// A key's listing position as both backends store it (a signed 64-bit integer); a position
/// past `i64::MAX` comes from no listing, and is clamped there (nothing lies beyond it).
pub(crate) fn position_to_db(position: u64) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}

/// A listed key from its row: the id and its listing position (NULL or negative is corrupt).
pub(crate) fn listed_key_from_db(id: &str, position: Option<i64>) -> Result<ListedKey, StoreError> {
    let position = position.ok_or(StoreError::corrupt("kms_keys.list_position", Fault::Missing("list_position")))?;
    let position = u64::try_from(position)
        .map_err(|_| StoreError::corrupt("kms_keys.list_position", Fault::OutOfRange(position.into())))?;
    Ok(ListedKey { key_id: key_id_from_db(id)?, position })
}

#[cfg(test)]
mod tests {
    use trent_core::kms::{KeyMaterialRecord, KeyState};

    use super::*;

    #[test]
    fn timestamps_round_trip_to_the_nanosecond() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(ts_from_db(ts_to_db(t).unwrap()).unwrap(), t);
        let before_epoch = OffsetDateTime::from_unix_timestamp_nanos(-1).unwrap();
        assert_eq!(ts_from_db(ts_to_db(before_epoch).unwrap()).unwrap(), before_epoch);
    }

    #[test]
    fn unrepresentable_timestamps_are_refused_not_truncated() {
        let far = OffsetDateTime::from_unix_timestamp(10_000_000_000).unwrap(); // year 2286
        assert!(matches!(ts_to_db(far), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn bad_material_rows_are_corrupt() {
        let row = MaterialRow {
            seq: 0,
            material_id: vec![7; 31],
            created_at: 0,
            rotation_type: None,
            wrapped: vec![1, 2, 3],
        };
        assert!(matches!(KeyMaterialRecord::try_from(row), Err(StoreError::Corrupt(_))));
        let row = MaterialRow {
            seq: 1,
            material_id: vec![7; 32],
            created_at: 0,
            rotation_type: Some("YEARLY".into()),
            wrapped: vec![],
        };
        assert!(matches!(KeyMaterialRecord::try_from(row), Err(StoreError::Corrupt(_))));
        let row =
            MaterialRow { seq: -1, material_id: vec![7; 32], created_at: 0, rotation_type: None, wrapped: vec![] };
        assert!(matches!(KeyMaterialRecord::try_from(row), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn booleans_are_zero_or_one() {
        assert!(!boolean("b", 0).unwrap());
        assert!(boolean("b", 1).unwrap());
        assert!(matches!(boolean("b", 2), Err(StoreError::Corrupt(_))));
    }

    /// The `keys_due` query and its partial indexes spell these states literally.
    #[test]
    fn state_spellings_match_the_literal_sql() {
        assert_eq!(KeyState::PendingDeletion.as_str(), "PendingDeletion");
        assert_eq!(KeyState::Enabled.as_str(), "Enabled");
    }
}
