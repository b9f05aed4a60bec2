//! A TCP relay between a PostgreSQL client and the server that can black-hole every connection
//! (stop forwarding, without closing anything: packets dropped, no reset), then heal: new
//! connections pass again, those that crossed the partition stay dead (as after a long
//! partition, or a firewall that forgot them).
//!
//! Shared by `trent-store`'s partition tests and the CLI's (which include this file by path).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the relay does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Phase {
    /// Whether bytes of the current generation's connections are forwarded.
    forwarding: bool,
    /// Connections accepted in an earlier generation are never forwarded again.
    generation: u64,
    /// Stop forwarding right after the next chunk sent to the database holding these bytes
    /// (any chunk when they are empty).
    cut_after_request_with: Option<&'static [u8]>,
    /// Stop forwarding right after the next chunk from the database holding these bytes.
    cut_after_answer_with: Option<&'static [u8]>,
    /// How long each chunk waits before it is forwarded (either way).
    latency: Duration,
}

/// A TCP relay between the node and PostgreSQL that can black-hole every connection.
pub(crate) struct Relay {
    pub(crate) addr: SocketAddr,
    phase: Arc<watch::Sender<Phase>>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    pub(crate) async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the relay");
        let addr = listener.local_addr().expect("addr");
        let phase = Arc::new(watch::Sender::new(Phase {
            forwarding: true,
            generation: 0,
            cut_after_request_with: None,
            cut_after_answer_with: None,
            latency: Duration::ZERO,
        }));
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let (accept_phase, accept_tasks) = (phase.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let generation = accept_phase.borrow().generation;
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let up = tokio::spawn(pump(client_read, server_write, generation, accept_phase.clone(), true));
                let down = tokio::spawn(pump(server_read, client_write, generation, accept_phase.clone(), false));
                accept_tasks.lock().expect("tasks").extend([up, down]);
            }
        });
        tasks.lock().expect("tasks").push(accept);
        Relay { addr, phase, tasks }
    }

    /// Black-holes every connection right after the next request reaches the database; returns
    /// once it has.
    pub(crate) async fn cut(&self) -> Instant {
        self.cut_after_request_with(b"").await
    }

    /// Black-holes every connection right after the next chunk holding `marker` reaches the
    /// database; returns once it has. The statement that chunk carries is then in flight and its
    /// answer never comes, whatever other traffic (pool pings, heartbeats) the connections carry.
    /// The connections must be plain (`sslmode=disable`) for the relay to see the marker.
    pub(crate) async fn cut_after_request_with(&self, marker: &'static [u8]) -> Instant {
        self.phase.send_modify(|p| p.cut_after_request_with = Some(marker));
        self.phase.subscribe().wait_for(|p| !p.forwarding).await.expect("relay running");
        Instant::now()
    }

    /// Black-holes every connection right after the database's next chunk holding `marker`
    /// reaches the client (the answer it waited for arrives; whatever the client sends next does
    /// not). The connections must be plain (`sslmode=disable`) for the relay to see the marker.
    #[allow(dead_code)] // not every test binary that includes this file uses it
    pub(crate) fn cut_after_answer_with(&self, marker: &'static [u8]) {
        self.phase.send_modify(|p| p.cut_after_answer_with = Some(marker));
    }

    /// Delays every chunk by `latency` before forwarding it, either way (a slow network).
    #[allow(dead_code)] // not every test binary that includes this file uses it
    pub(crate) fn set_latency(&self, latency: Duration) {
        self.phase.send_modify(|p| p.latency = latency);
    }

    /// Forwards new connections again; those that crossed the partition stay dead.
    pub(crate) fn heal(&self) {
        self.phase.send_modify(|p| {
            p.forwarding = true;
            p.generation += 1;
        });
    }
}

/// `url` (`postgres://[userinfo@]host:port/database`, no query) with `relay`'s address for its
/// host and port, and `schema` for its search path.
pub(crate) fn relayed_url(url: &str, relay: &Relay, schema: &str) -> String {
    assert!(!url.contains('?'), "a test database URL without a query");
    let (scheme_rest, path) = url.split_once("://").expect("a URL").1.split_once('/').expect("a database");
    let userinfo = scheme_rest.rsplit_once('@').map_or("", |(u, _)| u);
    let at = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
    format!("postgres://{at}{}/{path}?options=-c%20search_path%3D{schema}", relay.addr)
}

/// The `host:port` of `url` (`postgres://[userinfo@]host:port/database`).
pub(crate) fn upstream_of(url: &str) -> String {
    let scheme_rest = url.split_once("://").expect("a URL").1.split_once('/').expect("a database").0;
    scheme_rest.rsplit_once('@').map_or(scheme_rest, |(_, h)| h).to_owned()
}

impl Drop for Relay {
    fn drop(&mut self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
    }
}

/// Copies `from` to `to` while the relay forwards connections of `generation`; the database
/// side of a connection is never closed by the relay while it black-holes it.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    generation: u64,
    phase: Arc<watch::Sender<Phase>>,
    to_database: bool,
) {
    let passes = move |p: &Phase| p.forwarding && p.generation == generation;
    let mut buf = vec![0_u8; 64 * 1024];
    let mut watcher = phase.subscribe();
    loop {
        if watcher.wait_for(passes).await.is_err() {
            return;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        let latency = phase.borrow().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        // The partition may have begun while this chunk was read: it is then lost.
        if watcher.wait_for(passes).await.is_err() {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        let chunk = &buf[..n];
        phase.send_if_modified(|p| {
            let holds =
                |marker: Option<&[u8]>| marker.is_some_and(|m| m.is_empty() || chunk.windows(m.len()).any(|w| w == m));
            let cut = if to_database { holds(p.cut_after_request_with) } else { holds(p.cut_after_answer_with) };
            if cut {
                p.forwarding = false;
                p.cut_after_request_with = None;
                p.cut_after_answer_with = None;
            }
            cut
        });
    }
}
