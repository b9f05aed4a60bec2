//! A `[[rotation.functions]]` command, run as its role the way a Lambda function runs as its
//! execution role: each step gets the event on stdin, this server as `AWS_ENDPOINT_URL`, and
//! temporary credentials of the configured role that reach the secret being rotated and no other
//! one (nor the operator's credentials).

use std::path::Path;

use super::err_code;
use crate::common::{TestServer, quiet_scheduler};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:record-steps";

/// A command that appends each event and its AWS environment to `log`, and succeeds.
fn recorder(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("steps.log");
    let script = dir.join("record-steps.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nevent=$(cat)\nprintf '%s|%s|%s|%s|%s|%s|%s\\n' \"$event\" \"$AWS_ENDPOINT_URL\" \"$AWS_REGION\" \
             \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$TRENT_DATA_DIR\" >> '{}'\nexit 0\n",
            log.display()
        ),
    )
    .unwrap();
    log
}

/// A role `rotator` that the account's root may assume, allowed every Secrets Manager action:
/// what a command function runs as. Returns its ARN.
pub(crate) async fn rotator_role(server: &TestServer) -> String {
    let account = server.account().await;
    let iam = server.iam(&server.admin_creds());
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    iam.create_role().role_name("rotator").assume_role_policy_document(&trust).send().await.unwrap();
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#;
    iam.put_role_policy().role_name("rotator").policy_name("all").policy_document(everything).send().await.unwrap();
    format!("arn:aws:iam::{account}:role/rotator")
}

#[tokio::test]
async fn a_command_function_gets_credentials_of_its_role_scoped_to_the_secret() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let role_arn = rotator_role(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let log = recorder(dir.path());
    let server = server
        .restart_tuned(|c| {
            let spec = format!(
                "arn = \"{FUNCTION}\"\ncommand = [\"/bin/sh\", \"{}\"]\nrole_arn = \"{role_arn}\"",
                dir.path().join("record-steps.sh").display()
            );
            c.rotation.functions = vec![toml::from_str(&spec).unwrap()];
        })
        .await;
    let sm = server.secrets();
    let arn = sm.create_secret().name("api-key").secret_string("k1").send().await.unwrap().arn().unwrap().to_owned();
    sm.create_secret().name("other").secret_string("o").send().await.unwrap();

    let token = sm.rotate_secret().secret_id("api-key").rotation_lambda_arn(FUNCTION).send().await.unwrap();
    let token = token.version_id().unwrap().to_owned();
    let state = server.rotation_settled("api-key").await;
    assert!(state.pending.is_none() && state.last_rotated_at.is_some(), "every step succeeded");

    let text = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    let steps: Vec<String> = calls
        .iter()
        .map(|c| {
            let event: serde_json::Value = serde_json::from_str(c[0]).unwrap();
            assert_eq!(
                (event["SecretId"].as_str(), event["ClientRequestToken"].as_str()),
                (Some(arn.as_str()), Some(token.as_str()))
            );
            event["Step"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(steps, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
    let call = &calls[0];
    assert_eq!((call[1], call[2]), (format!("http://{}", server.addr).as_str(), "us-east-1"));
    let (akid, secret, session) = (call[3], call[4], call[5]);
    assert!(akid.starts_with("ASIA") && !session.is_empty(), "temporary credentials: {akid}");
    assert_ne!(secret, server.secret_access_key, "never the operator's credentials");
    assert_eq!(call[6], "", "nothing else of the server's environment");

    let function = server.secrets_as(akid, secret, Some(session.to_owned()));
    let seen = function.describe_secret().secret_id(&arn).send().await.unwrap();
    assert_eq!(seen.name(), Some("api-key"), "the secret being rotated is reachable");
    function.get_random_password().send().await.unwrap();
    assert_eq!(err_code(function.describe_secret().secret_id("other").send().await), "AccessDeniedException");
    assert_eq!(err_code(function.delete_secret().secret_id(&arn).send().await), "AccessDeniedException");
}
