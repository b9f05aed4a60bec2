//! The trail `verify` and `query` read: the data directory's `audit.db`, or the PostgreSQL
//! database of `--storage` (every node's chain in it).

use std::path::{Path, PathBuf};

use trent_core::store::{AuditStore, MetaStore};
use trent_server::AUDIT_FILE;
use trent_store::{PgAuditStore, PgSettings, PgStore, SqliteAuditStore};

use super::AuditCliError;

/// An open trail.
pub(super) enum Trail {
    /// `audit.db` of a data directory, opened read-only.
    Sqlite(SqliteAuditStore),
    /// The trail in a PostgreSQL database: the pool, and a handle that reads every chain.
    Postgres(PgStore, PgAuditStore),
}

impl Trail {
    /// The trail of `storage` (`"sqlite"` or absent: `data_dir`'s file; otherwise a PostgreSQL
    /// URL, as `trent server --storage` takes it).
    pub(super) async fn open(data_dir: &Path, storage: Option<&str>) -> Result<Trail, AuditCliError> {
        match storage {
            None | Some("sqlite") => open_sqlite(data_dir).await.map(Trail::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                // The parser's error is not shown: it could quote the URL, password included.
                let settings = PgSettings::from_url(url).map_err(|_| {
                    AuditCliError::Usage(
                        "--storage: not a valid PostgreSQL URL (postgres://user:password@host:port/database?options)"
                            .into(),
                    )
                })?;
                let store = PgStore::open(&settings).await.map_err(AuditCliError::Database)?;
                let trail = store.audit_store();
                Ok(Trail::Postgres(store, trail))
            }
            Some(_) => Err(AuditCliError::Usage("--storage must be \"sqlite\" or a postgres:// URL".into())),
        }
    }

    /// The trail's records.
    pub(super) fn audit(&self) -> &dyn AuditStore {
        match self {
            Trail::Sqlite(s) => s,
            Trail::Postgres(_, t) => t,
        }
    }

    /// The trail's stored values (its public key).
    pub(super) fn meta(&self) -> &dyn MetaStore {
        match self {
            Trail::Sqlite(s) => s,
            Trail::Postgres(_, t) => t,
        }
    }

    /// Names the trail in an error: the file, or the database (never its URL, which may hold a
    /// password).
    pub(super) fn error(&self, data_dir: &Path, source: trent_core::StoreError) -> AuditCliError {
        match self {
            Trail::Sqlite(_) => AuditCliError::Store { path: data_dir.join(AUDIT_FILE), source },
            Trail::Postgres(..) => AuditCliError::Database(source),
        }
    }

    pub(super) async fn close(self) {
        match self {
            Trail::Sqlite(s) => s.close().await,
            Trail::Postgres(store, _) => store.close().await,
        }
    }
}

async fn open_sqlite(data_dir: &Path) -> Result<SqliteAuditStore, AuditCliError> {
    let path: PathBuf = data_dir.join(AUDIT_FILE);
    if !path.exists() {
        return Err(AuditCliError::Usage(format!("{}: no audit trail (has the server run here?)", path.display())));
    }
    SqliteAuditStore::open_read_only(&path).await.map_err(|source| AuditCliError::Store { path, source })
}
