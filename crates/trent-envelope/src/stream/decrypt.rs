//! Reading a message: header, materials, key commitment and header tag, frames through the
//! pipeline, footer signature, end of input. A signed message is released only after its
//! signature verified (unless `Release::Streaming`): the first pass authenticates every
//! frame and the signature while copying the body to an unnamed spool file, the second
//! decrypts the spool. Nothing is released from a message whose header fails.

use std::io::{BufReader, Read, Seek, SeekFrom, Write};

use aws_lc_rs::digest;
use subtle::ConstantTimeEq;

use super::pipeline::{self, Batch, FrameSpan};
use super::{BATCH_BYTES, DecryptOptions, MessageInfo, Release, default_threads};
use crate::cmm::MaterialsManager;
use crate::context::{restrict, serialize_context};
use crate::crypto::{self, FINAL_FRAME_STRING, FRAME_STRING, SINGLE_BLOCK_STRING, Verifier, body_aad, open};
use crate::error::{Error, Result};
use crate::header::{ContentType, Header, read_header};
use crate::materials::DecryptRequest;
use crate::suite::{IV_LEN, TAG_LEN};

/// Largest non-framed body the specification allows.
const MAX_NON_FRAMED: u64 = (1 << 36) - 32;

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
    let mut input = BufReader::with_capacity(BATCH_BYTES, input);
    let header = read_header(&mut input, options.max_encrypted_data_keys)?;
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
    let mut hasher = verifier.as_ref().map(Verifier::hasher);
    if let Some(h) = hasher.as_mut() {
        h.update(&header.body_bytes);
        h.update(&header.auth_bytes());
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
            body.run(&mut input, hasher.as_mut(), Sink::Spool(&mut spool_writer))?;
            spool_writer.flush()?;
            drop(spool_writer);
            footer = finish(&mut input, v, hasher)?;
            spool.seek(SeekFrom::Start(0))?;
            body.run(&mut BufReader::with_capacity(BATCH_BYTES, spool), None, Sink::Plaintext(output))?
        }
        (Some(v), Release::Streaming) => {
            let counts = body.run(&mut input, hasher.as_mut(), Sink::Plaintext(output))?;
            footer = finish(&mut input, v, hasher)?;
            counts
        }
        (None, _) => {
            let counts = body.run(&mut input, None, Sink::Plaintext(output))?;
            expect_end(&mut input)?;
            counts
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
fn finish(input: &mut dyn Read, verifier: &Verifier, hasher: Option<digest::Context>) -> Result<u64> {
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
    /// Runs the body through the pipeline; returns (plaintext bytes, body bytes).
    fn run(&self, input: &mut dyn Read, hasher: Option<&mut digest::Context>, sink: Sink<'_>) -> Result<(u64, u64)> {
        let non_framed = self.header.content_type == ContentType::NonFramed;
        let mut reader = FrameReader { frame_len: self.header.frame_length as usize, non_framed, expected: 1 };
        let per_batch = if non_framed { 1 } else { (BATCH_BYTES / reader.frame_len.max(1)).max(1) };
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
            for f in frames.iter() {
                let (string, iv_at) = match (non_framed, f.last) {
                    (true, _) => (SINGLE_BLOCK_STRING, f.offset - 8 - IV_LEN),
                    (false, false) => (FRAME_STRING, f.offset - IV_LEN),
                    (false, true) => (FINAL_FRAME_STRING, f.offset - 4 - IV_LEN),
                };
                let mut iv = [0u8; IV_LEN];
                iv.copy_from_slice(&out[iv_at..iv_at + IV_LEN]);
                let mut tag = [0u8; TAG_LEN];
                tag.copy_from_slice(&out[f.offset + f.len..f.offset + f.len + TAG_LEN]);
                let aad = body_aad(mid, string, f.sequence, f.len as u64);
                let start = plain.len();
                plain.extend_from_slice(&out[f.offset..f.offset + f.len]);
                if !open(key, &iv, &aad, &mut plain[start..], &tag) {
                    return Err(Error::BodyAuthentication { sequence: f.sequence });
                }
            }
            Ok(())
        };
        let mut plaintext_bytes = 0u64;
        let mut sink = sink;
        let observe = |batch: &Batch| -> Result<()> {
            if let Some(h) = hasher.as_mut() {
                h.update(&batch.out);
            }
            Ok(())
        };
        let emit = |batch: &Batch| -> Result<()> {
            match &mut sink {
                Sink::Spool(w) => w.write_all(&batch.out)?,
                Sink::Plaintext(w) => {
                    w.write_all(&batch.plain)?;
                    plaintext_bytes += batch.plain.len() as u64;
                }
            }
            Ok(())
        };
        pipeline::run(workers, produce, &work, observe, emit)?;
        Ok((plaintext_bytes, body_len))
    }
}

/// Parses frames (or the single block) from the input into batches.
struct FrameReader {
    frame_len: usize,
    non_framed: bool,
    expected: u64,
}

impl FrameReader {
    fn fill(&mut self, input: &mut dyn Read, batch: &mut Batch, per_batch: usize) -> Result<()> {
        if self.non_framed {
            return self.fill_single(input, batch);
        }
        for _ in 0..per_batch {
            let mut word = [0u8; 4];
            input.read_exact(&mut word).map_err(Error::read("frame"))?;
            let first = u32::from_be_bytes(word);
            let last = first == u32::MAX;
            let sequence = if last {
                input.read_exact(&mut word).map_err(Error::read("final frame"))?;
                u32::from_be_bytes(word)
            } else {
                first
            };
            if u64::from(sequence) != self.expected || sequence == u32::MAX {
                return Err(Error::Malformed("frame sequence number out of order"));
            }
            self.expected += 1;
            let start = batch.out.len();
            let fixed = if last { 8 + IV_LEN + 4 } else { IV_LEN };
            batch.out.resize(start + fixed, 0);
            if last {
                batch.out[start..start + 4].copy_from_slice(&u32::MAX.to_be_bytes());
                batch.out[start + 4..start + 8].copy_from_slice(&sequence.to_be_bytes());
                input.read_exact(&mut batch.out[start + 8..]).map_err(Error::read("final frame"))?;
            } else {
                batch.out[start..start + 4].copy_from_slice(&sequence.to_be_bytes());
                batch.out.resize(start + 4 + IV_LEN, 0);
                input.read_exact(&mut batch.out[start + 4..]).map_err(Error::read("frame"))?;
            }
            let len = if last {
                let end = batch.out.len();
                let l = u32::from_be_bytes([
                    batch.out[end - 4],
                    batch.out[end - 3],
                    batch.out[end - 2],
                    batch.out[end - 1],
                ]) as usize;
                if l > self.frame_len {
                    return Err(Error::Malformed("final frame longer than the frame length"));
                }
                l
            } else {
                self.frame_len
            };
            let offset = batch.out.len();
            // Grows with the bytes that arrive, not with the frame length the header claims.
            let want = (len + TAG_LEN) as u64;
            if input.take(want).read_to_end(&mut batch.out)? as u64 != want {
                return Err(Error::Truncated("frame content"));
            }
            batch.frames.push(FrameSpan { sequence, last, offset, len });
            if last {
                batch.last = true;
                return Ok(());
            }
        }
        Ok(())
    }

    fn fill_single(&mut self, input: &mut dyn Read, batch: &mut Batch) -> Result<()> {
        let mut head = [0u8; IV_LEN + 8];
        input.read_exact(&mut head).map_err(Error::read("body"))?;
        let len = u64::from_be_bytes(head[IV_LEN..].try_into().map_err(|_| Error::Malformed("body length"))?);
        if len > MAX_NON_FRAMED {
            return Err(Error::Malformed("non-framed body too long"));
        }
        batch.out.extend_from_slice(&head);
        let offset = batch.out.len();
        let want = len + TAG_LEN as u64;
        input.take(want).read_to_end(&mut batch.out)?;
        if (batch.out.len() - offset) as u64 != want {
            return Err(Error::Truncated("body"));
        }
        batch.frames.push(FrameSpan { sequence: 1, last: true, offset, len: len as usize });
        batch.last = true;
        Ok(())
    }
}
