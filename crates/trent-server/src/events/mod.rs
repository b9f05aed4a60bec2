//! Event delivery: the worker that sends the outbox's events (Parameter Store's changes and
//! policy actions, written by the stores in the same transaction as the change) to the sinks
//! of `[events]` in `trent.toml`, and the sinks themselves.
//!
//! Delivery is at least once: an event is marked delivered to a sink only after the sink
//! acknowledged it (a 2xx answer, a JetStream acknowledgement, an fsync), so a crash between
//! the two sends it again. Every event carries its `id`: consumers deduplicate on it (the NATS
//! sink also sends it as `Nats-Msg-Id`, so JetStream drops a redelivery within its duplicate
//! window). The worker runs under the `events` lease on PostgreSQL: one node at a time.
//!
//! Nothing here logs an event's content, a webhook's URL or secret: sinks are named in logs.

mod config;
mod delivery;
mod jsonl;
mod nats;
mod webhook;

pub use config::{
    DEFAULT_BATCH_SIZE, DEFAULT_NATS_SUBJECT, DEFAULT_POLL_INTERVAL, DEFAULT_RETENTION_HOURS, DEFAULT_RETRY_INITIAL,
    DEFAULT_RETRY_MAX, DEFAULT_SINK_TIMEOUT, EventSettings, RawEvents, RawSink, RedactedUrl, SinkSettings, SinkTarget,
};
pub use delivery::{Delivery, DeliveryRun};

use async_trait::async_trait;
use trent_core::events::QueuedEvent;

/// Why a sink did not take an event. The worker logs it by the sink's name and retries.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The endpoint could not be reached or the exchange broke.
    #[error("the webhook could not be reached")]
    Http(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The webhook answered with a status other than 2xx.
    #[error("the webhook answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// No answer within the sink's timeout.
    #[error("no acknowledgement within {seconds} s")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// NATS refused the connection, the stream or the publication.
    #[error("NATS: {0}")]
    Nats(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The file could not be written or synced.
    #[error("cannot append to the events file")]
    Io(#[source] std::io::Error),
}

/// Where events go.
#[async_trait]
pub(crate) trait Sink: Send + Sync {
    /// Sends `events` in order. Returns how many from the front were acknowledged, and the
    /// error that stopped it short, if any.
    async fn deliver(&self, events: &[QueuedEvent]) -> (usize, Option<SinkError>);
}

/// The sink a setting describes.
pub(crate) fn build(target: &SinkTarget) -> Box<dyn Sink> {
    match target {
        SinkTarget::Webhook { url, secret, tls, timeout } => {
            Box::new(webhook::WebhookSink::new(url.0.clone(), secret.clone(), tls.clone(), *timeout))
        }
        SinkTarget::Nats { url, subject, stream, timeout } => {
            Box::new(nats::NatsSink::new(url.0.clone(), subject.clone(), stream.clone(), *timeout))
        }
        SinkTarget::Jsonl { path } => Box::new(jsonl::JsonlSink::new(path.clone())),
    }
}

/// An event as a sink sends it: EventBridge's JSON envelope, one line, no trailing newline.
pub(crate) fn event_bytes(event: &QueuedEvent) -> Vec<u8> {
    // Serializing a `serde_json::Value` cannot fail.
    serde_json::to_vec(&event.event.to_json()).unwrap_or_default()
}
