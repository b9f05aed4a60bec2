//! The `webhook` sink: one HTTP(S) `POST` per event, the EventBridge JSON as the body, a 2xx
//! answer as the acknowledgement. Headers: `X-Trent-Event-Id` (the event's id, to deduplicate
//! on), and with a secret `X-Trent-Timestamp` (Unix seconds) and `X-Trent-Signature`
//! (`sha256=` and the hex HMAC-SHA256 of `TIMESTAMP.BODY` under the secret), so a receiver
//! can check where a request came from and refuse an old one replayed.
//!
//! An `https://` webhook is checked against the public roots, or with `ca_file` against only
//! the CA certificates it names.
//!
//! The answer's body is read (so the connection can be reused) up to [`MAX_ANSWER`] bytes and
//! dropped; nothing of it is logged.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use trent_core::events::QueuedEvent;
use trent_crypto::SecretBytes;

use super::{Sink, SinkError, event_bytes};

/// The most of a webhook's answer read before the connection is dropped.
const MAX_ANSWER: usize = 64 * 1024;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Posts events to one URL.
pub(crate) struct WebhookSink {
    url: String,
    secret: Option<SecretBytes>,
    timeout: Duration,
    http: HttpsClient,
}

impl WebhookSink {
    /// A sink posting to `url`, trusting `tls`'s CA certificates (a `ca_file`) or else the
    /// public roots.
    pub(crate) fn new(
        url: String,
        secret: Option<SecretBytes>,
        tls: Option<Arc<rustls::ClientConfig>>,
        timeout: Duration,
    ) -> WebhookSink {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = match tls {
            Some(config) => hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(Arc::unwrap_or_clone(config)),
            None => match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_webpki_roots(provider) {
                Ok(b) => b,
                Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots(),
            },
        };
        let connector = builder.https_or_http().enable_http1().build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        WebhookSink { url, secret, timeout, http }
    }

    async fn post(&self, event: &QueuedEvent) -> Result<(), SinkError> {
        let body = event_bytes(event);
        let mut request = http::Request::post(self.url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("x-trent-event-id", event.event.id.to_string());
        if let Some(secret) = &self.secret {
            let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
            request = request
                .header("x-trent-timestamp", &timestamp)
                .header("x-trent-signature", signature(secret.expose_secret(), &timestamp, &body));
        }
        // The URL was checked when the configuration was read.
        let request = request.body(Full::new(Bytes::from(body))).map_err(|e| SinkError::Http(Box::new(e)))?;
        let exchange = async {
            let answer = self.http.request(request).await.map_err(|e| SinkError::Http(Box::new(e)))?;
            let status = answer.status();
            let _ = Limited::new(answer.into_body(), MAX_ANSWER).collect().await;
            if status.is_success() { Ok(()) } else { Err(SinkError::Status { status: status.as_u16() }) }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| SinkError::Timeout { seconds: self.timeout.as_secs() })?
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `TIMESTAMP.BODY` under `secret`.
pub(crate) fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut signed = Vec::with_capacity(timestamp.len() + 1 + body.len());
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    format!("sha256={}", hex::encode(trent_crypto::hmac_sha256(secret, &signed)))
}

#[async_trait]
impl Sink for WebhookSink {
    async fn deliver(&self, events: &[QueuedEvent]) -> (usize, Option<SinkError>) {
        for (i, event) in events.iter().enumerate() {
            if let Err(e) = self.post(event).await {
                return (i, Some(e));
            }
        }
        (events.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        let expected = trent_crypto::hmac_sha256(b"Jefe", b"1700000000.{\"a\":1}");
        assert_eq!(signature(b"Jefe", "1700000000", b"{\"a\":1}"), format!("sha256={}", hex::encode(expected)));
        // RFC 4231 test case 2, to pin the primitive itself.
        let rfc = trent_crypto::hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(rfc), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
