//! AWS Systems Manager Parameter Store over awsJson1_1 (`X-Amz-Target: AmazonSSM.<Operation>`,
//! SigV4 service `ssm`).
//!
//! Declared so that its requests are authenticated against its own signing name and audited
//! under its own rules; no operation is served yet, so every one answers
//! `UnknownOperationException`.

use trent_core::audit::rules::SSM;

use crate::service::{Protocol, Reach, WireService};

/// AWS Systems Manager on the wire.
pub static SERVICE: WireService = WireService {
    name: "ssm",
    signing_name: "ssm",
    protocol: Protocol::Json { target_prefixes: &["AmazonSSM."] },
    reach: Reach::Regional,
    audit: &SSM,
    throttling_message: crate::service::RATE_EXCEEDED,
};
