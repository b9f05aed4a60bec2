//! Rotation: Enable/DisableKeyRotation and GetKeyRotationStatus (periods and their limits),
//! RotateKeyOnDemand (new backing key, old ciphertexts still decrypt, the limit of 10),
//! ListKeyRotations, and automatic rotation by the scheduler as the clock moves.

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{IncludeKeyMaterial, KeyMaterialState, RotationType};
use trent_core::Clock as _;

use crate::common::{TestServer, blob, expect_code, quiet_scheduler, seconds_after};

/// Encrypts `text` and returns the blob.
async fn seal(kms: &Client, id: &str, text: &[u8]) -> Blob {
    kms.encrypt().key_id(id).plaintext(blob(text)).send().await.unwrap().ciphertext_blob().unwrap().clone()
}

/// Decrypts and returns `(plaintext, KeyMaterialId)`.
async fn open(kms: &Client, ciphertext: &Blob) -> (Vec<u8>, String) {
    let out = kms.decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
    (out.plaintext().unwrap().as_ref().to_vec(), out.key_material_id().unwrap().to_owned())
}

#[tokio::test]
async fn enable_key_rotation_periods_default_to_365_days() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!(!status.key_rotation_enabled());
    assert_eq!(status.key_id(), Some(arn.as_str()));
    let now = server.clock.now();
    kms.enable_key_rotation().key_id(&id).send().await.unwrap();
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(365));
    assert!((seconds_after(status.next_rotation_date().unwrap(), now) - 365 * 86_400).abs() <= 1);
    kms.enable_key_rotation().key_id(&id).rotation_period_in_days(90).send().await.unwrap();
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert_eq!(status.rotation_period_in_days(), Some(90));
    assert!((seconds_after(status.next_rotation_date().unwrap(), now) - 90 * 86_400).abs() <= 1);
    kms.enable_key_rotation().key_id(&id).rotation_period_in_days(2560).send().await.unwrap();
    let m = expect_code(
        kms.enable_key_rotation().key_id(&id).rotation_period_in_days(89).send().await,
        "ValidationException",
    );
    assert!(m.contains("'rotationPeriodInDays'") && m.contains("greater than or equal to 90"), "{m}");
    let m = expect_code(
        kms.enable_key_rotation().key_id(&id).rotation_period_in_days(2561).send().await,
        "ValidationException",
    );
    assert!(m.contains("'rotationPeriodInDays'") && m.contains("less than or equal to 2560"), "{m}");
    kms.disable_key_rotation().key_id(&id).send().await.unwrap();
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!(!status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), None);
    assert!(status.next_rotation_date().is_none());
    expect_code(kms.enable_key_rotation().key_id("alias/none").send().await, "NotFoundException");
}

#[tokio::test]
async fn rotation_management_needs_an_enabled_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    kms.disable_key().key_id(&id).send().await.unwrap();
    let disabled = format!("{arn} is disabled.");
    assert_eq!(expect_code(kms.enable_key_rotation().key_id(&id).send().await, "DisabledException"), disabled);
    assert_eq!(expect_code(kms.disable_key_rotation().key_id(&id).send().await, "DisabledException"), disabled);
    assert_eq!(expect_code(kms.rotate_key_on_demand().key_id(&id).send().await, "DisabledException"), disabled);
    assert!(!kms.get_key_rotation_status().key_id(&id).send().await.unwrap().key_rotation_enabled());
    kms.enable_key().key_id(&id).send().await.unwrap();
    kms.enable_key_rotation().key_id(&id).send().await.unwrap();
    kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    expect_code(kms.enable_key_rotation().key_id(&id).send().await, "KMSInvalidStateException");
    expect_code(kms.rotate_key_on_demand().key_id(&id).send().await, "KMSInvalidStateException");
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!(!status.key_rotation_enabled(), "a key pending deletion reports rotation off");
}

#[tokio::test]
async fn on_demand_rotation_adds_a_backing_key_and_keeps_the_old_one() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let original = server.current_material(&id).await;
    let before = seal(&kms, &id, b"before").await;
    assert!(kms.list_key_rotations().key_id(&id).send().await.unwrap().rotations().is_empty());
    server.clock.advance(time::Duration::hours(1));
    let rotated_at = server.clock.now();
    // AWS's documented answer names the key by its id, not its ARN.
    let out = kms.rotate_key_on_demand().key_id(&arn).send().await.unwrap();
    assert_eq!(out.key_id(), Some(id.as_str()));
    let newer = server.current_material(&id).await;
    assert_ne!(newer, original);
    assert_eq!(newer.len(), 64);
    assert_eq!(open(&kms, &before).await, (b"before".to_vec(), original.clone()));
    let after = seal(&kms, &id, b"after").await;
    assert_eq!(open(&kms, &after).await, (b"after".to_vec(), newer.clone()));

    let rotations = kms.list_key_rotations().key_id(&id).send().await.unwrap();
    assert!(!rotations.truncated());
    let [entry] = rotations.rotations() else { panic!("{rotations:?}") };
    assert_eq!(entry.key_id(), Some(id.as_str()));
    assert_eq!(entry.rotation_type(), Some(&RotationType::OnDemand));
    assert_eq!(entry.key_material_id(), Some(newer.as_str()));
    assert_eq!(entry.key_material_state(), Some(&KeyMaterialState::Current));
    assert!(seconds_after(entry.rotation_date().unwrap(), rotated_at).abs() <= 1);

    let all = kms.list_key_rotations().key_id(&id).include_key_material(IncludeKeyMaterial::AllKeyMaterial).send();
    let all = all.await.unwrap();
    let [first, second] = all.rotations() else { panic!("{all:?}") };
    assert_eq!(first.key_material_id(), Some(original.as_str()));
    assert_eq!(first.key_material_state(), Some(&KeyMaterialState::NonCurrent));
    assert!(first.rotation_type().is_none() && first.rotation_date().is_none());
    assert_eq!(second.key_material_id(), Some(newer.as_str()));
    assert_eq!(second.key_material_state(), Some(&KeyMaterialState::Current));
    // On-demand rotation leaves automatic rotation off.
    assert!(!kms.get_key_rotation_status().key_id(&id).send().await.unwrap().key_rotation_enabled());
}

#[tokio::test]
async fn twenty_five_on_demand_rotations_then_limit_exceeded() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let mut ciphertexts = vec![(seal(&kms, &id, b"gen-0").await, server.current_material(&id).await)];
    for i in 1..=25 {
        kms.rotate_key_on_demand().key_id(&id).send().await.unwrap();
        let text = format!("gen-{i}");
        ciphertexts.push((seal(&kms, &id, text.as_bytes()).await, server.current_material(&id).await));
    }
    let m = expect_code(kms.rotate_key_on_demand().key_id(&id).send().await, "LimitExceededException");
    assert!(m.contains("25"), "{m}");
    for (i, (ciphertext, material)) in ciphertexts.iter().enumerate() {
        assert_eq!(open(&kms, ciphertext).await, (format!("gen-{i}").into_bytes(), material.clone()));
    }
    let mut entries = Vec::new();
    let mut marker = None;
    loop {
        let page = kms.list_key_rotations().key_id(&id).limit(4).set_marker(marker).send().await.unwrap();
        entries.extend(page.rotations().to_vec());
        marker = page.next_marker().map(str::to_owned);
        assert_eq!(page.truncated(), marker.is_some());
        if marker.is_none() {
            break;
        }
    }
    let listed: Vec<_> = entries.iter().map(|e| e.key_material_id().unwrap().to_owned()).collect();
    let expected: Vec<_> = ciphertexts[1..].iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(listed, expected);
    let current: Vec<_> =
        entries.iter().filter(|e| e.key_material_state() == Some(&KeyMaterialState::Current)).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].key_material_id(), expected.last().map(String::as_str));
}

#[tokio::test]
async fn automatic_rotation_happens_when_the_period_has_passed() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let id = server.new_key().await;
    let start = server.clock.now();
    kms.enable_key_rotation().key_id(&id).rotation_period_in_days(90).send().await.unwrap();
    let mut made = vec![(seal(&kms, &id, b"epoch-0").await, server.current_material(&id).await)];

    server.clock.advance(time::Duration::days(89));
    assert_eq!(server.run_scheduler().await.rotated, 0);
    server.clock.advance(time::Duration::days(2));
    assert_eq!(server.run_scheduler().await.rotated, 1);
    assert_eq!(server.run_scheduler().await.rotated, 0, "one rotation per period");
    let rotations = kms.list_key_rotations().key_id(&id).send().await.unwrap();
    let [entry] = rotations.rotations() else { panic!("{rotations:?}") };
    assert_eq!(entry.rotation_type(), Some(&RotationType::Automatic));
    assert!(seconds_after(entry.rotation_date().unwrap(), server.clock.now()).abs() <= 1);
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!((seconds_after(status.next_rotation_date().unwrap(), start) - 180 * 86_400).abs() <= 1);
    made.push((seal(&kms, &id, b"epoch-1").await, server.current_material(&id).await));
    assert_ne!(made[0].1, made[1].1);

    server.clock.advance(time::Duration::days(90));
    assert_eq!(server.run_scheduler().await.rotated, 1);
    made.push((seal(&kms, &id, b"epoch-2").await, server.current_material(&id).await));
    let status = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!((seconds_after(status.next_rotation_date().unwrap(), start) - 270 * 86_400).abs() <= 1);
    // An on-demand rotation in between does not move the automatic schedule.
    kms.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    made.push((seal(&kms, &id, b"epoch-3").await, server.current_material(&id).await));
    let again = kms.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert_eq!(again.next_rotation_date(), status.next_rotation_date());
    assert_eq!(server.run_scheduler().await.rotated, 0);
    for (i, (ciphertext, material)) in made.iter().enumerate() {
        assert_eq!(open(&kms, ciphertext).await, (format!("epoch-{i}").into_bytes(), material.clone()));
    }
    let all = kms.list_key_rotations().key_id(&id).include_key_material(IncludeKeyMaterial::AllKeyMaterial).send();
    assert_eq!(all.await.unwrap().rotations().len(), 4);
}

#[tokio::test]
async fn a_disabled_key_is_not_rotated_automatically() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let id = server.new_key().await;
    let untouched = server.new_key().await;
    let material = server.current_material(&id).await;
    kms.enable_key_rotation().key_id(&id).rotation_period_in_days(90).send().await.unwrap();
    kms.disable_key().key_id(&id).send().await.unwrap();
    server.clock.advance(time::Duration::days(91));
    assert_eq!(server.run_scheduler().await.rotated, 0);
    assert!(kms.list_key_rotations().key_id(&id).send().await.unwrap().rotations().is_empty());
    assert_eq!(server.current_material(&id).await, material);
    // Once enabled again, the overdue rotation happens (as AWS does) and only for that key.
    kms.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(server.run_scheduler().await.rotated, 1);
    assert_ne!(server.current_material(&id).await, material);
    assert!(kms.list_key_rotations().key_id(&untouched).send().await.unwrap().rotations().is_empty());
}

#[tokio::test]
async fn overlapping_scheduler_passes_rotate_a_due_key_once() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let mut keys = Vec::new();
    for _ in 0..3 {
        let id = server.new_key().await;
        kms.enable_key_rotation().key_id(&id).rotation_period_in_days(90).send().await.unwrap();
        keys.push(id);
    }
    server.clock.advance(time::Duration::days(91));
    let (a, b) = tokio::join!(server.state.kms.run_due_work(), server.state.kms.run_due_work());
    let (a, b) = (a.expect("first pass"), b.expect("second pass"));
    for id in &keys {
        let rotations = kms.list_key_rotations().key_id(id).send().await.unwrap();
        assert_eq!(rotations.rotations().len(), 1, "{id}: {rotations:?}");
    }
    assert_eq!(a.rotated + b.rotated, 3, "{a:?} {b:?}");
}
