//! Secrets Manager end to end through `aws-sdk-secretsmanager`: values and their versions,
//! staging labels, deletion and restore on a moved clock, listing, tags, resource policies,
//! KMS keys, passwords and the errors.

mod concurrency;
mod cross_account;
mod key_change;
mod keys_and_errors;
mod lifecycle;
mod listing;
mod replicas;
mod resource_policies;
mod rotation;
mod rotation_events;
mod rotation_external;
mod rotation_mariadb;
mod rotation_restart;
mod values;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use aws_smithy_async::time::SharedTimeSource;

use crate::common::{SdkClock, TestServer};

impl TestServer {
    /// A Secrets Manager client for the administrator in `us-east-1`.
    pub(crate) fn secrets(&self) -> Client {
        self.secrets_with(&self.access_key_id, &self.secret_access_key)
    }

    /// A Secrets Manager client with other credentials, in `us-east-1`.
    pub(crate) fn secrets_with(&self, akid: &str, secret: &str) -> Client {
        self.secrets_as(akid, secret, None)
    }

    /// A Secrets Manager client with other credentials and perhaps a session token.
    pub(crate) fn secrets_as(&self, akid: &str, secret: &str, token: Option<String>) -> Client {
        let creds = aws_credential_types::Credentials::new(akid, secret, token, None, "trent-tests");
        let conf = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(creds)
            .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
            .time_source(SharedTimeSource::new(SdkClock::new(self.clock.clone())))
            .build();
        Client::from_conf(conf)
    }
}

/// The AWS error code of an SDK error.
pub(crate) fn err_code<T: std::fmt::Debug, E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code().unwrap_or("<no code>").to_owned(),
    }
}

/// The KMS calls Secrets Manager made by itself in `region`'s trail (the scheduler's work:
/// replicas tried again, rotations), found through `LookupEvents`, oldest first. Each is checked
/// to be shaped as CloudTrail records a call an AWS service makes by itself.
pub(crate) async fn service_kms_calls(server: &TestServer, region: &str) -> Vec<serde_json::Value> {
    let body =
        r#"{"MaxResults":50,"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"kms.amazonaws.com"}]}"#;
    let mut req = crate::common::json_request(Some("CloudTrail_20131101.LookupEvents"), body);
    server.sign(&mut req, region, "cloudtrail");
    let answer = server.send_raw(req).await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let page = answer.json();
    let mut calls = Vec::new();
    for looked_up in page["Events"].as_array().expect("events") {
        let call: serde_json::Value =
            serde_json::from_str(looked_up["CloudTrailEvent"].as_str().expect("a record")).expect("json");
        if call["userIdentity"]["type"] != "AWSService" {
            continue;
        }
        let service = "secretsmanager.amazonaws.com";
        assert_eq!(call["userIdentity"], serde_json::json!({"type": "AWSService", "invokedBy": service}), "{call}");
        assert_eq!(call["eventType"], "AwsServiceEvent", "{call}");
        assert_eq!(call["eventSource"], "kms.amazonaws.com", "{call}");
        assert_eq!((call["sourceIPAddress"].as_str(), call["userAgent"].as_str()), (Some(service), Some(service)));
        assert_eq!(call["awsRegion"], region, "{call}");
        assert_eq!(call["resources"][0]["type"], "AWS::KMS::Key", "{call}");
        assert!(call["requestParameters"]["encryptionContext"]["SecretARN"].is_string(), "{call}");
        assert!(looked_up.get("Username").is_none(), "no user name: {looked_up}");
        calls.push(call);
    }
    calls.reverse();
    calls
}
