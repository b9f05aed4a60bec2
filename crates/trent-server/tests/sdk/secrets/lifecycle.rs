//! Deletion with a recovery window, restore, the scheduler's purge and forced deletion, and
//! the service events AWS CloudTrail records of them.

use super::err_code;
use crate::audit_trail::{lookup, records};
use crate::common::TestServer;

#[tokio::test]
async fn secrets_deletion_waits_for_its_window_on_a_moved_clock() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let arn = sm.create_secret().name("db").secret_string("x").send().await.unwrap().arn().unwrap().to_owned();

    let scheduled = sm.delete_secret().secret_id("db").send().await.unwrap();
    let deletion = scheduled.deletion_date().unwrap().secs();
    let now = server.clock_now();
    assert_eq!(deletion - now, 30 * 86_400, "the default window is 30 days");
    assert_eq!(err_code(sm.get_secret_value().secret_id("db").send().await), "InvalidRequestException");
    assert_eq!(
        err_code(sm.put_secret_value().secret_id("db").secret_string("y").send().await),
        "InvalidRequestException"
    );
    assert_eq!(err_code(sm.create_secret().name("db").secret_string("z").send().await), "InvalidRequestException");
    assert_eq!(err_code(sm.delete_secret().secret_id("db").send().await), "InvalidRequestException");
    let d = sm.describe_secret().secret_id("db").send().await.unwrap();
    assert!(d.deleted_date().is_some());
    let listed = sm.list_secrets().send().await.unwrap();
    assert!(listed.secret_list().is_empty(), "a secret waiting for deletion is not listed by default");
    let listed = sm.list_secrets().include_planned_deletion(true).send().await.unwrap();
    assert_eq!(listed.secret_list().len(), 1);

    sm.restore_secret().secret_id("db").send().await.unwrap();
    assert_eq!(sm.get_secret_value().secret_id("db").send().await.unwrap().secret_string(), Some("x"));
    assert!(sm.describe_secret().secret_id("db").send().await.unwrap().deleted_date().is_none());

    for bad in [6, 31] {
        let r = sm.delete_secret().secret_id("db").recovery_window_in_days(bad).send().await;
        assert_eq!(err_code(r), "InvalidParameterException", "window {bad}");
    }
    let both = sm.delete_secret().secret_id("db").recovery_window_in_days(7).force_delete_without_recovery(true);
    assert_eq!(err_code(both.send().await), "InvalidParameterException");

    sm.delete_secret().secret_id("db").recovery_window_in_days(7).send().await.unwrap();
    server.clock.advance(time::Duration::days(7) - time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_due_work().await.unwrap(), 0, "not before the window ends");
    server.clock.advance(time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_due_work().await.unwrap(), 1);
    assert_eq!(err_code(sm.describe_secret().secret_id("db").send().await), "ResourceNotFoundException");
    assert_eq!(err_code(sm.restore_secret().secret_id("db").send().await), "ResourceNotFoundException");

    // The name is free again, under a new ARN.
    let again = sm.create_secret().name("db").secret_string("new").send().await.unwrap();
    assert_ne!(again.arn(), Some(arn.as_str()), "a new suffix");
    assert_eq!(err_code(sm.get_secret_value().secret_id(&arn).send().await), "ResourceNotFoundException");

    let forced = sm.delete_secret().secret_id("db").force_delete_without_recovery(true).send().await.unwrap();
    assert!(forced.deletion_date().is_some());
    assert_eq!(err_code(sm.get_secret_value().secret_id("db").send().await), "ResourceNotFoundException");
}

/// The ARNs of the secrets `name` events of the trail name, oldest first.
async fn deletion_events(server: &TestServer, name: &str) -> Vec<String> {
    let body = format!(r#"{{"LookupAttributes":[{{"AttributeKey":"EventName","AttributeValue":"{name}"}}]}}"#);
    let mut found = records(&lookup(server, &body).await);
    // LookupEvents answers newest first; events of one clock time keep that order reversed.
    found.reverse();
    found.sort_by(|a, b| a["eventTime"].as_str().cmp(&b["eventTime"].as_str()));
    found
        .into_iter()
        .map(|r| {
            assert_eq!(r["eventType"], "AwsServiceEvent", "{r}");
            assert_eq!(r["eventSource"], "secretsmanager.amazonaws.com", "{r}");
            assert_eq!(r["resources"][0]["ARN"], r["additionalEventData"]["SecretId"], "{r}");
            r["additionalEventData"]["SecretId"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn deletion_restore_and_purge_are_recorded_as_service_events() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let arn = |out: Option<&str>| out.unwrap().to_owned();
    let kept = arn(sm.create_secret().name("kept").secret_string("x").send().await.unwrap().arn());
    let gone = arn(sm.create_secret().name("gone").secret_string("y").send().await.unwrap().arn());
    let forced = arn(sm.create_secret().name("forced").secret_string("z").send().await.unwrap().arn());

    sm.delete_secret().secret_id("kept").recovery_window_in_days(7).send().await.unwrap();
    sm.restore_secret().secret_id("kept").send().await.unwrap();
    sm.restore_secret().secret_id("kept").send().await.unwrap();
    sm.delete_secret().secret_id("gone").recovery_window_in_days(7).send().await.unwrap();
    assert_eq!(deletion_events(&server, "StartSecretVersionDelete").await, [kept.clone(), gone.clone()]);
    assert_eq!(deletion_events(&server, "CancelSecretVersionDelete").await, [kept], "once: restored once");
    assert!(deletion_events(&server, "EndSecretVersionDelete").await.is_empty());

    server.clock.advance(time::Duration::days(7));
    assert_eq!(server.state.secrets.run_due_work().await.unwrap(), 1);
    sm.delete_secret().secret_id("forced").force_delete_without_recovery(true).send().await.unwrap();
    assert_eq!(deletion_events(&server, "EndSecretVersionDelete").await, [gone, forced]);
    assert_eq!(deletion_events(&server, "StartSecretVersionDelete").await.len(), 2, "none for a forced deletion");
}

impl TestServer {
    /// The server clock, in epoch seconds.
    fn clock_now(&self) -> i64 {
        use trent_core::Clock as _;
        self.clock.now().unix_timestamp()
    }
}
