//! Key states: DisableKey/EnableKey, ScheduleKeyDeletion (windows, what a pending key refuses),
//! CancelKeyDeletion, and the scheduler destroying a key once its window has passed.

use aws_sdk_kms::types::{DataKeySpec, KeyState, Tag};
use trent_core::Clock as _;

use crate::common::{TestServer, alias_names, blob, expect_code, quiet_scheduler, seconds_after};

#[tokio::test]
async fn a_disabled_key_refuses_cryptography_until_enabled_again() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let other = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let before =
        kms.encrypt().key_id(&id).plaintext(blob(b"kept")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    let elsewhere =
        kms.encrypt().key_id(&other).plaintext(blob(b"there")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    kms.disable_key().key_id(&id).send().await.unwrap();
    let m = server.describe(&id).await;
    assert_eq!(m.key_state(), Some(&KeyState::Disabled));
    assert!(!m.enabled());
    let disabled = format!("{arn} is disabled.");
    let e = kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await;
    assert_eq!(expect_code(e, "DisabledException"), disabled);
    let d = kms.decrypt().ciphertext_blob(before.clone()).send().await;
    assert_eq!(expect_code(d, "DisabledException"), disabled);
    let g = kms.generate_data_key().key_id(&id).key_spec(DataKeySpec::Aes256).send().await;
    assert_eq!(expect_code(g, "DisabledException"), disabled);
    let g = kms.generate_data_key_without_plaintext().key_id(&id).key_spec(DataKeySpec::Aes256).send().await;
    assert_eq!(expect_code(g, "DisabledException"), disabled);
    // ReEncrypt refuses a disabled key on either side.
    let from = kms.re_encrypt().ciphertext_blob(before.clone()).destination_key_id(&other).send().await;
    assert_eq!(expect_code(from, "DisabledException"), disabled);
    let to = kms.re_encrypt().ciphertext_blob(elsewhere).destination_key_id(&id).send().await;
    assert_eq!(expect_code(to, "DisabledException"), disabled);
    // Disabling twice is allowed, as in AWS; the key stays disabled.
    kms.disable_key().key_id(&id).send().await.unwrap();
    kms.enable_key().key_id(&id).send().await.unwrap();
    let m = server.describe(&id).await;
    assert_eq!(m.key_state(), Some(&KeyState::Enabled));
    assert!(m.enabled());
    let plain = kms.decrypt().ciphertext_blob(before).send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"kept");
    kms.encrypt().key_id(&id).plaintext(blob(b"again")).send().await.unwrap();
}

#[tokio::test]
async fn schedule_key_deletion_takes_seven_to_thirty_days_defaulting_to_thirty() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let m = expect_code(
        kms.schedule_key_deletion().key_id(&id).pending_window_in_days(6).send().await,
        "ValidationException",
    );
    assert!(m.contains("'pendingWindowInDays'") && m.contains("greater than or equal to 7"), "{m}");
    let m = expect_code(
        kms.schedule_key_deletion().key_id(&id).pending_window_in_days(31).send().await,
        "ValidationException",
    );
    assert!(m.contains("'pendingWindowInDays'") && m.contains("less than or equal to 30"), "{m}");
    assert_eq!(server.describe(&id).await.key_state(), Some(&KeyState::Enabled), "a refused request changes nothing");
    let now = server.clock.now();
    let out = kms.schedule_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(out.pending_window_in_days(), Some(30));
    let after = seconds_after(out.deletion_date().unwrap(), now);
    assert!((after - 30 * 86_400).abs() <= 1, "deletion {after}s after now");
    let m = server.describe(&id).await;
    assert_eq!(m.key_state(), Some(&KeyState::PendingDeletion));
    assert!(!m.enabled());
    assert_eq!(m.deletion_date().map(|d| d.secs()), out.deletion_date().map(|d| d.secs()));
    let other = server.new_key().await;
    let out = kms.schedule_key_deletion().key_id(&other).pending_window_in_days(7).send().await.unwrap();
    assert_eq!(out.pending_window_in_days(), Some(7));
    assert!((seconds_after(out.deletion_date().unwrap(), now) - 7 * 86_400).abs() <= 1);
}

#[tokio::test]
async fn a_key_pending_deletion_refuses_use_and_management() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let other = server.new_key().await;
    let arn = server.key_arn(&id).await;
    kms.create_alias().alias_name("alias/early").target_key_id(&id).send().await.unwrap();
    kms.create_alias().alias_name("alias/moving").target_key_id(&other).send().await.unwrap();
    let before =
        kms.encrypt().key_id(&id).plaintext(blob(b"doomed")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    let pending = format!("{arn} is pending deletion.");
    let r = kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    let r = kms.decrypt().ciphertext_blob(before).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    let r = kms.generate_data_key().key_id(&id).key_spec(DataKeySpec::Aes256).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    assert_eq!(expect_code(kms.enable_key().key_id(&id).send().await, "KMSInvalidStateException"), pending);
    assert_eq!(expect_code(kms.disable_key().key_id(&id).send().await, "KMSInvalidStateException"), pending);
    let r = kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    let r = kms.update_key_description().key_id(&id).description("d").send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    let tag = Tag::builder().tag_key("k").tag_value("v").build().unwrap();
    assert_eq!(expect_code(kms.tag_resource().key_id(&id).tags(tag).send().await, "KMSInvalidStateException"), pending);
    let r = kms.create_alias().alias_name("alias/late").target_key_id(&id).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    let r = kms.update_alias().alias_name("alias/moving").target_key_id(&id).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), pending);
    assert_eq!(kms.describe_key().key_id("alias/moving").send().await.unwrap().key_metadata().unwrap().key_id(), other);
    // Reads still work, and an alias of the pending key can be deleted.
    assert_eq!(server.describe(&id).await.key_state(), Some(&KeyState::PendingDeletion));
    kms.delete_alias().alias_name("alias/early").send().await.unwrap();
    let names = alias_names(&kms).await;
    assert_eq!(names, ["alias/moving"]);
}

#[tokio::test]
async fn cancel_key_deletion_leaves_the_key_disabled() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let r = kms.cancel_key_deletion().key_id(&id).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), format!("{arn} is not pending deletion."));
    kms.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let out = kms.cancel_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));
    let m = server.describe(&id).await;
    assert_eq!(m.key_state(), Some(&KeyState::Disabled));
    assert!(!m.enabled());
    assert!(m.deletion_date().is_none());
    let r = kms.cancel_key_deletion().key_id(&id).send().await;
    assert_eq!(expect_code(r, "KMSInvalidStateException"), format!("{arn} is not pending deletion."));
    expect_code(kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await, "DisabledException");
    kms.enable_key().key_id(&id).send().await.unwrap();
    kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await.unwrap();
    // The scheduler leaves a cancelled key alone after its old date.
    server.clock.advance(time::Duration::days(31));
    assert_eq!(server.run_scheduler().await.deleted, 0);
    assert_eq!(server.describe(&id).await.key_state(), Some(&KeyState::Enabled));
}

#[tokio::test]
async fn the_scheduler_destroys_a_key_only_after_its_window() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let id = server.new_key().await;
    let kept = server.new_key().await;
    kms.create_alias().alias_name("alias/doomed").target_key_id(&id).send().await.unwrap();
    kms.create_alias().alias_name("alias/kept").target_key_id(&kept).send().await.unwrap();
    let old =
        kms.encrypt().key_id(&id).plaintext(blob(b"gone")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    let survivor =
        kms.encrypt().key_id(&kept).plaintext(blob(b"here")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();

    server.clock.advance(time::Duration::days(6));
    assert_eq!(server.run_scheduler().await.deleted, 0);
    assert_eq!(server.describe(&id).await.key_state(), Some(&KeyState::PendingDeletion));

    server.clock.advance(time::Duration::days(2));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    let m = expect_code(kms.describe_key().key_id(&id).send().await, "NotFoundException");
    assert!(m.contains(&id), "{m}");
    assert_eq!(alias_names(&kms).await, ["alias/kept"]);
    expect_code(kms.describe_key().key_id("alias/doomed").send().await, "NotFoundException");
    let keys = kms.list_keys().send().await.unwrap();
    let ids: Vec<_> = keys.keys().iter().filter_map(|k| k.key_id()).collect();
    assert_eq!(ids, [kept.as_str()]);
    let r = kms.decrypt().ciphertext_blob(old).send().await;
    assert_eq!(expect_code(r, "InvalidCiphertextException"), "");
    expect_code(kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await, "NotFoundException");
    expect_code(kms.cancel_key_deletion().key_id(&id).send().await, "NotFoundException");
    expect_code(kms.list_resource_tags().key_id(&id).send().await, "NotFoundException");
    // The other key is untouched, and nothing more is due.
    let plain = kms.decrypt().ciphertext_blob(survivor).send().await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"here");
    assert_eq!(server.describe(&kept).await.key_state(), Some(&KeyState::Enabled));
    assert_eq!(server.run_scheduler().await.deleted, 0);
    // The destroyed key's alias name is free again.
    kms.create_alias().alias_name("alias/doomed").target_key_id(&kept).send().await.unwrap();
}

#[tokio::test]
async fn overlapping_scheduler_passes_destroy_each_due_key_once_without_failing() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let mut doomed = Vec::new();
    for _ in 0..5 {
        let id = server.new_key().await;
        kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
        doomed.push(id);
    }
    server.clock.advance(time::Duration::days(8));
    // Two passes at once, as two nodes sharing a database (or a manual pass beside the
    // timer) would run them.
    let (a, b) = tokio::join!(server.state.kms.run_due_work(), server.state.kms.run_due_work());
    let (a, b) = (a.expect("first pass"), b.expect("second pass"));
    assert_eq!(a.deleted + b.deleted, 5, "{a:?} {b:?}");
    for id in &doomed {
        expect_code(kms.describe_key().key_id(id).send().await, "NotFoundException");
    }
}
