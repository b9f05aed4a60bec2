//! Prometheus metrics: `GET /metrics` in the text exposition format (version 0.0.4).
//!
//! What is counted: requests by service, operation and outcome (`ok` or the AWS error code),
//! their latency, the audit trail's group commits (events per commit, commit latency), the
//! caches (hits, misses, entries), scheduled work done, and on PostgreSQL the scheduler
//! leases this node holds, the cache invalidations sent and received, and the database pool.
//!
//! Labels come only from bounded sets: services and error codes are static strings, and an
//! operation is counted under its own name only if the service answered it (anything the
//! service does not know is counted as `unknown`), so a caller cannot make the series grow
//! without bound; past [`MAX_SERIES`] operations, further ones are counted as `other`.
//! Nothing secret, and no key id or account, is ever a label.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use crate::state::AppState;

/// Distinct (service, operation) pairs counted before further ones are `other`.
pub const MAX_SERIES: usize = 1000;
/// Latency buckets, in seconds.
const SECONDS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Events-per-commit buckets.
const SIZES: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// A histogram of fixed buckets, updated without locks.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    /// The sum of observations, in millionths.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// A histogram of durations in seconds.
    pub fn seconds() -> Self {
        Self::new(&SECONDS)
    }

    /// A histogram of sizes (events per commit).
    pub fn sizes() -> Self {
        Self::new(&SIZES)
    }

    /// Counts one observation.
    pub fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        // Truncation to whole millionths is the intended precision of the sum.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "non-negative, bounded values")]
        self.sum_micros.fetch_add((value * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one duration.
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines of `name` with `labels` (`a="b",` or
    /// empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let labels = labels.trim_end_matches(',');
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// One operation's requests.
#[derive(Debug)]
struct Operation {
    outcomes: HashMap<&'static str, u64>,
    latency: Histogram,
}

/// Every metric this node keeps itself (the rest is read from the services at scrape time).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(&'static str, String), Operation>>,
    /// Keys destroyed by the scheduler on this node.
    pub keys_deleted: AtomicU64,
    /// Keys rotated by the scheduler on this node.
    pub keys_rotated: AtomicU64,
    /// Secrets purged after their recovery window by this node.
    pub secrets_purged: AtomicU64,
    /// Parameters deleted by their `Expiration` policy on this node.
    pub parameters_expired: AtomicU64,
    /// Parameter policy notifications (`ExpirationNotification`, `NoChangeNotification`) this
    /// node sent on their own, not with an expiration.
    pub parameters_notified: AtomicU64,
    /// `Failed` secret replicas this node's scheduler tried again (each attempt counts).
    pub replicas_retried: AtomicU64,
    /// Of those, the ones in sync after the attempt: what a cluster test counts to see each
    /// repaired replica brought up to date once, on the node holding the `secrets` lease.
    pub replicas_recovered: AtomicU64,
}

impl Metrics {
    /// Counts one request of `service`'s `operation` that ended with `code` (`None`: success)
    /// after `elapsed`.
    pub fn request(&self, service: &'static str, operation: &str, code: Option<&'static str>, elapsed: Duration) {
        let operation = match code {
            Some("UnknownOperationException" | "InvalidAction") => "unknown",
            _ if service == "unknown" => "unknown",
            _ => operation,
        };
        let mut requests = self.requests.lock();
        let key = if requests.len() >= MAX_SERIES && !requests.contains_key(&(service, operation.to_owned())) {
            (service, "other".to_owned())
        } else {
            (service, operation.to_owned())
        };
        let op = requests
            .entry(key)
            .or_insert_with(|| Operation { outcomes: HashMap::new(), latency: Histogram::seconds() });
        *op.outcomes.entry(code.unwrap_or("ok")).or_insert(0) += 1;
        op.latency.observe_duration(elapsed);
    }
}

/// Escapes a label value (the operation names are the only ones not from a fixed set).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The exposition of every metric of `state`.
pub(crate) async fn render(state: &AppState) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let m = &state.metrics;
    {
        let requests = m.requests.lock();
        let mut keys: Vec<_> = requests.keys().collect();
        keys.sort();
        header(&mut out, "trent_requests_total", "counter", "Requests by service, operation and outcome.");
        for key in &keys {
            let op = &requests[*key];
            let mut outcomes: Vec<_> = op.outcomes.iter().collect();
            outcomes.sort();
            for (outcome, n) in outcomes {
                let _ = writeln!(
                    out,
                    "trent_requests_total{{service=\"{}\",operation=\"{}\",outcome=\"{outcome}\"}} {n}",
                    key.0,
                    escape(&key.1)
                );
            }
        }
        header(&mut out, "trent_request_duration_seconds", "histogram", "Request latency by service and operation.");
        for key in &keys {
            let labels = format!("service=\"{}\",operation=\"{}\",", key.0, escape(&key.1));
            requests[*key].latency.render(&mut out, "trent_request_duration_seconds", &labels);
        }
    }

    let audit = state.audit.stats();
    header(&mut out, "trent_audit_events_total", "counter", "Audit events committed.");
    let _ = writeln!(out, "trent_audit_events_total {}", audit.events.load(Ordering::Relaxed));
    header(&mut out, "trent_audit_failed_commits_total", "counter", "Audit group commits that failed.");
    let _ = writeln!(out, "trent_audit_failed_commits_total {}", audit.failed_batches.load(Ordering::Relaxed));
    header(&mut out, "trent_audit_commit_events", "histogram", "Events per audit group commit.");
    audit.commit_sizes.render(&mut out, "trent_audit_commit_events", "");
    header(&mut out, "trent_audit_commit_seconds", "histogram", "Latency of one audit group commit.");
    audit.commit_seconds.render(&mut out, "trent_audit_commit_seconds", "");

    let (key_hits, key_misses) = state.kms.cache_stats();
    let (cred_hits, cred_misses) = state.identities.cache_stats();
    let (param_hits, param_misses) = state.params.cache_stats();
    let (secret_hits, secret_misses) = state.secrets.cache_stats();
    header(&mut out, "trent_cache_lookups_total", "counter", "Cache lookups by cache and result.");
    for (cache, result, n) in [
        ("keys", "hit", key_hits),
        ("keys", "miss", key_misses),
        ("credentials", "hit", cred_hits),
        ("credentials", "miss", cred_misses),
        ("parameters", "hit", param_hits),
        ("parameters", "miss", param_misses),
        ("secrets", "hit", secret_hits),
        ("secrets", "miss", secret_misses),
    ] {
        let _ = writeln!(out, "trent_cache_lookups_total{{cache=\"{cache}\",result=\"{result}\"}} {n}");
    }
    header(&mut out, "trent_cache_entries", "gauge", "Entries cached.");
    let _ = writeln!(out, "trent_cache_entries{{cache=\"keys\"}} {}", state.kms.cached_keys());
    let _ = writeln!(out, "trent_cache_entries{{cache=\"credentials\"}} {}", state.identities.cached_credentials());
    let _ = writeln!(out, "trent_cache_entries{{cache=\"secrets\"}} {}", state.secrets.cached_secrets());
    let _ = writeln!(out, "trent_cache_entries{{cache=\"parameters\"}} {}", state.params.cached_parameters());

    header(&mut out, "trent_scheduled_work_total", "counter", "Scheduled work done by this node.");
    for (work, n) in [
        ("key_deleted", &m.keys_deleted),
        ("key_rotated", &m.keys_rotated),
        ("secret_purged", &m.secrets_purged),
        ("parameter_expired", &m.parameters_expired),
        ("parameter_notified", &m.parameters_notified),
        ("replica_retried", &m.replicas_retried),
        ("replica_recovered", &m.replicas_recovered),
    ] {
        let _ = writeln!(out, "trent_scheduled_work_total{{work=\"{work}\"}} {}", n.load(Ordering::Relaxed));
    }

    match state.delivery.stats().await {
        Ok(sinks) if !sinks.is_empty() => {
            header(&mut out, "trent_events_delivered_total", "counter", "Events a sink acknowledged, by sink.");
            for s in &sinks {
                let _ = writeln!(out, "trent_events_delivered_total{{sink=\"{}\"}} {}", s.name, s.delivered);
            }
            header(&mut out, "trent_events_failed_total", "counter", "Failed deliveries to a sink, by sink.");
            for s in &sinks {
                let _ = writeln!(out, "trent_events_failed_total{{sink=\"{}\"}} {}", s.name, s.failed);
            }
            header(&mut out, "trent_events_outbox_depth", "gauge", "Outbox events a sink does not have yet.");
            for s in &sinks {
                let _ = writeln!(out, "trent_events_outbox_depth{{sink=\"{}\"}} {}", s.name, s.pending);
            }
        }
        Ok(_) => {}
        // The page still answers without these series; the log says why.
        Err(e) => tracing::warn!(error = %e, "cannot count the event outbox for /metrics"),
    }

    if let Some(cluster) = &state.cluster {
        let held = cluster.leases_held().await;
        header(
            &mut out,
            "trent_lease_held",
            "gauge",
            "1 for each scheduler lease this node held at its last scheduler tick.",
        );
        for job in crate::scheduler::JOBS {
            let _ = writeln!(out, "trent_lease_held{{job=\"{job}\"}} {}", u8::from(held.contains(&job)));
        }
        let stats = &cluster.stats;
        header(&mut out, "trent_cache_invalidations_total", "counter", "Cache invalidations between nodes.");
        for (direction, n) in [("sent", &stats.sent), ("received", &stats.received), ("dropped", &stats.dropped)] {
            let _ = writeln!(
                out,
                "trent_cache_invalidations_total{{direction=\"{direction}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        header(
            &mut out,
            "trent_cache_full_checks_total",
            "counter",
            "Full cache checks: periodic, and each time the listening connection is made again.",
        );
        let _ = writeln!(out, "trent_cache_full_checks_total {}", stats.full_checks.load(Ordering::Relaxed));
        header(
            &mut out,
            "trent_notifications_reconnects_total",
            "counter",
            "Times the connection listening for cache invalidations was made again (it ended, or heard nothing, not even its own heartbeat, for 5 s).",
        );
        let _ = writeln!(out, "trent_notifications_reconnects_total {}", stats.reconnects.load(Ordering::Relaxed));
        header(
            &mut out,
            "trent_cache_full_check_dropped_total",
            "counter",
            "Cached entries full checks found changed, by cache.",
        );
        for (cache, dropped) in stats.checked_dropped.by_cache() {
            let _ = writeln!(out, "trent_cache_full_check_dropped_total{{cache=\"{cache}\"}} {dropped}");
        }
        let (open, idle) = cluster.pool_connections();
        header(&mut out, "trent_db_pool_connections", "gauge", "Database pool connections by state.");
        let _ = writeln!(out, "trent_db_pool_connections{{state=\"open\"}} {open}");
        let _ = writeln!(out, "trent_db_pool_connections{{state=\"idle\"}} {idle}");
        header(
            &mut out,
            "trent_store_call_timeouts_total",
            "counter",
            "Database calls abandoned at the client-side time limit (each one took the database for down).",
        );
        let _ = writeln!(out, "trent_store_call_timeouts_total {}", cluster.store_call_timeouts());
    }
    out
}

/// `GET /metrics`.
pub(crate) async fn handle(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<AppState>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = render(&state).await;
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_sum() {
        let h = Histogram::seconds();
        h.observe(0.0002);
        h.observe(0.003);
        h.observe(20.0);
        let mut out = String::new();
        h.render(&mut out, "x", "a=\"b\",");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{a=\"b\"} 20.0032\n"), "{out}");
    }

    #[test]
    fn operations_a_service_does_not_know_share_one_series() {
        let m = Metrics::default();
        for i in 0..5 {
            m.request("kms", &format!("Bogus{i}"), Some("UnknownOperationException"), Duration::from_millis(1));
        }
        m.request("kms", "Encrypt", None, Duration::from_millis(1));
        assert_eq!(m.requests.lock().len(), 2);
        for i in 0..(MAX_SERIES + 10) {
            m.request("kms", &format!("Op{i}"), None, Duration::from_millis(1));
        }
        assert_eq!(m.requests.lock().len(), MAX_SERIES + 1, "capped, with one `other` series");
    }
}
