//! Secrets Manager end to end through `aws-sdk-secretsmanager`: values and their versions,
//! staging labels, deletion and restore on a moved clock, listing, tags, resource policies,
//! KMS keys, passwords and the errors.

mod concurrency;
mod cross_account;
mod key_change;
mod keys_and_errors;
mod lifecycle;
mod listing;
mod replicas;
mod rotation;
mod rotation_external;
mod rotation_mariadb;
mod rotation_restart;
mod values;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use aws_smithy_async::time::SharedTimeSource;

use crate::common::{SdkClock, TestServer};

impl TestServer {
    /// A Secrets Manager client for the administrator in `us-east-1`.
    pub(crate) fn secrets(&self) -> Client {
        self.secrets_with(&self.access_key_id, &self.secret_access_key)
    }

    /// A Secrets Manager client with other credentials, in `us-east-1`.
    pub(crate) fn secrets_with(&self, akid: &str, secret: &str) -> Client {
        self.secrets_as(akid, secret, None)
    }

    /// A Secrets Manager client with other credentials and perhaps a session token.
    pub(crate) fn secrets_as(&self, akid: &str, secret: &str, token: Option<String>) -> Client {
        let creds = aws_credential_types::Credentials::new(akid, secret, token, None, "trent-tests");
        let conf = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(creds)
            .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(SdkClock::new(self.clock.clone())))
            .build();
        Client::from_conf(conf)
    }
}

/// The AWS error code of an SDK error.
pub(crate) fn err_code<T: std::fmt::Debug, E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code().unwrap_or("<no code>").to_owned(),
    }
}
