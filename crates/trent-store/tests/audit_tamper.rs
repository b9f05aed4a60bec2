//! Tampering with the audit trail in the SQLite file itself, as an attacker with write access
//! to `audit.db` would: each attack is applied with plain SQL beside the store, and `verify`
//! (run over a read-only store, as `trent audit verify` does) must name the first problem with
//! its exact seq.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tempfile::TempDir;
use trent_core::audit::rules::KMS;
use trent_core::audit::{
    Anchor, AuditSigner, CallFacts, CallRecord, Chain, KmsNames, Outcome, PendingEvent, Problem, VerifyReport,
    call_event, chain, kms_resources, verify,
};
use trent_core::store::AuditStore;
use trent_core::{AccountId, Caller, Principal, PrincipalKind, Region};
use trent_store::SqliteAuditStore;

const BATCHES: u64 = 5;
const PER_BATCH: u64 = 4;

fn caller() -> Caller {
    let account = AccountId::parse("111122223333").expect("account");
    let identity = std::sync::Arc::new(trent_core::identity::CallerIdentity::root(&account));
    Caller {
        principal: Principal { unique_id: account.to_string(), account, kind: PrincipalKind::Root },
        access_key_id: "AKIAROOTROOTROOTROOT".into(),
        region: Region::parse("eu-west-1").expect("region"),
        source_ip: Some(std::net::Ipv4Addr::LOCALHOST.into()),
        user_agent: Some("trent-audit".to_owned()),
        secure_transport: false,
        identity,
        via_service: None,
        meter: Default::default(),
        on_behalf_log: None,
    }
}

/// A trail of 5 group commits of 4 KMS events each (seqs 1..=20, digests 1..=5), as the writer
/// stores it. Returns the directory, the database path and the signer.
async fn trail() -> (TempDir, PathBuf, AuditSigner) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.db");
    let store = SqliteAuditStore::open(&path).await.expect("open");
    let signer = AuditSigner::ephemeral().expect("signer");
    let who = caller();
    let mut chain = Chain::genesis();
    let mut scratch = Vec::new();
    let key = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let facts = CallFacts {
        request: Some(serde_json::json!({"KeyId": key})),
        response: None,
        resources: kms_resources(&who, &KmsNames { requested: [Some(key), None], ..KmsNames::default() }),
        key_uses: Vec::new(),
    };
    for b in 0..BATCHES {
        let pending = (0..PER_BATCH)
            .map(|i| {
                let op = if (b * PER_BATCH + i).is_multiple_of(2) { "Encrypt" } else { "DescribeKey" };
                let event = call_event(&CallRecord {
                    rules: &KMS,
                    caller: &who,
                    operation: op,
                    facts: &facts,
                    outcome: Outcome::Answered,
                    request_id: "req",
                    tls: None,
                    time: time::OffsetDateTime::now_utc(),
                });
                PendingEvent::new(&event).expect("pending")
            })
            .collect();
        let (batch, next) = chain.link(pending, &signer, time::OffsetDateTime::now_utc(), &mut scratch);
        store.append_audit(&batch.events, Some(&batch.digest)).await.expect("append");
        chain.advance(next);
    }
    store.close().await;
    (dir, path, signer)
}

async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path)).await.expect("raw connection")
}

async fn sql(path: &Path, statements: &[&str]) {
    let mut conn = raw(path).await;
    for s in statements {
        sqlx::query(s).execute(&mut conn).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    conn.close().await.expect("close");
}

async fn check(path: &Path, signer: &AuditSigner, anchor: Option<Anchor>) -> VerifyReport {
    let store = SqliteAuditStore::open_read_only(path).await.expect("open read-only");
    let report = verify(&store, &signer.public_key(), anchor).await.expect("verify");
    store.close().await;
    report
}

#[tokio::test]
async fn an_untouched_file_verifies() {
    let (_dir, path, signer) = trail().await;
    let report = check(&path, &signer, None).await;
    assert_eq!((report.events_checked, report.digests_checked, report.problem), (20, 5, None));
}

#[tokio::test]
async fn every_attack_on_the_file_is_named_with_its_seq() {
    let attacks: &[(&str, &[&str], Problem)] = &[
        (
            "edit a record's JSON",
            &[
                "UPDATE audit_events SET record = CAST(replace(CAST(record AS TEXT), 'trent-audit', 'innocent') AS BLOB) \
               WHERE seq = 7",
            ],
            Problem::EventEdited { seq: 7 },
        ),
        ("delete a record", &["DELETE FROM audit_events WHERE seq = 7"], Problem::EventMissing { seq: 7 }),
        (
            "delete a record and renumber the rest",
            &[
                "DELETE FROM audit_events WHERE seq = 7",
                "UPDATE audit_events SET seq = -seq WHERE seq > 7",
                "UPDATE audit_events SET seq = -seq - 1 WHERE seq < 0",
            ],
            Problem::ChainBroken { seq: 7 },
        ),
        (
            "swap two records' seq",
            &[
                "UPDATE audit_events SET seq = -1 WHERE seq = 7",
                "UPDATE audit_events SET seq = 7 WHERE seq = 8",
                "UPDATE audit_events SET seq = 8 WHERE seq = -1",
            ],
            Problem::EventsReordered { seq: 7, found_at: 8 },
        ),
        (
            "hide a record from its region's lookups",
            &["UPDATE audit_events SET region = 'us-west-2' WHERE seq = 3"],
            Problem::IndexMismatch { seq: 3, member: "awsRegion" },
        ),
        (
            "move a record out of a lookup's time range",
            &["UPDATE audit_events SET event_time = event_time - 86400 WHERE seq = 12"],
            Problem::IndexMismatch { seq: 12, member: "eventTime" },
        ),
        (
            "delete the tail events, keep their digest",
            &["DELETE FROM audit_events WHERE seq > 18"],
            Problem::TailDeleted { digest_seq: 5, from: 19, to: 20 },
        ),
        (
            "forge a digest",
            &["UPDATE audit_digests SET last_seq = 9 WHERE digest_seq = 2"],
            Problem::DigestBadSignature { digest_seq: 2 },
        ),
        (
            "delete a digest",
            &["DELETE FROM audit_digests WHERE digest_seq = 3"],
            Problem::DigestMissing { digest_seq: 3 },
        ),
    ];
    for (name, statements, expected) in attacks {
        let (_dir, path, signer) = trail().await;
        sql(&path, statements).await;
        assert_eq!(check(&path, &signer, None).await.problem.as_ref(), Some(expected), "{name}");
    }
}

#[tokio::test]
async fn a_record_rewritten_with_a_fresh_hash_breaks_the_next_link() {
    let (_dir, path, signer) = trail().await;
    let mut conn = raw(&path).await;
    let (prev, record): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT prev_hash, record FROM audit_events WHERE seq = 10")
            .fetch_one(&mut conn)
            .await
            .expect("row");
    let edited = String::from_utf8(record).expect("utf-8").replace("trent-audit", "innocent").into_bytes();
    let hash = chain::event_hash(&<[u8; 32]>::try_from(prev.as_slice()).expect("32 bytes"), &edited);
    sqlx::query("UPDATE audit_events SET record = ?1, hash = ?2 WHERE seq = 10")
        .bind(&edited)
        .bind(&hash[..])
        .execute(&mut conn)
        .await
        .expect("rewrite");
    conn.close().await.expect("close");
    assert_eq!(check(&path, &signer, None).await.problem, Some(Problem::ChainBroken { seq: 11 }));
}

#[tokio::test]
async fn deleting_the_tail_with_its_digest_is_caught_by_a_witness() {
    let (_dir, path, signer) = trail().await;
    let witness = check(&path, &signer, None).await.last_digest;
    assert_eq!(witness.map(|a| (a.digest_seq, a.last_seq)), Some((5, 20)));
    sql(&path, &["DELETE FROM audit_events WHERE seq > 16", "DELETE FROM audit_digests WHERE digest_seq = 5"]).await;
    assert_eq!(check(&path, &signer, None).await.problem, None, "a consistent prefix verifies on its own");
    assert_eq!(
        check(&path, &signer, witness).await.problem,
        Some(Problem::AnchorMissing { digest_seq: 5, last_seq: 20 })
    );
}

#[tokio::test]
async fn another_public_key_rejects_the_first_digest() {
    let (_dir, path, _signer) = trail().await;
    let stranger = AuditSigner::ephemeral().expect("signer");
    assert_eq!(check(&path, &stranger, None).await.problem, Some(Problem::DigestBadSignature { digest_seq: 1 }));
}
