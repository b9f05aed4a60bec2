//! `[events]` in `trent.toml`: where the outbox's events go (`[[events.sinks]]`: `webhook`,
//! `nats`, `jsonl`), how often the delivery worker looks, how it backs off, and how long
//! delivered events stay. Validated once into [`EventSettings`]; a webhook's HMAC secret is
//! read here, from its file or environment variable, and kept as a [`SecretBytes`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use trent_crypto::SecretBytes;

use crate::config::ConfigError;

/// How long delivered events stay in the outbox by default: a week (`trent events tail`
/// shows them until then).
pub const DEFAULT_RETENTION_HOURS: u64 = 168;
/// How often the delivery worker looks for new events by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Events read and sent per sink at a time by default.
pub const DEFAULT_BATCH_SIZE: u32 = 100;
/// The first retry's delay after a sink failed, by default; it doubles with each failure.
pub const DEFAULT_RETRY_INITIAL: Duration = Duration::from_secs(1);
/// The longest delay between retries by default.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(300);
/// How long one delivery to a webhook or NATS may take by default.
pub const DEFAULT_SINK_TIMEOUT: Duration = Duration::from_secs(10);
/// The NATS subject events are published on by default.
pub const DEFAULT_NATS_SUBJECT: &str = "trent.events";
/// Sinks at most.
const MAX_SINKS: usize = 16;
/// Longest webhook secret (bytes).
const MAX_SECRET_LEN: usize = 4096;

/// `[events]` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvents {
    /// `retention_hours`: how long events every sink has stay in the outbox (0..=87600).
    pub retention_hours: Option<u64>,
    /// `poll_interval_milliseconds`: how often the worker looks for new events (10..=60000).
    pub poll_interval_milliseconds: Option<u64>,
    /// `batch_size`: events sent per sink at a time (1..=1000).
    pub batch_size: Option<u32>,
    /// `retry_initial_milliseconds`: the delay after a sink's first failure (1..=3600000).
    pub retry_initial_milliseconds: Option<u64>,
    /// `retry_max_seconds`: the longest delay between retries (1..=86400).
    pub retry_max_seconds: Option<u64>,
    /// `[[events.sinks]]`: where events go.
    pub sinks: Option<Vec<RawSink>>,
}

/// One `[[events.sinks]]` as written; which fields apply depends on `type`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSink {
    /// `name`: the sink's name, the key of its delivery marks (`[A-Za-z0-9_-]{1,64}`).
    pub name: String,
    /// `type`: `webhook`, `nats` or `jsonl`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `url`: the webhook's `http(s)://` URL, or the NATS server's `nats://` URL.
    pub url: Option<String>,
    /// `secret_file` (webhook): a file whose bytes (less a trailing newline) sign each request.
    pub secret_file: Option<PathBuf>,
    /// `secret_env` (webhook): an environment variable holding that secret instead.
    pub secret_env: Option<String>,
    /// `timeout_seconds` (webhook, nats): how long one delivery may take (1..=300).
    pub timeout_seconds: Option<u64>,
    /// `ca_file` (webhook): CA certificates (PEM) to trust for an `https://` webhook, instead
    /// of the public roots: for a receiver whose certificate a private CA issued.
    pub ca_file: Option<PathBuf>,
    /// `subject` (nats): the subject events are published on.
    pub subject: Option<String>,
    /// `stream` (nats): a JetStream stream Trent creates on that subject if it is missing.
    pub stream: Option<String>,
    /// `path` (jsonl): the file events are appended to.
    pub path: Option<PathBuf>,
}

/// The validated `[events]`.
#[derive(Clone, Debug)]
pub struct EventSettings {
    /// How long events every sink has stay in the outbox.
    pub retention: time::Duration,
    /// How often the delivery worker runs.
    pub poll_interval: Duration,
    /// Events per sink per batch.
    pub batch_size: u32,
    /// First retry delay; doubles per failure.
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// The sinks, in the order written.
    pub sinks: Vec<SinkSettings>,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            retention: time::Duration::hours(DEFAULT_RETENTION_HOURS as i64),
            poll_interval: DEFAULT_POLL_INTERVAL,
            batch_size: DEFAULT_BATCH_SIZE,
            retry_initial: DEFAULT_RETRY_INITIAL,
            retry_max: DEFAULT_RETRY_MAX,
            sinks: Vec::new(),
        }
    }
}

/// One validated sink.
#[derive(Clone, Debug)]
pub struct SinkSettings {
    /// Its name.
    pub name: String,
    /// Where it sends.
    pub target: SinkTarget,
}

/// What a sink is.
#[derive(Clone, Debug)]
pub enum SinkTarget {
    /// POST each event to a URL.
    Webhook {
        /// The URL (its `Debug` shows scheme and host only: a query may hold a token).
        url: RedactedUrl,
        /// Signs each request with HMAC-SHA256 when set.
        secret: Option<SecretBytes>,
        /// TLS trusting only `ca_file`'s certificates, when set; the public roots otherwise.
        tls: Option<Arc<rustls::ClientConfig>>,
        /// Per request.
        timeout: Duration,
    },
    /// Publish each event to JetStream and wait for its acknowledgement.
    Nats {
        /// The server (its `Debug` hides credentials).
        url: RedactedUrl,
        /// The subject.
        subject: String,
        /// A stream to create if missing.
        stream: Option<String>,
        /// Per publication.
        timeout: Duration,
    },
    /// Append JSON lines to a file, fsynced.
    Jsonl {
        /// The file.
        path: PathBuf,
    },
}

/// A URL whose `Debug` shows only its scheme and host: webhook URLs often carry a token in
/// their path or query, NATS URLs a password.
#[derive(Clone)]
pub struct RedactedUrl(pub String);

impl std::fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("?", ""));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        write!(f, "{scheme}://{host}/…")
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { field, message: message.into() }
}

/// `value` within `range`, or `default`.
fn bounded(
    field: &'static str,
    value: Option<u64>,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if range.contains(&v) => Ok(v),
        Some(_) => Err(invalid(field, format!("must be between {} and {}", range.start(), range.end()))),
    }
}

impl RawEvents {
    /// Checks every setting and reads the webhook secrets.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the setting.
    pub(crate) fn validate(self) -> Result<EventSettings, ConfigError> {
        let d = EventSettings::default();
        let retention = bounded("events.retention_hours", self.retention_hours, 0..=87_600, DEFAULT_RETENTION_HOURS)?;
        let poll = bounded(
            "events.poll_interval_milliseconds",
            self.poll_interval_milliseconds,
            10..=60_000,
            d.poll_interval.as_millis() as u64,
        )?;
        let batch = bounded("events.batch_size", self.batch_size.map(u64::from), 1..=1000, u64::from(d.batch_size))?;
        let initial = bounded(
            "events.retry_initial_milliseconds",
            self.retry_initial_milliseconds,
            1..=3_600_000,
            d.retry_initial.as_millis() as u64,
        )?;
        let max = bounded("events.retry_max_seconds", self.retry_max_seconds, 1..=86_400, d.retry_max.as_secs())?;
        let raw_sinks = self.sinks.unwrap_or_default();
        if raw_sinks.len() > MAX_SINKS {
            return Err(invalid("events.sinks", format!("at most {MAX_SINKS} sinks")));
        }
        let mut sinks: Vec<SinkSettings> = Vec::with_capacity(raw_sinks.len());
        for raw in raw_sinks {
            let sink = raw.validate()?;
            if sinks.iter().any(|s| s.name == sink.name) {
                return Err(invalid("events.sinks.name", format!("two sinks are named '{}'", sink.name)));
            }
            sinks.push(sink);
        }
        Ok(EventSettings {
            retention: time::Duration::hours(retention as i64),
            poll_interval: Duration::from_millis(poll),
            batch_size: batch as u32,
            retry_initial: Duration::from_millis(initial),
            retry_max: Duration::from_secs(max),
            sinks,
        })
    }
}

impl RawSink {
    fn validate(self) -> Result<SinkSettings, ConfigError> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_ok {
            return Err(invalid("events.sinks.name", "1 to 64 letters, digits, '-' or '_'"));
        }
        let only = |allowed: &[&str]| -> Result<(), ConfigError> {
            let given = [
                ("url", self.url.is_some()),
                ("secret_file", self.secret_file.is_some()),
                ("secret_env", self.secret_env.is_some()),
                ("timeout_seconds", self.timeout_seconds.is_some()),
                ("ca_file", self.ca_file.is_some()),
                ("subject", self.subject.is_some()),
                ("stream", self.stream.is_some()),
                ("path", self.path.is_some()),
            ];
            match given.iter().find(|(field, set)| *set && !allowed.contains(field)) {
                Some((field, _)) => Err(invalid(
                    "events.sinks",
                    format!("sink '{}': {field} does not apply to type \"{}\"", self.name, self.kind),
                )),
                None => Ok(()),
            }
        };
        let timeout = || {
            bounded("events.sinks.timeout_seconds", self.timeout_seconds, 1..=300, DEFAULT_SINK_TIMEOUT.as_secs())
                .map(Duration::from_secs)
        };
        let target = match self.kind.as_str() {
            "webhook" => {
                only(&["url", "secret_file", "secret_env", "timeout_seconds", "ca_file"])?;
                let url = self.url.clone().unwrap_or_default();
                let uri: http::Uri = url.parse().map_err(|_| invalid("events.sinks.url", "not a valid URL"))?;
                if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
                    return Err(invalid("events.sinks.url", "a webhook needs an http:// or https:// URL"));
                }
                let tls = self.ca_file.as_deref().map(webhook_tls).transpose()?;
                SinkTarget::Webhook { url: RedactedUrl(url), secret: self.secret()?, tls, timeout: timeout()? }
            }
            "nats" => {
                only(&["url", "subject", "stream", "timeout_seconds"])?;
                let url = self.url.clone().unwrap_or_default();
                if !(url.starts_with("nats://") || url.starts_with("tls://")) {
                    return Err(invalid("events.sinks.url", "a nats sink needs a nats:// (or tls://) URL"));
                }
                let subject = self.subject.clone().unwrap_or_else(|| DEFAULT_NATS_SUBJECT.to_owned());
                let subject_ok = !subject.is_empty()
                    && subject.len() <= 255
                    && subject.split('.').all(|t| !t.is_empty() && t != "*" && t != ">")
                    && !subject.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
                if !subject_ok {
                    return Err(invalid(
                        "events.sinks.subject",
                        "a NATS subject: dot-separated tokens, no wildcards or spaces, at most 255 bytes",
                    ));
                }
                let stream = self.stream.clone();
                let stream_ok = |s: &String| {
                    (1..=32).contains(&s.len())
                        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                };
                if stream.as_ref().is_some_and(|s| !stream_ok(s)) {
                    return Err(invalid("events.sinks.stream", "1 to 32 letters, digits, '-' or '_'"));
                }
                SinkTarget::Nats { url: RedactedUrl(url), subject, stream, timeout: timeout()? }
            }
            "jsonl" => {
                only(&["path"])?;
                match self.path.clone() {
                    Some(path) if !path.as_os_str().is_empty() => SinkTarget::Jsonl { path },
                    _ => return Err(invalid("events.sinks.path", "a jsonl sink needs a file path")),
                }
            }
            other => {
                return Err(invalid(
                    "events.sinks.type",
                    format!("'{other}' is not a sink Trent has; use \"webhook\", \"nats\" or \"jsonl\""),
                ));
            }
        };
        Ok(SinkSettings { name: self.name, target })
    }

    /// The webhook's signing secret, from `secret_file` or `secret_env`.
    fn secret(&self) -> Result<Option<SecretBytes>, ConfigError> {
        let mut bytes = match (&self.secret_file, &self.secret_env) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(invalid("events.sinks.secret_file", "give secret_file or secret_env, not both"));
            }
            // The error's text names the file, never its content.
            (Some(path), None) => SecretBytes::new(
                std::fs::read(path)
                    .map_err(|e| invalid("events.sinks.secret_file", format!("cannot read {}: {e}", path.display())))?,
            ),
            (None, Some(name)) => match std::env::var_os(name) {
                Some(value) => SecretBytes::new(value.into_encoded_bytes()),
                None => return Err(invalid("events.sinks.secret_env", format!("{name} is not set"))),
            },
        };
        let text = bytes.expose_secret();
        let trimmed = text.strip_suffix(b"\n").map(|t| t.strip_suffix(b"\r").unwrap_or(t)).unwrap_or(text);
        if trimmed.len() != text.len() {
            bytes = SecretBytes::from_slice(trimmed);
        }
        if bytes.is_empty() || bytes.len() > MAX_SECRET_LEN {
            return Err(invalid("events.sinks.secret_file", format!("the secret must be 1 to {MAX_SECRET_LEN} bytes")));
        }
        Ok(Some(bytes))
    }
}

/// A TLS client configuration that trusts exactly the CA certificates of the PEM file `path`.
fn webhook_tls(path: &Path) -> Result<Arc<rustls::ClientConfig>, ConfigError> {
    let bad = |message: String| invalid("events.sinks.ca_file", message);
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| bad(format!("{}: not PEM certificates ({e})", path.display())))?;
        roots.add(cert).map_err(|e| bad(format!("{}: not a usable CA certificate ({e})", path.display())))?;
    }
    if roots.is_empty() {
        return Err(bad(format!("{} holds no certificate", path.display())));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("no TLS version to offer ({e})")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink(kind: &str) -> RawSink {
        RawSink { name: "s".into(), kind: kind.into(), ..RawSink::default() }
    }

    fn events(sinks: Vec<RawSink>) -> Result<EventSettings, ConfigError> {
        RawEvents { sinks: Some(sinks), ..RawEvents::default() }.validate()
    }

    fn refused(sinks: Vec<RawSink>) -> String {
        events(sinks).expect_err("refused").to_string()
    }

    #[test]
    fn sinks_are_checked_per_type() {
        let hook = |url: &str| RawSink { url: Some(url.into()), ..sink("webhook") };
        assert!(events(vec![hook("https://hooks.example.com/t?token=x")]).is_ok());
        assert!(refused(vec![hook("ftp://x/")]).contains("http://"));
        assert!(
            refused(vec![RawSink { path: Some("/x".into()), ..hook("http://x/") }]).contains("path does not apply")
        );
        assert!(refused(vec![sink("webhook")]).contains("events.sinks.url"));
        assert!(refused(vec![sink("kafka")]).contains("not a sink"));
        let nats = |subject: &str| RawSink {
            url: Some("nats://h:4222".into()),
            subject: Some(subject.into()),
            ..sink("nats")
        };
        assert!(events(vec![nats("trent.events")]).is_ok());
        for bad in ["", "a..b", "a.*", "a >", "a.>"] {
            assert!(refused(vec![nats(bad)]).contains("subject"), "{bad}");
        }
        assert!(refused(vec![RawSink { stream: Some("a.b".into()), ..nats("x") }]).contains("stream"));
        assert!(refused(vec![sink("jsonl")]).contains("path"));
        let named = |name: &str| RawSink { name: name.into(), path: Some("/f".into()), ..sink("jsonl") };
        assert!(refused(vec![named("a b")]).contains("name"));
        assert!(refused(vec![named("dup"), named("dup")]).contains("two sinks"));
        assert!(refused((0..17).map(|i| named(&format!("s{i}"))).collect()).contains("at most 16"));
    }

    #[test]
    fn settings_are_bounded_and_default() {
        let d = RawEvents::default().validate().unwrap();
        assert_eq!(d.retention, time::Duration::days(7));
        assert_eq!((d.poll_interval, d.batch_size, d.retry_max), (DEFAULT_POLL_INTERVAL, 100, DEFAULT_RETRY_MAX));
        let bad = RawEvents { batch_size: Some(0), ..RawEvents::default() }.validate().unwrap_err();
        assert!(bad.to_string().contains("events.batch_size"), "{bad}");
        let bad = RawEvents { poll_interval_milliseconds: Some(1), ..RawEvents::default() }.validate();
        assert!(bad.is_err());
    }

    #[test]
    fn the_secret_comes_from_a_file_without_its_newline_and_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "s3cr3t-hmac\n").unwrap();
        let hook = RawSink {
            url: Some("https://user:pw@hooks.example.com/path?token=abc".into()),
            secret_file: Some(path.clone()),
            ..sink("webhook")
        };
        let settings = events(vec![hook.clone()]).unwrap();
        let SinkTarget::Webhook { secret: Some(secret), .. } = &settings.sinks[0].target else { panic!() };
        assert_eq!(secret.expose_secret(), b"s3cr3t-hmac");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("token") && !shown.contains("pw"), "{shown}");
        assert!(shown.contains("https://hooks.example.com/"), "{shown}");
        std::fs::write(&path, "").unwrap();
        assert!(refused(vec![hook.clone()]).contains("1 to 4096 bytes"));
        let missing = RawSink { secret_file: Some(dir.path().join("none")), ..hook };
        assert!(refused(vec![missing]).contains("cannot read"));
    }

    #[test]
    fn a_webhook_ca_file_must_hold_ca_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        let hook =
            RawSink { url: Some("https://hooks.internal/".into()), ca_file: Some(path.clone()), ..sink("webhook") };
        assert!(refused(vec![hook.clone()]).contains("cannot read"));
        std::fs::write(&path, "no PEM here\n").unwrap();
        assert!(refused(vec![hook.clone()]).contains("holds no certificate"));
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
        std::fs::write(&path, cert.pem()).unwrap();
        let settings = events(vec![hook.clone()]).unwrap();
        assert!(matches!(&settings.sinks[0].target, SinkTarget::Webhook { tls: Some(_), .. }));
        let nats = RawSink { url: Some("nats://h:4222".into()), ca_file: Some(path), ..sink("nats") };
        assert!(refused(vec![nats]).contains("ca_file does not apply"));
    }
}
