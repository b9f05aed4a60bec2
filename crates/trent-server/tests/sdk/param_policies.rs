//! Parameter policies through `aws-sdk-ssm`: AWS's JSON shapes and their validation, the
//! Advanced tier they need, how `DescribeParameters` and `GetParameterHistory` show them,
//! and the scheduler applying them as the manual clock moves (notifications, then the
//! expiration deleting the parameter), each action leaving its EventBridge event in the
//! outbox.

use aws_sdk_ssm::types::{ParameterInlinePolicy, ParameterStringFilter, ParameterTier, ParameterType};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use trent_core::Clock;

use crate::common::{TestServer, expect_code};

fn expiration(at: OffsetDateTime) -> String {
    format!(
        r#"{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{}"}}}}"#,
        at.format(&Rfc3339).unwrap()
    )
}

const NOTIFY_1_DAY_BEFORE: &str =
    r#"{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Days"}}"#;
const NO_CHANGE_12_HOURS: &str =
    r#"{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"12","Unit":"Hours"}}"#;

/// The policies `DescribeParameters` shows for `name`, as (type, status).
async fn described(ssm: &aws_sdk_ssm::Client, name: &str) -> Vec<(String, String)> {
    let filter = ParameterStringFilter::builder().key("Name").values(name).build().unwrap();
    let out = ssm.describe_parameters().parameter_filters(filter).send().await.expect("describe");
    let meta = out.parameters().first().expect("described");
    meta.policies().iter().map(kind_status).collect()
}

fn kind_status(p: &ParameterInlinePolicy) -> (String, String) {
    (p.policy_type().unwrap_or_default().to_owned(), p.policy_status().unwrap_or_default().to_owned())
}

fn pair(kind: &str, status: &str) -> (String, String) {
    (kind.to_owned(), status.to_owned())
}

/// Every queued event as EventBridge JSON.
async fn outbox(server: &TestServer) -> Vec<Value> {
    let queued = server.state.events.events_after(trent_core::events::OutboxCursor::START, 1000).await.expect("outbox");
    queued.iter().map(|q| q.event.to_json()).collect()
}

/// What each of `events` was: its policy's type, or the change's operation.
fn kinds(events: &[Value]) -> Vec<String> {
    let kind = |e: &Value| e["detail"]["policy-type"].as_str().or(e["detail"]["operation"].as_str()).map(str::to_owned);
    events.iter().map(|e| kind(e).unwrap_or_default()).collect()
}

#[tokio::test]
async fn policies_are_validated_and_need_the_advanced_tier() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    let future = expiration(server.clock.now() + Duration::days(2));
    let put = |name: &str, policies: String, tier: Option<ParameterTier>| {
        ssm.put_parameter().name(name).value("v").r#type(ParameterType::String).policies(policies).set_tier(tier).send()
    };
    let msg = expect_code(put("/p", format!("[{future}]"), Some(ParameterTier::Standard)).await, "ValidationException");
    assert!(msg.contains("Advanced"), "{msg}");
    expect_code(put("/p", format!("[{future}]"), None).await, "ValidationException");
    let bad_type = r#"[{"Type":"Rotation","Version":"1.0","Attributes":{}}]"#.to_owned();
    expect_code(put("/p", bad_type, Some(ParameterTier::Advanced)).await, "InvalidPolicyTypeException");
    let past = format!("[{}]", expiration(server.clock.now() - Duration::days(1)));
    expect_code(put("/p", past, Some(ParameterTier::Advanced)).await, "InvalidPolicyAttributeException");
    let weeks = r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Weeks"}}]"#;
    expect_code(put("/p", weeks.to_owned(), Some(ParameterTier::Advanced)).await, "InvalidPolicyAttributeException");
    let lonely = format!("[{NOTIFY_1_DAY_BEFORE}]");
    expect_code(put("/p", lonely, Some(ParameterTier::Advanced)).await, "InvalidPolicyAttributeException");
    let eleven = format!("[{}]", [NO_CHANGE_12_HOURS; 11].join(","));
    expect_code(put("/p", eleven, Some(ParameterTier::Advanced)).await, "PoliciesLimitExceededException");
    expect_code(ssm.get_parameter().name("/p").send().await, "ParameterNotFound");

    let out = put("/p", format!("[{future}]"), Some(ParameterTier::IntelligentTiering)).await.expect("put");
    assert_eq!(out.tier(), Some(&ParameterTier::Advanced), "Intelligent-Tiering picks Advanced for policies");
}

#[tokio::test]
async fn the_scheduler_notifies_then_expires_and_each_action_is_an_event() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    let account = server.account().await;
    let expires = server.clock.now() + Duration::days(3);
    let policies = format!("[{},{NOTIFY_1_DAY_BEFORE},{NO_CHANGE_12_HOURS}]", expiration(expires));
    ssm.put_parameter()
        .name("/app/token")
        .value("t1")
        .r#type(ParameterType::SecureString)
        .tier(ParameterTier::Advanced)
        .policies(&policies)
        .send()
        .await
        .expect("put with policies");
    let pending = vec![
        pair("Expiration", "Pending"),
        pair("ExpirationNotification", "Pending"),
        pair("NoChangeNotification", "Pending"),
    ];
    assert_eq!(described(&ssm, "/app/token").await, pending);
    let history = ssm.get_parameter_history().name("/app/token").send().await.unwrap();
    let texts: Vec<&str> = history.parameters()[0].policies().iter().filter_map(|p| p.policy_text()).collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[0].contains(r#""Type":"Expiration""#), "{texts:?}");
    assert!(!texts.join("").contains("t1"), "no value in a policy");

    // Nothing is due yet.
    server.clock.advance(Duration::hours(11));
    server.state.params.run_due_policies().await.unwrap();
    assert_eq!(described(&ssm, "/app/token").await, pending);

    // Twelve hours unchanged: the NoChangeNotification fires once.
    server.clock.advance(Duration::hours(1));
    server.state.params.run_due_policies().await.unwrap();
    server.state.params.run_due_policies().await.unwrap();
    let statuses = described(&ssm, "/app/token").await;
    assert_eq!(statuses[2], pair("NoChangeNotification", "Finished"));
    assert_eq!(statuses[1], pair("ExpirationNotification", "Pending"));

    // An update restarts the no-change period and keeps the expiration where it was.
    ssm.put_parameter()
        .name("/app/token")
        .value("t2")
        .r#type(ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("update");
    assert_eq!(described(&ssm, "/app/token").await, pending, "carried to version 2");

    // A day before the expiration: the ExpirationNotification.
    server.clock.advance(Duration::days(2) - Duration::hours(12));
    server.state.params.run_due_policies().await.unwrap();
    let statuses = described(&ssm, "/app/token").await;
    assert_eq!(statuses[0], pair("Expiration", "Pending"));
    assert_eq!(statuses[1], pair("ExpirationNotification", "Finished"));
    assert_eq!(statuses[2], pair("NoChangeNotification", "Finished"), "12 hours after the update");

    // The expiration deletes the parameter.
    server.clock.advance(Duration::days(1));
    server.state.params.run_due_policies().await.unwrap();
    expect_code(ssm.get_parameter().name("/app/token").send().await, "ParameterNotFound");
    server.state.params.run_due_policies().await.unwrap();

    let events = outbox(&server).await;
    let arn = format!("arn:aws:ssm:us-east-1:{account}:parameter/app/token");
    for e in &events {
        assert_eq!(
            (e["source"].as_str(), e["account"].as_str(), e["region"].as_str()),
            (Some("aws.ssm"), Some(account.as_str()), Some("us-east-1"))
        );
        assert_eq!(e["resources"], serde_json::json!([arn]));
        assert!(!e.to_string().contains("t1") && !e.to_string().contains("t2"), "no value in an event: {e}");
    }
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            let d = &e["detail"];
            let what = d["policy-type"].as_str().or(d["operation"].as_str()).unwrap_or_default();
            (e["detail-type"].as_str().unwrap_or_default().to_owned(), what.to_owned())
        })
        .collect();
    let change = |op: &str| ("Parameter Store Change".to_owned(), op.to_owned());
    let action = |kind: &str| ("Parameter Store Policy Action".to_owned(), kind.to_owned());
    assert_eq!(
        seen,
        vec![
            change("Create"),
            action("NoChangeNotification"),
            change("Update"),
            action("ExpirationNotification"),
            action("NoChangeNotification"),
            action("Expiration"),
            change("Delete"),
        ],
        "each action once, in order"
    );
    let expired = &events[5]["detail"];
    assert_eq!(expired["parameter-name"], "/app/token");
    assert_eq!(expired["parameter-type"], "SecureString");
    assert_eq!(expired["action-status"], "Finished");
}

#[tokio::test]
async fn empty_policies_remove_them_and_a_later_put_keeps_them() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    let policies = format!("[{}]", expiration(server.clock.now() + Duration::hours(1)));
    let put = |value: &'static str, policies: Option<String>| {
        ssm.put_parameter()
            .name("/temp")
            .value(value)
            .r#type(ParameterType::String)
            .tier(ParameterTier::Advanced)
            .overwrite(true)
            .set_policies(policies)
            .send()
    };
    put("a", Some(policies)).await.unwrap();
    put("b", None).await.unwrap();
    assert_eq!(described(&ssm, "/temp").await, vec![pair("Expiration", "Pending")], "kept by an update");
    put("c", Some("[]".to_owned())).await.unwrap();
    assert!(described(&ssm, "/temp").await.is_empty(), "[] removes them");
    server.clock.advance(Duration::hours(2));
    server.state.params.run_due_policies().await.unwrap();
    let got = ssm.get_parameter().name("/temp").send().await.expect("not expired");
    assert_eq!(got.parameter().and_then(|p| p.value()), Some("c"));
}

#[tokio::test]
async fn policies_and_queued_events_survive_a_restart_and_fire_once() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    ssm.put_parameter()
        .name("/kept")
        .value("v")
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .policies(format!("[{NO_CHANGE_12_HOURS}]"))
        .send()
        .await
        .expect("put");
    let server = server.restart().await;
    let ssm = server.ssm(&server.admin_creds());
    assert_eq!(described(&ssm, "/kept").await, vec![pair("NoChangeNotification", "Pending")]);
    server.clock.advance(Duration::hours(12));
    server.state.params.run_due_policies().await.unwrap();
    let server = server.restart().await;
    server.state.params.run_due_policies().await.unwrap();
    let kinds = kinds(&outbox(&server).await);
    assert_eq!(kinds, vec!["Create", "NoChangeNotification"], "queued events survive, the action fires once");
}

/// Regression: a policy was applied twice when the node running the scheduler read the
/// parameter from a cache that had not heard that another node (the lease's holder before it)
/// had applied it: the update was conditional on the version alone, which applying a
/// notification does not move. A second `Params` over the same database, whose cache is told
/// nothing, is that node here (in a cluster: a holder killed between its commit and its
/// invalidation, or a lease lost in the middle of a pass).
#[tokio::test]
async fn a_notification_another_node_applied_is_not_sent_again_from_a_stale_cache() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    // The NoChangeNotification falls due at 12 hours, the ExpirationNotification a second later.
    let expires = server.clock.now() + Duration::hours(36) + Duration::seconds(1);
    let policies = format!("[{},{NOTIFY_1_DAY_BEFORE},{NO_CHANGE_12_HOURS}]", expiration(expires));
    ssm.put_parameter()
        .name("/shared")
        .value("v")
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .policies(policies)
        .send()
        .await
        .expect("put with policies");
    let database = trent_store::SqliteStore::open(&server.data_dir().join("trent.db")).await.expect("open");
    let other =
        trent_core::params::Params::new(std::sync::Arc::new(database), std::sync::Arc::new(server.clock.clone()));
    let caller = server.caller(&server.access_key_id).await;
    let sources = trent_core::params::Sources { kms: &server.state.kms, secrets: &server.state.secrets };
    other.get_parameter(sources, &caller, "/shared", false).await.expect("the other node reads it");

    server.clock.advance(Duration::hours(12));
    let here = server.state.params.run_due_policies().await.unwrap();
    assert_eq!(here.notified, 1, "the NoChangeNotification, here");
    server.clock.advance(Duration::seconds(1));
    // The other node's first pass finds its copy stale; its next reads the parameter anew.
    other.run_due_policies().await.unwrap();
    other.run_due_policies().await.unwrap();

    let kinds = kinds(&outbox(&server).await);
    assert_eq!(kinds, ["Create", "NoChangeNotification", "ExpirationNotification"], "each notification once");
    let statuses = described(&ssm, "/shared").await;
    assert_eq!(statuses[1..], [pair("ExpirationNotification", "Finished"), pair("NoChangeNotification", "Finished")]);
}
