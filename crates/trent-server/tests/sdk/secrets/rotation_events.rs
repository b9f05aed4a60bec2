//! A rotation's result as an EventBridge event: a rotation that succeeds and one that fails at
//! `testSecret` (two `[[rotation.functions]]` commands) each put exactly one event in the
//! outbox, `aws.secretsmanager` / `AWS Service Event via CloudTrail` with the CloudTrail record
//! (`RotationSucceeded`, `RotationFailed`) as `detail`, delivered to a JSON-lines file with the
//! secret's ARN in `resources`, and the secret's value appears nowhere in the file.

use std::path::Path;

use serde_json::Value;
use trent_core::secrets::RotationStep;

use super::rotation_external::rotator_role;
use crate::common::TestServer;
use crate::events_delivery::{jsonl_sink, lines, with_sinks};

const SUCCEEDS: &str = "arn:aws:lambda:us-east-1:111122223333:function:rotate-ok";
const FAILS_TEST: &str = "arn:aws:lambda:us-east-1:111122223333:function:fail-at-test";
const VALUE: &str = "value-of-the-secret-never-in-an-event";

/// A command function (a script in `dir`) run as `role_arn`, that succeeds at every step or
/// fails at `testSecret`.
fn function(dir: &Path, arn: &str, role_arn: &str, fail_test: bool) -> trent_rotation::ExternalFunctionSpec {
    let script = dir.join(format!("{}.sh", arn.rsplit(':').next().unwrap()));
    let check = if fail_test { "printf '%s' \"$event\" | grep -q testSecret && exit 1\n" } else { "" };
    std::fs::write(&script, format!("#!/bin/sh\nevent=$(cat)\n{check}exit 0\n")).unwrap();
    let spec = format!("arn = \"{arn}\"\ncommand = [\"/bin/sh\", \"{}\"]\nrole_arn = \"{role_arn}\"", script.display());
    toml::from_str(&spec).unwrap()
}

fn the_event<'a>(events: &'a [Value], name: &str) -> &'a Value {
    let found: Vec<&Value> = events.iter().filter(|e| e["detail"]["eventName"] == name).collect();
    assert_eq!(found.len(), 1, "exactly one {name} event: {events:?}");
    found[0]
}

#[tokio::test]
async fn rotation_results_are_eventbridge_events_without_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let server = TestServer::start_with(with_sinks(vec![jsonl_sink(&file)])).await;
    let role = rotator_role(&server).await;
    let functions = vec![function(dir.path(), SUCCEEDS, &role, false), function(dir.path(), FAILS_TEST, &role, true)];
    let server = server.restart_tuned(|c| c.rotation.functions = functions).await;
    let sm = server.secrets();
    let ok = sm.create_secret().name("rotates").secret_string(VALUE).send().await.unwrap().arn().unwrap().to_owned();
    let bad = sm.create_secret().name("fails").secret_string(VALUE).send().await.unwrap().arn().unwrap().to_owned();

    sm.rotate_secret().secret_id("rotates").rotation_lambda_arn(SUCCEEDS).send().await.unwrap();
    let state = server.rotation_settled("rotates").await;
    assert!(state.pending.is_none() && state.last_rotated_at.is_some(), "every step succeeded: {state:?}");
    sm.rotate_secret().secret_id("fails").rotation_lambda_arn(FAILS_TEST).send().await.unwrap();
    let pending = server.rotation_settled("fails").await.pending.expect("failed, still pending");
    assert_eq!((pending.failures, pending.failed_step), (1, Some(RotationStep::TestSecret)));

    let run = server.state.delivery.run_once().await.expect("a pass");
    assert_eq!((run.delivered, run.failed), (2, 0), "one event per rotation result, nothing else");
    let events = lines(&file);
    assert_eq!(events.len(), 2, "{events:?}");
    let account = server.account().await;
    for (name, arn) in [("RotationSucceeded", &ok), ("RotationFailed", &bad)] {
        let e = the_event(&events, name);
        assert_eq!(e["version"], "0");
        assert_eq!(e["source"], "aws.secretsmanager");
        assert_eq!(e["detail-type"], "AWS Service Event via CloudTrail");
        assert_eq!((e["account"].as_str(), e["region"].as_str()), (Some(account.as_str()), Some("us-east-1")));
        assert_eq!(e["resources"], serde_json::json!([arn]), "{name}");
        let detail = &e["detail"];
        assert_eq!(detail["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(detail["eventType"], "AwsServiceEvent");
        assert_eq!(detail["additionalEventData"]["SecretId"], arn.as_str());
        assert_eq!(detail["recipientAccountId"], account.as_str());
        assert!(!e["id"].as_str().unwrap().is_empty() && !e["time"].as_str().unwrap().is_empty());
    }
    // The detail is the record the trail keeps of the same service event.
    let trail = super::rotation_restart::rotation_events(&server).await;
    let results: Vec<_> = trail.iter().filter(|(name, _)| name != "RotationStarted").collect();
    assert_eq!(results.len(), 2, "{trail:?}");
    for (name, record) in results {
        assert_eq!(the_event(&events, name)["detail"]["eventID"], record["eventID"], "{name}");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(VALUE), "the secret's value is never in an event: {text}");
}
