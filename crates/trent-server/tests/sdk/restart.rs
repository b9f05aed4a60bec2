//! Restart: everything a client can observe survives a graceful restart on the same data
//! directory (keys and their states, backing keys, aliases, tags, rotation settings,
//! credentials), and the scheduler of the new process honours deletions scheduled before it.

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{IncludeKeyMaterial, KeyState, Tag};

use crate::common::{TestServer, alias_names, blob, expect_code, quiet_scheduler};

/// What a client can see of one key, for before/after comparison.
#[derive(Debug, PartialEq)]
struct Observed {
    state: Option<KeyState>,
    description: Option<String>,
    deletion_date: Option<i64>,
    current_material: Option<String>,
    materials: Vec<String>,
    tags: Vec<(String, String)>,
    rotation: Option<(bool, Option<i32>, Option<i64>)>,
}

async fn observe(kms: &Client, id: &str) -> Observed {
    let m = kms.describe_key().key_id(id).send().await.unwrap().key_metadata().unwrap().clone();
    let all = kms.list_key_rotations().key_id(id).include_key_material(IncludeKeyMaterial::AllKeyMaterial).send();
    let all = all.await.unwrap();
    let materials = all.rotations().iter().filter_map(|r| r.key_material_id()).map(str::to_owned);
    let tags = kms.list_resource_tags().key_id(id).send().await.unwrap();
    let rotation = kms
        .get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .ok()
        .map(|s| (s.key_rotation_enabled(), s.rotation_period_in_days(), s.next_rotation_date().map(|d| d.secs())));
    Observed {
        state: m.key_state().cloned(),
        description: m.description().map(str::to_owned),
        deletion_date: m.deletion_date().map(|d| d.secs()),
        current_material: m.current_key_material_id().map(str::to_owned),
        materials: materials.collect(),
        tags: tags.tags().iter().map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned())).collect(),
        rotation,
    }
}

async fn seal(kms: &Client, id: &str, text: &str) -> (Blob, String) {
    let out = kms.encrypt().key_id(id).plaintext(blob(text.as_bytes())).encryption_context("restart", text);
    (out.send().await.unwrap().ciphertext_blob().unwrap().clone(), text.to_owned())
}

async fn open(kms: &Client, (ciphertext, text): &(Blob, String)) -> Result<Vec<u8>, String> {
    let out = kms.decrypt().ciphertext_blob(ciphertext.clone()).encryption_context("restart", text).send().await;
    out.map(|o| o.plaintext().unwrap().as_ref().to_vec()).map_err(|e| crate::common::code(&e))
}

#[tokio::test]
async fn everything_survives_a_restart_and_the_scheduler_resumes() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let rotated = server.new_key().await;
    let disabled = server.new_key().await;
    let named = server.new_key().await;
    let doomed = server.new_key().await;
    let mut usable = vec![(rotated.clone(), seal(&kms, &rotated, "rotated-before").await)];
    kms.rotate_key_on_demand().key_id(&rotated).send().await.unwrap();
    kms.enable_key_rotation().key_id(&rotated).rotation_period_in_days(90).send().await.unwrap();
    usable.push((rotated.clone(), seal(&kms, &rotated, "rotated-after").await));
    let of_disabled = seal(&kms, &disabled, "disabled").await;
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    kms.update_key_description().key_id(&named).description("has a name").send().await.unwrap();
    kms.create_alias().alias_name("alias/keeper").target_key_id(&named).send().await.unwrap();
    kms.create_alias().alias_name("alias/doomed").target_key_id(&doomed).send().await.unwrap();
    let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    kms.tag_resource().key_id(&named).tags(tag("team", "core")).tags(tag("env", "prod")).send().await.unwrap();
    for i in 0..3 {
        usable.push((named.clone(), seal(&kms, &named, &format!("named-{i}")).await));
    }
    let of_doomed = seal(&kms, &doomed, "doomed").await;
    kms.schedule_key_deletion().key_id(&doomed).pending_window_in_days(7).send().await.unwrap();

    let keys = [rotated.clone(), disabled.clone(), named.clone(), doomed.clone()];
    let mut before = Vec::new();
    for id in &keys {
        before.push(observe(&kms, id).await);
    }
    let aliases_before = kms.list_aliases().send().await.unwrap().aliases().to_vec();
    let (akid, secret, account) = (server.access_key_id.clone(), server.secret_access_key.clone(), {
        let m = server.describe(&rotated).await;
        m.aws_account_id().unwrap().to_owned()
    });

    let server = server.restart().await;
    assert_eq!((&server.access_key_id, &server.secret_access_key), (&akid, &secret), "same administrator");
    let kms = server.client_with(&akid, &secret, "us-east-1", time::Duration::ZERO);
    let mut after = Vec::new();
    for id in &keys {
        after.push(observe(&kms, id).await);
    }
    assert_eq!(after, before);
    assert_eq!(kms.list_aliases().send().await.unwrap().aliases(), aliases_before.as_slice());
    let listed = kms.list_keys().send().await.unwrap();
    let mut ids: Vec<_> = listed.keys().iter().filter_map(|k| k.key_id()).map(str::to_owned).collect();
    ids.sort();
    let mut expected = keys.to_vec();
    expected.sort();
    assert_eq!(ids, expected, "no key lost or added");
    assert_eq!(server.describe(&named).await.aws_account_id(), Some(account.as_str()), "no new account");

    for (id, sealed) in &usable {
        assert_eq!(open(&kms, sealed).await, Ok(sealed.1.clone().into_bytes()), "{id}");
    }
    assert_eq!(open(&kms, &of_disabled).await, Err("DisabledException".into()));
    kms.enable_key().key_id(&disabled).send().await.unwrap();
    assert_eq!(open(&kms, &of_disabled).await, Ok(b"disabled".to_vec()));
    assert_eq!(open(&kms, &of_doomed).await, Err("KMSInvalidStateException".into()));
    let via_alias = kms.encrypt().key_id("alias/keeper").plaintext(blob(b"x")).send().await.unwrap();
    assert_eq!(via_alias.key_id(), server.describe(&named).await.arn());

    // The deletion scheduled before the restart happens after it, and only that one.
    server.clock.advance(time::Duration::days(8));
    let done = server.run_scheduler().await;
    assert!(done.deleted <= 1 && done.rotated == 0, "{done:?}");
    expect_code(kms.describe_key().key_id(&doomed).send().await, "NotFoundException");
    assert_eq!(open(&kms, &of_doomed).await, Err("InvalidCiphertextException".into()));
    let names = alias_names(&kms).await;
    assert_eq!(names, ["alias/keeper"]);
    for (id, sealed) in &usable {
        assert_eq!(open(&kms, sealed).await, Ok(sealed.1.clone().into_bytes()), "{id}");
    }
}

#[tokio::test]
async fn a_deletion_due_while_the_server_was_down_happens_at_the_next_pass() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let doomed = server.new_key().await;
    let kept = server.new_key().await;
    kms.schedule_key_deletion().key_id(&doomed).pending_window_in_days(7).send().await.unwrap();
    let mut server = server;
    server.shutdown().await;
    server.clock.advance(time::Duration::days(10));
    let server = server.restart().await;
    let kms = server.client();
    // The new process's start-up pass (or this one) has destroyed the overdue key.
    server.run_scheduler().await;
    expect_code(kms.describe_key().key_id(&doomed).send().await, "NotFoundException");
    assert_eq!(server.describe(&kept).await.key_state(), Some(&KeyState::Enabled));
}
