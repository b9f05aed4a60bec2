//! RSA key generation under load (issue 9): an RSA_4096 key takes a random, long-tailed time to
//! generate (a second or more in a debug build on a busy machine). `CreateKey`,
//! `GenerateDataKeyPair` and `GetParametersForImport` generate it on the runtime's blocking
//! pool, so the requests in flight meanwhile are served. The test runs the server on the test's
//! single-threaded runtime, where a generation on the async worker would stall every other
//! request until it ends; it asserts no timing (speed claims come from benchmarks), only that
//! everything in flight together succeeds and each key is what was asked for.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeyPairSpec, KeySpec, KeyUsageType};

use crate::common::TestServer;

/// RSA_4096 generations in flight at once, of each kind.
const GENERATIONS: usize = 3;
/// Encrypts in flight with them.
const ENCRYPTS: usize = 40;

#[tokio::test]
async fn rsa_4096_generations_in_flight_leave_concurrent_encrypts_working() {
    let server = TestServer::start().await;
    let kms = server.client();
    let symmetric = server.new_key().await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..GENERATIONS {
        let kms = kms.clone();
        tasks.spawn(async move {
            let out = kms.create_key().key_spec(KeySpec::Rsa4096).key_usage(KeyUsageType::EncryptDecrypt).send();
            let key_id = out.await.expect("CreateKey RSA_4096").key_metadata().unwrap().key_id().to_owned();
            let public = kms.get_public_key().key_id(&key_id).send().await.expect("GetPublicKey");
            assert_eq!(public.key_spec(), Some(&KeySpec::Rsa4096));
            // A 4096-bit modulus makes a SubjectPublicKeyInfo of 550 bytes.
            assert_eq!(public.public_key().unwrap().as_ref().len(), 550, "{key_id}: a 4096-bit key");
        });
    }
    for _ in 0..GENERATIONS {
        let (kms, key) = (kms.clone(), symmetric.clone());
        tasks.spawn(async move {
            let out = kms.generate_data_key_pair().key_id(&key).key_pair_spec(DataKeyPairSpec::Rsa4096).send();
            let out = out.await.expect("GenerateDataKeyPair RSA_4096");
            assert_eq!(out.public_key().unwrap().as_ref().len(), 550, "a 4096-bit pair");
        });
    }
    for i in 0..ENCRYPTS {
        let (kms, key) = (kms.clone(), symmetric.clone());
        tasks.spawn(async move {
            let plaintext = format!("message {i}");
            let out = kms.encrypt().key_id(&key).plaintext(Blob::new(plaintext.as_bytes())).send().await;
            let blob = out.unwrap_or_else(|e| panic!("Encrypt {i}: {e:?}")).ciphertext_blob().unwrap().clone();
            let back =
                kms.decrypt().ciphertext_blob(blob).send().await.unwrap_or_else(|e| panic!("Decrypt {i}: {e:?}"));
            assert_eq!(back.plaintext().unwrap().as_ref(), plaintext.as_bytes());
        });
    }
    let mut finished = 0;
    while let Some(done) = tasks.join_next().await {
        done.expect("a request task panicked");
        finished += 1;
    }
    assert_eq!(finished, 2 * GENERATIONS + ENCRYPTS);
}
