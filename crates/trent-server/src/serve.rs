//! The accept loop and the HTTP/1.1 connections, served with hyper directly (not
//! `axum::serve`) so that connections have limits: a header-read timeout (slowloris), an idle
//! timeout between keep-alive requests, and a cap on connections served at once.
//!
//! The cap is a semaphore taken *before* `accept`: at the cap, further clients wait in the
//! kernel's listen backlog (as Go's `netutil.LimitListener` does) instead of being accepted
//! and refused. Both timeouts run on hyper's header-read timer, through [`PhaseTimer`]: hyper
//! starts that timer whenever it waits for a request head, and the timer counts the idle
//! timeout until the first byte of the next request arrives, then the header-read timeout
//! from that byte (as Go's `http.Server` does with `IdleTimeout` and `ReadHeaderTimeout`).
//!
//! Graceful shutdown stops accepting, closes idle connections, and lets in-flight requests
//! finish. This module knows nothing of routes or handlers: it serves any [`Router`], over
//! plain TCP or TLS.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::rt::{Sleep, Timer};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::auth::SecureTransport;
use crate::config::HttpLimits;
use crate::tls::ServerTls;

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then waits for the
/// open connections to finish their requests. With `tls`, each connection first completes a
/// TLS handshake (within the header-read timeout) with the configuration in force when it was
/// accepted, and its requests carry [`SecureTransport`].
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    tls: Option<Arc<ServerTls>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        let (permit, stream, remote) = accepted?;
        // Answers are single small writes; never let Nagle hold one back.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        // Taken here, before the handshake: a shutdown that starts during the handshake still
        // waits for this connection (which then closes after its handshake, serving nothing).
        let watcher = graceful.watcher();
        let router = router.clone();
        let acceptor = tls.as_ref().map(|tls| tls.acceptor());
        tokio::spawn(async move {
            match acceptor {
                None => connection(stream, router, remote, limits, watcher, false).await,
                Some(acceptor) => {
                    match tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection(stream, router, remote, limits, watcher, true).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, %remote, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Serves one connection's requests (over TCP or TLS) until it closes or shutdown.
async fn connection<S>(
    stream: S,
    router: Router,
    remote: SocketAddr,
    limits: HttpLimits,
    watcher: Watcher,
    secure: bool,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(CountingIo { inner: stream, activity: activity.clone() });
    // Connection info gives each request its client address (`aws:SourceIp`, the audit trail),
    // and TLS its `aws:SecureTransport`.
    let service = TowerToHyperService::new(router.map_request(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        if secure {
            request.extensions_mut().insert(SecureTransport);
        }
        request
    }));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(PhaseTimer { activity, limits, first: Arc::new(AtomicBool::new(true)) })
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(error = %e, %remote, "connection ended with an error");
    }
}

/// Waits for a free connection slot, then for a connection. Transient accept errors (a client
/// that reset before being accepted, or no file descriptor left) are logged and retried, as
/// `axum::serve` does; only an error of the listener itself ends the server.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> std::io::Result<(tokio::sync::OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    let permit = permits.clone().acquire_owned().await.map_err(std::io::Error::other)?;
    loop {
        match listener.accept().await {
            Ok((stream, remote)) => return Ok((permit, stream, remote)),
            Err(e) if is_connection_error(&e) => {}
            Err(e) if e.raw_os_error().is_some() => {
                // EMFILE, ENFILE, ENOBUFS, ENOMEM: wait for resources instead of spinning.
                tracing::error!(error = %e, "accept failed; retrying in one second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// What a connection has read so far, for [`PhaseTimer`] to tell an idle connection from one
/// that has begun a request.
#[derive(Default)]
struct Activity {
    /// Bytes read from the socket.
    read: AtomicU64,
}

/// The socket (or the TLS stream over it), counting the bytes read from it.
struct CountingIo<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for CountingIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if read > 0 {
            self.activity.read.fetch_add(read as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CountingIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// hyper's timer for one connection. hyper's HTTP/1 server uses its timer for one thing, the
/// header-read timeout, which it starts each time it waits for a request head; the sleeps
/// made here turn that wait into two phases (see [`PhaseSleep`]).
#[derive(Clone)]
struct PhaseTimer {
    activity: Arc<Activity>,
    limits: HttpLimits,
    /// The connection's first request gets no idle phase: a client that connects must send.
    first: Arc<AtomicBool>,
}

impl PhaseTimer {
    fn phase_sleep(&self) -> PhaseSleep {
        let first = self.first.swap(false, Ordering::Relaxed);
        let (timeout, in_head) =
            if first { (self.limits.header_read_timeout, true) } else { (self.limits.idle_timeout, false) };
        PhaseSleep {
            activity: self.activity.clone(),
            seen: self.activity.read.load(Ordering::Relaxed),
            header_read_timeout: self.limits.header_read_timeout,
            in_head,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Timer for PhaseTimer {
    fn sleep(&self, _duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(self.phase_sleep())
    }

    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(self.phase_sleep())
    }
}

/// A wait for a request head: the idle timeout while no byte of it has arrived, then the
/// header-read timeout from the first byte. hyper polls it after every read that leaves the
/// head incomplete, so the first byte is noticed when it is read.
struct PhaseSleep {
    activity: Arc<Activity>,
    /// Bytes read when the wait began.
    seen: u64,
    header_read_timeout: Duration,
    /// Whether the head has begun (the header-read timeout is running).
    in_head: bool,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Future for PhaseSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.in_head && self.activity.read.load(Ordering::Relaxed) != self.seen {
            self.in_head = true;
            let deadline = tokio::time::Instant::now() + self.header_read_timeout;
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl Sleep for PhaseSleep {}
