//! The `nats` sink: each event published to JetStream on the configured subject, with the
//! event's id as `Nats-Msg-Id` (JetStream drops a second publication of one id within the
//! stream's duplicate window), acknowledged once the stream's acknowledgement arrived. With
//! `stream` set, the stream is created on the subject if it is missing; without it, a stream
//! must already take the subject (a publication nobody stores is not acknowledged, and is
//! retried).
//!
//! The connection is made on the first delivery and kept; the client reconnects by itself.

use std::time::Duration;

use async_nats::jetstream;
use async_trait::async_trait;
use tokio::sync::Mutex;
use trent_core::events::QueuedEvent;

use super::{Sink, SinkError, event_bytes};

/// Publishes events to one JetStream subject.
pub(crate) struct NatsSink {
    url: String,
    subject: String,
    stream: Option<String>,
    timeout: Duration,
    /// The JetStream context once connected (and the stream, if configured, exists).
    context: Mutex<Option<jetstream::Context>>,
}

fn nats_error(e: impl std::error::Error + Send + Sync + 'static) -> SinkError {
    SinkError::Nats(Box::new(e))
}

impl NatsSink {
    pub(crate) fn new(url: String, subject: String, stream: Option<String>, timeout: Duration) -> NatsSink {
        NatsSink { url, subject, stream, timeout, context: Mutex::new(None) }
    }

    /// Connects, and makes the stream if one is configured.
    async fn connect(&self) -> Result<jetstream::Context, SinkError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(self.timeout)
            .connect(self.url.as_str())
            .await
            .map_err(nats_error)?;
        let mut context = jetstream::new(client);
        context.set_timeout(self.timeout);
        if let Some(name) = &self.stream {
            let config = jetstream::stream::Config {
                name: name.clone(),
                subjects: vec![self.subject.clone()],
                ..Default::default()
            };
            context.get_or_create_stream(config).await.map_err(nats_error)?;
        }
        Ok(context)
    }

    async fn publish(&self, context: &jetstream::Context, event: &QueuedEvent) -> Result<(), SinkError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, event.event.id.to_string().as_str());
        let exchange = async {
            let ack = context
                .publish_with_headers(self.subject.clone(), headers, event_bytes(event).into())
                .await
                .map_err(nats_error)?;
            ack.await.map_err(nats_error)
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| SinkError::Timeout { seconds: self.timeout.as_secs() })??;
        Ok(())
    }
}

#[async_trait]
impl Sink for NatsSink {
    async fn deliver(&self, events: &[QueuedEvent]) -> (usize, Option<SinkError>) {
        let mut guard = self.context.lock().await;
        let context = match guard.as_ref() {
            Some(c) => c.clone(),
            None => match tokio::time::timeout(self.timeout, self.connect()).await {
                Ok(Ok(c)) => guard.insert(c).clone(),
                Ok(Err(e)) => return (0, Some(e)),
                Err(_) => return (0, Some(SinkError::Timeout { seconds: self.timeout.as_secs() })),
            },
        };
        drop(guard);
        for (i, event) in events.iter().enumerate() {
            if let Err(e) = self.publish(&context, event).await {
                return (i, Some(e));
            }
        }
        (events.len(), None)
    }
}
