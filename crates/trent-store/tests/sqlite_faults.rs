//! Guards the SQLite store's own transactions: every method that writes more than one row must
//! write all of them or none. Triggers installed beside the store fail every row write after the
//! first N (N = 0, 1, 2, ... until the method succeeds), inside the method's transaction, as
//! redb's crash-testing backend fails every I/O after a budget; after each failure the whole
//! database must be exactly as before.

#[path = "conformance/fixtures.rs"]
#[allow(dead_code, reason = "the conformance fixtures serve several test files")]
mod fixtures;

use std::future::Future;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use trent_core::identity::{InlinePolicy, PolicyOwner};
use trent_core::kms::{Grant, GrantOperation, KeyRecord};
use trent_core::store::{Batch, BatchStore, NewKey};
use trent_core::{Account, AccountId, IdentityStore, KmsStore, StoreError};
use trent_store::SqliteStore;

use fixtures::{access_key, alias, at, home, key, kid, material, tag, user};

/// The tables that hold data (not the schema's version, not the fault budget itself).
const TABLES: &str = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
     AND name NOT IN ('schema_version', 'fault_budget') ORDER BY name";

/// A connection beside the store's that installs the fault triggers, sets their budget and
/// reads the whole database.
struct Faults {
    conn: SqliteConnection,
}

impl Faults {
    /// Installs, for every data table and every kind of row write, a trigger that fails it when
    /// the budget is 0 and one that spends the budget when it is positive; -1 means no limit.
    async fn install(path: &std::path::Path) -> Faults {
        let mut conn =
            SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path)).await.expect("connect");
        sqlx::query("CREATE TABLE fault_budget (n INTEGER NOT NULL)").execute(&mut conn).await.expect("budget");
        sqlx::query("INSERT INTO fault_budget VALUES (-1)").execute(&mut conn).await.expect("budget");
        let tables: Vec<String> = sqlx::query_scalar(TABLES).fetch_all(&mut conn).await.expect("tables");
        for table in &tables {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                let lower = op.to_lowercase();
                let fail = format!(
                    "CREATE TRIGGER fault_{table}_{lower} BEFORE {op} ON {table} \
                     WHEN (SELECT n FROM fault_budget) = 0 BEGIN SELECT RAISE(ABORT, 'injected write fault'); END"
                );
                let spend = format!(
                    "CREATE TRIGGER spend_{table}_{lower} AFTER {op} ON {table} \
                     WHEN (SELECT n FROM fault_budget) > 0 BEGIN UPDATE fault_budget SET n = n - 1; END"
                );
                for sql in [fail, spend] {
                    sqlx::query(&sql).execute(&mut conn).await.expect("trigger");
                }
            }
        }
        Faults { conn }
    }

    async fn budget(&mut self, n: i64) {
        sqlx::query("UPDATE fault_budget SET n = ?1").bind(n).execute(&mut self.conn).await.expect("budget");
    }

    /// Every row of every data table, as SQLite quotes it, sorted.
    async fn snapshot(&mut self) -> Vec<String> {
        let tables: Vec<String> = sqlx::query_scalar(TABLES).fetch_all(&mut self.conn).await.expect("tables");
        let mut rows = Vec::new();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
                .bind(&table)
                .fetch_all(&mut self.conn)
                .await
                .expect("columns");
            let quoted: Vec<String> = columns.iter().map(|c| format!("quote({c})")).collect();
            let sql = format!("SELECT '{table}: ' || {} FROM {table}", quoted.join(" || ',' || "));
            rows.extend(sqlx::query_scalar::<_, String>(&sql).fetch_all(&mut self.conn).await.expect("rows"));
        }
        rows.sort();
        rows
    }

    /// Runs `op` with a budget of 0, 1, 2, ... row writes until it succeeds; after each failure
    /// the database must be as before. Returns the row writes it needed.
    async fn sweep<F, Fut>(&mut self, name: &str, op: F) -> i64
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let before = self.snapshot().await;
        for n in 0..100 {
            self.budget(n).await;
            let outcome = op().await;
            self.budget(-1).await;
            match outcome {
                Ok(()) => {
                    assert!(n > 0, "{name} wrote nothing");
                    return n;
                }
                Err(StoreError::Unavailable(_)) => {
                    assert_eq!(self.snapshot().await, before, "{name} failed after {n} row writes and left some");
                }
                Err(e) => panic!("{name} after {n} row writes: {e:?}"),
            }
        }
        panic!("{name} never succeeded");
    }
}

fn grant(id: char) -> Grant {
    Grant {
        key_id: kid(1),
        grant_id: id.to_string().repeat(64),
        name: None,
        grantee_principal: "arn:aws:iam::111122223333:role/app".to_owned(),
        retiring_principal: None,
        issuing_account: "arn:aws:iam::111122223333:root".to_owned(),
        operations: vec![GrantOperation::Decrypt],
        constraints: None,
        created_at: at(4),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_multi_row_write_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let s = home();
    store.insert_account(&Account { id: s.account.clone(), name: "home".into(), created_at: at(0) }).await.expect("a");
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[tag("a", "1"), tag("b", "2")]).await.expect("key");
    store.insert_alias(&s, &alias("alias/one", kid(1), at(1))).await.expect("alias");
    for g in ['a', 'b'] {
        store.insert_grant(&s, &grant(g)).await.expect("grant");
    }
    store.insert_user(&user("carol")).await.expect("carol");
    let mut faults = Faults::install(&path).await;

    let one = kid(1);
    let tags = [tag("x", "1"), tag("y", "2"), tag("z", "3")];
    let (second, first_material) = (key(&s, kid(2)), material(0, 2));
    let writes = faults.sweep("insert_key", || store.insert_key(&second, &first_material, &tags)).await;
    assert_eq!(writes, 5, "the key, its material and three tags");

    let rotated = KeyRecord { revision: 2, ..key(&s, kid(1)) };
    let next = material(1, 1);
    assert_eq!(faults.sweep("add_material", || store.add_material(&rotated, 1, &next)).await, 2);
    assert_eq!(faults.sweep("put_tags", || store.put_tags(&s, &one, &tags)).await, 3);
    let names = ["x".to_owned(), "y".to_owned()];
    assert_eq!(faults.sweep("remove_tags", || store.remove_tags(&s, &one, &names)).await, 2);

    let home_account = s.account.clone();
    let bob = user("bob");
    let batch = Batch {
        accounts: vec![Account {
            id: AccountId::parse("222233334444").expect("id"),
            name: "b".into(),
            created_at: at(5),
        }],
        users: vec![bob.clone()],
        policies: vec![(
            home_account.clone(),
            InlinePolicy {
                owner: PolicyOwner::User("bob".into()),
                name: "p".into(),
                document: r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            },
        )],
        access_keys: vec![access_key("AKIABOBBOBBOBBOBBOB0", &bob)],
        keys: vec![NewKey { record: key(&s, kid(3)), material: material(0, 3), tags: vec![tag("t", "v")] }],
        aliases: vec![(s.clone(), alias("alias/three", kid(3), at(6)))],
        ..Batch::default()
    };
    assert_eq!(faults.sweep("apply_batch", || store.apply_batch(&batch)).await, 8);

    // kid(1) has two materials, the tags a, b and z, an alias and two grants.
    let writes = faults.sweep("delete_key", || store.delete_key(&s, &one)).await;
    assert_eq!(writes, 9, "the key with its materials, tags, alias and grants");
    assert_eq!(faults.sweep("delete_user", || store.delete_user(&home_account, "carol")).await, 1);
    store.close().await;
}
