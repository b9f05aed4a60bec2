//! `RotateSecret` and `CancelRotateSecret` through `aws-sdk-secretsmanager`: the model's
//! validation and AWS's errors, the `AWSPENDING` version a rotation builds, a failed step that
//! leaves `AWSCURRENT` working and is retried at the next window, and what `DescribeSecret`
//! shows. The rotation against a real database is in `rotation_postgres.rs`.

use aws_sdk_secretsmanager::types::RotationRulesType;
use trent_core::secrets::RotationState;

use super::{err_code, service_kms_calls};
use crate::common::{TestServer, quiet_scheduler};

/// The built-in single-user PostgreSQL function, named as AWS names a Lambda function.
pub(crate) const PG_SINGLE_USER: &str = "arn:aws:lambda:us-east-1:111122223333:function:trent-postgresql-single-user";

impl TestServer {
    /// The rotation state of `secret`, read through the domain.
    pub(crate) async fn rotation_state(&self, secret: &str) -> Option<RotationState> {
        let caller = self.caller(&self.access_key_id).await;
        self.state.secrets.describe_secret(&caller, secret).await.expect("describe").secret.rotation
    }

    /// Waits (bounded) until the rotation `RotateSecret` started has finished or failed: the
    /// scheduler runs it in the background as soon as it starts.
    pub(crate) async fn rotation_settled(&self, secret: &str) -> RotationState {
        for _ in 0..600 {
            let r = self.rotation_state(secret).await.expect("rotation configured");
            if r.pending.as_ref().is_none_or(|p| p.failures > 0) {
                return r;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the rotation of {secret} neither finished nor failed within 30 s");
    }
}

fn days(n: i32) -> RotationRulesType {
    RotationRulesType::builder().automatically_after_days(i64::from(n)).build()
}

#[tokio::test]
async fn rotate_secret_validates_as_aws_does() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let sm = server.secrets();
    sm.create_secret().name("app").secret_string("{}").send().await.unwrap();

    let r = sm.rotate_secret().secret_id("app").send().await;
    assert_eq!(err_code(r), "InvalidRequestException", "no function given and none configured");
    let unknown = "arn:aws:lambda:us-east-1:111122223333:function:no-such-function";
    let r = sm.rotate_secret().secret_id("app").rotation_lambda_arn(unknown).send().await;
    assert_eq!(err_code(r), "AccessDeniedException", "a function this server cannot invoke");
    for rules in [
        RotationRulesType::builder().schedule_expression("rate(2 hours)").build(),
        RotationRulesType::builder().schedule_expression("cron(15 4 * * ? *)").build(),
        RotationRulesType::builder().schedule_expression("rate(1 days)").duration("25h").build(),
        RotationRulesType::builder().automatically_after_days(3).schedule_expression("rate(3 days)").build(),
    ] {
        let r = sm.rotate_secret().secret_id("app").rotation_lambda_arn(PG_SINGLE_USER).rotation_rules(rules.clone());
        assert_eq!(err_code(r.send().await), "InvalidParameterException", "{rules:?}");
    }
    let r = sm.rotate_secret().secret_id("app").rotation_lambda_arn(PG_SINGLE_USER).rotation_rules(days(1001));
    assert_eq!(err_code(r.send().await), "ValidationException", "the model's bound");
    let r = sm.rotate_secret().secret_id("app").client_request_token("short").rotation_lambda_arn(PG_SINGLE_USER);
    assert_eq!(err_code(r.send().await), "ValidationException");
    let r = sm.rotate_secret().secret_id("nope").rotation_lambda_arn(PG_SINGLE_USER).send().await;
    assert_eq!(err_code(r), "ResourceNotFoundException");
    assert_eq!(err_code(sm.cancel_rotate_secret().secret_id("nope").send().await), "ResourceNotFoundException");

    // Configured without rotating now: rotation is on, nothing is pending, the next window shows.
    let out = sm
        .rotate_secret()
        .secret_id("app")
        .rotation_lambda_arn(PG_SINGLE_USER)
        .rotation_rules(RotationRulesType::builder().schedule_expression("cron(0 4 ? * MON *)").duration("2h").build())
        .rotate_immediately(false)
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), None);
    let d = sm.describe_secret().secret_id("app").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    assert_eq!(d.rotation_lambda_arn(), Some(PG_SINGLE_USER));
    let rules = d.rotation_rules().unwrap();
    assert_eq!((rules.schedule_expression(), rules.duration()), (Some("cron(0 4 ? * MON *)"), Some("2h")));
    let next = time::OffsetDateTime::from_unix_timestamp(d.next_rotation_date().unwrap().secs()).unwrap();
    assert_eq!((next.weekday(), next.hour(), next.minute()), (time::Weekday::Monday, 4, 0), "the next window");
    assert!(d.last_rotated_date().is_none());
    assert_eq!(d.version_ids_to_stages().unwrap().len(), 1, "no AWSPENDING version");

    let cancelled = sm.cancel_rotate_secret().secret_id("app").send().await.unwrap();
    assert_eq!(cancelled.version_id(), None, "no rotation was in progress");
    let d = sm.describe_secret().secret_id("app").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(false));
    assert!(d.next_rotation_date().is_none(), "no next rotation once cancelled");
    assert_eq!(d.rotation_lambda_arn(), Some(PG_SINGLE_USER), "the function is kept for the next RotateSecret");

    sm.delete_secret().secret_id("app").send().await.unwrap();
    let r = sm.rotate_secret().secret_id("app").send().await;
    assert_eq!(err_code(r), "InvalidRequestException", "marked for deletion");
}

/// The KMS calls of a rotation the scheduler runs are in the trail as the service's own (issue
/// 10): the built-in function's reads of the secret (`Decrypt`) and its write of the pending
/// version (`GenerateDataKey`) in the secret's region, with the secret's encryption context.
/// The rotation fails at `setSecret` (nothing listens on port 1), after both.
#[tokio::test]
async fn the_kms_calls_of_a_scheduled_rotation_are_recorded_as_the_service_s_own() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let sm = server.secrets();
    let value =
        r#"{"engine":"postgres","host":"127.0.0.1","port":1,"username":"app","password":"Old-pw-2","dbname":"app"}"#;
    let arn = sm.create_secret().name("db").secret_string(value).send().await.unwrap().arn().unwrap().to_owned();
    sm.get_secret_value().secret_id("db").send().await.unwrap();
    assert!(service_kms_calls(&server, "us-east-1").await.is_empty(), "requests' calls are the caller's");

    let token = "00000000-0000-4000-8000-000000000002";
    let r = sm.rotate_secret().secret_id("db").client_request_token(token).rotation_lambda_arn(PG_SINGLE_USER);
    r.send().await.unwrap();
    let pending = server.rotation_settled("db").await.pending.expect("failed, still pending");
    assert_eq!(pending.failed_step, Some(trent_core::secrets::RotationStep::SetSecret));

    let calls = service_kms_calls(&server, "us-east-1").await;
    let names: Vec<&str> = calls.iter().map(|c| c["eventName"].as_str().unwrap()).collect();
    let written: Vec<_> = calls.iter().filter(|c| c["eventName"] == "GenerateDataKey").collect();
    assert_eq!(written.len(), 1, "the pending version, written once: {names:?}");
    assert_eq!(written[0]["requestParameters"]["encryptionContext"]["SecretVersionId"], token);
    assert!(names.contains(&"Decrypt"), "the current value, read: {names:?}");
    for call in &calls {
        assert_eq!(call["requestParameters"]["encryptionContext"]["SecretARN"], arn.as_str(), "{call}");
        assert!(call["errorCode"].is_null(), "{call}");
        assert!(!call.to_string().contains("Old-pw-2"), "no secret value in {call}");
    }
}

/// A rotation whose database cannot be reached fails at `setSecret`: `AWSCURRENT` stays, the
/// pending version stays `AWSPENDING`, a second `RotateSecret` is refused as AWS refuses it, and
/// the scheduler retries the whole rotation at the next window.
#[tokio::test]
async fn a_failed_rotation_keeps_awscurrent_and_is_retried_at_the_next_window() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let sm = server.secrets();
    // Port 1 on loopback: nothing listens there.
    let value =
        r#"{"engine":"postgres","host":"127.0.0.1","port":1,"username":"app","password":"Old-pw-1","dbname":"app"}"#;
    let created = sm.create_secret().name("db").secret_string(value).send().await.unwrap();
    let first = created.version_id().unwrap().to_owned();

    let token = "00000000-0000-4000-8000-000000000001";
    let out = sm
        .rotate_secret()
        .secret_id("db")
        .client_request_token(token)
        .rotation_lambda_arn(PG_SINGLE_USER)
        .rotation_rules(days(30))
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), Some(token));
    let state = server.rotation_settled("db").await;
    let pending = state.pending.expect("the rotation is still pending");
    assert_eq!((pending.token.as_str(), pending.failures), (token, 1));
    assert_eq!(pending.failed_step, Some(trent_core::secrets::RotationStep::SetSecret));

    let current = sm.get_secret_value().secret_id("db").send().await.unwrap();
    assert_eq!((current.version_id(), current.secret_string()), (Some(first.as_str()), Some(value)));
    let staged = sm.get_secret_value().secret_id("db").version_stage("AWSPENDING").send().await.unwrap();
    assert_eq!(staged.version_id(), Some(token), "createSecret stored the new password");
    assert_ne!(staged.secret_string(), Some(value));
    let d = sm.describe_secret().secret_id("db").send().await.unwrap();
    assert_eq!(d.version_ids_to_stages().unwrap()[token], vec!["AWSPENDING".to_owned()]);
    let retry = d.next_rotation_date().unwrap().secs();
    assert_eq!(Some(retry), pending.retry_at.map(time::OffsetDateTime::unix_timestamp));

    let again = sm.rotate_secret().secret_id("db").send().await;
    assert_eq!(err_code(again), "InvalidRequestException", "a previous rotation isn't complete");
    let same = sm.rotate_secret().secret_id("db").client_request_token(token).send().await.unwrap();
    assert_eq!(same.version_id(), Some(token), "a retry of the same request is answered again");

    // Nothing runs before the retry time; at it, the whole rotation runs again and fails again.
    assert_eq!(server.state.secrets.run_rotations().await.unwrap().failed, 0);
    let now = server.clock_now_time();
    server.clock.advance(time::OffsetDateTime::from_unix_timestamp(retry).unwrap() - now);
    let run = server.state.secrets.run_rotations().await.unwrap();
    assert_eq!((run.rotated, run.failed), (0, 1));
    let pending = server.rotation_state("db").await.unwrap().pending.unwrap();
    assert_eq!((pending.token.as_str(), pending.failures), (token, 2), "the same version, retried");

    let cancelled = sm.cancel_rotate_secret().secret_id("db").send().await.unwrap();
    assert_eq!(cancelled.version_id(), Some(token), "the version of the cancelled rotation");
    let d = sm.describe_secret().secret_id("db").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(false));
    assert!(d.version_ids_to_stages().unwrap().contains_key(token), "AWSPENDING is left for the caller");
    let r = sm.rotate_secret().secret_id("db").send().await;
    assert_eq!(err_code(r), "InvalidRequestException", "until AWSPENDING is removed");
    sm.update_secret_version_stage()
        .secret_id("db")
        .version_stage("AWSPENDING")
        .remove_from_version_id(token)
        .send()
        .await
        .unwrap();
    let restarted = sm.rotate_secret().secret_id("db").send().await.unwrap();
    assert_ne!(restarted.version_id(), Some(token), "a new rotation with the stored function and rules");
    assert_eq!(sm.describe_secret().secret_id("db").send().await.unwrap().rotation_enabled(), Some(true));
}

impl TestServer {
    pub(crate) fn clock_now_time(&self) -> time::OffsetDateTime {
        use trent_core::Clock as _;
        self.clock.now()
    }
}

/// A rotation configured without `RotateImmediately` starts when the moved clock reaches its
/// window (`NextRotationDate`), not before; its failure is then retried as above.
#[tokio::test]
async fn a_scheduled_rotation_starts_when_the_clock_reaches_its_window() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let sm = server.secrets();
    let value = r#"{"engine":"postgres","host":"127.0.0.1","port":1,"username":"app","password":"Old-pw-1"}"#;
    sm.create_secret().name("db").secret_string(value).send().await.unwrap();
    let rules = RotationRulesType::builder().schedule_expression("rate(2 days)").duration("3h").build();
    let r = sm.rotate_secret().secret_id("db").rotation_lambda_arn(PG_SINGLE_USER).rotation_rules(rules);
    r.rotate_immediately(false).send().await.unwrap();
    let next = sm.describe_secret().secret_id("db").send().await.unwrap().next_rotation_date().unwrap().secs();
    let start = time::OffsetDateTime::from_unix_timestamp(next).unwrap();
    assert_eq!((start.hour(), start.minute()), (0, 0), "a rate window opens at midnight");

    server.clock.advance(start - server.clock_now_time() - time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_rotations().await.unwrap().failed, 0, "not before the window");
    assert!(server.rotation_state("db").await.unwrap().pending.is_none());
    server.clock.advance(time::Duration::hours(2));
    let run = server.state.secrets.run_rotations().await.unwrap();
    assert_eq!((run.rotated, run.failed), (0, 1), "started in the window, failed at setSecret");
    let pending = server.rotation_state("db").await.unwrap().pending.expect("pending");
    let d = sm.describe_secret().secret_id("db").send().await.unwrap();
    assert_eq!(d.version_ids_to_stages().unwrap()[&pending.token], vec!["AWSPENDING".to_owned()]);
    assert_eq!(sm.get_secret_value().secret_id("db").send().await.unwrap().secret_string(), Some(value));
}
