//! Retries against a local stub server: throttling and 5xx answers are retried with
//! backoff until an attempt succeeds or the attempts run out; other errors are not.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use trent_client::{ClientError, ClientOptions, Credentials, KmsClient, RetryPolicy};

/// Serves `answers` in order (then repeats the last), counting requests.
async fn stub(answers: Vec<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let mut chunk = [0u8; 4096];
                    let n = match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    buf.drain(..end + 4 + len);
                    let i = seen.fetch_add(1, Ordering::SeqCst);
                    let (status, body) = answers[i.min(answers.len() - 1)];
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

fn client(endpoint: &str, attempts: u32) -> KmsClient {
    let retry = RetryPolicy {
        max_attempts: attempts,
        base: Duration::from_millis(2),
        throttled_base: Duration::from_millis(2),
        cap: Duration::from_millis(20),
    };
    KmsClient::new(
        endpoint,
        Credentials::new("AKID", b"secret"),
        "us-east-1",
        ClientOptions { retry, ..ClientOptions::default() },
    )
    .unwrap()
}

const THROTTLED: (u16, &str) = (400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#);
const UNAVAILABLE: (u16, &str) = (503, r#"{"__type":"KMSInternalException","message":"try again"}"#);
const OK: (u16, &str) =
    (200, r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"AAEC","CiphertextBlob":"AwQF"}"#);

#[tokio::test]
async fn throttling_and_5xx_are_retried_until_success() {
    let (endpoint, count) = stub(vec![THROTTLED, UNAVAILABLE, THROTTLED, OK]).await;
    let answer = client(&endpoint, 5).generate_data_key("k", 3, &Default::default(), &[]).await.unwrap();
    assert_eq!(answer.plaintext.expose_secret(), &[0, 1, 2]);
    assert_eq!(answer.ciphertext, [3, 4, 5]);
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    let (endpoint, count) = stub(vec![THROTTLED]).await;
    let err = client(&endpoint, 3).generate_data_key("k", 3, &Default::default(), &[]).await.unwrap_err();
    assert!(matches!(&err, ClientError::Aws { code, .. } if code == "ThrottlingException"), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (endpoint, count) = stub(vec![(400, r#"{"__type":"NotFoundException","message":"no key"}"#), OK]).await;
    let err = client(&endpoint, 5).generate_data_key("k", 3, &Default::default(), &[]).await.unwrap_err();
    assert!(matches!(&err, ClientError::Aws { code, status: 400, .. } if code == "NotFoundException"));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    let retry = RetryPolicy {
        max_attempts: 2,
        base: Duration::from_millis(1),
        throttled_base: Duration::from_millis(1),
        cap: Duration::from_millis(2),
    };
    let options = ClientOptions { retry, attempt_timeout: Duration::from_millis(200), ..ClientOptions::default() };
    let client = KmsClient::new(&endpoint, Credentials::new("AKID", b"secret"), "us-east-1", options).unwrap();
    let err = client.generate_data_key("k", 3, &Default::default(), &[]).await.unwrap_err();
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "each attempt opened a connection");
}

#[tokio::test]
async fn connection_failures_are_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let started = std::time::Instant::now();
    let err = client(&endpoint, 3).generate_data_key("k", 3, &Default::default(), &[]).await.unwrap_err();
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}
