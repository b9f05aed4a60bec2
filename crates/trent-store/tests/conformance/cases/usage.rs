//! Key usage (`GetKeyLastUsage`): the latest use of each key wins whatever the order of the
//! writes, a use goes with its key, and the start of tracking is set once.

use std::sync::Arc;

use trent_core::Store;
use trent_core::kms::{KeyUse, UsageOperation};

use crate::conformance::fixtures::{at, home, key, kid, material, scope};

fn used(key: u8, secs: i64, operation: UsageOperation, event: &str) -> KeyUse {
    KeyUse {
        scope: home(),
        key_id: kid(key),
        operation,
        at: at(secs),
        event_id: event.to_owned(),
        request_id: format!("request-{event}"),
    }
}

pub(crate) async fn key_usage_keeps_the_latest_and_goes_with_its_key(store: Arc<dyn Store>) {
    let s = home();
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert");
    store.insert_key(&key(&s, kid(2)), &material(0, 2), &[]).await.expect("insert");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), None);

    let newer = used(1, 200, UsageOperation::Sign, "e-200");
    store.record_key_usage(&[newer.clone(), used(2, 50, UsageOperation::Encrypt, "e-50")]).await.expect("write");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), Some(newer.clone()));

    // An older use written later (another node's, flushed late) does not replace it.
    store.record_key_usage(&[used(1, 100, UsageOperation::Decrypt, "e-100")]).await.expect("write older");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), Some(newer));

    // A later use does, and so does one at the same instant (both are the last; the later
    // write wins).
    let later = used(1, 300, UsageOperation::Verify, "e-300a");
    store.record_key_usage(std::slice::from_ref(&later)).await.expect("write later");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), Some(later));
    let tie = used(1, 300, UsageOperation::GenerateMac, "e-300");
    store.record_key_usage(std::slice::from_ref(&tie)).await.expect("write tie");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), Some(tie));

    // A use of a key that is gone (deleted between the use and the flush) is dropped, and
    // the rest of the batch is written.
    let of_kept = used(2, 400, UsageOperation::ReEncrypt, "e-400");
    store.record_key_usage(&[used(9, 400, UsageOperation::Encrypt, "e-gone"), of_kept.clone()]).await.expect("write");
    assert_eq!(store.key_last_usage(&s, &kid(9)).await.expect("read"), None);
    assert_eq!(store.key_last_usage(&s, &kid(2)).await.expect("read"), Some(of_kept));
    let elsewhere = scope("111122223333", "us-east-1");
    assert_eq!(store.key_last_usage(&elsewhere, &kid(2)).await.expect("read"), None, "scoped");

    store.delete_key(&s, &kid(1)).await.expect("delete");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), None, "gone with its key");
    store.insert_key(&key(&s, kid(1)), &material(0, 1), &[]).await.expect("insert again");
    assert_eq!(store.key_last_usage(&s, &kid(1)).await.expect("read"), None, "a new key starts unused");
}

pub(crate) async fn usage_tracking_starts_once(store: Arc<dyn Store>) {
    assert_eq!(store.usage_tracking_start(at(1_000)).await.expect("first"), at(1_000));
    assert_eq!(store.usage_tracking_start(at(2_000)).await.expect("second"), at(1_000), "set once");
}
