//! The kms seal end to end, with a second Trent server as the remote KMS: the first start
//! wraps a new root key with the remote key's `Encrypt`; a restart unwraps it with `Decrypt`
//! and decrypts what was made before; a disabled remote key or an unreachable endpoint leaves
//! the server sealed (503 naming the reason, `/ready` says sealed) until the remote answers;
//! `rekey` moves the root key to and from the kms seal; the data directory holds no root key
//! bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use trent_server::seal::{FileKind, KmsKind, RawKmsSeal, rekey};
use trent_server::{Config, RawConfig, RawSeal, StorageSetting};

use crate::common::blob;
use crate::pkcs11_seal::files_under;
use crate::shamir::{Running, open};
use crate::support::TestSchema;

fn file_config(data: &Path) -> Config {
    RawConfig { listen: Some("127.0.0.1:0".into()), data_dir: Some(data.to_owned()), ..RawConfig::default() }
        .resolve(None)
        .unwrap()
}

/// The kms seal through `key` of the remote server, with its administrator's credentials.
fn kms_raw(remote: &Running, remote_data: &Path, key: &str) -> RawKmsSeal {
    RawKmsSeal {
        endpoint: Some(remote.endpoint()),
        region: Some("us-east-1".into()),
        key_id: Some(key.to_owned()),
        credentials_file: Some(remote_data.join("credentials")),
        profile: Some(trent_server::CREDENTIALS_PROFILE.into()),
        retry_seconds: Some(1),
        ..RawKmsSeal::default()
    }
}

fn kms_config(data: &Path, raw: RawKmsSeal) -> Config {
    RawConfig {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data.to_owned()),
        seal: Some(RawSeal { kind: Some("kms".into()), kms: Some(raw), ..RawSeal::default() }),
        ..RawConfig::default()
    }
    .resolve(None)
    .unwrap()
}

async fn decrypts(server: &Running, data: &Path, ciphertext: &aws_sdk_kms::primitives::Blob) {
    let opened = server.client(data).decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"made before the restart");
}

/// The sealed answer's message, after checking its shape and `/ready`.
async fn sealed_message(server: &Running) -> String {
    let (status, body) = server.kms_call().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["__type"], "ServiceUnavailableException");
    assert_eq!(server.http("GET", "/ready", &[], "").await, (503, "sealed".to_owned()));
    body["message"].as_str().unwrap().to_owned()
}

/// The root key, unwrapped from `root.kms` by the remote KMS as the seal does (for the scan).
async fn raw_root(remote: &Running, remote_data: &Path, data: &Path) -> Vec<u8> {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("root.kms")).unwrap()).unwrap();
    use base64::Engine as _;
    let ciphertext =
        base64::engine::general_purpose::STANDARD.decode(file["ciphertext_blob"].as_str().unwrap()).unwrap();
    let opened = remote
        .client(remote_data)
        .decrypt()
        .ciphertext_blob(blob(&ciphertext))
        .set_encryption_context(Some(HashMap::from([("trent:seal".into(), "root-key/v1".into())])))
        .send()
        .await
        .unwrap();
    opened.plaintext().unwrap().as_ref().to_vec()
}

/// Scans every file under `data` for the root key's bytes, raw or hex (upper and lower case).
pub(crate) fn holds_no_root_key_bytes(data: &Path, raw: &[u8]) {
    assert_eq!(raw.len(), 32);
    let needles = [raw.to_vec(), hex::encode(raw).into_bytes(), hex::encode_upper(raw).into_bytes()];
    let mut files: Vec<PathBuf> = Vec::new();
    files_under(data, &mut files);
    assert!(files.len() > 2, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for needle in &needles {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_slice()), "root key bytes in {file:?}");
        }
    }
}

/// Regression guard: initialise, restart and decrypt through the remote KMS; a disabled key and
/// an unreachable endpoint leave the server sealed with the reason, and it serves once the
/// remote answers again; no root key bytes on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kms_sealed_server_unwraps_its_root_key_through_another_trent() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote_data, data) = (tmp.path().join("remote"), tmp.path().join("data"));
    let (remote, _) = open(&file_config(&remote_data)).await;
    let remote_kms = remote.client(&remote_data);
    let key = remote_kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let config = kms_config(&data, kms_raw(&remote, &remote_data, &key));

    let (server, first) = open(&config).await;
    if !first {
        panic!("not a first start: {}", server.kms_call().await.1);
    }
    assert!(data.join("root.kms").exists() && !data.join("root.key").exists());
    let kms = server.client(&data);
    let own = kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let made = kms.encrypt().key_id(&own).plaintext(blob(b"made before the restart")).send().await.unwrap();
    let ciphertext = made.ciphertext_blob().unwrap().clone();
    server.stop().await;

    let (server, first) = open(&config).await;
    assert!(!first);
    decrypts(&server, &data, &ciphertext).await;
    server.stop().await;
    holds_no_root_key_bytes(&data, &raw_root(&remote, &remote_data, &data).await);

    // The remote key disabled: sealed, saying why; enabled again: serving within a few retries.
    remote_kms.disable_key().key_id(&key).send().await.unwrap();
    let (server, _) = open(&config).await;
    let message = sealed_message(&server).await;
    assert!(message.contains("kms seal") && message.contains("DisabledException"), "{message}");
    remote_kms.enable_key().key_id(&key).send().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.http("GET", "/ready", &[], "").await.0 != 200 {
        assert!(Instant::now() < deadline, "still sealed after the key was enabled again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    decrypts(&server, &data, &ciphertext).await;
    server.stop().await;

    // Rekey away from kms and back (to the same remote key): old data still decrypts.
    let raw = kms_raw(&remote, &remote_data, &key);
    let settings = || KmsKind(raw.clone().validate().unwrap());
    rekey(&data, &mut settings(), &mut FileKind).unwrap();
    assert!(data.join("root.key").exists() && !data.join("root.kms").exists());
    let (server, _) = open(&file_config(&data)).await;
    decrypts(&server, &data, &ciphertext).await;
    server.stop().await;
    rekey(&data, &mut FileKind, &mut settings()).unwrap();
    assert!(!data.join("root.key").exists() && data.join("root.kms").exists());
    let (server, _) = open(&config).await;
    decrypts(&server, &data, &ciphertext).await;
    server.stop().await;
    holds_no_root_key_bytes(&data, &raw_root(&remote, &remote_data, &data).await);

    // The remote KMS gone: sealed, naming the endpoint it cannot reach.
    let endpoint = remote.endpoint();
    remote.stop().await;
    let (server, _) = open(&config).await;
    let message = sealed_message(&server).await;
    assert!(message.contains("cannot reach") && message.contains(&endpoint), "{message}");
    server.stop().await;
    // A rekey needs the remote too; the seal is left as it was.
    let e = rekey(&data, &mut settings(), &mut FileKind).err().unwrap().to_string();
    assert!(e.contains("cannot reach"), "{e}");
    assert!(data.join("root.kms").exists() && !data.join("root.key").exists());
}

/// Nodes on one PostgreSQL schema (`TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a
/// failure under `CI=true`) with the kms seal need no copy of `root.kms`: the first node
/// publishes it in the database, a node with an empty data directory writes it in place, and
/// a node whose `root.kms` opens to another root key (what a node stopped for a whole
/// rotation holds) has it replaced by the published one, which the remote KMS opens. A node
/// whose own file releases the database's root keeps it.
#[tokio::test]
async fn kms_nodes_on_one_database_take_the_published_seal_file() {
    let Some(schema) = TestSchema::new("kms_nodes_on_one_database_take_the_published_seal_file").await else {
        return;
    };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    let (remote, _) = open(&file_config(&dir("remote"))).await;
    let key =
        remote.client(&dir("remote")).create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let raw = kms_raw(&remote, &dir("remote"), &key);
    let on_postgres = |data: &Path| {
        let mut config = kms_config(data, raw.clone());
        let with_storage = RawConfig { storage: Some(StorageSetting::new(url.clone())), ..RawConfig::default() };
        config.storage = with_storage.resolve(None).unwrap().storage;
        config
    };

    let (a, first) = open(&on_postgres(&dir("a"))).await;
    assert!(first);
    let kms = a.client(&dir("a"));
    let own = kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let made = kms.encrypt().key_id(&own).plaintext(blob(b"made before the restart")).send().await.unwrap();
    let ciphertext = made.ciphertext_blob().unwrap().clone();
    let published = std::fs::read(dir("a").join("root.kms")).unwrap();

    // A root.kms of another root key (made by a node on a database of its own).
    let (other, _) = open(&kms_config(&dir("other"), raw.clone())).await;
    other.stop().await;
    std::fs::create_dir(dir("b")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir("b"), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    std::fs::copy(dir("other").join("root.kms"), dir("b").join("root.kms")).unwrap();
    assert_ne!(std::fs::read(dir("b").join("root.kms")).unwrap(), published);
    for node in ["b", "c"] {
        let (server, first) = open(&on_postgres(&dir(node))).await;
        assert!(!first, "{node} is not a first start");
        assert_eq!(std::fs::read(dir(node).join("root.kms")).unwrap(), published, "{node}");
        decrypts(&server, &dir("a"), &ciphertext).await;
        server.stop().await;
    }
    // A node's own file that opens to the database's root is kept (another blob of one root).
    a.stop().await;
    // On a thread of its own: the remote server answers on this test's runtime.
    let (settings, a_file, c_file) =
        (raw.clone().validate().unwrap(), dir("a").join("root.kms"), dir("c").join("root.kms"));
    tokio::task::spawn_blocking(move || {
        let root = trent_server::seal::release_kms_file(&a_file, &settings).unwrap();
        std::fs::remove_file(&c_file).unwrap();
        trent_server::seal::write_kms_file(&c_file, &root, &settings).unwrap();
    })
    .await
    .unwrap();
    let own_file = std::fs::read(dir("c").join("root.kms")).unwrap();
    assert_ne!(own_file, published);
    let (server, _) = open(&on_postgres(&dir("c"))).await;
    assert_eq!(std::fs::read(dir("c").join("root.kms")).unwrap(), own_file);
    decrypts(&server, &dir("a"), &ciphertext).await;
    server.stop().await;
    remote.stop().await;
}
