//! What is recorded of KMS calls, and above all what is not: every KMS operation is fed a
//! request and an answer full of secrets, and none may survive into the event.

use serde_json::{Value, json};
use time::macros::datetime;

use super::redact::{cloudtrail_date, filter_json, filter_owned, lower_camel};
use super::rules::{CLOUDTRAIL, IAM, KMS, SECRET_NAME_PARTS, SECRET_NAMES, SECRETS_MANAGER, SSM, STS, ServiceRules};
use super::{
    CallFacts, CallRecord, KmsNames, Outcome, call_event, kms_request_parameters, kms_resources, kms_response_elements,
};
use std::sync::Arc;

use crate::identity::{Caller, CallerIdentity, Principal, PrincipalKind};
use crate::ids::{AccountId, Region};

/// Every operation of botocore's KMS model (kms 2014-11-01, botocore 1.44).
const BOTOCORE_KMS_OPERATIONS: &[&str] = &[
    "CancelKeyDeletion",
    "ConnectCustomKeyStore",
    "CreateAlias",
    "CreateCustomKeyStore",
    "CreateGrant",
    "CreateKey",
    "Decapsulate",
    "Decrypt",
    "DeleteAlias",
    "DeleteCustomKeyStore",
    "DeleteImportedKeyMaterial",
    "DeriveSharedSecret",
    "DescribeCustomKeyStores",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "DisconnectCustomKeyStore",
    "EnableKey",
    "EnableKeyRotation",
    "Encapsulate",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "GetKeyLastUsage",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetParametersForImport",
    "GetPublicKey",
    "ImportKeyMaterial",
    "ListAliases",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListKeys",
    "ListResourceTags",
    "ListRetirableGrants",
    "PutKeyPolicy",
    "ReEncrypt",
    "ReplicateKey",
    "RetireGrant",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "TagResource",
    "UntagResource",
    "UpdateAlias",
    "UpdateCustomKeyStore",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "Verify",
    "VerifyMac",
];

/// Members of each model that are blobs or marked sensitive (extracted from botocore).
const BOTOCORE_SECRETS: &[(&str, &[&str])] = &[
    (
        "kms",
        &[
            "AccessKeyId",
            "AttestationDocument",
            "CiphertextBlob",
            "CiphertextForRecipient",
            "EncryptedKeyMaterial",
            "ImportToken",
            "KeyStorePassword",
            "Mac",
            "Message",
            "Plaintext",
            "PrivateKeyCiphertextBlob",
            "PrivateKeyPlaintext",
            "PublicKey",
            "RawSecretAccessKey",
            "SharedSecret",
            "SharedSecretCiphertextBlob",
            "Signature",
        ],
    ),
    (
        "iam",
        &[
            "AddPrivateKey",
            "Base32StringSeed",
            "Content",
            "NewPassword",
            "OldPassword",
            "Password",
            "PrivateKey",
            "QRCodePNG",
            "SecretAccessKey",
            "ServiceCredentialSecret",
            "ServicePassword",
        ],
    ),
    ("sts", &["SAMLAssertion", "SecretAccessKey", "SessionToken", "TradeInToken", "WebIdentityToken"]),
    ("secretsmanager", &["RandomPassword", "RotationToken", "SecretBinary", "SecretString"]),
    ("ssm", &["Parameters", "Payload", "SecretAccessKey", "SessionToken", "Value", "Values"]),
];

fn caller() -> Caller {
    let account = AccountId::parse("111122223333").unwrap();
    Caller {
        principal: Principal {
            account,
            kind: PrincipalKind::User { name: "alice".into(), path: "/".into() },
            unique_id: "AIDAALICE".into(),
        },
        access_key_id: "AKIAALICEALICEALICE0".into(),
        region: Region::parse("eu-west-1").unwrap(),
        source_ip: None,
        user_agent: Some("test".into()),
        secure_transport: false,
        identity: Arc::new(CallerIdentity::root(&AccountId::parse("111122223333").unwrap())),
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

/// A body holding every secret member of KMS (and those dropped in every service), top level
/// and nested, each valued with a canary, beside ordinary members that must survive.
fn poisoned_body() -> Value {
    let kms = BOTOCORE_SECRETS.iter().find(|(s, _)| *s == "kms").map(|(_, m)| *m).unwrap();
    let global = ["SecretAccessKey", "SessionToken", "Password", "SecretString", "SecretBinary", "PrivateKey"];
    let mut secrets = serde_json::Map::new();
    for m in kms.iter().chain(global.iter()) {
        secrets.insert((*m).to_owned(), json!(format!("CANARY-{m}")));
    }
    for m in ["SourceCiphertextBlob", "KeyMaterial", "GrantTokens", "DataKeyPlaintext", "NewSecretBlob"] {
        secrets.insert(m.to_owned(), json!([format!("CANARY-{m}")]));
    }
    let mut body = secrets.clone();
    body.insert("KeyId".into(), json!("1234abcd-12ab-34cd-56ef-1234567890ab"));
    body.insert("EncryptionContext".into(), json!({"Department": "Engineering"}));
    body.insert("Recipient".into(), Value::Object(secrets.clone()));
    body.insert(
        "XksProxyAuthenticationCredential".into(),
        json!({"AccessKeyId": "CANARY-x", "RawSecretAccessKey": "CANARY-y"}),
    );
    body.insert("KeyMetadata".into(), json!({"KeyId": "k", "Nested": [Value::Object(secrets)]}));
    Value::Object(body)
}

#[test]
fn the_table_covers_every_kms_operation_of_the_model() {
    let names: Vec<&str> = KMS.operations.iter().map(|o| o.name).collect();
    assert_eq!(names, BOTOCORE_KMS_OPERATIONS);
}

#[test]
fn every_secret_member_of_every_model_is_dropped() {
    let tables: &[(&str, &ServiceRules)] =
        &[("kms", &KMS), ("iam", &IAM), ("sts", &STS), ("secretsmanager", &SECRETS_MANAGER), ("ssm", &SSM)];
    for (service, members) in BOTOCORE_SECRETS {
        let rules = tables.iter().find(|(s, _)| s == service).map(|(_, r)| *r).unwrap();
        for m in *members {
            assert!(rules.is_secret(m), "{service}: {m} would be recorded");
        }
    }
    for always in ["SecretAccessKey", "SessionToken", "Password", "SecretString", "SecretBinary", "AnyBlob"] {
        assert!(CLOUDTRAIL.is_secret(always), "{always} must be dropped in every service");
    }
}

#[test]
fn no_kms_operation_records_a_secret_through_any_path() {
    let body = poisoned_body();
    let who = caller();
    for op in BOTOCORE_KMS_OPERATIONS {
        let params = kms_request_parameters(op, &body);
        let elements = kms_response_elements(op, &body);
        let text = format!("{params:?} {elements:?}");
        assert!(!text.contains("CANARY"), "{op}: {text}");
        if KMS.operation(op).record_request {
            // Not everything is dropped: the ordinary members survive, renamed.
            let params = params.unwrap_or_else(|| panic!("{op}: parameters recorded"));
            assert_eq!(params["keyId"], json!("1234abcd-12ab-34cd-56ef-1234567890ab"), "{op}");
            assert_eq!(params["encryptionContext"], json!({"Department": "Engineering"}), "{op}");
        }

        let facts = CallFacts { request: Some(body.clone()), response: Some(body.clone()), ..CallFacts::default() };
        let failed = Outcome::Failed { code: "NotFoundException", message: "gone", denied: false };
        for outcome in [Outcome::Answered, failed] {
            let event = call_event(&CallRecord {
                rules: &KMS,
                caller: &who,
                operation: op,
                facts: &facts,
                outcome,
                request_id: "r",
                tls: None,
                time: datetime!(2026-11-22 19:55:31.5 UTC),
            });
            let json = String::from_utf8(event.to_canonical_json().unwrap()).unwrap();
            assert!(!json.contains("CANARY"), "{op}: {json}");
            assert!(json.contains("\"eventTime\":\"2026-11-22T19:55:31Z\""), "{json}");
        }
    }
}

#[test]
fn kms_request_parameters_have_cloudtrail_names_and_keep_context_keys() {
    let body = json!({
        "KeyId": "alias/app", "Plaintext": "c2VjcmV0", "EncryptionContext": {"Project": "x", "Plaintext": "ok"},
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "GrantTokens": ["t"],
    });
    assert_eq!(
        kms_request_parameters("Encrypt", &body),
        Some(json!({"keyId": "alias/app", "encryptionContext": {"Project": "x", "Plaintext": "ok"},
                    "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}))
    );
    assert_eq!(
        kms_request_parameters("Decrypt", &json!({"CiphertextBlob": "AAAA"})),
        Some(json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})),
        "CloudTrail always shows Decrypt's algorithm"
    );
    assert_eq!(kms_request_parameters("GenerateRandom", &json!({"NumberOfBytes": 32})), None);
    assert_eq!(kms_request_parameters("ListKeys", &json!({})), None);
    assert_eq!(
        kms_request_parameters("GenerateDataKey", &json!({"KeyId": "k", "KeySpec": "AES_256", "NumberOfBytes": 32})),
        Some(json!({"keyId": "k", "keySpec": "AES_256", "numberOfBytes": 32}))
    );
}

#[test]
fn kms_response_elements_are_null_except_where_cloudtrail_records_them() {
    let data_key = json!({"KeyId": "arn", "Plaintext": "c2VjcmV0", "CiphertextBlob": "AAAA"});
    for op in
        ["Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt", "GenerateRandom"]
    {
        assert_eq!(kms_response_elements(op, &data_key), None, "{op}");
    }
    let created = json!({"KeyMetadata": {"AWSAccountId": "111122223333", "KeyId": "k", "Arn": "arn:aws:kms:eu-west-1:111122223333:key/k",
        "CreationDate": 1660171107.0, "Enabled": true}});
    assert_eq!(
        kms_response_elements("CreateKey", &created),
        Some(json!({"keyMetadata": {"AWSAccountId": "111122223333", "keyId": "k",
            "arn": "arn:aws:kms:eu-west-1:111122223333:key/k", "creationDate": "Aug 10, 2022, 10:38:27 PM", "enabled": true}}))
    );
    let scheduled =
        json!({"KeyId": "arn", "KeyState": "PendingDeletion", "DeletionDate": 1618253910, "PendingWindowInDays": 20});
    assert_eq!(
        kms_response_elements("ScheduleKeyDeletion", &scheduled),
        Some(
            json!({"keyId": "arn", "keyState": "PendingDeletion", "deletionDate": "Apr 12, 2021, 6:58:30 PM", "pendingWindowInDays": 20})
        )
    );
}

#[test]
fn events_name_the_key_as_a_resource_and_carry_the_identity() {
    let mut who = caller();
    who.source_ip = Some("192.0.2.1".parse().unwrap());
    who.user_agent = Some("aws-sdk-rust".into());
    let resolved = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let names = KmsNames { requested: [Some("alias/app"), None], resolved: [Some(resolved), None], alias: None };
    let facts = CallFacts {
        request: Some(json!({"KeyId": "alias/app", "Plaintext": "c2VjcmV0"})),
        response: None,
        resources: kms_resources(&who, &names),
        key_uses: Vec::new(),
    };
    let event = call_event(&CallRecord {
        rules: &KMS,
        caller: &who,
        operation: "Encrypt",
        facts: &facts,
        outcome: Outcome::Answered,
        request_id: "req-1",
        tls: None,
        time: datetime!(2026-11-22 19:55:31 UTC),
    });
    let v: Value = serde_json::from_slice(&event.to_canonical_json().unwrap()).unwrap();
    assert_eq!(
        v["resources"],
        json!([{"accountId": "111122223333", "type": "AWS::KMS::Key",
        "ARN": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}])
    );
    assert_eq!(
        v["userIdentity"],
        json!({"type": "IAMUser", "principalId": "AIDAALICE",
        "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333",
        "accessKeyId": "AKIAALICEALICEALICE0", "userName": "alice"})
    );
    assert_eq!(v["readOnly"], json!(true));
    assert_eq!(v["responseElements"], Value::Null);
    assert_eq!(v["sourceIPAddress"], json!("192.0.2.1"));
    assert!(v.get("tlsDetails").is_none() && v.get("errorCode").is_none());
    assert_eq!(super::AuditEvent::from_json(&event.to_canonical_json().unwrap()).unwrap(), event);
}

#[test]
fn names_dates_and_bodies_convert_like_cloudtrail() {
    assert_eq!(lower_camel("KeyId"), "keyId");
    assert_eq!(lower_camel("AWSAccountId"), "AWSAccountId");
    assert_eq!(lower_camel("X"), "x");
    assert_eq!(cloudtrail_date(0.0).as_deref(), Some("Jan 1, 1970, 12:00:00 AM"));
    assert_eq!(filter_json(&KMS, b"not json"), None);
    assert_eq!(filter_json(&KMS, br#"{"a":1} trailing"#), None);
    assert_eq!(
        filter_json(&KMS, br#"{"Plaintext":"x","N":[1,2.5,null,true]}"#),
        Some(json!({"n": [1, 2.5, null, true]}))
    );
    assert_eq!(
        filter_owned(&KMS, json!({"Plaintext": "x", "Absent": null, "N": [1, null], "EncryptionContext": {"K": null}})),
        json!({"n": [1, null], "encryptionContext": {"K": null}}),
        "null members of a typed request are absent ones; user data keeps its keys"
    );
}

/// Regression guard for the shortcuts of record building: member names lower-cased and
/// secret patterns found byte-wise must give what the Unicode-aware `char` and `str`
/// functions give, for ASCII and other names alike.
#[test]
fn the_ascii_shortcuts_agree_with_the_general_functions() {
    let names = [
        "",
        "K",
        "k",
        "KeyId",
        "AWSAccountId",
        "ÉtatClé",
        "Ǆx",
        "İd",
        "ΣKey",
        "CiphertextBlob",
        "SourceCiphertext",
        "NewPlaintextKey",
        "Plaintex",
        "PasswordX",
        "MySignatureV4",
        "SessionTokens",
        "Ciphertex",
        "xPlaintext",
    ];
    let reference = |name: &str| {
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase() => name.to_owned(),
            (Some(a), _) => a.to_lowercase().chain(name[a.len_utf8()..].chars()).collect::<String>(),
            (None, _) => String::new(),
        }
    };
    for name in names {
        assert_eq!(lower_camel(name), reference(name), "{name}");
        let by_str = name.ends_with("Blob")
            || name.starts_with("PrivateKey")
            || SECRET_NAMES.contains(&name)
            || SECRET_NAME_PARTS.iter().any(|p| name.contains(p));
        assert_eq!(super::rules::is_secret_member(name), by_str, "{name}");
    }
}
