//! Guards the first start against losing the administrator's secret: when the credentials
//! file cannot be written, no account is created (a later start would otherwise see an
//! account, skip the first start, and nobody would ever learn the administrator's secret), and
//! the next start creates the account and its credentials.

use std::sync::Arc;

use trent_core::ManualClock;
use trent_server::{BootstrapError, Config, bootstrap};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_that_cannot_write_the_credentials_creates_no_account() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).expect("data directory");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).expect("private");
    let credentials = dir.join("credentials");
    std::fs::create_dir(&credentials).expect("a directory where the credentials file goes");
    let clock = Arc::new(ManualClock::starting_now());

    match bootstrap(Config::for_data_dir(&dir), clock.clone()).await {
        Err(BootstrapError::DataDir { path, .. }) => assert_eq!(path, credentials),
        Err(e) => panic!("expected the credentials file to be refused, got {e}"),
        Ok(_) => panic!("the first start succeeded without writing the credentials"),
    }

    std::fs::remove_dir(&credentials).expect("remove the obstacle");
    let (state, first) = bootstrap(Config::for_data_dir(&dir), clock).await.expect("second start");
    let first = first.expect("the second start is a first start again");
    let accounts = state.identities.accounts().await.expect("accounts");
    assert_eq!(accounts.iter().map(|a| a.id.to_string()).collect::<Vec<_>>(), vec![first.account_id.clone()]);
    let written = std::fs::read_to_string(&first.credentials_file).expect("credentials file");
    assert!(written.contains(&first.access_key_id), "the file names the administrator's key");
    let key = state.identities.access_key(&first.access_key_id).await.expect("lookup").expect("the key is stored");
    assert_eq!(key.secret().expose_secret(), first.secret_access_key.expose_secret());
    state.audit.shutdown().await;
}
