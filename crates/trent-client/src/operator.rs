//! The operator API of a Trent server (`/_trent/operator/...`): seal status, unseal shares
//! and sealing, authenticated by the operator token (not SigV4: while sealed, the server
//! cannot unwrap access key secrets).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use zeroize::Zeroizing;

use trent_wire::sigv4::{self, SignedRequest};

use crate::credentials::Credentials;
use crate::json::{ClientError, check_endpoint, connector, connector_trusting};

/// A client of one server's operator API.
pub struct OperatorClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    endpoint: Uri,
    token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for OperatorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorClient").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl OperatorClient {
    /// A client of `endpoint` (`https://host[:port]`, or loopback `http://`) presenting
    /// `token` on the calls that need it.
    ///
    /// # Errors
    /// `Endpoint` when the URL is not usable.
    pub fn new(endpoint: &str, token: Option<Zeroizing<String>>) -> Result<Self, ClientError> {
        Self::with_ca_bundle(endpoint, token, None)
    }

    /// As [`OperatorClient::new`], trusting only the certificates in the PEM file `ca_bundle`
    /// when one is given (`--ca-bundle`, `AWS_CA_BUNDLE`), else the system's roots.
    ///
    /// # Errors
    /// `Endpoint` when the URL is not usable, `CaBundle` when the bundle is not.
    pub fn with_ca_bundle(
        endpoint: &str,
        token: Option<Zeroizing<String>>,
        ca_bundle: Option<&std::path::Path>,
    ) -> Result<Self, ClientError> {
        let uri = check_endpoint(endpoint, false)?;
        let connector = match ca_bundle {
            Some(bundle) => connector_trusting(bundle)?,
            None => connector(uri.scheme_str() == Some("https")),
        };
        let http = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self { http, endpoint: uri, token })
    }

    /// `GET /_trent/operator/status`.
    ///
    /// # Errors
    /// As [`OperatorClient::call`].
    pub async fn status(&self) -> Result<serde_json::Value, ClientError> {
        self.call(Method::GET, "status", None).await
    }

    /// `POST /_trent/operator/unseal` with one share.
    ///
    /// # Errors
    /// As [`OperatorClient::call`].
    pub async fn unseal(&self, share: &str) -> Result<serde_json::Value, ClientError> {
        let body = Zeroizing::new(serde_json::to_vec(&serde_json::json!({ "Share": share })).unwrap_or_default());
        self.call(Method::POST, "unseal", Some(&body)).await
    }

    /// `POST /_trent/operator/seal`.
    ///
    /// # Errors
    /// As [`OperatorClient::call`].
    pub async fn seal(&self) -> Result<serde_json::Value, ClientError> {
        self.call(Method::POST, "seal", Some(b"{}")).await
    }

    /// `POST /_trent/operator/rotate-root`: begins a root key rotation. Signed with SigV4
    /// (service `trent`) with `credentials`, an identity of the server's operator account, in
    /// `region`; `batch_size` values per batch, `pause_ms` between batches (the server's
    /// defaults when `None`).
    ///
    /// # Errors
    /// As [`OperatorClient::call`].
    pub async fn rotate_root(
        &self,
        credentials: Credentials,
        region: &str,
        batch_size: Option<u32>,
        pause_ms: Option<u32>,
    ) -> Result<serde_json::Value, ClientError> {
        let mut body = serde_json::Map::new();
        if let Some(n) = batch_size {
            body.insert("BatchSize".into(), n.into());
        }
        if let Some(ms) = pause_ms {
            body.insert("PauseMilliseconds".into(), ms.into());
        }
        let body = serde_json::to_vec(&body).map_err(|_| ClientError::Decode(0))?;
        let authority = self.endpoint.authority().map(|a| a.as_str()).unwrap_or_default();
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(authority)
                .map_err(|_| ClientError::Endpoint(self.endpoint.to_string(), "bad host"))?,
        );
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let path = "/_trent/operator/rotate-root";
        let signer = sigv4::Signer::new(
            &credentials.access_key_id,
            credentials.secret_access_key,
            region,
            "trent",
            credentials.session_token.as_deref(),
        );
        let signed = SignedRequest { method: "POST", path, query: None, headers: &headers, body: &body };
        for (name, value) in signer.sign(&signed, time::OffsetDateTime::now_utc()) {
            headers.insert(name, value);
        }
        self.send(Method::POST, "rotate-root", headers, Some(&body)).await
    }

    /// One call: the JSON answer, or the server's error (`__type` and message).
    ///
    /// # Errors
    /// `Transport`, `Aws` (the server refused), `Decode`.
    pub async fn call(
        &self,
        method: Method,
        name: &str,
        body: Option<&[u8]>,
    ) -> Result<serde_json::Value, ClientError> {
        let mut headers = HeaderMap::with_capacity(2);
        if let Some(token) = &self.token {
            let value = Zeroizing::new(format!("Bearer {}", token.as_str()));
            let mut header = HeaderValue::from_str(&value)
                .map_err(|e| ClientError::Transport { endpoint: self.endpoint.to_string(), source: Box::new(e) })?;
            header.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, header);
        }
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.send(method, name, headers, body).await
    }

    async fn send(
        &self,
        method: Method,
        name: &str,
        headers: HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<serde_json::Value, ClientError> {
        let path = format!("/_trent/operator/{name}");
        let uri = Uri::builder()
            .scheme(self.endpoint.scheme_str().unwrap_or("http"))
            .authority(self.endpoint.authority().map(|a| a.as_str()).unwrap_or_default())
            .path_and_query(path.as_str())
            .build()
            .map_err(|_| ClientError::Endpoint(self.endpoint.to_string(), "bad URL"))?;
        let transport = |e: Box<dyn std::error::Error + Send + Sync>| ClientError::Transport {
            endpoint: self.endpoint.to_string(),
            source: e,
        };
        let body = Full::new(Bytes::copy_from_slice(body.unwrap_or_default()));
        let mut request = Request::builder().method(method).uri(uri).body(body).map_err(|e| transport(Box::new(e)))?;
        for (name, value) in &headers {
            request.headers_mut().insert(name, value.clone());
        }
        let response = self.http.request(request).await.map_err(|e| transport(Box::new(e)))?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.map_err(|e| transport(Box::new(e)))?.to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| ClientError::Decode(status))?;
        if status == 200 {
            return Ok(value);
        }
        let code = value.get("__type").and_then(|v| v.as_str()).unwrap_or("UnknownError").to_owned();
        let message = value.get("message").and_then(|v| v.as_str()).unwrap_or("").to_owned();
        Err(ClientError::Aws { code, message, status })
    }
}
