//! Guards the SigV4 amplification hole: a ~100 KB request whose `SignedHeaders` names one big
//! header thousands of times made the server build (and keep) a canonical request of hundreds
//! of megabytes before refusing it.
//!
//! A real server on a loopback port receives many such requests over raw TCP (through hyper's
//! own header limits, as an attacker's would arrive) signed with the administrator's access key
//! id but a made-up signature; the process's peak resident memory (`VmHWM`, the server runs in
//! this process) must stay within a bound. This file holds one test so that no other test in
//! the same process moves the peak.

use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use trent_core::{Clock as _, ManualClock};
use trent_server::RawConfig;

/// How much the peak resident memory may grow over the whole run. Each request is ~100 KB and
/// a few are in flight at once; before the fix a single one cost ~250 MB.
const PEAK_GROWTH_LIMIT_KB: u64 = 64 * 1024;

/// The value of `name` (in kB) in `/proc/self/status`.
fn proc_status_kb(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in /proc/self/status"))
}

/// `YYYYMMDD'T'HHMMSS'Z'` of the server's clock.
fn amz_date(clock: &ManualClock) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    clock.now().to_offset(time::UtcOffset::UTC).format(&format).expect("format")
}

/// A KMS `ListKeys` whose `SignedHeaders` lists `pad_name` `repeats` times; `pad_values` are
/// sent as separate `pad_name` headers. The signature is made up: the server must refuse the
/// request without amplifying it.
fn amplifying_request(akid: &str, date: &str, pad_values: &[String], repeats: usize) -> Vec<u8> {
    let pad_name = "x-amz-pad";
    let mut signed = String::from("host");
    for _ in 0..repeats {
        signed.push(';');
        signed.push_str(pad_name);
    }
    signed.push_str(";x-amz-date;x-amz-target");
    let body = "{}";
    let mut req = format!(
        "POST / HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-amz-json-1.1\r\n\
         x-amz-target: TrentService.ListKeys\r\nx-amz-date: {date}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for value in pad_values {
        req.push_str(&format!("{pad_name}: {value}\r\n"));
    }
    req.push_str(&format!(
        "authorization: AWS4-HMAC-SHA256 Credential={akid}/{}/us-east-1/kms/aws4_request, SignedHeaders={signed}, \
         Signature={}\r\n\r\n{body}",
        &date[..8],
        "0".repeat(64)
    ));
    req.into_bytes()
}

/// Sends `request` on a fresh connection and returns the answer's status line and body.
async fn send(addr: std::net::SocketAddr, request: &[u8]) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.lines().next().unwrap_or("").to_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_signed_header_names_do_not_amplify_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = RawConfig {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().join("data")),
        ..RawConfig::default()
    }
    .resolve(None)
    .expect("valid test configuration");
    let clock = ManualClock::starting_now();
    let listener = tokio::net::TcpListener::bind(config.listen).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (state, first) = trent_server::bootstrap(config, Arc::new(clock.clone())).await.expect("bootstrap");
    let akid = first.expect("first start creates the administrator").access_key_id;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(trent_server::run(listener, state, async {
        let _ = stopped.await;
    }));
    let date = amz_date(&clock);

    // One big value named 5 000 times (5 000 × 50 KB = 250 MB of canonical headers), and 90
    // values of 500 bytes under one name, named 5 000 times (5 000 × 45 KB).
    let one_big = amplifying_request(&akid, &date, &["a".repeat(50_000)], 5_000);
    let many_values = amplifying_request(&akid, &date, &vec!["b".repeat(500); 90], 5_000);
    assert!(one_big.len() < 110_000 && many_values.len() < 110_000, "each request is about 100 KB");

    // Warm up (connection handling, the identity cache) with a harmless request of the same
    // shape before taking the baseline.
    let harmless = amplifying_request(&akid, &date, &["c".repeat(100)], 1);
    let (status, body) = send(addr, &harmless).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}: {body}");
    assert!(body.contains("The request signature we calculated does not match"), "{body}");
    let baseline = proc_status_kb("VmHWM");

    for round in 0..8 {
        let answers = send_all(addr, [&one_big, &many_values, &one_big, &many_values]).await;
        for (status, body) in answers {
            assert!(status.starts_with("HTTP/1.1 400"), "round {round}: {status}: {body}");
            assert!(body.contains("InvalidSignatureException"), "round {round}: {body}");
            assert!(body.contains("SignedHeaders lists 5003 headers; at most 64 may be signed."), "{body}");
        }
    }
    let peak = proc_status_kb("VmHWM");
    assert!(
        peak.saturating_sub(baseline) < PEAK_GROWTH_LIMIT_KB,
        "peak resident memory grew by {} kB (from {baseline} kB to {peak} kB)",
        peak - baseline
    );

    let _ = stop.send(());
    server.await.expect("server task").expect("server result");
}

/// Sends the requests concurrently and returns their answers in order.
async fn send_all<const N: usize>(addr: std::net::SocketAddr, requests: [&Vec<u8>; N]) -> Vec<(String, String)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let r = r.clone();
            tokio::spawn(async move { send(addr, &r).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(N);
    for t in tasks {
        answers.push(t.await.expect("request task"));
    }
    answers
}
