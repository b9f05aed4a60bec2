//! The awsJson1_1 transport: signs each attempt with SigV4 (through `trent-wire`), sends it
//! over a pooled HTTP/1.1 connection (rustls with the aws-lc-rs provider for `https://`,
//! plain TCP for loopback `http://`), and retries throttling, 5xx answers and connection
//! failures with capped exponential backoff and full jitter.

use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use trent_wire::sigv4::{self, SignedRequest};

use crate::credentials::Credentials;
use crate::retry::RetryPolicy;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The endpoint is not a usable URL.
    #[error("endpoint {0}: {1}")]
    Endpoint(String, &'static str),
    /// The request could not be sent or the answer not read.
    #[error("cannot reach {endpoint}")]
    Transport {
        /// The endpoint called.
        endpoint: String,
        /// What the connection said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The service answered with an AWS error.
    #[error("{code}: {message}")]
    Aws {
        /// The AWS error code (`__type` without its namespace).
        code: String,
        /// The AWS error message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer is not the JSON it should be.
    #[error("unexpected answer (HTTP {0})")]
    Decode(u16),
    /// The CA bundle (`--ca-bundle`, `AWS_CA_BUNDLE`) cannot be used.
    #[error("CA bundle {path}: {reason}")]
    CaBundle {
        /// The bundle's file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl ClientError {
    /// Whether another attempt may succeed: throttling, a 5xx answer, a connection failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Aws { status, .. } => *status >= 500 || self.is_throttling(),
            Self::Endpoint(..) | Self::Decode(_) | Self::CaBundle { .. } => false,
        }
    }

    /// Whether the server refused the call for its rate (HTTP 429 or a throttling `__type`).
    pub fn is_throttling(&self) -> bool {
        match self {
            Self::Aws { code, status, .. } => {
                *status == 429
                    || matches!(
                        code.as_str(),
                        "ThrottlingException"
                            | "ThrottledException"
                            | "RequestLimitExceeded"
                            | "TooManyRequestsException"
                    )
            }
            Self::Transport { .. } | Self::Endpoint(..) | Self::Decode(_) | Self::CaBundle { .. } => false,
        }
    }
}

/// How a client connects.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Retries of throttled and failed calls.
    pub retry: RetryPolicy,
    /// The longest one attempt may take (connect, send, answer); a slower attempt counts as
    /// a connection failure (and is retried).
    pub attempt_timeout: Duration,
    /// Allow `http://` to hosts other than loopback (signed requests and data keys would
    /// cross the network in clear). Off by default.
    pub dangerous_allow_remote_http: bool,
    /// A PEM file of the certificates to trust for `https://` (a private CA, as the AWS CLI's
    /// `--ca-bundle`), instead of the system's roots. None by default.
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl Default for ClientOptions {
    /// The default retry policy, 30 seconds per attempt, no remote plain HTTP.
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            attempt_timeout: Duration::from_secs(30),
            dangerous_allow_remote_http: false,
            ca_bundle: None,
        }
    }
}

/// An attempt that took longer than `ClientOptions::attempt_timeout`.
#[derive(Debug, thiserror::Error)]
#[error("no answer within {0:?}")]
pub struct AttemptTimeout(Duration);

/// A signing client for one awsJson1_1 service.
pub struct JsonClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// The pool's connector, for [`JsonClient::connect`].
    connector: HttpsConnector<HttpConnector>,
    endpoint: Uri,
    host: HeaderValue,
    signer: sigv4::Signer,
    target_prefix: &'static str,
    retry: RetryPolicy,
    attempt_timeout: Duration,
}

impl std::fmt::Debug for JsonClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonClient")
            .field("endpoint", &self.endpoint)
            .field("target_prefix", &self.target_prefix)
            .finish()
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The connector: rustls (aws-lc-rs provider) with the system's roots, or the bundled
/// webpki roots when the system has none. A plain-HTTP client skips loading any roots (it
/// never makes a TLS connection, and parsing the system bundle costs each CLI start).
pub(crate) fn connector(tls: bool) -> HttpsConnector<HttpConnector> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = if !tls {
        let empty = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth());
        match empty {
            Ok(config) => builder.with_tls_config(config),
            Err(_) => builder.with_webpki_roots(),
        }
    } else {
        match builder.with_provider_and_native_roots(provider.clone()) {
            Ok(b) => b,
            Err(_) => match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_webpki_roots(provider) {
                Ok(b) => b,
                Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots(),
            },
        }
    };
    builder.https_or_http().enable_http1().wrap_connector(http)
}

/// An HTTPS connector that trusts only the certificates of the PEM file `ca_bundle`, as the
/// AWS CLI's `--ca-bundle` and `AWS_CA_BUNDLE` do (plain `http://` to loopback still works).
///
/// # Errors
/// [`ClientError::CaBundle`] when the file cannot be read or holds no usable certificate.
pub(crate) fn connector_trusting(ca_bundle: &std::path::Path) -> Result<HttpsConnector<HttpConnector>, ClientError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let err = |reason: String| ClientError::CaBundle { path: ca_bundle.to_owned(), reason };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_bundle).map_err(|e| err(e.to_string()))? {
        roots.add(cert.map_err(|e| err(e.to_string()))?).map_err(|e| err(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(err("no certificate in it".into()));
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

/// Parses `endpoint`: `https://host[:port]`, or `http://` to loopback (or anywhere with
/// `allow_remote_http`).
pub(crate) fn check_endpoint(endpoint: &str, allow_remote_http: bool) -> Result<Uri, ClientError> {
    let uri: Uri = endpoint.parse().map_err(|_| ClientError::Endpoint(endpoint.into(), "not a URL"))?;
    let authority = uri.authority().ok_or(ClientError::Endpoint(endpoint.into(), "no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(uri.clone()),
        Some("http") if is_loopback(authority.host()) || allow_remote_http => Ok(uri.clone()),
        Some("http") => Err(ClientError::Endpoint(endpoint.into(), "plain http:// only to loopback; use https://")),
        _ => Err(ClientError::Endpoint(endpoint.into(), "scheme must be http or https")),
    }
}

impl JsonClient {
    /// A client for `service` (SigV4 name) whose operations are `target_prefix` + name.
    ///
    /// # Errors
    /// `Endpoint` when the URL is not `https://host[:port]` or loopback `http://`.
    pub fn new(
        endpoint: &str,
        credentials: Credentials,
        region: &str,
        service: &'static str,
        target_prefix: &'static str,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let uri = check_endpoint(endpoint, options.dangerous_allow_remote_http)?;
        let authority = uri.authority().ok_or(ClientError::Endpoint(endpoint.into(), "no host"))?;
        let host = HeaderValue::from_str(authority.as_str())
            .map_err(|_| ClientError::Endpoint(endpoint.into(), "bad host"))?;
        let tls = uri.scheme_str() == Some("https");
        let connector = match &options.ca_bundle {
            Some(bundle) => connector_trusting(bundle)?,
            None => connector(tls),
        };
        let http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(1024).build(connector.clone());
        let signer = sigv4::Signer::new(
            &credentials.access_key_id,
            credentials.secret_access_key,
            region,
            service,
            credentials.session_token.as_deref(),
        );
        Ok(Self {
            http,
            connector,
            endpoint: uri,
            host,
            signer,
            target_prefix,
            retry: options.retry,
            attempt_timeout: options.attempt_timeout,
        })
    }

    /// Calls `operation` with a JSON body and returns the JSON answer, retrying as the
    /// client's policy says.
    ///
    /// # Errors
    /// The last attempt's error.
    pub async fn call(&self, operation: &str, body: &serde_json::Value) -> Result<serde_json::Value, ClientError> {
        self.call_with_attempt_timeout(operation, body, self.attempt_timeout).await
    }

    /// As [`JsonClient::call`], with `attempt_timeout` for each attempt instead of the client's:
    /// for the calls whose answer takes long by nature (`GetParametersForImport` generates an
    /// RSA key pair, whose time is random and long-tailed), where a short timeout would give up
    /// and retry work the server is still doing.
    ///
    /// # Errors
    /// The last attempt's error.
    pub async fn call_with_attempt_timeout(
        &self,
        operation: &str,
        body: &serde_json::Value,
        attempt_timeout: Duration,
    ) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::to_vec(body).map_err(|_| ClientError::Decode(0))?;
        let mut attempt = 1;
        loop {
            let attempt_result =
                match tokio::time::timeout(attempt_timeout, self.call_once(operation, body.clone())).await {
                    Ok(r) => r,
                    Err(_) => Err(ClientError::Transport {
                        endpoint: self.endpoint.to_string(),
                        source: Box::new(AttemptTimeout(attempt_timeout)),
                    }),
                };
            match attempt_result {
                Err(e) if e.is_retryable() && attempt < self.retry.max_attempts => {
                    tokio::time::sleep(self.retry.delay(attempt, e.is_throttling())).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once(&self, operation: &str, body: Vec<u8>) -> Result<serde_json::Value, ClientError> {
        let (status, bytes) = self.call_raw(operation, body).await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            if status >= 500 {
                ClientError::Aws { code: "InternalFailure".into(), message: String::new(), status }
            } else {
                ClientError::Decode(status)
            }
        })?;
        if status == 200 {
            return Ok(value);
        }
        let code = value.get("__type").and_then(|v| v.as_str()).unwrap_or("UnknownError");
        let code = code.rsplit('#').next().unwrap_or(code).to_owned();
        let message = value.get("message").or_else(|| value.get("Message")).and_then(|v| v.as_str()).unwrap_or("");
        Err(ClientError::Aws { code, message: message.to_owned(), status })
    }

    /// Sends one signed request (no retry) and returns status and body.
    ///
    /// # Errors
    /// `Transport` when the connection fails.
    pub async fn call_raw(&self, operation: &str, body: Vec<u8>) -> Result<(u16, Bytes), ClientError> {
        let request = self.signed(operation, Bytes::from(body), self.endpoint.clone())?;
        let response = self.http.request(request).await.map_err(|e| self.transport(Box::new(e)))?;
        read_answer(response).await.map_err(|e| self.transport(Box::new(e)))
    }

    /// Opens an HTTP/1.1 connection of the caller's own to the endpoint (TLS for `https://`),
    /// for [`JsonClient::call_raw_on`].
    ///
    /// # Errors
    /// `Transport` when the connection cannot be made.
    pub async fn connect(&self) -> Result<Connection, ClientError> {
        let stream = tower::ServiceExt::oneshot(self.connector.clone(), self.endpoint.clone())
            .await
            .map_err(|e| self.transport(e))?;
        let (send, io) =
            hyper::client::conn::http1::handshake(stream).await.map_err(|e| self.transport(Box::new(e)))?;
        Ok(Connection { send, io: Box::pin(io), closed: false })
    }

    /// [`JsonClient::call_raw`] on `conn` instead of the pool: the same request on the wire
    /// (the same headers, a fresh signature), without the pool's checkout and return of a
    /// connection or the task the pool spawns for every answer, and with the connection's
    /// I/O driven by the calling task. For a load generator that keeps one request in flight
    /// per connection. After an error, `conn` may be unusable: open another.
    ///
    /// # Errors
    /// `Transport` when the connection fails or has closed.
    pub async fn call_raw_on(
        &self,
        conn: &mut Connection,
        operation: &str,
        body: Bytes,
    ) -> Result<(u16, Bytes), ClientError> {
        // Origin form, as the pool sends it: the authority is in the signed `host` header.
        let request = self.signed(operation, body, Uri::from_static("/"))?;
        let Connection { send, io, closed } = conn;
        if *closed {
            return Err(self.transport(Box::new(ConnectionClosed)));
        }
        let answer = async {
            send.ready().await?;
            read_answer(send.send_request(request).await?).await
        };
        tokio::pin!(answer);
        let result = tokio::select! {
            biased;
            answer = &mut answer => answer,
            ended = io.as_mut() => {
                // Never polled again. An answer read in full before the connection ended still
                // counts (the server may close right after it); otherwise the dispatcher has
                // dropped the request and `answer` fails at once.
                *closed = true;
                match ended {
                    Ok(()) => answer.await,
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(|e| self.transport(Box::new(e)))
    }

    /// The request of `operation` with `body` to `uri`, with its headers and SigV4 signature.
    fn signed(&self, operation: &str, body: Bytes, uri: Uri) -> Result<Request<Full<Bytes>>, ClientError> {
        let target = format!("{}{operation}", self.target_prefix);
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(http::header::HOST, self.host.clone());
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.1"));
        headers.insert("x-amz-target", HeaderValue::from_str(&target).map_err(|_| ClientError::Decode(0))?);
        let signed = SignedRequest { method: "POST", path: "/", query: None, headers: &headers, body: &body };
        let added = self.signer.sign(&signed, time::OffsetDateTime::now_utc());
        let mut request = Request::post(uri).body(Full::new(body)).map_err(|e| self.transport(Box::new(e)))?;
        *request.headers_mut() = headers;
        for (name, value) in added {
            request.headers_mut().insert(name, value);
        }
        Ok(request)
    }

    fn transport(&self, source: Box<dyn std::error::Error + Send + Sync>) -> ClientError {
        ClientError::Transport { endpoint: self.endpoint.to_string(), source }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Uri {
        &self.endpoint
    }
}

/// The status and whole body of `response`.
async fn read_answer(response: Response<Incoming>) -> Result<(u16, Bytes), hyper::Error> {
    let status = response.status().as_u16();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// What a [`Connection`] runs over: TCP, with TLS for `https://`.
type Stream = MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;

/// An HTTP/1.1 connection to a [`JsonClient`]'s endpoint, used by one task at a time
/// ([`JsonClient::connect`]).
pub struct Connection {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    /// The connection's I/O, polled by the task that sends on it rather than a task of its own.
    io: Pin<Box<hyper::client::conn::http1::Connection<Stream, Full<Bytes>>>>,
    /// Whether `io` has ended (the connection closed or failed).
    closed: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

/// A [`Connection`] that has closed was used again.
#[derive(Debug, thiserror::Error)]
#[error("the connection closed")]
pub struct ConnectionClosed;

/// The default pause between attempts is small; this is the longest a policy may wait.
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::from_secs(20);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        let creds = || Credentials::new("AKID", b"secret");
        for ok in
            ["http://127.0.0.1:4599", "http://localhost:1", "http://[::1]:2", "https://kms.us-east-1.amazonaws.com"]
        {
            assert!(
                JsonClient::new(ok, creds(), "us-east-1", "kms", "TrentService.", ClientOptions::default()).is_ok(),
                "{ok}"
            );
        }
        for bad in ["http://10.0.0.1:4599", "ftp://x", "not a url"] {
            assert!(
                JsonClient::new(bad, creds(), "us-east-1", "kms", "TrentService.", ClientOptions::default()).is_err(),
                "{bad}"
            );
        }
    }

    /// A server on loopback that answers `answers` requests, one connection at a time (the
    /// first answer closes its connection), and hands back each request's head (request line
    /// and header names, in order) and body; after the last it closes the connection and stops
    /// listening.
    async fn recording_server(answers: usize) -> (String, tokio::task::JoinHandle<Vec<(Vec<String>, Vec<u8>)>>) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            let (mut socket, _) = listener.accept().await.unwrap();
            while seen.len() < answers {
                let mut data = Vec::new();
                let (head, body) = loop {
                    let mut buf = [0u8; 4096];
                    let n = socket.read(&mut buf).await.unwrap();
                    if n == 0 {
                        // The client moved to another connection (the pool's, then ours).
                        socket = listener.accept().await.unwrap().0;
                        continue;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8(data[..end].to_vec()).unwrap();
                    let length = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                        .map_or(0, |n| n.parse::<usize>().unwrap());
                    if data.len() >= end + 4 + length {
                        break (head, data[end + 4..end + 4 + length].to_vec());
                    }
                };
                let mut lines = head.lines();
                let mut shape = vec![lines.next().unwrap().to_owned()];
                shape.extend(lines.map(|l| l.split(':').next().unwrap().to_ascii_lowercase()));
                seen.push((shape, body));
                // The first answer closes the pool's connection, so the next request comes on
                // a new one.
                let close = if seen.len() == 1 { "connection: close\r\n" } else { "" };
                let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n{close}\r\n{{}}");
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            seen
        });
        (endpoint, task)
    }

    #[tokio::test]
    async fn an_own_connection_sends_what_the_pool_sends() {
        let (endpoint, server) = recording_server(3).await;
        let creds = Credentials::new("AKID", b"secret");
        let client =
            JsonClient::new(&endpoint, creds, "us-east-1", "kms", "TrentService.", ClientOptions::default()).unwrap();
        assert_eq!(client.call_raw("Encrypt", b"{\"a\":1}".to_vec()).await.unwrap(), (200, Bytes::from_static(b"{}")));
        let mut conn = client.connect().await.unwrap();
        for _ in 0..2 {
            let answer = client.call_raw_on(&mut conn, "Encrypt", Bytes::from_static(b"{\"a\":1}")).await.unwrap();
            assert_eq!(answer, (200, Bytes::from_static(b"{}")));
        }
        let seen = server.await.unwrap();
        let pooled = &seen[0];
        assert_eq!(pooled.0[0], "POST / HTTP/1.1");
        for (shape, body) in &seen[1..] {
            assert_eq!(shape, &pooled.0, "the same request line and headers, in the same order");
            assert_eq!(body, &pooled.1);
        }
        // The server has closed the connection: the next call says so, and a new one works
        // (nothing listens any more, so it cannot be made).
        let closed = client.call_raw_on(&mut conn, "Encrypt", Bytes::from_static(b"{}")).await;
        assert!(matches!(closed, Err(ClientError::Transport { .. })), "{closed:?}");
        assert!(client.connect().await.is_err());
    }
}
