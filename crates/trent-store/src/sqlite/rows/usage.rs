//! Rows of `kms_key_last_usage`: the last use of a key (`GetKeyLastUsage`).

use trent_core::StoreError;
use trent_core::kms::{KeyUse, UsageOperation};
use trent_core::store::Fault;

use super::{Query, key_id_from_db, scope_from_db, ts_from_db, ts_to_db};

/// A `kms_key_last_usage` row, fields in [`UsageRow::COLUMNS`] order.
pub(crate) struct UsageRow {
    account_id: String,
    region: String,
    key_id: String,
    operation: String,
    used_at: i64,
    event_id: String,
    request_id: String,
}

impl UsageRow {
    /// The columns, in the order [`UsageRow::bind`] binds them.
    pub(crate) const COLUMNS: &'static str = "account_id, region, key_id, operation, used_at, event_id, request_id";

    /// Binds the fields as the parameters 1 to 7, in [`UsageRow::COLUMNS`] order.
    pub(crate) fn bind<'q, DB>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        q.bind(self.account_id)
            .bind(self.region)
            .bind(self.key_id)
            .bind(self.operation)
            .bind(self.used_at)
            .bind(self.event_id)
            .bind(self.request_id)
    }
}

from_any_row!(UsageRow, |r| {
    Ok(UsageRow {
        account_id: r.try_get("account_id")?,
        region: r.try_get("region")?,
        key_id: r.try_get("key_id")?,
        operation: r.try_get("operation")?,
        used_at: r.try_get("used_at")?,
        event_id: r.try_get("event_id")?,
        request_id: r.try_get("request_id")?,
    })
});

impl TryFrom<&KeyUse> for UsageRow {
    type Error = StoreError;

    fn try_from(u: &KeyUse) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: u.scope.account.to_string(),
            region: u.scope.region.to_string(),
            key_id: u.key_id.to_string(),
            operation: u.operation.name().to_owned(),
            used_at: ts_to_db(u.at)?,
            event_id: u.event_id.clone(),
            request_id: u.request_id.clone(),
        })
    }
}

impl TryFrom<UsageRow> for KeyUse {
    type Error = StoreError;

    fn try_from(r: UsageRow) -> Result<Self, StoreError> {
        let operation = UsageOperation::parse(&r.operation)
            .ok_or_else(|| StoreError::corrupt("kms_key_last_usage.operation", Fault::Unknown(r.operation.clone())))?;
        Ok(KeyUse {
            scope: scope_from_db(&r.account_id, &r.region)?,
            key_id: key_id_from_db(&r.key_id)?,
            operation,
            at: ts_from_db(r.used_at)?,
            event_id: r.event_id,
            request_id: r.request_id,
        })
    }
}

/// The rows of `uses` in primary-key order (so two writers lock rows in the same order).
pub(crate) fn usage_rows(uses: &[KeyUse]) -> Result<Vec<UsageRow>, StoreError> {
    let mut rows = uses.iter().map(UsageRow::try_from).collect::<Result<Vec<_>, _>>()?;
    rows.sort_unstable_by(|a, b| (&a.account_id, &a.region, &a.key_id).cmp(&(&b.account_id, &b.region, &b.key_id)));
    Ok(rows)
}
