//! The AWS wire protocols Trent speaks.
//!
//! awsJson1_1 and awsQuery framing, request and response shapes per operation, SigV4, and the one
//! mapping of each service's domain errors to AWS error types and HTTP statuses. This crate
//! decides nothing about policy and holds no state: it decodes, calls into `trent-core`,
//! and encodes. It has no async runtime and no database.

mod actions;
pub mod auth;
pub mod cloudtrail;
mod error;
pub mod iam;
mod json;
pub mod kms;
pub mod query;
pub mod secretsmanager;
mod service;
pub mod sigv4;
pub mod ssm;
pub mod sts;

pub use error::AwsError;
pub use service::{Dispatched, Protocol, Reach, WireService, audit_value, decode_json, encode_json};

/// Decodes an awsJson request body as the operation that the `X-Amz-Target` value `target`
/// names, and nothing more: the byte parser of every served awsJson operation, reachable
/// without a server (the `aws_json` fuzz target). `None` when no served operation has that
/// target.
///
/// # Errors
/// `SerializationException` (inside the `Some`) for a body that is not the operation's JSON.
pub fn decode_json_request(target: &str, body: &[u8]) -> Option<Result<(), AwsError>> {
    if let Some(operation) = kms::SERVICE.operation(target) {
        return kms::KmsAction::parse(operation).map(|action| action.decode(body));
    }
    if let Some(operation) = secretsmanager::SERVICE.operation(target) {
        return secretsmanager::SecretsAction::parse(operation).map(|action| action.decode(body));
    }
    if let Some(operation) = ssm::SERVICE.operation(target) {
        return ssm::SsmAction::parse(operation).map(|action| action.decode(body));
    }
    if let Some(operation) = cloudtrail::SERVICE.operation(target) {
        return cloudtrail::CloudTrailAction::parse(operation).map(|action| cloudtrail::decode(action, body));
    }
    None
}
