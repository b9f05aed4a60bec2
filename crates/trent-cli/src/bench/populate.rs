//! `trent bench --populate-keys N`: fills the measured account with N more symmetric keys,
//! through `CreateKey` as any client would, before the rows are measured, so that the same
//! operations can be compared on an account of a thousand keys and one of a million (issue 13's
//! scale check: the per-key operations and the first `ListKeys` page must not slow down).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use trent_client::JsonClient;

/// Keys in flight while populating.
const IN_FLIGHT: usize = 64;

/// Creates `count` keys with `IN_FLIGHT` requests in flight; the number created and the time
/// it took. Progress goes to stderr every tenth.
///
/// # Errors
/// The first `CreateKey` that fails (a full disk, a quota): a half-populated account would
/// measure something other than what the row says.
pub(crate) async fn keys(client: &Arc<JsonClient>, count: u64) -> Result<(u64, Duration), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let step = (count / 10).max(1);
    let mut tasks = Vec::with_capacity(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let (client, next) = (client.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let body = serde_json::to_vec(&json!({ "Description": "trent bench population" }))?;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(());
                }
                match client.call_raw("CreateKey", body.clone()).await {
                    Ok((200, _)) => {}
                    Ok((status, answer)) => {
                        let answer = String::from_utf8_lossy(&answer).chars().take(300).collect::<String>();
                        return Err(format!("CreateKey {n} answered {status}: {answer}").into());
                    }
                    Err(e) => return Err(format!("CreateKey {n}: {e}").into()),
                }
                if (n + 1) % step == 0 {
                    let rate = (n + 1) as f64 / start.elapsed().as_secs_f64();
                    eprintln!("populated {} of {count} keys ({rate:.0} CreateKey/s)", n + 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await?.map_err(|e| e.to_string())?;
    }
    Ok((count, start.elapsed()))
}
