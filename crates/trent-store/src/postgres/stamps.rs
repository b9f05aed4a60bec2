//! Stamps of cached keys, for a node's periodic check of its key cache against the database
//! other nodes write to (see `trent_server::cluster`): the check drops only the keys whose
//! stamp moved, instead of the whole cache.
//!
//! A key's stamp is an MD5 over the transaction ids (`xmin`) of every row a cached key is
//! built from: its `kms_keys` row, its backing keys, grants, tags and the aliases pointing at
//! it. PostgreSQL gives a row a new `xmin` whenever a transaction writes it, so any insert,
//! update or delete of one of them moves the stamp, whatever column it touched and whichever
//! node (or operator) wrote it; a spurious move (a row rewritten to the same value) only costs
//! one reload. The key's last use (`kms_key_last_usage`) is not part of it: it changes on
//! every request and no cached decision depends on it.

use std::collections::HashMap;

use sqlx::Row;
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

impl PgStore {
    /// The current stamp of each key of `keys` that exists (a deleted key has none).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn key_stamps(&self, keys: &[(Scope, KeyId)]) -> Result<HashMap<(Scope, KeyId), String>, StoreError> {
        let mut stamps = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(CHUNK) {
            let accounts: Vec<&str> = chunk.iter().map(|(s, _)| s.account.as_str()).collect();
            let regions: Vec<&str> = chunk.iter().map(|(s, _)| s.region.as_str()).collect();
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            let rows = sqlx::query(STAMPS)
                .bind(&accounts)
                .bind(&regions)
                .bind(&ids)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
            for row in rows {
                let n: i64 = row.try_get("n").map_err(map_err)?;
                let stamp: String = row.try_get("stamp").map_err(map_err)?;
                let key = usize::try_from(n - 1).ok().and_then(|i| chunk.get(i));
                let key = key.ok_or_else(|| StoreError::corrupt("kms_keys.stamp", Fault::OutOfRange(i128::from(n))))?;
                stamps.insert(key.clone(), stamp);
            }
        }
        Ok(stamps)
    }
}
