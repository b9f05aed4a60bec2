//! A rotation's progress as AWS CloudTrail records it (`RotationStarted`, `RotationFailed`,
//! `RotationSucceeded` and `RotationAbandoned` service events, found through `LookupEvents`), a
//! rotation abandoned by a new current version written by hand, the bounded backoff of a
//! failed rotation, and a server stopped between two steps of a rotation that resumes at the
//! next step when it starts again, never running a step twice nor two steps at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audit_trail::{lookup, records};
use crate::common::{TestServer, quiet_scheduler};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:steps-with-switches";

/// A command that logs `start STEP` and `end STEP` to `steps.log` and holds a lock directory
/// while it runs (logging `CONCURRENT` if another run holds it); it fails while `fail` exists,
/// and at `setSecret` waits while `hold` exists (creating `reached` first).
fn function_script(dir: &Path) -> PathBuf {
    let d = dir.display();
    let script = dir.join("steps.sh");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
step=$(cat | sed -e 's/.*"Step" *: *"\([a-zA-Z]*\)".*/\1/')
mkdir '{d}/lock' 2>/dev/null || echo CONCURRENT >> '{d}/steps.log'
echo "start $step" >> '{d}/steps.log'
if [ "$step" = setSecret ] && [ -e '{d}/hold' ]; then
  touch '{d}/reached'
  n=0
  while [ -e '{d}/hold' ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done
fi
if [ -e '{d}/fail' ]; then rmdir '{d}/lock'; echo "fail $step" >> '{d}/steps.log'; exit 1; fi
echo "end $step" >> '{d}/steps.log'
rmdir '{d}/lock'
exit 0
"#
        ),
    )
    .unwrap();
    script
}

/// A server whose `FUNCTION` runs [`function_script`] in `dir` as a role allowed everything
/// in Secrets Manager.
async fn server_with_function(dir: &Path) -> TestServer {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let role_arn = super::rotation_external::rotator_role(&server).await;
    let script = function_script(dir);
    server
        .restart_tuned(|c| {
            let spec = format!(
                "arn = \"{FUNCTION}\"\ncommand = [\"/bin/sh\", \"{}\"]\nrole_arn = \"{role_arn}\"",
                script.display()
            );
            c.rotation.functions = vec![toml::from_str(&spec).unwrap()];
        })
        .await
}

fn steps_log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("steps.log")).unwrap_or_default().lines().map(str::to_owned).collect()
}

/// The rotation events of the trail, oldest first, as (eventName, record).
pub(crate) async fn rotation_events(server: &TestServer) -> Vec<(String, serde_json::Value)> {
    let mut found = Vec::new();
    for name in ["RotationStarted", "RotationFailed", "RotationSucceeded", "RotationAbandoned"] {
        let body = format!(r#"{{"LookupAttributes":[{{"AttributeKey":"EventName","AttributeValue":"{name}"}}]}}"#);
        for r in records(&lookup(server, &body).await) {
            found.push((name.to_owned(), r));
        }
    }
    found.sort_by(|a, b| a.1["eventTime"].as_str().cmp(&b.1["eventTime"].as_str()));
    found
}

#[tokio::test]
async fn rotations_are_recorded_as_service_events_and_failures_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_function(dir.path()).await;
    let sm = server.secrets();
    let arn = sm.create_secret().name("api").secret_string("k1").send().await.unwrap().arn().unwrap().to_owned();
    std::fs::write(dir.path().join("fail"), b"").unwrap();
    sm.rotate_secret().secret_id("api").rotation_lambda_arn(FUNCTION).send().await.unwrap();
    let state = server.rotation_settled("api").await;
    let pending = state.pending.expect("failed, still pending");
    assert_eq!(pending.failures, 1);

    let events = rotation_events(&server).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["RotationStarted", "RotationFailed"]);
    for (_, record) in &events {
        assert_eq!(record["eventType"], "AwsServiceEvent");
        assert_eq!(record["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(record["userIdentity"]["invokedBy"], "secretsmanager.amazonaws.com");
        assert_eq!(record["userIdentity"]["accountId"], server.account().await);
        assert_eq!(record["additionalEventData"]["SecretId"], arn.as_str());
        assert_eq!(record["resources"][0]["ARN"], arn.as_str());
        assert!(!record.to_string().contains("k1\""), "no secret value in {record}");
    }

    // The first retry comes a minute later (no schedule: the window fallback is a day away).
    let now = server.clock_now_time();
    let retry = pending.retry_at.expect("a retry time");
    let first_wait = retry - now;
    assert!(first_wait > time::Duration::seconds(59) && first_wait <= time::Duration::minutes(1), "{first_wait}");
    let d = sm.describe_secret().secret_id("api").send().await.unwrap();
    assert_eq!(d.next_rotation_date().map(|t| t.secs()), Some(retry.unix_timestamp()));
    server.clock.advance(first_wait - time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_rotations().await.unwrap().failed, 0, "not before the backoff");
    server.clock.advance(time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_rotations().await.unwrap().failed, 1, "retried, failed again");
    let pending = server.rotation_state("api").await.unwrap().pending.unwrap();
    let second_wait = pending.retry_at.unwrap() - server.clock_now_time();
    assert!(second_wait > time::Duration::seconds(119) && second_wait <= time::Duration::minutes(2), "doubled");

    std::fs::remove_file(dir.path().join("fail")).unwrap();
    server.clock.advance(second_wait);
    let run = server.state.secrets.run_rotations().await.unwrap();
    assert_eq!((run.rotated, run.failed), (1, 0));
    let names: Vec<String> = rotation_events(&server).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "RotationStarted",
            "RotationFailed",
            "RotationStarted",
            "RotationFailed",
            "RotationStarted",
            "RotationSucceeded"
        ]
    );
}

#[tokio::test]
async fn a_server_stopped_between_steps_resumes_the_rotation_at_its_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = server_with_function(dir.path()).await;
    let sm = server.secrets();
    sm.create_secret().name("api").secret_string("k1").send().await.unwrap();
    std::fs::write(dir.path().join("hold"), b"").unwrap();
    let token = sm.rotate_secret().secret_id("api").rotation_lambda_arn(FUNCTION).send().await.unwrap();
    let token = token.version_id().unwrap().to_owned();
    let reached = dir.path().join("reached");
    for _ in 0..400 {
        if reached.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reached.exists(), "setSecret started");

    // Stop the server while setSecret runs; let the step end only once the stop has begun
    // (the listener is closed), so that no further step may start.
    let addr = server.addr;
    let release = async {
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::remove_file(dir.path().join("hold")).unwrap();
    };
    tokio::join!(server.shutdown(), release);
    assert_eq!(steps_log(dir.path()), ["start createSecret", "end createSecret", "start setSecret", "end setSecret"]);

    let server = server.restart().await;
    let state = server.rotation_settled("api").await;
    assert!(state.pending.is_none(), "finished after the restart: {state:?}");
    assert!(state.last_rotated_at.is_some());
    assert_eq!(
        steps_log(dir.path()),
        [
            "start createSecret",
            "end createSecret",
            "start setSecret",
            "end setSecret",
            "start testSecret",
            "end testSecret",
            "start finishSecret",
            "end finishSecret"
        ],
        "each step once, one at a time, resumed at testSecret"
    );
    let names: Vec<String> = rotation_events(&server).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["RotationStarted", "RotationSucceeded"], "one rotation, started once");
    let d = server.secrets().describe_secret().secret_id("api").send().await.unwrap();
    assert!(d.version_ids_to_stages().unwrap().contains_key(&token));
}

/// A new current version put by hand while a rotation is in progress abandons it as AWS does:
/// `AWSPENDING` comes off the rotation's version, `RotationAbandoned` is recorded, and a new
/// rotation may start at once.
#[tokio::test]
async fn a_value_put_during_a_rotation_abandons_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_function(dir.path()).await;
    let sm = server.secrets();
    let arn = sm.create_secret().name("api").secret_string("k1").send().await.unwrap().arn().unwrap().to_owned();
    std::fs::write(dir.path().join("fail"), b"").unwrap();
    let started = sm.rotate_secret().secret_id("api").rotation_lambda_arn(FUNCTION).send().await.unwrap();
    let token = started.version_id().unwrap().to_owned();
    assert!(server.rotation_settled("api").await.pending.is_some(), "failed, still in progress");
    let again = sm.rotate_secret().secret_id("api").send().await;
    assert_eq!(super::err_code(again), "InvalidRequestException", "a rotation is in progress");

    // A value staged only AWSPENDING-free custom labels does not abandon it.
    let custom = sm.put_secret_value().secret_id("api").secret_string("side").version_stages("Custom").send().await;
    custom.unwrap();
    let stages = sm.describe_secret().secret_id("api").send().await.unwrap();
    let pending = stages.version_ids_to_stages().unwrap().get(&token).cloned().unwrap_or_default();
    assert_eq!(pending, ["AWSPENDING"], "still pending after a put that leaves AWSCURRENT");
    let names: Vec<String> = rotation_events(&server).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["RotationStarted", "RotationFailed"]);

    let put = sm.put_secret_value().secret_id("api").secret_string("k2").send().await.unwrap();
    let d = sm.describe_secret().secret_id("api").send().await.unwrap();
    let stages = d.version_ids_to_stages().unwrap();
    assert!(!stages.values().flatten().any(|l| l == "AWSPENDING"), "AWSPENDING removed: {stages:?}");
    assert_eq!(stages.get(put.version_id().unwrap()).unwrap(), &["AWSCURRENT".to_owned()]);
    assert!(server.rotation_state("api").await.unwrap().pending.is_none(), "the rotation stopped");
    let events = rotation_events(&server).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["RotationStarted", "RotationFailed", "RotationAbandoned"]);
    let (_, abandoned) = &events[2];
    assert_eq!(abandoned["eventType"], "AwsServiceEvent");
    assert_eq!(abandoned["eventSource"], "secretsmanager.amazonaws.com");
    assert_eq!(abandoned["additionalEventData"]["SecretId"], arn.as_str());
    assert_eq!(abandoned["resources"][0]["ARN"], arn.as_str());
    assert!(!abandoned.to_string().contains("k2"), "no secret value in {abandoned}");

    // Nothing in progress any more: a new rotation starts.
    std::fs::remove_file(dir.path().join("fail")).unwrap();
    sm.rotate_secret().secret_id("api").send().await.unwrap();
    let state = server.rotation_settled("api").await;
    assert!(state.pending.is_none() && state.last_rotated_at.is_some(), "{state:?}");
}
