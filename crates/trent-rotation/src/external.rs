//! External rotation functions, configured by ARN: a command or an HTTP endpoint.
//!
//! * A **command** gets the event JSON `{"SecretId", "ClientRequestToken", "Step"}` on stdin
//!   and, in its environment, `AWS_ENDPOINT_URL` (and `SECRETS_MANAGER_ENDPOINT`, which AWS's
//!   templates read), `AWS_REGION`/`AWS_DEFAULT_REGION` and the temporary credentials of the
//!   function's role, so a function written for Lambda with boto3 runs behind a three-line
//!   wrapper that reads stdin and calls its handler. Nothing else of the server's environment
//!   is passed on but `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ` and `TMPDIR`. Exit status 0 is success. Its stdout is
//!   discarded; its stderr is the server's (the function's own log, as Lambda's would be).
//! * An **HTTP endpoint** gets a `POST` of the same JSON; a 2xx answer is success.
//!
//! Either is stopped at its timeout (a command with every process of its process group). Errors name the exit status or HTTP status only: what a
//! function prints may hold secret values.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::AsyncWriteExt;
use trent_crypto::SecretBytes;

use crate::protocol::{RotationEvent, RotationFunction, SecretsApi, StepError};

/// One external function, as configured (`trent.toml`, by the lead's wiring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalFunctionConfig {
    /// The `RotationLambdaARN` that names it.
    pub arn: String,
    /// What to run.
    pub target: ExternalTarget,
    /// The role whose temporary credentials the function gets.
    pub role_arn: Option<String>,
    /// How long one step may take.
    pub timeout: Duration,
}

/// What an external function is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalTarget {
    /// A program, run without a shell.
    Command {
        /// The program.
        program: PathBuf,
        /// Its arguments.
        args: Vec<String>,
    },
    /// An `http://` or `https://` URL the event is posted to.
    Http {
        /// The URL.
        url: String,
    },
}

/// Temporary credentials handed to a function. The secret parts print redacted.
#[derive(Debug, Clone)]
pub struct TemporaryCredentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: SecretBytes,
    /// `AWS_SESSION_TOKEN`.
    pub session_token: SecretBytes,
}

/// Where credentials for a function's role come from (the server's STS, in the end).
#[async_trait::async_trait]
pub trait CredentialSource: Send + Sync {
    /// Temporary credentials for `role_arn` (the server's own choice when `None`), for one step
    /// of the rotation of the secret `secret_arn` (a source may scope them to that secret).
    ///
    /// # Errors
    /// [`ExternalError::Credentials`] when none can be issued.
    async fn credentials(
        &self,
        role_arn: Option<&str>,
        secret_arn: &str,
    ) -> Result<TemporaryCredentials, ExternalError>;
}

/// Where a function reaches the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionEnvironment {
    /// `AWS_ENDPOINT_URL`: this server.
    pub endpoint_url: String,
    /// `AWS_REGION` when a secret ARN names none (a function runs in the region of the secret
    /// it rotates).
    pub region: String,
}

/// Why an external function's step failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// No credentials could be issued for the function's role.
    #[error("no credentials for the function's role")]
    Credentials,
    /// The program could not be started.
    #[error("the function's program could not be started")]
    Spawn(#[source] std::io::Error),
    /// Waiting for the program or feeding it the event failed.
    #[error("the function's program could not be run")]
    Io(#[source] std::io::Error),
    /// The program exited with a failure status (`None`: killed by a signal).
    #[error("the function exited with status {code:?}")]
    Exit {
        /// The exit code.
        code: Option<i32>,
    },
    /// The step took longer than the function's timeout; the program was killed.
    #[error("the function did not finish within {seconds} s")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// The URL is not a valid `http(s)` URL.
    #[error("the function's URL is not valid")]
    InvalidUrl,
    /// The endpoint could not be reached.
    #[error("the function's endpoint could not be reached")]
    Http(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The endpoint answered with a non-2xx status.
    #[error("the function's endpoint answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
}

/// The variables a command inherits from the server's environment.
const INHERITED_ENV: [&str; 6] = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"];

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A configured external function.
pub struct ExternalFunction {
    config: ExternalFunctionConfig,
    environment: FunctionEnvironment,
    credentials: Arc<dyn CredentialSource>,
    http: HttpsClient,
}

impl ExternalFunction {
    /// A function from its configuration.
    pub fn new(
        config: ExternalFunctionConfig,
        environment: FunctionEnvironment,
        credentials: Arc<dyn CredentialSource>,
    ) -> Self {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_webpki_roots(provider) {
            Ok(b) => b,
            Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots(),
        };
        let connector = builder.https_or_http().enable_http1().build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        ExternalFunction { config, environment, credentials, http }
    }

    /// The ARN that names this function.
    pub fn arn(&self) -> &str {
        &self.config.arn
    }

    async fn run_command(
        &self,
        program: &PathBuf,
        args: &[String],
        event: &[u8],
        secret_arn: &str,
    ) -> Result<(), ExternalError> {
        let creds = self.credentials.credentials(self.config.role_arn.as_deref(), secret_arn).await?;
        // The secret's region (the fourth field of its ARN), as Lambda runs in the secret's.
        let region = secret_arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&self.environment.region);
        let text = |b: &SecretBytes| String::from_utf8_lossy(b.expose_secret()).into_owned();
        let mut command = tokio::process::Command::new(program);
        // The server's own environment (its configuration, perhaps its secrets) is not the
        // function's: it gets only these few variables and its AWS ones.
        command.env_clear();
        for name in INHERITED_ENV {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let mut child = command
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.environment.endpoint_url)
            .env("SECRETS_MANAGER_ENDPOINT", &self.environment.endpoint_url)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", text(&creds.secret_access_key))
            .env("AWS_SESSION_TOKEN", text(&creds.session_token))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            // Its own process group, so that a timeout stops what it started too.
            .process_group(0)
            .spawn()
            .map_err(ExternalError::Spawn)?;
        let group = child.id();
        let mut stdin = child.stdin.take().ok_or_else(|| ExternalError::Io(std::io::ErrorKind::BrokenPipe.into()))?;
        let run = async {
            // A program that exits without reading its input has not failed by that alone.
            match stdin.write_all(event).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(ExternalError::Io(e)),
            }
            drop(stdin);
            child.wait().await.map_err(ExternalError::Io)
        };
        let status = match tokio::time::timeout(self.config.timeout, run).await {
            Ok(status) => status?,
            Err(_) => {
                if let Some(pgid) = group {
                    kill_group(pgid).await;
                }
                return Err(ExternalError::Timeout { seconds: self.config.timeout.as_secs() });
            }
        };
        if status.success() { Ok(()) } else { Err(ExternalError::Exit { code: status.code() }) }
    }

    async fn post(&self, url: &str, event: Vec<u8>) -> Result<(), ExternalError> {
        let uri: http::Uri = url.parse().map_err(|_| ExternalError::InvalidUrl)?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(ExternalError::InvalidUrl);
        }
        let request = http::Request::post(uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(event)))
            .map_err(|_| ExternalError::InvalidUrl)?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| ExternalError::Http(Box::new(e)))?;
            let status = response.status();
            // Read (and drop) the body so the connection can be reused; its content is not logged.
            let _ = response.into_body().collect().await;
            if status.is_success() { Ok(()) } else { Err(ExternalError::Status { status: status.as_u16() }) }
        };
        tokio::time::timeout(self.config.timeout, exchange)
            .await
            .map_err(|_| ExternalError::Timeout { seconds: self.config.timeout.as_secs() })?
    }
}

/// SIGKILL to every process of the group `pgid` (the command and its children), by the
/// `kill` utility: this crate has no `unsafe` for `kill(2)`.
async fn kill_group(pgid: u32) {
    let status = tokio::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    if !status.is_ok_and(|s| s.success()) {
        tracing::warn!(pgid, "could not kill the timed-out rotation function's process group");
    }
}

#[async_trait::async_trait]
impl RotationFunction for ExternalFunction {
    async fn invoke(&self, _api: &dyn SecretsApi, event: &RotationEvent) -> Result<(), StepError> {
        // Serializing three strings cannot fail.
        let body = serde_json::to_vec(event).unwrap_or_default();
        let result = match &self.config.target {
            ExternalTarget::Command { program, args } => self.run_command(program, args, &body, &event.secret_id).await,
            ExternalTarget::Http { url } => self.post(url, body).await,
        };
        result.map_err(StepError::from)
    }
}
