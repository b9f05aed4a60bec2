//! Guards against a full disk wedging a store: a commit that fails with `SQLITE_FULL` must fail
//! at once, leave nothing behind, and leave the store able to commit again as soon as space
//! returns, without reopening it. (A failed `COMMIT` once left sqlx counting a transaction
//! SQLite had already rolled back, so every later `BEGIN IMMEDIATE` on the writer connection
//! failed until a restart.)
//!
//! Each test mounts a small tmpfs (root only) and fills it with a filler file. Without the
//! permission to mount, the tests say so loudly and pass, except under `CI=true`, where they fail.

#[path = "support/tmpfs.rs"]
mod tmpfs;

use std::time::Duration;

use time::OffsetDateTime;
use trent_core::audit::{DigestRecord, EventKey, StoredEvent};
use trent_core::store::{AuditStore, Batch, BatchStore};
use trent_core::{Account, AccountId, IdentityStore, StoreError};
use trent_store::{SqliteAuditStore, SqliteStore};

/// How long one store call may take before the test calls it a hang (generous: the machine is
/// shared; a hang is minutes, not seconds).
const ANSWER_WITHIN: Duration = Duration::from_secs(120);

/// Runs one store call, failing the test if it does not answer within [`ANSWER_WITHIN`].
async fn answered<T>(what: &str, call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(ANSWER_WITHIN, call).await.unwrap_or_else(|_| panic!("{what} hung on a full disk"))
}

fn account(n: u64) -> Account {
    Account {
        id: AccountId::from_u64(100_000_000_000 + n).expect("account id"),
        name: format!("account {n} {}", "x".repeat(2000)),
        created_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn one_account(n: u64) -> Batch {
    Batch { accounts: vec![account(n)], ..Batch::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_main_database_commits_until_space_returns() {
    let Some(mount) = tmpfs::Mount::new("a_full_disk_fails_main_database_commits_until_space_returns", "1m") else {
        return;
    };
    let store = SqliteStore::open(&mount.path().join("trent.db")).await.expect("open");
    store.apply_batch(&one_account(0)).await.expect("a commit with space left");
    let filler = tmpfs::fill(mount.path());

    let mut committed = vec![account(0).id];
    let mut n = 1;
    let refused = loop {
        match answered("a commit", store.apply_batch(&one_account(n))).await {
            Ok(()) => committed.push(account(n).id),
            Err(e) => break e,
        }
        n += 1;
        assert!(n < 10_000, "10,000 commits fitted on a full 1 MiB filesystem");
    };
    assert!(matches!(refused, StoreError::Unavailable(_)), "{refused:?}");
    let again = answered("a second commit", store.apply_batch(&one_account(n))).await;
    assert!(matches!(again, Err(StoreError::Unavailable(_))), "{again:?}");

    std::fs::remove_file(filler).expect("remove filler");
    answered("a commit after space returned", store.apply_batch(&one_account(n)))
        .await
        .expect("the store commits again once space returns, without being reopened");
    committed.push(account(n).id);
    let stored: Vec<AccountId> = store.list_accounts().await.expect("accounts").into_iter().map(|a| a.id).collect();
    assert_eq!(stored, committed, "every committed account, and none of the refused ones");
    store.close().await;
}

fn event(seq: u64) -> StoredEvent {
    StoredEvent {
        node: String::new(),
        seq,
        prev_hash: [seq as u8; 32],
        hash: [seq as u8 ^ 0xff; 32],
        key: EventKey {
            event_time: OffsetDateTime::UNIX_EPOCH,
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
        },
        json: serde_json::to_vec(&serde_json::json!({ "eventName": "Encrypt", "pad": "p".repeat(3000) }))
            .expect("json"),
    }
}

fn digest(seq: u64) -> DigestRecord {
    DigestRecord {
        digest_seq: seq,
        first_seq: seq,
        last_seq: seq,
        last_hash: [seq as u8 ^ 0xff; 32],
        prev_digest_hash: [seq as u8; 32],
        created_at: OffsetDateTime::UNIX_EPOCH,
        signature: vec![7; 64],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_audit_appends_until_space_returns() {
    let Some(mount) = tmpfs::Mount::new("a_full_disk_fails_audit_appends_until_space_returns", "2m") else {
        return;
    };
    let store = SqliteAuditStore::open(&mount.path().join("audit.db")).await.expect("open");
    let append = |seq: u64| {
        let store = store.clone();
        async move { store.append_audit(&[event(seq)], Some(&digest(seq))).await }
    };
    append(1).await.expect("an append with space left");
    let filler = tmpfs::fill(mount.path());

    let mut seq = 2;
    let refused = loop {
        if let Err(e) = answered("an append", append(seq)).await {
            break e;
        }
        seq += 1;
        assert!(seq < 10_000, "10,000 appends fitted on a full 2 MiB filesystem");
    };
    assert!(matches!(refused, StoreError::Unavailable(_)), "{refused:?}");
    assert_eq!(store.audit_head().await.expect("head").last_event.map(|(s, _)| s), Some(seq - 1));

    std::fs::remove_file(filler).expect("remove filler");
    answered("an append after space returned", append(seq))
        .await
        .expect("the trail appends again once space returns, without being reopened");
    let events = store.audit_events(1, 20_000).await.expect("events");
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=seq).collect::<Vec<_>>());
    store.close().await;
}
