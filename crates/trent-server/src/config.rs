//! Server configuration: raw settings (flags, `TRENT_*` environment, `trent.toml`) are
//! validated once into a [`Config`] that the rest of the server receives by value. Nothing
//! else reads the environment or global state.
//!
//! Precedence from lowest: `trent.toml`, then environment, then flags. The CLI (clap) folds
//! environment and flags into [`RawConfig`]; [`RawConfig::resolve`] adds the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use serde::Deserialize;
use trent_core::Region;
use trent_core::quota::{OverrideError, QuotaClock, QuotaTable};
use trent_store::PgSettings;

use crate::node_id::NodeId;
use crate::seal::{PassphraseSource, RawKmsSeal, RawPkcs11Seal, SealSettings};
use crate::tls::TlsSettings;

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4599";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./trent-data";
/// Default hosted region.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Largest clock skew accepted on a SigV4 signature.
pub const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(15);
/// How often the scheduler looks for due work.
pub const DEFAULT_SCHEDULER_TICK: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's line and headers, counted from its first
/// byte (or from the connection's acceptance for its first request). A slowloris client that
/// trickles header bytes is disconnected after this. The AWS SDKs send a request head in one
/// write, so ten seconds is generous even over a slow link.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a keep-alive connection may stay open between a response and the first byte of
/// the next request: the idle timeout of AWS's Application Load Balancer. The SDKs notice a
/// closed idle connection and open another.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections served at once. Further clients wait in the listen backlog until one closes.
/// Below the common soft limit of 1024 open files, so the process keeps descriptors for its
/// databases.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Why a configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML of the expected shape.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: toml::de::Error,
    },
    /// A `[quotas]` rate names no quota or is not a positive rate.
    #[error("invalid {field}: {source}")]
    Quota {
        /// The setting (`quotas.rates`, `quotas.regions.us-east-1`).
        field: String,
        /// What is wrong.
        #[source]
        source: OverrideError,
    },
    /// A value is invalid.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Settings as given, before validation. Every field is optional so that layers can be merged.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `listen`: address to bind.
    pub listen: Option<String>,
    /// `data_dir`: where the root key file, the credentials and (with SQLite) the database live.
    pub data_dir: Option<PathBuf>,
    /// `regions`: hosted regions; `["*"]` hosts every region a request is signed for.
    pub regions: Option<Vec<String>>,
    /// `scheduler_tick_seconds`: how often the scheduler runs.
    pub scheduler_tick_seconds: Option<u64>,
    /// `dangerous_allow_plaintext_http`: serve plain HTTP on a non-loopback address.
    pub dangerous_allow_plaintext_http: Option<bool>,
    /// `dev`: a development server (every region, the seed's or LocalStack's credentials, a
    /// reset endpoint). The CLI also gives it a temporary data directory.
    pub dev: Option<bool>,
    /// `seed`: a seed file applied at start.
    pub seed: Option<PathBuf>,
    /// `header_read_timeout_seconds`: time allowed for a request's line and headers.
    pub header_read_timeout_seconds: Option<u64>,
    /// `idle_timeout_seconds`: time a keep-alive connection may wait for its next request.
    pub idle_timeout_seconds: Option<u64>,
    /// `max_connections`: connections served at once.
    pub max_connections: Option<usize>,
    /// `storage`: `"sqlite"` (files in the data directory) or a `postgres://` URL.
    pub storage: Option<StorageSetting>,
    /// `[quotas]`: request quotas.
    pub quotas: Option<RawQuotas>,
    /// `[tls]`: serve HTTPS.
    pub tls: Option<RawTls>,
    /// `[seal]`: where the root key comes from.
    pub seal: Option<RawSeal>,
    /// `[rotation]`: Secrets Manager rotation functions.
    pub rotation: Option<RawRotation>,
    /// `[events]`: where the outbox's events are delivered.
    pub events: Option<crate::events::RawEvents>,
    /// `[cluster]`: this node among several on one PostgreSQL database.
    pub cluster: Option<RawCluster>,
    /// `[postgres]`: the time limits of PostgreSQL storage.
    pub postgres: Option<RawPostgres>,
    /// `[[hsm_clusters]]`: the PKCS#11 tokens custom key stores (`AWS_CLOUDHSM`) may use.
    pub hsm_clusters: Option<Vec<crate::hsm::clusters::RawHsmCluster>>,
}

/// `[cluster]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// `node_id`: this node's id (its audit chain's name); see [`crate::node_id`].
    pub node_id: Option<String>,
    /// `full_check_seconds`: how often the node checks its caches against the database
    /// (default [`crate::FULL_CHECK_INTERVAL`], 30 s): the bound on a change missed by the
    /// notifications.
    pub full_check_seconds: Option<u64>,
}

impl RawCluster {
    /// `upper`'s settings over `lower`'s.
    fn or(upper: Option<RawCluster>, lower: Option<RawCluster>) -> Option<RawCluster> {
        match (upper, lower) {
            (Some(u), Some(l)) => Some(RawCluster {
                node_id: u.node_id.or(l.node_id),
                full_check_seconds: u.full_check_seconds.or(l.full_check_seconds),
            }),
            (u, l) => u.or(l),
        }
    }
}

/// `[postgres]` in `trent.toml`: the time limits of PostgreSQL storage (unused with SQLite).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPostgres {
    /// `statement_timeout_milliseconds`: the server-side limit of one statement (default 5000).
    pub statement_timeout_milliseconds: Option<u64>,
    /// `call_timeout_milliseconds`: the client-side limit of one store call (default: the
    /// statement timeout and one second).
    pub call_timeout_milliseconds: Option<u64>,
}

/// The range of `postgres.*_milliseconds`: 100 ms to 10 minutes.
const POSTGRES_MILLIS: std::ops::RangeInclusive<u64> = 100..=600_000;

impl RawPostgres {
    /// `upper`'s settings over `lower`'s.
    fn or(upper: Option<RawPostgres>, lower: Option<RawPostgres>) -> Option<RawPostgres> {
        match (upper, lower) {
            (Some(u), Some(l)) => Some(RawPostgres {
                statement_timeout_milliseconds: u.statement_timeout_milliseconds.or(l.statement_timeout_milliseconds),
                call_timeout_milliseconds: u.call_timeout_milliseconds.or(l.call_timeout_milliseconds),
            }),
            (u, l) => u.or(l),
        }
    }

    /// The statement and call time limits: the call's must exceed the statement's, so that the
    /// server cancels a slow statement before the client gives the database up for lost.
    fn limits(self) -> Result<(Duration, Duration), ConfigError> {
        let millis = |field: &'static str, value: u64| {
            if POSTGRES_MILLIS.contains(&value) {
                Ok(Duration::from_millis(value))
            } else {
                Err(ConfigError::Invalid {
                    field,
                    message: format!(
                        "must be between {} and {} milliseconds",
                        POSTGRES_MILLIS.start(),
                        POSTGRES_MILLIS.end()
                    ),
                })
            }
        };
        let statement = match self.statement_timeout_milliseconds {
            Some(ms) => millis("postgres.statement_timeout_milliseconds", ms)?,
            None => trent_store::DEFAULT_STATEMENT_TIMEOUT,
        };
        let call = match self.call_timeout_milliseconds {
            Some(ms) => millis("postgres.call_timeout_milliseconds", ms)?,
            None => statement + (trent_store::DEFAULT_CALL_TIMEOUT - trent_store::DEFAULT_STATEMENT_TIMEOUT),
        };
        if call <= statement {
            return Err(ConfigError::Invalid {
                field: "postgres.call_timeout_milliseconds",
                message: format!(
                    "must be more than postgres.statement_timeout_milliseconds ({} ms), so that the server cancels \
                     a slow statement first",
                    statement.as_millis()
                ),
            });
        }
        Ok((statement, call))
    }
}

/// `[rotation]` in `trent.toml`: the external rotation functions (`[[rotation.functions]]`) and
/// how the built-in database functions connect.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRotation {
    /// `[[rotation.functions]]`: a command or an HTTP endpoint per Lambda ARN.
    pub functions: Option<Vec<trent_rotation::ExternalFunctionSpec>>,
    /// `ca_file`: CA certificates (PEM) the built-in functions trust for TLS to databases.
    pub ca_file: Option<PathBuf>,
    /// `connect_timeout_seconds`: how long a built-in function's login may take (default 5).
    pub connect_timeout_seconds: Option<u64>,
}

/// The validated `[rotation]`.
#[derive(Clone, Debug, Default)]
pub struct RotationSettings {
    /// The external functions, each checked.
    pub functions: Vec<trent_rotation::ExternalFunctionSpec>,
    /// The built-in functions' connection options.
    pub builtin: trent_rotation::BuiltinOptions,
}

impl RawRotation {
    fn validate(self) -> Result<RotationSettings, ConfigError> {
        let functions = self.functions.unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        for spec in &functions {
            trent_rotation::ExternalFunctionConfig::try_from(spec.clone())
                .map_err(|e| ConfigError::Invalid { field: "rotation.functions", message: e.to_string() })?;
            if !seen.insert(spec.arn.clone()) {
                let message = trent_rotation::FunctionConfigError::Duplicate { arn: spec.arn.clone() }.to_string();
                return Err(ConfigError::Invalid { field: "rotation.functions", message });
            }
        }
        let default = trent_rotation::builtin::DbOptions::default();
        let connect_timeout = positive_seconds(
            "rotation.connect_timeout_seconds",
            self.connect_timeout_seconds,
            default.connect_timeout,
        )?;
        let db = trent_rotation::builtin::DbOptions { ca_file: self.ca_file, connect_timeout };
        Ok(RotationSettings { functions, builtin: trent_rotation::BuiltinOptions { db, password: None } })
    }
}

/// `[seal]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeal {
    /// `type`: `file` (default) or `passphrase`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `passphrase_env`: the environment variable holding the passphrase.
    pub passphrase_env: Option<String>,
    /// `passphrase_fd`: an inherited file descriptor to read the passphrase from.
    pub passphrase_fd: Option<u32>,
    /// `passphrase_prompt`: ask for the passphrase on the controlling terminal, without echo.
    pub passphrase_prompt: Option<bool>,
    /// `[seal.pkcs11]`: the token of the `pkcs11` seal.
    pub pkcs11: Option<RawPkcs11Seal>,
    /// `[seal.kms]`: the remote KMS of the `kms` seal.
    pub kms: Option<RawKmsSeal>,
}

impl RawSeal {
    fn validate(self) -> Result<SealSettings, ConfigError> {
        let invalid = |field, message: &str| ConfigError::Invalid { field, message: message.to_owned() };
        let kind = self.kind.as_deref().unwrap_or("file");
        if kind == "kms" {
            let passphrase = self.passphrase_env.is_some() || self.passphrase_fd.is_some();
            if passphrase || self.passphrase_prompt.is_some() || self.pkcs11.is_some() {
                return Err(invalid("seal.type", "type = \"kms\" takes [seal.kms] settings only"));
            }
            let raw = self.kms.unwrap_or_default();
            let settings = raw.validate().map_err(|(field, message)| ConfigError::Invalid { field, message })?;
            return Ok(SealSettings::Kms(settings));
        }
        if self.kms.is_some() {
            return Err(invalid("seal.type", "[seal.kms] needs type = \"kms\""));
        }
        if kind == "pkcs11" {
            let passphrase = self.passphrase_env.is_some() || self.passphrase_fd.is_some();
            if passphrase || self.passphrase_prompt.is_some() {
                return Err(invalid("seal.type", "passphrase settings need type = \"passphrase\""));
            }
            let raw = self.pkcs11.unwrap_or_default();
            let settings = raw.validate().map_err(|(field, message)| ConfigError::Invalid { field, message })?;
            return Ok(SealSettings::Pkcs11(settings));
        }
        if self.pkcs11.is_some() {
            return Err(invalid("seal.type", "[seal.pkcs11] needs type = \"pkcs11\""));
        }
        match kind {
            kind @ ("file" | "shamir") => {
                if self.passphrase_env.is_some() || self.passphrase_fd.is_some() || self.passphrase_prompt.is_some() {
                    return Err(invalid(
                        "seal.type",
                        "passphrase_env, passphrase_fd and passphrase_prompt need type = \"passphrase\"",
                    ));
                }
                Ok(if kind == "file" { SealSettings::File } else { SealSettings::Shamir })
            }
            "passphrase" => match (self.passphrase_env, self.passphrase_fd, self.passphrase_prompt.unwrap_or(false)) {
                (Some(name), None, false) if !name.is_empty() => {
                    Ok(SealSettings::Passphrase(PassphraseSource::Env(name)))
                }
                (None, Some(fd), false) => Ok(SealSettings::Passphrase(PassphraseSource::Fd(fd))),
                (None, None, true) => Ok(SealSettings::Passphrase(PassphraseSource::Prompt)),
                (None, None, false) | (Some(_), None, false) => Err(invalid(
                    "seal.passphrase_env",
                    "the passphrase seal needs passphrase_env (a variable's name), passphrase_fd or \
                     passphrase_prompt = true",
                )),
                _ => Err(invalid(
                    "seal.passphrase_env",
                    "give one of passphrase_env, passphrase_fd and passphrase_prompt, not several",
                )),
            },
            other => Err(ConfigError::Invalid {
                field: "seal.type",
                message: format!(
                    "'{other}' is not a seal Trent has; use \"file\", \"passphrase\", \"shamir\", \"pkcs11\" or \"kms\""
                ),
            }),
        }
    }
}

/// `[tls]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// `cert_file`: PEM certificate chain, the server's certificate first.
    pub cert_file: Option<PathBuf>,
    /// `key_file`: PEM private key.
    pub key_file: Option<PathBuf>,
    /// `client_ca_file`: PEM CA bundle; when set, clients must present a certificate it issued.
    pub client_ca_file: Option<PathBuf>,
}

impl RawTls {
    /// Fills every unset field from `lower`.
    fn or(self, lower: RawTls) -> RawTls {
        RawTls {
            cert_file: self.cert_file.or(lower.cert_file),
            key_file: self.key_file.or(lower.key_file),
            client_ca_file: self.client_ca_file.or(lower.client_ca_file),
        }
    }

    fn validate(self) -> Result<Option<TlsSettings>, ConfigError> {
        match (self.cert_file, self.key_file) {
            (None, None) if self.client_ca_file.is_none() => Ok(None),
            (Some(cert_file), Some(key_file)) => {
                Ok(Some(TlsSettings { cert_file, key_file, client_ca_file: self.client_ca_file }))
            }
            (None, _) => Err(ConfigError::Invalid {
                field: "tls.cert_file",
                message: "TLS needs a certificate chain file as well as a key file".into(),
            }),
            (Some(_), None) => Err(ConfigError::Invalid {
                field: "tls.key_file",
                message: "TLS needs a private key file as well as a certificate chain file".into(),
            }),
        }
    }
}

/// `[quotas]` in `trent.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuotas {
    /// `enabled`: throttle calls past their quota (default: on, off on a development server).
    pub enabled: Option<bool>,
    /// `rates`: requests per second by quota name (`"kms:CreateKey" = 20`), over AWS's defaults,
    /// in every region.
    pub rates: Option<BTreeMap<String, f64>>,
    /// `[quotas.regions.<region>]`: requests per second by quota name in one region, over
    /// `rates` and AWS's defaults.
    pub regions: Option<BTreeMap<String, BTreeMap<String, f64>>>,
}

impl RawConfig {
    /// Fills every unset field from `lower` (a lower-precedence layer).
    pub fn or(self, lower: RawConfig) -> RawConfig {
        RawConfig {
            listen: self.listen.or(lower.listen),
            data_dir: self.data_dir.or(lower.data_dir),
            regions: self.regions.or(lower.regions),
            scheduler_tick_seconds: self.scheduler_tick_seconds.or(lower.scheduler_tick_seconds),
            dangerous_allow_plaintext_http: self
                .dangerous_allow_plaintext_http
                .or(lower.dangerous_allow_plaintext_http),
            dev: self.dev.or(lower.dev),
            seed: self.seed.or(lower.seed),
            quotas: self.quotas.or(lower.quotas),
            header_read_timeout_seconds: self.header_read_timeout_seconds.or(lower.header_read_timeout_seconds),
            idle_timeout_seconds: self.idle_timeout_seconds.or(lower.idle_timeout_seconds),
            max_connections: self.max_connections.or(lower.max_connections),
            seal: self.seal.or(lower.seal),
            tls: match (self.tls, lower.tls) {
                (Some(upper), Some(lower)) => Some(upper.or(lower)),
                (upper, lower) => upper.or(lower),
            },
            storage: self.storage.or(lower.storage),
            rotation: self.rotation.or(lower.rotation),
            events: self.events.or(lower.events),
            cluster: RawCluster::or(self.cluster, lower.cluster),
            postgres: RawPostgres::or(self.postgres, lower.postgres),
            hsm_clusters: self.hsm_clusters.or(lower.hsm_clusters),
        }
    }

    /// Reads a `trent.toml`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`].
    pub fn from_file(path: &Path) -> Result<RawConfig, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })
    }

    /// Merges this layer (flags and environment) over `config_file` if given, else over
    /// `trent.toml` in the data directory if it exists, and validates the result.
    ///
    /// # Errors
    /// [`ConfigError`] for an unreadable file or an invalid value.
    pub fn resolve(self, config_file: Option<&Path>) -> Result<Config, ConfigError> {
        let merged = match config_file {
            Some(p) => self.or(RawConfig::from_file(p)?),
            None => {
                let dir = self.data_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
                let implicit = dir.join("trent.toml");
                if implicit.exists() { self.or(RawConfig::from_file(&implicit)?) } else { self }
            }
        };
        merged.validate()
    }

    fn validate(self) -> Result<Config, ConfigError> {
        let listen_text = self.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|e| ConfigError::Invalid { field: "listen", message: format!("'{listen_text}': {e}") })?;
        let dev = self.dev.unwrap_or(false);
        if dev && !listen.ip().is_loopback() {
            return Err(ConfigError::Invalid {
                field: "listen",
                message: format!(
                    "{listen} is not a loopback address; a development server (--dev) listens on loopback \
                     only, because its credentials are well known"
                ),
            });
        }
        let tls = self.tls.unwrap_or_default().validate()?;
        let seal = self.seal.unwrap_or_default().validate()?;
        let dangerous_plaintext = self.dangerous_allow_plaintext_http.unwrap_or(false);
        if !listen.ip().is_loopback() && tls.is_none() && !dangerous_plaintext {
            return Err(ConfigError::Invalid {
                field: "listen",
                message: format!(
                    "{listen} is not a loopback address; plain HTTP is only served on loopback. Configure \
                     [tls] (cert_file, key_file), or set dangerous_allow_plaintext_http to override (not for \
                     production)"
                ),
            });
        }
        let regions = match self.regions {
            _ if dev => Regions::Any,
            None => Regions::List(vec![Region::parse(DEFAULT_REGION).expect("default region is valid")]),
            Some(list) if list.iter().any(|r| r == "*") => Regions::Any,
            Some(list) if list.is_empty() => {
                return Err(ConfigError::Invalid {
                    field: "regions",
                    message: "at least one region is required".into(),
                });
            }
            Some(list) => Regions::List(
                list.iter()
                    .map(|r| {
                        Region::parse(r).map_err(|e| ConfigError::Invalid { field: "regions", message: e.to_string() })
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let quotas = self.quotas.unwrap_or_default().table(dev)?;
        let tick = positive_seconds("scheduler_tick_seconds", self.scheduler_tick_seconds, DEFAULT_SCHEDULER_TICK)?;
        let http = HttpLimits {
            header_read_timeout: positive_seconds(
                "header_read_timeout_seconds",
                self.header_read_timeout_seconds,
                DEFAULT_HEADER_READ_TIMEOUT,
            )?,
            idle_timeout: positive_seconds("idle_timeout_seconds", self.idle_timeout_seconds, DEFAULT_IDLE_TIMEOUT)?,
            max_connections: match self.max_connections {
                None => DEFAULT_MAX_CONNECTIONS,
                Some(0) => {
                    return Err(ConfigError::Invalid { field: "max_connections", message: "must be positive".into() });
                }
                Some(n) if n > MAX_CONNECTIONS_LIMIT => {
                    return Err(ConfigError::Invalid {
                        field: "max_connections",
                        message: format!("at most {MAX_CONNECTIONS_LIMIT}"),
                    });
                }
                Some(n) => n,
            },
        };
        let storage = match self.storage {
            None => Storage::Sqlite,
            Some(setting) => setting.validate()?,
        };
        // Checked with SQLite storage too, so that a mistake shows before the move to PostgreSQL.
        let (statement_timeout, call_timeout) = self.postgres.unwrap_or_default().limits()?;
        let storage = match storage {
            Storage::Postgres(settings) => {
                Storage::Postgres(Box::new(settings.statement_timeout(statement_timeout).call_timeout(call_timeout)))
            }
            Storage::Sqlite => Storage::Sqlite,
        };
        let rotation = self.rotation.unwrap_or_default().validate()?;
        let events = self.events.unwrap_or_default().validate()?;
        let cluster = self.cluster.unwrap_or_default();
        let full_check_interval = positive_seconds(
            "cluster.full_check_seconds",
            cluster.full_check_seconds,
            crate::cluster::FULL_CHECK_INTERVAL,
        )?;
        let node_id = cluster
            .node_id
            .map(|id| NodeId::parse(&id).map_err(|message| ConfigError::Invalid { field: "cluster.node_id", message }))
            .transpose()?;
        let hsm_clusters = crate::hsm::clusters::validate(self.hsm_clusters.unwrap_or_default())
            .map_err(|(field, message)| ConfigError::Invalid { field, message })?;
        Ok(Config {
            node_id,
            hsm_clusters,
            listen,
            storage,
            data_dir: self.data_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            regions,
            scheduler_tick: tick,
            dangerous_plaintext,
            dev,
            seed: self.seed,
            quotas,
            http,
            tls,
            seal,
            rotation,
            events,
            quota_clock: None,
            full_check_interval,
        })
    }
}

/// The largest `max_connections` accepted (tokio's semaphore holds fewer permits than this).
const MAX_CONNECTIONS_LIMIT: usize = 1 << 20;

/// The longest period a `*_seconds` setting accepts: one day.
const MAX_SECONDS: u64 = 86_400;

/// A number of seconds in `1..=MAX_SECONDS`, or `default` when unset.
fn positive_seconds(field: &'static str, value: Option<u64>, default: Duration) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(s) if (1..=MAX_SECONDS).contains(&s) => Ok(Duration::from_secs(s)),
        Some(_) => Err(ConfigError::Invalid { field, message: format!("must be between 1 and {MAX_SECONDS} seconds") }),
    }
}

/// Limits on HTTP connections, against clients that hold connections open without using them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time for a request's line and headers, from its first byte (from the acceptance for a
    /// connection's first request): bounds what a slowloris client holds.
    pub header_read_timeout: Duration,
    /// Time between a response and the first byte of the next request on a keep-alive
    /// connection.
    pub idle_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl RawQuotas {
    /// The table in force: AWS's defaults, then `rates`, then each region's rates; `None`
    /// when quotas are off (by default on a development server).
    fn table(self, dev: bool) -> Result<Option<QuotaTable>, ConfigError> {
        if !self.enabled.unwrap_or(!dev) {
            return Ok(None);
        }
        let mut table = QuotaTable::aws();
        table
            .override_rates(&self.rates.unwrap_or_default())
            .map_err(|source| ConfigError::Quota { field: "quotas.rates".into(), source })?;
        for (name, rates) in self.regions.unwrap_or_default() {
            let field = format!("quotas.regions.{name}");
            let region = Region::parse(&name)
                .map_err(|e| ConfigError::Invalid { field: "quotas.regions", message: e.to_string() })?;
            table.override_region_rates(&region, &rates).map_err(|source| ConfigError::Quota { field, source })?;
        }
        Ok(Some(table))
    }
}

/// The regions a deployment hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Regions {
    /// Every region a request is signed for.
    Any,
    /// Exactly these; the first is the default for tools.
    List(Vec<Region>),
}

impl Regions {
    /// Whether requests signed for `region` are served.
    pub fn hosts(&self, region: &Region) -> bool {
        match self {
            Regions::Any => true,
            Regions::List(list) => list.contains(region),
        }
    }

    /// The region tools should default to.
    pub fn default_region(&self) -> Region {
        match self {
            Regions::List(list) if !list.is_empty() => list[0].clone(),
            _ => Region::parse(DEFAULT_REGION).expect("default region is valid"),
        }
    }
}

/// The `storage` setting as written: `"sqlite"` or a PostgreSQL URL, which may hold a
/// password, so its `Debug` shows neither.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct StorageSetting(String);

impl StorageSetting {
    /// The setting from a flag or the environment.
    pub fn new(value: String) -> StorageSetting {
        StorageSetting(value)
    }

    fn validate(self) -> Result<Storage, ConfigError> {
        let url = self.0.as_str();
        if url == "sqlite" {
            return Ok(Storage::Sqlite);
        }
        let invalid = |message: &str| ConfigError::Invalid { field: "storage", message: message.to_owned() };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(invalid("must be \"sqlite\" or a postgres:// URL"));
        }
        // The parser's error is not shown: it could quote the URL, password included.
        PgSettings::from_url(url)
            .map(|s| Storage::Postgres(Box::new(s)))
            .map_err(|_| invalid("not a valid PostgreSQL URL (postgres://user:password@host:port/database?options)"))
    }
}

impl std::fmt::Debug for StorageSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = self.0.split_once("://").map_or(self.0.as_str(), |(scheme, _)| scheme);
        write!(f, "StorageSetting({scheme}://…)")
    }
}

/// Where the server keeps keys, identities and the audit trail.
#[derive(Clone, Debug)]
pub enum Storage {
    /// SQLite files in the data directory (`trent.db`, `audit.db`): one node.
    Sqlite,
    /// A PostgreSQL database (its `Debug` shows no password).
    Postgres(Box<PgSettings>),
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Where keys, identities and the audit trail are stored.
    pub storage: Storage,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Hosted regions.
    pub regions: Regions,
    /// Scheduler period.
    pub scheduler_tick: Duration,
    /// Plain HTTP on a non-loopback address was explicitly allowed.
    pub dangerous_plaintext: bool,
    /// A development server: every region, seeded or LocalStack credentials, `/_trent/reset`.
    pub dev: bool,
    /// A seed file applied at start (and after a dev-mode reset).
    pub seed: Option<PathBuf>,
    /// The request quotas in force; `None` when throttling is off.
    pub quotas: Option<QuotaTable>,
    /// Connection limits.
    pub http: HttpLimits,
    /// HTTPS on the listener; `None` serves plain HTTP.
    pub tls: Option<TlsSettings>,
    /// The seal that releases the root key.
    pub seal: SealSettings,
    /// Secrets Manager rotation functions.
    pub rotation: RotationSettings,
    /// Event delivery: sinks, polling, backoff, retention.
    pub events: crate::events::EventSettings,
    /// This node's id (PostgreSQL storage); `None` takes the data directory's, made at the
    /// first start.
    pub node_id: Option<NodeId>,
    /// The PKCS#11 tokens custom key stores may use, by cluster id.
    pub hsm_clusters: Vec<crate::hsm::clusters::ClusterSettings>,
    /// The clock the quotas refill on: `None` for the process's monotonic clock; tests set a
    /// manual one (not a `trent.toml` setting).
    pub quota_clock: Option<Arc<dyn QuotaClock>>,
    /// How often a node of several checks its caches against the database
    /// (`cluster.full_check_seconds`, by default [`crate::FULL_CHECK_INTERVAL`], the
    /// documented bound).
    pub full_check_interval: Duration,
}

impl Config {
    /// A configuration for tests and embedding: loopback on an ephemeral port, `data_dir`,
    /// no request quotas (a test or a benchmark sets the quotas it exercises).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let quotas = Some(RawQuotas { enabled: Some(false), ..RawQuotas::default() });
        RawConfig {
            data_dir: Some(data_dir.into()),
            listen: Some("127.0.0.1:0".into()),
            quotas,
            ..RawConfig::default()
        }
        .validate()
        .expect("the test configuration is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_loopback_and_us_east_1() {
        let c = RawConfig::default().validate().unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.regions, Regions::List(vec![Region::parse("us-east-1").unwrap()]));
        assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
    }

    #[test]
    fn higher_layers_win() {
        let flags = RawConfig { listen: Some("127.0.0.1:1".into()), ..Default::default() };
        let file =
            RawConfig { listen: Some("127.0.0.1:2".into()), regions: Some(vec!["*".into()]), ..Default::default() };
        let c = flags.or(file).validate().unwrap();
        assert_eq!(c.listen.port(), 1);
        assert_eq!(c.regions, Regions::Any);
    }

    #[test]
    fn non_loopback_needs_the_dangerous_switch() {
        let raw = RawConfig { listen: Some("0.0.0.0:4599".into()), ..Default::default() };
        assert!(raw.clone().validate().is_err());
        let ok = RawConfig { dangerous_allow_plaintext_http: Some(true), ..raw };
        assert!(ok.validate().unwrap().dangerous_plaintext);
    }

    /// Guards issue 8 #6: a development server (well-known credentials) could listen on a
    /// non-loopback address, even with the dangerous switch.
    #[test]
    fn dev_mode_is_loopback_only() {
        let raw = RawConfig {
            listen: Some("0.0.0.0:4599".into()),
            dev: Some(true),
            dangerous_allow_plaintext_http: Some(true),
            ..Default::default()
        };
        let e = raw.validate().unwrap_err();
        assert!(e.to_string().contains("loopback only"), "{e}");
        let ok = RawConfig { listen: Some("[::1]:0".into()), dev: Some(true), ..Default::default() };
        assert!(ok.validate().unwrap().dev);
    }

    #[test]
    fn the_full_check_interval_defaults_to_the_constant_and_is_bounded() {
        assert_eq!(RawConfig::default().validate().unwrap().full_check_interval, crate::FULL_CHECK_INTERVAL);
        let with = |seconds| RawConfig {
            cluster: Some(RawCluster { node_id: None, full_check_seconds: Some(seconds) }),
            ..Default::default()
        };
        assert_eq!(with(300).validate().unwrap().full_check_interval, Duration::from_secs(300));
        for bad in [0, MAX_SECONDS + 1] {
            let e = with(bad).validate().unwrap_err();
            assert!(e.to_string().contains("cluster.full_check_seconds"), "{e}");
        }
        let flags = RawConfig {
            cluster: Some(RawCluster { node_id: Some("n1".into()), full_check_seconds: None }),
            ..Default::default()
        };
        let merged = flags.or(with(7)).validate().unwrap();
        assert_eq!(merged.full_check_interval, Duration::from_secs(7), "a node id flag keeps the file's interval");
    }

    #[test]
    fn http_limits_default_to_the_constants_and_are_bounded() {
        assert_eq!(RawConfig::default().validate().unwrap().http, HttpLimits::default());
        let c = RawConfig {
            header_read_timeout_seconds: Some(1),
            idle_timeout_seconds: Some(2),
            max_connections: Some(3),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            c.http,
            HttpLimits {
                header_read_timeout: Duration::from_secs(1),
                idle_timeout: Duration::from_secs(2),
                max_connections: 3
            }
        );
        for (raw, field) in [
            (RawConfig { header_read_timeout_seconds: Some(0), ..Default::default() }, "header_read_timeout_seconds"),
            (RawConfig { idle_timeout_seconds: Some(MAX_SECONDS + 1), ..Default::default() }, "idle_timeout_seconds"),
            (RawConfig { max_connections: Some(0), ..Default::default() }, "max_connections"),
            (RawConfig { max_connections: Some(MAX_CONNECTIONS_LIMIT + 1), ..Default::default() }, "max_connections"),
        ] {
            let e = raw.validate().unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn tls_needs_both_files_and_lets_a_non_loopback_address_serve() {
        let tls = |cert: Option<&str>, key: Option<&str>, ca: Option<&str>| RawTls {
            cert_file: cert.map(PathBuf::from),
            key_file: key.map(PathBuf::from),
            client_ca_file: ca.map(PathBuf::from),
        };
        let raw = RawConfig {
            listen: Some("0.0.0.0:4599".into()),
            tls: Some(tls(Some("c.pem"), Some("k.pem"), None)),
            ..Default::default()
        };
        let c = raw.validate().unwrap();
        assert!(!c.dangerous_plaintext);
        assert_eq!(c.tls.unwrap().cert_file, PathBuf::from("c.pem"));
        for (t, field) in [
            (tls(Some("c.pem"), None, None), "tls.key_file"),
            (tls(None, Some("k.pem"), None), "tls.cert_file"),
            (tls(None, None, Some("ca.pem")), "tls.cert_file"),
        ] {
            let e = RawConfig { tls: Some(t), ..Default::default() }.validate().unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        // Layers merge field by field: a flag's key file over the file's certificate.
        let upper = RawConfig { tls: Some(tls(None, Some("flag-k.pem"), None)), ..Default::default() };
        let lower = RawConfig { tls: Some(tls(Some("c.pem"), Some("k.pem"), Some("ca.pem"))), ..Default::default() };
        let merged = upper.or(lower).validate().unwrap().tls.unwrap();
        assert_eq!(merged.key_file, PathBuf::from("flag-k.pem"));
        assert_eq!(merged.client_ca_file, Some(PathBuf::from("ca.pem")));
    }

    #[test]
    fn seals_are_named_with_one_passphrase_source() {
        let seal = |kind: Option<&str>, env: Option<&str>, fd: Option<u32>| RawConfig {
            seal: Some(RawSeal {
                kind: kind.map(str::to_owned),
                passphrase_env: env.map(str::to_owned),
                passphrase_fd: fd,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(RawConfig::default().validate().unwrap().seal, SealSettings::File);
        assert_eq!(
            seal(Some("passphrase"), Some("P"), None).validate().unwrap().seal,
            SealSettings::Passphrase(PassphraseSource::Env("P".into()))
        );
        assert_eq!(
            seal(Some("passphrase"), None, Some(3)).validate().unwrap().seal,
            SealSettings::Passphrase(PassphraseSource::Fd(3))
        );
        let prompt = |kind: &str, env: Option<&str>| RawConfig {
            seal: Some(RawSeal {
                kind: Some(kind.to_owned()),
                passphrase_env: env.map(str::to_owned),
                passphrase_prompt: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            prompt("passphrase", None).validate().unwrap().seal,
            SealSettings::Passphrase(PassphraseSource::Prompt)
        );
        assert_eq!(seal(Some("shamir"), None, None).validate().unwrap().seal, SealSettings::Shamir);
        for (raw, field) in [
            (prompt("passphrase", Some("P")), "seal.passphrase_env"),
            (prompt("file", None), "seal.type"),
            (prompt("shamir", None), "seal.type"),
            (seal(Some("passphrase"), None, None), "seal.passphrase_env"),
            (seal(Some("passphrase"), Some("P"), Some(3)), "seal.passphrase_env"),
            (seal(Some("passphrase"), Some(""), None), "seal.passphrase_env"),
            (seal(None, Some("P"), None), "seal.type"),
            (seal(Some("vault"), None, None), "seal.type"),
        ] {
            let e = raw.validate().unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn the_pkcs11_seal_names_one_token_one_key_and_one_pin_source() {
        use crate::hsm::{PinSource, TokenRef, TokenSettings};
        use crate::seal::{Pkcs11Seal, RawPkcs11Seal};
        let full = || RawPkcs11Seal {
            module: Some("/usr/lib/softhsm/libsofthsm2.so".into()),
            token_label: Some("trent".into()),
            key_label: Some("trent-root".into()),
            pin_env: Some("HSM_PIN".into()),
            ..Default::default()
        };
        let config = |kind: &str, pkcs11: Option<RawPkcs11Seal>| RawConfig {
            seal: Some(RawSeal { kind: Some(kind.to_owned()), pkcs11, ..Default::default() }),
            ..Default::default()
        };
        assert_eq!(
            config("pkcs11", Some(full())).validate().unwrap().seal,
            SealSettings::Pkcs11(Pkcs11Seal {
                token: TokenSettings {
                    module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                    token: TokenRef::Label("trent".into()),
                    pin: PinSource::Env("HSM_PIN".into()),
                },
                key_label: "trent-root".into(),
            })
        );
        let by_slot =
            RawPkcs11Seal { slot: Some(3), token_label: None, pin_env: None, pin_file: Some("/p".into()), ..full() };
        let SealSettings::Pkcs11(s) = config("pkcs11", Some(by_slot)).validate().unwrap().seal else { panic!() };
        assert_eq!((s.token.token, s.token.pin), (TokenRef::Slot(3), PinSource::File("/p".into())));
        for (raw, field) in [
            (config("pkcs11", None), "seal.pkcs11.module"),
            (
                config("pkcs11", Some(RawPkcs11Seal { module: Some("libsofthsm2.so".into()), ..full() })),
                "seal.pkcs11.module",
            ),
            (config("pkcs11", Some(RawPkcs11Seal { slot: Some(0), ..full() })), "seal.pkcs11.token_label"),
            (config("pkcs11", Some(RawPkcs11Seal { token_label: None, ..full() })), "seal.pkcs11.token_label"),
            (config("pkcs11", Some(RawPkcs11Seal { key_label: None, ..full() })), "seal.pkcs11.key_label"),
            (
                config("pkcs11", Some(RawPkcs11Seal { key_label: Some(String::new()), ..full() })),
                "seal.pkcs11.key_label",
            ),
            (config("pkcs11", Some(RawPkcs11Seal { pin_env: None, ..full() })), "seal.pkcs11.pin_env"),
            (config("pkcs11", Some(RawPkcs11Seal { pin_file: Some("/p".into()), ..full() })), "seal.pkcs11.pin_env"),
            (config("file", Some(full())), "seal.type"),
            (config("passphrase", Some(full())), "seal.type"),
        ] {
            let e = raw.validate().unwrap_err();
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let e = RawConfig { regions: Some(vec!["mars".into()]), ..Default::default() }.validate().unwrap_err();
        assert!(e.to_string().contains("regions"), "{e}");
        let e = RawConfig { listen: Some("nope".into()), ..Default::default() }.validate().unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
    }

    #[test]
    fn quotas_are_on_by_default_off_in_dev_and_their_rates_can_be_set() {
        assert!(RawConfig::default().validate().unwrap().quotas.is_some());
        assert!(RawConfig { dev: Some(true), ..Default::default() }.validate().unwrap().quotas.is_none());
        let raw = |rates: &[(&str, f64)]| RawConfig {
            quotas: Some(RawQuotas {
                enabled: Some(true),
                rates: Some(rates.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()),
                regions: None,
            }),
            ..Default::default()
        };
        let table = raw(&[("kms:CreateKey", 20.0)]).validate().unwrap().quotas.unwrap();
        assert!(table.quotas().iter().any(|q| q.name == "kms:CreateKey" && q.rate == 20.0));
        let e = raw(&[("kms:Nope", 1.0)]).validate().unwrap_err();
        assert!(e.to_string().contains("quotas.rates") && e.to_string().contains("kms:Nope"), "{e}");
    }

    #[test]
    fn toml_files_reject_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("trent.toml");
        std::fs::write(&p, "listen = \"127.0.0.1:9\"\nregionz = []\n").unwrap();
        assert!(matches!(RawConfig::from_file(&p), Err(ConfigError::Parse { .. })));
        std::fs::write(&p, "regions = [\"eu-west-1\", \"us-east-1\"]\nmax_connections = 7\nidle_timeout_seconds = 5\n")
            .unwrap();
        let c = RawConfig::default().resolve(Some(&p)).unwrap();
        assert!(c.regions.hosts(&Region::parse("eu-west-1").unwrap()));
        assert_eq!((c.http.max_connections, c.http.idle_timeout), (7, Duration::from_secs(5)));
    }

    #[test]
    fn storage_is_sqlite_by_default_or_a_postgres_url_and_never_shows_a_password() {
        let with = |value: &str| RawConfig { storage: Some(StorageSetting::new(value.into())), ..Default::default() };
        assert!(matches!(RawConfig::default().validate().unwrap().storage, Storage::Sqlite));
        assert!(matches!(with("sqlite").validate().unwrap().storage, Storage::Sqlite));
        for url in ["postgres://trent:hunter2@db:5432/trent", "postgresql://trent:hunter2@db/trent?application_name=x"]
        {
            let config = with(url).validate().unwrap();
            assert!(matches!(config.storage, Storage::Postgres(_)), "{url}");
            assert!(!format!("{config:?} {:?}", with(url)).contains("hunter2"), "{url}");
        }
        for bad in ["mysql://root@db/trent", "/var/lib/trent.db", "postgres://trent:hunter2@db:notaport/trent"] {
            match with(bad).validate() {
                Err(e @ ConfigError::Invalid { field: "storage", .. }) => {
                    assert!(!e.to_string().contains("hunter2"), "{e}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
