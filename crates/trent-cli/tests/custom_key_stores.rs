//! The AWS CLI against a custom key store of type `AWS_CLOUDHSM` over a SoftHSM2 token:
//! `create-custom-key-store`, `connect-custom-key-store`, `describe-custom-key-stores`,
//! `generate-random --custom-key-store-id` drawn from the token, `create-key --origin
//! AWS_CLOUDHSM` (the key object seen in the token with `pkcs11-tool`, sensitive and never
//! extractable), `encrypt` and `decrypt` in the token, `disconnect-custom-key-store` (the key
//! and the store's random source then refused as AWS refuses them), `delete-custom-key-store`
//! refused while the store has a key, `schedule-key-deletion` of a key of a disconnected store.
//! (The destruction of the token object when the window ends needs a moved clock: the `sdk`
//! test `custom_key_store_keys::keys_live_and_die_in_the_token` checks it.)

use std::path::Path;
use std::process::Command;

#[path = "../../trent-server/tests/sdk/pkcs11_listing.rs"]
mod pkcs11_listing;
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

    // A key made in the token; AES-GCM in the token.
    let key = ok(&[
        "kms",
        "create-key",
        "--origin",
        "AWS_CLOUDHSM",
        "--custom-key-store-id",
        &id,
        "--query",
        "KeyMetadata.[Arn,Origin,CustomKeyStoreId,CloudHsmClusterId]",
        "--output",
        "text",
    ]);
    let fields: Vec<&str> = key.split('\t').collect();
    assert_eq!(fields[1..], ["AWS_CLOUDHSM", id.as_str(), CLUSTER], "{key}");
    let arn = fields[0].to_owned();
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, b"sealed in softhsm").unwrap();
    let sealed = ok(&[
        "kms",
        "encrypt",
        "--key-id",
        &arn,
        "--plaintext",
        &format!("fileb://{}", plain.display()),
        "--encryption-context",
        "app=tour",
        "--query",
        "CiphertextBlob",
        "--output",
        "text",
    ]);
    let blob_file = dir.path().join("sealed.bin");
    std::fs::write(&blob_file, base64_decode(&sealed)).unwrap();
    let blob_arg = format!("fileb://{}", blob_file.display());
    let opened = ok(&[
        "kms",
        "decrypt",
        "--ciphertext-blob",
        &blob_arg,
        "--encryption-context",
        "app=tour",
        "--query",
        "Plaintext",
        "--output",
        "text",
    ]);
    assert_eq!(base64_decode(&opened), b"sealed in softhsm");

    // The key object in the token, as pkcs11-tool lists it: sensitive, never extractable.
    let listed = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--module", SOFTHSM, "--token-label", "cli-cks", "--login", "--pin", PIN])
        .args(["--list-objects", "--type", "secrkey"])
        .output()
        .expect("pkcs11-tool");
    let listing = String::from_utf8_lossy(&listed.stdout).into_owned();
    let access = pkcs11_listing::secret_key_access(&listing, &arn)
        .unwrap_or_else(|| panic!("no object labelled {arn}:\n{listing}"));
    assert!(pkcs11_listing::sensitive_and_never_extractable(&access), "{access:?}");

    // Disconnected: the key and the store's random source are refused as AWS refuses them; a
    // store with a key is not deleted; the key can still be scheduled for deletion.
    ok(&["kms", "disconnect-custom-key-store", "--custom-key-store-id", &id]);
    assert_eq!(state(&id), "DISCONNECTED");
    let (refused, _, err) =
        aws(&["kms", "encrypt", "--key-id", &arn, "--plaintext", &format!("fileb://{}", plain.display())]);
    assert!(!refused && err.contains("KMSInvalidStateException"), "{err}");
    let key_state =
        ok(&["kms", "describe-key", "--key-id", &arn, "--query", "KeyMetadata.KeyState", "--output", "text"]);
    assert_eq!(key_state, "Unavailable");
    let (refused, _, err) = aws(&["kms", "generate-random", "--number-of-bytes", "8", "--custom-key-store-id", &id]);
    assert!(!refused && err.contains("CustomKeyStoreInvalidStateException"), "{err}");
    let (deleted, _, err) = aws(&["kms", "delete-custom-key-store", "--custom-key-store-id", &id]);
    assert!(!deleted && err.contains("CustomKeyStoreHasCMKsException"), "{err}");
    let pending = ok(&[
        "kms",
        "schedule-key-deletion",
        "--key-id",
        &arn,
        "--pending-window-in-days",
        "7",
        "--query",
        "KeyState",
        "--output",
        "text",
    ]);
    assert_eq!(pending, "PendingDeletion");
    assert!(server.terminate());
}

/// Whether SoftHSM2 is installed; outside CI a missing one skips the test (loudly).
fn softhsm_installed(test: &str) -> bool {
    let installed = Path::new(SOFTHSM).is_file() && Command::new("softhsm2-util").arg("--help").output().is_ok();
    if !installed {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but SoftHSM2 is not installed");
        eprintln!("SKIPPED {test}: SoftHSM2 is not installed (run .ci/run)");
    }
    installed
}

/// Regression guard: `trent bench` had no way to measure a key in a custom key store (its
/// in-process server loads the PKCS#11 module before `SOFTHSM2_CONF` could name a token).
/// `--ops encrypt,encrypt-hsm` measures `Encrypt` with a Trent key and with a key in a SoftHSM2
/// token made for the run, in the same run: every request is answered (at more requests in
/// flight than a connected store keeps idle sessions), and the comparison table is printed.
#[test]
fn bench_measures_encrypt_with_an_hsm_key_next_to_a_trent_key() {
    if !softhsm_installed("bench_measures_encrypt_with_an_hsm_key_next_to_a_trent_key") {
        return;
    }
    let out = Command::new(support::TRENT)
        .args(["bench", "--seconds", "1", "--concurrency", "1,16", "--ops", "encrypt,encrypt-hsm"])
        .output()
        .expect("run trent bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for (op, concurrency) in [("Encrypt", 1), ("Encrypt", 16), ("Encrypt HSM", 1), ("Encrypt HSM", 16)] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {op} | {concurrency} | off | http |")))
            .unwrap_or_else(|| panic!("no {op} row at {concurrency}:\n{stdout}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (rate, errors): (f64, u64) = (cells[5].parse().unwrap(), cells[8].parse().unwrap());
        assert!(rate > 0.0 && errors == 0, "{row}");
    }
    assert!(stdout.contains("| Trent key, median req/s | HSM key (SoftHSM2), median req/s | cost |"), "{stdout}");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text.trim()).expect("base64")
}
