//! Migrations are append-only: a released migration file never changes, since databases
//! already migrated past it would never run the edit (and a fresh one would differ from them).
//! The SHA-256 of every released file of each backend is pinned here; editing one fails
//! `released_migrations_are_unchanged` with the advice to add a new migration instead. A new
//! migration fails it too until its digest is added to the list of its directory below: that
//! is the only change releasing it needs here.

use std::collections::BTreeMap;
use std::path::Path;

/// `migrations/sqlite/`.
const SQLITE: &[(&str, &str)] = &[
    ("0001_init.sql", "d753539629cdd3c9b2c409ee76316156da3dce3743ed793a806ba836c2db90ad"),
    ("0002_grants.sql", "6da3e8fc2443f412db2a5f28320bfc5f83759db755e7d1ecf642906c83cab253"),
    ("0003_iam.sql", "62c66295acd237e3751111e01c400e143c35f12ed6f86e517c2fee60385525f9"),
    ("0004_key_manager.sql", "c64e59f9145d58833226e7367cb5c471755917a97069aea2efa162a46587e328"),
    ("0005_multi_region.sql", "ca90735bb1bccaaa764fda69f3f80cad0096bb5d55609e0d97529bee55f66eb2"),
    ("0006_secrets.sql", "5e97974ab50e46d875441cd222406fe65304655f040c287b8057c37ebcd6830a"),
    ("0007_params.sql", "94470175afe6227e80c494c6ca5fa3a7855447f8d02c10796143d51853aaa4bf"),
    ("0008_secret_rotation.sql", "7f53164acba5056606b400f72c6ecaffd3ce8c4c4939acb9eb894a47a78d89b2"),
    ("0009_param_policies_events.sql", "d56757fead2ec1e964aebd3c421518e13e78f7784493f36f0d97b075d8f8e7bc"),
    ("0010_imported_material.sql", "a9fe4fe8d364ef132003c9c25460cb67d62efc854d93b7daf7389dce3dd60c46"),
    ("0011_secret_replicas.sql", "33e43315f32dc68c2d4faa3b0c63d0db52238158d68dc2fbe790ac1ad1772301"),
    ("0012_key_last_usage.sql", "df21edb5a60b22fa3fda2cae7c9544818d12d2f8a8b9644b9559e6aa37e101eb"),
    ("0013_event_deliveries.sql", "04ae14d5798dc51b7ffb917fd07488b4f925cf794fa92c14ea0f5c4df5755bb1"),
    ("0014_param_counts.sql", "b23ae1dd30af85b9df3ef5847c295f797a92bbdb470fca487515cb5b76a11e67"),
    ("0015_custom_key_stores.sql", "55d779d04f2df91e77288fe546dbf27aa95c29769ce341c355bf7b8c78336724"),
    ("0016_imported_rotation.sql", "a8120f1c629a6037049d12d33e3c6dcff990902784787fb71d25e8524d7eca7d"),
    ("0017_keys_in_custom_key_stores.sql", "c7c6a9a95309a92c78bf1cd6a07989d19726669c42aa9f4d63b2c0f2684b78c4"),
    ("0018_replica_retry_at.sql", "d76b5cb1697f4c5e581d09c7f38996a5d85ee36e91805c39a801230ae272da8a"),
    ("0019_cross_account_replicas.sql", "3cfcccd86f9394f182919fd48738daa016d00abf8ed8d0cd1f7874f7a55b7606"),
    ("0020_cross_account_failures.sql", "0acad02064b95f0d8cf23b689b3d1af939868bbe0212f02ef1f4566bf7d4748c"),
    ("0021_key_listing.sql", "02222fc4aad692630dc8cfc9b0191fbbe5d527075635d62c1ef7a0beea4ddf6f"),
];

/// `migrations/postgres/`.
const POSTGRES: &[(&str, &str)] = &[
    ("0001_init.sql", "63b27f114a0278d848e0e1802d380fd9ea4918eedbd1199ff28efb84266f285a"),
    ("0002_multi_region.sql", "d3f7ab5a1dd0666f35db2903618db514bbe771ea6f3bf3f14a4ad28450e40a74"),
    ("0003_secrets.sql", "96ca4f07be73eec1a8743d6efbffe6071a3b7fc8f534c6d91006a8c4e667c035"),
    ("0004_params.sql", "a945139dc583361342951d2154df99f9bb9510f7d5be1d584b09f9c0aa304783"),
    ("0005_secret_rotation.sql", "4183330f59f848613dc7365057b52d97919a0ade5500df114c51f38d9676ff03"),
    ("0006_param_policies_events.sql", "5a95dd68c60321b3ef3f527cde811794b61d484a0e5831b2d4cba7be51a523ac"),
    ("0007_audit_nodes.sql", "288ccc7299f402ca907eca42092c6ba034eddc41fd4139555d71fe8f115fcae4"),
    ("0008_imported_material.sql", "9eb8d9f8beb14c1b8192b5aa5e264be3a3c11d1d965582ae6ee19e88d6e89df2"),
    ("0009_secret_replicas.sql", "a9a2d75ccb3744182bf764b914cbc6a42f343dfc16f169858471bae60a9e83e8"),
    ("0010_key_last_usage.sql", "b6f683784ef24b69d18c46bb6f0d5a86513882b16aea448771cba21d479d3fe6"),
    ("0011_event_deliveries.sql", "f54440375d2c81d024ed1c503d4a306007c1df33f76df640c47d8981b1213158"),
    ("0012_param_counts.sql", "568aeb56ed89b1b781c41bb6bada10d2f11e2355b0113f8212c0902981748cef"),
    ("0013_custom_key_stores.sql", "fa3f25215ee988866b58669a284a3d3d4af0835d8dd5343115284cda2aa1d6f0"),
    ("0014_imported_rotation.sql", "920ee4ed958907674666bde34c8808301176c4e8386ffadc3c886da5fa1ecac2"),
    ("0015_outbox_order.sql", "e017471ebbf0deba94c714febc0d49ac8fc8ecb8419445ec1f4875fa465b23c4"),
    ("0016_keys_in_custom_key_stores.sql", "2782b0c6aa4db263b3547a780d31e377ed64f455c539ef3988b6b5d829d41d09"),
    ("0017_replica_retry_at.sql", "3e91ec98edd25201606303108d4f8487400777e427ac2cf9a8a1dce5dff9a4e5"),
    ("0018_param_counts_per_statement.sql", "a0b4a819bb01dc6c199ab4d959c7a3bab64a71a8550ff1fe8f4b108a2efcce85"),
    ("0019_cross_account_replicas.sql", "7da420d80023a87acbbcd5de283ae37dcd2f6d526e6dfee50305198a01389b85"),
    ("0020_cross_account_failures.sql", "0f7f1536fee51c41234aebb0a4819035adbae9959ca77d8b3f90b368da99d03d"),
    ("0021_key_listing.sql", "f1b98624049a4ef682887b584e82156ba9d855fa1e20b9d53dfcdf155c813078"),
    ("0022_audit_gap_check_per_commit.sql", "893c7b9a6afd84447c3b9958e98729ff2f9f107d8357de0510c748894130a0d7"),
];

/// `migrations/sqlite-audit/`.
const SQLITE_AUDIT: &[(&str, &str)] = &[
    ("0001_trail.sql", "472ce6cac7c1dbfe9bb44355c72965462cc51663b1a5a5ced3366e98fa3d4608"),
    ("0002_node.sql", "66c79181201fa0b3583aaea1f3ba1a4c8c7b0990c95be9af80699d16e9765335"),
    ("0003_gap_check_per_statement.sql", "a72265decfd397411bb546c2eb1327979f560a2c5da43627c35653356cf4365c"),
];

/// The SHA-256 of `bytes`, in lower-case hex.
fn sha256(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes))
}

/// What is wrong with the migration files `found` (name to content) of directory `dir`
/// against the `pinned` digests: one sentence per edited, missing or unpinned file.
fn problems(dir: &str, pinned: &[(&str, &str)], found: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let next = format!("{:04}", found.len().max(pinned.len()) + 1);
    let mut problems = Vec::new();
    for (name, digest) in pinned {
        match found.get(*name) {
            None => problems.push(format!(
                "{dir}/{name} was released and is gone: restore it (a released migration is never removed or \
                 renamed; undo it in a new migration, {dir}/{next}_*.sql)"
            )),
            Some(content) if sha256(content) != *digest => problems.push(format!(
                "{dir}/{name} was released and has changed (SHA-256 {} instead of {digest}): restore it and add a \
                 new migration, {dir}/{next}_*.sql, for the change (databases already past {name} would never run \
                 the edit)",
                sha256(content)
            )),
            Some(_) => {}
        }
    }
    for (name, content) in found {
        if !pinned.iter().any(|(p, _)| p == name) {
            problems.push(format!(
                "{dir}/{name} is new: when it is final, pin it by adding (\"{name}\", \"{}\") to the list of {dir} in \
                 crates/trent-store/tests/migrations_append_only.rs",
                sha256(content)
            ));
        }
    }
    problems
}

/// The `.sql` files of `migrations/{dir}` by name.
fn files(dir: &str) -> BTreeMap<String, Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_owned();
            let content = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, content)
        })
        .collect()
}

#[test]
fn released_migrations_are_unchanged() {
    let mut all = Vec::new();
    for (dir, pinned) in [("sqlite", SQLITE), ("postgres", POSTGRES), ("sqlite-audit", SQLITE_AUDIT)] {
        all.extend(problems(dir, pinned, &files(dir)));
    }
    assert!(all.is_empty(), "migrations are append-only:\n{}", all.join("\n"));
}

#[test]
fn the_pins_cover_the_released_versions_of_both_backends() {
    let numbered = |pinned: &[(&str, &str)]| {
        pinned.iter().enumerate().all(|(i, (name, digest))| {
            name.starts_with(&format!("{:04}_", i + 1)) && digest.len() == 64 && hex::decode(digest).is_ok()
        })
    };
    assert!(SQLITE.len() >= 18 && numbered(SQLITE), "SQLite 1-18 at least, numbered without gaps");
    assert!(POSTGRES.len() >= 17 && numbered(POSTGRES), "PostgreSQL 1-17 at least, numbered without gaps");
    assert!(SQLITE_AUDIT.len() >= 2 && numbered(SQLITE_AUDIT), "the SQLite audit trail's 1-2 at least");
}

/// The check itself: an edited, a removed and a new file are each reported, with the advice.
#[test]
fn an_edited_removed_or_unpinned_migration_is_reported() {
    let original = b"CREATE TABLE t (a BIGINT);\n".to_vec();
    let digest = sha256(&original);
    let pinned = [("0001_init.sql", digest.as_str()), ("0002_more.sql", digest.as_str())];
    let mut found =
        BTreeMap::from([("0001_init.sql".to_owned(), original.clone()), ("0002_more.sql".to_owned(), original)]);
    assert!(problems("postgres", &pinned, &found).is_empty());

    found.insert("0001_init.sql".to_owned(), b"CREATE TABLE t (a BIGINT, b TEXT);\n".to_vec());
    let edited = problems("postgres", &pinned, &found);
    assert_eq!(edited.len(), 1, "{edited:?}");
    assert!(edited[0].contains("postgres/0001_init.sql was released and has changed"), "{}", edited[0]);
    assert!(edited[0].contains("add a new migration, postgres/0003_*.sql"), "{}", edited[0]);

    found.remove("0001_init.sql");
    found.insert("0003_new.sql".to_owned(), b"ALTER TABLE t ADD COLUMN c TEXT;\n".to_vec());
    let reported = problems("postgres", &pinned, &found);
    assert_eq!(reported.len(), 2, "{reported:?}");
    assert!(reported[0].contains("postgres/0001_init.sql was released and is gone"), "{}", reported[0]);
    assert!(reported[1].contains("postgres/0003_new.sql is new: when it is final, pin it"), "{}", reported[1]);
    assert!(reported[1].contains(&sha256(b"ALTER TABLE t ADD COLUMN c TEXT;\n")), "{}", reported[1]);
}
