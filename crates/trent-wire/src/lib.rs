//! The AWS wire protocols Trent speaks.
//!
//! awsJson1_1 and awsQuery framing, request and response shapes per operation, SigV4, and the one
//! mapping of each service's domain errors to AWS error types and HTTP statuses. This crate
//! decides nothing about policy and holds no state: it decodes, calls into `trent-core`,
//! and encodes. It has no async runtime and no database.

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
