//! The state every request handler shares.

use trent_core::kms::Kms;
use trent_core::{Identities, SharedClock};

use crate::audit::AuditLog;
use crate::auth::Authenticator;
use crate::config::Config;

/// Services, clock and configuration, built once by [`crate::bootstrap`].
#[derive(Debug)]
pub struct AppState {
    /// AWS KMS.
    pub kms: Kms,
    /// Accounts and access keys.
    pub identities: Identities,
    /// SigV4 verification with its signing-key cache.
    pub auth: Authenticator,
    /// The clock (a manual one in tests).
    pub clock: SharedClock,
    /// The validated configuration.
    pub config: Config,
    /// The audit trail's group-commit writer (and `LookupEvents` through `audit.trail()`).
    pub audit: AuditLog,
}
