//! The statements of [`trent_core::store::RewrapStore`], shared by both backends: written with
//! SQLite's `?N` parameters, turned into PostgreSQL's `$N` by [`postgres`].
//!
//! Each wrapped column is read in its table's primary-key order after a row-value cursor, and
//! replaced only where the row still holds the bytes that were read.

use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};
use trent_core::store::{WrappedColumn, WrappedRow, WrappedValue};

/// The `SELECT` of a batch of `column`: `?1..` the cursor's parts (when `after`), then the
/// limit. Each row's columns: the primary key's parts (and, for key materials, the material
/// id), then the wrapped value.
pub(crate) fn select(column: WrappedColumn, after: bool) -> &'static str {
    match (column, after) {
        (WrappedColumn::KeyMaterials, false) => {
            "SELECT account_id, region, key_id, seq, material_id, wrapped FROM kms_key_materials \
             ORDER BY account_id, region, key_id, seq LIMIT ?1"
        }
        (WrappedColumn::KeyMaterials, true) => {
            "SELECT account_id, region, key_id, seq, material_id, wrapped FROM kms_key_materials \
             WHERE (account_id, region, key_id, seq) > (?1, ?2, ?3, ?4) \
             ORDER BY account_id, region, key_id, seq LIMIT ?5"
        }
        (WrappedColumn::AccessKeys, false) => {
            "SELECT access_key_id, secret_wrapped FROM access_keys ORDER BY access_key_id LIMIT ?1"
        }
        (WrappedColumn::AccessKeys, true) => {
            "SELECT access_key_id, secret_wrapped FROM access_keys WHERE access_key_id > ?1 \
             ORDER BY access_key_id LIMIT ?2"
        }
        (WrappedColumn::Sessions, false) => {
            "SELECT access_key_id, secret_wrapped FROM sts_sessions ORDER BY access_key_id LIMIT ?1"
        }
        (WrappedColumn::Sessions, true) => {
            "SELECT access_key_id, secret_wrapped FROM sts_sessions WHERE access_key_id > ?1 \
             ORDER BY access_key_id LIMIT ?2"
        }
        (WrappedColumn::CustomKeyStorePasswords, false) => {
            "SELECT account_id, region, id, wrapped_password FROM kms_custom_key_stores \
             ORDER BY account_id, region, id LIMIT ?1"
        }
        (WrappedColumn::CustomKeyStorePasswords, true) => {
            "SELECT account_id, region, id, wrapped_password FROM kms_custom_key_stores \
             WHERE (account_id, region, id) > (?1, ?2, ?3) ORDER BY account_id, region, id LIMIT ?4"
        }
    }
}

/// The conditional `UPDATE` of one row: `?1` the new value, `?2` the old one, then the
/// primary key's parts.
pub(crate) fn update(row: &WrappedRow) -> &'static str {
    match row {
        WrappedRow::KeyMaterial { .. } => {
            "UPDATE kms_key_materials SET wrapped = ?1 WHERE wrapped = ?2 \
             AND account_id = ?3 AND region = ?4 AND key_id = ?5 AND seq = ?6"
        }
        WrappedRow::AccessKey { .. } => {
            "UPDATE access_keys SET secret_wrapped = ?1 WHERE secret_wrapped = ?2 AND access_key_id = ?3"
        }
        WrappedRow::Session { .. } => {
            "UPDATE sts_sessions SET secret_wrapped = ?1 WHERE secret_wrapped = ?2 AND access_key_id = ?3"
        }
        WrappedRow::CustomKeyStore { .. } => {
            "UPDATE kms_custom_key_stores SET wrapped_password = ?1 WHERE wrapped_password = ?2 \
             AND account_id = ?3 AND region = ?4 AND id = ?5"
        }
    }
}

/// The key's parts of `row` as text and integers, in the statements' order.
enum Part<'a> {
    Text(&'a str),
    Int(i64),
}

/// The primary key's parts of `row`, in the order the statements bind them.
fn key_parts(row: &WrappedRow) -> Vec<Part<'_>> {
    match row {
        WrappedRow::KeyMaterial { account, region, key_id, seq, .. } => {
            vec![Part::Text(account), Part::Text(region), Part::Text(key_id), Part::Int(*seq)]
        }
        WrappedRow::AccessKey { access_key_id } | WrappedRow::Session { access_key_id } => {
            vec![Part::Text(access_key_id)]
        }
        WrappedRow::CustomKeyStore { account, region, id } => {
            vec![Part::Text(account), Part::Text(region), Part::Text(id)]
        }
    }
}

/// `query` with the primary key's parts of `row` bound next, in the statements' order: after
/// nothing for [`select`]'s cursor, after the new and old values for [`update`]. On either
/// backend.
pub(crate) fn bind_key<'q, DB: Database>(
    mut query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    row: &'q WrappedRow,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    for part in key_parts(row) {
        query = match part {
            Part::Text(t) => query.bind(t),
            Part::Int(i) => query.bind(i),
        };
    }
    query
}

/// Whether `row` belongs to `column` (a cursor of another column is a caller's bug).
pub(crate) fn belongs(column: WrappedColumn, row: &WrappedRow) -> bool {
    matches!(
        (column, row),
        (WrappedColumn::KeyMaterials, WrappedRow::KeyMaterial { .. })
            | (WrappedColumn::AccessKeys, WrappedRow::AccessKey { .. })
            | (WrappedColumn::Sessions, WrappedRow::Session { .. })
            | (WrappedColumn::CustomKeyStorePasswords, WrappedRow::CustomKeyStore { .. })
    )
}

/// `sql` with `?N` parameters written `$N`, for PostgreSQL.
pub(crate) fn postgres(sql: &str) -> String {
    sql.replace('?', "$")
}

/// Reads one row of [`select`]'s result for `column`, on either backend.
pub(crate) fn row_of<R: Row>(column: WrappedColumn, row: &R) -> Result<WrappedValue, sqlx::Error>
where
    usize: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(match column {
        WrappedColumn::KeyMaterials => WrappedValue {
            row: WrappedRow::KeyMaterial {
                account: row.try_get(0)?,
                region: row.try_get(1)?,
                key_id: row.try_get(2)?,
                seq: row.try_get(3)?,
                material_id: row.try_get(4)?,
            },
            wrapped: row.try_get(5)?,
        },
        WrappedColumn::AccessKeys => {
            WrappedValue { row: WrappedRow::AccessKey { access_key_id: row.try_get(0)? }, wrapped: row.try_get(1)? }
        }
        WrappedColumn::Sessions => {
            WrappedValue { row: WrappedRow::Session { access_key_id: row.try_get(0)? }, wrapped: row.try_get(1)? }
        }
        WrappedColumn::CustomKeyStorePasswords => WrappedValue {
            row: WrappedRow::CustomKeyStore { account: row.try_get(0)?, region: row.try_get(1)?, id: row.try_get(2)? },
            wrapped: row.try_get(3)?,
        },
    })
}
