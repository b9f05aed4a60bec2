//! `trent audit verify|query|bench`: the audit trail, read straight from the data directory
//! (or, with `--storage postgres://…`, from the PostgreSQL database every node records into).
//!
//! `verify` and `query` read the trail and need no key material: verification
//! uses only the stored (or a pinned) public key, so they work while the server runs or is
//! stopped. `bench` drives the group-commit writer and measures events per second.

mod bench;
mod trail;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use trent_core::audit::{self, Anchor, EventQuery, Problem};

use self::trail::Trail;
use crate::output::Output;

/// Why an audit command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuditCliError {
    /// The database could not be opened or read.
    #[error("{path}: {source}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: trent_core::StoreError,
    },
    /// The PostgreSQL database could not be opened or read (its URL is not shown: it may hold
    /// a password).
    #[error("the PostgreSQL storage: {0}")]
    Database(#[source] trent_core::StoreError),
    /// Reading or verifying the trail failed.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// Verification found tampering.
    #[error("audit trail verification FAILED: {0}")]
    Tampered(Problem),
    /// A flag or the witness file is not usable.
    #[error("{0}")]
    Usage(String),
    /// The witness file could not be written.
    #[error("witness file {path}: {source}")]
    Witness {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain and every signed digest; name the first problem.
    Verify(VerifyArgs),
    /// Search the trail, newest first.
    Query(QueryArgs),
    /// Measure the group-commit writer (events per second).
    Bench(bench::BenchArgs),
}

#[derive(Args)]
struct VerifyArgs {
    /// Data directory holding audit.db.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = trent_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Where the trail is: "sqlite" (audit.db in the data directory) or the PostgreSQL URL the
    /// servers use, whose every node's chain is verified.
    #[arg(long, env = "TRENT_STORAGE")]
    storage: Option<String>,
    /// The audit public key to trust (64 hex digits, as printed by an earlier verify), instead
    /// of the one stored in the database.
    #[arg(long)]
    public_key: Option<String>,
    /// A file remembering the last verified digest: a later truncation of the trail (events and
    /// digests both) is then detected. Created on first use, updated after each success.
    #[arg(long)]
    witness: Option<PathBuf>,
}

#[derive(Args)]
struct QueryArgs {
    /// Data directory holding audit.db.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = trent_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Where the trail is: "sqlite" (audit.db in the data directory) or the PostgreSQL URL the
    /// servers use (every node's chain, merged by time).
    #[arg(long, env = "TRENT_STORAGE")]
    storage: Option<String>,
    /// Only this operation, e.g. `Encrypt`.
    #[arg(long)]
    event_name: Option<String>,
    /// Only calls by this user name (`root` for the account root).
    #[arg(long)]
    username: Option<String>,
    /// Only this service, e.g. `kms.amazonaws.com`.
    #[arg(long)]
    event_source: Option<String>,
    /// Only calls signed with this access key id.
    #[arg(long)]
    access_key_id: Option<String>,
    /// Only events naming this resource ARN.
    #[arg(long)]
    resource_name: Option<String>,
    /// Only this event id.
    #[arg(long)]
    event_id: Option<String>,
    /// Only read-only (`true`) or write (`false`) events.
    #[arg(long)]
    read_only: Option<bool>,
    /// Only this account.
    #[arg(long)]
    account: Option<String>,
    /// Only this region.
    #[arg(long)]
    region: Option<String>,
    /// Events at or after this time (RFC 3339 or epoch seconds).
    #[arg(long, value_parser = parse_time)]
    start: Option<OffsetDateTime>,
    /// Events at or before this time (RFC 3339 or epoch seconds).
    #[arg(long, value_parser = parse_time)]
    end: Option<OffsetDateTime>,
    /// At most this many events.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Output format: readable lines, or the CloudTrail records as a JSON array.
    #[arg(long, value_enum, default_value = "text")]
    output: Output,
}

fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(secs) = s.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs).map_err(|e| e.to_string());
    }
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("'{s}' is neither RFC 3339 nor epoch seconds: {e}"))
}

pub(crate) fn run(args: AuditArgs, runtime: &tokio::runtime::Runtime) -> Result<(), AuditCliError> {
    match args.command {
        AuditCommand::Verify(a) => runtime.block_on(verify(a)),
        AuditCommand::Query(a) => runtime.block_on(query(a)),
        AuditCommand::Bench(a) => runtime.block_on(bench::run(a)),
    }
}

async fn verify(args: VerifyArgs) -> Result<(), AuditCliError> {
    let store = Trail::open(&args.data_dir, args.storage.as_deref()).await?;
    let stored = audit::stored_public_key(store.meta()).await?;
    let public_key = match (&args.public_key, stored) {
        (Some(text), stored) => {
            let pinned = audit::parse_hex32(text)
                .ok_or_else(|| AuditCliError::Usage("--public-key must be 64 hexadecimal digits".into()))?;
            if stored.is_some_and(|s| s != pinned) {
                println!("warning: the public key stored in the database differs from the pinned one");
            }
            pinned
        }
        (None, Some(stored)) => stored,
        (None, None) => {
            return Err(AuditCliError::Usage("no audit public key is stored yet (has the server run?)".into()));
        }
    };
    println!("audit public key (Ed25519): {}", audit::hex(&public_key));
    let anchor = args.witness.as_deref().map(read_witness).transpose()?.flatten();
    // The witness anchors the single-node chain (`""`), the only one a SQLite trail has.
    let anchors: BTreeMap<String, Anchor> = anchor.map(|a| (String::new(), a)).into_iter().collect();
    let reports = audit::verify_chains(store.audit(), &public_key, &anchors).await?;
    store.close().await;
    // Every chain is reported with its last verified record before the first problem fails
    // the run.
    let mut problem = None;
    for audit::ChainReport { node, report } in &reports {
        let chain = if node.is_empty() { String::new() } else { format!("chain of node {node}: ") };
        println!("{chain}checked {} events and {} digests", report.events_checked, report.digests_checked);
        match (&report.problem, report.last_digest) {
            (Some(p), last) => {
                let last = last.map_or_else(|| "none".to_owned(), |d| format!("seq {}", d.last_seq));
                println!("{chain}TAMPERED: {p} (last verified event: {last})");
                problem = problem.or_else(|| Some(p.clone()));
            }
            (None, Some(d)) => {
                println!("{chain}OK: digest #{} signs every event up to seq {}", d.digest_seq, d.last_seq);
            }
            (None, None) => println!("{chain}OK: the trail is empty"),
        }
    }
    if let Some(problem) = problem {
        return Err(AuditCliError::Tampered(problem));
    }
    let single = reports.iter().find(|r| r.node.is_empty()).and_then(|r| r.report.last_digest);
    if let (Some(path), Some(anchor)) = (&args.witness, single) {
        write_witness(path, &anchor)?;
    }
    Ok(())
}

const WITNESS_HEADER: &str = "trent-audit-witness v1";

fn read_witness(path: &Path) -> Result<Option<Anchor>, AuditCliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(AuditCliError::Witness { path: path.to_owned(), source }),
    };
    let bad = || AuditCliError::Usage(format!("{}: not a witness file", path.display()));
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [h1, h2, digest_seq, last_seq, hash] = fields.as_slice() else { return Err(bad()) };
    if format!("{h1} {h2}") != WITNESS_HEADER {
        return Err(bad());
    }
    Ok(Some(Anchor {
        digest_seq: digest_seq.parse().map_err(|_| bad())?,
        last_seq: last_seq.parse().map_err(|_| bad())?,
        digest_hash: audit::parse_hex32(hash).ok_or_else(bad)?,
    }))
}

fn write_witness(path: &Path, anchor: &Anchor) -> Result<(), AuditCliError> {
    let err = |source| AuditCliError::Witness { path: path.to_owned(), source };
    let text =
        format!("{WITNESS_HEADER} {} {} {}\n", anchor.digest_seq, anchor.last_seq, audit::hex(&anchor.digest_hash));
    // Staged and renamed into place for a regular file; a link is followed, not replaced.
    let mut out = crate::outfile::OutFile::create(path).map_err(err)?;
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(err)?;
    out.commit().map_err(err)
}

async fn query(args: QueryArgs) -> Result<(), AuditCliError> {
    let store = Trail::open(&args.data_dir, args.storage.as_deref()).await?;
    let q = EventQuery {
        account_id: args.account,
        region: args.region,
        start: args.start,
        end: args.end,
        event_id: args.event_id,
        event_name: args.event_name,
        event_source: args.event_source,
        username: args.username,
        access_key_id: args.access_key_id,
        read_only: args.read_only,
        resource_type: None,
        resource_name: args.resource_name,
        after: None,
        limit: args.limit,
    };
    // The command line reads the whole range if it must; only LookupEvents bounds its work.
    let page = audit::search(store.audit(), &q, u64::MAX).await.map_err(|source| store.error(&args.data_dir, source));
    store.close().await;
    let page = page?;
    let events = page.events;
    match args.output {
        Output::Json => {
            let records: Vec<serde_json::Value> = events
                .iter()
                .map(|e| serde_json::from_slice(&e.event.json).unwrap_or(serde_json::Value::Null))
                .collect();
            println!("{}", serde_json::to_string_pretty(&records).unwrap_or_default());
        }
        Output::Text => {
            for e in &events {
                let record: serde_json::Value = serde_json::from_slice(&e.event.json).unwrap_or_default();
                let outcome = record.get("errorCode").and_then(|c| c.as_str()).unwrap_or("OK");
                let time = e.index.event_time.format(&Rfc3339).unwrap_or_default();
                println!(
                    "{time}  #{:<8} {:<26} {:<32} {:<16} {:<28} {}",
                    e.event.seq,
                    e.index.event_source,
                    e.index.event_name,
                    e.index.username.as_deref().unwrap_or("-"),
                    outcome,
                    e.index.event_id
                );
            }
        }
    }
    Ok(())
}
