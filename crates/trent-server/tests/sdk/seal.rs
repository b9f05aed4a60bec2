//! The passphrase seal end to end: a server sealed with a passphrase restarts and decrypts
//! what it encrypted before; a wrong passphrase, or a data directory of the other seal, stops
//! the start with a clear message.

use std::os::fd::AsRawFd as _;
use std::sync::Arc;

use trent_server::{RawConfig, RawSeal};

use crate::common::TestServer;

/// A file holding `passphrase`, open for the server to read through its descriptor.
fn passphrase_file(dir: &std::path::Path, name: &str, passphrase: &str) -> std::fs::File {
    let path = dir.join(name);
    std::fs::write(&path, format!("{passphrase}\n")).unwrap();
    std::fs::File::open(path).unwrap()
}

fn sealed_with(file: &std::fs::File) -> RawSeal {
    RawSeal {
        kind: Some("passphrase".into()),
        passphrase_env: None,
        passphrase_fd: Some(u32::try_from(file.as_raw_fd()).unwrap()),
        passphrase_prompt: None,
        pkcs11: None,
        kms: None,
    }
}

pub(crate) async fn bootstrap_error(data_dir: &std::path::Path, seal: Option<RawSeal>) -> String {
    let config = RawConfig {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data_dir.to_owned()),
        seal,
        ..RawConfig::default()
    }
    .resolve(None)
    .unwrap();
    match trent_server::bootstrap(config, Arc::new(trent_core::ManualClock::starting_now())).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the server started"),
    }
}

/// Regression guard: initialise, restart, unseal with the passphrase, decrypt an old ciphertext.
#[tokio::test]
async fn a_passphrase_sealed_server_restarts_and_decrypts_what_it_made() {
    let secrets = tempfile::tempdir().unwrap();
    let right = passphrase_file(secrets.path(), "right", "a long operator passphrase");
    let server = TestServer::start_with(RawConfig { seal: Some(sealed_with(&right)), ..RawConfig::default() }).await;
    let data = server.data_dir();
    assert!(data.join("root.sealed").exists() && !data.join("root.key").exists());
    let mut server = server.decrypts_after_restart(b"before restart").await;
    server.shutdown().await;

    // No root key bytes, raw or hex, in the served data directory (database, WAL, seal file).
    let raw = trent_server::seal::release_sealed_file(
        &data.join(trent_server::seal::SEALED_FILE),
        "a long operator passphrase",
    )
    .unwrap();
    crate::kms_seal::holds_no_root_key_bytes(&data, raw.expose_secret());

    // A wrong passphrase leaves it sealed, and says so.
    let wrong = passphrase_file(secrets.path(), "wrong", "not the operator passphrase");
    let e = bootstrap_error(&data, Some(sealed_with(&wrong))).await;
    assert!(e.contains("does not open") && e.contains("root.sealed") && e.contains("stays sealed"), "{e}");
    // The file seal on a passphrase-sealed directory is refused, and creates no root.key.
    let e = bootstrap_error(&data, None).await;
    assert!(e.contains("passphrase seal") && e.contains("type is file"), "{e}");
    assert!(!data.join("root.key").exists());
}

/// Regression guard: a data directory made with the file seal is not silently re-keyed by the
/// passphrase seal.
#[tokio::test]
async fn the_passphrase_seal_refuses_a_file_sealed_directory() {
    let server = TestServer::start().await;
    let data = server.data_dir();
    let mut server = server;
    server.shutdown().await;
    let secrets = tempfile::tempdir().unwrap();
    let pass = passphrase_file(secrets.path(), "p", "a long operator passphrase");
    let e = bootstrap_error(&data, Some(sealed_with(&pass))).await;
    assert!(e.contains("root.key") && e.contains("type is passphrase"), "{e}");
    assert!(!data.join("root.sealed").exists());
}
