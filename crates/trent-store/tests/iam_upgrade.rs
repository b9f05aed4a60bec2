//! Upgrading a database written before IAM (schema version 2) to 0003: the first-start
//! administrator, which existed only as the principal of its access key and had full access
//! because nothing was enforced, becomes an IAM user with the `AdministratorAccess` inline
//! policy, so that enforcing policies does not lock an existing deployment out.

use std::path::Path;

use sqlx::Connection;
use trent_core::identity::PolicyOwner;
use trent_core::{AccountId, IdentityStore, PrincipalKind};
use trent_store::SqliteStore;

mod old_schema;

async fn version_2_database(path: &Path) {
    let mut conn = old_schema::database_at_version(path, 2).await;
    for sql in [
        "INSERT INTO accounts (id, name, created_at) VALUES ('111122223333', 'default', 1000)",
        "INSERT INTO access_keys VALUES ('AKIAADMIN00000000001', '111122223333', 'User', 'admin', 'AIDAADMINADMINADMIN', \
         x'0102', 'Active', 2000)",
        "INSERT INTO access_keys VALUES ('AKIAROOT000000000001', '111122223333', 'Root', NULL, '111122223333', \
         x'0304', 'Active', 3000)",
    ] {
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    }
    conn.close().await.expect("close");
}

#[tokio::test]
async fn the_pre_iam_administrator_becomes_a_user_with_administrator_access() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    version_2_database(&path).await;

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    let account = AccountId::parse("111122223333").expect("account");
    let admin = store.get_user(&account, "admin").await.expect("get").expect("admin is a user now");
    assert_eq!((admin.path.as_str(), admin.user_id.as_str()), ("/", "AIDAADMINADMINADMIN"));
    assert_eq!(admin.created_at.unix_timestamp_nanos(), 2000, "created with its first key");
    let policies = store.list_policies(&account, &PolicyOwner::User("admin".into())).await.expect("policies");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].name, "AdministratorAccess");
    let document: serde_json::Value = serde_json::from_str(&policies[0].document).expect("JSON");
    assert_eq!(document["Statement"][0]["Action"], "*");
    assert_eq!(document["Statement"][0]["Resource"], "*");
    // The keys still resolve to the same principals.
    let key = store.get_access_key("AKIAADMIN00000000001").await.expect("get").expect("key");
    assert!(matches!(key.principal.kind, PrincipalKind::User { ref name, ref path } if name == "admin" && path == "/"));
    let root = store.get_access_key("AKIAROOT000000000001").await.expect("get").expect("root key");
    assert_eq!(root.principal.kind, PrincipalKind::Root);
    assert_eq!(store.list_users(&account, "/", None, 10).await.expect("users").len(), 1, "no user for the root");
}
