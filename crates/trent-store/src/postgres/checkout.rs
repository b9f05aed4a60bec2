//! A pooled connection taken for one store call, with the call's client-side time limit.
//!
//! PostgreSQL's `statement_timeout` is enforced by the server: when the network to it
//! black-holes packets (a partition, no reset), a statement already sent never answers, and the
//! call would wait for TCP to give up (minutes to hours). Every statement run on a [`Checkout`]
//! (it is an [`Executor`]) fails instead at the call's deadline, which turns the database's
//! state down ([`Health::timed_out`]); every transaction (`transaction!`) is limited as a whole.
//!
//! A connection with a statement or a transaction still open on it is never given back to the
//! pool: a checkout dropped while busy (the call timed out, failed on its socket, or its
//! caller went away) closes its connection without a word to the server. PostgreSQL then rolls
//! the open transaction back when it sees the session end (or, if it never does, at
//! `idle_in_transaction_session_timeout`).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Connection, Describe, Either, Execute, Executor, PgConnection, PgPool, Postgres, Transaction};
use std::future::Future as _;
use tokio::time::{Instant, Sleep};
use trent_core::StoreError;

use super::health::{Health, noted};
use super::map_err;

/// A connection of the pool, held for one call until its deadline.
pub(crate) struct Checkout {
    /// `None` only once dropped or detached.
    conn: Option<PoolConnection<Postgres>>,
    state: State,
}

/// A [`Checkout`]'s bookkeeping, apart from its connection so that a statement can borrow the
/// one while its stream updates the other.
struct State {
    deadline: Instant,
    /// A statement or a transaction is open on the connection: it must not go back to the pool.
    busy: bool,
    pool: PgPool,
    health: Arc<Health>,
}

impl std::fmt::Debug for Checkout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout")
            .field("deadline", &self.state.deadline)
            .field("busy", &self.state.busy)
            .finish_non_exhaustive()
    }
}

impl Checkout {
    pub(crate) fn new(conn: PoolConnection<Postgres>, deadline: Instant, pool: PgPool, health: Arc<Health>) -> Self {
        Self { conn: Some(conn), state: State { deadline, busy: false, pool, health } }
    }

    fn raw(conn: &mut Option<PoolConnection<Postgres>>) -> &mut PgConnection {
        conn.as_mut().expect("a checkout holds its connection until dropped")
    }

    /// Begins a transaction (`begin`: the statement that does, `None` for PostgreSQL's
    /// default); the connection is busy until [`Checkout::settle`] says it ended.
    pub(crate) async fn begin(&mut self, begin: Option<&'static str>) -> Result<Transaction<'_, Postgres>, StoreError> {
        let Checkout { conn, state } = self;
        state.busy = true;
        let conn = Self::raw(conn);
        let begun = match begin {
            Some(statement) => conn.begin_with(statement).await,
            None => conn.begin().await,
        };
        begun.map_err(|e| noted(&state.pool, &state.health, map_err(e)))
    }

    /// Notes how the transaction's `COMMIT` or `ROLLBACK` ended: the connection is free again
    /// unless the socket failed (or nothing answered); the error, if any, is noted and
    /// returned.
    pub(crate) fn settle(&mut self, ended: Result<(), sqlx::Error>) -> Result<(), StoreError> {
        match ended {
            Ok(()) => {
                self.state.busy = false;
                Ok(())
            }
            Err(e) => {
                self.state.failed(&e);
                Err(noted(&self.state.pool, &self.state.health, map_err(e)))
            }
        }
    }

    /// Takes the connection out of the pool for good (a lease's own connection).
    pub(crate) fn detach(mut self) -> PgConnection {
        self.conn.take().expect("a checkout holds its connection until dropped").detach()
    }
}

impl State {
    /// Notes `e`, a statement's failure: the connection is free again if the server answered
    /// it; a failure of the socket turns the database's state down.
    fn failed(&mut self, e: &sqlx::Error) {
        if matches!(e, sqlx::Error::Database(_)) {
            self.busy = false; // the server answered: the session is sound
        } else {
            self.health.observe_sqlx(&self.pool, e);
        }
    }

    /// The error of a statement abandoned at the deadline (the state is turned down).
    fn timed_out(&self) -> sqlx::Error {
        let error = self.health.timed_out(&self.pool);
        sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, error))
    }

    /// `step` (a statement's outcome, or its time running out), noted.
    fn ended<T>(
        &mut self,
        step: Result<Result<T, sqlx::Error>, tokio::time::error::Elapsed>,
    ) -> Result<T, sqlx::Error> {
        match step {
            Ok(Ok(value)) => {
                self.busy = false;
                Ok(value)
            }
            Ok(Err(e)) => {
                self.failed(&e);
                Err(e)
            }
            Err(_) => Err(self.timed_out()),
        }
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if self.state.busy
            && let Some(conn) = self.conn.take()
        {
            // Out of the pool (which may open another) and closed as the socket drops.
            drop(conn.detach());
        }
    }
}

/// A statement's responses, failing at the checkout's deadline.
struct Limited<'e> {
    inner: BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>,
    sleep: Pin<Box<Sleep>>,
    state: &'e mut State,
    done: bool,
}

impl Stream for Limited<'_> {
    type Item = Result<Either<PgQueryResult, PgRow>, sqlx::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(None) => {
                this.done = true;
                this.state.busy = false;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                this.state.failed(&e);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(Ok(step))) => Poll::Ready(Some(Ok(step))),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.done = true;
                    Poll::Ready(Some(Err(this.state.timed_out())))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<'c> Executor<'c> for &'c mut Checkout {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let Checkout { conn, state } = self;
        state.busy = true;
        let sleep = Box::pin(tokio::time::sleep_until(state.deadline));
        let inner = Checkout::raw(conn).fetch_many(query);
        Box::pin(Limited { inner, sleep, state, done: false })
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let mut responses = self.fetch_many(query);
        Box::pin(async move {
            // Every response is read (a deferred constraint may fail after the first row), as
            // `PgConnection` does.
            let mut first = None;
            while let Some(step) = std::future::poll_fn(|cx| responses.as_mut().poll_next(cx)).await {
                if let Either::Right(row) = step? {
                    first.get_or_insert(row);
                }
            }
            Ok(first)
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        let Checkout { conn, state } = self;
        state.busy = true;
        let prepared = tokio::time::timeout_at(state.deadline, Checkout::raw(conn).prepare_with(sql, parameters));
        Box::pin(async move { state.ended(prepared.await) })
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        let Checkout { conn, state } = self;
        state.busy = true;
        let described = tokio::time::timeout_at(state.deadline, Checkout::raw(conn).describe(sql));
        Box::pin(async move { state.ended(described.await) })
    }
}
