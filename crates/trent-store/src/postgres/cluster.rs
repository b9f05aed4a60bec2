//! What several nodes on one database need beyond the stores: a channel to tell each other
//! that cached things changed (PostgreSQL `LISTEN`/`NOTIFY`), and leases under which
//! scheduled work runs on one node at a time (session-level advisory locks).
//!
//! A lease is an advisory lock held by a connection of its own: a node that dies, or loses its
//! connection, loses the lease as PostgreSQL ends the session, and another node's next attempt
//! takes it. The notification channel carries opaque text; what it means is the caller's.
//!
//! # A listener that cannot tell it is dead
//! Behind a network partition that black-holes packets (no reset), a listening connection
//! looks alive forever: nothing arrives, and nothing says why. So each subscription proves its
//! connection delivers: every [`HEARTBEAT_INTERVAL`] it sends a heartbeat (`NOTIFY`, through
//! the pool, with the call's time limit) on a channel of its own that it also listens on, and
//! when nothing at all has arrived for [`LISTENER_SILENCE`] — neither its heartbeat nor a
//! message — [`PgNotifications::next`] fails with [`ListenerSilent`]: the caller drops the
//! subscription, subscribes again on a new connection, and assumes anything changed meanwhile.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use tokio::time::Instant;
use trent_core::StoreError;

use super::{PgStore, map_err};

/// Text of at most this many bytes fits one notification (PostgreSQL's limit is 8000).
pub const MAX_NOTIFICATION: usize = 7900;

/// How often a subscription sends itself a heartbeat.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// How long a subscription may hear nothing (not even its own heartbeat) before it is taken
/// for dead: five heartbeats.
pub const LISTENER_SILENCE: Duration = Duration::from_secs(5);

/// What [`PgNotifications::next`] returns.
#[derive(Debug, PartialEq, Eq)]
pub enum Notice {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and made again: notifications sent meanwhile are lost, so the
    /// caller must assume anything changed.
    Reconnected,
}

/// Why [`PgNotifications::next`] gave a subscription up: nothing arrived on its connection for
/// [`LISTENER_SILENCE`], not even its own heartbeat.
#[derive(Debug, thiserror::Error)]
#[error("the listening connection heard nothing, not even its own heartbeat, for {silence:?}")]
pub struct ListenerSilent {
    /// How long it heard nothing.
    pub silence: Duration,
}

/// A subscription to one channel, on a connection of its own (out of the store's pool) that
/// reconnects by itself when it is closed, and proves it still delivers with heartbeats.
pub struct PgNotifications {
    listener: PgListener,
    /// The channel of this subscription's heartbeats (only this subscription listens there).
    heartbeat_channel: String,
    /// When something last arrived (or the subscription was made).
    last_heard: Instant,
    /// Sends the heartbeats; aborted when the subscription is dropped.
    heartbeats: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for PgNotifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgNotifications").field("heartbeat_channel", &self.heartbeat_channel).finish_non_exhaustive()
    }
}

impl Drop for PgNotifications {
    fn drop(&mut self) {
        self.heartbeats.abort();
    }
}

impl PgNotifications {
    /// Waits for the next notification, or for news that some were missed. Heartbeats are
    /// not returned.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached (the next call tries to
    /// connect again; the caller must assume anything changed meanwhile), or with
    /// [`ListenerSilent`] if nothing arrived for [`LISTENER_SILENCE`]: drop the subscription
    /// and make a new one.
    pub async fn next(&mut self) -> Result<Notice, StoreError> {
        loop {
            let received = tokio::time::timeout_at(self.last_heard + LISTENER_SILENCE, self.listener.try_recv()).await;
            let Ok(received) = received else {
                return Err(StoreError::Unavailable(Box::new(ListenerSilent { silence: LISTENER_SILENCE })));
            };
            let notice = received.map_err(map_err)?;
            self.last_heard = Instant::now();
            match notice {
                Some(n) if n.channel() == self.heartbeat_channel => {}
                Some(n) => return Ok(Notice::Message(n.payload().to_owned())),
                None => return Ok(Notice::Reconnected),
            }
        }
    }
}

/// Sends `name` as a heartbeat on `channel` every [`HEARTBEAT_INTERVAL`], for ever. A failure
/// is only logged: the silence it leaves is what tells the subscription.
async fn send_heartbeats(store: PgStore, channel: String, name: String) {
    let mut ticks = tokio::time::interval(HEARTBEAT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = store.notify(&channel, &name).await {
            tracing::debug!(error = %e, "cannot send the listening connection's heartbeat");
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

    /// Subscribes to `channel` on a connection of its own, which sends heartbeats naming
    /// `name` (this node) on a channel of its own; within the call's time limit.
    ///
    /// The connection comes from a pool of one made for this subscription alone: a
    /// subscription dropped because its connection went silent (a partition) would otherwise
    /// keep a slot of the store's pool for as long as TCP takes to give the connection up
    /// (`sqlx` sends `UNLISTEN` on it, with no time limit, before giving it back).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached (or did not answer
    /// within the call's time limit).
    pub async fn listen(&self, channel: &str, name: &str) -> Result<PgNotifications, StoreError> {
        let limit = self.health.limit();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .test_before_acquire(false)
            .acquire_timeout(limit)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*self.pool.connect_options()).clone());
        let heartbeat_channel = format!("trent_heartbeat_{}", uuid::Uuid::new_v4().simple());
        let subscribed = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen_all([channel, heartbeat_channel.as_str()]).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let listener = match tokio::time::timeout(limit, subscribed).await {
            Ok(listener) => listener.map_err(map_err)?,
            Err(_) => {
                let limit = super::CallTimedOut { limit };
                return Err(StoreError::Unavailable(Box::new(limit)));
            }
        };
        let heartbeats = tokio::spawn(send_heartbeats(self.clone(), heartbeat_channel.clone(), name.to_owned()));
        Ok(PgNotifications { listener, heartbeat_channel, last_heard: Instant::now(), heartbeats })
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

    /// How the statements whose text contains `fragment` were planned on the connection the
    /// pool lends for this call, from `pg_prepared_statements`: (generic plans, custom plans).
    /// A store opened with one connection shows every statement it ran. For the tests of
    /// [`super::limit_clause`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached.
    #[doc(hidden)]
    pub async fn plan_counts(&self, fragment: &str) -> Result<(i64, i64), StoreError> {
        let (generic, custom): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT sum(generic_plans)::bigint, sum(custom_plans)::bigint FROM pg_prepared_statements \
             WHERE strpos(statement, $1) > 0",
        )
        .bind(fragment)
        .fetch_one(&mut self.conn().await?)
        .await
        .map_err(map_err)?;
        Ok((generic.unwrap_or(0), custom.unwrap_or(0)))
    }

    /// Connections of the pool: (open, idle). The pool counts the two apart, so a connection
    /// opened or closed between the two reads could show more idle connections than open
    /// ones; the idle count is capped at the open one so that the pair is always a possible
    /// state.
    pub fn pool_connections(&self) -> (u32, usize) {
        let idle = self.pool.num_idle();
        let open = self.pool.size();
        (open, idle.min(open as usize))
    }
}
