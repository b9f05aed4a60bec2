//! Reading a message: header, materials, key commitment and header tag, frames through the
//! pipeline, footer signature, end of input. A signed message is released only after its
//! signature verified (unless `Release::Streaming`): the first pass authenticates every
//! frame and the signature while copying the body to an unnamed spool file, the second
//! decrypts the spool. Nothing is released from a message whose header fails.

use std::io::{BufReader, Read, Seek, SeekFrom, Write};

use subtle::ConstantTimeEq;

use super::buf::Buf;
use super::pipeline::{self, Batch, FrameSpan};
use super::{BATCH_BYTES, DecryptOptions, MessageInfo, Release, default_threads};
use crate::cmm::MaterialsManager;
use crate::context::{restrict, serialize_context};
use crate::crypto::{
    self, BodyAad, FINAL_FRAME_STRING, FRAME_STRING, MessageDigest, SINGLE_BLOCK_STRING, Verifier, open, open_into,
};
use crate::error::{Error, Result};
use crate::header::{ContentType, Header, read_header};
use crate::materials::DecryptRequest;
use crate::suite::{IV_LEN, TAG_LEN};

/// Largest non-framed body the specification allows.
const MAX_NON_FRAMED: u64 = (1 << 36) - 32;
/// Read-ahead while parsing the header; what it holds past the header starts the body.
const HEADER_READ_BYTES: usize = 64 << 10;

/// Decrypts the message `input` yields and writes its plaintext to `output`.
///
/// # Errors
/// `Truncated`/`Malformed`/`TrailingData` for a damaged message; `CommitmentPolicy`,
/// `TooManyEncryptedDataKeys`, `CommitmentMismatch`, `HeaderAuthentication`,
/// `BodyAuthentication`, `SignatureVerification`; the materials manager's errors; `Io`.
pub fn decrypt_stream(
    cmm: &dyn MaterialsManager,
    options: &DecryptOptions,
    input: &mut dyn Read,
    output: &mut (dyn Write + Send),
) -> Result<MessageInfo> {
    let mut buffered = BufReader::with_capacity(HEADER_READ_BYTES, input);
    let header = read_header(&mut buffered, options.max_encrypted_data_keys)?;
    // The body is read in large pieces straight from the input, after what the header's
    // read-ahead already holds.
    let ahead = buffered.buffer().to_vec();
    let input = buffered.into_inner();
    let suite = header.suite;
    options.commitment_policy.check_decrypt(suite)?;
    let materials = cmm.decrypt_materials(DecryptRequest {
        suite,
        commitment_policy: options.commitment_policy,
        edks: header.edks.clone(),
        context: header.stored_context.clone(),
        reproduced_context: options.reproduced_context.clone(),
    })?;
    let data_key = materials.data_key.as_ref().ok_or_else(|| Error::Keyring("no data key".into()))?;
    let keys = crypto::derive_keys(suite, data_key, &header.message_id)?;
    if let Some(expected) = &keys.commitment
        && !bool::from(expected.as_slice().ct_eq(&header.suite_data))
    {
        return Err(Error::CommitmentMismatch);
    }
    let mut aad = header.body_bytes.clone();
    aad.extend_from_slice(&serialize_context(&restrict(&materials.context, &materials.required_context_keys))?);
    if !open(&keys.content, &header.header_iv(), &aad, &mut [], &header.auth_tag) {
        return Err(Error::HeaderAuthentication);
    }
    // A signed suite is verified whatever the materials manager says.
    let verifier = match (suite.is_signed(), &materials.verification_key) {
        (true, Some(point)) => Some(Verifier::new(suite, point)?),
        (true, None) => return Err(Error::Malformed("signed message without a verification key")),
        (false, _) => None,
    };
    let mut hasher = verifier.as_ref().map(Verifier::hasher).transpose()?;
    if let Some(h) = hasher.as_mut() {
        h.update(&header.body_bytes)?;
        h.update(&header.auth_bytes())?;
    }
    let threads = if options.threads == 0 { default_threads() } else { options.threads };
    let body = Body { header: &header, key: &keys.content, threads };
    let header_len = (header.body_bytes.len() + header.auth_bytes().len()) as u64;
    let mut footer = 0u64;
    let (plaintext_bytes, body_len) = match (&verifier, options.release) {
        (Some(v), Release::AfterVerification) => {
            let mut spool = match &options.spool_dir {
                Some(dir) => tempfile::tempfile_in(dir)?,
                None => tempfile::tempfile()?,
            };
            let mut spool_writer = std::io::BufWriter::with_capacity(BATCH_BYTES, &mut spool);
            let (_, body_len, rest) = body.run(ahead, input, hasher.as_mut(), Sink::Spool(&mut spool_writer))?;
            spool_writer.flush()?;
            drop(spool_writer);
            footer = finish(&mut rest.as_slice().chain(input), v, hasher)?;
            spool.seek(SeekFrom::Start(0))?;
            let (plaintext_bytes, _, _) = body.run(Vec::new(), &mut spool, None, Sink::Plaintext(output))?;
            (plaintext_bytes, body_len)
        }
        (Some(v), Release::Streaming) => {
            let (plaintext_bytes, body_len, rest) = body.run(ahead, input, hasher.as_mut(), Sink::Plaintext(output))?;
            footer = finish(&mut rest.as_slice().chain(input), v, hasher)?;
            (plaintext_bytes, body_len)
        }
        (None, _) => {
            let (plaintext_bytes, body_len, rest) = body.run(ahead, input, None, Sink::Plaintext(output))?;
            expect_end(&mut rest.as_slice().chain(input))?;
            (plaintext_bytes, body_len)
        }
    };
    output.flush()?;
    Ok(MessageInfo {
        suite,
        message_id: header.message_id.clone(),
        context: materials.context.clone(),
        edks: header.edks.clone(),
        frame_length: header.frame_length,
        plaintext_bytes,
        message_bytes: header_len + body_len + footer,
    })
}

/// Reads the footer, verifies the signature, and checks that the input ends there;
/// returns the footer's length.
fn finish(input: &mut dyn Read, verifier: &Verifier, hasher: Option<MessageDigest>) -> Result<u64> {
    let mut len = [0u8; 2];
    input.read_exact(&mut len).map_err(Error::read("footer"))?;
    let mut sig = vec![0u8; usize::from(u16::from_be_bytes(len))];
    input.read_exact(&mut sig).map_err(Error::read("footer"))?;
    let hasher = hasher.ok_or(Error::SignatureVerification)?;
    verifier.verify(hasher, &sig)?;
    expect_end(input)?;
    Ok(2 + sig.len() as u64)
}

fn expect_end(input: &mut dyn Read) -> Result<()> {
    let mut one = [0u8; 1];
    loop {
        match input.read(&mut one) {
            Ok(0) => return Ok(()),
            Ok(_) => return Err(Error::TrailingData),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
}

enum Sink<'a> {
    /// Keep the serialized frames (first pass of a signed message); discard plaintext.
    Spool(&'a mut (dyn Write + Send)),
    /// Write the plaintext.
    Plaintext(&'a mut (dyn Write + Send)),
}

struct Body<'a> {
    header: &'a Header,
    key: &'a aws_lc_rs::aead::LessSafeKey,
    threads: usize,
}

impl Body<'_> {
    /// Runs the body through the pipeline, starting with the bytes `ahead` and continuing with
    /// `input`; returns the plaintext bytes, the body bytes and what was read past the body.
    fn run(
        &self,
        ahead: Vec<u8>,
        input: &mut dyn Read,
        hasher: Option<&mut MessageDigest>,
        sink: Sink<'_>,
    ) -> Result<(u64, u64, Vec<u8>)> {
        let non_framed = self.header.content_type == ContentType::NonFramed;
        let frame_len = self.header.frame_length as usize;
        let per_batch = if non_framed { 1 } else { (BATCH_BYTES / frame_len.max(1)).max(1) };
        let mut reader = FrameReader {
            frame_len,
            non_framed,
            expected: 1,
            // Whole regular frames: reads of this size end exactly at a batch's last frame.
            batch_bytes: if non_framed { 0 } else { per_batch.saturating_mul(4 + IV_LEN + frame_len + TAG_LEN) },
            carry: ahead,
        };
        let workers = pipeline::workers(self.threads, hasher.is_some());
        let mut hasher = hasher;
        let mut body_len = 0u64;
        let produce = |batch: &mut Batch| -> Result<()> {
            reader.fill(input, batch, per_batch)?;
            body_len += batch.out.len() as u64;
            Ok(())
        };
        let mid = &self.header.message_id;
        let key = self.key;
        let work = |batch: &mut Batch| -> Result<()> {
            let Batch { plain, out, frames, .. } = batch;
            let plain = plain.resize(frames.iter().map(|f| f.len).sum());
            let out = out.as_slice();
            let mut at = 0;
            for f in frames.iter() {
                let (string, iv_at) = match (non_framed, f.last) {
                    (true, _) => (SINGLE_BLOCK_STRING, f.offset - 8 - IV_LEN),
                    (false, false) => (FRAME_STRING, f.offset - IV_LEN),
                    (false, true) => (FINAL_FRAME_STRING, f.offset - 4 - IV_LEN),
                };
                let aad = BodyAad::new(mid, string, f.sequence, f.len as u64);
                let ciphertext = &out[f.offset..f.offset + f.len];
                let tag = &out[f.offset + f.len..f.offset + f.len + TAG_LEN];
                let iv = &out[iv_at..iv_at + IV_LEN];
                if !open_into(key, iv, aad.as_bytes(), ciphertext, tag, &mut plain[at..at + f.len]) {
                    return Err(Error::BodyAuthentication { sequence: f.sequence });
                }
                at += f.len;
            }
            Ok(())
        };
        let mut plaintext_bytes = 0u64;
        let mut sink = sink;
        let observe = |batch: &Batch| -> Result<()> {
            match hasher.as_mut() {
                Some(h) => h.update(batch.out.as_slice()),
                None => Ok(()),
            }
        };
        let emit = |batch: &Batch| -> Result<()> {
            match &mut sink {
                Sink::Spool(w) => w.write_all(batch.out.as_slice())?,
                Sink::Plaintext(w) => {
                    w.write_all(batch.plain.as_slice())?;
                    plaintext_bytes += batch.plain.len() as u64;
                }
            }
            Ok(())
        };
        pipeline::run(workers, produce, &work, observe, emit)?;
        Ok((plaintext_bytes, body_len, reader.carry))
    }
}

/// Parses frames (or the single block) into batches, reading the input in large pieces
/// straight into the batch.
struct FrameReader {
    frame_len: usize,
    non_framed: bool,
    expected: u64,
    /// How many bytes to read at once for a batch.
    batch_bytes: usize,
    /// Bytes read past the last whole frame of the previous batch (or past the header); once
    /// the final frame is parsed, what was read past the body.
    carry: Vec<u8>,
}

impl FrameReader {
    /// Fills the empty `batch` with up to `per_batch` whole frames; the bytes after them go
    /// back to `carry`.
    fn fill(&mut self, input: &mut dyn Read, batch: &mut Batch, per_batch: usize) -> Result<()> {
        batch.out.extend_from_slice(&self.carry);
        self.carry.clear();
        let parsed =
            if self.non_framed { self.parse_single(input, batch) } else { self.parse_frames(input, batch, per_batch) };
        let end = parsed?;
        self.carry.extend_from_slice(&batch.out.as_slice()[end..]);
        batch.out.truncate(end);
        Ok(())
    }

    /// Makes the first `end` bytes of `out` available, reading a whole batch's worth when it
    /// reads at all; `Truncated(what)` if the input ends first.
    fn need(&self, input: &mut dyn Read, out: &mut Buf, end: usize, what: &'static str) -> Result<()> {
        if out.len() < end {
            out.fill_from(input, end.max(self.batch_bytes))?;
            if out.len() < end {
                return Err(Error::Truncated(what));
            }
        }
        Ok(())
    }

    /// Parses frames; returns where the last one parsed ends in `batch.out`.
    fn parse_frames(&mut self, input: &mut dyn Read, batch: &mut Batch, per_batch: usize) -> Result<usize> {
        let mut at = 0;
        for _ in 0..per_batch {
            let out = &mut batch.out;
            self.need(input, out, at + 4, "frame")?;
            let first = be32(out.as_slice(), at);
            let last = first == u32::MAX;
            let sequence = if last {
                self.need(input, out, at + 8, "final frame")?;
                be32(out.as_slice(), at + 4)
            } else {
                first
            };
            if u64::from(sequence) != self.expected || sequence == u32::MAX {
                return Err(Error::Malformed("frame sequence number out of order"));
            }
            self.expected += 1;
            let (offset, len) = if last {
                let offset = at + 8 + IV_LEN + 4;
                self.need(input, out, offset, "final frame")?;
                let len = be32(out.as_slice(), offset - 4) as usize;
                if len > self.frame_len {
                    return Err(Error::Malformed("final frame longer than the frame length"));
                }
                (offset, len)
            } else {
                let offset = at + 4 + IV_LEN;
                self.need(input, out, offset, "frame")?;
                (offset, self.frame_len)
            };
            self.need(input, out, offset + len + TAG_LEN, "frame content")?;
            batch.frames.push(FrameSpan { sequence, last, offset, len });
            at = offset + len + TAG_LEN;
            if last {
                batch.last = true;
                break;
            }
        }
        Ok(at)
    }

    /// Parses the single block of a non-framed body (held whole, as the format requires);
    /// returns where it ends in `batch.out`.
    fn parse_single(&mut self, input: &mut dyn Read, batch: &mut Batch) -> Result<usize> {
        let out = &mut batch.out;
        let offset = IV_LEN + 8;
        self.need(input, out, offset, "body")?;
        let len =
            u64::from_be_bytes(out.as_slice()[IV_LEN..offset].try_into().map_err(|_| Error::Malformed("body length"))?);
        if len > MAX_NON_FRAMED {
            return Err(Error::Malformed("non-framed body too long"));
        }
        let len = usize::try_from(len).map_err(|_| Error::Malformed("non-framed body too long"))?;
        self.need(input, out, offset + len + TAG_LEN, "body")?;
        batch.frames.push(FrameSpan { sequence: 1, last: true, offset, len });
        batch.last = true;
        Ok(offset + len + TAG_LEN)
    }
}

/// The big-endian `u32` at `at`.
fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
