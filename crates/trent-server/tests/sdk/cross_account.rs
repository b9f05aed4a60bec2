//! Keys of another account, end to end: every KMS operation the server implements, asked by a
//! user of a partner account on a key whose policy shares `kms:*` with that account, answers
//! as AWS's *Cross-account use* column says (botocore `kms/2014-11-01`); `ListAliases` and
//! `ListRetirableGrants` reveal nothing of another account.

use aws_sdk_kms::Client;
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    AlgorithmSpec, DataKeyPairSpec, DataKeySpec, EncapsulationAlgorithmSpec, GrantOperation, KeyAgreementAlgorithmSpec,
    KeySpec, KeyUsageType, MacAlgorithmSpec, SigningAlgorithmSpec, Tag, WrappingKeySpec,
};
use trent_wire::kms::KmsAction;

use crate::common::{TestServer, blob, code, expect_code, message};
use crate::custom_key_stores::{ANCHOR, unreachable_cluster, unreachable_clusters};
use crate::iam::{Creds, allow};
use crate::key_policies::second_account;

/// What an operation does with a key of another account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// *Cross-account use: Yes*: it works when the key policy and the caller's IAM policy allow.
    Yes,
    /// *No*: `NotFoundException`, exactly as for a key that does not exist.
    No,
    /// It names no key of another account: it works on the caller's own account.
    Own,
}

/// The two accounts and what the rows use.
struct World {
    server: TestServer,
    /// The owner's administrator.
    owner: Client,
    /// `carol`, a user of the partner account whose IAM policy allows `kms:*`.
    partner: Client,
    carol: String,
    /// The owner's key ARN and its alias ARN.
    key: String,
    alias_arn: String,
    /// A key ARN of the owner's account that names no key.
    ghost: String,
    /// The key policy the owner put: its account delegates to IAM; the partner gets `kms:*`.
    policy: String,
    ciphertext: Blob,
    /// Grants on the owner's key that carol may retire, and that she may revoke.
    retirable: String,
    revocable: String,
    /// A shared ECC_NIST_P256 signing key (ARN) and its signature of `m`.
    sign_key: String,
    signature: Blob,
    /// A shared HMAC_256 key (ARN) and its MAC of `m`.
    mac_key: String,
    mac: Blob,
    /// A shared ECC_NIST_P256 key-agreement key (ARN) and a peer public key for it.
    agreement_key: String,
    /// A shared ML_KEM_768 key (ARN) and an encapsulation under it.
    kem_key: String,
    kem_ciphertext: Blob,
    /// Carol's own custom key stores, over unreachable clusters: one disconnected to connect,
    /// one connected (failed) to disconnect, one to delete, one to rename.
    stores: Vec<String>,
    peer: Blob,
}

type Outcome = Result<(), (String, String)>;

fn outcome<T, E: ProvideErrorMetadata>(r: Result<T, E>) -> Outcome {
    r.map(drop).map_err(|e| (code(&e), message(&e)))
}

/// The table: one line per operation, its reach and the call carol makes naming the key `key`.
macro_rules! rows {
    ($w:ident, $key:ident; $($op:ident: $reach:ident => $call:expr;)+) => {
        const ROWS: &[(&str, Reach)] = &[$((stringify!($op), Reach::$reach)),+];

        async fn run(op: &str, $w: &World, $key: &str) -> Outcome {
            match op {
                $(stringify!($op) => outcome($call.send().await),)+
                other => panic!("no row for {other}"),
            }
        }
    };
}

rows! { w, key;
    CancelKeyDeletion: No => w.partner.cancel_key_deletion().key_id(key);
    CreateAlias: No => w.partner.create_alias().alias_name("alias/borrowed").target_key_id(key);
    CreateGrant: Yes => w.partner.create_grant().key_id(key).grantee_principal(&w.carol).operations(GrantOperation::Decrypt);
    ConnectCustomKeyStore: Own => w.partner.connect_custom_key_store().custom_key_store_id(&w.stores[0]);
    CreateCustomKeyStore: Own => w.partner.create_custom_key_store().custom_key_store_name("partner-new").cloud_hsm_cluster_id(unreachable_cluster(4)).trust_anchor_certificate(ANCHOR).key_store_password("partner-pin");
    CreateKey: Own => w.partner.create_key();
    Decapsulate: Yes => w.partner.decapsulate().key_id(&w.kem_key).shared_secret_ciphertext_blob(w.kem_ciphertext.clone()).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
    Decrypt: Yes => w.partner.decrypt().ciphertext_blob(w.ciphertext.clone()).key_id(key);
    DeleteImportedKeyMaterial: No => w.partner.delete_imported_key_material().key_id(key);
    DeleteAlias: Own => w.partner.delete_alias().alias_name("alias/partner-doomed");
    DeleteCustomKeyStore: Own => w.partner.delete_custom_key_store().custom_key_store_id(&w.stores[2]);
    DescribeCustomKeyStores: Own => w.partner.describe_custom_key_stores();
    DeriveSharedSecret: Yes => w.partner.derive_shared_secret().key_id(&w.agreement_key).key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh).public_key(w.peer.clone());
    DescribeKey: Yes => w.partner.describe_key().key_id(key);
    DisableKey: No => w.partner.disable_key().key_id(key);
    DisableKeyRotation: No => w.partner.disable_key_rotation().key_id(key);
    DisconnectCustomKeyStore: Own => w.partner.disconnect_custom_key_store().custom_key_store_id(&w.stores[1]);
    EnableKey: No => w.partner.enable_key().key_id(key);
    EnableKeyRotation: No => w.partner.enable_key_rotation().key_id(key);
    Encapsulate: Yes => w.partner.encapsulate().key_id(&w.kem_key).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
    Encrypt: Yes => w.partner.encrypt().key_id(key).plaintext(blob(b"partner data"));
    GenerateDataKey: Yes => w.partner.generate_data_key().key_id(key).number_of_bytes(32);
    GenerateDataKeyPair: Yes => w.partner.generate_data_key_pair().key_id(key).key_pair_spec(DataKeyPairSpec::EccNistP256);
    GenerateDataKeyPairWithoutPlaintext: Yes => w.partner.generate_data_key_pair_without_plaintext().key_id(key).key_pair_spec(DataKeyPairSpec::EccNistP256);
    GenerateDataKeyWithoutPlaintext: Yes => w.partner.generate_data_key_without_plaintext().key_id(key).key_spec(DataKeySpec::Aes256);
    GenerateMac: Yes => w.partner.generate_mac().key_id(&w.mac_key).message(blob(b"m")).mac_algorithm(MacAlgorithmSpec::HmacSha256);
    GenerateRandom: Own => w.partner.generate_random().number_of_bytes(8);
    GetKeyLastUsage: No => w.partner.get_key_last_usage().key_id(key);
    GetKeyPolicy: No => w.partner.get_key_policy().key_id(key).policy_name("default");
    GetKeyRotationStatus: Yes => w.partner.get_key_rotation_status().key_id(key);
    GetParametersForImport: No => w.partner.get_parameters_for_import().key_id(key).wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256).wrapping_key_spec(WrappingKeySpec::Rsa2048);
    GetPublicKey: Yes => w.partner.get_public_key().key_id(&w.sign_key);
    ImportKeyMaterial: No => w.partner.import_key_material().key_id(key).import_token(blob(b"token")).encrypted_key_material(blob(b"material"));
    ListAliases: No => w.partner.list_aliases().key_id(key);
    ListGrants: Yes => w.partner.list_grants().key_id(key);
    ListKeyPolicies: No => w.partner.list_key_policies().key_id(key);
    ListKeyRotations: No => w.partner.list_key_rotations().key_id(key);
    ListKeys: Own => w.partner.list_keys();
    ListResourceTags: No => w.partner.list_resource_tags().key_id(key);
    ListRetirableGrants: Own => w.partner.list_retirable_grants().retiring_principal(&w.carol);
    PutKeyPolicy: No => w.partner.put_key_policy().key_id(key).policy_name("default").policy(takeover(&w.carol));
    ReplicateKey: No => w.partner.replicate_key().key_id(key).replica_region("eu-west-1");
    ReEncrypt: Yes => w.partner.re_encrypt().ciphertext_blob(w.ciphertext.clone()).destination_key_id(key);
    RetireGrant: Yes => w.partner.retire_grant().key_id(key).grant_id(&w.retirable);
    RevokeGrant: Yes => w.partner.revoke_grant().key_id(key).grant_id(&w.revocable);
    RotateKeyOnDemand: No => w.partner.rotate_key_on_demand().key_id(key);
    ScheduleKeyDeletion: No => w.partner.schedule_key_deletion().key_id(key).pending_window_in_days(7);
    Sign: Yes => w.partner.sign().key_id(&w.sign_key).message(blob(b"m")).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    TagResource: No => w.partner.tag_resource().key_id(key).tags(Tag::builder().tag_key("owner").tag_value("partner").build().unwrap());
    UntagResource: No => w.partner.untag_resource().key_id(key).tag_keys("team");
    UpdateAlias: No => w.partner.update_alias().alias_name("alias/partner").target_key_id(key);
    UpdateCustomKeyStore: Own => w.partner.update_custom_key_store().custom_key_store_id(&w.stores[3]).new_custom_key_store_name("partner-renamed");
    UpdateKeyDescription: No => w.partner.update_key_description().key_id(key).description("taken");
    UpdatePrimaryRegion: No => w.partner.update_primary_region().key_id(key).primary_region("eu-west-1");
    Verify: Yes => w.partner.verify().key_id(&w.sign_key).message(blob(b"m")).signature(w.signature.clone()).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    VerifyMac: Yes => w.partner.verify_mac().key_id(&w.mac_key).message(blob(b"m")).mac(w.mac.clone()).mac_algorithm(MacAlgorithmSpec::HmacSha256);
}

/// A key policy that would give `principal` the key.
fn takeover(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

async fn world() -> World {
    let hsm_clusters = Some(unreachable_clusters(5));
    let server = TestServer::start_with(trent_server::RawConfig { hsm_clusters, ..Default::default() }).await;
    let owner_account = server.account().await;
    let owner = server.client();
    let (partner_account, partner_admin) = second_account(&server).await;
    let carol = {
        let iam = server.iam(&partner_admin);
        iam.create_user().user_name("carol").send().await.unwrap();
        let policy = allow(r#""kms:*""#, "*");
        iam.put_user_policy().user_name("carol").policy_name("kms").policy_document(policy).send().await.unwrap();
        let k = iam.create_access_key().user_name("carol").send().await.unwrap();
        let k = k.access_key().unwrap();
        Creds { id: k.access_key_id().to_owned(), secret: k.secret_access_key().to_owned(), token: None }
    };
    let partner = server.kms(&carol);
    let carol = format!("arn:aws:iam::{partner_account}:user/carol");
    let key_id = server.new_key().await;
    let key = server.key_arn(&key_id).await;
    owner.create_alias().alias_name("alias/shared").target_key_id(&key_id).send().await.unwrap();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{owner_account}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{partner_account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    owner.put_key_policy().key_id(&key_id).policy_name("default").policy(&policy).send().await.unwrap();
    let team = Tag::builder().tag_key("team").tag_value("core").build().unwrap();
    owner.tag_resource().key_id(&key_id).tags(team).send().await.unwrap();
    let ct = owner.encrypt().key_id(&key_id).plaintext(blob(b"owner data")).send().await.unwrap();
    let grant = |retiring: Option<&str>| {
        owner
            .create_grant()
            .key_id(&key_id)
            .grantee_principal(&carol)
            .set_retiring_principal(retiring.map(str::to_owned))
            .operations(GrantOperation::Encrypt)
            .send()
    };
    let shared_key =
        |spec: KeySpec, usage: KeyUsageType| owner.create_key().key_spec(spec).key_usage(usage).policy(&policy).send();
    let sign_key = shared_key(KeySpec::EccNistP256, KeyUsageType::SignVerify).await.unwrap();
    let sign_key = sign_key.key_metadata().unwrap().arn().unwrap().to_owned();
    let signature =
        owner.sign().key_id(&sign_key).message(blob(b"m")).signing_algorithm(SigningAlgorithmSpec::EcdsaSha256);
    let signature = signature.send().await.unwrap().signature().unwrap().clone();
    let mac_key = shared_key(KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await.unwrap();
    let mac_key = mac_key.key_metadata().unwrap().arn().unwrap().to_owned();
    let mac = owner.generate_mac().key_id(&mac_key).message(blob(b"m")).mac_algorithm(MacAlgorithmSpec::HmacSha256);
    let mac = mac.send().await.unwrap().mac().unwrap().clone();
    let agreement_key = shared_key(KeySpec::EccNistP256, KeyUsageType::KeyAgreement).await.unwrap();
    let agreement_key = agreement_key.key_metadata().unwrap().arn().unwrap().to_owned();
    let peer = owner.get_public_key().key_id(&agreement_key).send().await.unwrap().public_key().unwrap().clone();
    let kem_key = shared_key(KeySpec::MlKem768, KeyUsageType::EncapsulateDecapsulate).await.unwrap();
    let kem_key = kem_key.key_metadata().unwrap().arn().unwrap().to_owned();
    let kem = owner.encapsulate().key_id(&kem_key).encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem);
    let kem_ciphertext = kem.send().await.unwrap().shared_secret_ciphertext_blob().unwrap().clone();
    let retirable = grant(Some(&carol)).await.unwrap().grant_id().unwrap().to_owned();
    let revocable = grant(None).await.unwrap().grant_id().unwrap().to_owned();
    // Carol's own key and aliases, for the alias rows.
    let own_key = partner.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    for alias in ["alias/partner", "alias/partner-doomed"] {
        partner.create_alias().alias_name(alias).target_key_id(&own_key).send().await.unwrap();
    }
    let mut stores = Vec::new();
    for i in 0..4 {
        let created = partner
            .create_custom_key_store()
            .custom_key_store_name(format!("partner-{i}"))
            .cloud_hsm_cluster_id(unreachable_cluster(i))
            .trust_anchor_certificate(ANCHOR)
            .key_store_password("partner-pin")
            .send()
            .await
            .unwrap();
        stores.push(created.custom_key_store_id().unwrap().to_owned());
    }
    partner.connect_custom_key_store().custom_key_store_id(&stores[1]).send().await.unwrap();
    World {
        stores,
        server,
        owner,
        partner,
        carol,
        alias_arn: format!("arn:aws:kms:us-east-1:{owner_account}:alias/shared"),
        ghost: key.replace(&key_id, "00000000-1111-2222-3333-444444444444"),
        key,
        policy,
        ciphertext: ct.ciphertext_blob().unwrap().clone(),
        retirable,
        revocable,
        sign_key,
        signature,
        mac_key,
        mac,
        agreement_key,
        kem_key,
        kem_ciphertext,
        peer,
    }
}

/// Regression (issue 8, item 2): a partner account that a key policy shared `kms:*` with could
/// read and replace the key policy, tag, disable and schedule the deletion of the key.
#[tokio::test]
async fn every_operation_with_a_key_of_another_account() {
    let w = world().await;
    for action in KmsAction::ALL {
        assert!(ROWS.iter().any(|(op, _)| *op == action.name()), "no row for {}", action.name());
    }
    let mut failures = Vec::new();
    for (op, reach) in ROWS {
        assert!(KmsAction::parse(op).is_some(), "{op} is not an operation of the server");
        let got = run(op, &w, &w.key).await;
        let wrong = match reach {
            Reach::Yes | Reach::Own => got.err().map(|e| format!("expected success, got {e:?}")),
            Reach::No => {
                let absent = run(op, &w, &w.ghost).await.map_err(|(c, m)| (c, m.replace(&w.ghost, &w.key)));
                (got.as_ref().err().map(|(c, _)| c.as_str()) != Some("NotFoundException") || got != absent)
                    .then(|| format!("expected the answer for a missing key {absent:?}, got {got:?}"))
            }
        };
        if let Some(why) = wrong {
            failures.push(format!("  {op} ({reach:?}): {why}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // The key is as the owner left it.
    let meta = w.server.describe(&w.key).await;
    assert!(meta.enabled() && meta.deletion_date().is_none() && meta.description() == Some(""), "{meta:?}");
    let policy = w.owner.get_key_policy().key_id(&w.key).policy_name("default").send().await.unwrap();
    assert_eq!(policy.policy(), Some(w.policy.as_str()));
    let tags = w.owner.list_resource_tags().key_id(&w.key).send().await.unwrap();
    assert!(tags.tags().iter().all(|t| t.tag_key() != "owner"), "{tags:?}");
    let rotation = w.owner.get_key_rotation_status().key_id(&w.key).send().await.unwrap();
    assert!(!rotation.key_rotation_enabled());
    let rotations = w.owner.list_key_rotations().key_id(&w.key).send().await.unwrap();
    assert!(rotations.rotations().is_empty(), "{rotations:?}");
}

/// The operations AWS allows across accounts also take the owner's alias ARN.
#[tokio::test]
async fn an_alias_arn_of_another_account_names_its_key() {
    let w = world().await;
    let d = w.partner.describe_key().key_id(&w.alias_arn).send().await.unwrap();
    assert_eq!(d.key_metadata().unwrap().arn(), Some(w.key.as_str()));
    let ct = w.partner.encrypt().key_id(&w.alias_arn).plaintext(blob(b"x")).send().await.unwrap();
    assert_eq!(ct.key_id(), Some(w.key.as_str()));
}

/// Regression (issue 8, item 2): `ListAliases` filtered by a key told an existing key of another
/// account (an empty list) from a missing one (`NotFoundException`), and so did a key of the
/// caller's own account that the caller may not ask about.
#[tokio::test]
async fn list_aliases_reveals_no_key_it_may_not_see() {
    let w = world().await;
    let ghost = expect_code(w.partner.list_aliases().key_id(&w.ghost).send().await, "NotFoundException");
    let theirs = expect_code(w.partner.list_aliases().key_id(&w.key).send().await, "NotFoundException");
    assert_eq!(theirs, ghost.replace(&w.ghost, &w.key));

    // In the owner's account: a key whose policy names only the administrator is, for a user
    // with kms:ListAliases, a key that does not exist.
    let nosy = w.server.user_with_policy("nosy", Some(&allow(r#""kms:ListAliases""#, "*"))).await;
    let nosy = w.server.kms(&nosy);
    let admin_only = w.server.new_key().await;
    let admin_arn = w.server.state.identities.access_key(&w.server.access_key_id).await.unwrap().unwrap();
    let admin_arn = admin_arn.principal.arn("aws");
    w.owner
        .put_key_policy()
        .key_id(&admin_only)
        .policy_name("default")
        .policy(takeover(&admin_arn))
        .send()
        .await
        .unwrap();
    let hidden_arn = w.server.key_arn(&admin_only).await;
    let hidden = expect_code(nosy.list_aliases().key_id(&hidden_arn).send().await, "NotFoundException");
    let missing = expect_code(nosy.list_aliases().key_id(&w.ghost).send().await, "NotFoundException");
    assert_eq!(hidden, missing.replace(&w.ghost, &hidden_arn));
    // A key whose policy delegates to IAM is listed.
    let shared = nosy.list_aliases().key_id(&w.key).send().await.unwrap();
    let names: Vec<_> = shared.aliases().iter().filter_map(|a| a.alias_name()).collect();
    assert_eq!(names, ["alias/shared"]);
}

/// Regression (issue 8, item 2): `ListRetirableGrants` for a service principal listed the
/// grants of every account, constraints included.
#[tokio::test]
async fn list_retirable_grants_answers_for_the_callers_account_only() {
    let w = world().await;
    let service = "secretsmanager.amazonaws.com";
    w.owner
        .create_grant()
        .key_id(&w.key)
        .grantee_principal(&w.carol)
        .retiring_principal(service)
        .operations(GrantOperation::Decrypt)
        .constraints(
            aws_sdk_kms::types::GrantConstraints::builder().encryption_context_subset("tenant", "acme").build(),
        )
        .send()
        .await
        .unwrap();
    let theirs = w.owner.list_retirable_grants().retiring_principal(service).send().await.unwrap();
    assert_eq!(theirs.grants().len(), 1, "the owner sees the grant on its own key");
    let mine = w.partner.list_retirable_grants().retiring_principal(service).send().await.unwrap();
    assert!(mine.grants().is_empty(), "another account's grants leaked: {mine:?}");
    // A principal of the caller's account: grants on other accounts' keys that name it, as AWS documents.
    let carols = w.partner.list_retirable_grants().retiring_principal(&w.carol).send().await.unwrap();
    let ids: Vec<_> = carols.grants().iter().filter_map(|g| g.grant_id()).collect();
    assert_eq!(ids, [w.retirable.as_str()]);
    // A principal of another account: refused.
    let owner_root = w.key.split(':').nth(4).map(|a| format!("arn:aws:iam::{a}:root")).unwrap();
    expect_code(w.partner.list_retirable_grants().retiring_principal(owner_root).send().await, "AccessDeniedException");
}

/// `GetKeyLastUsage` of a key another account used names the event in the key owner's trail
/// (the copy CloudTrail gives the owner), as AWS documents.
#[tokio::test]
async fn a_use_by_another_account_is_reported_with_the_owners_event() {
    use aws_sdk_kms::operation::RequestId;

    let w = world().await;
    let out = w.partner.encrypt().key_id(&w.key).plaintext(blob(b"partner")).send().await.unwrap();
    let request = out.request_id().unwrap();
    let usage = w.owner.get_key_last_usage().key_id(&w.key).send().await.unwrap();
    let usage = usage.key_last_usage().unwrap();
    assert_eq!(usage.kms_request_id(), Some(request));
    let owner_account = w.key.split(':').nth(4).unwrap();
    let trail = crate::audit_trail::records(&crate::audit_trail::lookup(&w.server, r#"{"MaxResults":50}"#).await);
    let copy = trail.iter().find(|r| r["requestID"] == request).expect("the owner's copy of the call");
    assert_eq!(copy["recipientAccountId"], owner_account);
    assert_eq!(usage.cloud_trail_event_id(), copy["eventID"].as_str());
}
