//! A bounded pipeline for message bodies: the calling thread produces batches of frames
//! (reads), worker threads seal or open the frames of a batch (out of place, between its
//! plaintext and its serialized frames), one observer thread sees the batches in order (the
//! running digest of a signed message: the one stage that cannot be parallel, so it does
//! nothing else) and one writer thread writes them in order. A fixed number of batches
//! circulates and their buffers are reused, so memory does not grow with the message; a
//! message of one batch runs inline without threads.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::buf::Buf;
use crate::error::{Error, Result};

/// One frame inside a batch buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameSpan {
    /// Sequence number.
    pub(crate) sequence: u32,
    /// Whether it is the final frame.
    pub(crate) last: bool,
    /// Where its plaintext starts in `Batch::plain` (encryption) or its content starts in
    /// `Batch::out` (decryption).
    pub(crate) offset: usize,
    /// Content length.
    pub(crate) len: usize,
}

/// A unit of work: some frames, in both their plaintext and their serialized form.
#[derive(Default)]
pub(crate) struct Batch {
    /// Order of the batch in the message.
    pub(crate) index: u64,
    /// Plaintext (input of encryption, output of decryption).
    pub(crate) plain: Buf,
    /// Serialized frames (output of encryption, input of decryption).
    pub(crate) out: Buf,
    /// The frames.
    pub(crate) frames: Vec<FrameSpan>,
    /// Whether this batch holds the final frame.
    pub(crate) last: bool,
}

impl Batch {
    /// Empties the batch for reuse. Its plaintext storage is overwritten by the next batch
    /// and cleared when the batch is dropped, at the end of the message.
    fn clear(&mut self) {
        self.plain.clear();
        self.out.clear();
        self.frames.clear();
        self.last = false;
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.plain.wipe();
    }
}

/// How many worker threads a message body gets: none (everything on the calling thread)
/// with one thread; with more, a signed message's digest takes a core of its own and the
/// frames share the others.
pub(crate) fn workers(threads: usize, signed: bool) -> usize {
    match threads {
        0 | 1 => 0,
        n if signed => n - 1,
        n => n,
    }
}

/// Runs the pipeline until `produce` fills a batch with `last` set, with `workers` threads
/// for `work` (0: everything on the calling thread).
///
/// `produce` fills an empty batch on the calling thread; `work` transforms it (on any
/// thread); `observe` then sees the batches in order on one thread (the running digest of a
/// signed message: the only stage that cannot be parallel, so it does nothing else) and
/// `emit` writes them in order on another. The first error stops every stage.
pub(crate) fn run<P, W, O, E>(workers: usize, mut produce: P, work: &W, mut observe: O, mut emit: E) -> Result<()>
where
    P: FnMut(&mut Batch) -> Result<()>,
    W: Fn(&mut Batch) -> Result<()> + Sync,
    O: FnMut(&Batch) -> Result<()> + Send,
    E: FnMut(&Batch) -> Result<()> + Send,
{
    let mut first = Batch::default();
    produce(&mut first)?;
    if first.last || workers == 0 {
        let mut batch = first;
        loop {
            work(&mut batch)?;
            observe(&batch)?;
            emit(&batch)?;
            if batch.last {
                batch.clear();
                return Ok(());
            }
            batch.clear();
            batch.index += 1;
            produce(&mut batch)?;
        }
    }
    let slots = workers * 2 + 3;
    let (free_tx, free_rx) = sync_channel::<Batch>(slots);
    let (todo_tx, todo_rx) = sync_channel::<Batch>(slots);
    let (done_tx, done_rx) = sync_channel::<Result<Batch>>(slots);
    let (emit_tx, emit_rx) = sync_channel::<Batch>(slots);
    for _ in 1..slots {
        let _ = free_tx.send(Batch::default());
    }
    let todo_rx = Mutex::new(todo_rx);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let todo_rx = &todo_rx;
            scope.spawn(move || worker(todo_rx, &done_tx, work));
        }
        drop(done_tx);
        let observer = scope.spawn(move || observer(done_rx, &emit_tx, &mut observe));
        let emitter = scope.spawn(move || emitter(emit_rx, &free_tx, &mut emit));
        let produced = producer(first, &free_rx, &todo_tx, &mut produce);
        drop(todo_tx);
        let observed = observer.join().unwrap_or_else(|_| Err(Error::Crypto("pipeline observer panicked")));
        let emitted = emitter.join().unwrap_or_else(|_| Err(Error::Crypto("pipeline writer panicked")));
        // A later stage's error closes the channels and stops the earlier ones quietly, so it
        // is the cause; a stage that saw its channel end early only echoes an earlier error.
        match (emitted, observed, produced) {
            (Err(e), _, _) | (Ok(_), Err(e), _) | (Ok(_), Ok(_), Err(e)) => Err(e),
            (Ok(true), Ok(true), Ok(())) => Ok(()),
            _ => Err(Error::Crypto("pipeline ended before the final frame")),
        }
    })
}

fn producer<P>(first: Batch, free: &Receiver<Batch>, todo: &SyncSender<Batch>, produce: &mut P) -> Result<()>
where
    P: FnMut(&mut Batch) -> Result<()>,
{
    let mut batch = first;
    let mut index = 0;
    loop {
        let last = batch.last;
        if todo.send(batch).is_err() {
            return Ok(());
        }
        if last {
            return Ok(());
        }
        index += 1;
        let Ok(mut next) = free.recv() else {
            return Ok(());
        };
        next.clear();
        next.index = index;
        produce(&mut next)?;
        batch = next;
    }
}

fn worker<W>(todo: &Mutex<Receiver<Batch>>, done: &SyncSender<Result<Batch>>, work: &W)
where
    W: Fn(&mut Batch) -> Result<()>,
{
    loop {
        let next = match todo.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(mut batch) = next else {
            return;
        };
        let result = work(&mut batch).map(|()| batch);
        let failed = result.is_err();
        if done.send(result).is_err() || failed {
            return;
        }
    }
}

fn observer<O>(done: Receiver<Result<Batch>>, next: &SyncSender<Batch>, observe: &mut O) -> Result<bool>
where
    O: FnMut(&Batch) -> Result<()>,
{
    let mut pending = BTreeMap::new();
    let mut expected = 0u64;
    for result in done.iter() {
        let batch = result?;
        pending.insert(batch.index, batch);
        while let Some(batch) = pending.remove(&expected) {
            observe(&batch)?;
            expected += 1;
            let last = batch.last;
            if next.send(batch).is_err() {
                return Ok(false);
            }
            if last {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn emitter<E>(batches: Receiver<Batch>, free: &SyncSender<Batch>, emit: &mut E) -> Result<bool>
where
    E: FnMut(&Batch) -> Result<()>,
{
    for mut batch in batches.iter() {
        emit(&batch)?;
        if batch.last {
            return Ok(true);
        }
        batch.clear();
        let _ = free.try_send(batch);
    }
    Ok(false)
}
