//! `trent audit bench`: many concurrent callers record realistic KMS `Encrypt` events through
//! the real writer into a real (fsynced) SQLite file; prints events per second and the average
//! group-commit size.
//!
//! With `--print-acks` every acknowledged event id is printed (and flushed) as soon as
//! `record` returns, which is what the crash test reads after killing this process.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use trent_core::audit::rules::KMS;
use trent_core::audit::{AuditSigner, CallFacts, CallRecord, KmsNames, Outcome, call_event, kms_resources};
use trent_core::{AccountId, Caller, Principal, PrincipalKind, Region, SystemClock};
use trent_server::AuditLog;
use trent_store::SqliteAuditStore;

use super::AuditCliError;

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Data directory (created if missing); a temporary one by default.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Events to record.
    #[arg(long, default_value_t = 200_000)]
    events: u64,
    /// Concurrent callers.
    #[arg(long, default_value_t = 256)]
    concurrency: u64,
    /// Print `ack <event id>` for every acknowledged event.
    #[arg(long)]
    print_acks: bool,
}

fn caller() -> Caller {
    let account = AccountId::parse("111122223333").expect("a valid account id");
    let identity = std::sync::Arc::new(trent_core::identity::CallerIdentity::root(&account));
    Caller {
        principal: Principal { unique_id: account.to_string(), account, kind: PrincipalKind::Root },
        access_key_id: "AKIABENCHBENCHBENCH0".to_owned(),
        region: Region::parse("us-east-1").expect("a valid region"),
        source_ip: Some(std::net::Ipv4Addr::LOCALHOST.into()),
        user_agent: Some("trent-audit".to_owned()),
        secure_transport: false,
        identity,
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

const REQUEST: &[u8] = br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZy4gVGhlIHF1aWNrIGJyb3duIGZveA==","EncryptionContext":{"app":"bench","tenant":"t-42"}}"#;
const ANSWER: &[u8] = br#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","CiphertextBlob":"AQEBAHhA84wnXjEJdBbBBylRUFcZZK2j7xwh6UyLoL28nQ+0FAAAAH4wfAYJKoZIhvcNAQcGoG8wbQIBADBoBgkqhkiG9w0BBwEwHgYJYIZIAWUDBAEuMBEEDBcGq+p6Ks56","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#;

/// What the request path hands the audit writer for one `Encrypt` like [`REQUEST`]/[`ANSWER`].
fn facts(who: &Caller) -> CallFacts {
    let request: serde_json::Value = serde_json::from_slice(REQUEST).unwrap_or_default();
    let answer: serde_json::Value = serde_json::from_slice(ANSWER).unwrap_or_default();
    let requested = request["KeyId"].as_str().map(str::to_owned);
    let resolved = answer["KeyId"].as_str().map(str::to_owned);
    let names =
        KmsNames { requested: [requested.as_deref(), None], resolved: [resolved.as_deref(), None], alias: None };
    let resources = kms_resources(who, &names);
    CallFacts { request: Some(request), response: None, resources, key_uses: Vec::new() }
}

pub(super) async fn run(args: BenchArgs) -> Result<(), AuditCliError> {
    let temp = match &args.data_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().map_err(|e| AuditCliError::Usage(format!("temporary directory: {e}")))?),
    };
    let dir = args.data_dir.clone().or_else(|| temp.as_ref().map(|t| t.path().to_owned())).unwrap_or_default();
    std::fs::create_dir_all(&dir).map_err(|e| AuditCliError::Usage(format!("{}: {e}", dir.display())))?;
    let (root, _) = trent_server::seal::open_key_file(&dir.join("root.key"))
        .map_err(|e| AuditCliError::Usage(format!("root key: {e}")))?;
    let path = dir.join(trent_server::AUDIT_FILE);
    let store = Arc::new(
        SqliteAuditStore::open(&path).await.map_err(|source| AuditCliError::Store { path: path.clone(), source })?,
    );
    let signer = AuditSigner::load_or_create(store.as_ref(), &root).await?;
    let log = Arc::new(AuditLog::start(store.clone(), signer, Arc::new(SystemClock)).await?);

    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (log, next, failures) = (log.clone(), next.clone(), failures.clone());
        let (total, print) = (args.events, args.print_acks);
        tasks.push(tokio::spawn(async move {
            let who = caller();
            let facts = facts(&who);
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let event = call_event(&CallRecord {
                    rules: &KMS,
                    caller: &who,
                    operation: "Encrypt",
                    facts: &facts,
                    outcome: Outcome::Answered,
                    request_id: "00000000-0000-4000-8000-000000000000",
                    tls: None,
                    time: time::OffsetDateTime::now_utc(),
                });
                let id = event.event_id.clone();
                match log.record(event).await {
                    Ok(()) if print => {
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "ack {id}").and_then(|()| out.flush());
                    }
                    Ok(()) => {}
                    Err(e) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        eprintln!("record failed: {e}");
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    log.shutdown().await;
    let stats = log.stats();
    let (events, batches) = (stats.events.load(Ordering::Relaxed), stats.batches.load(Ordering::Relaxed));
    if !args.print_acks {
        println!(
            "{events} events in {:.2} s: {:.0} events/s, {batches} group commits (avg {:.1} events), {} failed",
            elapsed.as_secs_f64(),
            events as f64 / elapsed.as_secs_f64(),
            events as f64 / batches.max(1) as f64,
            failures.load(Ordering::Relaxed)
        );
    }
    store.close().await;
    Ok(())
}
