//! STS sessions: temporary credentials, read by access key id on authentication, purged some
//! time after they expire.

use time::OffsetDateTime;
use trent_core::StoreError;
use trent_core::identity::SessionRecord;

use super::super::rows::{SessionRow, ts_to_db};
use super::super::{SqliteStore, map_err};

impl SqliteStore {
    /// See [`trent_core::IdentityStore::insert_session`].
    pub(super) async fn insert_session_row(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO sts_sessions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            SessionRow::COLUMNS
        );
        SessionRow::try_from(session)?.bind(sqlx::query(&sql)).execute(&self.writer).await.map_err(map_err)?;
        Ok(())
    }

    /// See [`trent_core::IdentityStore::get_session`].
    pub(super) async fn session_row(&self, access_key_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {} FROM sts_sessions WHERE access_key_id = ?1", SessionRow::COLUMNS);
        let row: Option<SessionRow> =
            sqlx::query_as(&sql).bind(access_key_id).fetch_optional(&self.reader).await.map_err(map_err)?;
        row.map(SessionRecord::try_from).transpose()
    }

    /// See [`trent_core::IdentityStore::delete_sessions_expired_before`]. Their wrapped secrets
    /// are overwritten on disk and the WAL checkpointed.
    pub(super) async fn delete_expired_session_rows(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sts_sessions WHERE expires_at < ?1")
            .bind(ts_to_db(before)?)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        if done.rows_affected() > 0 {
            self.checkpoint_truncate().await;
        }
        Ok(done.rows_affected())
    }
}
