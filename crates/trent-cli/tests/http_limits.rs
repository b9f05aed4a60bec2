//! The server's connection limits, with real sockets against the binary: a header-read
//! timeout against slowloris clients, an idle timeout between keep-alive requests, and a cap
//! on connections served at once (extra clients wait until a connection closes). Each test
//! configures short limits and asserts that a connection is closed or answered at all, within
//! a generous bound, never on exact timing.

#[path = "support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::Server;

/// Far longer than any limit the tests configure: a connection still open after this was not
/// going to be closed.
const PATIENCE: Duration = Duration::from_secs(30);

fn server(dir: &tempfile::TempDir, limits: &[&str]) -> Server {
    let data = dir.path().join("data");
    let mut args = vec!["--data-dir", data.to_str().expect("utf-8")];
    args.extend_from_slice(limits);
    Server::start_with(&args).expect("server starts")
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.endpoint.trim_start_matches("http://")).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("read timeout");
    stream
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: trent\r\n\r\n";

/// Reads one answer to `GET /health` (a small fixed-length body) and returns its status line.
fn read_answer(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !(seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.ends_with(b"ok")) {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&seen);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Whether the server closed `stream` (end of file or a reset) before `PATIENCE` ran out.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// Guards issue 8 #5: a client sending header bytes slowly and never finishing (slowloris) held
/// its connection, and a slot, forever.
#[test]
fn a_slowloris_client_is_disconnected_after_the_header_read_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, &["--header-read-timeout-seconds", "1"]);
    let mut stream = connect(&server);
    stream.write_all(b"POST / HTTP/1.1\r\nHost: trent\r\n").expect("request line");
    let mut trickle = stream.try_clone().expect("clone");
    let started = Instant::now();
    // One header line every 200 ms, each one a fresh sign of life, until the server hangs up.
    let writer = std::thread::spawn(move || {
        let mut i = 0u32;
        while started.elapsed() < PATIENCE + Duration::from_secs(5) {
            if trickle.write_all(format!("X-Slow-{i}: a\r\n").as_bytes()).is_err() {
                return;
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    assert!(closed_by_server(&mut stream), "a slowloris connection was still open after {PATIENCE:?}");
    let _ = stream.shutdown(std::net::Shutdown::Both);
    writer.join().expect("writer");
    // The server itself is unharmed.
    let mut fresh = connect(&server);
    fresh.write_all(HEALTH).expect("request");
    assert_eq!(read_answer(&mut fresh).expect("answer"), "HTTP/1.1 200 OK");
    assert!(server.terminate());
}

/// Guards issue 8 #5: an idle keep-alive connection, or one that never sent a byte, was kept
/// open forever.
#[test]
fn idle_and_silent_connections_are_closed_and_busy_ones_keep_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, &["--idle-timeout-seconds", "1", "--header-read-timeout-seconds", "1"]);
    // Several requests on one keep-alive connection are answered.
    let mut busy = connect(&server);
    for _ in 0..3 {
        busy.write_all(HEALTH).expect("request");
        assert_eq!(read_answer(&mut busy).expect("answer"), "HTTP/1.1 200 OK");
    }
    // Then it idles, and is closed.
    assert!(closed_by_server(&mut busy), "an idle keep-alive connection was still open after {PATIENCE:?}");
    // A connection that never sends anything is closed too.
    let mut silent = connect(&server);
    assert!(closed_by_server(&mut silent), "a silent connection was still open after {PATIENCE:?}");
    assert!(server.terminate());
}

/// Guards issue 8 #5: connections were accepted without bound. At the cap, a further client
/// waits (in the listen backlog) and is served as soon as a connection closes.
#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, &["--max-connections", "2"]);
    // Two keep-alive connections, each answered once, so both hold a slot.
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    for stream in &mut held {
        stream.write_all(HEALTH).expect("request");
        assert_eq!(read_answer(stream).expect("answer"), "HTTP/1.1 200 OK");
    }
    let mut waiting = connect(&server);
    waiting.write_all(HEALTH).expect("request");
    // Not answered while both slots are taken. (A server that is merely slow would also not
    // answer here; the assertion cannot fail because of load.)
    waiting.set_read_timeout(Some(Duration::from_millis(500))).expect("read timeout");
    let mut buf = [0u8; 64];
    match waiting.read(&mut buf) {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
        other => panic!("a third connection was served beyond a cap of two: {other:?}"),
    }
    // A slot frees up: the waiting client is served.
    drop(held.pop());
    waiting.set_read_timeout(Some(PATIENCE)).expect("read timeout");
    assert_eq!(read_answer(&mut waiting).expect("answer after a slot freed up"), "HTTP/1.1 200 OK");
    // Open idle connections do not hold up a graceful shutdown.
    assert!(server.terminate());
}
