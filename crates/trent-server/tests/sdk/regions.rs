//! Regions: a key exists in the region it was created in and nowhere else. Lookups by id or
//! ARN, listings, management calls and ciphertexts taken to another region all fail as AWS
//! fails them.

use aws_sdk_kms::types::Tag;
use trent_server::RawConfig;

use crate::common::{TestServer, blob, expect_code};

async fn two_regions() -> TestServer {
    let regions = Some(vec!["us-east-1".into(), "eu-west-1".into()]);
    TestServer::start_with(RawConfig { regions, ..Default::default() }).await
}

#[tokio::test]
async fn a_key_is_not_found_from_another_region() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    assert!(arn.starts_with("arn:aws:kms:us-east-1:"), "{arn}");
    let m = expect_code(west.describe_key().key_id(&id).send().await, "NotFoundException");
    assert!(m.contains(&id), "{m}");
    expect_code(west.describe_key().key_id(&arn).send().await, "NotFoundException");
    expect_code(west.encrypt().key_id(&id).plaintext(blob(b"x")).send().await, "NotFoundException");
    expect_code(west.encrypt().key_id(&arn).plaintext(blob(b"x")).send().await, "NotFoundException");
    expect_code(west.disable_key().key_id(&id).send().await, "NotFoundException");
    expect_code(west.schedule_key_deletion().key_id(&arn).send().await, "NotFoundException");
    expect_code(west.enable_key_rotation().key_id(&id).send().await, "NotFoundException");
    let tag = Tag::builder().tag_key("k").tag_value("v").build().unwrap();
    expect_code(west.tag_resource().key_id(&arn).tags(tag).send().await, "NotFoundException");
    expect_code(west.list_resource_tags().key_id(&id).send().await, "NotFoundException");
    // Nothing from the other region touched the key.
    let m = east.describe_key().key_id(&id).send().await.unwrap();
    assert!(m.key_metadata().unwrap().enabled());
    assert!(east.list_resource_tags().key_id(&id).send().await.unwrap().tags().is_empty());
    assert!(!east.get_key_rotation_status().key_id(&id).send().await.unwrap().key_rotation_enabled());
}

#[tokio::test]
async fn each_region_lists_its_own_keys() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let east_ids = vec![server.new_key().await, server.new_key().await];
    let created = west.create_key().send().await.unwrap();
    let m = created.key_metadata().unwrap();
    let west_id = m.key_id().to_owned();
    let account = m.aws_account_id().unwrap();
    assert_eq!(m.arn().unwrap(), format!("arn:aws:kms:eu-west-1:{account}:key/{west_id}"));
    assert_eq!(server.describe(&east_ids[0]).await.aws_account_id(), Some(account), "one account, two regions");
    // Listed in the order created.
    let listed = |out: aws_sdk_kms::operation::list_keys::ListKeysOutput| {
        out.keys().iter().map(|k| (k.key_id().unwrap().to_owned(), k.key_arn().unwrap().to_owned())).collect::<Vec<_>>()
    };
    let in_east = listed(east.list_keys().send().await.unwrap());
    assert_eq!(in_east.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(), east_ids);
    assert!(in_east.iter().all(|(_, arn)| arn.contains(":us-east-1:")));
    let in_west = listed(west.list_keys().send().await.unwrap());
    assert_eq!(in_west, [(west_id.clone(), m.arn().unwrap().to_owned())]);
    expect_code(east.describe_key().key_id(&west_id).send().await, "NotFoundException");
}

#[tokio::test]
async fn a_ciphertext_does_not_decrypt_in_another_region() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let id = server.new_key().await;
    let out = east.encrypt().key_id(&id).plaintext(blob(b"stays home")).send().await.unwrap();
    let ciphertext = out.ciphertext_blob().unwrap().clone();
    let r = west.decrypt().ciphertext_blob(ciphertext.clone()).send().await;
    assert_eq!(expect_code(r, "InvalidCiphertextException"), "");
    let west_key = west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let r = west.re_encrypt().ciphertext_blob(ciphertext.clone()).destination_key_id(&west_key).send().await;
    expect_code(r, "InvalidCiphertextException");
    // Naming the home key from the other region is not found, rather than incorrect.
    let r = west.decrypt().ciphertext_blob(ciphertext.clone()).key_id(server.key_arn(&id).await).send().await;
    expect_code(r, "NotFoundException");
    // At home it still decrypts.
    let back = east.decrypt().ciphertext_blob(ciphertext).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref(), b"stays home");
    // And the other way round.
    let there = west.encrypt().key_id(&west_key).plaintext(blob(b"west")).send().await.unwrap();
    let r = east.decrypt().ciphertext_blob(there.ciphertext_blob().unwrap().clone()).send().await;
    expect_code(r, "InvalidCiphertextException");
}

#[tokio::test]
async fn the_scheduler_and_rotation_act_per_region() {
    let regions = Some(vec!["us-east-1".into(), "eu-west-1".into()]);
    let raw = RawConfig { regions, ..crate::common::quiet_scheduler() };
    let server = TestServer::start_with(raw).await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let east_key = server.new_key().await;
    let west_key = west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let east_material = server.current_material(&east_key).await;
    west.schedule_key_deletion().key_id(&west_key).pending_window_in_days(7).send().await.unwrap();
    east.enable_key_rotation().key_id(&east_key).rotation_period_in_days(90).send().await.unwrap();
    // A region's key state says nothing about the other region's keys.
    let r = east.schedule_key_deletion().key_id(&west_key).send().await;
    expect_code(r, "NotFoundException");
    server.clock.advance(time::Duration::days(8));
    let done = server.run_scheduler().await;
    assert_eq!((done.deleted, done.rotated), (1, 0));
    expect_code(west.describe_key().key_id(&west_key).send().await, "NotFoundException");
    assert!(west.list_keys().send().await.unwrap().keys().is_empty());
    assert_eq!(east.list_keys().send().await.unwrap().keys().len(), 1);
    server.clock.advance(time::Duration::days(90));
    let done = server.run_scheduler().await;
    assert_eq!((done.deleted, done.rotated), (0, 1));
    assert_ne!(server.current_material(&east_key).await, east_material);
    expect_code(west.list_key_rotations().key_id(&east_key).send().await, "NotFoundException");
    let rotations = east.list_key_rotations().key_id(&east_key).send().await.unwrap();
    assert_eq!(rotations.rotations().len(), 1);
}

#[tokio::test]
async fn only_the_listed_regions_are_hosted() {
    let server = two_regions().await;
    for region in ["us-east-1", "eu-west-1"] {
        server.client_in(region).list_keys().send().await.unwrap();
    }
    for region in ["ap-south-1", "us-west-2", "cn-north-1"] {
        let r = server.client_in(region).list_keys().send().await;
        assert_eq!(expect_code(r, "InvalidSignatureException"), "Credential should be scoped to a valid region.");
    }
}

#[tokio::test]
async fn data_keys_and_aliases_stay_in_their_region() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let id = server.new_key().await;
    east.create_alias().alias_name("alias/data").target_key_id(&id).send().await.unwrap();
    let dk = east.generate_data_key().key_id("alias/data").number_of_bytes(32).send().await.unwrap();
    let without = east.generate_data_key_without_plaintext().key_id(&id).number_of_bytes(32).send().await.unwrap();
    for ciphertext in [dk.ciphertext_blob().unwrap(), without.ciphertext_blob().unwrap()] {
        let r = west.decrypt().ciphertext_blob(ciphertext.clone()).send().await;
        expect_code(r, "InvalidCiphertextException");
        let home = east.decrypt().ciphertext_blob(ciphertext.clone()).send().await.unwrap();
        assert_eq!(home.plaintext().unwrap().as_ref().len(), 32);
    }
    let r = west.generate_data_key().key_id("alias/data").number_of_bytes(32).send().await;
    expect_code(r, "NotFoundException");
    let alias_arn = server.key_arn(&id).await.replace(&format!("key/{id}"), "alias/data");
    let r = west.generate_data_key().key_id(&alias_arn).number_of_bytes(32).send().await;
    expect_code(r, "NotFoundException");
}
