//! KMS calls while encrypting 10,000 messages: one `GenerateDataKey` per message with the
//! KMS keyring alone, at least 99% fewer calls with the hierarchical keyring or the caching
//! materials manager. Also: the caching limits exactly, branch key rotation, discovery.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::LocalKms;
use trent_envelope::{
    CachingCmm, CachingLimits, DecryptOptions, DefaultCmm, DiscoveryFilter, EncryptOptions, FileBranchKeyStore,
    HierarchicalKeyring, KmsDiscoveryKeyring, KmsKeyring, ManualClock, MaterialsManager, SystemClock, decrypt, encrypt,
    read_message_header,
};

const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const MESSAGES: usize = 10_000;

fn run(cmm: &dyn MaterialsManager, n: usize) -> Vec<Vec<u8>> {
    let opts = EncryptOptions {
        suite: Some(&trent_envelope::suites::AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
        threads: 1,
        ..EncryptOptions::default()
    };
    (0..n).map(|i| encrypt(cmm, &opts, format!("message {i}").as_bytes()).unwrap()).collect()
}

#[test]
fn kms_keyring_alone_calls_generate_data_key_once_per_message() {
    let kms = Arc::new(LocalKms::new(&[ARN]));
    let cmm = DefaultCmm::new(Arc::new(KmsKeyring::new(kms.clone(), ARN, vec!["grant".into()]).unwrap()));
    let msgs = run(&cmm, MESSAGES);
    assert_eq!(kms.count("GenerateDataKey"), MESSAGES as u64);
    assert_eq!(kms.total(), MESSAGES as u64);
    let header = read_message_header(&mut msgs[0].as_slice(), None).unwrap();
    assert_eq!(header.edks[0].provider_id, "aws-kms");
    assert_eq!(header.edks[0].provider_info, ARN.as_bytes());
    let (plain, _) = decrypt(&cmm, &DecryptOptions::default(), &msgs[17]).unwrap();
    assert_eq!(plain.expose_secret(), b"message 17");
}

#[test]
fn the_caching_manager_saves_at_least_99_percent_of_calls() {
    let kms = Arc::new(LocalKms::new(&[ARN]));
    let inner = Arc::new(DefaultCmm::new(Arc::new(KmsKeyring::new(kms.clone(), ARN, vec![]).unwrap())));
    let limits = CachingLimits { max_age: Duration::from_secs(600), max_messages: 1000, max_bytes: u64::MAX >> 1 };
    let cmm = CachingCmm::new(inner, 16, limits, Arc::new(SystemClock::default())).unwrap();
    let msgs = run(&cmm, MESSAGES);
    let calls = kms.total();
    assert_eq!(calls, (MESSAGES / 1000) as u64, "a new data key every 1000 messages");
    assert!(calls * 100 <= MESSAGES as u64);
    // Decryption through the cache: one KMS Decrypt per distinct data key.
    for m in msgs.iter().take(2000) {
        decrypt(&cmm, &DecryptOptions::default(), m).unwrap();
    }
    assert_eq!(kms.count("Decrypt"), 2);
}

#[test]
fn the_hierarchical_keyring_saves_at_least_99_percent_of_calls_and_survives_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let kms = Arc::new(LocalKms::new(&[ARN]));
    let store = Arc::new(FileBranchKeyStore::new(&dir.path().join("branch-keys.json"), "test-store", kms.clone(), ARN));
    let id = store.create_branch_key(Some("tenant-a")).unwrap();
    assert_eq!(kms.count("GenerateDataKeyWithoutPlaintext"), 1);
    let clock = ManualClock::default();
    let keyring = Arc::new(
        HierarchicalKeyring::new(store.clone(), &id, Duration::from_secs(300), 100, Arc::new(clock.clone())).unwrap(),
    );
    let cmm = DefaultCmm::new(keyring.clone());
    let before = kms.total();
    let msgs = run(&cmm, MESSAGES);
    let calls = kms.total() - before;
    assert_eq!(kms.count("GenerateDataKey"), 0);
    assert_eq!(calls, 1, "one Decrypt of the branch key for 10,000 messages");
    let header = read_message_header(&mut msgs[0].as_slice(), None).unwrap();
    assert_eq!(header.edks[0].provider_id, "aws-kms-hierarchy");
    assert_eq!(header.edks[0].ciphertext.len(), 16 + 12 + 16 + 32 + 16);

    // Rotation: after the TTL, new messages use the new version; old ones still decrypt.
    store.version_branch_key(&id).unwrap();
    clock.advance(Duration::from_secs(301));
    let newer = run(&cmm, 1);
    let old_version = &header.edks[0].ciphertext[28..44];
    let new_header = read_message_header(&mut newer[0].as_slice(), None).unwrap();
    assert_ne!(&new_header.edks[0].ciphertext[28..44], old_version);
    let fresh = DefaultCmm::new(Arc::new(
        HierarchicalKeyring::new(store, &id, Duration::from_secs(300), 100, Arc::new(SystemClock::default())).unwrap(),
    ));
    for m in [&msgs[0], &msgs[MESSAGES - 1], &newer[0]] {
        decrypt(&fresh, &DecryptOptions::default(), m).unwrap();
    }
}

#[test]
fn caching_limits_are_enforced_exactly() {
    let kms = Arc::new(LocalKms::new(&[ARN]));
    let inner = Arc::new(DefaultCmm::new(Arc::new(KmsKeyring::new(kms.clone(), ARN, vec![]).unwrap())));
    let clock = ManualClock::default();
    let limits = CachingLimits { max_age: Duration::from_secs(10), max_messages: 3, max_bytes: 100 };
    let cmm = CachingCmm::new(inner, 8, limits, Arc::new(clock.clone())).unwrap();
    let opts = |len| EncryptOptions { plaintext_length: Some(len), ..EncryptOptions::default() };
    let enc = |len: usize| {
        trent_envelope::encrypt_stream(&cmm, &opts(len as u64), &mut &vec![0u8; len][..], &mut Vec::new()).unwrap()
    };
    // Messages: 3 per data key.
    for _ in 0..3 {
        enc(1);
    }
    assert_eq!(kms.count("GenerateDataKey"), 1);
    enc(1);
    assert_eq!(kms.count("GenerateDataKey"), 2, "the 4th message needs a new key");
    // Bytes: 1 (already) + 60 + 39 = 100 fits; one more byte does not.
    enc(60);
    enc(39);
    assert_eq!(kms.count("GenerateDataKey"), 2);
    enc(1);
    assert_eq!(kms.count("GenerateDataKey"), 3);
    // A message larger than the byte limit bypasses the cache.
    enc(101);
    enc(1);
    assert_eq!(kms.count("GenerateDataKey"), 4);
    // Age: usable strictly before max_age.
    clock.advance(Duration::from_secs(9));
    enc(1);
    assert_eq!(kms.count("GenerateDataKey"), 4);
    clock.advance(Duration::from_secs(1));
    enc(1);
    assert_eq!(kms.count("GenerateDataKey"), 5);
    // Unknown length: no caching at all.
    let mut sink = Vec::new();
    trent_envelope::encrypt_stream(&cmm, &EncryptOptions::default(), &mut &b"x"[..], &mut sink).unwrap();
    trent_envelope::encrypt_stream(&cmm, &EncryptOptions::default(), &mut &b"x"[..], &mut sink).unwrap();
    assert_eq!(kms.count("GenerateDataKey"), 7);
}

#[test]
fn discovery_decrypts_with_the_named_key_within_its_filter() {
    let kms = Arc::new(LocalKms::new(&[ARN]));
    let writer = DefaultCmm::new(Arc::new(KmsKeyring::new(kms.clone(), ARN, vec![]).unwrap()));
    let msg = run(&writer, 1).remove(0);
    let open = DefaultCmm::new(Arc::new(KmsDiscoveryKeyring::new(kms.clone(), None, vec![])));
    assert!(decrypt(&open, &DecryptOptions::default(), &msg).is_ok());
    let filter = |accounts: &[&str]| DiscoveryFilter {
        partition: "aws".into(),
        accounts: accounts.iter().map(|s| (*s).to_owned()).collect(),
    };
    let ours =
        DefaultCmm::new(Arc::new(KmsDiscoveryKeyring::new(kms.clone(), Some(filter(&["111122223333"])), vec![])));
    assert!(decrypt(&ours, &DecryptOptions::default(), &msg).is_ok());
    let theirs =
        DefaultCmm::new(Arc::new(KmsDiscoveryKeyring::new(kms.clone(), Some(filter(&["999999999999"])), vec![])));
    assert!(decrypt(&theirs, &DecryptOptions::default(), &msg).is_err());
    let other = "arn:aws:kms:us-east-1:111122223333:key/other";
    let strict_other = DefaultCmm::new(Arc::new(KmsKeyring::new(kms, other, vec![]).unwrap()));
    assert!(decrypt(&strict_other, &DecryptOptions::default(), &msg).is_err());
}
