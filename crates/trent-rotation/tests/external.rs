//! External rotation functions: a command (a small shell script) and an HTTP endpoint (a
//! listener in this test), driven through the four steps.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::MemorySecrets;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trent_crypto::SecretBytes;
use trent_rotation::{
    AWSCURRENT, CredentialSource, ExternalError, ExternalFunction, ExternalFunctionConfig, ExternalTarget,
    FunctionEnvironment, Step, StepError, TemporaryCredentials,
};

const ARN: &str = "arn:aws:secretsmanager:eu-west-3:111122223333:secret:ext-AbCdEf";

struct FixedCredentials;

#[async_trait::async_trait]
impl CredentialSource for FixedCredentials {
    async fn credentials(
        &self,
        role_arn: Option<&str>,
        secret_arn: &str,
    ) -> Result<TemporaryCredentials, ExternalError> {
        assert!(secret_arn.starts_with("arn:"), "the credentials are asked for one secret: {secret_arn}");
        assert_eq!(role_arn, Some("arn:aws:iam::111122223333:role/rotator"));
        Ok(TemporaryCredentials {
            access_key_id: "ASIAEXAMPLEEXAMPLE01".into(),
            secret_access_key: SecretBytes::from_slice(b"secret-access-key"),
            session_token: SecretBytes::from_slice(b"session-token"),
        })
    }
}

fn function(target: ExternalTarget, timeout: Duration) -> ExternalFunction {
    let config = ExternalFunctionConfig {
        arn: "arn:aws:lambda:us-east-1:111122223333:function:my-rotator".into(),
        target,
        role_arn: Some("arn:aws:iam::111122223333:role/rotator".into()),
        timeout,
    };
    let environment = FunctionEnvironment { endpoint_url: "http://127.0.0.1:4599".into(), region: "eu-west-3".into() };
    ExternalFunction::new(config, environment, Arc::new(FixedCredentials))
}

/// A script that appends its stdin and some of its environment to `log`, one line per
/// call, and exits with `fail_code` at the step named `fail_step`.
fn script(dir: &Path, fail_step: &str, fail_code: u8) -> PathBuf {
    let path = dir.join("rotate.sh");
    let log = dir.join("calls.log");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nevent=$(cat)\nprintf '%s|%s|%s|%s|%s|%s|%s\\n' \"$event\" \"$AWS_ENDPOINT_URL\" \"$AWS_REGION\" \
             \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$CARGO_MANIFEST_DIR\" >> '{}'\n\
             case \"$event\" in *'\"{fail_step}\"'*) exit {fail_code};; esac\nexit 0\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn calls(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("calls.log")).unwrap_or_default();
    text.lines().map(|l| l.split('|').map(str::to_owned).collect()).collect()
}

#[tokio::test]
async fn a_command_gets_each_step_on_stdin_with_endpoint_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(dir.path(), "none", 0);
    let f = function(ExternalTarget::Command { program, args: vec![] }, Duration::from_secs(30));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({"k": "v"}));
    let token = api.rotate(ARN, &f).await.unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));

    let calls = calls(dir.path());
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(std::env::var("CARGO_MANIFEST_DIR").is_ok_and(|d| !d.is_empty()), "cargo sets it for the test process");
    for (call, step) in calls.iter().zip(Step::ALL) {
        let event: serde_json::Value = serde_json::from_str(&call[0]).unwrap();
        assert_eq!(event, json!({"SecretId": ARN, "ClientRequestToken": token, "Step": step.as_str()}));
        assert_eq!(
            call[1..],
            // The last one is the test process's CARGO_MANIFEST_DIR, which the function must not see.
            ["http://127.0.0.1:4599", "eu-west-3", "ASIAEXAMPLEEXAMPLE01", "secret-access-key", "session-token", ""]
        );
    }
}

#[tokio::test]
async fn a_failing_command_stops_the_rotation_at_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(dir.path(), "testSecret", 3);
    let f = function(ExternalTarget::Command { program, args: vec![] }, Duration::from_secs(30));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({"k": "v"}));
    let current = api.version_with(ARN, AWSCURRENT);
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert_eq!(failure.step, Step::TestSecret);
    assert!(matches!(failure.error, StepError::External(ExternalError::Exit { code: Some(3) })), "{failure:?}");
    assert_eq!(calls(dir.path()).len(), 3, "finishSecret never ran");
    assert_eq!(api.version_with(ARN, AWSCURRENT), current);
}

#[tokio::test]
async fn commands_are_stopped_at_their_timeout_and_missing_ones_fail() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("slow.sh");
    // The script's child outlives the script unless the whole process group is stopped.
    let marker = dir.path().join("survivor");
    std::fs::write(&program, format!("#!/bin/sh\n(sleep 2; touch '{}') &\nsleep 30\n", marker.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let f = function(ExternalTarget::Command { program, args: vec![] }, Duration::from_millis(300));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({}));
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert!(matches!(
        (failure.step, &failure.error),
        (Step::CreateSecret, StepError::External(ExternalError::Timeout { .. }))
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!marker.exists(), "a child of the timed-out command kept running");

    let missing = dir.path().join("does-not-exist");
    let f = function(ExternalTarget::Command { program: missing, args: vec![] }, Duration::from_secs(5));
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert!(matches!(failure.error, StepError::External(ExternalError::Spawn(_))), "{failure:?}");
}

/// Answers `statuses` in turn, one HTTP/1.1 request per connection, and hands back the bodies.
async fn endpoint(statuses: Vec<u16>) -> (String, tokio::task::JoinHandle<Vec<(String, String)>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/rotate", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        for status in statuses {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        break (head.to_owned(), body.to_owned());
                    }
                }
                assert!(n > 0, "the client hung up early");
            };
            seen.push((head, body));
            let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            sock.write_all(answer.as_bytes()).await.unwrap();
        }
        seen
    });
    (url, task)
}

#[tokio::test]
async fn an_http_endpoint_gets_each_step_posted() {
    let (url, server) = endpoint(vec![200, 204, 200, 200]).await;
    let f = function(ExternalTarget::Http { url }, Duration::from_secs(30));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({}));
    let token = api.rotate(ARN, &f).await.unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));
    let seen = server.await.unwrap();
    for ((head, body), step) in seen.iter().zip(Step::ALL) {
        assert!(head.starts_with("POST /rotate HTTP/1.1"), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
        let event: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(event, json!({"SecretId": ARN, "ClientRequestToken": token, "Step": step.as_str()}));
    }
}

#[tokio::test]
async fn an_http_error_stops_the_rotation() {
    let (url, server) = endpoint(vec![200, 500]).await;
    let f = function(ExternalTarget::Http { url }, Duration::from_secs(30));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({}));
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert_eq!(failure.step, Step::SetSecret);
    assert!(matches!(failure.error, StepError::External(ExternalError::Status { status: 500 })), "{failure:?}");
    assert_eq!(server.await.unwrap().len(), 2);

    let f = function(ExternalTarget::Http { url: "ftp://example.invalid/x".into() }, Duration::from_secs(5));
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert!(matches!(failure.error, StepError::External(ExternalError::InvalidUrl)), "{failure:?}");
}

/// A Lambda-style handler behind `examples/rotation/lambda_wrapper.py`: it sees the event and
/// the endpoint, and an exception fails the step.
#[tokio::test]
async fn a_lambda_handler_runs_behind_the_python_wrapper() {
    let python_ok = std::process::Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !python_ok {
        common::missing("python3 (for the Lambda wrapper)");
        return;
    }
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/rotation/lambda_wrapper.py");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("handled.log");
    std::fs::write(
        dir.path().join("lambda_function.py"),
        format!(
            "import json, os\n\
             def lambda_handler(event, context):\n    \
                 with open({log:?}, 'a') as f:\n        \
                     f.write(json.dumps([event['Step'], os.environ['SECRETS_MANAGER_ENDPOINT'], os.environ['AWS_REGION']]) + '\\n')\n    \
                 if event['Step'] == 'finishSecret' and os.path.exists({fail:?}):\n        \
                     raise ValueError('refused')\n",
            log = log.display().to_string(),
            fail = dir.path().join("fail").display().to_string(),
        ),
    )
    .unwrap();
    let target = ExternalTarget::Command {
        program: "python3".into(),
        args: vec![wrapper.display().to_string(), dir.path().display().to_string()],
    };
    let f = function(target, Duration::from_secs(30));
    let api = MemorySecrets::default();
    api.create(ARN, &json!({}));
    api.rotate(ARN, &f).await.unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let want: Vec<serde_json::Value> =
        Step::ALL.iter().map(|s| json!([s.as_str(), "http://127.0.0.1:4599", "eu-west-3"])).collect();
    assert_eq!(lines, want);

    std::fs::write(dir.path().join("fail"), "").unwrap();
    let failure = api.rotate(ARN, &f).await.unwrap_err();
    assert_eq!(failure.step, Step::FinishSecret);
    assert!(matches!(failure.error, StepError::External(ExternalError::Exit { code: Some(1) })), "{failure:?}");
}
