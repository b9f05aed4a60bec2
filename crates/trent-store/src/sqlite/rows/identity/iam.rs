//! Rows of the IAM tables (`iam_users`, `iam_groups`, `iam_roles`, `iam_inline_policies`) and
//! of `sts_sessions`, with their conversions.
//!
//! Tags are stored as a JSON array of `[key, value]` pairs: a storage encoding, independent of
//! the wire's `Tags.member.N.Key` shape.

use sqlx::{Database, Encode, Type};
use trent_core::StoreError;
use trent_core::identity::{Group, IamTag, InlinePolicy, PolicyOwner, Role, SessionRecord, User};
use trent_core::store::Fault;

use super::super::{Query, account_from_db, ts_from_db, ts_to_db, unsigned};

fn tags_to_db(tags: &[IamTag]) -> String {
    let pairs: Vec<[&str; 2]> = tags.iter().map(|t| [t.key.as_str(), t.value.as_str()]).collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned())
}

fn tags_from_db(text: &str) -> Result<Vec<IamTag>, StoreError> {
    let pairs: Vec<(String, String)> =
        serde_json::from_str(text).map_err(|e| StoreError::corrupt_because("iam tags", Fault::Undecodable, e))?;
    Ok(pairs.into_iter().map(|(key, value)| IamTag { key, value }).collect())
}

/// An `iam_users` row.
pub(crate) struct UserRow {
    account_id: String,
    name: String,
    path: String,
    user_id: String,
    created_at: i64,
    tags: String,
}

impl UserRow {
    /// The columns, in the order [`UserRow::bind`] binds them as `?1`..`?6`.
    pub(crate) const COLUMNS: &'static str = "account_id, name, path, user_id, created_at, tags";

    /// Binds every column.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.account_id).bind(self.name).bind(self.path).bind(self.user_id).bind(self.created_at).bind(self.tags)
    }
}

impl TryFrom<&User> for UserRow {
    type Error = StoreError;

    fn try_from(u: &User) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: u.account.as_str().to_owned(),
            name: u.name.clone(),
            path: u.path.clone(),
            user_id: u.user_id.clone(),
            created_at: ts_to_db(u.created_at)?,
            tags: tags_to_db(&u.tags),
        })
    }
}

from_any_row!(UserRow, |row| {
    Ok(Self {
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        tags: row.try_get("tags")?,
    })
});

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(Self {
            account: account_from_db(&r.account_id)?,
            name: r.name,
            path: r.path,
            user_id: r.user_id,
            created_at: ts_from_db(r.created_at)?,
            tags: tags_from_db(&r.tags)?,
        })
    }
}

/// An `iam_groups` row.
pub(crate) struct GroupRow {
    account_id: String,
    name: String,
    path: String,
    group_id: String,
    created_at: i64,
}

impl GroupRow {
    /// The columns, in the order [`GroupRow::bind`] binds them as `?1`..`?5`.
    pub(crate) const COLUMNS: &'static str = "account_id, name, path, group_id, created_at";

    /// Binds every column.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.account_id).bind(self.name).bind(self.path).bind(self.group_id).bind(self.created_at)
    }
}

impl TryFrom<&Group> for GroupRow {
    type Error = StoreError;

    fn try_from(g: &Group) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: g.account.as_str().to_owned(),
            name: g.name.clone(),
            path: g.path.clone(),
            group_id: g.group_id.clone(),
            created_at: ts_to_db(g.created_at)?,
        })
    }
}

from_any_row!(GroupRow, |row| {
    Ok(Self {
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        group_id: row.try_get("group_id")?,
        created_at: row.try_get("created_at")?,
    })
});

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;

    fn try_from(r: GroupRow) -> Result<Self, StoreError> {
        Ok(Self {
            account: account_from_db(&r.account_id)?,
            name: r.name,
            path: r.path,
            group_id: r.group_id,
            created_at: ts_from_db(r.created_at)?,
        })
    }
}

/// An `iam_roles` row.
pub(crate) struct RoleRow {
    account_id: String,
    name: String,
    path: String,
    role_id: String,
    trust_policy: String,
    description: Option<String>,
    max_session_duration: i64,
    created_at: i64,
    tags: String,
}

impl RoleRow {
    /// The columns, in the order [`RoleRow::bind`] binds them as `?1`..`?9`.
    pub(crate) const COLUMNS: &'static str =
        "account_id, name, path, role_id, trust_policy, description, max_session_duration, created_at, tags";

    /// Binds every column.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.account_id)
            .bind(self.name)
            .bind(self.path)
            .bind(self.role_id)
            .bind(self.trust_policy)
            .bind(self.description)
            .bind(self.max_session_duration)
            .bind(self.created_at)
            .bind(self.tags)
    }

    /// Binds the columns an update may change, in this order: `trust_policy`, `description`,
    /// `max_session_duration`, `tags`.
    pub(crate) fn bind_changes<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.trust_policy).bind(self.description).bind(self.max_session_duration).bind(self.tags)
    }
}

impl TryFrom<&Role> for RoleRow {
    type Error = StoreError;

    fn try_from(r: &Role) -> Result<Self, StoreError> {
        Ok(Self {
            account_id: r.account.as_str().to_owned(),
            name: r.name.clone(),
            path: r.path.clone(),
            role_id: r.role_id.clone(),
            trust_policy: r.trust_policy.clone(),
            description: r.description.clone(),
            max_session_duration: i64::from(r.max_session_duration),
            created_at: ts_to_db(r.created_at)?,
            tags: tags_to_db(&r.tags),
        })
    }
}

from_any_row!(RoleRow, |row| {
    Ok(Self {
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        role_id: row.try_get("role_id")?,
        trust_policy: row.try_get("trust_policy")?,
        description: row.try_get("description")?,
        max_session_duration: row.try_get("max_session_duration")?,
        created_at: row.try_get("created_at")?,
        tags: row.try_get("tags")?,
    })
});

impl TryFrom<RoleRow> for Role {
    type Error = StoreError;

    fn try_from(r: RoleRow) -> Result<Self, StoreError> {
        Ok(Self {
            account: account_from_db(&r.account_id)?,
            name: r.name,
            path: r.path,
            role_id: r.role_id,
            trust_policy: r.trust_policy,
            description: r.description,
            max_session_duration: unsigned("max_session_duration", r.max_session_duration)?,
            created_at: ts_from_db(r.created_at)?,
            tags: tags_from_db(&r.tags)?,
        })
    }
}

/// An `iam_inline_policies` row (without its account, which every query binds itself).
pub(crate) struct PolicyRow {
    owner_kind: String,
    owner_name: String,
    policy_name: String,
    document: String,
}

impl PolicyRow {
    /// The columns after `account_id`, in the order [`PolicyRow::bind`] binds them as `?2`..`?5`.
    pub(crate) const COLUMNS: &'static str = "owner_kind, owner_name, policy_name, document";

    /// Binds every column but `account_id`.
    pub(crate) fn bind<'q, DB: Database>(self, q: Query<'q, DB>) -> Query<'q, DB>
    where
        String: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Vec<u8>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
    {
        q.bind(self.owner_kind).bind(self.owner_name).bind(self.policy_name).bind(self.document)
    }
}

impl From<&InlinePolicy> for PolicyRow {
    fn from(p: &InlinePolicy) -> Self {
        Self {
            owner_kind: p.owner.kind().to_owned(),
            owner_name: p.owner.name().to_owned(),
            policy_name: p.name.clone(),
            document: p.document.clone(),
        }
    }
}

from_any_row!(PolicyRow, |row| {
    Ok(Self {
        owner_kind: row.try_get("owner_kind")?,
        owner_name: row.try_get("owner_name")?,
        policy_name: row.try_get("policy_name")?,
        document: row.try_get("document")?,
    })
});

impl TryFrom<PolicyRow> for InlinePolicy {
    type Error = StoreError;

    fn try_from(r: PolicyRow) -> Result<Self, StoreError> {
        let owner = PolicyOwner::from_parts(&r.owner_kind, r.owner_name).ok_or_else(|| {
            StoreError::corrupt("iam_inline_policies.owner_kind", Fault::Unknown(r.owner_kind.clone()))
        })?;
        Ok(Self { owner, name: r.policy_name, document: r.document })
    }
}

/// An `sts_sessions` row.
pub(crate) struct SessionRow {
    access_key_id: String,
    account_id: String,
    role_name: String,
    role_path: String,
    role_id: String,
    session_name: String,
    secret_wrapped: Vec<u8>,
    token_hash: Vec<u8>,
    session_policy: Option<String>,
    tags: String,
    source_arn: String,
    created_at: i64,
    expires_at: i64,
}

impl SessionRow {
    /// The columns, in the order [`SessionRow::bind`] binds them as `?1`..`?13`.
    pub(crate) const COLUMNS: &'static str = "access_key_id, account_id, role_name, role_path, role_id, \
         session_name, secret_wrapped, token_hash, session_policy, tags, source_arn, created_at, expires_at";

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
            .bind(self.role_name)
            .bind(self.role_path)
            .bind(self.role_id)
            .bind(self.session_name)
            .bind(self.secret_wrapped)
            .bind(self.token_hash)
            .bind(self.session_policy)
            .bind(self.tags)
            .bind(self.source_arn)
            .bind(self.created_at)
            .bind(self.expires_at)
    }
}

impl TryFrom<&SessionRecord> for SessionRow {
    type Error = StoreError;

    fn try_from(s: &SessionRecord) -> Result<Self, StoreError> {
        Ok(Self {
            access_key_id: s.access_key_id.clone(),
            account_id: s.account.as_str().to_owned(),
            role_name: s.role_name.clone(),
            role_path: s.role_path.clone(),
            role_id: s.role_id.clone(),
            session_name: s.session_name.clone(),
            secret_wrapped: s.secret_wrapped.clone(),
            token_hash: s.token_hash.to_vec(),
            session_policy: s.session_policy.clone(),
            tags: tags_to_db(&s.tags),
            source_arn: s.source_arn.clone(),
            created_at: ts_to_db(s.created_at)?,
            expires_at: ts_to_db(s.expires_at)?,
        })
    }
}

from_any_row!(SessionRow, |row| {
    Ok(Self {
        access_key_id: row.try_get("access_key_id")?,
        account_id: row.try_get("account_id")?,
        role_name: row.try_get("role_name")?,
        role_path: row.try_get("role_path")?,
        role_id: row.try_get("role_id")?,
        session_name: row.try_get("session_name")?,
        secret_wrapped: row.try_get("secret_wrapped")?,
        token_hash: row.try_get("token_hash")?,
        session_policy: row.try_get("session_policy")?,
        tags: row.try_get("tags")?,
        source_arn: row.try_get("source_arn")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
});

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        let token_hash: [u8; 32] = r.token_hash.as_slice().try_into().map_err(|_| {
            StoreError::corrupt("sts_sessions.token_hash", Fault::Length { found: r.token_hash.len(), expected: 32 })
        })?;
        Ok(Self {
            access_key_id: r.access_key_id,
            account: account_from_db(&r.account_id)?,
            role_name: r.role_name,
            role_path: r.role_path,
            role_id: r.role_id,
            session_name: r.session_name,
            secret_wrapped: r.secret_wrapped,
            token_hash,
            session_policy: r.session_policy,
            tags: tags_from_db(&r.tags)?,
            source_arn: r.source_arn,
            created_at: ts_from_db(r.created_at)?,
            expires_at: ts_from_db(r.expires_at)?,
        })
    }
}
