//! Stamps of cached keys, credentials, secrets and parameters, for a node's periodic check of
//! its caches against the database other nodes write to (see `trent_server::cluster`): the
//! check drops only the entries whose stamp moved, instead of whole caches.
//!
//! A key's stamp is an MD5 over the transaction ids (`xmin`) of every row a cached key is
//! built from: its `kms_keys` row, its backing keys, grants, tags and the aliases pointing at
//! it. PostgreSQL gives a row a new `xmin` whenever a transaction writes it, so any insert,
//! update or delete of one of them moves the stamp, whatever column it touched and whichever
//! node (or operator) wrote it; a spurious move (a row rewritten to the same value) only costs
//! one reload. The key's last use (`kms_key_last_usage`) is not part of it: it changes on
//! every request and no cached decision depends on it.
//!
//! The other stamps are made the same way: credentials from their access key or STS session
//! row, the user's row, group memberships and inline policies (the user's and its groups'),
//! or the session's role and the role's inline policies; a secret from its row and its
//! versions; a parameter from its row, versions and labels. Every part is named
//! (`coalesce(.., '-')`), so a row that goes cannot be mistaken for another that moves.

use std::collections::HashMap;
use std::hash::Hash;

use sqlx::Postgres;
use sqlx::Row;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use trent_core::store::Fault;
use trent_core::{KeyId, Scope, StoreError};

use super::{PgStore, map_err};

/// Keys stamped per query.
const CHUNK: usize = 1000;

/// One stamp per key of `unnest($1, $2, $3)` that exists, with its position there (from 1). Sorted aggregates, so that the same
/// rows give the same text whatever order the planner reads them in.
const STAMPS: &str = "\
SELECT w.n, md5(concat_ws('|', k.xmin::text, \
    (SELECT string_agg(m.xmin::text, ',' ORDER BY m.seq) FROM kms_key_materials m \
        WHERE m.account_id = w.account_id AND m.region = w.region AND m.key_id = w.key_id), \
    (SELECT string_agg(g.xmin::text || ':' || g.grant_id, ',' ORDER BY g.grant_id) FROM kms_grants g \
        WHERE g.account_id = w.account_id AND g.region = w.region AND g.key_id = w.key_id), \
    (SELECT string_agg(t.xmin::text || ':' || t.tag_key, ',' ORDER BY t.tag_key) FROM kms_key_tags t \
        WHERE t.account_id = w.account_id AND t.region = w.region AND t.key_id = w.key_id), \
    (SELECT string_agg(a.xmin::text || ':' || a.name, ',' ORDER BY a.name) FROM kms_aliases a \
        WHERE a.account_id = w.account_id AND a.region = w.region AND a.target_key_id = w.key_id))) AS stamp \
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(account_id, region, key_id, n) \
JOIN kms_keys k ON k.account_id = w.account_id AND k.region = w.region AND k.key_id = w.key_id";

/// One stamp per access key id of `unnest($1)` that names an access key or an STS session.
const CREDENTIAL_STAMPS: &str = "\
SELECT w.n, md5(concat_ws('|', coalesce(ak.xmin::text, '-'), coalesce(s.xmin::text, '-'), \
    coalesce(u.xmin::text, '-'), coalesce(r.xmin::text, '-'), \
    coalesce((SELECT string_agg(p.xmin::text || ':' || p.policy_name, ',' ORDER BY p.policy_name) \
        FROM iam_inline_policies p \
        WHERE p.account_id = u.account_id AND p.owner_kind = 'User' AND p.owner_name = u.name), '-'), \
    coalesce((SELECT string_agg(m.xmin::text || ':' || m.group_name || '=' || coalesce( \
            (SELECT string_agg(gp.xmin::text || ':' || gp.policy_name, ';' ORDER BY gp.policy_name) \
                FROM iam_inline_policies gp WHERE gp.account_id = m.account_id AND gp.owner_kind = 'Group' \
                AND gp.owner_name = m.group_name), '-'), ',' ORDER BY m.group_name) \
        FROM iam_group_members m WHERE m.account_id = u.account_id AND lower(m.user_name) = lower(u.name)), '-'), \
    coalesce((SELECT string_agg(rp.xmin::text || ':' || rp.policy_name, ',' ORDER BY rp.policy_name) \
        FROM iam_inline_policies rp \
        WHERE rp.account_id = r.account_id AND rp.owner_kind = 'Role' AND rp.owner_name = r.name), '-'))) AS stamp \
FROM unnest($1::text[]) WITH ORDINALITY AS w(id, n) \
LEFT JOIN access_keys ak ON ak.access_key_id = w.id \
LEFT JOIN sts_sessions s ON s.access_key_id = w.id \
LEFT JOIN iam_users u ON ak.principal_kind = 'User' AND u.account_id = ak.account_id \
    AND lower(u.name) = lower(ak.principal_name) \
LEFT JOIN iam_roles r ON r.account_id = s.account_id AND lower(r.name) = lower(s.role_name) \
WHERE ak.access_key_id IS NOT NULL OR s.access_key_id IS NOT NULL";

/// One stamp per secret of `unnest($1, $2, $3)` that exists.
const SECRET_STAMPS: &str = "\
SELECT w.n, md5(concat_ws('|', s.xmin::text, \
    coalesce((SELECT string_agg(v.xmin::text || ':' || v.version_id, ',' ORDER BY v.version_id) \
        FROM secret_versions v WHERE v.account_id = s.account_id AND v.region = s.region AND v.name = s.name), '-') \
    )) AS stamp \
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(account_id, region, name, n) \
JOIN secrets s ON s.account_id = w.account_id AND s.region = w.region AND s.name = w.name";

/// One stamp per parameter of `unnest($1, $2, $3)` that exists.
const PARAMETER_STAMPS: &str = "\
SELECT w.n, md5(concat_ws('|', p.xmin::text, \
    coalesce((SELECT string_agg(v.xmin::text || ':' || v.version::text, ',' ORDER BY v.version) \
        FROM ssm_parameter_versions v WHERE v.account_id = p.account_id AND v.region = p.region AND v.name = p.name), '-'), \
    coalesce((SELECT string_agg(l.xmin::text || ':' || l.label, ',' ORDER BY l.label) \
        FROM ssm_parameter_labels l WHERE l.account_id = p.account_id AND l.region = p.region AND l.name = p.name), '-') \
    )) AS stamp \
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(account_id, region, name, n) \
JOIN ssm_parameters p ON p.account_id = w.account_id AND p.region = w.region AND p.name = w.name";

/// A stamp query for one chunk of entries, its arrays bound.
type Bind<'q, K> = fn(Query<'q, Postgres, PgArguments>, &[K]) -> Query<'q, Postgres, PgArguments>;

/// Binds the account, region and name arrays of scoped names.
fn bind_named<'q>(
    query: Query<'q, Postgres, PgArguments>,
    chunk: &[(Scope, String)],
) -> Query<'q, Postgres, PgArguments> {
    let accounts: Vec<String> = chunk.iter().map(|(s, _)| s.account.as_str().to_owned()).collect();
    let regions: Vec<String> = chunk.iter().map(|(s, _)| s.region.as_str().to_owned()).collect();
    let names: Vec<String> = chunk.iter().map(|(_, n)| n.clone()).collect();
    query.bind(accounts).bind(regions).bind(names)
}

impl PgStore {
    /// Runs a stamp query over `entries`, [`CHUNK`] at a time: the stamp of each entry that
    /// exists, found by its position (column `n`, from 1) in the chunk.
    async fn stamps<K: Clone + Eq + Hash>(
        &self,
        sql: &'static str,
        entries: &[K],
        bind: Bind<'static, K>,
    ) -> Result<HashMap<K, String>, StoreError> {
        let mut stamps = HashMap::with_capacity(entries.len());
        if entries.is_empty() {
            return Ok(stamps);
        }
        // One connection for every chunk: the call's time limit is for all of them together.
        let mut conn = self.conn().await?;
        for chunk in entries.chunks(CHUNK) {
            let rows = bind(sqlx::query(sql), chunk).fetch_all(&mut conn).await.map_err(map_err)?;
            for row in rows {
                let n: i64 = row.try_get("n").map_err(map_err)?;
                let stamp: String = row.try_get("stamp").map_err(map_err)?;
                let entry = usize::try_from(n - 1).ok().and_then(|i| chunk.get(i));
                let entry =
                    entry.ok_or_else(|| StoreError::corrupt("stamp row number", Fault::OutOfRange(i128::from(n))))?;
                stamps.insert(entry.clone(), stamp);
            }
        }
        Ok(stamps)
    }

    /// The current stamp of each key of `keys` that exists (a deleted key has none).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn key_stamps(&self, keys: &[(Scope, KeyId)]) -> Result<HashMap<(Scope, KeyId), String>, StoreError> {
        self.stamps(STAMPS, keys, |query, chunk| {
            let accounts: Vec<String> = chunk.iter().map(|(s, _)| s.account.as_str().to_owned()).collect();
            let regions: Vec<String> = chunk.iter().map(|(s, _)| s.region.as_str().to_owned()).collect();
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            query.bind(accounts).bind(regions).bind(ids)
        })
        .await
    }

    /// The current stamp of the credentials of each access key id of `ids` that names an
    /// access key or an STS session (credentials deleted have none).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn credential_stamps(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        self.stamps(CREDENTIAL_STAMPS, ids, |query, chunk| query.bind(chunk.to_vec())).await
    }

    /// The current stamp of each secret of `secrets` that exists.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn secret_stamps(
        &self,
        secrets: &[(Scope, String)],
    ) -> Result<HashMap<(Scope, String), String>, StoreError> {
        self.stamps(SECRET_STAMPS, secrets, bind_named).await
    }

    /// The current stamp of each parameter of `parameters` that exists.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn parameter_stamps(
        &self,
        parameters: &[(Scope, String)],
    ) -> Result<HashMap<(Scope, String), String>, StoreError> {
        self.stamps(PARAMETER_STAMPS, parameters, bind_named).await
    }
}
