//! Storage backends for Trent: the implementations of the storage traits of
//! [`trent_core::store`].
//!
//! Two backends pass the same conformance suite (`tests/conformance/`): [`SqliteStore`], the
//! embedded default (one file, WAL mode, full fsync), and [`PgStore`], PostgreSQL for
//! deployments whose database is run, backed up and failed over by its operators. Each embeds
//! its own numbered migrations; what they share is described in
//! `docs/adr/0009-postgresql-backend.md`.
//!
//! Backends speak domain types at their surface and their own rows inside; they know nothing of
//! HTTP, AWS wire shapes, policies or key wrapping. Wrapped secrets are opaque bytes to them.

mod postgres;
mod rewrap_sql;
mod sqlite;

pub use postgres::{
    Aborted, CallTimedOut, DEFAULT_CALL_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, DatabaseDown, HEARTBEAT_INTERVAL,
    LISTENER_SILENCE, ListenerSilent, MAX_NOTIFICATION, Notice, PgAuditStore, PgLease, PgNotifications, PgSettings,
    PgStore, aborted_transaction,
};
pub use sqlite::{SqliteAuditStore, SqliteStore};
