//! The AWS wire protocols Trent speaks.
//!
//! awsJson1_1 and awsQuery framing, request and response shapes per operation, SigV4, and the one
//! mapping of each service's domain errors to AWS error types and HTTP statuses. This crate
//! decides nothing about policy and holds no state: it decodes, calls into `trent-core`,
//! and encodes. It has no async runtime and no database.

pub mod cloudtrail;
mod error;
pub mod iam;
mod json;
pub mod kms;
pub mod query;
pub mod sigv4;
pub mod sts;

pub use error::AwsError;
