//! Rows of the identity tables: accounts and access keys here, the IAM entities and STS
//! sessions in [`iam`].

mod iam;

pub(crate) use iam::{GroupRow, PolicyRow, RoleRow, SessionRow, UserRow};

use sqlx::{Database, Encode, Type};
use trent_core::store::Fault;
use trent_core::{AccessKeyRecord, AccessKeyStatus, Account, Principal, PrincipalKind, StoreError};

use super::{Query, account_from_db, enumeration, ts_from_db, ts_to_db};

/// `principal_kind` of the account's root user.
const KIND_ROOT: &str = "Root";
/// `principal_kind` of an IAM user; `principal_name` holds the user name.
pub(crate) const KIND_USER: &str = "User";

/// An `accounts` row.
pub(crate) struct AccountRow {
    id: String,
    name: String,
    created_at: i64,
}

impl AccountRow {
    /// The columns, in the order [`AccountRow::bind`] binds them as `?1`..`?3`.
    pub(crate) const COLUMNS: &'static str = "id, name, created_at";

    /// Binds every column.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.id).bind(self.name).bind(self.created_at)
    }
}

impl TryFrom<&Account> for AccountRow {
    type Error = StoreError;

    fn try_from(a: &Account) -> Result<Self, StoreError> {
        Ok(Self { id: a.id.as_str().to_owned(), name: a.name.clone(), created_at: ts_to_db(a.created_at)? })
    }
}

from_any_row!(AccountRow, |row| {
    Ok(Self { id: row.try_get("id")?, name: row.try_get("name")?, created_at: row.try_get("created_at")? })
});

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        Ok(Self { id: account_from_db(&r.id)?, name: r.name, created_at: ts_from_db(r.created_at)? })
    }
}

/// An `access_keys` row: the principal is flattened into kind, name and unique id. A user's
/// path is not stored with its keys but read from `iam_users` ([`AccessKeyRow::SELECT`]), so
/// that it is never stale.
pub(crate) struct AccessKeyRow {
    access_key_id: String,
    account_id: String,
    principal_kind: String,
    principal_name: Option<String>,
    principal_unique_id: String,
    secret_wrapped: Vec<u8>,
    status: String,
    created_at: i64,
    /// Read only: the user's path, `/` for the root.
    principal_path: String,
}

impl AccessKeyRow {
    /// The columns, in the order [`AccessKeyRow::bind`] binds them as `?1`..`?8`.
    pub(crate) const COLUMNS: &'static str = "access_key_id, account_id, principal_kind, principal_name, \
         principal_unique_id, secret_wrapped, status, created_at";

    /// `SELECT ... FROM` the keys (as `k`) joined with their user (as `u`) for its path; the
    /// caller appends `WHERE` on `k.` columns.
    pub(crate) const SELECT: &'static str = "SELECT k.access_key_id, k.account_id, k.principal_kind, \
         k.principal_name, k.principal_unique_id, k.secret_wrapped, k.status, k.created_at, \
         COALESCE(u.path, '/') AS principal_path \
         FROM access_keys k LEFT JOIN iam_users u \
         ON k.principal_kind = 'User' AND u.account_id = k.account_id AND u.name = k.principal_name";

    /// Binds every column.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.access_key_id)
            .bind(self.account_id)
            .bind(self.principal_kind)
            .bind(self.principal_name)
            .bind(self.principal_unique_id)
            .bind(self.secret_wrapped)
            .bind(self.status)
            .bind(self.created_at)
    }
}

impl TryFrom<&AccessKeyRecord> for AccessKeyRow {
    type Error = StoreError;

    fn try_from(k: &AccessKeyRecord) -> Result<Self, StoreError> {
        let (kind, name) = match &k.principal.kind {
            PrincipalKind::Root => (KIND_ROOT, None),
            PrincipalKind::User { name, .. } => (KIND_USER, Some(name.clone())),
            PrincipalKind::AssumedRole { .. } => {
                // Session credentials are temporary and live with their session, never here.
                return Err(StoreError::corrupt(
                    "access_keys.principal_kind",
                    Fault::Inconsistent("an access key cannot belong to an assumed-role session"),
                ));
            }
        };
        Ok(Self {
            access_key_id: k.access_key_id.clone(),
            account_id: k.principal.account.as_str().to_owned(),
            principal_kind: kind.to_owned(),
            principal_name: name,
            principal_unique_id: k.principal.unique_id.clone(),
            secret_wrapped: k.secret_wrapped.clone(),
            status: k.status.as_str().to_owned(),
            created_at: ts_to_db(k.created_at)?,
            principal_path: String::new(),
        })
    }
}

from_any_row!(AccessKeyRow, |row| {
    Ok(Self {
        access_key_id: row.try_get("access_key_id")?,
        account_id: row.try_get("account_id")?,
        principal_kind: row.try_get("principal_kind")?,
        principal_name: row.try_get("principal_name")?,
        principal_unique_id: row.try_get("principal_unique_id")?,
        secret_wrapped: row.try_get("secret_wrapped")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        principal_path: row.try_get("principal_path")?,
    })
});

impl TryFrom<AccessKeyRow> for AccessKeyRecord {
    type Error = StoreError;

    fn try_from(r: AccessKeyRow) -> Result<Self, StoreError> {
        let kind = match (r.principal_kind.as_str(), r.principal_name) {
            (KIND_ROOT, None) => PrincipalKind::Root,
            (KIND_USER, Some(name)) => PrincipalKind::User { name, path: r.principal_path },
            (kind, name) => {
                let fault =
                    if name.is_some() { Fault::Unknown(kind.to_owned()) } else { Fault::Missing("principal_name") };
                return Err(StoreError::corrupt("access_keys.principal_kind", fault));
            }
        };
        Ok(Self {
            access_key_id: r.access_key_id,
            principal: Principal { account: account_from_db(&r.account_id)?, kind, unique_id: r.principal_unique_id },
            secret_wrapped: r.secret_wrapped,
            status: enumeration("status", &r.status, AccessKeyStatus::parse)?,
            created_at: ts_from_db(r.created_at)?,
        })
    }
}
