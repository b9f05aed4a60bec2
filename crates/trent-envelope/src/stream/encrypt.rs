//! Writing a message: materials, header and its authentication tag, frames from the
//! pipeline, and the footer signature over everything before it.

use std::io::{Read, Write};

use super::pipeline::{self, Batch, FrameSpan};
use super::{BATCH_BYTES, EncryptOptions, MAX_FRAME_LENGTH, MessageInfo};
use crate::cmm::MaterialsManager;
use crate::context::{restrict, serialize_context, without};
use crate::crypto::{self, BodyAad, FINAL_FRAME_STRING, FRAME_STRING, frame_iv, seal, seal_into};
use crate::error::{Error, Result};
use crate::header::{ContentType, Header};
use crate::materials::EncryptionRequest;
use crate::suite::{IV_LEN, TAG_LEN};

/// Encrypts everything `input` yields into one message written to `output`.
///
/// # Errors
/// `Config` for a bad frame length; the materials manager's errors; `CommitmentPolicy`;
/// `TooManyEncryptedDataKeys`; `PlaintextLength` when the input differs from an announced
/// length; `Io`.
pub fn encrypt_stream(
    cmm: &dyn MaterialsManager,
    options: &EncryptOptions,
    input: &mut dyn Read,
    output: &mut (dyn Write + Send),
) -> Result<MessageInfo> {
    let frame_length = options.frame_length;
    if frame_length == 0 || frame_length > MAX_FRAME_LENGTH {
        return Err(Error::Config(format!("frame length must be 1..={MAX_FRAME_LENGTH}")));
    }
    if let Some(s) = options.suite {
        options.commitment_policy.check_encrypt(s)?;
    }
    let materials = cmm.get_encryption_materials(EncryptionRequest {
        context: options.context.clone(),
        suite: options.suite,
        commitment_policy: options.commitment_policy,
        max_plaintext_length: options.plaintext_length,
        required_context_keys: Vec::new(),
    })?;
    let suite = materials.suite;
    options.commitment_policy.check_encrypt(suite)?;
    if let Some(max) = options.max_encrypted_data_keys
        && materials.edks.len() > max
    {
        return Err(Error::TooManyEncryptedDataKeys { count: materials.edks.len(), max });
    }
    let data_key = materials.data_key.as_ref().ok_or_else(|| Error::Keyring("no data key".into()))?;
    let message_id = crypto::random(suite.message_id_len())?;
    let keys = crypto::derive_keys(suite, data_key, &message_id)?;
    let mut header = Header {
        version: suite.message_version,
        suite,
        message_id: message_id.clone(),
        stored_context: without(&materials.context, &materials.required_context_keys),
        edks: materials.edks.clone(),
        content_type: ContentType::Framed,
        frame_length,
        suite_data: keys.commitment.as_ref().map(|c| c.to_vec()).unwrap_or_default(),
        body_bytes: Vec::new(),
        auth_iv: [0; IV_LEN],
        auth_tag: [0; TAG_LEN],
    };
    header.serialize_body()?;
    let mut aad = header.body_bytes.clone();
    aad.extend_from_slice(&serialize_context(&restrict(&materials.context, &materials.required_context_keys))?);
    header.auth_tag = seal(&keys.content, header.header_iv(), &aad, &mut [])?;
    let auth = header.auth_bytes();
    let mut hasher = materials.signing_key.as_ref().map(|k| k.hasher()).transpose()?;
    if let Some(h) = hasher.as_mut() {
        h.update(&header.body_bytes)?;
        h.update(&auth)?;
    }
    output.write_all(&header.body_bytes)?;
    output.write_all(&auth)?;
    let mut written = (header.body_bytes.len() + auth.len()) as u64;

    let frame = frame_length as usize;
    let per_batch = (BATCH_BYTES / frame).max(1);
    let mut sequence: u64 = 1;
    let mut plaintext_bytes: u64 = 0;
    let announced = options.plaintext_length;
    let produce = |batch: &mut Batch| -> Result<()> {
        let want = per_batch * frame;
        batch.plain.fill_from(input, want)?;
        let n = batch.plain.len();
        plaintext_bytes += n as u64;
        if announced.is_some_and(|a| plaintext_bytes > a) {
            return Err(Error::PlaintextLength);
        }
        let full = n / frame;
        let last = n < want;
        for i in 0..full {
            batch.frames.push(FrameSpan {
                sequence: next_sequence(&mut sequence)?,
                last: false,
                offset: i * frame,
                len: frame,
            });
        }
        if last {
            let len = n - full * frame;
            batch.frames.push(FrameSpan {
                sequence: next_sequence(&mut sequence)?,
                last: true,
                offset: full * frame,
                len,
            });
            batch.last = true;
        }
        Ok(())
    };
    let mid = &message_id;
    let content_key = &keys.content;
    let work = |batch: &mut Batch| -> Result<()> {
        let Batch { plain, out, frames, .. } = batch;
        let total = frames.iter().map(|f| frame_overhead(f.last) + f.len).sum();
        let out = out.resize(total);
        let plain = plain.as_slice();
        let mut at = 0;
        for f in frames.iter() {
            let iv = frame_iv(f.sequence);
            let string = if f.last { FINAL_FRAME_STRING } else { FRAME_STRING };
            if f.last {
                put(out, &mut at, &u32::MAX.to_be_bytes());
            }
            put(out, &mut at, &f.sequence.to_be_bytes());
            put(out, &mut at, &iv);
            if f.last {
                put(out, &mut at, &(f.len as u32).to_be_bytes());
            }
            let (ciphertext, rest) = out[at..].split_at_mut(f.len);
            let aad = BodyAad::new(mid, string, f.sequence, f.len as u64);
            seal_into(
                content_key,
                iv,
                aad.as_bytes(),
                &plain[f.offset..f.offset + f.len],
                ciphertext,
                &mut rest[..TAG_LEN],
            )?;
            at += f.len + TAG_LEN;
        }
        Ok(())
    };
    let out = &mut *output;
    let hasher_ref = &mut hasher;
    let written_ref = &mut written;
    let observe = move |batch: &Batch| -> Result<()> {
        match hasher_ref.as_mut() {
            Some(h) => h.update(batch.out.as_slice()),
            None => Ok(()),
        }
    };
    let emit = move |batch: &Batch| -> Result<()> {
        out.write_all(batch.out.as_slice())?;
        *written_ref += batch.out.len() as u64;
        Ok(())
    };
    let workers = pipeline::workers(options.threads, materials.signing_key.is_some());
    pipeline::run(workers, produce, &work, observe, emit)?;
    if announced.is_some_and(|a| a != plaintext_bytes) {
        return Err(Error::PlaintextLength);
    }
    if let (Some(h), Some(key)) = (hasher, &materials.signing_key) {
        let sig = key.sign(h)?;
        output.write_all(&(sig.len() as u16).to_be_bytes())?;
        output.write_all(&sig)?;
        written += 2 + sig.len() as u64;
    }
    output.flush()?;
    Ok(MessageInfo {
        suite,
        message_id,
        context: materials.context.clone(),
        edks: materials.edks.clone(),
        frame_length,
        plaintext_bytes,
        message_bytes: written,
    })
}

fn next_sequence(seq: &mut u64) -> Result<u32> {
    let s =
        u32::try_from(*seq).ok().filter(|s| *s != u32::MAX).ok_or(Error::Config("more than 2^32 - 2 frames".into()))?;
    *seq += 1;
    Ok(s)
}

/// Bytes of a serialized frame besides its content: sequence number, IV and tag, and for the
/// final frame its marker and content length.
fn frame_overhead(last: bool) -> usize {
    if last { 4 + 4 + IV_LEN + 4 + TAG_LEN } else { 4 + IV_LEN + TAG_LEN }
}

/// Writes `bytes` at `*at` and moves `*at` past them.
fn put(out: &mut [u8], at: &mut usize, bytes: &[u8]) {
    out[*at..*at + bytes.len()].copy_from_slice(bytes);
    *at += bytes.len();
}
