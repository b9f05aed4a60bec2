//! `docs/configuration.md` is the input of these tests: its complete `trent.toml` must start a
//! server that behaves as the page says, and name every setting `RawConfig` has, so neither the
//! page nor the example can fall behind the code.

use trent_core::Region;
use trent_core::quota::QuotaTable;
use trent_server::{RawConfig, RawQuotas};

use crate::common::{TestServer, blob};

/// The code block that follows `<!-- example: NAME -->` in the page.
pub(crate) fn example(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
    let page = std::fs::read_to_string(path).expect("docs/configuration.md");
    let marker = format!("<!-- example: {name} -->");
    let after = &page[page.find(&marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len()..];
    let body = after.trim_start().strip_prefix("```toml\n").expect("a toml block follows the marker");
    body[..body.find("\n```").expect("the block ends")].to_owned()
}

/// The example as `trent server` would read it from a file.
fn parsed(name: &str) -> RawConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.toml");
    std::fs::write(&path, example(name)).unwrap();
    RawConfig::from_file(&path).expect("the example is a valid trent.toml")
}

fn rate(table: &QuotaTable, name: &str, region: &str) -> f64 {
    table.get(table.find(name).unwrap()).rate_in(&Region::parse(region).unwrap())
}

/// Regression guard: the page's example must stay a complete, working `trent.toml`.
#[tokio::test]
async fn the_documented_example_starts_a_server() {
    let raw = parsed("complete");
    // Every setting is in the example (a new one does not compile here until it is).
    let RawConfig {
        listen,
        data_dir,
        regions,
        scheduler_tick_seconds,
        dangerous_allow_plaintext_http,
        dev,
        seed,
        header_read_timeout_seconds,
        idle_timeout_seconds,
        max_connections,
        storage,
        quotas,
    } = raw.clone();
    assert!(storage.is_some());
    assert!(header_read_timeout_seconds.is_some() && idle_timeout_seconds.is_some() && max_connections.is_some());
    assert!(listen.is_some() && data_dir.is_some() && regions.is_some() && scheduler_tick_seconds.is_some());
    assert!(dangerous_allow_plaintext_http.is_some() && dev.is_some());
    assert!(seed.is_none(), "the seed line is commented out: the file it names does not exist here");
    let RawQuotas { enabled, rates, regions: quota_regions } = quotas.clone().expect("[quotas]");
    assert!(enabled == Some(true) && rates.is_some() && quota_regions.is_some());
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md")).unwrap();
    for setting in [
        "listen",
        "data_dir",
        "regions",
        "scheduler_tick_seconds",
        "dangerous_allow_plaintext_http",
        "dev",
        "header_read_timeout_seconds",
        "idle_timeout_seconds",
        "max_connections",
        "storage",
    ] {
        assert!(page.contains(&format!("| `{setting}` |")), "{setting} has its row in the settings table");
    }
    for setting in ["seed", "quotas.enabled", "quotas.rates", "quotas.regions.<region>"] {
        assert!(page.contains(&format!("| `{setting}` |")), "{setting} has its row in the settings table");
    }

    // Started with it (its own address and directory over the file's, as flags would).
    let server = TestServer::start_with(raw).await;
    let config = &server.state.config;
    assert!(config.regions.hosts(&Region::parse("eu-west-1").unwrap()));
    assert!(!config.regions.hosts(&Region::parse("ap-south-1").unwrap()));
    let table = config.quotas.as_ref().expect("quotas on");
    assert_eq!(rate(table, "kms:CreateKey", "us-east-1"), 20.0);
    assert_eq!(rate(table, "kms:cryptographic-rsa", "eu-west-1"), 2000.0);
    assert_eq!(rate(table, "kms:cryptographic-symmetric", "eu-west-1"), 50_000.0);
    assert_eq!(rate(table, "kms:cryptographic-symmetric", "us-east-1"), 100_000.0, "AWS's figure stays");
    let eu = server.client_in("eu-west-1");
    let key = eu.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let sealed = eu.encrypt().key_id(&key).plaintext(blob(b"configured")).send().await.unwrap();
    let opened = eu.decrypt().ciphertext_blob(sealed.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"configured");
}

/// Regression guard: the older per-region figures the page promises must stay expressible.
#[test]
fn the_earlier_aws_figures_are_expressible() {
    let raw = parsed("earlier-figures");
    let dir = tempfile::tempdir().unwrap();
    let quotas = raw.quotas.map(|q| RawQuotas { enabled: Some(true), ..q });
    let config = RawConfig { quotas, data_dir: Some(dir.path().to_owned()), ..raw }.resolve(None).expect("valid");
    let table = config.quotas.expect("on");
    assert_eq!(rate(&table, "kms:cryptographic-symmetric", "ap-south-1"), 5500.0);
    assert_eq!(rate(&table, "kms:cryptographic-symmetric", "us-east-2"), 10_000.0);
    assert_eq!(rate(&table, "kms:cryptographic-symmetric", "us-east-1"), 30_000.0);
    assert_eq!(rate(&table, "kms:cryptographic-rsa", "us-east-1"), 500.0);
    assert_eq!(rate(&table, "kms:cryptographic-ecc", "eu-west-1"), 300.0);
}
