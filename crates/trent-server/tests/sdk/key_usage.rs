//! `GetKeyLastUsage` through the AWS SDK: the last successful cryptographic call of each key,
//! its time, its CloudTrail `eventID` (the one `LookupEvents` shows) and its request id; kept
//! across a restart; failed, dry-run and non-cryptographic calls leave it alone; across nodes
//! (PostgreSQL) the use made on one node shows on the others after the batched flush.

use std::time::{Duration, Instant};

use aws_sdk_kms::Client;
use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::operation::get_key_last_usage::GetKeyLastUsageOutput;
use aws_sdk_kms::types::{KeyLastUsageTrackingOperation as Op, KeySpec, KeyUsageType, SigningAlgorithmSpec};
use trent_core::Clock as _;
use trent_server::{RawConfig, StorageSetting};

use crate::audit_trail::{lookup, records};
use crate::common::{TestServer, blob, expect_code};
use crate::support::TestSchema;

async fn last(kms: &Client, key: &str) -> GetKeyLastUsageOutput {
    kms.get_key_last_usage().key_id(key).send().await.expect("GetKeyLastUsage")
}

/// The operation, time (seconds), event id and request id `GetKeyLastUsage` reports.
fn seen(out: &GetKeyLastUsageOutput) -> Option<(Op, i64, String, String)> {
    let u = out.key_last_usage()?;
    Some((
        u.operation()?.clone(),
        u.timestamp()?.secs(),
        u.cloud_trail_event_id()?.to_owned(),
        u.kms_request_id()?.to_owned(),
    ))
}

/// The `eventID` of the record of request `request_id` in the trail of the server's account.
async fn event_id_of(server: &TestServer, request_id: &str) -> String {
    let all = records(&lookup(server, r#"{"MaxResults":50}"#).await);
    let record =
        all.iter().find(|r| r["requestID"] == request_id).unwrap_or_else(|| panic!("no record of {request_id}"));
    record["eventID"].as_str().expect("eventID").to_owned()
}

#[tokio::test]
async fn the_last_cryptographic_call_is_reported_with_its_event_and_request() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;

    let fresh = last(&kms, &key).await;
    assert_eq!(fresh.key_id(), Some(key.as_str()));
    // KeyId is "the globally unique identifier for the KMS key" (botocore), the key id as in
    // KeyMetadata, also when the request names the key by its ARN.
    assert_eq!(last(&kms, &server.key_arn(&key).await).await.key_id(), Some(key.as_str()));
    assert!(fresh.key_last_usage().is_some(), "an empty KeyLastUsage object, as AWS answers");
    assert_eq!(seen(&fresh), None, "a new key is unused");
    assert_eq!(fresh.tracking_start_date(), fresh.key_creation_date(), "tracking began before the key was made");

    let encrypted = kms.encrypt().key_id(&key).plaintext(blob(b"used")).send().await.unwrap();
    let request = encrypted.request_id().expect("request id").to_owned();
    let (op, at, event, reported_request) = seen(&last(&kms, &key).await).expect("used");
    assert_eq!((op, reported_request.as_str()), (Op::Encrypt, request.as_str()));
    assert_eq!(at, server.clock.now().unix_timestamp());
    assert_eq!(event, event_id_of(&server, &request).await, "the eventID LookupEvents shows");

    // Later calls that are not successful cryptography leave it as it is.
    server.clock.advance(time::Duration::minutes(5));
    let ciphertext = encrypted.ciphertext_blob().unwrap().clone();
    kms.describe_key().key_id(&key).send().await.unwrap();
    let dry = kms.encrypt().key_id(&key).plaintext(blob(b"x")).dry_run(true).send().await;
    expect_code(dry, "DryRunOperationException");
    let wrong = kms.decrypt().ciphertext_blob(ciphertext.clone()).encryption_context("not", "it").send().await;
    expect_code(wrong, "InvalidCiphertextException");
    assert_eq!(seen(&last(&kms, &key).await).map(|s| s.2), Some(event.clone()));

    // The next one replaces it.
    let decrypted = kms.decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    let (op, later, _, request) = seen(&last(&kms, &key).await).expect("used");
    assert_eq!((op, later - at, request.as_str()), (Op::Decrypt, 300, decrypted.request_id().unwrap()));

    expect_code(kms.get_key_last_usage().key_id("alias/none").send().await, "NotFoundException");
    let ghost = "00000000-1111-2222-3333-444444444444";
    expect_code(kms.get_key_last_usage().key_id(ghost).send().await, "NotFoundException");
    expect_code(kms.get_key_last_usage().send().await, "ValidationException");
}

#[tokio::test]
async fn re_encrypt_uses_both_keys_and_signing_keys_are_tracked() {
    let server = TestServer::start().await;
    let kms = server.client();
    let (from, to) = (server.new_key().await, server.new_key().await);
    let ct = kms.encrypt().key_id(&from).plaintext(blob(b"moved")).send().await.unwrap();
    server.clock.advance(time::Duration::seconds(7));
    let moved = kms.re_encrypt().ciphertext_blob(ct.ciphertext_blob().unwrap().clone()).destination_key_id(&to);
    let moved = moved.send().await.unwrap();
    let event = event_id_of(&server, moved.request_id().unwrap()).await;
    for key in [&from, &to] {
        let (op, _, got, _) = seen(&last(&kms, key).await).expect("used");
        assert_eq!((op, got.as_str()), (Op::ReEncrypt, event.as_str()), "{key}");
    }

    let sign_key = kms.create_key().key_spec(KeySpec::EccNistP256).key_usage(KeyUsageType::SignVerify).send();
    let sign_key = sign_key.await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let alg = SigningAlgorithmSpec::EcdsaSha256;
    let sig = kms.sign().key_id(&sign_key).message(blob(b"m")).signing_algorithm(alg.clone()).send().await.unwrap();
    assert_eq!(seen(&last(&kms, &sign_key).await).map(|s| s.0), Some(Op::Sign));
    let sig = sig.signature().unwrap().clone();
    kms.verify()
        .key_id(&sign_key)
        .message(blob(b"m"))
        .signature(sig)
        .signing_algorithm(alg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(seen(&last(&kms, &sign_key).await).map(|s| s.0), Some(Op::Verify));
    let forged =
        kms.verify().key_id(&sign_key).message(blob(b"m")).signature(blob(&[0x30, 2, 1, 1])).signing_algorithm(alg);
    expect_code(forged.send().await, "KMSInvalidSignatureException");
    assert_eq!(seen(&last(&kms, &sign_key).await).map(|s| s.0), Some(Op::Verify), "a failed Verify is not a use");
}

#[tokio::test]
async fn the_last_use_survives_a_restart_from_the_store() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let unused = server.new_key().await;
    kms.generate_data_key().key_id(&key).number_of_bytes(32).send().await.unwrap();
    let before = last(&kms, &key).await;
    assert_eq!(seen(&before).map(|s| s.0), Some(Op::GenerateDataKey));
    let (akid, secret) = (server.access_key_id.clone(), server.secret_access_key.clone());

    let server = server.restart().await;
    assert_eq!(server.state.kms.unflushed_key_usage(), 0, "a fresh process holds nothing in memory");
    let kms = server.client_with(&akid, &secret, "us-east-1", time::Duration::ZERO);
    let after = last(&kms, &key).await;
    assert_eq!(seen(&after), seen(&before), "flushed at shutdown, read back from the store");
    assert_eq!(after.tracking_start_date(), before.tracking_start_date());
    assert_eq!(seen(&last(&kms, &unused).await), None);
}

/// Several nodes on one PostgreSQL schema: a use on one node is seen on another after the
/// batched flush, and an older use flushed later does not replace a newer one.
#[tokio::test]
async fn across_nodes_the_latest_use_wins() {
    let Some(schema) = TestSchema::new("key_usage_nodes").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let a = TestServer::start_with(RawConfig { storage: Some(StorageSetting::new(url)), ..RawConfig::default() }).await;
    let b = a.another_node().await;
    let (on_a, on_b) =
        (a.client(), b.client_with(&a.access_key_id, &a.secret_access_key, "us-east-1", time::Duration::ZERO));
    let key = a.new_key().await;

    // A uses the key at T + 60 s; the use reaches B through the store.
    let at_t = a.clock.now();
    a.clock.advance(time::Duration::seconds(60));
    let newer = on_a.encrypt().key_id(&key).plaintext(blob(b"a")).send().await.unwrap();
    let newer = newer.request_id().unwrap().to_owned();
    let started = Instant::now();
    loop {
        if let Some(got) = seen(&last(&on_b, &key).await)
            && got.3 == newer
        {
            assert_eq!(got.1, at_t.unix_timestamp() + 60);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "A's use never reached B");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Then B uses it at T (a node whose clock is behind): B answers the later of its own
    // unflushed use and the stored one, and once B has flushed its older use after A's newer
    // one, the store still holds A's: a third node, with nothing in memory, reads that.
    a.clock.set(at_t);
    on_b.encrypt().key_id(&key).plaintext(blob(b"b")).send().await.unwrap();
    assert_eq!(seen(&last(&on_b, &key).await).map(|s| s.3), Some(newer.clone()));
    let started = Instant::now();
    while b.state.kms.unflushed_key_usage() > 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "B never flushed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c = a.another_node().await;
    let on_c = c.client_with(&a.access_key_id, &a.secret_access_key, "us-east-1", time::Duration::ZERO);
    let got = seen(&last(&on_c, &key).await).expect("used");
    assert_eq!(got.3, newer, "the latest use, although the older was flushed last");
}

/// A key Secrets Manager uses on the caller's behalf is tracked with the record of that KMS
/// call (its own `eventID` and request id), both for a decryption it performs and for one it
/// only authorizes because it still holds the data key.
#[tokio::test]
async fn a_use_made_on_the_callers_behalf_is_tracked_with_its_own_record() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let sm = server.secrets();
    sm.create_secret().name("db").kms_key_id(&key).secret_string("v").send().await.unwrap();
    let on_behalf = |op: &'static str| {
        let server = &server;
        async move {
            let all = records(&lookup(server, r#"{"MaxResults":50}"#).await);
            let mine: Vec<_> = all
                .into_iter()
                .filter(|r| r["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com" && r["eventName"] == op)
                .collect();
            let newest = mine.first().unwrap_or_else(|| panic!("no on-behalf {op}")).clone();
            (
                mine.len(),
                newest["eventID"].as_str().unwrap().to_owned(),
                newest["requestID"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (_, event, request) = on_behalf("GenerateDataKey").await;
    let (op, _, got_event, got_request) = seen(&last(&kms, &key).await).expect("used");
    assert_eq!((op, got_event, got_request), (Op::GenerateDataKey, event, request));

    for n in 1..=2 {
        server.clock.advance(time::Duration::seconds(1));
        sm.get_secret_value().secret_id("db").send().await.unwrap();
        let (count, event, request) = on_behalf("Decrypt").await;
        assert_eq!(count, n);
        let (op, at, got_event, got_request) = seen(&last(&kms, &key).await).expect("used");
        assert_eq!((op, got_event, got_request), (Op::Decrypt, event, request), "GetSecretValue {n}");
        assert_eq!(at, server.clock.now().unix_timestamp());
    }
}
