//! Values, versions and staging labels.

use aws_sdk_secretsmanager::primitives::Blob;

use super::err_code;
use crate::common::TestServer;

const TOKEN_1: &str = "11111111-1111-4111-8111-111111111111";
const TOKEN_2: &str = "22222222-2222-4222-8222-222222222222";

#[tokio::test]
async fn secrets_values_by_name_arn_and_partial_arn_with_label_moves() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let created = sm.create_secret().name("prod/db").secret_string("first").send().await.unwrap();
    let arn = created.arn().unwrap().to_owned();
    let account = server.account().await;
    let partial = format!("arn:aws:secretsmanager:us-east-1:{account}:secret:prod/db");
    assert!(arn.starts_with(&format!("{partial}-")), "{arn}");
    assert_eq!(arn.len(), partial.len() + 7, "a six-character suffix: {arn}");
    let v1 = created.version_id().unwrap().to_owned();

    for id in ["prod/db", arn.as_str(), partial.as_str()] {
        let got = sm.get_secret_value().secret_id(id).send().await.unwrap();
        assert_eq!(got.secret_string(), Some("first"), "{id}");
        assert_eq!(got.arn(), Some(arn.as_str()));
        assert_eq!(got.version_stages(), ["AWSCURRENT"]);
    }
    let wrong_suffix = format!("{partial}-ZZZZZZ");
    assert_eq!(err_code(sm.get_secret_value().secret_id(&wrong_suffix).send().await), "ResourceNotFoundException");

    let put = sm.put_secret_value().secret_id("prod/db").secret_string("second").client_request_token(TOKEN_1);
    let put = put.send().await.unwrap();
    assert_eq!(put.version_id(), Some(TOKEN_1));
    assert_eq!(put.version_stages(), ["AWSCURRENT"]);
    let current = sm.get_secret_value().secret_id(&arn).send().await.unwrap();
    assert_eq!((current.secret_string(), current.version_id()), (Some("second"), Some(TOKEN_1)));
    let previous = sm.get_secret_value().secret_id(&arn).version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!((previous.secret_string(), previous.version_id()), (Some("first"), Some(v1.as_str())));
    let by_id = sm.get_secret_value().secret_id(&arn).version_id(&v1).send().await.unwrap();
    assert_eq!(by_id.version_stages(), ["AWSPREVIOUS"]);

    // The same token and value again is the same version; another value is refused.
    let again = sm.put_secret_value().secret_id("prod/db").secret_string("second").client_request_token(TOKEN_1);
    assert_eq!(again.send().await.unwrap().version_id(), Some(TOKEN_1));
    let clash = sm.put_secret_value().secret_id("prod/db").secret_string("other").client_request_token(TOKEN_1);
    assert_eq!(err_code(clash.send().await), "ResourceExistsException");

    // A pending version moves nothing; then a custom label moves by UpdateSecretVersionStage.
    let pending = sm.put_secret_value().secret_id("prod/db").secret_binary(Blob::new(b"\x00\x01binary".to_vec()));
    let pending = pending.client_request_token(TOKEN_2).version_stages("AWSPENDING").send().await.unwrap();
    assert_eq!(pending.version_stages(), ["AWSPENDING"]);
    let bin = sm.get_secret_value().secret_id("prod/db").version_stage("AWSPENDING").send().await.unwrap();
    assert_eq!(bin.secret_binary().map(|b| b.as_ref()), Some(&b"\x00\x01binary"[..]));
    assert_eq!(bin.secret_string(), None);
    assert_eq!(sm.get_secret_value().secret_id("prod/db").send().await.unwrap().version_id(), Some(TOKEN_1));

    let stage = sm.update_secret_version_stage().secret_id("prod/db").version_stage("AWSCURRENT");
    let refused = stage.clone().move_to_version_id(TOKEN_2).send().await;
    assert_eq!(err_code(refused), "InvalidParameterException", "AWSCURRENT is on another version");
    stage.move_to_version_id(TOKEN_2).remove_from_version_id(TOKEN_1).send().await.unwrap();
    let described = sm.describe_secret().secret_id("prod/db").send().await.unwrap();
    let stages = described.version_ids_to_stages().unwrap();
    let mut on_2 = stages[TOKEN_2].clone();
    on_2.sort();
    assert_eq!(on_2, ["AWSCURRENT", "AWSPENDING"]);
    assert_eq!(stages[TOKEN_1], ["AWSPREVIOUS"]);
    assert!(!stages.contains_key(&v1), "the first version has no label left");

    let listed = sm.list_secret_version_ids().secret_id("prod/db").send().await.unwrap();
    assert_eq!(listed.versions().len(), 2, "deprecated versions are left out");
    let all = sm.list_secret_version_ids().secret_id("prod/db").include_deprecated(true).send().await.unwrap();
    assert_eq!(all.versions().len(), 3);
    assert!(all.versions().iter().all(|v| !v.kms_key_ids().is_empty()));

    let custom = sm.update_secret_version_stage().secret_id("prod/db").version_stage("Blue").move_to_version_id(&v1);
    custom.send().await.unwrap();
    let blue = sm.get_secret_value().secret_id("prod/db").version_stage("Blue").send().await.unwrap();
    assert_eq!(blue.secret_string(), Some("first"));
    let gone = sm.get_secret_value().secret_id("prod/db").version_stage("Green").send().await;
    assert_eq!(err_code(gone), "ResourceNotFoundException");
}

#[tokio::test]
async fn secrets_create_is_idempotent_and_update_makes_a_new_current_version() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let create = sm.create_secret().name("app").secret_string("v").client_request_token(TOKEN_1);
    let first = create.clone().send().await.unwrap();
    let retried = create.send().await.unwrap();
    assert_eq!((retried.arn(), retried.version_id()), (first.arn(), first.version_id()));
    let other = sm.create_secret().name("app").secret_string("w").send().await;
    assert_eq!(err_code(other), "ResourceExistsException");
    let empty = sm.create_secret().name("empty").send().await.unwrap();
    assert_eq!(empty.version_id(), None);
    let no_value = sm.get_secret_value().secret_id("empty").send().await;
    assert_eq!(err_code(no_value), "ResourceNotFoundException");
    let both = sm.create_secret().name("both").secret_string("s").secret_binary(Blob::new(b"b".to_vec()));
    assert_eq!(err_code(both.send().await), "InvalidParameterException");
    assert_eq!(err_code(sm.create_secret().name("bad name!").send().await), "InvalidParameterException");
    assert_eq!(err_code(sm.create_secret().name("").send().await), "ValidationException");

    let updated = sm.update_secret().secret_id("app").description("the app").secret_string("v2").send().await.unwrap();
    let v2 = updated.version_id().unwrap();
    let got = sm.get_secret_value().secret_id("app").send().await.unwrap();
    assert_eq!((got.secret_string(), got.version_id()), (Some("v2"), Some(v2)));
    let d = sm.describe_secret().secret_id("app").send().await.unwrap();
    assert_eq!(d.description(), Some("the app"));
    assert!(d.last_accessed_date().is_some(), "the read was recorded");
    let only_description = sm.update_secret().secret_id("app").description("again").send().await.unwrap();
    assert_eq!(only_description.version_id(), None);

    let batch = sm.batch_get_secret_value().secret_id_list("app").secret_id_list("missing").send().await.unwrap();
    assert_eq!(batch.secret_values().len(), 1);
    assert_eq!(batch.secret_values()[0].secret_string(), Some("v2"));
    assert_eq!(batch.errors().len(), 1);
    assert_eq!(batch.errors()[0].secret_id(), Some("missing"));
    assert_eq!(batch.errors()[0].error_code(), Some("ResourceNotFoundException"));
}
