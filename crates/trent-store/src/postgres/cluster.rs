//! What several nodes on one database need beyond the stores: a channel to tell each other
//! that cached things changed (PostgreSQL `LISTEN`/`NOTIFY`), and leases under which
//! scheduled work runs on one node at a time (session-level advisory locks).
//!
//! A lease is an advisory lock held by a connection of its own: a node that dies, or loses its
//! connection, loses the lease as PostgreSQL ends the session, and another node's next attempt
//! takes it. The notification channel carries opaque text; what it means is the caller's.

use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection};
use trent_core::StoreError;

use super::{PgStore, map_err};

/// Text of at most this many bytes fits one notification (PostgreSQL's limit is 8000).
pub const MAX_NOTIFICATION: usize = 7900;

/// What [`PgNotifications::next`] returns.
#[derive(Debug, PartialEq, Eq)]
pub enum Notice {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and made again: notifications sent meanwhile are lost, so the
    /// caller must assume anything changed.
    Reconnected,
}

/// A subscription to one channel, on a connection of its own that reconnects by itself.
pub struct PgNotifications {
    listener: PgListener,
}

impl std::fmt::Debug for PgNotifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgNotifications").finish_non_exhaustive()
    }
}

impl PgNotifications {
    /// Waits for the next notification, or for news that some were missed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached (the next call tries to
    /// connect again; the caller must assume anything changed meanwhile).
    pub async fn next(&mut self) -> Result<Notice, StoreError> {
        match self.listener.try_recv().await.map_err(map_err)? {
            Some(n) => Ok(Notice::Message(n.payload().to_owned())),
            None => Ok(Notice::Reconnected),
        }
    }
}

/// A lease on a named piece of work, held until dropped or [`PgLease::release`]d, or until
/// its connection is lost.
pub struct PgLease {
    name: String,
    conn: Option<PgConnection>,
}

impl std::fmt::Debug for PgLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLease").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The advisory lock key of lease `$1` in SQL: a hash of the schema and the name, so that two
/// deployments in one database (each in its schema) never share a lease, and leases never
/// collide with the migration's lock.
const LEASE_KEY: &str = "hashtextextended('trent-lease:' || current_schema() || ':' || $1, 0)";

/// How long [`PgLease::is_held`] waits for the lease's connection to answer.
const LEASE_PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// How often [`PgStore::wait_lease`] tries again.
const LEASE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl PgLease {
    /// The work this lease is for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the lease is still held: its connection answers, within [`LEASE_PING_TIMEOUT`]
    /// (a connection whose packets are black-holed never would). A lease that is not is lost
    /// for good (drop it and take a new one); its connection is closed.
    pub async fn is_held(&mut self) -> bool {
        match &mut self.conn {
            Some(conn) => {
                let alive = matches!(tokio::time::timeout(LEASE_PING_TIMEOUT, conn.ping()).await, Ok(Ok(())));
                if !alive {
                    self.conn = None;
                }
                alive
            }
            None => false,
        }
    }

    /// Gives the lease up at once (another node may take it on its next attempt). A
    /// connection that does not answer within [`LEASE_PING_TIMEOUT`] (black-holed) is dropped
    /// instead: the lease ends with its session, when the database notices.
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let sql = format!("SELECT pg_advisory_unlock({LEASE_KEY})");
            let unlocked = sqlx::query(&sql).bind(&self.name).execute(&mut conn);
            match tokio::time::timeout(LEASE_PING_TIMEOUT, unlocked).await {
                Ok(Ok(_)) => {
                    let _ = tokio::time::timeout(LEASE_PING_TIMEOUT, conn.close()).await;
                }
                Ok(Err(e)) => {
                    tracing::warn!(lease = %self.name, error = %e, "releasing a lease failed; closing its connection");
                }
                Err(_) => {
                    tracing::warn!(lease = %self.name, "a lease's connection did not answer its release; dropped");
                }
            }
        }
    }
}

impl PgStore {
    /// Sends `payload` to every session listening on `channel` (this node's included), once
    /// the statement commits (at once: it runs on its own).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached or the payload is longer
    /// than [`MAX_NOTIFICATION`].
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&mut self.conn().await?)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Subscribes to `channel` on a connection of its own.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn listen(&self, channel: &str) -> Result<PgNotifications, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await.map_err(map_err)?;
        listener.listen(channel).await.map_err(map_err)?;
        Ok(PgNotifications { listener })
    }

    /// Takes the lease `name` if no session holds it: `None` when another node (or another
    /// lease of this one) has it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn try_lease(&self, name: &str) -> Result<Option<PgLease>, StoreError> {
        let mut conn = self.conn().await?;
        let sql = format!("SELECT pg_try_advisory_lock({LEASE_KEY})");
        let taken: bool = sqlx::query_scalar(&sql).bind(name).fetch_one(&mut conn).await.map_err(map_err)?;
        if !taken {
            return Ok(None);
        }
        // A lease keeps its connection out of the pool for as long as it is held, named so
        // that an operator sees who holds what in `pg_stat_activity`; out of the pool even if
        // the naming fails (the lock is the session's: it goes when the connection is dropped).
        let named = sqlx::query(
            "SELECT set_config('application_name', 'trent-lease:' || current_schema() || ':' || $1, false)",
        )
        .bind(name)
        .execute(&mut conn)
        .await;
        let conn = conn.detach();
        named.map_err(map_err)?;
        Ok(Some(PgLease { name: name.to_owned(), conn: Some(conn) }))
    }

    /// Takes the lease `name`, waiting while another session holds it, for at most `within`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached, or if the lease is still
    /// held by another session after `within`.
    pub async fn wait_lease(&self, name: &str, within: std::time::Duration) -> Result<PgLease, StoreError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(lease) = self.try_lease(name).await? {
                return Ok(lease);
            }
            if tokio::time::Instant::now() >= deadline {
                let held = format!("lease {name} still held by another session after {within:?}");
                return Err(StoreError::Unavailable(Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, held))));
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    /// Whether this store's connections to the database are encrypted (TLS), as the server
    /// reports it (`pg_stat_ssl`).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    pub async fn connection_is_encrypted(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut self.conn().await?)
            .await
            .map_err(map_err)
    }

    /// Connections of the pool: (open, idle).
    pub fn pool_connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }
}
