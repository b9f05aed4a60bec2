//! The pkcs11 seal end to end against SoftHSM2: the first start generates the wrapping key in
//! the token and seals a new root key with it; a restart unwraps it in the token and decrypts
//! what was encrypted before; a wrong PIN, a missing token, a missing module or a missing key
//! stop the start with a clear message; the data directory holds no root key bytes.

use std::path::Path;

use trent_server::hsm::{self, PinSource, TokenRef, TokenSettings};
use trent_server::seal::RawPkcs11Seal;
use trent_server::{RawConfig, RawSeal};

use crate::common::TestServer;
use crate::softhsm::{MODULE, PIN_VAR, SoftHsm};

const TOKEN: &str = "trent-seal";
const KEY: &str = "trent-root-wrap";

pub(crate) fn sealed_by(token_label: &str, key_label: &str, pin: Option<&Path>) -> RawSeal {
    RawSeal {
        kind: Some("pkcs11".into()),
        pkcs11: Some(RawPkcs11Seal {
            module: Some(MODULE.into()),
            token_label: Some(token_label.into()),
            key_label: Some(key_label.into()),
            pin_env: pin.is_none().then(|| PIN_VAR.to_owned()),
            pin_file: pin.map(Path::to_owned),
            ..RawPkcs11Seal::default()
        }),
        ..RawSeal::default()
    }
}

async fn start_error(data_dir: &Path, seal: RawSeal) -> String {
    crate::seal::bootstrap_error(data_dir, Some(seal)).await
}

/// The root key, unwrapped from `root.pkcs11` by the token as the seal does (for the scan).
fn raw_root(data_dir: &Path) -> Vec<u8> {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("root.pkcs11")).unwrap()).unwrap();
    let iv: [u8; 12] = hex::decode(file["iv"].as_str().unwrap()).unwrap().try_into().unwrap();
    let wrapped = hex::decode(file["wrapped_root_key"].as_str().unwrap()).unwrap();
    let session = hsm::open(&TokenSettings {
        module: MODULE.into(),
        token: TokenRef::Label(TOKEN.into()),
        pin: PinSource::Env(PIN_VAR.into()),
    })
    .unwrap();
    let key = session.find_aes_key(KEY).unwrap();
    session.gcm_decrypt(key, KEY, &iv, b"trent/seal/pkcs11/v1", &wrapped).unwrap().to_vec()
}

pub(crate) fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files_under(&path, out) } else { out.push(path) }
    }
}

/// Regression guard: initialise, restart, unwrap in the token, decrypt an old ciphertext; the
/// failures that leave the server sealed; no root key bytes on disk.
#[test]
fn a_pkcs11_sealed_server_restarts_and_decrypts_what_it_made() {
    let Some(hsm) = SoftHsm::new() else { return };
    hsm.init_token(TOKEN);
    hsm.init_token("another-token");
    hsm.run_child("pkcs11_seal::child_init_restart_and_failures");
}

#[tokio::test]
#[ignore = "run by a_pkcs11_sealed_server_restarts_and_decrypts_what_it_made in a SoftHSM environment"]
async fn child_init_restart_and_failures() {
    let softhsm = SoftHsm::in_child();
    let server =
        TestServer::start_with(RawConfig { seal: Some(sealed_by(TOKEN, KEY, None)), ..RawConfig::default() }).await;
    let data = server.data_dir();
    assert!(data.join("root.pkcs11").exists() && !data.join("root.key").exists());

    // The wrapping key is in the token, sensitive and never extractable.
    let (ok, objects) = softhsm.pkcs11_tool(TOKEN, &["--list-objects", "--type", "secrkey"]);
    assert!(ok, "{objects}");
    assert!(objects.contains(&format!("label:      {KEY}")), "{objects}");
    assert!(objects.contains("sensitive") && objects.contains("never extractable"), "{objects}");

    let mut server = server.decrypts_after_restart(b"before restart").await;
    server.shutdown().await;

    // No root key bytes, raw or hex, anywhere in the data directory.
    let raw = raw_root(&data);
    assert_eq!(raw.len(), 32);
    let needles = [raw.clone(), hex::encode(&raw).into_bytes(), hex::encode_upper(&raw).into_bytes()];
    let mut files = Vec::new();
    files_under(&data, &mut files);
    assert!(files.len() > 2, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for needle in &needles {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_slice()), "root key bytes in {file:?}");
        }
    }

    // A wrong PIN (from a file), a missing token, a missing module: sealed, and says why.
    let secrets = tempfile::tempdir().unwrap();
    let pin_file = secrets.path().join("pin");
    std::fs::write(&pin_file, "0000-wrong\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&pin_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let e = start_error(&data, sealed_by(TOKEN, KEY, Some(&pin_file))).await;
    assert!(e.contains("refused the user PIN (PinIncorrect)") && e.contains("stays sealed"), "{e}");
    assert!(!e.contains("0000-wrong"), "{e}");
    let e = start_error(&data, sealed_by("no-such-token", KEY, None)).await;
    assert!(e.contains("'no-such-token' is not present") && e.contains("stays sealed"), "{e}");
    let mut no_module = sealed_by(TOKEN, KEY, None);
    no_module.pkcs11.as_mut().unwrap().module = Some("/nonexistent/libpkcs11.so".into());
    let e = start_error(&data, no_module).await;
    assert!(e.contains("/nonexistent/libpkcs11.so") && e.contains("no such file"), "{e}");
    // Another token of the same PIN has no such key.
    let e = start_error(&data, sealed_by("another-token", KEY, None)).await;
    assert!(e.contains(&format!("has no AES key labelled '{KEY}'")) && e.contains("stays sealed"), "{e}");
    // The file seal on a pkcs11-sealed directory is refused, and creates no root.key.
    let e = start_error(&data, RawSeal::default()).await;
    assert!(e.contains("pkcs11 seal") && e.contains("type is file"), "{e}");
    assert!(!data.join("root.key").exists());

    // The key destroyed in the token: the root key is gone with it.
    let (ok, out) = softhsm.pkcs11_tool(TOKEN, &["--delete-object", "--type", "secrkey", "--label", KEY]);
    assert!(ok, "{out}");
    let e = start_error(&data, sealed_by(TOKEN, KEY, None)).await;
    assert!(e.contains(&format!("has no AES key labelled '{KEY}'")) && e.contains("stays sealed"), "{e}");
}

/// Regression guard: a key of the label that exists already is used, unless it could leave
/// the token.
#[test]
fn the_pkcs11_seal_uses_an_existing_key_only_if_it_cannot_leave_the_token() {
    let Some(hsm) = SoftHsm::new() else { return };
    hsm.init_token(TOKEN);
    hsm.run_child("pkcs11_seal::child_existing_keys");
}

#[tokio::test]
#[ignore = "run by the_pkcs11_seal_uses_an_existing_key_only_if_it_cannot_leave_the_token in a SoftHSM environment"]
async fn child_existing_keys() {
    let softhsm = SoftHsm::in_child();
    let keygen = |label: &str, extra: &[&str]| {
        let mut args = vec!["--keygen", "--key-type", "AES:32", "--label", label];
        args.extend_from_slice(extra);
        let (ok, out) = softhsm.pkcs11_tool(TOKEN, &args);
        assert!(ok, "{out}");
    };
    keygen("extractable", &["--extractable", "--sensitive"]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let e = start_error(&data, sealed_by(TOKEN, "extractable", None)).await;
    assert!(e.contains("key 'extractable' is extractable") && e.contains("stays sealed"), "{e}");
    assert!(!data.join("root.pkcs11").exists());

    keygen("operator-made", &["--sensitive"]);
    let server = TestServer::start_with(RawConfig {
        seal: Some(sealed_by(TOKEN, "operator-made", None)),
        ..RawConfig::default()
    })
    .await;
    server.decrypts_after_restart(b"existing key").await;
    let (_, objects) = softhsm.pkcs11_tool(TOKEN, &["--list-objects", "--type", "secrkey"]);
    assert_eq!(objects.matches("label:      operator-made").count(), 1, "no second key was made: {objects}");
}
