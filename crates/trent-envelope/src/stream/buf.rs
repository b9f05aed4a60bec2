//! The byte buffers of the pipeline's batches: reused from batch to batch without being
//! zero-filled or reallocated again, filled by large reads straight from the input, and grown
//! only as bytes arrive (a frame length claimed by a header costs memory only for the bytes
//! that exist).

use std::io::{self, Read};

/// A read target up to this far past the bytes in use gets its storage at once; beyond it
/// (a huge frame length claimed by a header) storage doubles from `GROW_STEP` as bytes arrive.
const GROW_AT_ONCE: usize = 8 << 20;
/// The first step of progressive growth.
const GROW_STEP: usize = 1 << 20;

/// A byte buffer with a length in use and storage that only grows.
#[derive(Default)]
pub(crate) struct Buf {
    /// Storage. Its length only grows, so every byte of it is initialized and the next batch
    /// writes over the previous one's bytes instead of zero-filling the buffer again.
    bytes: Vec<u8>,
    /// Bytes in use, from the start of `bytes`.
    len: usize,
}

impl Buf {
    /// Bytes in use.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes in use.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Uses no bytes (the storage stays, with its contents, for the next batch).
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// Uses the first `len` bytes only.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Uses exactly `len` bytes and returns them for the caller to overwrite: storage beyond
    /// the old length holds an earlier batch's bytes or zeros.
    pub(crate) fn resize(&mut self, len: usize) -> &mut [u8] {
        self.grow_to(len);
        self.len = len;
        &mut self.bytes[..len]
    }

    /// Makes the storage at least `len` bytes long. The first allocation comes zeroed from the
    /// allocator (fresh pages, touched only when written) rather than zero-filled here: the
    /// pages a buffer never uses cost nothing, which matters on a VM where first touches of
    /// memory are slow.
    fn grow_to(&mut self, len: usize) {
        if self.bytes.is_empty() {
            self.bytes = vec![0; len];
        } else if self.bytes.len() < len {
            self.bytes.resize(len, 0);
        }
    }

    /// Appends `more`.
    pub(crate) fn extend_from_slice(&mut self, more: &[u8]) {
        let start = self.len;
        self.resize(start + more.len())[start..].copy_from_slice(more);
    }

    /// Reads from `input` until `target` bytes are in use or the input ends, in reads as large
    /// as the storage allows. Storage for a target within `GROW_AT_ONCE` is taken at once (only
    /// the pages written are touched); for a larger one it grows, doubling from `GROW_STEP`,
    /// only when full, so it stays within twice the bytes that arrived.
    ///
    /// # Errors
    /// The input's errors other than interruptions.
    pub(crate) fn fill_from(&mut self, input: &mut dyn Read, target: usize) -> io::Result<()> {
        while self.len < target {
            if self.len == self.bytes.len() {
                let wanted = target - self.len;
                let grow = if wanted <= GROW_AT_ONCE { wanted } else { self.bytes.len().max(GROW_STEP).min(wanted) };
                self.grow_to(self.len + grow);
            }
            let end = self.bytes.len().min(target);
            match input.read(&mut self.bytes[self.len..end]) {
                Ok(0) => return Ok(()),
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Overwrites all storage with zeros, with a vectorized memset that the optimizer may not
    /// drop (`black_box` makes the zeros observable). `zeroize`'s byte-by-byte volatile stores
    /// cost a third of a core per GiB here; key material keeps using `zeroize`.
    pub(crate) fn wipe(&mut self) {
        self.bytes.fill(0);
        std::hint::black_box(&self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `step` bytes per read, with an interruption before each.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(self.step).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn fills_to_the_target_or_the_end_and_reuses_storage() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| i as u8).collect();
        let mut input = Trickle { data: &data, step: 70_000, interrupt: false };
        let mut buf = Buf::default();
        buf.fill_from(&mut input, 100_000).unwrap();
        assert_eq!(buf.as_slice(), &data[..100_000]);
        assert_eq!(buf.bytes.len(), 100_000, "a small target is allocated at once");
        buf.fill_from(&mut input, 1 << 30).unwrap();
        assert_eq!(buf.as_slice(), &data[..]);
        assert!(buf.bytes.len() <= 2 * data.len(), "storage follows the bytes that arrived, not the target");
        let storage = buf.bytes.as_ptr();
        buf.clear();
        buf.extend_from_slice(b"abc");
        buf.fill_from(&mut &data[..10], 8).unwrap();
        assert_eq!(buf.as_slice(), b"abc\x00\x01\x02\x03\x04");
        assert_eq!(buf.bytes.as_ptr(), storage, "reused, not reallocated");
        buf.truncate(2);
        assert_eq!(buf.as_slice(), b"ab");
        buf.wipe();
        assert!(buf.bytes.iter().all(|b| *b == 0));
    }
}
