//! Multi-Region keys with two hosted regions: `mrk-` ids, ReplicateKey, ciphertexts that
//! decrypt with the replica in the other region, MultiRegionConfiguration, UpdatePrimaryRegion,
//! rotation of a primary reaching its replicas, and the deletion rules (a primary with replicas
//! waits in PendingReplicaDeletion).

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyMetadata, KeyState, MultiRegionKeyType, Tag};
use serde_json::json;
use trent_core::Clock;
use trent_server::RawConfig;

use crate::common::{TestServer, blob, expect_code};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn two_regions() -> TestServer {
    let regions = Some(vec![EAST.into(), WEST.into()]);
    TestServer::start_with(RawConfig { regions, ..Default::default() }).await
}

async fn describe(kms: &Client, id: &str) -> KeyMetadata {
    kms.describe_key().key_id(id).send().await.expect("describe").key_metadata().expect("metadata").clone()
}

/// `(role, primary region, replica regions)` of a key's MultiRegionConfiguration.
fn roles(m: &KeyMetadata) -> (MultiRegionKeyType, String, Vec<String>) {
    let c = m.multi_region_configuration().expect("MultiRegionConfiguration");
    let primary = c.primary_key().and_then(|p| p.region()).unwrap_or_default().to_owned();
    let replicas = c.replica_keys().iter().filter_map(|r| r.region().map(str::to_owned)).collect();
    (c.multi_region_key_type().expect("type").clone(), primary, replicas)
}

/// A multi-Region primary key in `us-east-1` with a replica in `eu-west-1`.
async fn replicated(server: &TestServer) -> String {
    let east = server.client();
    let created = east.create_key().multi_region(true).send().await.unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    east.replicate_key().key_id(&id).replica_region(WEST).send().await.unwrap();
    id
}

async fn round_trip(from: &Client, to: &Client, id: &str, data: &[u8]) {
    let ct = from.encrypt().key_id(id).plaintext(blob(data)).send().await.unwrap();
    let ct = ct.ciphertext_blob().unwrap().clone();
    let back = to.decrypt().ciphertext_blob(ct.clone()).send().await.unwrap();
    assert_eq!(back.plaintext().unwrap().as_ref(), data);
    let named = to.decrypt().ciphertext_blob(ct).key_id(id).send().await.unwrap();
    assert_eq!(named.plaintext().unwrap().as_ref(), data);
}

#[tokio::test]
async fn a_replica_shares_id_and_material_and_keeps_its_own_properties() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let created = east.create_key().multi_region(true).description("primary").send().await.unwrap();
    let primary = created.key_metadata().unwrap();
    let id = primary.key_id().to_owned();
    assert!(id.starts_with("mrk-") && id.len() == 36 && !id[4..].contains('-'), "{id}");
    assert!(primary.multi_region().unwrap());
    assert_eq!(roles(primary), (MultiRegionKeyType::Primary, EAST.to_owned(), vec![]));

    let tag = Tag::builder().tag_key("team").tag_value("west").build().unwrap();
    let out =
        east.replicate_key().key_id(&id).replica_region(WEST).description("replica").tags(tag).send().await.unwrap();
    let replica = out.replica_key_metadata().unwrap();
    assert_eq!(replica.key_id(), id, "the same key id in both regions");
    assert_eq!(replica.arn().unwrap(), primary.arn().unwrap().replace(EAST, WEST));
    assert_eq!(replica.description(), Some("replica"));
    assert_eq!(replica.key_state(), Some(&KeyState::Enabled));
    assert_eq!(roles(replica), (MultiRegionKeyType::Replica, EAST.to_owned(), vec![WEST.to_owned()]));
    assert_eq!(replica.current_key_material_id(), primary.current_key_material_id());
    let policy: serde_json::Value = serde_json::from_str(out.replica_policy().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        json!(format!("arn:aws:iam::{}:root", server.account().await))
    );
    assert_eq!(out.replica_tags()[0].tag_value(), "west");
    // Each region describes its own copy; the primary now lists its replica.
    assert_eq!(
        roles(&describe(&east, &id).await),
        (MultiRegionKeyType::Primary, EAST.to_owned(), vec![WEST.to_owned()])
    );
    assert_eq!(describe(&east, &id).await.description(), Some("primary"));
    assert_eq!(describe(&west, &id).await.description(), Some("replica"));
    assert!(east.list_resource_tags().key_id(&id).send().await.unwrap().tags().is_empty());

    // Ciphertexts cross regions in both directions, with and without naming the key.
    round_trip(&east, &west, &id, b"made in the east").await;
    round_trip(&west, &east, &id, b"made in the west").await;

    // The state is each copy's own.
    west.disable_key().key_id(&id).send().await.unwrap();
    let ct = east.encrypt().key_id(&id).plaintext(blob(b"x")).send().await.unwrap().ciphertext_blob().unwrap().clone();
    expect_code(west.decrypt().ciphertext_blob(ct).send().await, "DisabledException");
    west.enable_key().key_id(&id).send().await.unwrap();
}

#[tokio::test]
async fn replicate_key_refuses_what_aws_refuses() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let id = replicated(&server).await;
    let m = expect_code(east.replicate_key().key_id(&id).replica_region(WEST).send().await, "AlreadyExistsException");
    assert!(m.contains(&format!(":{WEST}:")), "{m}");
    expect_code(east.replicate_key().key_id(&id).replica_region(EAST).send().await, "ValidationException");
    let m = expect_code(
        east.replicate_key().key_id(&id).replica_region("ap-south-1").send().await,
        "UnsupportedOperationException",
    );
    assert!(m.contains("ap-south-1"), "{m}");
    // Only a primary replicates, and only from its own region.
    expect_code(west.replicate_key().key_id(&id).replica_region(EAST).send().await, "UnsupportedOperationException");
    let single = server.new_key().await;
    expect_code(
        east.replicate_key().key_id(&single).replica_region(WEST).send().await,
        "UnsupportedOperationException",
    );
    expect_code(east.replicate_key().key_id("alias/none").replica_region(WEST).send().await, "NotFoundException");
    let ghost = "mrk-0123456789abcdef0123456789abcdef";
    expect_code(east.replicate_key().key_id(ghost).replica_region(WEST).send().await, "NotFoundException");
    // A replica's policy goes through the lockout check as CreateKey's does.
    let fresh = east.create_key().multi_region(true).send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let locked = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let r = east.replicate_key().key_id(&fresh).replica_region(WEST).policy(locked).send().await;
    expect_code(r, "MalformedPolicyDocumentException");
    expect_code(west.describe_key().key_id(&fresh).send().await, "NotFoundException");
}

#[tokio::test]
async fn region_members_are_bounded() {
    let server = two_regions().await;
    let east = server.client();
    let id = replicated(&server).await;
    for (region, rule) in [
        ("a".repeat(33), "Member must have length less than or equal to 32".to_owned()),
        ("!".to_owned(), "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$".to_owned()),
        ("us-east".to_owned(), "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$".to_owned()),
    ] {
        let m =
            expect_code(east.replicate_key().key_id(&id).replica_region(&region).send().await, "ValidationException");
        assert_eq!(
            m,
            format!(
                "1 validation error detected: Value '{region}' at 'replicaRegion' failed to satisfy constraint: {rule}"
            )
        );
        let m = expect_code(
            east.update_primary_region().key_id(&id).primary_region(&region).send().await,
            "ValidationException",
        );
        assert_eq!(
            m,
            format!(
                "1 validation error detected: Value '{region}' at 'primaryRegion' failed to satisfy constraint: {rule}"
            )
        );
    }
}

#[tokio::test]
async fn the_primary_moves_rotation_reaches_replicas_and_replicas_are_deleted_first() {
    let server = two_regions().await;
    let (east, west) = (server.client(), server.client_in(WEST));
    let id = replicated(&server).await;

    // Rotation is the primary's: its new backing key reaches the replica, settings too.
    expect_code(west.enable_key_rotation().key_id(&id).send().await, "UnsupportedOperationException");
    expect_code(west.rotate_key_on_demand().key_id(&id).send().await, "UnsupportedOperationException");
    east.enable_key_rotation().key_id(&id).rotation_period_in_days(90).send().await.unwrap();
    let status = west.get_key_rotation_status().key_id(&id).send().await.unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(90));
    let before = describe(&west, &id).await.current_key_material_id().unwrap().to_owned();
    east.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let (after_east, after_west) = (describe(&east, &id).await, describe(&west, &id).await);
    assert_ne!(after_west.current_key_material_id(), Some(before.as_str()));
    assert_eq!(after_west.current_key_material_id(), after_east.current_key_material_id());
    round_trip(&east, &west, &id, b"after rotation").await;
    // The automatic rotation of the primary reaches the replica too.
    server.clock.advance(time::Duration::days(91));
    server.run_scheduler().await;
    let (east_now, west_now) = (describe(&east, &id).await, describe(&west, &id).await);
    assert_ne!(east_now.current_key_material_id(), after_east.current_key_material_id());
    assert_eq!(west_now.current_key_material_id(), east_now.current_key_material_id());

    // UpdatePrimaryRegion swaps the roles.
    expect_code(
        west.update_primary_region().key_id(&id).primary_region(EAST).send().await,
        "UnsupportedOperationException",
    );
    let r = east.update_primary_region().key_id(&id).primary_region("ap-south-1").send().await;
    expect_code(r, "UnsupportedOperationException");
    east.update_primary_region().key_id(&id).primary_region(WEST).send().await.unwrap();
    assert_eq!(
        roles(&describe(&west, &id).await),
        (MultiRegionKeyType::Primary, WEST.to_owned(), vec![EAST.to_owned()])
    );
    assert_eq!(
        roles(&describe(&east, &id).await),
        (MultiRegionKeyType::Replica, WEST.to_owned(), vec![EAST.to_owned()])
    );
    expect_code(east.replicate_key().key_id(&id).replica_region(WEST).send().await, "UnsupportedOperationException");
    round_trip(&west, &east, &id, b"after the move").await;

    // The primary with a replica waits for it: PendingReplicaDeletion, no deletion date yet.
    let out = west.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(out.deletion_date().is_none());
    let m = describe(&west, &id).await;
    assert_eq!((m.key_state(), m.deletion_date()), (Some(&KeyState::PendingReplicaDeletion), None));
    expect_code(west.encrypt().key_id(&id).plaintext(blob(b"x")).send().await, "KMSInvalidStateException");
    round_trip(&east, &east, &id, b"the replica still works").await;
    // It can be cancelled like any pending deletion, and scheduled again.
    west.cancel_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(describe(&west, &id).await.key_state(), Some(&KeyState::Disabled));
    west.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    // The replica goes first; then the primary's own waiting period starts.
    let out = east.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    server.clock.advance(time::Duration::days(8));
    assert_eq!(server.run_scheduler().await.deleted, 1, "only the replica is due");
    expect_code(east.describe_key().key_id(&id).send().await, "NotFoundException");
    let m = describe(&west, &id).await;
    assert_eq!(m.key_state(), Some(&KeyState::PendingDeletion));
    let due = m.deletion_date().expect("a deletion date now").secs();
    let now = server.clock.now().unix_timestamp();
    assert!((due - now - 7 * 86_400).abs() <= 1, "the waiting period starts when the replica is gone");
    assert!(roles(&m).2.is_empty());
    server.clock.advance(time::Duration::days(8));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    expect_code(west.describe_key().key_id(&id).send().await, "NotFoundException");
}

#[tokio::test]
async fn update_primary_region_needs_a_replica_there() {
    let server = two_regions().await;
    let east = server.client();
    let created = east.create_key().multi_region(true).send().await.unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    expect_code(east.update_primary_region().key_id(&id).primary_region(WEST).send().await, "NotFoundException");
    expect_code(east.update_primary_region().key_id(&id).primary_region(EAST).send().await, "ValidationException");
    let single = server.new_key().await;
    let r = east.update_primary_region().key_id(&single).primary_region(WEST).send().await;
    expect_code(r, "UnsupportedOperationException");
    assert_eq!(roles(&describe(&east, &id).await).0, MultiRegionKeyType::Primary);
}

#[tokio::test]
async fn replication_and_promotion_are_recorded_with_both_keys() {
    let server = two_regions().await;
    let id = replicated(&server).await;
    let east_arn = describe(&server.client(), &id).await.arn().unwrap().to_owned();
    let west_arn = east_arn.replace(EAST, WEST);
    server.client().update_primary_region().key_id(&id).primary_region(WEST).send().await.unwrap();
    let page = crate::audit_trail::lookup(&server, r#"{"MaxResults":50}"#).await;
    let all = crate::audit_trail::records(&page);
    let replicate = all.iter().find(|r| r["eventName"] == "ReplicateKey").expect("ReplicateKey recorded");
    assert_eq!(replicate["requestParameters"]["keyId"], json!(id));
    assert_eq!(replicate["requestParameters"]["replicaRegion"], json!(WEST));
    assert_eq!(replicate["awsRegion"], json!(EAST));
    let arns: Vec<&str> = replicate["resources"].as_array().unwrap().iter().filter_map(|r| r["ARN"].as_str()).collect();
    assert!(arns.contains(&east_arn.as_str()) && arns.contains(&west_arn.as_str()), "{arns:?}");
    assert_eq!(replicate["responseElements"]["replicaKeyMetadata"]["arn"], json!(west_arn));
    let moved = all.iter().find(|r| r["eventName"] == "UpdatePrimaryRegion").expect("UpdatePrimaryRegion recorded");
    assert_eq!(moved["requestParameters"]["primaryRegion"], json!(WEST));
    assert!(moved["errorCode"].is_null());
}

/// `kms:ReplicaRegion` and `kms:PrimaryRegion` say where a key may be replicated and moved.
#[tokio::test]
async fn policies_can_name_the_regions_a_key_may_reach() {
    let regions = Some(vec![EAST.into(), WEST.into(), "ap-south-1".into()]);
    let server = TestServer::start_with(RawConfig { regions, ..Default::default() }).await;
    let created = server.client().create_key().multi_region(true).send().await.unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:ReplicateKey","kms:CreateKey"],"Resource":"*","Condition":{"StringEquals":{"kms:ReplicaRegion":"ap-south-1"}}},{"Effect":"Allow","Action":"kms:UpdatePrimaryRegion","Resource":"*","Condition":{"StringEquals":{"kms:PrimaryRegion":"ap-south-1"}}}]}"#;
    let user = server.user_with_policy("replicator", Some(policy)).await;
    let kms = server.kms(&user);
    let m = expect_code(kms.replicate_key().key_id(&id).replica_region(WEST).send().await, "AccessDeniedException");
    assert!(m.contains("kms:ReplicateKey"), "{m}");
    kms.replicate_key().key_id(&id).replica_region("ap-south-1").send().await.unwrap();
    server.client().replicate_key().key_id(&id).replica_region(WEST).send().await.unwrap();
    let r = kms.update_primary_region().key_id(&id).primary_region(WEST).send().await;
    expect_code(r, "AccessDeniedException");
    kms.update_primary_region().key_id(&id).primary_region("ap-south-1").send().await.unwrap();
    let south = describe(&server.client_in("ap-south-1"), &id).await;
    let (role, primary, mut replicas) = roles(&south);
    replicas.sort();
    assert_eq!(
        (role, primary, replicas),
        (MultiRegionKeyType::Primary, "ap-south-1".to_owned(), vec![WEST.to_owned(), EAST.to_owned()])
    );
}
