//! The audit writer: one task that group-commits events and acknowledges each only once its
//! commit is durable.
//!
//! Request handlers build their events ([`trent_core::audit::call_events`]), serialise them on
//! their own task ([`AuditLog::record`] does this before queueing) and wait. The single writer
//! takes whatever is queued (up to [`MAX_BATCH`] events), chains it after the last stored event
//! (it alone assigns seqs, so the chain is linear), signs a digest over the batch, stores events
//! and digest in one transaction (SQLite: WAL with `synchronous=FULL`, so a commit is on disk
//! when it returns) and then wakes every waiter. No timer batches: while one commit runs, the
//! next batch queues up, so batches grow with load and a lone event commits at once.
//!
//! If a commit fails, every waiter of that batch gets the error at once (the request must answer
//! 500, never succeed unrecorded; nothing is retried while it waits) and the writer re-reads the
//! chain's end from the store before the next batch, so a full disk fails requests until space
//! returns and then the writer carries on. When the store is unreachable (a database outage),
//! the calls that queued during the failed commit fail with it, so that no call waits for more
//! than one attempt. The queue is bounded ([`QUEUE`]): when the disk cannot
//! keep up, callers wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use trent_core::audit::{
    AuditError, AuditEvent, AuditSigner, AuditTrail, CallRecord, Chain, Outcome, PendingEvent, call_events_taking,
};
use trent_core::kms::KeyUse;
use trent_core::store::AuditStore;
use trent_core::{Caller, SharedClock};
use trent_wire::{AwsError, Dispatched, WireService};

use crate::state::AppState;

/// Events waiting for the writer before callers have to wait to queue.
pub const QUEUE: usize = 8192;
/// Most events in one group commit (and under one digest).
pub const MAX_BATCH: usize = 512;

type Ack = oneshot::Sender<Result<(), AuditError>>;
/// A request to empty the trail, answered once it is empty.
type Clear = oneshot::Sender<Result<(), AuditError>>;

/// Counters of the writer, for benchmarks and `/metrics`.
#[derive(Debug)]
pub struct AuditStats {
    /// Events committed.
    pub events: AtomicU64,
    /// Group commits that succeeded.
    pub batches: AtomicU64,
    /// Group commits that failed (their events were refused).
    pub failed_batches: AtomicU64,
    /// Events per successful group commit.
    pub commit_sizes: crate::metrics::Histogram,
    /// How long each successful group commit took (chaining, signing, storing).
    pub commit_seconds: crate::metrics::Histogram,
}

impl Default for AuditStats {
    fn default() -> Self {
        Self {
            events: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            failed_batches: AtomicU64::new(0),
            commit_sizes: crate::metrics::Histogram::sizes(),
            commit_seconds: crate::metrics::Histogram::seconds(),
        }
    }
}

/// The handle request handlers record through. Cheap to share behind the `AppState`.
pub struct AuditLog {
    /// The events of one call with one acknowledgement: they go into one group commit.
    queue: mpsc::Sender<(Vec<PendingEvent>, Ack)>,
    clear: mpsc::Sender<Clear>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    trail: AuditTrail,
    public_key: [u8; 32],
    stats: Arc<AuditStats>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("public_key", &trent_core::audit::hex(&self.public_key)).finish()
    }
}

impl AuditLog {
    /// Resumes the chain from `store` and starts the writer task on the current runtime.
    ///
    /// # Errors
    /// [`AuditError::Store`] if the chain's end cannot be read.
    pub async fn start(
        store: Arc<dyn AuditStore>,
        signer: AuditSigner,
        clock: SharedClock,
    ) -> Result<Self, AuditError> {
        let head = store.audit_head().await.map_err(AuditError::Store)?;
        if !Chain::head_is_consistent(&head) {
            tracing::error!(
                last_event = ?head.last_event.map(|(seq, _)| seq),
                last_digest = ?head.last_digest.as_ref().map(|d| (d.digest_seq, d.last_seq)),
                "the audit trail does not end where its last digest does; run `trent audit verify`"
            );
        }
        let (queue, rx) = mpsc::channel(QUEUE);
        let (stop, stop_rx) = watch::channel(false);
        let stats = Arc::new(AuditStats::default());
        let public_key = signer.public_key();
        let clock_for_trail = clock.clone();
        let writer =
            Writer { store: store.clone(), signer, clock, chain: Some(Chain::resume(&head)), stats: stats.clone() };
        let (clear, clear_rx) = mpsc::channel(1);
        let task = tokio::spawn(writer.run(rx, clear_rx, stop_rx));
        Ok(Self {
            queue,
            clear,
            stop,
            task: Mutex::new(Some(task)),
            trail: AuditTrail::new(store, clock_for_trail),
            public_key,
            stats,
        })
    }

    /// Records `event` and returns once it is durably committed (with its digest).
    ///
    /// Serialisation happens here, on the caller's task. If the caller stops waiting, the event
    /// is still committed.
    ///
    /// # Errors
    /// [`AuditError::CommitFailed`] if its group commit failed (the caller must not report
    /// success), [`AuditError::WriterStopped`] after [`AuditLog::shutdown`], or
    /// [`AuditError::Encode`].
    pub async fn record(&self, event: AuditEvent) -> Result<(), AuditError> {
        self.record_all(vec![event]).await
    }

    /// Records every event of `events` (one call's copies for several accounts, and the KMS
    /// calls made on its behalf) in one group commit, and returns once they are durable.
    ///
    /// # Errors
    /// As [`AuditLog::record`].
    pub async fn record_all(&self, events: Vec<AuditEvent>) -> Result<(), AuditError> {
        let pending = events.iter().map(PendingEvent::new).collect::<Result<Vec<_>, _>>()?;
        let (ack, acked) = oneshot::channel();
        self.queue.send((pending, ack)).await.map_err(|_| AuditError::WriterStopped)?;
        acked.await.map_err(|_| AuditError::WriterStopped)?
    }

    /// Empties the trail (a development server's reset): the writer deletes every event and
    /// digest between two commits and starts the chain again at seq 1, under the same signing
    /// key. Events queued meanwhile are committed to the new trail.
    ///
    /// # Errors
    /// [`AuditError::Store`] if the store could not delete, [`AuditError::WriterStopped`]
    /// after [`AuditLog::shutdown`].
    pub async fn clear(&self) -> Result<(), AuditError> {
        let (done, cleared) = oneshot::channel();
        self.clear.send(done).await.map_err(|_| AuditError::WriterStopped)?;
        cleared.await.map_err(|_| AuditError::WriterStopped)?
    }

    /// Stops accepting events, commits everything already queued, and waits for the writer.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().take();
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the audit writer ended abnormally");
        }
    }

    /// The trail, for `LookupEvents`.
    pub fn trail(&self) -> &AuditTrail {
        &self.trail
    }

    /// The public key digests are signed for.
    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    /// The writer's counters.
    pub fn stats(&self) -> &AuditStats {
        &self.stats
    }
}

/// The KMS calls made on a caller's behalf during one request (see `crate::on_behalf`): their
/// records, and the keys their successful cryptographic calls used, for `GetKeyLastUsage`.
#[derive(Debug, Default)]
pub struct OnBehalfRecords {
    /// The calls' events.
    pub events: Vec<AuditEvent>,
    /// The keys they used, each with its call's record.
    pub key_uses: Vec<KeyUse>,
}

/// Records the events of one authenticated call (the caller's, each resource owner's for a
/// cross-account call, and `on_behalf`: the KMS calls a service made for it) and passes its
/// answer through: the answer goes out only once every
/// event is durable, and becomes a generic 500 if one cannot be recorded.
///
/// # Errors
/// The dispatcher's own error, or `InternalFailure` (500) when an event was not committed.
pub async fn record_call(
    state: &AppState,
    service: &WireService,
    caller: &Caller,
    operation: &str,
    dispatched: Dispatched,
    request_id: &str,
    on_behalf: OnBehalfRecords,
) -> Result<Vec<u8>, AwsError> {
    let Dispatched { result, mut facts } = dispatched;
    let (request, response) = (facts.request.take(), facts.response.take());
    let outcome = match &result {
        Ok(_) => Outcome::Answered,
        Err(e) => Outcome::Failed { code: e.code, message: &e.message, denied: e.is_access_denied() },
    };
    let call = CallRecord {
        rules: service.audit,
        caller,
        operation,
        facts: &facts,
        outcome,
        request_id,
        tls: None,
        time: state.clock.now(),
    };
    let mut events = call_events_taking(&call, request, response);
    // The keys this call used, as the domain reported them, for GetKeyLastUsage: noted in
    // memory once the events are durable (the background flush writes them), never a store
    // write per request.
    let mut uses = on_behalf.key_uses;
    if result.is_ok() {
        uses.extend(facts.key_uses.into_iter().filter_map(|used| used.recorded_in(&events)));
    }
    events.extend(on_behalf.events);
    match state.audit.record_all(events).await {
        Ok(()) => {
            if !uses.is_empty() {
                state.kms.track_usage(uses);
            }
            result
        }
        Err(e) => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), operation, request_id, "audit record failed; answering 500");
            Err(AwsError::internal())
        }
    }
}

struct Writer {
    store: Arc<dyn AuditStore>,
    signer: AuditSigner,
    clock: SharedClock,
    /// The chain's end; `None` after a failed commit until re-read from the store.
    chain: Option<Chain>,
    stats: Arc<AuditStats>,
}

impl Writer {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<(Vec<PendingEvent>, Ack)>,
        mut clear: mpsc::Receiver<Clear>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut stopping = false;
        let mut events = Vec::with_capacity(MAX_BATCH);
        let mut acks = Vec::with_capacity(MAX_BATCH);
        let mut scratch = Vec::new();
        loop {
            let first = if stopping {
                rx.recv().await
            } else {
                tokio::select! {
                    r = rx.recv() => r,
                    Some(done) = clear.recv() => {
                        let _ = done.send(self.clear().await);
                        continue;
                    }
                    _ = stop.changed() => {
                        // Refuse new events; what is queued is still received and committed.
                        stopping = true;
                        rx.close();
                        continue;
                    }
                }
            };
            let Some((call, ack)) = first else { break };
            events.extend(call);
            acks.push(ack);
            // Whole calls only: a call's events share one commit, even past MAX_BATCH.
            while events.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok((call, ack)) => {
                        events.extend(call);
                        acks.push(ack);
                    }
                    Err(_) => break,
                }
            }
            let committed = events.len();
            let started = std::time::Instant::now();
            let result = self.commit(std::mem::take(&mut events), &mut scratch).await;
            match result {
                Ok(()) => {
                    self.stats.commit_seconds.observe_duration(started.elapsed());
                    self.stats.commit_sizes.observe(committed as f64);
                    self.stats.batches.fetch_add(1, Ordering::Relaxed);
                    self.stats.events.fetch_add(committed as u64, Ordering::Relaxed);
                    for ack in acks.drain(..) {
                        let _ = ack.send(Ok(()));
                    }
                }
                Err(e) => {
                    self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), calls = acks.len(), "audit commit failed");
                    let shared = match e {
                        AuditError::Store(store_error) => Arc::new(store_error),
                        AuditError::CommitFailed(shared) => shared,
                        other => Arc::new(trent_core::StoreError::Unavailable(Box::new(other))),
                    };
                    // The database is unreachable: the calls that queued while this commit
                    // waited for it fail with it rather than each waiting for an attempt of its
                    // own, so a node whose database is down answers within one attempt.
                    if matches!(*shared, trent_core::StoreError::Unavailable(_)) {
                        while let Ok((_, ack)) = rx.try_recv() {
                            acks.push(ack);
                        }
                    }
                    for ack in acks.drain(..) {
                        let _ = ack.send(Err(AuditError::CommitFailed(shared.clone())));
                    }
                }
            }
            events = Vec::with_capacity(MAX_BATCH);
        }
        tracing::debug!("audit writer stopped");
    }

    /// Empties the store; the next commit starts the chain from what the store then holds.
    async fn clear(&mut self) -> Result<(), AuditError> {
        self.chain = None;
        self.store.clear_audit().await.map_err(AuditError::Store)?;
        tracing::warn!("the audit trail was emptied (development reset)");
        Ok(())
    }

    /// Chains, signs and stores one batch; the chain's end moves only if the store committed.
    async fn commit(&mut self, events: Vec<PendingEvent>, scratch: &mut Vec<u8>) -> Result<(), AuditError> {
        let chain = match self.chain.take() {
            Some(chain) => chain,
            None => Chain::resume(&self.store.audit_head().await.map_err(AuditError::Store)?),
        };
        let (batch, next) = chain.link(events, &self.signer, self.clock.now(), scratch);
        match self.store.append_audit(&batch.events, Some(&batch.digest)).await {
            Ok(()) => {
                self.chain = Some(next);
                Ok(())
            }
            // `chain` stays taken: the next batch re-reads the end from the store, which is
            // right whether the failed commit left nothing (the usual case) or, after an
            // ambiguous I/O error, did reach the disk.
            Err(e) => Err(AuditError::Store(e)),
        }
    }
}
