//! `/aws/reference/secretsmanager/<secret-id>` through `aws-sdk-ssm`: a Secrets Manager
//! secret read with `GetParameter` and `GetParameters` as AWS documents it ("Referencing AWS
//! Secrets Manager secrets from Parameter Store parameters"): the answer's members and
//! `SourceResult`, version id and staging label selectors, the `WithDecryption` rule, and
//! the two permissions a caller needs.

use aws_sdk_ssm::types::ParameterType;
use base64::Engine;

use crate::common::{TestServer, expect_code};
use crate::iam::allow;

const REF: &str = "/aws/reference/secretsmanager/";

/// Creates `name` with two versions: `first` (then `AWSPREVIOUS`) and `second`
/// (`AWSCURRENT`); returns the secret's ARN and the first version's id.
async fn two_versions(server: &TestServer, name: &str, first: &str, second: &str) -> (String, String) {
    let sm = server.secrets();
    let created = sm.create_secret().name(name).secret_string(first).send().await.expect("create secret");
    sm.put_secret_value().secret_id(name).secret_string(second).send().await.expect("second value");
    (created.arn().unwrap().to_owned(), created.version_id().unwrap().to_owned())
}

#[tokio::test]
async fn get_parameter_reads_the_secret_as_aws_documents() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    let (arn, first_id) = two_versions(&server, "db/prod", "pw-one", "pw-two").await;

    let out = ssm.get_parameter().name(format!("{REF}db/prod")).with_decryption(true).send().await.expect("read");
    let p = out.parameter().unwrap();
    assert_eq!(p.name(), Some("/aws/reference/secretsmanager/db/prod"));
    assert_eq!((p.r#type(), p.value(), p.version()), (Some(&ParameterType::SecureString), Some("pw-two"), 0));
    assert_eq!((p.arn(), p.data_type(), p.selector()), (Some(arn.as_str()), Some("text"), None));
    assert!(p.last_modified_date().is_some());
    let source: serde_json::Value = serde_json::from_str(p.source_result().expect("SourceResult")).unwrap();
    assert_eq!(source["Name"], "db/prod");
    assert_eq!(source["ARN"], arn.as_str());
    assert_eq!(source["SecretString"], "pw-two");
    assert_eq!(source["VersionStages"], serde_json::json!(["AWSCURRENT"]));
    assert!(source["VersionId"].as_str().is_some_and(|v| v != first_id));
    assert!(source["CreatedDate"].is_number());

    let by_stage =
        ssm.get_parameter().name(format!("{REF}db/prod:AWSPREVIOUS")).with_decryption(true).send().await.unwrap();
    let p = by_stage.parameter().unwrap();
    assert_eq!((p.value(), p.selector()), (Some("pw-one"), Some(":AWSPREVIOUS")));
    assert_eq!(p.name(), Some("/aws/reference/secretsmanager/db/prod"), "the name comes back without selector");
    let by_id =
        ssm.get_parameter().name(format!("{REF}db/prod:{first_id}")).with_decryption(true).send().await.unwrap();
    assert_eq!(by_id.parameter().unwrap().value(), Some("pw-one"));
    let by_arn = ssm.get_parameter().name(format!("{REF}{arn}")).with_decryption(true).send().await.unwrap();
    assert_eq!(by_arn.parameter().unwrap().value(), Some("pw-two"), "the secret id may be its ARN");

    for missing in ["db/prod:NOSUCHSTAGE", "db/prod:no/such/stage"] {
        let r = ssm.get_parameter().name(format!("{REF}{missing}")).with_decryption(true).send().await;
        expect_code(r, "ParameterVersionNotFound");
    }
    let r = ssm.get_parameter().name(format!("{REF}db/other")).with_decryption(true).send().await;
    assert_eq!(expect_code(r, "ParameterNotFound"), "Parameter /aws/reference/secretsmanager/db/other not found.");
    let r = ssm.get_parameter().name(format!("{REF}db/prod")).send().await;
    assert_eq!(
        expect_code(r, "ValidationException"),
        "WithDecryption flag must be True for retrieving a Secret Manager secret."
    );

    // A deleted secret is no longer found through its reference.
    server.secrets().delete_secret().secret_id("db/prod").send().await.unwrap();
    let r = ssm.get_parameter().name(format!("{REF}db/prod")).with_decryption(true).send().await;
    expect_code(r, "ParameterNotFound");
}

#[tokio::test]
async fn get_parameters_mixes_references_and_parameters() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    two_versions(&server, "api-key", "k1", "k2").await;
    let sm = server.secrets();
    let bytes = [0u8, 159, 146, 150, 255];
    sm.create_secret()
        .name("blob")
        .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(bytes.to_vec()))
        .send()
        .await
        .unwrap();
    ssm.put_parameter().name("/plain").value("v").r#type(ParameterType::String).send().await.unwrap();

    let names = [format!("{REF}api-key"), format!("{REF}blob"), format!("{REF}nothing"), "/plain".to_owned()];
    let out = ssm.get_parameters().set_names(Some(names.to_vec())).with_decryption(true).send().await.unwrap();
    let got: Vec<(&str, &str)> = out.parameters().iter().map(|p| (p.name().unwrap(), p.value().unwrap())).collect();
    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
    assert_eq!(
        got,
        vec![
            ("/aws/reference/secretsmanager/api-key", "k2"),
            ("/aws/reference/secretsmanager/blob", blob.as_str()),
            ("/plain", "v")
        ]
    );
    assert_eq!(out.invalid_parameters(), [format!("{REF}nothing")]);
    let source: serde_json::Value =
        serde_json::from_str(out.parameters()[1].source_result().unwrap()).expect("SourceResult");
    assert_eq!(source["SecretBinary"], blob.as_str());

    let r = ssm.get_parameters().set_names(Some(names.to_vec())).send().await;
    expect_code(r, "ValidationException");
}

#[tokio::test]
async fn a_reference_needs_both_ssm_and_secrets_manager_permissions() {
    let server = TestServer::start().await;
    let (arn, _) = two_versions(&server, "team/token", "t1", "t2").await;
    let account = server.account().await;
    let param_arn = format!("arn:aws:ssm:us-east-1:{account}:parameter/aws/reference/secretsmanager/team/token");
    let name = format!("{REF}team/token");

    let ssm_only = server.user_with_policy("ssm-only", Some(&allow(r#""ssm:GetParameter""#, &param_arn))).await;
    let r = server.ssm(&ssm_only).get_parameter().name(&name).with_decryption(true).send().await;
    assert!(expect_code(r, "AccessDeniedException").contains("secretsmanager:GetSecretValue"));

    let sm_only = server.user_with_policy("sm-only", Some(&allow(r#""secretsmanager:GetSecretValue""#, &arn))).await;
    let r = server.ssm(&sm_only).get_parameter().name(&name).with_decryption(true).send().await;
    assert!(expect_code(r, "AccessDeniedException").contains("ssm:GetParameter"));

    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Action":["ssm:GetParameter","ssm:GetParameters"],"Resource":"{param_arn}"}},
            {{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"{arn}"}}]}}"#
    );
    let both = server.ssm(&server.user_with_policy("both", Some(&policy)).await);
    let out = both.get_parameter().name(&name).with_decryption(true).send().await.expect("allowed");
    assert_eq!(out.parameter().unwrap().value(), Some("t2"));
    let out = both.get_parameters().names(&name).with_decryption(true).send().await.expect("allowed");
    assert_eq!(out.parameters().len(), 1);
}

/// Parameter Store calls name their parameters' ARNs as the records' `resources` (selectors
/// cut, ARNs of other accounts left out), and a secret read through a reference never puts
/// its value or `SourceResult` in the trail.
#[tokio::test]
async fn records_name_the_parameters_and_never_the_referenced_value() {
    let server = TestServer::start().await;
    let ssm = server.ssm(&server.admin_creds());
    let account = server.account().await;
    let canary = "REFERENCE-CANARY-7d1e";
    server.secrets().create_secret().name("canary").secret_string(canary).send().await.unwrap();
    ssm.put_parameter().name("/audit/a").value("v").r#type(ParameterType::String).send().await.unwrap();
    ssm.get_parameter().name("/audit/a:1").send().await.unwrap();
    ssm.get_parameter().name(format!("{REF}canary")).with_decryption(true).send().await.unwrap();
    let other = "arn:aws:ssm:us-east-1:444455556666:parameter/theirs";
    ssm.get_parameters().names("/audit/a").names("/audit/b").names(other).send().await.unwrap();

    let body =
        r#"{"MaxResults":50,"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"ssm.amazonaws.com"}]}"#;
    let page = crate::audit_trail::lookup(&server, body).await;
    let text = page.to_string();
    assert!(!text.contains(canary), "the referenced secret's value is in the trail");
    let mut events = crate::audit_trail::records(&page);
    events.reverse();
    let arns = |e: &serde_json::Value| -> Vec<String> {
        e["resources"].as_array().unwrap().iter().map(|r| r["ARN"].as_str().unwrap().to_owned()).collect()
    };
    let arn = |name: &str| format!("arn:aws:ssm:us-east-1:{account}:parameter/{name}");
    let names: Vec<&str> = events.iter().map(|e| e["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["PutParameter", "GetParameter", "GetParameter", "GetParameters"]);
    assert_eq!(arns(&events[0]), [arn("audit/a")]);
    assert_eq!(arns(&events[1]), [arn("audit/a")], "the selector is not part of the ARN");
    assert_eq!(arns(&events[2]), [arn("aws/reference/secretsmanager/canary")]);
    assert_eq!(arns(&events[3]), [arn("audit/a"), arn("audit/b")], "another account's ARN is left out");
    assert_eq!(events[0]["resources"][0]["type"], "AWS::SSM::Parameter");
    assert_eq!(events[0]["resources"][0]["accountId"], account.as_str());
}
