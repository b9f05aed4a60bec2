//! `trent admin fill`: fills an account with many KMS keys, secrets and parameters at once,
//! for the scale benchmark (issue 13: an account of 1,000 vs 1,000,000 of each, on SQLite and
//! on PostgreSQL).
//!
//! Populating through the API takes about 13 minutes per million keys on SQLite, one request
//! and one commit per key. This writes through the same domain and store code instead, many
//! rows per transaction: each key is planned as `CreateKey` makes it (fresh material wrapped
//! under the root key, so a filled key encrypts like any other), each secret as `CreateSecret`
//! with a value (envelope-encrypted under a fresh data key of the AWS managed key), each
//! parameter as `PutParameter` of a `String`; then `--batch` of them are written as one
//! [`Batch`] by the store's own row writers, with every constraint, index and trigger of the
//! schema in force. What it skips is what only a request does: the per-request quotas and
//! audit records, the resource quotas (an account may be filled past AWS's 100,000 Advanced
//! parameters or 500,000 secrets), and the change events of new parameters.
//!
//! On PostgreSQL a batch is one transaction of tens of thousands of statements, a bulk load and
//! not a request: the filler runs with time limits of 10 minutes per statement and per call
//! ([`BULK_LIMITS`]), whatever `[postgres]` says, so that the request path's 5-second default
//! does not cut a batch on a busy machine. A batch that fillers running at once on one database
//! abort for serialization (or that outlives those limits) is written again in halves
//! ([`split`]); any other failure stops the fill with its message.

mod split;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use tokio::task::JoinSet;
use trent_core::params::{STANDARD_QUOTA, Tier};
use trent_core::secrets::SecretValue;
use trent_core::store::Batch;
use trent_core::{AccountId, Caller, Region, Scope, SystemClock};
use trent_server::{Offline, RawConfig, RawPostgres, Storage, StorageSetting, open_offline};
use trent_store::PgSettings;

/// Parameters of the Standard tier a fill leaves room for below its quota of 10,000, so that
/// the benchmark (and anyone) can still put Standard parameters in the filled account.
const STANDARD_ROOM: u64 = 1_000;
/// The value of every filled secret and parameter.
const FILLER_VALUE: &str = "trent admin fill";

#[derive(Args)]
pub(crate) struct FillArgs {
    /// Where the deployment stores its data: `sqlite` (the data directory's files) or a
    /// PostgreSQL URL, as `trent server --storage`.
    #[arg(long, env = "TRENT_STORAGE", hide_env_values = true)]
    storage: Option<String>,
    /// A trent.toml to read (default: DATA_DIR/trent.toml if present).
    #[arg(long, env = "TRENT_CONFIG")]
    config: Option<PathBuf>,
    /// The account to fill (default: the deployment's only account).
    #[arg(long)]
    account: Option<String>,
    /// The region to fill.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// KMS keys to add (symmetric, enabled).
    #[arg(long, default_value_t = 0)]
    keys: u64,
    /// Secrets to add, named PREFIX/N.
    #[arg(long, default_value_t = 0)]
    secrets: u64,
    /// `String` parameters to add, named /PREFIX/dNN/pN (100 paths); Standard up to 1,000 below
    /// that tier's quota, Advanced past it.
    #[arg(long, default_value_t = 0)]
    parameters: u64,
    /// Rows of one kind written per transaction (parameters at most 500 on PostgreSQL).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    batch: u64,
    /// The first path segment of the names of secrets and parameters.
    #[arg(long, default_value = "fill")]
    prefix: String,
}

/// What a fill adds, one kind at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Keys,
    Secrets,
    Parameters,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::Keys => "keys",
            Self::Secrets => "secrets",
            Self::Parameters => "parameters",
        }
    }

    /// The rows of this kind written per transaction, at most `asked`. Parameters at most
    /// [`PARAMETER_BATCH`] on PostgreSQL: with 10,000 per transaction the rate fell from 219 to
    /// 55 parameters/s over an account's first 100,000 on the loaded machine. Profiled since
    /// (PostgreSQL migration 0018): each parameter's row trigger updated the one tier-count row
    /// (now once per statement), and without statistics the foreign-key check of each version
    /// read the account's every parameter through an unused index (now dropped). The limit
    /// stays until larger batches are measured again.
    fn batch(self, asked: u64, storage: &Storage) -> u64 {
        match (self, storage) {
            (Self::Parameters, Storage::Postgres(_)) => asked.min(PARAMETER_BATCH),
            _ => asked,
        }
    }

    /// The tables a fill of this kind grows, on PostgreSQL.
    fn tables(self) -> &'static [&'static str] {
        match self {
            Self::Keys => &["kms_keys", "kms_key_materials"],
            Self::Secrets => &["secrets", "secret_versions"],
            Self::Parameters => &["ssm_parameters", "ssm_parameter_versions"],
        }
    }

    /// Batches written at once: planning one (its cryptography) overlaps writing another.
    /// Parameters one at a time: each batch updates the account's one tier-count row, which
    /// two transactions at once on PostgreSQL would contend for.
    fn in_flight(self) -> usize {
        match self {
            Self::Keys | Self::Secrets => 2,
            Self::Parameters => 1,
        }
    }
}

/// The filler's services and the account it fills, shared by the batch tasks.
struct Filler {
    services: Offline,
    /// The database, on PostgreSQL: its statistics are refreshed as the fill grows the tables
    /// (see [`PgSettings::analyze`]).
    postgres: Option<PgSettings>,
    caller: Caller,
    prefix: String,
}

impl Filler {
    /// Plans items `range` of `kind` into one batch.
    async fn plan(
        &self,
        kind: Kind,
        range: std::ops::Range<u64>,
    ) -> Result<Batch, Box<dyn std::error::Error + Send + Sync>> {
        let scope = self.caller.scope();
        let mut batch = Batch::default();
        for i in range {
            match kind {
                Kind::Keys => batch.keys.push(self.services.kms.plan_key(&scope, &format!("trent admin fill {i}"))?),
                Kind::Secrets => {
                    let name = format!("{}/{i}", self.prefix);
                    let value = SecretValue::string(FILLER_VALUE);
                    batch.secrets.push(self.services.secrets.plan_secret(&self.caller, &name, &value).await?);
                }
                Kind::Parameters => {
                    let tier = if i < STANDARD_QUOTA - STANDARD_ROOM { Tier::Standard } else { Tier::Advanced };
                    let name = format!("/{}/d{:02}/p{i}", self.prefix, i % 100);
                    batch.parameters.push(self.services.params.plan_parameter(
                        &self.caller,
                        &name,
                        FILLER_VALUE,
                        tier,
                    )?);
                }
            }
        }
        Ok(batch)
    }

    /// Adds `count` items of `kind`, `size` per transaction; the time it took.
    async fn fill(self: &Arc<Self>, kind: Kind, count: u64, size: u64) -> Result<f64, Box<dyn std::error::Error>> {
        let start = Instant::now();
        let step = (count / 10).max(1);
        let mut tasks = JoinSet::new();
        let (mut next, mut done) = (0u64, 0u64);
        // Rows written when the tables were last analyzed: again each time they have doubled.
        let mut analyzed = FIRST_ANALYZE / 2;
        while done < count {
            while next < count && tasks.len() < kind.in_flight() {
                let (this, range) = (self.clone(), next..(next + size).min(count));
                next = range.end;
                tasks.spawn(async move {
                    let n = range.end - range.start;
                    let batch = this.plan(kind, range).await?;
                    split::write(&*this.services.store, batch, kind.label(), split::DOWN_WAIT).await?;
                    Ok::<u64, Box<dyn std::error::Error + Send + Sync>>(n)
                });
            }
            let Some(finished) = tasks.join_next().await else { break };
            // The first failure stops the fill (the other batch in flight is dropped with
            // `tasks`, its transaction rolled back).
            let n = finished?.map_err(|e| format!("filling {}: {}", kind.label(), crate::envelope::chain(&*e)))?;
            if (done + n) / step > done / step {
                let rate = (done + n) as f64 / start.elapsed().as_secs_f64();
                eprintln!("wrote {} of {count} {} ({rate:.0}/s)", done + n, kind.label());
            }
            done += n;
            if let Some(postgres) = &self.postgres
                && done >= analyzed * 2
            {
                postgres.analyze(kind.tables()).await?;
                analyzed = done;
            }
        }
        Ok(start.elapsed().as_secs_f64())
    }
}

/// Rows of a kind written before its tables are first analyzed on PostgreSQL (then each time
/// they have doubled).
const FIRST_ANALYZE: u64 = 2_000;

/// The most parameters per transaction on PostgreSQL (see [`Kind::batch`]).
const PARAMETER_BATCH: u64 = 500;

/// The filler's PostgreSQL time limits in milliseconds, statement and call (the call's must
/// exceed the statement's): a batch of `--batch` rows is a bulk load, not a request.
const BULK_LIMITS: (u64, u64) = (599_000, 600_000);

pub(crate) async fn run(data_dir: PathBuf, args: FillArgs) -> Result<(), Box<dyn std::error::Error>> {
    let raw = RawConfig {
        data_dir: Some(data_dir),
        storage: args.storage.map(StorageSetting::new),
        postgres: Some(RawPostgres {
            statement_timeout_milliseconds: Some(BULK_LIMITS.0),
            call_timeout_milliseconds: Some(BULK_LIMITS.1),
        }),
        ..RawConfig::default()
    };
    let config = raw.resolve(args.config.as_deref())?;
    let services = open_offline(&config, Arc::new(SystemClock)).await?;
    let account = match args.account {
        Some(id) => AccountId::parse(&id)?,
        None => {
            let accounts = services.store.list_accounts().await?;
            match accounts.as_slice() {
                [only] => only.id.clone(),
                _ => {
                    return Err(
                        format!("the deployment has {} accounts; name one with --account", accounts.len()).into()
                    );
                }
            }
        }
    };
    let scope = Scope::new(account, Region::parse(&args.region)?);
    let caller = Caller::root_of(&scope);
    let postgres = match &config.storage {
        Storage::Sqlite => None,
        Storage::Postgres(settings) => Some(settings.as_ref().clone()),
    };
    let filler = Arc::new(Filler { services, postgres, caller, prefix: args.prefix });
    for (kind, count) in [(Kind::Keys, args.keys), (Kind::Secrets, args.secrets), (Kind::Parameters, args.parameters)] {
        if count == 0 {
            continue;
        }
        let took = filler.fill(kind, count, kind.batch(args.batch, &config.storage)).await?;
        let storage = match config.storage {
            Storage::Sqlite => "SQLite",
            Storage::Postgres(_) => "PostgreSQL",
        };
        println!(
            "filled {storage} {}/{} with {count} {} in {took:.1} s ({:.0}/s)",
            scope.account,
            scope.region,
            kind.label(),
            count as f64 / took
        );
    }
    Ok(())
}
