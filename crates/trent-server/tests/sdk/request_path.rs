//! The one request path every wire service goes through: each service authenticates against
//! its own signing name (served or not yet), the audit trail records typed facts (in both
//! accounts for a cross-account call, never credential material, never past 256 KB), and
//! request quotas bound what any caller can make the server do or record.

use trent_server::{RawConfig, RawQuotas};

use crate::common::{RawAnswer, TestServer, blob, expect_code, json_request};
use crate::iam::Creds;

/// A signed awsJson request to `target` for `service`, as the administrator.
async fn signed(server: &TestServer, target: &str, service: &str, body: &str) -> RawAnswer {
    let mut req = json_request(Some(target), body);
    server.sign(&mut req, "us-east-1", service);
    server.send_raw(req).await
}

/// The records of the administrator's account (newest first).
async fn trail(server: &TestServer) -> Vec<serde_json::Value> {
    trail_of(server, None).await
}

/// The event names of the administrator's account (newest first).
pub(crate) async fn event_names(server: &TestServer) -> Vec<String> {
    trail(server).await.iter().filter_map(|r| r["eventName"].as_str().map(str::to_owned)).collect()
}

async fn trail_of(server: &TestServer, creds: Option<&Creds>) -> Vec<serde_json::Value> {
    let mut req = json_request(Some("CloudTrail_20131101.LookupEvents"), r#"{"MaxResults":50}"#);
    server.sign_with(&mut req, creds.unwrap_or(&server.admin_creds()), "us-east-1", "cloudtrail");
    crate::audit_trail::records(&server.send_raw(req).await.json())
}

/// Regression: a request for an operation Trent does not serve (an unknown Secrets Manager
/// operation, an SSM operation outside Parameter Store) was authenticated as if it were KMS
/// (`Credential should be scoped to correct service: 'kms'`).
#[tokio::test]
async fn services_not_served_yet_authenticate_with_their_own_name_and_answer_unknown_operation() {
    let server = TestServer::start().await;
    for (target, service) in [("secretsmanager.NoSuchOperation", "secretsmanager"), ("AmazonSSM.SendCommand", "ssm")] {
        let answer = signed(&server, target, service, r#"{"Name":"x"}"#).await;
        assert_eq!((answer.status, answer.error_type()), (400, "UnknownOperationException".into()), "{target}");
        // Signed for KMS, the request is refused in the service's own terms.
        let answer = signed(&server, target, "kms", "{}").await;
        assert_eq!(answer.error_type(), "InvalidSignatureException", "{target}");
        let message = answer.json()["message"].as_str().unwrap_or_default().to_owned();
        assert_eq!(message, format!("Credential should be scoped to correct service: '{service}'."));
        // Unsigned, it learns nothing but that a signature is needed.
        let answer = server.send_raw(json_request(Some(target), "{}")).await;
        assert_eq!(answer.error_type(), "MissingAuthenticationTokenException");
    }
    let records = trail(&server).await;
    let sources: Vec<&str> = records.iter().filter_map(|r| r["eventSource"].as_str()).collect();
    assert!(sources.contains(&"secretsmanager.amazonaws.com") && sources.contains(&"ssm.amazonaws.com"), "{sources:?}");
    let ssm = records.iter().find(|r| r["eventName"] == "SendCommand").expect("recorded");
    assert_eq!(ssm["errorCode"], "UnknownOperationException");
    assert!(ssm["requestParameters"].is_null(), "an unserved operation's body is not recorded");
}

#[tokio::test]
async fn a_target_of_no_declared_service_is_authenticated_for_its_own_scope_then_refused() {
    let server = TestServer::start().await;
    let answer = signed(&server, "DynamoDB_20120810.ListTables", "dynamodb", "{}").await;
    assert_eq!(answer.error_type(), "UnknownOperationException");
    let mut req = json_request(Some("DynamoDB_20120810.ListTables"), "{}");
    server.sign(&mut req, "us-east-1", "dynamodb");
    req.headers_mut().insert("x-amz-date", "20200101T000000Z".parse().unwrap());
    assert_eq!(server.send_raw(req).await.error_type(), "InvalidSignatureException");
    // A KMS-signed request with a target KMS does not know is KMS's unknown operation.
    let answer = signed(&server, "TrentService.Nope", "kms", "{}").await;
    assert_eq!(answer.error_type(), "UnknownOperationException");
    assert!(trail(&server).await.iter().any(|r| r["eventName"] == "Nope"));
}

#[tokio::test]
async fn events_carry_the_typed_facts_of_the_call() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    kms.create_alias().alias_name("alias/facts").target_key_id(&key).send().await.unwrap();
    kms.encrypt().key_id("alias/facts").plaintext(blob(b"FACTS-CANARY")).send().await.unwrap();
    expect_code(kms.encrypt().key_id("alias/none").plaintext(blob(b"x")).send().await, "NotFoundException");
    let records = trail(&server).await;
    let arn = server.key_arn(&key).await;
    let account = server.account().await;
    let encrypts: Vec<_> = records.iter().filter(|r| r["eventName"] == "Encrypt").collect();
    let ok = encrypts.iter().find(|r| r["errorCode"].is_null()).expect("allowed");
    assert_eq!(ok["requestParameters"], serde_json::json!({"keyId": "alias/facts"}));
    assert_eq!(ok["resources"], serde_json::json!([{"accountId": account, "type": "AWS::KMS::Key", "ARN": arn}]));
    let failed = encrypts.iter().find(|r| r["errorCode"] == "NotFoundException").expect("failed");
    let alias_arn = format!("arn:aws:kms:us-east-1:{account}:alias/none");
    assert_eq!(failed["resources"][0]["ARN"], alias_arn.as_str(), "an unresolved alias is named as such");
    let alias = records.iter().find(|r| r["eventName"] == "CreateAlias").expect("alias");
    let kinds: Vec<&str> = alias["resources"].as_array().unwrap().iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(kinds, ["AWS::KMS::Key", "AWS::KMS::Alias"]);
    assert!(!serde_json::to_string(&records).unwrap().contains("FACTS-CANARY"));
}

/// Regression: a cross-account call was recorded in the caller's trail only, so a key's owner
/// never saw who used or changed its key.
#[tokio::test]
async fn a_cross_account_call_is_recorded_in_both_accounts_unless_it_was_denied() {
    let server = TestServer::start().await;
    let owner = server.account().await;
    let key = server.new_key().await;
    let arn = server.key_arn(&key).await;
    let (partner, partner_admin) = crate::key_policies::second_account(&server).await;
    let other = server.kms(&partner_admin);
    expect_code(other.encrypt().key_id(&arn).plaintext(blob(b"x")).send().await, "AccessDeniedException");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner}:root"}},"Action":"kms:*","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner}:root"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#
    );
    server.client().put_key_policy().key_id(&key).policy(policy).send().await.unwrap();
    other.encrypt().key_id(&arn).plaintext(blob(b"shared")).send().await.unwrap();

    let theirs = trail_of(&server, Some(&partner_admin)).await;
    let ours = trail(&server).await;
    let encrypts = |records: &[serde_json::Value]| -> Vec<serde_json::Value> {
        records.iter().filter(|r| r["eventName"] == "Encrypt").cloned().collect()
    };
    let (theirs, ours) = (encrypts(&theirs), encrypts(&ours));
    assert_eq!(theirs.len(), 2, "the caller's trail has the denied and the allowed call");
    assert_eq!(ours.len(), 1, "the owner's trail has the allowed call only: {ours:?}");
    let (mine, copy) = (theirs.iter().find(|r| r["errorCode"].is_null()).unwrap(), &ours[0]);
    assert_eq!(copy["recipientAccountId"], owner.as_str());
    assert_eq!(mine["recipientAccountId"], partner.as_str());
    assert_eq!(copy["userIdentity"]["type"], "AWSAccount");
    assert_eq!(copy["userIdentity"]["accountId"], partner.as_str());
    assert!(copy["userIdentity"].get("accessKeyId").is_none());
    assert_eq!(mine["userIdentity"]["type"], "IAMUser");
    assert!(mine["sharedEventID"].is_string());
    assert_eq!(mine["sharedEventID"], copy["sharedEventID"]);
    assert_ne!(mine["eventID"], copy["eventID"]);
    assert_eq!(copy["resources"][0]["ARN"], arn.as_str());
    assert_eq!(copy["resources"][0]["accountId"], owner.as_str());
}

/// Regression: a presigned STS URL's session token and signature were recorded in
/// `requestParameters`, where `LookupEvents` returned them for replay.
#[tokio::test]
async fn credential_material_of_a_presigned_request_is_never_recorded() {
    let server = TestServer::start().await;
    let session = assumed_session(&server).await;
    let presigned = server.presigned_get("Action=GetCallerIdentity&Version=2011-06-15", &session, "sts");
    let query = presigned.uri().query().unwrap_or_default().to_owned();
    let answer = server.send_raw(presigned).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let records = trail(&server).await;
    let call = records.iter().find(|r| r["eventName"] == "GetCallerIdentity").expect("recorded");
    assert_eq!(call["userIdentity"]["accessKeyId"], session.id.as_str(), "the access key id is recorded");
    let text = serde_json::to_string(&records).unwrap();
    let token = session.token.unwrap();
    let signature = query.split('&').find_map(|p| p.strip_prefix("X-Amz-Signature=")).unwrap();
    assert!(!text.contains(&token) && !text.contains(&crate::iam::url_decode(&token)), "the session token leaked");
    assert!(!text.contains(signature), "the signature leaked");
    assert!(!text.contains("X-Amz-"), "no SigV4 member is recorded: {}", call["requestParameters"]);
}

async fn assumed_session(server: &TestServer) -> Creds {
    let account = server.account().await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let iam = server.iam(&server.admin_creds());
    iam.create_role().role_name("Presigner").assume_role_policy_document(trust).send().await.unwrap();
    let out = server
        .sts(&server.admin_creds())
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/Presigner"))
        .role_session_name("presign")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    Creds {
        id: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        token: Some(c.session_token().to_owned()),
    }
}

/// Regression: one request could make one audit record as large as the request body (1 MB).
#[tokio::test]
async fn no_record_exceeds_256_kb() {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let context: serde_json::Map<String, serde_json::Value> =
        (0..3000).map(|i| (format!("k{i:05}"), serde_json::Value::String("v".repeat(250)))).collect();
    let body = serde_json::json!({"KeyId": key, "Plaintext": "eA==", "EncryptionContext": context}).to_string();
    assert!(body.len() > 700 * 1024);
    let answer = server.call_raw("Encrypt", &body).await;
    assert_eq!(answer.status, 400, "{:?}", answer.json());
    let store = trent_store::SqliteAuditStore::open_read_only(&server.data_dir().join("audit.db")).await.unwrap();
    let found = trent_core::audit::search(&store, &trent_core::audit::EventQuery::all(50), u64::MAX).await.unwrap();
    let encrypt = found.events.iter().find(|e| e.index.event_name == "Encrypt").expect("recorded");
    let size = encrypt.event.json.len();
    assert!(size <= trent_core::audit::MAX_EVENT_BYTES, "{size} bytes");
    let record: serde_json::Value = serde_json::from_slice(&encrypt.event.json).unwrap();
    assert_eq!(record["errorCode"], "ValidationException");
    assert_eq!(record["requestParameters"]["truncated"], true, "the record says it was truncated");
}

/// Regression: a caller without any permission could grow the trail as fast as the server
/// could write, with denied or unknown calls.
#[tokio::test]
async fn quotas_bound_every_caller_and_the_sdks_retry_through_them() {
    let quotas = RawQuotas {
        enabled: Some(true),
        rates: Some([("kms:other".to_owned(), 5.0), ("kms:CreateKey".to_owned(), 2.0)].into()),
        regions: None,
    };
    let server = TestServer::start_with(RawConfig { quotas: Some(quotas), ..RawConfig::default() }).await;
    let nobody = server.user_with_policy("nobody", None).await;
    let before = trail(&server).await.len();
    let mut throttled = 0;
    for _ in 0..40 {
        let mut req = json_request(Some("TrentService.NoSuchOperation"), "{}");
        server.sign_with(&mut req, &nobody, "us-east-1", "kms");
        match server.send_raw(req).await.error_type().as_str() {
            "ThrottlingException" => throttled += 1,
            "UnknownOperationException" => {}
            other => panic!("{other}"),
        }
    }
    assert!(throttled >= 30, "at most about one second of burst passes: {throttled} throttled");
    let recorded = trail(&server).await.len() - before;
    assert!(recorded <= 12, "{recorded} records for 40 calls of a caller with no permissions");

    // The SDK's standard retries get a burst of CreateKey through a 2/s quota.
    let retrying = {
        let conf = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{}", server.addr))
            .credentials_provider(aws_credential_types::Credentials::new(
                &server.access_key_id,
                &server.secret_access_key,
                None,
                None,
                "t",
            ))
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::standard().with_max_attempts(10))
            .build();
        aws_sdk_kms::Client::from_conf(conf)
    };
    let bare = server.client();
    let first: Vec<_> = futures_join(4, || bare.create_key().send()).await;
    assert!(first.iter().any(|r| r.as_ref().is_err_and(|e| crate::common::code(e) == "ThrottlingException")));
    for r in futures_join(4, || retrying.create_key().send()).await {
        r.expect("retried through the quota");
    }
}

/// Runs `n` calls at once and collects their results.
async fn futures_join<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
