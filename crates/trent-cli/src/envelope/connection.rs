//! The connection options of `trent encrypt`/`trent decrypt`: the same flags and
//! environment variables as `trent kms` (endpoint, region, credentials file, profile, data
//! directory, access keys), building a retrying `trent_client::KmsClient`.

use std::path::PathBuf;

use clap::Args;
use trent_client::{ClientOptions, Credentials, JsonClient, KmsClient};
use trent_wire::{Protocol, WireService};

use super::CliError;

/// Where the KMS is and how to sign for it.
#[derive(Args, Clone)]
pub(crate) struct Connection {
    /// KMS endpoint URL (Trent or AWS; https://, or http:// on loopback).
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:4599")]
    endpoint_url: String,
    /// Region to sign for.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Shared-credentials file (default: DATA_DIR/credentials, then ~/.aws/credentials).
    #[arg(long, env = "AWS_SHARED_CREDENTIALS_FILE")]
    credentials_file: Option<PathBuf>,
    /// Profile in the credentials file.
    #[arg(long, env = "AWS_PROFILE", default_value = "trent")]
    profile: String,
    /// Trent data directory, to find its credentials file.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = "./trent-data")]
    data_dir: PathBuf,
    /// Access key id (overrides the credentials file; needs the secret too).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    access_key_id: Option<String>,
    /// Secret access key.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: Option<String>,
    /// Session token of temporary credentials.
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    session_token: Option<String>,
}

impl Connection {
    fn credentials(&self) -> Result<Credentials, CliError> {
        if let (Some(id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) {
            let mut c = Credentials::new(id, secret.as_bytes());
            c.session_token.clone_from(&self.session_token);
            return Ok(c);
        }
        let file = match &self.credentials_file {
            Some(f) => f.clone(),
            None => trent_client::default_file(&self.data_dir, std::env::home_dir()).ok_or_else(|| {
                CliError::Connection(
                    "no credentials: start `trent server` first or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".into(),
                )
            })?,
        };
        trent_client::from_file(&file, &self.profile).map_err(CliError::Connection)
    }

    /// A KMS client with the default retry policy.
    pub(crate) fn client(&self) -> Result<KmsClient, CliError> {
        KmsClient::new(&self.endpoint_url, self.credentials()?, &self.region, ClientOptions::default())
            .map_err(|e| CliError::Connection(e.to_string()))
    }

    /// A client of another awsJson service at the same endpoint with the same credentials.
    pub(crate) fn json_client(&self, service: &'static WireService) -> Result<JsonClient, CliError> {
        let Protocol::Json { target_prefixes: [prefix, ..] } = service.protocol else {
            return Err(CliError::Connection(format!("{} is not an awsJson service", service.name)));
        };
        JsonClient::new(
            &self.endpoint_url,
            self.credentials()?,
            &self.region,
            service.signing_name,
            prefix,
            ClientOptions::default(),
        )
        .map_err(|e| CliError::Connection(e.to_string()))
    }
}
