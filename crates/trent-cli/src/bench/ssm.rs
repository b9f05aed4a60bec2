//! Parameter Store rows of `trent bench`: `GetParameter` of a `String`, `GetParameter` of a
//! `SecureString` with decryption (under the AWS managed key `alias/aws/ssm`, so a KMS
//! `Decrypt` on the caller's behalf per request), and `GetParametersByPath` of a path of ten
//! parameters (one full page), in an account holding `--parameters` other parameters, so
//! that a run with 1,000 and one with 100,000 show whether the size of the account matters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::json;
use trent_client::JsonClient;

use super::BenchOp;

/// Filler parameters written concurrently (as `--populate-keys` writes its keys).
const FILL_CONCURRENCY: usize = 64;
/// Parameters below the path `GetParametersByPath` reads: one full page.
const PATH_SIZE: usize = 10;

/// The request bodies of the Parameter Store rows, once the parameters they read exist.
pub(super) struct SsmBodies {
    pub(super) string: serde_json::Value,
    pub(super) secure: serde_json::Value,
    pub(super) by_path: serde_json::Value,
}

impl SsmBodies {
    /// The body of `op`, if it is a Parameter Store row.
    pub(super) fn of(&self, op: BenchOp) -> Option<&serde_json::Value> {
        match op {
            BenchOp::GetParameter => Some(&self.string),
            BenchOp::GetParameterSecure => Some(&self.secure),
            BenchOp::GetParametersByPath => Some(&self.by_path),
            _ => None,
        }
    }
}

/// Writes the measured parameters below `/trent-bench/<tag>` (values of `value_bytes`
/// bytes) and `filler` more elsewhere (Advanced tier past Standard's 10,000), and returns
/// the rows' bodies.
pub(super) async fn prepare(
    ssm: &Arc<JsonClient>,
    tag: &str,
    value_bytes: usize,
    filler: usize,
) -> Result<SsmBodies, Box<dyn std::error::Error>> {
    let root = format!("/trent-bench/{tag}");
    let value = "z".repeat(value_bytes.max(1));
    let put = |name: String, kind: &str| json!({ "Name": name, "Value": value, "Type": kind });
    ssm.call("PutParameter", &put(format!("{root}/string"), "String")).await?;
    ssm.call("PutParameter", &put(format!("{root}/secure"), "SecureString")).await?;
    for i in 0..PATH_SIZE {
        ssm.call("PutParameter", &put(format!("{root}/path/p{i:02}"), "String")).await?;
    }
    fill(ssm, tag, filler).await?;
    Ok(SsmBodies {
        string: json!({ "Name": format!("{root}/string") }),
        secure: json!({ "Name": format!("{root}/secure"), "WithDecryption": true }),
        by_path: json!({ "Path": format!("{root}/path"), "MaxResults": PATH_SIZE }),
    })
}

/// `count` parameters spread over 100 paths, written `FILL_CONCURRENCY` at a time through
/// `PutParameter`, as any client would. Progress goes to stderr every tenth. Each write costs
/// the same however many parameters the account holds (the tier quota check reads a kept
/// count), so 100,000 take a hundred times as long as 1,000.
async fn fill(ssm: &Arc<JsonClient>, tag: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    if count == 0 {
        return Ok(());
    }
    eprintln!("writing {count} filler parameters");
    let start = Instant::now();
    let step = (count / 10).max(1);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..FILL_CONCURRENCY.min(count) {
        let (ssm, next, tag) = (ssm.clone(), next.clone(), tag.to_owned());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<(), String>(());
                }
                // Standard holds at most 10,000 parameters per account and region.
                let tier = if i < 9_000 { "Standard" } else { "Advanced" };
                let name = format!("/trent-bench-fill/{tag}/d{:02}/p{i}", i % 100);
                let body = json!({ "Name": name, "Value": "filler", "Type": "String", "Tier": tier });
                ssm.call("PutParameter", &body).await.map_err(|e| e.to_string())?;
                if (i + 1) % step == 0 {
                    let rate = (i + 1) as f64 / start.elapsed().as_secs_f64();
                    eprintln!("wrote {} of {count} filler parameters ({rate:.0} PutParameter/s)", i + 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await?.map_err(|e| format!("writing filler parameters: {e}"))?;
    }
    let took = start.elapsed().as_secs_f64();
    eprintln!("wrote {count} filler parameters in {took:.1} s ({:.0} PutParameter/s)", count as f64 / took);
    Ok(())
}
