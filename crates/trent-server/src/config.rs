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
    /// `data_dir`: where the embedded database, the root key file and the credentials live.
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
    /// `[quotas]`: request quotas.
    pub quotas: Option<RawQuotas>,
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
        let dangerous_plaintext = self.dangerous_allow_plaintext_http.unwrap_or(false);
        if !listen.ip().is_loopback() && !dangerous_plaintext {
            return Err(ConfigError::Invalid {
                field: "listen",
                message: format!(
                    "{listen} is not a loopback address; plain HTTP is only served on loopback. \
                     Set dangerous_allow_plaintext_http to override (not for production)"
                ),
            });
        }
        let dev = self.dev.unwrap_or(false);
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
        let tick = self.scheduler_tick_seconds.map_or(DEFAULT_SCHEDULER_TICK, Duration::from_secs);
        if tick.is_zero() {
            return Err(ConfigError::Invalid { field: "scheduler_tick_seconds", message: "must be positive".into() });
        }
        let quotas = self.quotas.unwrap_or_default().table(dev)?;
        Ok(Config {
            listen,
            data_dir: self.data_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            regions,
            scheduler_tick: tick,
            dangerous_plaintext,
            dev,
            seed: self.seed,
            quotas,
            quota_clock: None,
        })
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

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind.
    pub listen: SocketAddr,
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
    /// The clock the quotas refill on: `None` for the process's monotonic clock; tests set a
    /// manual one (not a `trent.toml` setting).
    pub quota_clock: Option<Arc<dyn QuotaClock>>,
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
        std::fs::write(&p, "regions = [\"eu-west-1\", \"us-east-1\"]\n").unwrap();
        let c = RawConfig::default().resolve(Some(&p)).unwrap();
        assert!(c.regions.hosts(&Region::parse("eu-west-1").unwrap()));
    }
}
