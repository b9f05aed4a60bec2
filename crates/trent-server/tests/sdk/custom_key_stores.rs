//! Custom key stores of type `AWS_CLOUDHSM` over SoftHSM2 tokens, through `aws-sdk-kms`:
//! create, describe, connect (a wrong PIN and a missing token fail as AWS reports them),
//! update, disconnect, delete, every refusal of the model's errors, `GenerateRandom` drawn
//! from the token, reconnection after a restart, and the password nowhere on disk in clear.

use aws_sdk_kms::types::{ConnectionErrorCodeType, ConnectionStateType, CustomKeyStoreType};
use trent_server::RawConfig;
use trent_server::hsm::clusters::RawHsmCluster;

use crate::common::{TestServer, expect_code};
use crate::softhsm::{MODULE, PIN, SoftHsm};

const TOKEN: &str = "cks-token";
const OTHER_TOKEN: &str = "cks-other";
/// The token of `TOKEN`, under two cluster ids (related clusters).
const CLUSTER: &str = "cluster-trenthsmaaa";
const RELATED: &str = "cluster-trenthsmbbb";
const OTHER: &str = "cluster-trenthsmccc";
const ABSENT: &str = "cluster-trenthsmddd";
const UNCONFIGURED: &str = "cluster-trenthsmzzz";
pub(crate) const ANCHOR: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTrent\n-----END CERTIFICATE-----\n";

fn cluster(id: &str, label: &str) -> RawHsmCluster {
    RawHsmCluster {
        cluster_id: Some(id.into()),
        module: Some(MODULE.into()),
        token_label: Some(label.into()),
        ..RawHsmCluster::default()
    }
}

fn clusters() -> RawConfig {
    RawConfig {
        hsm_clusters: Some(vec![
            cluster(CLUSTER, TOKEN),
            cluster(RELATED, TOKEN),
            cluster(OTHER, OTHER_TOKEN),
            cluster(ABSENT, "no-such-token"),
        ]),
        ..RawConfig::default()
    }
}

/// The id of the `i`th cluster of [`unreachable_clusters`].
pub(crate) fn unreachable_cluster(i: u8) -> String {
    format!("cluster-unreachable{}", (b'a' + i) as char)
}

/// `n` clusters of a module that does not exist: stores over them are created, and fail to
/// connect with `CLUSTER_NOT_FOUND` (for tests that need stores without a token).
pub(crate) fn unreachable_clusters(n: u8) -> Vec<RawHsmCluster> {
    (0..n)
        .map(|i| RawHsmCluster {
            cluster_id: Some(unreachable_cluster(i)),
            module: Some("/nonexistent/libpkcs11-module.so".into()),
            token_label: Some("none".into()),
            ..RawHsmCluster::default()
        })
        .collect()
}

/// Regression guard: custom key store operations answered `UnknownOperationException`.
#[test]
fn custom_key_stores_connect_to_a_pkcs11_token() {
    let Some(hsm) = SoftHsm::new() else { return };
    hsm.init_token(TOKEN);
    hsm.init_token(OTHER_TOKEN);
    hsm.run_child("custom_key_stores::child_lifecycle");
}

async fn state_of(kms: &aws_sdk_kms::Client, id: &str) -> (ConnectionStateType, Option<ConnectionErrorCodeType>) {
    let out = kms.describe_custom_key_stores().custom_key_store_id(id).send().await.unwrap();
    let store = &out.custom_key_stores()[0];
    (store.connection_state().unwrap().clone(), store.connection_error_code().cloned())
}

#[tokio::test]
#[ignore = "run by custom_key_stores_connect_to_a_pkcs11_token in a SoftHSM environment"]
async fn child_lifecycle() {
    SoftHsm::in_child();
    let server = TestServer::start_with(clusters()).await;
    let kms = server.client();
    let create = |name: &str, cluster: &str, password: &str| {
        kms.create_custom_key_store()
            .custom_key_store_name(name)
            .cloud_hsm_cluster_id(cluster)
            .trust_anchor_certificate(ANCHOR)
            .key_store_password(password)
    };

    // Refusals before anything is stored.
    expect_code(create("x", UNCONFIGURED, PIN).send().await, "CloudHsmClusterNotFoundException");
    expect_code(
        create("x", CLUSTER, PIN).trust_anchor_certificate("not a certificate").send().await,
        "IncorrectTrustAnchorException",
    );
    expect_code(
        kms.create_custom_key_store()
            .custom_key_store_name("xks")
            .custom_key_store_type(CustomKeyStoreType::ExternalKeyStore)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    expect_code(create("x", "cluster-1", PIN).send().await, "ValidationException");
    expect_code(create("x", CLUSTER, "short").send().await, "ValidationException");
    let m = expect_code(
        kms.create_custom_key_store().custom_key_store_name("x").cloud_hsm_cluster_id(CLUSTER).send().await,
        "ValidationException",
    );
    assert!(m.contains("trustAnchorCertificate") && m.contains("keyStorePassword"), "{m}");

    // Created disconnected; names and clusters are unique.
    let id = create("payments", CLUSTER, PIN).send().await.unwrap().custom_key_store_id().unwrap().to_owned();
    assert!(id.starts_with("cks-") && id.len() == 21, "{id}");
    expect_code(create("payments", OTHER, PIN).send().await, "CustomKeyStoreNameInUseException");
    expect_code(create("payments-2", CLUSTER, PIN).send().await, "CloudHsmClusterInUseException");
    let listed = kms.describe_custom_key_stores().send().await.unwrap();
    let entry = &listed.custom_key_stores()[0];
    assert_eq!(entry.custom_key_store_id(), Some(id.as_str()));
    assert_eq!(entry.custom_key_store_name(), Some("payments"));
    assert_eq!(entry.cloud_hsm_cluster_id(), Some(CLUSTER));
    assert_eq!(entry.trust_anchor_certificate(), Some(ANCHOR));
    assert_eq!(entry.custom_key_store_type(), Some(&CustomKeyStoreType::AwsCloudhsm));
    assert_eq!(entry.connection_state(), Some(&ConnectionStateType::Disconnected));
    assert!(entry.creation_date().is_some() && entry.connection_error_code().is_none());
    let by_name = kms.describe_custom_key_stores().custom_key_store_name("payments").send().await.unwrap();
    assert_eq!(by_name.custom_key_stores().len(), 1);
    expect_code(
        kms.describe_custom_key_stores().custom_key_store_id("cks-1234567890abcdef0").send().await,
        "CustomKeyStoreNotFoundException",
    );
    expect_code(
        kms.describe_custom_key_stores().custom_key_store_name("nope").send().await,
        "CustomKeyStoreNotFoundException",
    );
    expect_code(
        kms.disconnect_custom_key_store().custom_key_store_id(&id).send().await,
        "CustomKeyStoreInvalidStateException",
    );
    expect_code(
        kms.generate_random().number_of_bytes(16).custom_key_store_id(&id).send().await,
        "CustomKeyStoreInvalidStateException",
    );

    // Connected: the token accepted the PIN; random bytes come from it.
    kms.connect_custom_key_store().custom_key_store_id(&id).send().await.unwrap();
    assert_eq!(state_of(&kms, &id).await, (ConnectionStateType::Connected, None));
    kms.connect_custom_key_store().custom_key_store_id(&id).send().await.expect("connecting a connected store is fine");
    let random = kms.generate_random().number_of_bytes(48).custom_key_store_id(&id).send().await.unwrap();
    let random = random.plaintext().unwrap().as_ref().to_vec();
    assert_eq!(random.len(), 48);
    assert_ne!(random, vec![0u8; 48]);
    // Only the name may change while connected; deletion needs a disconnected store.
    kms.update_custom_key_store()
        .custom_key_store_id(&id)
        .new_custom_key_store_name("payments-hsm")
        .send()
        .await
        .unwrap();
    expect_code(
        kms.update_custom_key_store().custom_key_store_id(&id).key_store_password("another-pin").send().await,
        "CustomKeyStoreInvalidStateException",
    );
    expect_code(
        kms.delete_custom_key_store().custom_key_store_id(&id).send().await,
        "CustomKeyStoreInvalidStateException",
    );

    // A wrong PIN: FAILED with INVALID_CREDENTIALS; connect refused until disconnected; the
    // right password then connects.
    let bad = create("wrong-pin", OTHER, "0000-wrong").send().await.unwrap().custom_key_store_id().unwrap().to_owned();
    kms.connect_custom_key_store().custom_key_store_id(&bad).send().await.unwrap();
    assert_eq!(
        state_of(&kms, &bad).await,
        (ConnectionStateType::Failed, Some(ConnectionErrorCodeType::InvalidCredentials))
    );
    expect_code(
        kms.connect_custom_key_store().custom_key_store_id(&bad).send().await,
        "CustomKeyStoreInvalidStateException",
    );
    kms.disconnect_custom_key_store().custom_key_store_id(&bad).send().await.unwrap();
    assert_eq!(state_of(&kms, &bad).await, (ConnectionStateType::Disconnected, None));
    kms.update_custom_key_store().custom_key_store_id(&bad).key_store_password(PIN).send().await.unwrap();
    kms.connect_custom_key_store().custom_key_store_id(&bad).send().await.unwrap();
    assert_eq!(state_of(&kms, &bad).await, (ConnectionStateType::Connected, None));

    // A token that is not there: CLUSTER_NOT_FOUND.
    let absent = create("absent", ABSENT, PIN).send().await.unwrap().custom_key_store_id().unwrap().to_owned();
    kms.connect_custom_key_store().custom_key_store_id(&absent).send().await.unwrap();
    assert_eq!(
        state_of(&kms, &absent).await,
        (ConnectionStateType::Failed, Some(ConnectionErrorCodeType::ClusterNotFound))
    );

    // Pages of one, in id order.
    let first = kms.describe_custom_key_stores().limit(1).send().await.unwrap();
    assert!(first.truncated() && first.custom_key_stores().len() == 1);
    let mut seen = vec![first.custom_key_stores()[0].custom_key_store_id().unwrap().to_owned()];
    let mut marker = first.next_marker().map(str::to_owned);
    while let Some(m) = marker {
        let page = kms.describe_custom_key_stores().limit(1).marker(m).send().await.unwrap();
        seen.extend(page.custom_key_stores().iter().map(|s| s.custom_key_store_id().unwrap().to_owned()));
        marker = page.next_marker().map(str::to_owned);
    }
    let mut expected = vec![id.clone(), bad.clone(), absent.clone()];
    expected.sort();
    assert_eq!(seen, expected);
    expect_code(kms.describe_custom_key_stores().marker("garbage").send().await, "InvalidMarkerException");

    // A restarted node connects the stores asked to be connected by itself.
    let server = server.restart().await;
    let kms = server.client();
    assert_eq!(state_of(&kms, &id).await, (ConnectionStateType::Connected, None));
    kms.generate_random().number_of_bytes(8).custom_key_store_id(&id).send().await.expect("from the token");

    // Another cluster id of the same token is related; another token's is not.
    kms.disconnect_custom_key_store().custom_key_store_id(&id).send().await.unwrap();
    expect_code(
        kms.update_custom_key_store().custom_key_store_id(&id).cloud_hsm_cluster_id(OTHER).send().await,
        "CloudHsmClusterNotRelatedException",
    );
    expect_code(
        kms.update_custom_key_store().custom_key_store_id(&id).cloud_hsm_cluster_id(UNCONFIGURED).send().await,
        "CloudHsmClusterNotFoundException",
    );
    expect_code(
        kms.update_custom_key_store().custom_key_store_id(&id).new_custom_key_store_name("wrong-pin").send().await,
        "CustomKeyStoreNameInUseException",
    );
    kms.update_custom_key_store().custom_key_store_id(&id).cloud_hsm_cluster_id(RELATED).send().await.unwrap();
    kms.connect_custom_key_store().custom_key_store_id(&id).send().await.unwrap();
    assert_eq!(state_of(&kms, &id).await, (ConnectionStateType::Connected, None));
    kms.disconnect_custom_key_store().custom_key_store_id(&id).send().await.unwrap();
    kms.delete_custom_key_store().custom_key_store_id(&id).send().await.unwrap();
    expect_code(
        kms.describe_custom_key_stores().custom_key_store_id(&id).send().await,
        "CustomKeyStoreNotFoundException",
    );

    // The PIN is nowhere on disk in clear: not in the database, not in the audit trail.
    let mut files = Vec::new();
    let mut dirs = vec![server.data_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("audit.db")), "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(PIN.len()).any(|w| w == PIN.as_bytes()), "{} holds the PIN", file.display());
        assert!(!bytes.windows(10).any(|w| w == b"0000-wrong"), "{} holds a password", file.display());
    }
}

/// Regression guard: the page's `[[hsm_clusters]]` example must stay a valid configuration.
#[test]
fn cluster_example_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.toml");
    std::fs::write(&path, crate::configuration_doc::example("hsm-clusters")).unwrap();
    let raw = RawConfig { data_dir: Some(dir.path().to_owned()), ..RawConfig::from_file(&path).unwrap() };
    let config = raw.resolve(None).expect("valid");
    assert_eq!(config.hsm_clusters.len(), 1);
    assert_eq!(config.hsm_clusters[0].cluster_id, "cluster-trenthsm2abc");
    assert_eq!(config.hsm_clusters[0].token, trent_server::hsm::TokenRef::Label("trent-keys".into()));
}

/// Each wrong `[[hsm_clusters]]` entry is refused naming its setting.
#[test]
fn cluster_settings_are_checked() {
    let refused = |entry: RawHsmCluster| {
        let raw = RawConfig { hsm_clusters: Some(vec![entry]), ..RawConfig::default() };
        match raw.resolve(None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        }
    };
    let good = || cluster(CLUSTER, TOKEN);
    assert!(
        refused(RawHsmCluster { cluster_id: Some("cluster-1".into()), ..good() }).contains("hsm_clusters.cluster_id")
    );
    assert!(refused(RawHsmCluster { module: Some("libsofthsm2.so".into()), ..good() }).contains("hsm_clusters.module"));
    assert!(refused(RawHsmCluster { slot: Some(1), ..good() }).contains("hsm_clusters.token_label"));
    let anchor = RawHsmCluster { trust_anchor_file: Some("/nonexistent/anchor.pem".into()), ..good() };
    assert!(refused(anchor).contains("hsm_clusters.trust_anchor_file"));
    let twice = RawConfig { hsm_clusters: Some(vec![good(), good()]), ..RawConfig::default() };
    match twice.resolve(None) {
        Err(e) => assert!(e.to_string().contains("named twice"), "{e}"),
        Ok(_) => panic!("a cluster id named twice was accepted"),
    }
}

/// Regression guard: an account holds at most ten custom key stores per Region; the eleventh
/// `CreateCustomKeyStore` answers `LimitExceededException` in AWS's words and creates nothing,
/// and a deleted store frees its place. The stores are over clusters of a module that does not
/// exist, so no token is needed.
#[tokio::test]
async fn the_eleventh_custom_key_store_is_refused_until_one_is_deleted() {
    let hsm_clusters = Some(unreachable_clusters(11));
    let server = TestServer::start_with(RawConfig { hsm_clusters, ..RawConfig::default() }).await;
    let kms = server.client();
    let create = |i: u8| {
        kms.create_custom_key_store()
            .custom_key_store_name(format!("limit-{i}"))
            .cloud_hsm_cluster_id(unreachable_cluster(i))
            .trust_anchor_certificate(ANCHOR)
            .key_store_password("limit-pin")
            .send()
    };
    let mut stores = Vec::new();
    for i in 0..10 {
        stores.push(create(i).await.unwrap().custom_key_store_id().unwrap().to_owned());
    }
    let message = expect_code(create(10).await, "LimitExceededException");
    assert!(message.contains("limit of 10 custom key stores"), "{message}");
    let listed = kms.describe_custom_key_stores().send().await.unwrap();
    assert_eq!(listed.custom_key_stores().len(), 10, "the refused store was not created");

    kms.delete_custom_key_store().custom_key_store_id(&stores[3]).send().await.unwrap();
    let created = create(10).await.unwrap();
    assert!(created.custom_key_store_id().is_some_and(|id| !stores.contains(&id.to_owned())));
    assert_eq!(kms.describe_custom_key_stores().send().await.unwrap().custom_key_stores().len(), 10);
}
