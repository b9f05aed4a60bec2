//! The bounds that are not one member's model constraint: AWS's key policy size quota, Trent's
//! caps on what an error message repeats, the order of validation, several violations in one
//! answer, and the members whose values must never come back.

use serde_json::json;

use crate::common::{TestServer, base64, blob, expect_code};

/// The account's root principal.
async fn root(server: &TestServer) -> String {
    format!("arn:aws:iam::{}:root", server.account().await)
}

/// A valid key policy of exactly `size` bytes: the account may do everything, then
/// `statements` more statements, each a Deny with a condition no request meets, padded with
/// the first statement's `Sid` (key policies allow any text there).
fn policy_of_size(root: &str, statements: usize, size: usize) -> String {
    let build = |sid: &str| {
        let mut list = vec![json!({
            "Sid": sid, "Effect": "Allow", "Principal": { "AWS": root }, "Action": "kms:*", "Resource": "*"
        })];
        list.extend((0..statements).map(|i| {
            json!({
                "Sid": format!("s{i}"),
                "Effect": "Deny",
                "Principal": { "AWS": root },
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": "*",
                "Condition": { "StringEquals": { format!("kms:EncryptionContext:k{i}"): ["never", "nor this"] } }
            })
        }));
        json!({ "Version": "2012-10-17", "Statement": list }).to_string()
    };
    let bare = build("").len();
    assert!(bare <= size, "{statements} statements take {bare} bytes, more than {size}");
    let policy = build(&"p".repeat(size - bare));
    assert_eq!(policy.len(), size);
    policy
}

/// Guards the key policy quota: AWS's documented 32 KB (not the model's 131,072 characters),
/// past which AWS answers `LimitExceededException`; a maximal policy still works.
#[tokio::test]
async fn key_policies_obey_the_32_kb_quota_and_a_maximal_one_is_enforced() {
    let server = TestServer::start().await;
    let kms = server.client();
    let root = root(&server).await;
    let id = server.new_key().await;
    let maximal = policy_of_size(&root, 120, 32_768);
    kms.put_key_policy().key_id(&id).policy(&maximal).send().await.expect("a 32,768-byte policy");
    let got = kms.get_key_policy().key_id(&id).send().await.expect("get key policy");
    assert_eq!(got.policy(), Some(maximal.as_str()));
    // Every statement is evaluated on every call: the key still works, and a Deny still bites.
    kms.encrypt().key_id(&id).plaintext(blob(b"x")).send().await.expect("encrypt under the maximal policy");
    let denied = kms.encrypt().key_id(&id).plaintext(blob(b"x")).encryption_context("k119", "never").send().await;
    expect_code(denied, "AccessDeniedException");

    let over = policy_of_size(&root, 120, 32_769);
    let m = expect_code(kms.put_key_policy().key_id(&id).policy(&over).send().await, "LimitExceededException");
    assert!(m.contains("32768"), "{m}");
    assert_eq!(kms.get_key_policy().key_id(&id).send().await.unwrap().policy(), Some(maximal.as_str()));
    let m = expect_code(kms.create_key().policy(&over).send().await, "LimitExceededException");
    assert!(m.contains("32768"), "{m}");
    kms.create_key().policy(&maximal).send().await.expect("CreateKey with a 32,768-byte policy");
}

/// Guards the validation order: the whole request is checked against the model, every
/// violation reported at once, before the key is even looked up.
#[tokio::test]
async fn all_violations_come_together_before_anything_else() {
    let server = TestServer::start().await;
    let body = json!({ "AliasName": "alias/bad name", "TargetKeyId": "k".repeat(2049) }).to_string();
    let answer = server.call_raw("CreateAlias", &body).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert_eq!(
        answer.json()["message"],
        format!(
            "2 validation errors detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$; Value '{}...' at 'targetKeyId' \
             failed to satisfy constraint: Member must have length less than or equal to 2048",
            "k".repeat(256)
        )
    );
    let body = json!({ "KeyId": "alias/none", "Plaintext": base64(b"x"), "EncryptionAlgorithm": "ROT13" });
    let answer = server.call_raw("Encrypt", &body.to_string()).await;
    assert_eq!(answer.error_type(), "ValidationException", "not NotFoundException: the model comes first");
}

/// Guards the amplification hole: a 1 MB member comes back as at most 256 characters of it.
#[tokio::test]
async fn a_huge_member_is_not_echoed_whole() {
    let server = TestServer::start().await;
    let id = server.new_key().await;
    let body = json!({ "KeyId": id, "Description": "d".repeat(1_000_000) }).to_string();
    let answer = server.call_raw("UpdateKeyDescription", &body).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert!(answer.body.len() < 1024, "{} bytes of answer", answer.body.len());
    let tags: Vec<_> = (0..20_000).map(|i| json!({ "TagKey": "", "TagValue": format!("v{i}") })).collect();
    let answer = server.call_raw("TagResource", &json!({ "KeyId": id, "Tags": tags }).to_string()).await;
    let message = answer.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("20000 validation errors detected: "), "{}", &message[..100.min(message.len())]);
    assert!(answer.body.len() < 4096, "{} bytes of answer", answer.body.len());
}

/// Guards the secret members: plaintexts and grant tokens never come back in a message.
#[tokio::test]
async fn secrets_are_never_echoed() {
    let server = TestServer::start().await;
    let id = server.new_key().await;
    let secret = "TOP-SECRET-".repeat(400);
    let body = json!({ "KeyId": id, "Plaintext": base64(secret.as_bytes()) });
    let answer = server.call_raw("Encrypt", &body.to_string()).await;
    assert_eq!(
        answer.json()["message"],
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: \
         Member must have length less than or equal to 4096"
    );
    let tokens = vec!["TOP-SECRET-TOKEN"; 11];
    let body = json!({ "KeyId": id, "Plaintext": base64(b"x"), "GrantTokens": tokens });
    let answer = server.call_raw("Encrypt", &body.to_string()).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert!(!String::from_utf8_lossy(&answer.body).contains("TOP-SECRET"));
    let body = json!({ "GrantToken": "TOP-SECRET-".repeat(800) });
    let answer = server.call_raw("RetireGrant", &body.to_string()).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert!(!String::from_utf8_lossy(&answer.body).contains("TOP-SECRET"));
}

/// Guards Trent's own bound on encryption contexts (the model sets none): 8 KiB of keys and
/// values.
#[tokio::test]
async fn encryption_contexts_are_bounded() {
    let server = TestServer::start().await;
    let id = server.new_key().await;
    let body = json!({ "KeyId": id, "Plaintext": base64(b"x"), "EncryptionContext": { "k": "v".repeat(8191) } });
    assert_eq!(server.call_raw("Encrypt", &body.to_string()).await.status, 200);
    let body = json!({ "KeyId": id, "Plaintext": base64(b"x"), "EncryptionContext": { "k": "v".repeat(8192) } });
    let answer = server.call_raw("Encrypt", &body.to_string()).await;
    assert_eq!(
        answer.json()["message"],
        "1 validation error detected: Value at 'encryptionContext' failed to satisfy constraint: \
         Member must have a total length of keys and values less than or equal to 8192 bytes"
    );
}

/// Guards the members Trent validates but does not act on: `IGNORE_CIPHERTEXT` on a dry run
/// is refused rather than ignored, and a well-formed `Recipient` is refused.
#[tokio::test]
async fn dry_run_modifiers_and_recipients_are_refused_not_ignored() {
    let server = TestServer::start().await;
    let id = server.new_key().await;
    let body = json!({ "CiphertextBlob": base64(b"not a ciphertext"), "DryRun": true, "DryRunModifiers": ["IGNORE_CIPHERTEXT"] });
    let answer = server.call_raw("Decrypt", &body.to_string()).await;
    assert_eq!(answer.error_type(), "UnsupportedOperationException");
    let body = json!({ "CiphertextBlob": base64(b"not a ciphertext"), "DryRunModifiers": ["IGNORE_CIPHERTEXT"] });
    assert_eq!(server.call_raw("Decrypt", &body.to_string()).await.error_type(), "InvalidCiphertextException");
    let recipient = json!({ "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": base64(b"doc") });
    let body = json!({ "KeyId": id, "KeySpec": "AES_256", "Recipient": recipient });
    let answer = server.call_raw("GenerateDataKey", &body.to_string()).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert_eq!(answer.json()["message"], "Recipient (Nitro Enclaves attestation) is not supported by this server");
}

/// Guards `GenerateRandom` without `NumberOfBytes`: not required by the model, required by
/// the service, in AWS's words.
#[tokio::test]
async fn generate_random_needs_a_size() {
    let server = TestServer::start().await;
    let answer = server.call_raw("GenerateRandom", "{}").await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert_eq!(answer.json()["message"], "NumberOfBytes is required.");
}
