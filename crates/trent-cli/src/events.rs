//! `trent events tail`: prints the event outbox (Parameter Store's changes and policy
//! actions, in EventBridge's JSON) as JSON lines and follows it, read straight from the
//! storage (the data directory's SQLite database, or a PostgreSQL URL), or follows a `jsonl`
//! sink's file instead. It reads only; it never marks an event delivered.
//!
//! The outbox keeps delivered events for `[events] retention_hours`, so `tail` shows recent
//! history too. On PostgreSQL, an event whose transaction commits after a later one was shown
//! can be missed by a follow that has already passed its position (the delivery worker does
//! not miss it: it reads by what each sink lacks, not by position).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use trent_core::EventStore;
use trent_core::events::OutboxCursor;
use trent_store::{PgSettings, PgStore, SqliteStore};

/// Events read from the outbox at a time.
const PAGE: u32 = 500;

/// Why `trent events` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EventsCliError {
    /// The storage could not be opened or read.
    #[error("cannot read the event outbox: {0}")]
    Store(#[from] trent_core::StoreError),
    /// The data directory has no database.
    #[error("{0} does not exist (give --data-dir, or --storage for PostgreSQL)")]
    NoDatabase(PathBuf),
    /// The storage URL is not a PostgreSQL URL.
    #[error("--storage must be a postgres:// URL")]
    BadStorage,
    /// The sink file or standard output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Args)]
pub(crate) struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Print events as JSON lines, oldest first, then follow new ones (Ctrl-C stops).
    Tail(TailArgs),
}

#[derive(Args)]
struct TailArgs {
    /// Data directory holding trent.db (SQLite storage).
    #[arg(long, env = "TRENT_DATA_DIR", default_value = trent_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// PostgreSQL storage URL (postgres://...) instead of the data directory's database.
    #[arg(long, env = "TRENT_STORAGE", hide_env_values = true, conflicts_with = "file")]
    storage: Option<String>,
    /// Follow a `jsonl` sink's file instead of the outbox.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Only events that arrive from now on.
    #[arg(long)]
    new: bool,
    /// Print what is there now and exit.
    #[arg(long)]
    no_follow: bool,
    /// How often to look for new events, in milliseconds.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    interval_ms: u64,
}

pub(crate) async fn run(args: EventsArgs) -> Result<(), EventsCliError> {
    let EventsCommand::Tail(tail) = args.command;
    let result = match tail.file.clone() {
        Some(file) => tail_file(file, &tail).await,
        None => tail_outbox(open(&tail).await?, &tail).await,
    };
    match result {
        // A closed pipe (`trent events tail | head`) is the reader's choice, not a failure.
        Err(EventsCliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

async fn open(tail: &TailArgs) -> Result<Arc<dyn EventStore>, EventsCliError> {
    match &tail.storage {
        Some(url) if url != "sqlite" => {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(EventsCliError::BadStorage);
            }
            // The parser's error is not shown: it could quote the URL, password included.
            let settings = PgSettings::from_url(url).map_err(|_| EventsCliError::BadStorage)?;
            Ok(Arc::new(PgStore::open(&settings).await?))
        }
        _ => {
            let path = tail.data_dir.join(trent_server::DATABASE_FILE);
            if !path.exists() {
                return Err(EventsCliError::NoDatabase(path));
            }
            Ok(Arc::new(SqliteStore::open(&path).await?))
        }
    }
}

async fn tail_outbox(store: Arc<dyn EventStore>, tail: &TailArgs) -> Result<(), EventsCliError> {
    let mut after = OutboxCursor::START;
    let mut print = !tail.new;
    let mut announced = false;
    loop {
        let page = store.events_after(after, PAGE).await?;
        if let Some(last) = page.last() {
            after = last.position;
        }
        if print && !page.is_empty() {
            let mut out = std::io::stdout().lock();
            for queued in &page {
                serde_json::to_writer(&mut out, &queued.event.to_json()).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        if page.len() as u32 == PAGE {
            continue;
        }
        if tail.no_follow {
            return Ok(());
        }
        if !announced {
            // Said once, on standard error, so that a reader of the output knows where new
            // events begin.
            eprintln!("trent events tail: following the outbox after position {after} (Ctrl-C stops)");
            announced = true;
        }
        // Everything there now has been read: from here on, new events are printed.
        print = true;
        tokio::time::sleep(Duration::from_millis(tail.interval_ms)).await;
    }
}

/// Follows `path` as `tail -f` does: whole lines only, from the start (or its end with
/// `--new`), starting over if the file is truncated or replaced by a shorter one.
async fn tail_file(path: PathBuf, tail: &TailArgs) -> Result<(), EventsCliError> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut offset = if tail.new { tokio::fs::metadata(&path).await.map(|m| m.len()).unwrap_or(0) } else { 0 };
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let len = match tokio::fs::metadata(&path).await {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !tail.no_follow => 0,
            Err(e) => return Err(e.into()),
        };
        if len < offset {
            offset = 0;
            partial.clear();
        }
        if len > offset {
            let mut file = tokio::fs::File::open(&path).await?;
            file.seek(std::io::SeekFrom::Start(offset)).await?;
            let mut chunk = Vec::new();
            file.take(len - offset).read_to_end(&mut chunk).await?;
            offset += chunk.len() as u64;
            partial.extend_from_slice(&chunk);
            if let Some(end) = partial.iter().rposition(|&b| b == b'\n') {
                let mut out = std::io::stdout().lock();
                out.write_all(&partial[..=end])?;
                out.flush()?;
                partial.drain(..=end);
            }
        }
        if tail.no_follow {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(tail.interval_ms)).await;
    }
}
