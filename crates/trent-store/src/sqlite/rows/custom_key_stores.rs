//! Rows of `kms_custom_key_stores`: custom key stores of type `AWS_CLOUDHSM`.

use trent_core::StoreError;
use trent_core::kms::CustomKeyStoreRecord;
use trent_core::store::Fault;

use super::{Query, scope_from_db, ts_from_db, ts_to_db};

/// A `kms_custom_key_stores` row, fields in [`CustomKeyStoreRow::COLUMNS`] order.
pub(crate) struct CustomKeyStoreRow {
    account_id: String,
    region: String,
    id: String,
    name: String,
    cluster_id: String,
    trust_anchor: String,
    wrapped_password: Vec<u8>,
    connect: i64,
    created_at: i64,
    revision: i64,
}

impl CustomKeyStoreRow {
    /// The columns, in the order [`CustomKeyStoreRow::bind`] binds them.
    pub(crate) const COLUMNS: &'static str =
        "account_id, region, id, name, cluster_id, trust_anchor, wrapped_password, connect, created_at, revision";

    /// Binds the fields as the parameters 1 to 10, in [`CustomKeyStoreRow::COLUMNS`] order.
    pub(crate) fn bind<'q, DB>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        q.bind(self.account_id)
            .bind(self.region)
            .bind(self.id)
            .bind(self.name)
            .bind(self.cluster_id)
            .bind(self.trust_anchor)
            .bind(self.wrapped_password)
            .bind(self.connect)
            .bind(self.created_at)
            .bind(self.revision)
    }
}

from_any_row!(CustomKeyStoreRow, |r| {
    Ok(CustomKeyStoreRow {
        account_id: r.try_get("account_id")?,
        region: r.try_get("region")?,
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        cluster_id: r.try_get("cluster_id")?,
        trust_anchor: r.try_get("trust_anchor")?,
        wrapped_password: r.try_get("wrapped_password")?,
        connect: r.try_get("connect")?,
        created_at: r.try_get("created_at")?,
        revision: r.try_get("revision")?,
    })
});

impl TryFrom<&CustomKeyStoreRecord> for CustomKeyStoreRow {
    type Error = StoreError;

    fn try_from(s: &CustomKeyStoreRecord) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: s.scope.account.to_string(),
            region: s.scope.region.to_string(),
            id: s.id.clone(),
            name: s.name.clone(),
            cluster_id: s.cluster_id.clone(),
            trust_anchor: s.trust_anchor.clone(),
            wrapped_password: s.wrapped_password.clone(),
            connect: i64::from(s.connect),
            created_at: ts_to_db(s.created_at)?,
            revision: i64::try_from(s.revision).map_err(|_| {
                StoreError::corrupt("kms_custom_key_stores.revision", Fault::OutOfRange(i128::from(s.revision)))
            })?,
        })
    }
}

impl TryFrom<CustomKeyStoreRow> for CustomKeyStoreRecord {
    type Error = StoreError;

    fn try_from(r: CustomKeyStoreRow) -> Result<Self, StoreError> {
        let connect = match r.connect {
            0 => false,
            1 => true,
            n => return Err(StoreError::corrupt("kms_custom_key_stores.connect", Fault::OutOfRange(i128::from(n)))),
        };
        Ok(CustomKeyStoreRecord {
            scope: scope_from_db(&r.account_id, &r.region)?,
            id: r.id,
            name: r.name,
            cluster_id: r.cluster_id,
            trust_anchor: r.trust_anchor,
            wrapped_password: r.wrapped_password,
            connect,
            created_at: ts_from_db(r.created_at)?,
            revision: u64::try_from(r.revision).map_err(|_| {
                StoreError::corrupt("kms_custom_key_stores.revision", Fault::OutOfRange(i128::from(r.revision)))
            })?,
        })
    }
}
