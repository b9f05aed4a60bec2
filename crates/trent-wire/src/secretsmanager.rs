//! AWS Secrets Manager over awsJson1_1 (`X-Amz-Target: secretsmanager.<Operation>`, SigV4
//! service `secretsmanager`).
//!
//! Declared so that its requests are authenticated against its own signing name and audited
//! under its own rules; no operation is served yet, so every one answers
//! `UnknownOperationException`.

use trent_core::audit::rules::SECRETS_MANAGER;

use crate::service::{Protocol, Reach, WireService};

/// AWS Secrets Manager on the wire.
pub static SERVICE: WireService = WireService {
    name: "secretsmanager",
    signing_name: "secretsmanager",
    protocol: Protocol::Json { target_prefixes: &["secretsmanager."] },
    reach: Reach::Regional,
    audit: &SECRETS_MANAGER,
    throttling_message: crate::service::RATE_EXCEEDED,
};
