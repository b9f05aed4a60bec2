//! The AWS CLI against a custom key store of type `AWS_CLOUDHSM` over a SoftHSM2 token:
//! `create-custom-key-store`, `connect-custom-key-store`, `describe-custom-key-stores`,
//! `generate-random --custom-key-store-id` drawn from the token, `disconnect-custom-key-store`
//! (the store's random source then refused as AWS refuses it), `delete-custom-key-store`.

use std::path::Path;
use std::process::Command;

mod support;

use support::Server;

/// Where Debian's `softhsm2` package puts the module.
const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "7316-user";
const CLUSTER: &str = "cluster-clitourabcd";

/// Regression guard: the AWS CLI's custom key store commands answered UnknownOperationException.
#[test]
fn aws_cli_custom_key_store_tour() {
    let has_aws = Command::new("aws").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    let installed = Path::new(SOFTHSM).is_file() && Command::new("softhsm2-util").arg("--help").output().is_ok();
    if !has_aws || !installed {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but `aws` or SoftHSM2 is not installed");
        eprintln!("SKIPPED aws_cli_custom_key_store_tour: `aws` or SoftHSM2 is not installed (run .ci/run)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()))
        .unwrap();
    let made = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "cli-cks", "--pin", PIN, "--so-pin", "5678-so"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let config = dir.path().join("trent.toml");
    std::fs::write(
        &config,
        format!("[[hsm_clusters]]\ncluster_id = \"{CLUSTER}\"\nmodule = \"{SOFTHSM}\"\ntoken_label = \"cli-cks\"\n"),
    )
    .unwrap();
    let anchor = dir.path().join("customerCA.crt");
    std::fs::write(&anchor, "-----BEGIN CERTIFICATE-----\nMIIBtour\n-----END CERTIFICATE-----\n").unwrap();
    let data = dir.path().join("data");
    let args = ["--config", config.to_str().unwrap(), "--data-dir", data.to_str().unwrap()];
    let server = Server::start_with_env(&args, &[("SOFTHSM2_CONF", conf.as_path())]).expect("server starts");
    let aws = |args: &[&str]| {
        let mut cmd = Command::new("aws");
        cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("HOME", dir.path());
        for (k, v) in &server.exports {
            cmd.env(k, v);
        }
        cmd.env("AWS_DEFAULT_REGION", "us-east-1").env("AWS_REGION", "us-east-1");
        let out = cmd.output().expect("run aws");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |args: &[&str]| {
        let (ok, out, err) = aws(args);
        assert!(ok, "aws {args:?}: {err}");
        out
    };
    let anchor_arg = format!("file://{}", anchor.display());
    let id = ok(&[
        "kms",
        "create-custom-key-store",
        "--custom-key-store-name",
        "tour",
        "--cloud-hsm-cluster-id",
        CLUSTER,
        "--trust-anchor-certificate",
        &anchor_arg,
        "--key-store-password",
        PIN,
        "--query",
        "CustomKeyStoreId",
        "--output",
        "text",
    ]);
    assert!(id.starts_with("cks-"), "{id}");
    let state = |id: &str| {
        ok(&[
            "kms",
            "describe-custom-key-stores",
            "--custom-key-store-id",
            id,
            "--query",
            "CustomKeyStores[0].ConnectionState",
            "--output",
            "text",
        ])
    };
    assert_eq!(state(&id), "DISCONNECTED");
    ok(&["kms", "connect-custom-key-store", "--custom-key-store-id", &id]);
    assert_eq!(state(&id), "CONNECTED");
    let random = ok(&[
        "kms",
        "generate-random",
        "--number-of-bytes",
        "32",
        "--custom-key-store-id",
        &id,
        "--query",
        "Plaintext",
        "--output",
        "text",
    ]);
    assert_eq!(random.len(), 44, "{random}");
    ok(&["kms", "disconnect-custom-key-store", "--custom-key-store-id", &id]);
    assert_eq!(state(&id), "DISCONNECTED");
    let (refused, _, err) = aws(&["kms", "generate-random", "--number-of-bytes", "8", "--custom-key-store-id", &id]);
    assert!(!refused && err.contains("CustomKeyStoreInvalidStateException"), "{err}");
    ok(&["kms", "delete-custom-key-store", "--custom-key-store-id", &id]);
    let (found, _, err) = aws(&["kms", "describe-custom-key-stores", "--custom-key-store-id", &id]);
    assert!(!found && err.contains("CustomKeyStoreNotFoundException"), "{err}");
    assert!(server.terminate());
}
