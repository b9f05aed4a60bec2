//! The no-leak check: after a realistic session (keys, Encrypt, GenerateDataKey, Decrypt,
//! rotation, Secrets Manager values and passwords, failed requests, a restart), neither the
//! SQLite files (with the audit trail) nor a TRACE-level log of every target contain a
//! plaintext, a data key, a secret value, an unwrapped backing key, the root key or the
//! administrator's secret access key, in raw, hex or base64 form.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_kms::types::DataKeySpec;
use trent_core::KmsStore as _;

use crate::common::{TestServer, base64, blob, quiet_scheduler};

/// 48 recognisable bytes.
const CANARY: &[u8; 48] = b"TRENT-LEAK-CANARY-0123456789-abcdefghij-KLMNOPQR";

/// Everything every thread logs at TRACE, from the moment the first caller asks.
static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(crate) fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || Sink(writer.clone()))
            .try_init()
            .expect("the leak test installs the only global subscriber");
        buffer
    })
    .clone()
}

/// A secret and the forms it could leak in: raw, hex (both cases), and base64 at each of the
/// three alignments it can have inside a longer base64 stream (only the groups that do not
/// depend on neighbouring bytes).
pub(crate) struct Secret {
    name: String,
    forms: Vec<(&'static str, Vec<u8>)>,
}

impl Secret {
    pub(crate) fn new(name: impl Into<String>, bytes: &[u8]) -> Secret {
        assert!(bytes.len() >= 16, "too short to search for without false positives");
        let mut forms = vec![
            ("raw", bytes.to_vec()),
            ("hex", hex::encode(bytes).into_bytes()),
            ("HEX", hex::encode_upper(bytes).into_bytes()),
        ];
        for skip in 0..3 {
            let rest = &bytes[skip..];
            let whole_groups = rest.len() / 3 * 4;
            forms.push(("base64", base64(rest).as_bytes()[..whole_groups].to_vec()));
        }
        Secret { name: name.into(), forms }
    }

    /// The forms of this secret found in `haystack`.
    pub(crate) fn found_in(&self, haystack: &[u8]) -> Vec<String> {
        self.forms
            .iter()
            .filter(|(_, form)| haystack.windows(form.len()).any(|w| w == form.as_slice()))
            .map(|(kind, _)| format!("{} ({kind})", self.name))
            .collect()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The concatenated bytes of both databases (`trent.db`, `audit.db`) with their `-wal` and
/// `-shm` files.
pub(crate) fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for db in ["trent.db", "audit.db"] {
        all.extend(std::fs::read(dir.join(db)).unwrap_or_else(|e| panic!("{db}: {e}")));
        for extra in ["-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(dir.join(format!("{db}{extra}"))) {
                all.extend(bytes);
            }
        }
    }
    all
}

/// Every backing key of `key_arn`, unwrapped with the root key read from the data directory.
async fn backing_keys(dir: &Path, root: &trent_crypto::RootKey, key_arn: &str) -> Vec<Vec<u8>> {
    let arn = trent_core::Arn::parse(key_arn).expect("key ARN");
    let scope = trent_core::Scope::new(
        trent_core::AccountId::parse(arn.account).expect("account"),
        trent_core::Region::parse(arn.region).expect("region"),
    );
    let key_id: trent_core::KeyId = arn.resource.strip_prefix("key/").expect("key/").parse().expect("key id");
    let store = trent_store::SqliteStore::open(&dir.join("trent.db")).await.expect("open the database");
    let materials = store.materials(&scope, &key_id).await.expect("materials");
    store.close().await;
    assert!(!materials.is_empty());
    materials
        .iter()
        .map(|m| {
            let aad = trent_core::kms::material_wrap_aad(key_arn, &m.material_id);
            let material = root.unwrap(&aad, &m.wrapped).expect("the root key unwraps every backing key");
            assert_eq!(material.expose_secret().len(), 32);
            material.expose_secret().to_vec()
        })
        .collect()
}

#[tokio::test]
async fn no_secret_reaches_the_database_or_the_log() {
    let log = captured_log();
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let id = server.new_key().await;
    let other = server.new_key().await;
    let (arn, other_arn) = (server.key_arn(&id).await, server.key_arn(&other).await);
    let mut secrets = vec![Secret::new("plaintext", CANARY)];

    let sealed = kms.encrypt().key_id(&id).plaintext(blob(CANARY)).encryption_context("k", "v").send().await.unwrap();
    let ciphertext = sealed.ciphertext_blob().unwrap().clone();
    for (i, spec) in [DataKeySpec::Aes256, DataKeySpec::Aes256, DataKeySpec::Aes128].into_iter().enumerate() {
        let dk = kms.generate_data_key().key_id(&id).key_spec(spec).send().await.unwrap();
        secrets.push(Secret::new(format!("data key {i}"), dk.plaintext().unwrap().as_ref()));
        let back = kms.decrypt().ciphertext_blob(dk.ciphertext_blob().unwrap().clone()).send().await.unwrap();
        assert_eq!(back.plaintext(), dk.plaintext());
    }
    let random = kms.generate_random().number_of_bytes(32).send().await.unwrap();
    secrets.push(Secret::new("random bytes", random.plaintext().unwrap().as_ref()));
    let plain = kms.decrypt().ciphertext_blob(ciphertext.clone()).encryption_context("k", "v").send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), CANARY);
    kms.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let resealed = kms.re_encrypt().ciphertext_blob(ciphertext.clone()).source_encryption_context("k", "v");
    let resealed = resealed.destination_key_id(&other).send().await.unwrap().ciphertext_blob().unwrap().clone();
    // Failures that carry the plaintext in their request.
    let big: Vec<u8> = CANARY.iter().copied().cycle().take(4097).collect();
    assert!(kms.encrypt().key_id(&id).plaintext(blob(&big)).send().await.is_err());
    assert!(kms.decrypt().ciphertext_blob(ciphertext.clone()).encryption_context("k", "w").send().await.is_err());
    let canary_text = std::str::from_utf8(CANARY).unwrap();
    let bad = server.call_raw("Encrypt", &format!(r#"{{"KeyId":"{id}","Plaintext":"{canary_text}!"}}"#)).await;
    assert_eq!(bad.error_type(), "SerializationException");
    assert!(!contains(&bad.body, CANARY), "{}", String::from_utf8_lossy(&bad.body));

    // Secrets Manager: values stored, replaced, read, refused, and a generated password.
    let sm = server.secrets();
    let secret_text = format!("{canary_text}-secret-value");
    let binary_secret = [CANARY.as_slice(), b"-binary"].concat();
    sm.create_secret().name("leak/db").secret_string(&secret_text).send().await.unwrap();
    let binary = aws_sdk_secretsmanager::primitives::Blob::new(binary_secret.clone());
    sm.put_secret_value().secret_id("leak/db").secret_binary(binary).send().await.unwrap();
    let previous = sm.get_secret_value().secret_id("leak/db").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!(previous.secret_string(), Some(secret_text.as_str()));
    let huge = secret_text.repeat(65_536 / secret_text.len() + 1);
    assert!(sm.put_secret_value().secret_id("leak/db").secret_string(&huge).send().await.is_err());
    assert!(sm.create_secret().name("leak/db").secret_string(&secret_text).send().await.is_err());
    let password = sm.get_random_password().password_length(64).send().await.unwrap();
    secrets.push(Secret::new("secret string", secret_text.as_bytes()));
    secrets.push(Secret::new("secret binary", &binary_secret));
    secrets.push(Secret::new("random password", password.random_password().unwrap().as_bytes()));

    let server = server.restart().await;
    let current = server.secrets().get_secret_value().secret_id("leak/db").send().await.unwrap();
    assert_eq!(current.secret_binary().map(|b| b.as_ref().to_vec()), Some(binary_secret.clone()));
    let kms = server.client();
    let back = kms.decrypt().ciphertext_blob(resealed).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref(), CANARY);

    let dir = server.data_dir();
    let root_hex = std::fs::read_to_string(dir.join("root.key")).expect("root.key");
    let root_bytes = hex::decode(root_hex.trim()).expect("root.key is hex");
    assert_eq!(root_bytes.len(), 32);
    secrets.push(Secret::new("root key", &root_bytes));
    let root = trent_crypto::RootKey::from_bytes(&root_bytes).unwrap();
    for key_arn in [&arn, &other_arn] {
        let materials = backing_keys(&dir, &root, key_arn).await;
        for (seq, material) in materials.iter().enumerate() {
            secrets.push(Secret::new(format!("backing key {seq} of {key_arn}"), material));
        }
    }
    assert_eq!(secrets.iter().filter(|s| s.name.starts_with("backing key")).count(), 3);
    secrets.push(Secret::new("admin secret access key", server.secret_access_key.as_bytes()));

    let database = database_bytes(&dir);
    let log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    // The check can fail: the capture saw this server's requests and the rotation of `id`,
    // and the database holds the key's id.
    assert!(contains(&log, b"request"), "the log capture saw no request line");
    assert!(contains(&log, id.as_bytes()), "the log capture did not see the rotation of {id}");
    assert!(contains(&database, id.as_bytes()), "the database files do not contain the key id");
    let mut leaks = Vec::new();
    for secret in &secrets {
        leaks.extend(secret.found_in(&database).into_iter().map(|f| format!("database: {f}")));
        leaks.extend(secret.found_in(&log).into_iter().map(|f| format!("log: {f}")));
    }
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");
}
