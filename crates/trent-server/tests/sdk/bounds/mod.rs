//! Every input has a bound: the botocore model's constraints, member by member, for every
//! operation the server implements, through the real router.
//!
//! The walk reads the committed model (`trent-wire/tests/models/kms-constraints.json`, written
//! by `scripts/model_constraints.py`), starts from a valid baseline request per operation (the
//! table below, one line per operation), breaks one member at a time in every way its shape
//! allows ([`cases`]) and expects `ValidationException` with AWS's message naming the member.
//! An implemented operation without a baseline line, a member the cases cannot break, or a
//! skip naming no member fails the walk: a member or an operation added later cannot be
//! forgotten. `limits.rs` holds the bounds that are not the model's (quotas, Trent's caps).

mod cases;
mod limits;
mod ssm;

use aws_sdk_kms::types::GrantOperation;
use serde_json::{Value, json};
use trent_wire::kms::KmsAction;

use crate::common::{TestServer, base64, blob};
use crate::custom_key_stores::{ANCHOR, unreachable_cluster};

/// The committed model.
const MODEL: &str = include_str!("../../../../trent-wire/tests/models/kms-constraints.json");

/// Members the walk leaves to others, with the reason.
const SKIPPED: &[(&str, &str, &str)] = &[
    (
        "CreateGrant",
        "GranteeServicePrincipal",
        "ServicePrincipalType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (grant_shapes::service_principal), tested in sdk::grants::grants_for_service_principals_are_refused_and_create_nothing",
    ),
    (
        "CreateGrant",
        "RetiringServicePrincipal",
        "ServicePrincipalType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (grant_shapes::service_principal), tested in sdk::grants::grants_for_service_principals_are_refused_and_create_nothing",
    ),
    (
        "ListGrants",
        "GranteeServicePrincipal",
        "ServicePrincipalType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (grant_shapes::service_principal), tested in sdk::grants::grants_for_service_principals_are_refused_and_create_nothing",
    ),
    (
        "ListRetirableGrants",
        "RetiringServicePrincipal",
        "ServicePrincipalType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (grant_shapes::service_principal), tested in sdk::grants::grants_for_service_principals_are_refused_and_create_nothing",
    ),
    (
        "CreateCustomKeyStore",
        "CloudHsmClusterId",
        "CloudHsmClusterIdType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (custom_key_store_shapes::cluster_id), tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyUriEndpoint",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyUriPath",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyVpcEndpointServiceName",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyVpcEndpointServiceOwner",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyAuthenticationCredential",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "CreateCustomKeyStore",
        "XksProxyConnectivity",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "CloudHsmClusterId",
        "CloudHsmClusterIdType's pattern is not a character class the walk can fill to a length; its length and pattern are checked in one place (custom_key_store_shapes::cluster_id), tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyUriEndpoint",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyUriPath",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyVpcEndpointServiceName",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyVpcEndpointServiceOwner",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyAuthenticationCredential",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "UpdateCustomKeyStore",
        "XksProxyConnectivity",
        "EXTERNAL_KEY_STORE is not offered: any XksProxy* member answers UnsupportedOperationException, tested in sdk::custom_key_stores",
    ),
    (
        "DeleteImportedKeyMaterial",
        "KeyMaterialId",
        "BackingKeyIdType is exactly 64 characters, so a one-character value breaks its length first; its pattern \
         is tested in sdk::imported::import_tokens_are_bound_to_their_key_and_expire_after_24_hours",
    ),
    (
        "ImportKeyMaterial",
        "KeyMaterialId",
        "BackingKeyIdType is exactly 64 characters, so a one-character value breaks its length first; its pattern \
         is tested in sdk::imported::import_tokens_are_bound_to_their_key_and_expire_after_24_hours",
    ),
    (
        "CreateGrant",
        "Constraints",
        "the model bounds no member of GrantConstraints; AWS's documented quotas (8 pairs, 384 characters) are \
         the domain's, tested in sdk::grant_delegation::grant_constraints_are_bounded",
    ),
    (
        "ReplicateKey",
        "ReplicaRegion",
        "RegionType's pattern is not a character class the walk can fill to a length; its bounds are tested in \
         sdk::multi_region::region_members_are_bounded",
    ),
    (
        "UpdatePrimaryRegion",
        "PrimaryRegion",
        "RegionType's pattern is not a character class the walk can fill to a length; its bounds are tested in \
         sdk::multi_region::region_members_are_bounded",
    ),
];

/// The committed model as JSON.
fn model() -> Value {
    serde_json::from_str(MODEL).expect("the committed model is JSON")
}

/// A valid request for `op`, with what it needs created first; `None` for an operation the
/// table does not know (which fails the walk).
async fn baseline(server: &TestServer, op: &str) -> Option<Value> {
    let root = format!("arn:aws:iam::{}:root", server.account().await);
    Some(match op {
        "CancelKeyDeletion" => json!({ "KeyId": scheduled_key(server).await }),
        "CreateAlias" => json!({ "AliasName": "alias/bounds-created", "TargetKeyId": server.new_key().await }),
        "CreateGrant" => {
            json!({ "KeyId": server.new_key().await, "GranteePrincipal": root, "Operations": ["Decrypt"] })
        }
        "ConnectCustomKeyStore" => json!({ "CustomKeyStoreId": new_store(server, 1).await }),
        "CreateCustomKeyStore" => {
            json!({ "CustomKeyStoreName": "bounds-created", "CloudHsmClusterId": unreachable_cluster(0),
                                          "TrustAnchorCertificate": ANCHOR, "KeyStorePassword": "bounds-pin" })
        }
        "DeleteCustomKeyStore" => json!({ "CustomKeyStoreId": new_store(server, 2).await }),
        "DescribeCustomKeyStores" => json!({}),
        "DisconnectCustomKeyStore" => {
            let id = new_store(server, 3).await;
            server.call_raw("ConnectCustomKeyStore", &json!({ "CustomKeyStoreId": id }).to_string()).await;
            json!({ "CustomKeyStoreId": id })
        }
        "UpdateCustomKeyStore" => json!({ "CustomKeyStoreId": new_store(server, 4).await }),
        "CreateKey" => json!({}),
        "Decrypt" => json!({ "CiphertextBlob": ciphertext(server).await }),
        "Decapsulate" => {
            let key = key_of(server, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
            let enc = json!({ "KeyId": key, "EncapsulationAlgorithm": "ML_KEM" }).to_string();
            let enc = server.call_raw("Encapsulate", &enc).await;
            json!({ "KeyId": key, "EncapsulationAlgorithm": "ML_KEM",
                    "SharedSecretCiphertextBlob": enc.json()["SharedSecretCiphertextBlob"] })
        }
        "DeleteAlias" => json!({ "AliasName": aliased_key(server, "alias/bounds-deleted").await.1 }),
        "DeriveSharedSecret" => {
            let peer = server
                .call_raw(
                    "GetPublicKey",
                    &json!({ "KeyId": key_of(server, "ECC_NIST_P256", "KEY_AGREEMENT").await }).to_string(),
                )
                .await;
            json!({ "KeyId": key_of(server, "ECC_NIST_P256", "KEY_AGREEMENT").await, "KeyAgreementAlgorithm": "ECDH",
                    "PublicKey": peer.json()["PublicKey"] })
        }
        "DeleteImportedKeyMaterial" => json!({ "KeyId": external_key(server).await }),
        "DescribeKey" => json!({ "KeyId": server.new_key().await }),
        "DisableKey" => json!({ "KeyId": server.new_key().await }),
        "DisableKeyRotation" => json!({ "KeyId": server.new_key().await }),
        "EnableKey" => json!({ "KeyId": server.new_key().await }),
        "EnableKeyRotation" => json!({ "KeyId": server.new_key().await }),
        "Encapsulate" => json!({ "KeyId": key_of(server, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await,
                                 "EncapsulationAlgorithm": "ML_KEM" }),
        "Encrypt" => json!({ "KeyId": server.new_key().await, "Plaintext": base64(b"bounds") }),
        "GenerateDataKey" => json!({ "KeyId": server.new_key().await, "KeySpec": "AES_256" }),
        "GenerateDataKeyPair" => json!({ "KeyId": server.new_key().await, "KeyPairSpec": "ECC_NIST_P256" }),
        "GenerateDataKeyPairWithoutPlaintext" => {
            json!({ "KeyId": server.new_key().await, "KeyPairSpec": "ECC_NIST_P256" })
        }
        "GenerateDataKeyWithoutPlaintext" => json!({ "KeyId": server.new_key().await, "KeySpec": "AES_256" }),
        "GenerateMac" => json!({ "KeyId": key_of(server, "HMAC_256", "GENERATE_VERIFY_MAC").await,
                                 "Message": base64(b"bounds"), "MacAlgorithm": "HMAC_SHA_256" }),
        "GenerateRandom" => json!({ "NumberOfBytes": 32 }),
        "GetKeyLastUsage" => json!({ "KeyId": server.new_key().await }),
        "GetKeyPolicy" => json!({ "KeyId": server.new_key().await }),
        "GetKeyRotationStatus" => json!({ "KeyId": server.new_key().await }),
        "GetParametersForImport" => json!({ "KeyId": external_key(server).await,
                                            "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048" }),
        "ImportKeyMaterial" => import_request(server).await,
        "GetPublicKey" => json!({ "KeyId": key_of(server, "ECC_NIST_P256", "SIGN_VERIFY").await }),
        "ListAliases" => json!({}),
        "ListGrants" => json!({ "KeyId": server.new_key().await }),
        "ListKeyPolicies" => json!({ "KeyId": server.new_key().await }),
        "ListKeyRotations" => json!({ "KeyId": server.new_key().await }),
        "ListKeys" => json!({}),
        "ListResourceTags" => json!({ "KeyId": server.new_key().await }),
        "ListRetirableGrants" => json!({ "RetiringPrincipal": root }),
        "PutKeyPolicy" => json!({ "KeyId": server.new_key().await, "Policy": open_policy(&root) }),
        "ReplicateKey" => json!({ "KeyId": multi_region_key(server).await, "ReplicaRegion": "eu-west-1" }),
        "UpdatePrimaryRegion" => json!({ "KeyId": replicated_key(server).await, "PrimaryRegion": "eu-west-1" }),
        "ReEncrypt" => {
            json!({ "CiphertextBlob": ciphertext(server).await, "DestinationKeyId": server.new_key().await })
        }
        "RetireGrant" => granted(server, &root).await,
        "RevokeGrant" => granted(server, &root).await,
        "RotateKeyOnDemand" => json!({ "KeyId": server.new_key().await }),
        "ScheduleKeyDeletion" => json!({ "KeyId": server.new_key().await }),
        "Sign" => json!({ "KeyId": key_of(server, "ECC_NIST_P256", "SIGN_VERIFY").await,
                          "Message": base64(b"bounds"), "SigningAlgorithm": "ECDSA_SHA_256" }),
        "TagResource" => json!({ "KeyId": server.new_key().await, "Tags": [{ "TagKey": "k", "TagValue": "v" }] }),
        "UntagResource" => json!({ "KeyId": server.new_key().await, "TagKeys": ["k"] }),
        "UpdateAlias" => {
            json!({ "AliasName": aliased_key(server, "alias/bounds-updated").await.1, "TargetKeyId": server.new_key().await })
        }
        "UpdateKeyDescription" => json!({ "KeyId": server.new_key().await, "Description": "bounds" }),
        "Verify" => signed(server).await,
        "VerifyMac" => {
            let key = key_of(server, "HMAC_256", "GENERATE_VERIFY_MAC").await;
            let mac = server
                .call_raw(
                    "GenerateMac",
                    &json!({ "KeyId": key, "Message": base64(b"bounds"), "MacAlgorithm": "HMAC_SHA_256" }).to_string(),
                )
                .await;
            json!({ "KeyId": key, "Message": base64(b"bounds"), "MacAlgorithm": "HMAC_SHA_256", "Mac": mac.json()["Mac"] })
        }
        _ => return None,
    })
}

/// A new key of `spec` and `usage`.
async fn key_of(server: &TestServer, spec: &str, usage: &str) -> String {
    let out = server.call_raw("CreateKey", &json!({ "KeySpec": spec, "KeyUsage": usage }).to_string()).await;
    out.json()["KeyMetadata"]["KeyId"].as_str().expect("created key").to_owned()
}

/// A new symmetric key of origin `EXTERNAL`, pending import.
async fn external_key(server: &TestServer) -> String {
    let out = server.call_raw("CreateKey", &json!({ "Origin": "EXTERNAL" }).to_string()).await;
    out.json()["KeyMetadata"]["KeyId"].as_str().expect("created key").to_owned()
}

/// An `ImportKeyMaterial` request that imports 32 bytes wrapped as an importer would.
async fn import_request(server: &TestServer) -> Value {
    use base64::Engine as _;
    let key = external_key(server).await;
    let body = json!({ "KeyId": key, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048" });
    let params = server.call_raw("GetParametersForImport", &body.to_string()).await.json();
    let public = base64::engine::general_purpose::STANDARD
        .decode(params["PublicKey"].as_str().expect("PublicKey"))
        .expect("base64 public key");
    let scheme = trent_crypto::ImportWrapping::Oaep(trent_crypto::OaepHash::Sha256);
    let wrapped = trent_crypto::wrap_for_import(&public, scheme, &[0x5a; 32]).expect("wrap");
    json!({ "KeyId": key, "ImportToken": params["ImportToken"], "EncryptedKeyMaterial": base64(&wrapped),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE" })
}

/// A `Verify` request whose signature verifies.
async fn signed(server: &TestServer) -> Value {
    let key = key_of(server, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let body = json!({ "KeyId": key, "Message": base64(b"bounds"), "SigningAlgorithm": "ECDSA_SHA_256" });
    let sig = server.call_raw("Sign", &body.to_string()).await;
    json!({ "KeyId": key, "Message": base64(b"bounds"), "SigningAlgorithm": "ECDSA_SHA_256", "Signature": sig.json()["Signature"] })
}

/// A multi-Region primary key in `us-east-1`.
async fn multi_region_key(server: &TestServer) -> String {
    let out = server.client().create_key().multi_region(true).send().await.expect("create multi-Region key");
    out.key_metadata().expect("metadata").key_id().to_owned()
}

/// A multi-Region primary key in `us-east-1` with a replica in `eu-west-1`.
async fn replicated_key(server: &TestServer) -> String {
    let id = multi_region_key(server).await;
    server.client().replicate_key().key_id(&id).replica_region("eu-west-1").send().await.expect("replicate");
    id
}

/// A key pending deletion.
async fn scheduled_key(server: &TestServer) -> String {
    let id = server.new_key().await;
    server.client().schedule_key_deletion().key_id(&id).send().await.expect("schedule deletion");
    id
}

/// A key and an alias naming it.
async fn aliased_key(server: &TestServer, alias: &str) -> (String, String) {
    let id = server.new_key().await;
    server.client().create_alias().alias_name(alias).target_key_id(&id).send().await.expect("create alias");
    (id, alias.to_owned())
}

/// A ciphertext, base64.
async fn ciphertext(server: &TestServer) -> String {
    let id = server.new_key().await;
    let out = server.client().encrypt().key_id(&id).plaintext(blob(b"bounds")).send().await.expect("encrypt");
    base64(out.ciphertext_blob().expect("ciphertext").as_ref())
}

/// `KeyId` and `GrantId` of a fresh grant to `grantee`.
async fn granted(server: &TestServer, grantee: &str) -> Value {
    let id = server.new_key().await;
    let out = server
        .client()
        .create_grant()
        .key_id(&id)
        .grantee_principal(grantee)
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .expect("create grant");
    json!({ "KeyId": id, "GrantId": out.grant_id().expect("grant id") })
}

/// A key policy that lets the account do everything (so the lockout check passes).
fn open_policy(root: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "AWS": root }, "Action": "kms:*", "Resource": "*" }]
    })
    .to_string()
}

/// `base` with the case's member set (or removed).
fn with(base: &Value, case: &cases::Case) -> Value {
    let mut body = base.clone();
    if let Some(object) = body.as_object_mut() {
        match &case.value {
            Some(v) => object.insert(case.member.clone(), v.clone()),
            None => object.remove(&case.member),
        };
    }
    body
}

/// A new custom key store over the `i`th unreachable cluster.
async fn new_store(server: &TestServer, i: u8) -> String {
    let body = json!({ "CustomKeyStoreName": format!("bounds-{i}"), "CloudHsmClusterId": unreachable_cluster(i),
                       "TrustAnchorCertificate": ANCHOR, "KeyStorePassword": "bounds-pin" });
    let answer = server.call_raw("CreateCustomKeyStore", &body.to_string()).await;
    answer.json()["CustomKeyStoreId"].as_str().expect("a store").to_owned()
}

/// Guards the whole class of unbounded inputs: every constrained member of every implemented
/// operation is refused past its model bounds, in AWS's words, before anything else happens.
#[tokio::test]
async fn every_constrained_member_of_every_operation_is_checked() {
    // Two regions, so that ReplicateKey and UpdatePrimaryRegion have somewhere to go.
    let regions = Some(vec!["us-east-1".into(), "eu-west-1".into()]);
    let hsm_clusters = Some(crate::custom_key_stores::unreachable_clusters(5));
    let server = TestServer::start_with(trent_server::RawConfig { regions, hsm_clusters, ..Default::default() }).await;
    let model = model();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (op, member, _) in SKIPPED {
        if model["operations"][op]["members"].get(member).is_none() {
            failures.push(format!("{op}.{member}: skipped, but the model has no such member"));
        }
    }
    for action in KmsAction::ALL {
        let op = action.name();
        let base = baseline(&server, op).await;
        checked += walk_operation(&server, &KMS_WIRE, &model, op, base, SKIPPED, &mut failures).await;
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 150, "only {checked} cases: the model was not walked");
}

/// How the walk reaches one wire service.
pub(super) struct Wire {
    /// The `X-Amz-Target` prefix.
    pub(super) target: &'static str,
    /// The SigV4 service name.
    pub(super) signing: &'static str,
}

const KMS_WIRE: Wire = Wire { target: "TrentService.", signing: "kms" };

/// One call of `op` with a raw JSON body, signed by the administrator in `us-east-1`.
pub(super) async fn call(server: &TestServer, wire: &Wire, op: &str, body: &str) -> crate::common::RawAnswer {
    let mut req = crate::common::json_request(Some(&format!("{}{op}", wire.target)), body);
    server.sign(&mut req, "us-east-1", wire.signing);
    server.send_raw(req).await
}

/// Breaks every constrained member of `op` (and drops every required one) from its
/// baseline `base`, expecting AWS's `ValidationException`; then expects the baseline itself
/// to succeed. Adds what went wrong to `failures`; returns how many cases ran.
pub(super) async fn walk_operation(
    server: &TestServer,
    wire: &Wire,
    model: &Value,
    op: &str,
    base: Option<Value>,
    skipped: &[(&str, &str, &str)],
    failures: &mut Vec<String>,
) -> usize {
    let Some(spec) = model["operations"].get(op) else {
        failures.push(format!("{op}: implemented, but not in the committed model"));
        return 0;
    };
    let Some(base) = base else {
        failures.push(format!("{op}: implemented, but the table has no baseline line for it"));
        return 0;
    };
    let mut all = Vec::new();
    for (member, desc) in spec["members"].as_object().into_iter().flatten() {
        if skipped.iter().any(|(o, m, _)| *o == op && m == member) {
            continue;
        }
        match cases::member_cases(member, desc) {
            Ok(found) => all.extend(found),
            Err(e) => failures.push(format!("{op}.{member}: {e}")),
        }
    }
    for required in spec["required"].as_array().into_iter().flatten() {
        all.push(cases::missing(required.as_str().unwrap_or_default()));
    }
    for case in &all {
        let answer = call(server, wire, op, &with(&base, case).to_string()).await;
        let (kind, message) = (answer.error_type(), answer.json()["message"].as_str().unwrap_or("").to_owned());
        if answer.status != 400 || kind != "ValidationException" || message != case.message() {
            failures.push(format!(
                "{op}, {}: got {} {kind}: {}\n    expected: {}",
                case.what,
                answer.status,
                cut(&message),
                cut(&case.message())
            ));
        }
    }
    let answer = call(server, wire, op, &base.to_string()).await;
    if answer.status != 200 {
        failures.push(format!("{op}: the baseline itself fails: {}", String::from_utf8_lossy(&answer.body)));
    }
    all.len()
}

/// A message cut for a failure report.
fn cut(s: &str) -> String {
    s.chars().take(600).collect()
}
