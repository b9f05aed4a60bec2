//! Multi-Region secrets (issue 10) with two hosted regions: a replica made by CreateSecret's
//! AddReplicaRegions or ReplicateSecretToRegions holds every version of its primary under a
//! key of its own region, follows every change, refuses writes, shows PrimaryRegion and
//! ReplicationStatus; a replica whose key is disabled shows Failed and catches up on the next
//! change, or in the background once its retry time passes on the moved clock;
//! RemoveRegionsFromReplication deletes it; StopReplicationToReplica promotes it. A replica's
//! customer managed key must allow kms:Encrypt as well as kms:GenerateDataKey.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::types::{ReplicaRegionType, StatusType};
use aws_smithy_async::time::SharedTimeSource;
use trent_core::Clock as _;
use trent_server::RawConfig;

use super::{err_code, service_kms_calls};
use crate::common::{SdkClock, TestServer};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn two_regions() -> TestServer {
    let regions = Some(vec![EAST.into(), WEST.into()]);
    TestServer::start_with(RawConfig { regions, ..Default::default() }).await
}

/// A Secrets Manager client for the administrator in `region`.
fn secrets_in(server: &TestServer, region: &str) -> Client {
    let creds =
        aws_credential_types::Credentials::new(&server.access_key_id, &server.secret_access_key, None, None, "t");
    let conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(format!("http://{}", server.addr))
        .credentials_provider(creds)
        .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
        .time_source(SharedTimeSource::new(SdkClock::new(server.clock.clone())))
        .build();
    Client::from_conf(conf)
}

fn west(kms_key_id: Option<&str>) -> ReplicaRegionType {
    ReplicaRegionType::builder().region(WEST).set_kms_key_id(kms_key_id.map(str::to_owned)).build()
}

async fn value(sm: &Client, id: &str) -> String {
    let out = sm.get_secret_value().secret_id(id).send().await.unwrap_or_else(|e| panic!("GetSecretValue {id}: {e:?}"));
    out.secret_string().unwrap().to_owned()
}

#[tokio::test]
async fn a_replica_follows_its_primary_refuses_writes_and_is_promoted() {
    let server = two_regions().await;
    let (east, west_sm, kms_west) = (server.secrets(), secrets_in(&server, WEST), server.client_in(WEST));
    let out = east.create_secret().name("app/db").secret_string("v1").add_replica_regions(west(None)).send().await;
    let out = out.unwrap();
    assert_eq!(out.replication_status().len(), 1);
    assert_eq!(out.replication_status()[0].status(), Some(&StatusType::InSync));
    let arn = out.arn().unwrap().to_owned();
    let west_arn = arn.replace(EAST, WEST);
    assert_eq!(value(&west_sm, "app/db").await, "v1");
    assert_eq!(value(&west_sm, &west_arn).await, "v1");

    // Every new version of the primary reaches the replica, with its labels.
    east.put_secret_value().secret_id("app/db").secret_string("v2").send().await.unwrap();
    east.update_secret().secret_id("app/db").description("the database").send().await.unwrap();
    assert_eq!(value(&west_sm, "app/db").await, "v2");
    let previous = west_sm.get_secret_value().secret_id("app/db").version_stage("AWSPREVIOUS").send().await;
    assert_eq!(previous.unwrap().secret_string(), Some("v1"));
    let d = west_sm.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!((d.primary_region(), d.description()), (Some(EAST), Some("the database")));
    let d = east.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.primary_region(), Some(EAST));
    let status = &d.replication_status()[0];
    assert_eq!((status.region(), status.status()), (Some(WEST), Some(&StatusType::InSync)));
    let listed = west_sm.list_secrets().send().await.unwrap();
    assert_eq!(listed.secret_list()[0].primary_region(), Some(EAST));

    // The replica's versions are sealed under its own region's aws/secretsmanager.
    let managed = kms_west.describe_key().key_id("alias/aws/secretsmanager").send().await.unwrap();
    let managed = managed.key_metadata().unwrap().arn().unwrap().to_owned();
    let versions = west_sm.list_secret_version_ids().secret_id("app/db").send().await.unwrap();
    assert_eq!(versions.versions().len(), 2);
    assert!(versions.versions().iter().all(|v| v.kms_key_ids() == [managed.clone()]), "{versions:?}");

    // Read-only in its region; the primary cannot be deleted while it has replicas.
    let invalid = "InvalidRequestException";
    assert_eq!(err_code(west_sm.put_secret_value().secret_id("app/db").secret_string("x").send().await), invalid);
    assert_eq!(err_code(west_sm.update_secret().secret_id("app/db").description("d").send().await), invalid);
    assert_eq!(err_code(west_sm.delete_secret().secret_id("app/db").send().await), invalid);
    assert_eq!(
        err_code(
            west_sm
                .replicate_secret_to_regions()
                .secret_id("app/db")
                .add_replica_regions(ReplicaRegionType::builder().region(EAST).build())
                .send()
                .await
        ),
        invalid
    );
    assert_eq!(err_code(east.delete_secret().secret_id("app/db").send().await), invalid);
    assert_eq!(err_code(east.stop_replication_to_replica().secret_id("app/db").send().await), invalid);

    // Promoted: a standalone secret in its region, which the primary no longer updates.
    let promoted = west_sm.stop_replication_to_replica().secret_id("app/db").send().await.unwrap();
    assert_eq!(promoted.arn(), Some(west_arn.as_str()));
    west_sm.put_secret_value().secret_id("app/db").secret_string("west's own").send().await.unwrap();
    east.put_secret_value().secret_id("app/db").secret_string("v3").send().await.unwrap();
    assert_eq!(value(&west_sm, "app/db").await, "west's own");
    let d = east.describe_secret().secret_id("app/db").send().await.unwrap();
    assert!(d.replication_status().is_empty() && d.primary_region().is_none());
    assert!(west_sm.describe_secret().secret_id("app/db").send().await.unwrap().primary_region().is_none());
    east.delete_secret().secret_id("app/db").force_delete_without_recovery(true).send().await.unwrap();
}

#[tokio::test]
async fn a_replica_under_a_disabled_key_fails_then_catches_up_and_is_removed() {
    let server = two_regions().await;
    let (east, west_sm, kms_west) = (server.secrets(), secrets_in(&server, WEST), server.client_in(WEST));
    let key = kms_west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    east.create_secret().name("s").secret_string("one").send().await.unwrap();
    let out = east.replicate_secret_to_regions().secret_id("s").add_replica_regions(west(Some(&key))).send().await;
    let out = out.unwrap();
    let status = &out.replication_status()[0];
    assert_eq!((status.status(), status.kms_key_id()), (Some(&StatusType::InSync), Some(key.as_str())));
    assert_eq!(value(&west_sm, "s").await, "one");

    kms_west.disable_key().key_id(&key).send().await.unwrap();
    east.put_secret_value().secret_id("s").secret_string("two").send().await.unwrap();
    let d = east.describe_secret().secret_id("s").send().await.unwrap();
    let status = &d.replication_status()[0];
    assert_eq!(status.status(), Some(&StatusType::Failed));
    assert!(status.status_message().is_some_and(|m| m.contains("KMS key")), "{status:?}");
    assert_eq!(err_code(west_sm.get_secret_value().secret_id("s").send().await), "DecryptionFailure");
    kms_west.enable_key().key_id(&key).send().await.unwrap();
    assert_eq!(value(&west_sm, "s").await, "one", "behind until the next change");
    east.put_secret_value().secret_id("s").secret_string("three").send().await.unwrap();
    assert_eq!(value(&west_sm, "s").await, "three");
    let d = east.describe_secret().secret_id("s").send().await.unwrap();
    assert_eq!(d.replication_status()[0].status(), Some(&StatusType::InSync));

    // Regions that cannot take a replica.
    let bad = "InvalidParameterException";
    for region in [EAST, WEST, "ap-south-1", "nowhere"] {
        let r = ReplicaRegionType::builder().region(region).build();
        let got = east.replicate_secret_to_regions().secret_id("s").add_replica_regions(r).send().await;
        assert_eq!(err_code(got), bad, "{region}");
    }

    // A standalone secret holding the name: Failed, unless overwriting is asked for.
    west_sm.create_secret().name("taken").secret_string("west").send().await.unwrap();
    let out = east.create_secret().name("taken").secret_string("east").add_replica_regions(west(None)).send().await;
    let out = out.unwrap();
    let status = &out.replication_status()[0];
    assert_eq!(status.status(), Some(&StatusType::Failed));
    assert_eq!(status.status_message(), Some("Secret with this name already exists in this region"), "AWS's words");
    assert_eq!(value(&west_sm, "taken").await, "west");
    east.remove_regions_from_replication().secret_id("taken").remove_replica_regions(WEST).send().await.unwrap();
    assert_eq!(value(&west_sm, "taken").await, "west", "not a replica: left alone");
    let out = east
        .replicate_secret_to_regions()
        .secret_id("taken")
        .add_replica_regions(west(None))
        .force_overwrite_replica_secret(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.replication_status()[0].status(), Some(&StatusType::InSync));
    assert_eq!(value(&west_sm, "taken").await, "east");

    // Removal deletes the replica at once.
    let out = east.remove_regions_from_replication().secret_id("s").remove_replica_regions(WEST).send().await;
    assert!(out.unwrap().replication_status().is_empty());
    assert_eq!(err_code(west_sm.describe_secret().secret_id("s").send().await), "ResourceNotFoundException");
    let again = east.remove_regions_from_replication().secret_id("s").remove_replica_regions(WEST).send().await;
    assert_eq!(err_code(again), bad);
}

/// Regression (issue 10): a replica's customer managed key needed only kms:GenerateDataKey,
/// where AWS's `ReplicateSecretToRegions` reference asks for kms:GenerateDataKey and kms:Encrypt.
/// A user allowed the first through Secrets Manager but not the second gets a `Failed` replica,
/// from `CreateSecret` with `AddReplicaRegions` as from `ReplicateSecretToRegions`; allowed both
/// (through Secrets Manager only: `kms:ViaService`), the next change brings it `InSync`.
#[tokio::test]
async fn a_replicas_customer_managed_key_needs_encrypt_as_well_as_generate_data_key() {
    let server = two_regions().await;
    let kms_west = server.client_in(WEST);
    let key = kms_west.create_key().send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    let policy = |on_replica_key: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}},{{"Effect":"Allow","Action":{on_replica_key},"Resource":"{key}","Condition":{{"StringEquals":{{"kms:ViaService":"secretsmanager.{WEST}.amazonaws.com"}}}}}}]}}"#
        )
    };
    let creds = server.user_with_policy("replicator", Some(&policy(r#"["kms:GenerateDataKey"]"#))).await;
    let sm = server.secrets_with(&creds.id, &creds.secret);
    let failed = |status: &aws_sdk_secretsmanager::types::ReplicationStatusType| {
        assert_eq!(status.status(), Some(&StatusType::Failed), "{status:?}");
        assert!(status.status_message().is_some_and(|m| m.contains("KMS key")), "{status:?}");
    };

    let out = sm.create_secret().name("made").secret_string("one").add_replica_regions(west(Some(&key))).send().await;
    failed(&out.unwrap().replication_status()[0]);
    sm.create_secret().name("later").secret_string("one").send().await.unwrap();
    let out = sm.replicate_secret_to_regions().secret_id("later").add_replica_regions(west(Some(&key))).send().await;
    failed(&out.unwrap().replication_status()[0]);
    // The region's AWS managed key is not asked for kms:Encrypt by this check (its own policy
    // allows it through Secrets Manager anyway).
    let out = sm.create_secret().name("managed").secret_string("one").add_replica_regions(west(None)).send().await;
    assert_eq!(out.unwrap().replication_status()[0].status(), Some(&StatusType::InSync));

    let iam = server.iam(&server.admin_creds());
    let both = policy(r#"["kms:GenerateDataKey","kms:Encrypt"]"#);
    let put = iam.put_user_policy().user_name("replicator").policy_name("inline").policy_document(both);
    put.send().await.expect("put policy");
    let west_sm = secrets_in(&server, WEST);
    for name in ["made", "later"] {
        sm.put_secret_value().secret_id(name).secret_string("two").send().await.unwrap();
        let d = sm.describe_secret().secret_id(name).send().await.unwrap();
        assert_eq!(d.replication_status()[0].status(), Some(&StatusType::InSync), "{name}: {d:?}");
        assert_eq!(value(&west_sm, name).await, "two", "{name}");
    }
}

/// A Failed replica is tried again by the scheduler's pass, with a backoff, without any change
/// of the primary.
#[tokio::test]
async fn a_failed_replica_is_retried_in_the_background_once_its_retry_time_passes() {
    let server = two_regions().await;
    let (east, west_sm, kms_west) = (server.secrets(), secrets_in(&server, WEST), server.client_in(WEST));
    let key = kms_west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let out = east.create_secret().name("bg").secret_string("one").add_replica_regions(west(Some(&key))).send().await;
    assert_eq!(out.unwrap().replication_status()[0].status(), Some(&StatusType::InSync));
    let retry = || async { server.state.secrets.retry_replication().await.unwrap() };
    let status = || async {
        let d = east.describe_secret().secret_id("bg").send().await.unwrap();
        d.replication_status()[0].status().cloned().unwrap()
    };
    assert_eq!(retry().await.tried, 0, "nothing failed");

    kms_west.disable_key().key_id(&key).send().await.unwrap();
    east.put_secret_value().secret_id("bg").secret_string("two").send().await.unwrap();
    assert_eq!(status().await, StatusType::Failed);

    // Still disabled when its first retry comes (a minute later): it fails again, and the
    // next try waits two minutes.
    server.clock.advance(time::Duration::seconds(59));
    assert_eq!(retry().await.tried, 0, "not before its retry time");
    server.clock.advance(time::Duration::seconds(1));
    let done = retry().await;
    assert_eq!((done.tried, done.failed, done.in_sync), (1, 1, 0));
    assert_eq!(status().await, StatusType::Failed);

    kms_west.enable_key().key_id(&key).send().await.unwrap();
    server.clock.advance(time::Duration::seconds(119));
    assert_eq!(retry().await.tried, 0, "the second wait is two minutes");
    assert_eq!(value(&west_sm, "bg").await, "one", "behind until it is tried again");
    server.clock.advance(time::Duration::seconds(1));
    let done = retry().await;
    assert_eq!((done.tried, done.failed, done.in_sync), (1, 0, 1));
    assert_eq!(status().await, StatusType::InSync);
    assert_eq!(value(&west_sm, "bg").await, "two");
    let versions = east.list_secret_version_ids().secret_id("bg").send().await.unwrap();
    assert_eq!(versions.versions().len(), 2, "the primary did not change");
    server.clock.advance(time::Duration::hours(2));
    assert_eq!(retry().await.tried, 0, "in sync: nothing to retry");
}

/// Regression: a pass of background retries counted every replica of a primary it tried,
/// those already in sync too, so the scheduler's `replica_retried`/`replica_recovered` metrics
/// counted a healthy replica each time its sibling was retried. Only the replicas that were
/// `Failed` count.
#[tokio::test]
async fn a_retry_counts_only_the_replicas_that_had_failed() {
    const SOUTH: &str = "ap-south-1";
    let regions = Some(vec![EAST.into(), WEST.into(), SOUTH.into()]);
    let server = TestServer::start_with(RawConfig { regions, ..Default::default() }).await;
    let (east, kms_west) = (server.secrets(), server.client_in(WEST));
    let key = kms_west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let south = ReplicaRegionType::builder().region(SOUTH).build();
    let out = east.create_secret().name("two").secret_string("one").add_replica_regions(west(Some(&key)));
    out.add_replica_regions(south).send().await.unwrap();
    kms_west.disable_key().key_id(&key).send().await.unwrap();
    east.put_secret_value().secret_id("two").secret_string("two").send().await.unwrap();
    let statuses = || async {
        let d = east.describe_secret().secret_id("two").send().await.unwrap();
        d.replication_status()
            .iter()
            .map(|r| (r.region().unwrap().to_owned(), r.status().cloned().unwrap()))
            .collect::<Vec<_>>()
    };
    let failed_west = vec![(WEST.to_owned(), StatusType::Failed), (SOUTH.to_owned(), StatusType::InSync)];
    assert_eq!(statuses().await, failed_west);

    server.clock.advance(time::Duration::minutes(1));
    let done = server.state.secrets.retry_replication().await.unwrap();
    assert_eq!((done.tried, done.failed, done.in_sync), (1, 1, 0), "the replica in sync is not counted");
    kms_west.enable_key().key_id(&key).send().await.unwrap();
    server.clock.advance(time::Duration::minutes(2));
    let done = server.state.secrets.retry_replication().await.unwrap();
    assert_eq!((done.tried, done.failed, done.in_sync), (1, 0, 1), "one replica recovered");
    let in_sync: Vec<_> = failed_west.into_iter().map(|(r, _)| (r, StatusType::InSync)).collect();
    assert_eq!(statuses().await, in_sync);
}

/// The KMS calls of a replica's background retries are in the trail as the service's own
/// (issue 10): a `Decrypt` of the primary's version in its region and a `GenerateDataKey` under
/// the replica's key in the replica's region for each attempt, the refused one with its error;
/// the calls made for a caller's request keep the caller's identity.
#[tokio::test]
async fn the_kms_calls_of_background_replica_retries_are_recorded_as_the_service_s_own() {
    let server = two_regions().await;
    let (east, kms_west) = (server.secrets(), server.client_in(WEST));
    let key = kms_west.create_key().send().await.unwrap().key_metadata().unwrap().arn().unwrap().to_owned();
    let out = east.create_secret().name("bg").secret_string("one").add_replica_regions(west(Some(&key))).send().await;
    let primary_arn = out.unwrap().arn().unwrap().to_owned();
    let replica_arn = primary_arn.replace(EAST, WEST);
    kms_west.disable_key().key_id(&key).send().await.unwrap();
    east.put_secret_value().secret_id("bg").secret_string("two").send().await.unwrap();
    assert!(service_kms_calls(&server, WEST).await.is_empty(), "requests' calls are the caller's");
    assert!(service_kms_calls(&server, EAST).await.is_empty(), "requests' calls are the caller's");

    // A retry refused by the disabled key, then one that succeeds.
    server.clock.advance(time::Duration::minutes(1));
    assert_eq!(server.state.secrets.retry_replication().await.unwrap().failed, 1);
    kms_west.enable_key().key_id(&key).send().await.unwrap();
    server.clock.advance(time::Duration::minutes(2));
    assert_eq!(server.state.secrets.retry_replication().await.unwrap().in_sync, 1);

    let west_calls = service_kms_calls(&server, WEST).await;
    let summary: Vec<(&str, Option<&str>)> =
        west_calls.iter().map(|c| (c["eventName"].as_str().unwrap(), c["errorCode"].as_str())).collect();
    assert_eq!(summary, [("GenerateDataKey", Some("DisabledException")), ("GenerateDataKey", None)]);
    for call in &west_calls {
        assert_eq!(call["resources"][0]["ARN"], key.as_str(), "{call}");
        assert_eq!(call["requestParameters"]["encryptionContext"]["SecretARN"], replica_arn.as_str(), "{call}");
        assert_eq!(call["recipientAccountId"], server.account().await, "{call}");
    }
    let east_calls = service_kms_calls(&server, EAST).await;
    let names: Vec<&str> = east_calls.iter().map(|c| c["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Decrypt", "Decrypt"], "the primary's new version read for each attempt");
    for call in &east_calls {
        assert_eq!(call["requestParameters"]["encryptionContext"]["SecretARN"], primary_arn.as_str(), "{call}");
        assert!(call["errorCode"].is_null(), "{call}");
    }
    let text = format!("{west_calls:?}{east_calls:?}");
    assert!(!text.contains("\"two\"") && !text.contains("\"one\""), "no secret value in the trail");
}

/// Rotation is configured and run on the primary: a replica refuses `RotateSecret` and
/// `CancelRotateSecret`, and a rotation configured on the primary leaves the replica in sync.
#[tokio::test]
async fn a_replica_refuses_rotation_calls_and_follows_a_rotation_configured_on_its_primary() {
    let server = two_regions().await;
    let (east, west_sm) = (server.secrets(), secrets_in(&server, WEST));
    east.create_secret().name("app/db").secret_string("v1").add_replica_regions(west(None)).send().await.unwrap();
    let (code, message) = replica_message(west_sm.rotate_secret().secret_id("app/db").send().await.map(drop));
    assert_eq!(code, "InvalidRequestException");
    assert!(message.contains("replica secret"), "{message}");
    let (code, message) = replica_message(west_sm.cancel_rotate_secret().secret_id("app/db").send().await.map(drop));
    assert_eq!(code, "InvalidRequestException");
    assert!(message.contains("replica secret"), "{message}");

    let r = east.rotate_secret().secret_id("app/db").rotation_lambda_arn(super::rotation::PG_SINGLE_USER);
    r.rotate_immediately(false).send().await.unwrap();
    let d = east.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    assert_eq!(d.replication_status()[0].status(), Some(&StatusType::InSync));
    let d = west_sm.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.primary_region(), Some(EAST));
    assert_ne!(d.rotation_enabled(), Some(true), "the replica does not rotate on its own");
    assert_eq!(value(&west_sm, "app/db").await, "v1");
}

/// The code and message of an error expected from a call on a replica.
fn replica_message<T: std::fmt::Debug, E: aws_sdk_secretsmanager::error::ProvideErrorMetadata>(
    r: Result<T, E>,
) -> (String, String) {
    match r {
        Ok(out) => panic!("a rotation call on a replica succeeded: {out:?}"),
        Err(e) => (e.code().unwrap_or_default().to_owned(), e.message().unwrap_or_default().to_owned()),
    }
}

#[tokio::test]
async fn a_replica_read_in_its_region_shows_its_last_accessed_date_on_the_primary() {
    let server = two_regions().await;
    let (east, west_sm) = (server.secrets(), secrets_in(&server, WEST));
    east.create_secret().name("app/seen").secret_string("v1").add_replica_regions(west(None)).send().await.unwrap();
    let replica_date = |d: &aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput| {
        d.replication_status()[0].last_accessed_date().map(|t| t.secs())
    };
    let before = east.describe_secret().secret_id("app/seen").send().await.unwrap();
    assert_eq!(replica_date(&before), None, "a replica never read has no date");

    // Reading the primary dates the primary only; reading the replica dates the replica.
    value(&east, "app/seen").await;
    let primary_read = east.describe_secret().secret_id("app/seen").send().await.unwrap();
    assert!(primary_read.last_accessed_date().is_some());
    assert_eq!(replica_date(&primary_read), None);
    value(&west_sm, "app/seen").await;
    let d = east.describe_secret().secret_id("app/seen").send().await.unwrap();
    let day = server.clock.now().replace_time(time::Time::MIDNIGHT).unix_timestamp();
    assert_eq!(replica_date(&d), Some(day), "the day the replica was read, as AWS rounds it");
    let in_west = west_sm.describe_secret().secret_id("app/seen").send().await.unwrap();
    assert_eq!(in_west.last_accessed_date().map(|t| t.secs()), Some(day));
}
