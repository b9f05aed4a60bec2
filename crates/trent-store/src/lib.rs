//! Storage backends for Trent: the implementations of the storage traits of
//! [`trent_core::store`].
//!
//! Today this is [`SqliteStore`], the embedded default: one file, WAL mode, full fsync,
//! migrations embedded in the binary. A PostgreSQL backend will sit beside it and pass the same
//! conformance suite (`tests/conformance/`).
//!
//! Backends speak domain types at their surface and their own rows inside; they know nothing of
//! HTTP, AWS wire shapes, policies or key wrapping. Wrapped secrets are opaque bytes to them.

mod sqlite;

pub use sqlite::{SqliteAuditStore, SqliteStore};
