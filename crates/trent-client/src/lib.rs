//! A small client for Trent and AWS on their own wire protocol: SigV4-signed awsJson1_1
//! over HTTP/1.1 (rustls with aws-lc-rs for `https://`, plain HTTP for loopback), with
//! retries of throttling and transient failures, and typed KMS calls.
//!
//! It knows the wire, not the server: no storage, no policy, no envelope format.

mod credentials;
mod json;
mod kms;
mod operator;
mod retry;

pub use credentials::{Credentials, default_file, from_file};
pub use json::{AttemptTimeout, ClientError, ClientOptions, Connection, ConnectionClosed, JsonClient};
pub use kms::{Ciphertext, DataKeyPair, Decrypted, KMS_SERVICE, KMS_TARGET_PREFIX, KmsClient};
pub use operator::OperatorClient;
pub use retry::RetryPolicy;
