//! `trent bench --ops encrypt-hsm`: `Encrypt` with a key whose material is inside a PKCS#11
//! token (a custom key store of type `AWS_CLOUDHSM`, `Origin=AWS_CLOUDHSM`), measured next to
//! `Encrypt` with a key of Trent's own in the same run.
//!
//! The token is a SoftHSM2 token made for the run, in a temporary directory. SoftHSM2 reads
//! `SOFTHSM2_CONF` when its module is loaded, once per process, and this process may not set
//! its own environment (`unsafe_code` is forbidden): so `trent bench` makes the token, then
//! runs itself again with the variable set and `--softhsm-prepared`, and that second process
//! (and a pinned child server it starts, which inherits the variable) loads the module.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use serde_json::json;
use trent_client::JsonClient;
use trent_server::hsm::TokenRef;
use trent_server::hsm::clusters::ClusterSettings;

/// The cluster id that names the run's token in the server's `[[hsm_clusters]]`.
pub(crate) const CLUSTER: &str = "cluster-trentbenchaaa";
/// The run's token's label.
const TOKEN: &str = "trent-bench";
/// The user PIN of the run's throwaway token (the custom key store's `KeyStorePassword`).
const PIN: &str = "bench-7316-user";
const SO_PIN: &str = "bench-5678-so";
/// A trust anchor certificate for `CreateCustomKeyStore` (the server checks its shape only
/// when no `trust_anchor_file` is configured, as here).
const ANCHOR: &str = "-----BEGIN CERTIFICATE-----\nMIIBbench\n-----END CERTIFICATE-----\n";

/// The server's `[[hsm_clusters]]` entry for the run's token.
pub(crate) fn cluster(module: &Path) -> ClusterSettings {
    ClusterSettings {
        cluster_id: CLUSTER.to_owned(),
        module: module.to_owned(),
        token: TokenRef::Label(TOKEN.to_owned()),
        trust_anchor: None,
    }
}

/// The same entry as `trent.toml` text, for a server in a child process.
pub(crate) fn cluster_toml(module: &Path) -> String {
    format!(
        "\n[[hsm_clusters]]\ncluster_id = \"{CLUSTER}\"\nmodule = {:?}\ntoken_label = \"{TOKEN}\"\n",
        module.display()
    )
}

/// Makes a SoftHSM2 token in a temporary directory and runs this command again (its own
/// arguments and `--softhsm-prepared`) with `SOFTHSM2_CONF` naming it; its exit status.
///
/// # Errors
/// The module or `softhsm2-util` missing, the token not made, the process not started.
pub(crate) fn run_prepared(module: &Path) -> Result<ExitStatus, Box<dyn std::error::Error>> {
    if !module.is_file() {
        return Err(format!(
            "encrypt-hsm needs SoftHSM2's PKCS#11 module at {} (Debian: apt-get install softhsm2; or --hsm-module)",
            module.display()
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let conf = prepare_token(dir.path())?;
    let status = Command::new(std::env::current_exe()?)
        .args(std::env::args_os().skip(1))
        .arg("--softhsm-prepared")
        .env("SOFTHSM2_CONF", &conf)
        .status()?;
    Ok(status)
}

/// Writes a SoftHSM2 configuration whose tokens live under `dir` and initialises the run's
/// token there; the configuration's path.
fn prepare_token(dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let tokens = dir.join("tokens");
    std::fs::create_dir(&tokens)?;
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )?;
    let made = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN])
        .output()
        .map_err(|e| format!("softhsm2-util (Debian package softhsm2) could not be run: {e}"))?;
    if !made.status.success() {
        return Err(
            format!("softhsm2-util --init-token failed: {}", String::from_utf8_lossy(&made.stderr).trim()).into()
        );
    }
    Ok(conf)
}

/// Creates a custom key store over the run's token, connects it and creates a key in it
/// (generated inside the token); the key's id.
///
/// # Errors
/// Any call refused, or the store not connected.
pub(crate) async fn create_key(client: &JsonClient) -> Result<String, Box<dyn std::error::Error>> {
    let store = client
        .call(
            "CreateCustomKeyStore",
            &json!({
                "CustomKeyStoreName": "trent-bench",
                "CloudHsmClusterId": CLUSTER,
                "TrustAnchorCertificate": ANCHOR,
                "KeyStorePassword": PIN,
            }),
        )
        .await?;
    let store = store["CustomKeyStoreId"].as_str().ok_or("CreateCustomKeyStore answered without an id")?.to_owned();
    client.call("ConnectCustomKeyStore", &json!({ "CustomKeyStoreId": store })).await?;
    let described = client.call("DescribeCustomKeyStores", &json!({ "CustomKeyStoreId": store })).await?;
    let state = &described["CustomKeyStores"][0];
    if state["ConnectionState"] != "CONNECTED" {
        return Err(format!(
            "the bench's custom key store did not connect: {} {}",
            state["ConnectionState"], state["ConnectionErrorCode"]
        )
        .into());
    }
    let key = client
        .call(
            "CreateKey",
            &json!({ "Description": "trent bench (HSM)", "Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": store }),
        )
        .await?;
    Ok(key["KeyMetadata"]["KeyId"].as_str().ok_or("CreateKey answered without a KeyId")?.to_owned())
}
