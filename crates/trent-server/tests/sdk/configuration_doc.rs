//! `docs/configuration.md` is the input of these tests: its complete `trent.toml` must start a
//! server that behaves as the page says, and name every setting `RawConfig` has, so neither the
//! page nor the example can fall behind the code.

use trent_core::Region;
use trent_core::quota::QuotaTable;
use trent_server::events::RawEvents;
use trent_server::{RawConfig, RawQuotas};

use trent_server::seal::{PassphraseSource, SealSettings};
use trent_server::{RawRotation, RawSeal, RawTls};

use crate::common::{TestServer, blob};
use crate::tls::{Ca, client_config, connect, health, sdk_https};

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
    parsed_text(&example(name))
}

fn parsed_text(text: &str) -> RawConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.toml");
    std::fs::write(&path, text).unwrap();
    RawConfig::from_file(&path).expect("the example is a valid trent.toml")
}

/// The example with its `/etc/trent/tls/` files made in `dir` (a server certificate for
/// localhost issued by `ca`, and `clients` as the client CA bundle).
fn with_tls_files(name: &str, dir: &std::path::Path, ca: &Ca, clients: &Ca) -> RawConfig {
    let (chain, key) = ca.issue(&["localhost", "127.0.0.1"]);
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    std::fs::write(dir.join("clients.pem"), clients.pem()).unwrap();
    std::fs::write(dir.join("webhook.key"), "documented webhook secret\n").unwrap();
    let text = example(name);
    assert!(text.contains("\"/etc/trent/tls/"), "the example names its TLS files");
    let text = text.replace("\"/etc/trent/tls/", &format!("\"{}/", dir.display()));
    parsed_text(&text.replace("\"/etc/trent/events/", &format!("\"{}/", dir.display())))
}

fn rate(table: &QuotaTable, name: &str, region: &str) -> f64 {
    table.get(table.find(name).unwrap()).rate_in(&Region::parse(region).unwrap())
}

/// Regression guard: the page's example must stay a complete, working `trent.toml`.
#[tokio::test]
async fn the_documented_example_starts_a_server() {
    let tls_dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("documented root");
    let raw = with_tls_files("complete", tls_dir.path(), &ca, &Ca::new("clients"));
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
        tls,
        seal,
        rotation,
        events,
        cluster,
        postgres,
        hsm_clusters,
    } = raw.clone();
    let trent_server::RawPostgres { statement_timeout_milliseconds, call_timeout_milliseconds } =
        postgres.expect("[postgres]");
    assert_eq!((statement_timeout_milliseconds, call_timeout_milliseconds), (Some(5000), Some(6000)));
    let clusters = hsm_clusters.expect("[[hsm_clusters]]");
    let trent_server::hsm::clusters::RawHsmCluster { cluster_id, module, token_label, slot, trust_anchor_file } =
        clusters[0].clone();
    assert!(cluster_id.is_some() && module.is_some() && token_label.is_some());
    assert!(slot.is_none() && trust_anchor_file.is_none(), "commented out: the file does not exist here");
    let RawEvents {
        retention_hours,
        poll_interval_milliseconds,
        batch_size,
        retry_initial_milliseconds,
        retry_max_seconds,
        sinks,
    } = events.expect("[events]");
    assert!(retention_hours.is_some() && poll_interval_milliseconds.is_some() && batch_size.is_some());
    assert!(retry_initial_milliseconds.is_some() && retry_max_seconds.is_some());
    let kinds: Vec<String> = sinks.expect("[[events.sinks]]").into_iter().map(|s| s.kind).collect();
    assert_eq!(kinds, ["webhook", "nats", "jsonl"], "one sink of each type");
    let trent_server::RawCluster { node_id, full_check_seconds } = cluster.expect("[cluster]");
    assert_eq!(node_id.as_deref(), Some("trent-1"));
    assert_eq!(full_check_seconds, Some(30));
    let RawRotation { functions, ca_file, connect_timeout_seconds } = rotation.expect("[rotation]");
    assert_eq!(functions.as_ref().map(Vec::len), Some(2), "a command and an HTTP function");
    assert!(ca_file.is_none(), "commented out: the file does not exist here");
    assert_eq!(connect_timeout_seconds, Some(5));
    assert!(storage.is_some());
    assert!(header_read_timeout_seconds.is_some() && idle_timeout_seconds.is_some() && max_connections.is_some());
    assert!(listen.is_some() && data_dir.is_some() && regions.is_some() && scheduler_tick_seconds.is_some());
    assert!(dangerous_allow_plaintext_http.is_some() && dev.is_some());
    assert!(seed.is_none(), "the seed line is commented out: the file it names does not exist here");
    let RawTls { cert_file, key_file, client_ca_file } = tls.clone().expect("[tls]");
    assert!(cert_file.is_some() && key_file.is_some());
    assert!(client_ca_file.is_none(), "commented out: the mutual-tls example covers it");
    let RawSeal { kind, passphrase_env, passphrase_fd, passphrase_prompt, pkcs11, kms } = seal.expect("[seal]");
    assert_eq!(kind.as_deref(), Some("file"));
    assert!(
        passphrase_env.is_none() && passphrase_fd.is_none() && passphrase_prompt.is_none(),
        "commented out: the passphrase-seal example"
    );
    assert!(pkcs11.is_none(), "commented out: the pkcs11-seal example");
    assert!(kms.is_none(), "commented out: the kms-seal example");
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
        "tls.cert_file",
        "tls.key_file",
        "tls.client_ca_file",
        "seal.type",
        "seal.passphrase_env",
        "seal.passphrase_fd",
        "seal.passphrase_prompt",
        "seal.pkcs11.module",
        "seal.pkcs11.slot",
        "seal.pkcs11.token_label",
        "seal.pkcs11.key_label",
        "seal.pkcs11.pin_env",
        "seal.pkcs11.pin_file",
        "seal.kms.endpoint",
        "seal.kms.region",
        "seal.kms.key_id",
        "seal.kms.credentials_file",
        "seal.kms.profile",
        "seal.kms.ca_bundle",
        "seal.kms.retry_seconds",
        "storage",
        "cluster.node_id",
        "cluster.full_check_seconds",
        "postgres.statement_timeout_milliseconds",
        "postgres.call_timeout_milliseconds",
        "hsm_clusters",
        "hsm_clusters.cluster_id",
        "hsm_clusters.module",
        "hsm_clusters.token_label",
        "hsm_clusters.slot",
        "hsm_clusters.trust_anchor_file",
    ] {
        assert!(page.contains(&format!("| `{setting}` |")), "{setting} has its row in the settings table");
    }
    for setting in [
        "seed",
        "quotas.enabled",
        "quotas.rates",
        "quotas.regions.<region>",
        "rotation.functions",
        "rotation.ca_file",
        "rotation.connect_timeout_seconds",
        "events.retention_hours",
        "events.poll_interval_milliseconds",
        "events.batch_size",
        "events.retry_initial_milliseconds",
        "events.retry_max_seconds",
        "events.sinks",
    ] {
        assert!(page.contains(&format!("| `{setting}` |")), "{setting} has its row in the settings table");
    }

    // Started with it (its own address and directory over the file's, as flags would).
    let server = TestServer::start_with(raw).await;
    let config = &server.state.config;
    assert_eq!(config.full_check_interval, std::time::Duration::from_secs(30));
    let sinks: Vec<&str> = config.events.sinks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sinks, ["ops-webhook", "bus", "archive"]);
    match &config.events.sinks[0].target {
        trent_server::events::SinkTarget::Webhook { secret: Some(secret), .. } => {
            assert_eq!(secret.expose_secret(), b"documented webhook secret", "read from its file, newline dropped");
        }
        other => panic!("the webhook with its secret: {other:?}"),
    }
    assert!(config.regions.hosts(&Region::parse("eu-west-1").unwrap()));
    assert!(!config.regions.hosts(&Region::parse("ap-south-1").unwrap()));
    let table = config.quotas.as_ref().expect("quotas on");
    assert_eq!(rate(table, "kms:CreateKey", "us-east-1"), 20.0);
    assert_eq!(rate(table, "kms:cryptographic-rsa", "eu-west-1"), 2000.0);
    assert_eq!(rate(table, "kms:cryptographic-symmetric", "eu-west-1"), 50_000.0);
    assert_eq!(rate(table, "kms:cryptographic-symmetric", "us-east-1"), 100_000.0, "AWS's figure stays");
    assert!(config.tls.is_some());
    assert_eq!(config.rotation.functions.len(), 2);
    // The configured command is a function RotateSecret accepts (it is not run here).
    use trent_core::secrets::{CreateSecretInput, RotateSecretInput, SecretValue};
    let caller = server.caller(&server.access_key_id).await;
    let value = Some(SecretValue::string("k"));
    let input = CreateSecretInput { name: "api-key".into(), value, ..Default::default() };
    server.state.secrets.create_secret(&caller, input).await.unwrap();
    let configured = "arn:aws:lambda:us-east-1:111122223333:function:rotate-api-key";
    let input = RotateSecretInput {
        secret_id: "api-key".into(),
        lambda_arn: Some(configured.into()),
        rotate_immediately: Some(false),
        ..Default::default()
    };
    server.state.secrets.rotate_secret(&caller, input).await.expect("a configured function");
    let eu = server.client_at_in(&format!("https://localhost:{}", server.addr.port()), sdk_https(&ca), "eu-west-1");
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

/// Regression guard: the page's mutual-TLS example refuses a client without a certificate and
/// serves one whose certificate the bundle's CA issued.
#[tokio::test]
async fn the_mutual_tls_example_refuses_clients_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, clients) = (Ca::new("server root"), Ca::new("client root"));
    let server = TestServer::start_with(with_tls_files("mutual-tls", dir.path(), &ca, &clients)).await;
    let tls13 = [&rustls::version::TLS13];
    let refused = match connect(&server, client_config(&ca, None, &tls13)).await {
        Err(_) => String::new(),
        Ok(mut stream) => health(&mut stream).await,
    };
    assert!(!refused.contains("HTTP/"), "{refused:?}");
    let member = clients.issue(&["client.example"]);
    let mut stream = connect(&server, client_config(&ca, Some(&member), &tls13)).await.unwrap();
    assert!(health(&mut stream).await.starts_with("HTTP/1.1 200"));
}

/// Regression guard: the page's passphrase-seal example is a valid configuration naming its
/// variable (the seal itself is exercised by `seal::`).
#[test]
fn the_passphrase_seal_example_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let raw = RawConfig { data_dir: Some(dir.path().to_owned()), ..parsed("passphrase-seal") };
    let config = raw.resolve(None).expect("valid");
    assert_eq!(config.seal, SealSettings::Passphrase(PassphraseSource::Env("TRENT_SEAL_PASSPHRASE".into())));
}

/// Regression guard: the page's pkcs11-seal example is a valid configuration of that seal
/// (the seal itself is exercised by `pkcs11_seal::`).
#[test]
fn the_pkcs11_seal_example_is_valid() {
    use trent_server::hsm::{PinSource, TokenRef, TokenSettings};
    let dir = tempfile::tempdir().unwrap();
    let raw = RawConfig { data_dir: Some(dir.path().to_owned()), ..parsed("pkcs11-seal") };
    assert_eq!(
        raw.resolve(None).expect("valid").seal,
        SealSettings::Pkcs11(trent_server::seal::Pkcs11Seal {
            token: TokenSettings {
                module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                token: TokenRef::Label("trent".into()),
                pin: PinSource::Env("TRENT_HSM_PIN".into()),
            },
            key_label: "trent-root-wrap".into(),
        })
    );
}

/// Regression guard: the page's kms-seal example is a valid configuration of that seal (the
/// seal itself is exercised by `kms_seal::`).
#[test]
fn the_kms_seal_example_is_valid() {
    use trent_server::seal::{KmsCredentials, KmsSeal};
    let dir = tempfile::tempdir().unwrap();
    let raw = RawConfig { data_dir: Some(dir.path().to_owned()), ..parsed("kms-seal") };
    assert_eq!(
        raw.resolve(None).expect("valid").seal,
        SealSettings::Kms(KmsSeal {
            endpoint: "https://kms.us-east-1.amazonaws.com".into(),
            region: "us-east-1".into(),
            key_id: "alias/trent-root".into(),
            credentials: KmsCredentials::Profile {
                file: Some("/etc/trent/kms-credentials".into()),
                profile: "trent-unseal".into()
            },
            ca_bundle: None,
            retry: std::time::Duration::from_secs(30),
        })
    );
}

/// Regression guard: the page's shamir-seal example is a valid configuration of that seal
/// (the seal itself is exercised by `shamir::`).
#[test]
fn the_shamir_seal_example_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let raw = RawConfig { data_dir: Some(dir.path().to_owned()), ..parsed("shamir-seal") };
    assert_eq!(raw.resolve(None).expect("valid").seal, SealSettings::Shamir);
}
