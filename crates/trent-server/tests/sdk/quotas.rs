//! Request quotas by key type: KMS's cryptographic operations count against the quota of
//! their key's type, once per call, whoever makes them (the caller itself, or a Trent service
//! on its behalf), and calls that fail before their key is known count too.
//!
//! The quotas here run on a clock that moves only when the test moves it, so every count is
//! exact whatever the machine's speed. (The SDK's retries against real time are in
//! `request_path`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use trent_core::ViaService;
use trent_core::kms::{DataKeySize, DataKeySpec, KmsError};
use trent_core::quota::QuotaClock;
use trent_crypto::{EncryptionContext, Plaintext};
use trent_server::{RawConfig, RawQuotas};

use crate::common::{RawAnswer, TestServer, base64};

/// A quota clock that stands still until the test moves it.
#[derive(Debug, Default)]
struct Stopped(AtomicU64);

impl Stopped {
    fn advance_millis(&self, ms: u64) {
        self.0.fetch_add(ms * 1_000_000, Ordering::Relaxed);
    }
}

impl QuotaClock for Stopped {
    fn nanos(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A server whose quotas follow AWS's table with `rates` over it, on a stopped clock.
async fn server_with(rates: &[(&str, f64)]) -> (TestServer, Arc<Stopped>) {
    let clock = Arc::new(Stopped::default());
    let quotas = RawQuotas {
        enabled: Some(true),
        rates: Some(rates.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()),
        regions: None,
    };
    let tuned = clock.clone();
    let raw = RawConfig { quotas: Some(quotas), ..RawConfig::default() };
    let server = TestServer::start_tuned(raw, move |config| config.quota_clock = Some(tuned)).await;
    (server, clock)
}

async fn encrypt(server: &TestServer, key: &str) -> RawAnswer {
    server.call_raw("Encrypt", &json!({"KeyId": key, "Plaintext": base64(b"quota")}).to_string()).await
}

fn assert_throttled(answer: &RawAnswer) {
    assert_eq!((answer.status, answer.error_type()), (400, "ThrottlingException".to_owned()), "{:?}", answer.json());
    assert_eq!(
        answer.json()["message"],
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
    );
}

/// Regression: cryptographic operations were charged by name before the key was known, so
/// every key type shared one bucket and `ReEncrypt`, which uses two keys, could be charged
/// twice once the charge moved to the key.
#[tokio::test]
async fn cryptographic_calls_count_once_against_their_key_types_quota() {
    let (server, clock) = server_with(&[("kms:cryptographic-symmetric", 4.0)]).await;
    let key = server.new_key().await;
    let blob = encrypt(&server, &key).await.json()["CiphertextBlob"].as_str().unwrap().to_owned();
    let reencrypt = json!({"CiphertextBlob": blob, "DestinationKeyId": key}).to_string();
    for _ in 0..2 {
        let answer = server.call_raw("ReEncrypt", &reencrypt).await;
        assert_eq!(answer.status, 200, "a ReEncrypt is one request: {:?}", answer.json());
    }
    let gdk = server.call_raw("GenerateDataKey", &json!({"KeyId": key, "KeySpec": "AES_256"}).to_string()).await;
    assert_eq!(gdk.status, 200, "the fourth request of the second");
    assert_throttled(&encrypt(&server, &key).await);
    let describe = server.call_raw("DescribeKey", &json!({"KeyId": key}).to_string()).await;
    assert_eq!(describe.status, 200, "DescribeKey has a quota of its own");

    clock.advance_millis(250); // a quarter second of 4/s: one request
    let decrypt = json!({"CiphertextBlob": blob}).to_string();
    assert_eq!(server.call_raw("Decrypt", &decrypt).await.status, 200);
    assert_throttled(&server.call_raw("Decrypt", &decrypt).await);
    let names = crate::request_path::event_names(&server).await;
    let count = |n: &str| names.iter().filter(|e| *e == n).count();
    assert_eq!((count("Encrypt"), count("Decrypt"), count("ReEncrypt")), (1, 1, 2), "throttled calls are not recorded");
}

/// Regression: a cryptographic call that failed before its key was loaded (an unknown key, a
/// malformed ciphertext) was charged to no quota, so a caller without any key could fill the
/// trail without limit.
#[tokio::test]
async fn calls_that_fail_before_their_key_is_known_pay_the_symmetric_quota() {
    let (server, clock) = server_with(&[("kms:cryptographic-symmetric", 3.0)]).await;
    for _ in 0..3 {
        assert_eq!(encrypt(&server, "alias/none").await.error_type(), "NotFoundException");
    }
    assert_throttled(&encrypt(&server, "alias/none").await);
    let garbage = json!({"CiphertextBlob": base64(b"not a ciphertext")}).to_string();
    assert_throttled(&server.call_raw("Decrypt", &garbage).await);
    clock.advance_millis(1000);
    assert_eq!(server.call_raw("Decrypt", &garbage).await.error_type(), "InvalidCiphertextException");
    let names = crate::request_path::event_names(&server).await;
    assert_eq!(names.iter().filter(|n| *n == "Encrypt" || *n == "Decrypt").count(), 4);
}

/// Regression guard: a Trent service calling KMS on a caller's behalf (Secrets Manager,
/// Parameter Store) must count against that caller's KMS quotas, as AWS's integrated
/// services do; otherwise a caller could go around its quota through them.
#[tokio::test]
async fn calls_on_a_callers_behalf_count_against_its_quotas() {
    let (server, clock) = server_with(&[("kms:cryptographic-symmetric", 3.0), ("kms:DescribeKey", 1.0)]).await;
    let key = server.new_key().await;
    let caller = crate::keys::admin(&server).await;
    let sm = server.state.kms.on_behalf(&caller, ViaService::SECRETS_MANAGER);
    assert_eq!(sm.caller().via_service, Some(ViaService::SECRETS_MANAGER));
    let ctx = EncryptionContext::new();
    let plaintext = Plaintext::new(b"on behalf".to_vec());
    let sealed = sm.encrypt(&key, &plaintext, &ctx).await.expect("first");
    sm.decrypt(&sealed.ciphertext, &ctx).await.expect("second");
    let size = DataKeySize { spec: Some(DataKeySpec::Aes256), number_of_bytes: None };
    sm.generate_data_key(&key, &ctx, size).await.expect("third");
    assert!(matches!(sm.encrypt(&key, &plaintext, &ctx).await, Err(KmsError::Throttled { .. })));
    assert_throttled(&encrypt(&server, &key).await);

    clock.advance_millis(1000);
    for _ in 0..3 {
        let failed = sm.decrypt(b"garbage", &ctx).await;
        assert!(matches!(failed, Err(KmsError::InvalidCiphertext)), "{failed:?}");
    }
    assert!(matches!(sm.decrypt(b"garbage", &ctx).await, Err(KmsError::Throttled { .. })), "failures count too");

    sm.describe_key(&key).await.expect("DescribeKey is charged by name");
    assert!(matches!(sm.describe_key(&key).await, Err(KmsError::Throttled { quota: "kms:DescribeKey" })));
    let describe = server.call_raw("DescribeKey", &json!({"KeyId": key}).to_string()).await;
    assert_throttled(&describe);
}

/// An SSM call with a raw JSON body, signed by the administrator in `us-east-1`.
async fn ssm_call(server: &TestServer, operation: &str, body: serde_json::Value) -> RawAnswer {
    let mut req = crate::common::json_request(Some(&format!("AmazonSSM.{operation}")), &body.to_string());
    server.sign(&mut req, "us-east-1", "ssm");
    server.send_raw(req).await
}

/// Parameter Store's three reads share AWS's default throughput quota, per account, and are
/// refused as SSM refuses them; other SSM operations have their own.
#[tokio::test]
async fn parameter_store_reads_share_one_throughput_quota() {
    let (server, clock) = server_with(&[(trent_core::quota::SSM_READS, 3.0)]).await;
    let put = json!({"Name": "/q/a", "Value": "v", "Type": "String"});
    assert_eq!(ssm_call(&server, "PutParameter", put).await.status, 200);
    assert_eq!(ssm_call(&server, "GetParameter", json!({"Name": "/q/a"})).await.status, 200);
    assert_eq!(ssm_call(&server, "GetParameters", json!({"Names": ["/q/a"]})).await.status, 200);
    assert_eq!(ssm_call(&server, "GetParametersByPath", json!({"Path": "/q"})).await.status, 200);
    let refused = ssm_call(&server, "GetParameter", json!({"Name": "/q/a"})).await;
    assert_eq!((refused.status, refused.error_type()), (400, "ThrottlingException".to_owned()));
    assert_eq!(refused.json()["message"], "Rate exceeded");
    assert_eq!(ssm_call(&server, "DescribeParameters", json!({})).await.status, 200, "not a read of the quota");
    clock.advance_millis(334);
    assert_eq!(ssm_call(&server, "GetParametersByPath", json!({"Path": "/q"})).await.status, 200, "refilled");
}
