//! `trent operator` end to end with the binary: `init` prints shares and a token once; a
//! shamir-sealed `trent server` over HTTPS is seen, unsealed and sealed with `status`,
//! `unseal` and `seal`, trusting its certificate through `--ca-bundle` or `AWS_CA_BUNDLE`;
//! and `rekey` moves a data directory between the file, passphrase, shamir and pkcs11 (SoftHSM2)
//! seals while old ciphertexts keep decrypting.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/mod.rs"]
mod support;

use support::{Server, operator, shares_and_token};

/// A self-signed certificate for 127.0.0.1 in `dir`: (chain, key, bundle to trust).
fn certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let (chain, key, bundle) = (dir.join("chain.pem"), dir.join("key.pem"), dir.join("bundle.pem"));
    std::fs::write(&chain, made.cert.pem()).unwrap();
    std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
    std::fs::write(&bundle, made.cert.pem()).unwrap();
    (chain, key, bundle)
}

fn config_file(dir: &Path, seal: &str) -> PathBuf {
    let path = dir.join(format!("{seal}.toml"));
    let extra = if seal == "passphrase" { "passphrase_env = \"TRENT_TEST_SEAL_PASSPHRASE\"\n" } else { "" };
    std::fs::write(&path, format!("[seal]\ntype = \"{seal}\"\n{extra}")).unwrap();
    path
}

/// Regression guard: init, then status / unseal / seal over HTTPS with a private CA.
#[test]
fn operator_commands_drive_a_shamir_sealed_server_over_https_with_a_ca_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let (ok, out, err) = operator(&["init", "--data-dir", data_arg, "--shares", "3", "--threshold", "2"], &[], "");
    assert!(ok, "{err}");
    let (shares, token) = shares_and_token(&out);
    assert_eq!(shares.len(), 3, "{out}");
    let (ok, _, err) = operator(&["init", "--data-dir", data_arg, "--shares", "3", "--threshold", "2"], &[], "");
    assert!(!ok && err.contains("init never replaces one"), "{err}");

    let (chain, key, bundle) = certificate(dir.path());
    let config = config_file(dir.path(), "shamir");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data_arg,
        "--tls-cert-file",
        chain.to_str().unwrap(),
        "--tls-key-file",
        key.to_str().unwrap(),
    ];
    let server = Server::start_with(&args).expect("a sealed server over HTTPS");
    assert!(server.endpoint.starts_with("https://127.0.0.1:"), "{}", server.endpoint);
    let url = ["--endpoint-url".to_owned(), server.endpoint.clone()];
    let bundle_arg = ["--ca-bundle".to_owned(), bundle.to_str().unwrap().to_owned()];
    let with =
        |extra: &[&str]| -> Vec<String> { extra.iter().map(|a| (*a).to_owned()).chain(url.iter().cloned()).collect() };

    // Without the bundle the server's certificate is not trusted.
    let (ok, _, err) = operator(&with(&["status"]), &[], "");
    assert!(!ok && err.contains("cannot reach"), "{err}");
    let (ok, out, err) = operator(&[&with(&["status"])[..], &bundle_arg].concat(), &[], "");
    assert!(ok, "{err}");
    assert!(out.contains("Sealed: true") && out.contains("Unseal progress: 0 of 2"), "{out}");
    let bundle_env = [("AWS_CA_BUNDLE", bundle.to_str().unwrap())];
    let (ok, out, err) = operator(&with(&["status", "--output", "json"]), &bundle_env, "");
    assert!(ok, "{err}");
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        status,
        serde_json::json!({"Sealed": true, "Seal": "shamir", "Threshold": 2, "Shares": 3, "Progress": 0})
    );

    // Unseal: a wrong token is refused, two shares (from standard input) unseal.
    let env = [bundle_env[0], ("TRENT_OPERATOR_TOKEN", "trent-operator-v1-00")];
    let (ok, _, err) = operator(&with(&["unseal"]), &env, &format!("{}\n", shares[0]));
    assert!(!ok && err.contains("AccessDeniedException"), "{err}");
    let (ok, _, err) = operator(&with(&["unseal"]), &bundle_env, &format!("{}\n", shares[0]));
    assert!(!ok && err.contains("TRENT_OPERATOR_TOKEN"), "no token: {err}");
    let env = [bundle_env[0], ("TRENT_OPERATOR_TOKEN", token.as_str())];
    let (ok, out, err) = operator(&with(&["unseal"]), &env, &format!("{}\n", shares[2]));
    assert!(ok && out.contains("Unseal progress: 1 of 2"), "{out}{err}");
    let (ok, out, err) = operator(&with(&["unseal"]), &env, &format!("{}\n", shares[0]));
    assert!(ok && out.contains("Sealed: false"), "{out}{err}");
    assert!(data.join("credentials").exists(), "the first start happened at the unseal");

    // Seal again with the token from a file.
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let (ok, out, err) = operator(
        &[
            &["seal".to_owned(), "--token-file".to_owned(), token_file.to_str().unwrap().to_owned()][..],
            &url,
            &bundle_arg,
        ]
        .concat(),
        &[],
        "",
    );
    assert!(ok && out.contains("Sealed: true"), "{out}{err}");
    let (ok, out, _) = operator(&with(&["status"]), &bundle_env, "");
    assert!(ok && out.contains("Sealed: true") && out.contains("Unseal progress: 0 of 2"), "{out}");
    assert!(server.terminate());
}

/// Regression guard: `rekey` through file -> passphrase -> shamir -> file with the binary; the
/// ciphertext made first decrypts after every restart.
#[test]
fn operator_rekey_moves_the_root_key_between_seals_and_old_data_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let blob = kept_with_the_file_seal(&data);
    let decrypts = |server: &Server| {
        let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
        assert!(ok && plain == "kept", "{plain}{err}");
    };

    // file -> passphrase
    let phrase = [("NEW_PHRASE", "a long new passphrase")];
    let (ok, out, err) = operator(
        &["rekey", "--data-dir", data_arg, "--to", "passphrase", "--new-passphrase-env", "NEW_PHRASE"],
        &phrase,
        "",
    );
    assert!(ok && out.contains("from the file seal to the passphrase seal"), "{out}{err}");
    assert!(!data.join("root.key").exists() && data.join("root.sealed").exists());
    let config = config_file(dir.path(), "passphrase");
    let passphrase = Path::new("a long new passphrase");
    let args = ["--config", config.to_str().unwrap(), "--data-dir", data_arg];
    let server =
        Server::start_with_env(&args, &[("TRENT_TEST_SEAL_PASSPHRASE", passphrase)]).expect("passphrase start");
    decrypts(&server);
    assert!(server.terminate());

    // passphrase -> shamir (2 of 3)
    let args = [
        "rekey",
        "--data-dir",
        data_arg,
        "--to",
        "shamir",
        "--shares",
        "3",
        "--threshold",
        "2",
        "--passphrase-env",
        "NEW_PHRASE",
    ];
    let (ok, out, err) = operator(&args, &phrase, "");
    assert!(ok, "{err}");
    let (shares, token) = shares_and_token(&out);
    assert_eq!(shares.len(), 3);
    let config = config_file(dir.path(), "shamir");
    let server =
        Server::start_with(&["--config", config.to_str().unwrap(), "--data-dir", data_arg]).expect("sealed start");
    let env = [("TRENT_OPERATOR_TOKEN", token.as_str())];
    for share in &shares[1..] {
        let (ok, _, err) = operator(&["unseal", "--endpoint-url", &server.endpoint], &env, &format!("{share}\n"));
        assert!(ok, "{err}");
    }
    decrypts(&server);
    assert!(server.terminate());

    // shamir -> file: the current shares on standard input, one a line; a wrong one is refused.
    let args = ["rekey", "--data-dir", data_arg, "--to", "file"];
    let (ok, _, err) = operator(&args, &[], &format!("{}\n{}\n", shares[0], shares[0]));
    assert!(!ok && err.contains("given twice"), "{err}");
    assert!(data.join("root.shamir").exists() && !data.join("root.key").exists());
    let (ok, out, err) = operator(&args, &[], &format!("{}\n{}\n", shares[2], shares[0]));
    assert!(ok && out.contains("to the file seal"), "{out}{err}");
    let server = Server::start(&data);
    decrypts(&server);
    assert!(server.terminate());
}

/// Starts a server on `data` (the file seal), encrypts "kept" under a new key, stops it; the
/// ciphertext.
fn kept_with_the_file_seal(data: &Path) -> String {
    let server = Server::start(data);
    let (ok, blob, err) = server.trent(data, &["encrypt", "--key-id", &new_key(&server, data), "--plaintext", "kept"]);
    assert!(ok, "{err}");
    assert!(server.terminate());
    blob.trim().to_owned()
}

fn new_key(server: &Server, data: &Path) -> String {
    let (ok, out, err) = server.trent(data, &["create-key", "--output", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

/// Where Debian's `softhsm2` package puts the module.
const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Regression guard: `rekey --to pkcs11 --to-config` and back with `--config`, with the binary,
/// against a SoftHSM2 token; the server starts with the pkcs11 seal in between and decrypts.
#[test]
fn operator_rekey_moves_the_root_key_into_a_pkcs11_token_and_back() {
    let installed = Path::new(SOFTHSM).is_file() && Command::new("softhsm2-util").arg("--help").output().is_ok();
    if !installed {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but SoftHSM2 is not installed");
        eprintln!("SKIPPED: SoftHSM2 is not installed");
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
        .args(["--init-token", "--free", "--label", "cli-rekey", "--pin", "1234-user", "--so-pin", "5678-so"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let config = dir.path().join("pkcs11.toml");
    std::fs::write(
        &config,
        format!(
            "[seal]\ntype = \"pkcs11\"\n\n[seal.pkcs11]\nmodule = \"{SOFTHSM}\"\ntoken_label = \"cli-rekey\"\n\
             key_label = \"cli-root-wrap\"\npin_env = \"TRENT_TEST_PIN\"\n"
        ),
    )
    .unwrap();
    let conf_text = conf.to_str().unwrap();
    let hsm_env = [("SOFTHSM2_CONF", conf_text), ("TRENT_TEST_PIN", "1234-user")];

    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let blob = kept_with_the_file_seal(&data);

    // Without --to-config the new token is unknown: refused, nothing moved.
    let (ok, _, err) = operator(&["rekey", "--data-dir", data_arg, "--to", "pkcs11"], &hsm_env, "");
    assert!(!ok && err.contains("--to-config"), "{err}");
    assert!(data.join("root.key").exists());

    let config_arg = config.to_str().unwrap();
    let args = ["rekey", "--data-dir", data_arg, "--to", "pkcs11", "--to-config", config_arg];
    let (ok, out, err) = operator(&args, &hsm_env, "");
    assert!(ok && out.contains("from the file seal to the pkcs11 seal"), "{out}{err}");
    assert!(!data.join("root.key").exists() && data.join("root.pkcs11").exists());

    let env: Vec<(&str, &Path)> = hsm_env.iter().map(|(k, v)| (*k, Path::new(*v))).collect();
    let server = Server::start_with_env(&["--config", config_arg, "--data-dir", data_arg], &env).expect("pkcs11 start");
    let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
    assert!(ok && plain == "kept", "{plain}{err}");
    assert!(server.terminate());

    // Back to the file seal: the current token is named by --config.
    let (ok, _, err) = operator(&["rekey", "--data-dir", data_arg, "--to", "file"], &hsm_env, "");
    assert!(!ok && err.contains("--config"), "{err}");
    let args = ["rekey", "--data-dir", data_arg, "--to", "file", "--config", config_arg];
    let (ok, out, err) = operator(&args, &hsm_env, "");
    assert!(ok && out.contains("from the pkcs11 seal to the file seal"), "{out}{err}");
    let server = Server::start(&data);
    let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
    assert!(ok && plain == "kept", "{plain}{err}");
    assert!(server.terminate());
}

/// Regression guard: `rekey --to kms --to-config` and back with `--config`, with the binary,
/// another `trent server` process being the remote KMS; the server starts with the kms seal in
/// between (its data directory then holds `root.kms`, no `root.key`) and decrypts.
#[test]
fn operator_rekey_moves_the_root_key_to_another_kms_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let remote_data = dir.path().join("remote");
    let remote = Server::start(&remote_data);
    let remote_key = new_key(&remote, &remote_data);
    let config = dir.path().join("kms.toml");
    std::fs::write(
        &config,
        format!(
            "[seal]\ntype = \"kms\"\n\n[seal.kms]\nendpoint = \"{}\"\nregion = \"us-east-1\"\nkey_id = \"{remote_key}\"\n\
             credentials_file = \"{}\"\nprofile = \"trent\"\n",
            remote.endpoint,
            remote_data.join("credentials").display()
        ),
    )
    .unwrap();

    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let blob = kept_with_the_file_seal(&data);
    let config_arg = config.to_str().unwrap();
    let args = ["rekey", "--data-dir", data_arg, "--to", "kms", "--to-config", config_arg];
    let (ok, out, err) = operator(&args, &[], "");
    assert!(ok && out.contains("from the file seal to the kms seal"), "{out}{err}");
    assert!(!data.join("root.key").exists() && data.join("root.kms").exists());

    let server = Server::start_with(&["--config", config_arg, "--data-dir", data_arg]).expect("kms start");
    let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
    assert!(ok && plain == "kept", "{plain}{err}");
    assert!(server.terminate());

    let args = ["rekey", "--data-dir", data_arg, "--to", "file", "--config", config_arg];
    let (ok, out, err) = operator(&args, &[], "");
    assert!(ok && out.contains("from the kms seal to the file seal"), "{out}{err}");
    assert!(remote.terminate());
    let server = Server::start(&data);
    let (ok, plain, err) = server.trent(&data, &["decrypt", "--ciphertext", &blob]);
    assert!(ok && plain == "kept", "{plain}{err}");
    assert!(server.terminate());
}
