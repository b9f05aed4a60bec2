//! KMS calls over 10,000 messages against a real server, counted by a wrapper around the
//! client: one `GenerateDataKey` per message with the KMS keyring alone, at least 99% fewer
//! calls with the caching materials manager or the hierarchical keyring.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use trent_envelope::{
    CachingCmm, CachingLimits, DecryptOptions, DefaultCmm, EncryptOptions, FileBranchKeyStore, GenerateDataKeyRequest,
    GenerateDataKeyResponse, HierarchicalKeyring, KmsClient, KmsDecryptRequest, KmsDecryptResponse, KmsEncryptRequest,
    KmsEncryptResponse, KmsError, KmsKeyring, MaterialsManager, SystemClock, TrentKms, decrypt, encrypt,
};

use crate::harness::Server;

const MESSAGES: u64 = 10_000;

#[derive(Default)]
struct Counts {
    generate: AtomicU64,
    other: AtomicU64,
}

struct Counting(TrentKms, Arc<Counts>);

impl KmsClient for Counting {
    fn generate_data_key(&self, r: &GenerateDataKeyRequest) -> Result<GenerateDataKeyResponse, KmsError> {
        self.1.generate.fetch_add(1, Ordering::Relaxed);
        self.0.generate_data_key(r)
    }
    fn generate_data_key_without_plaintext(&self, r: &GenerateDataKeyRequest) -> Result<KmsEncryptResponse, KmsError> {
        self.1.other.fetch_add(1, Ordering::Relaxed);
        self.0.generate_data_key_without_plaintext(r)
    }
    fn encrypt(&self, r: &KmsEncryptRequest) -> Result<KmsEncryptResponse, KmsError> {
        self.1.other.fetch_add(1, Ordering::Relaxed);
        self.0.encrypt(r)
    }
    fn decrypt(&self, r: &KmsDecryptRequest) -> Result<KmsDecryptResponse, KmsError> {
        self.1.other.fetch_add(1, Ordering::Relaxed);
        self.0.decrypt(r)
    }
}

fn kms(s: &Server) -> (Arc<Counting>, Arc<Counts>) {
    let creds = trent_client::Credentials::new(&s.access_key_id, s.secret_access_key.as_bytes());
    let client =
        trent_client::KmsClient::new(&s.endpoint, creds, "us-east-1", trent_client::ClientOptions::default()).unwrap();
    let counts = Arc::new(Counts::default());
    (Arc::new(Counting(TrentKms::new(client).unwrap(), counts.clone())), counts)
}

fn encrypt_many(cmm: &dyn MaterialsManager) -> Vec<u8> {
    let opts = EncryptOptions { threads: 1, ..EncryptOptions::default() };
    let mut last = Vec::new();
    for i in 0..MESSAGES {
        last = encrypt(cmm, &opts, format!("message {i}").as_bytes()).unwrap();
    }
    last
}

#[test]
fn kms_calls_per_10000_messages() {
    let s = Server::start();
    let (client, counts) = kms(&s);
    let keyring = Arc::new(KmsKeyring::new(client.clone(), &s.key_arn, vec![]).unwrap());

    let plain = DefaultCmm::new(keyring.clone());
    let last = encrypt_many(&plain);
    assert_eq!(counts.generate.load(Ordering::Relaxed), MESSAGES, "one GenerateDataKey per message");
    assert_eq!(decrypt(&plain, &DecryptOptions::default(), &last).unwrap().0.expose_secret(), b"message 9999");

    let before = counts.generate.load(Ordering::Relaxed) + counts.other.load(Ordering::Relaxed);
    let limits = CachingLimits { max_age: Duration::from_secs(300), max_messages: 100, max_bytes: 1 << 40 };
    let caching = CachingCmm::new(Arc::new(plain), 8, limits, Arc::new(SystemClock::default())).unwrap();
    encrypt_many(&caching);
    let cached_calls = counts.generate.load(Ordering::Relaxed) + counts.other.load(Ordering::Relaxed) - before;
    assert_eq!(cached_calls, MESSAGES / 100, "a data key per 100 messages");
    assert!(cached_calls * 100 <= MESSAGES);

    let store = Arc::new(FileBranchKeyStore::new(&s.path("branch-keys.json"), "trent-test", client, &s.key_arn));
    let branch = store.create_branch_key(None).unwrap();
    let before = counts.generate.load(Ordering::Relaxed) + counts.other.load(Ordering::Relaxed);
    let hierarchy = DefaultCmm::new(Arc::new(
        HierarchicalKeyring::new(store, &branch, Duration::from_secs(600), 16, Arc::new(SystemClock::default()))
            .unwrap(),
    ));
    let last = encrypt_many(&hierarchy);
    let hierarchy_calls = counts.generate.load(Ordering::Relaxed) + counts.other.load(Ordering::Relaxed) - before;
    assert_eq!(hierarchy_calls, 1, "one Decrypt of the branch key");
    assert_eq!(decrypt(&hierarchy, &DecryptOptions::default(), &last).unwrap().0.expose_secret(), b"message 9999");
}
